"""The administrator gives a deputy an account: from the deputy's page ("为其创建账号", the form
filled in from the directory), and from a blank form, finding the deputy among many by typing."""

import re

import pytest
from e2e_steps import expect_flash, submit
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def add_person(j, name: str, delegation: str) -> None:
    j.goto("/admin/persons/new")
    j.page.locator("#name").fill(name)
    j.page.get_by_label("代表团 / 界别").fill(delegation)
    j.page.get_by_label("联系电话").fill("13700000001")
    submit(j, j.page.get_by_role("button", name="保存"), re.compile(r"/admin/persons$"))
    expect_flash(j, f"已新增“{name}”")


def create_account(j, username: str) -> None:
    """The rest of the new account form: user name and password; sent, the account is listed."""
    j.page.get_by_label("用户名").fill(username)
    j.page.get_by_label("初始密码").fill("Deputy#2026")
    j.page.get_by_label("确认密码").fill("Deputy#2026")
    submit(j, j.page.get_by_role("button", name="创建用户"), re.compile(r"/admin/users$"))
    expect_flash(j, f"已创建用户“{username}”")


def test_admin_gives_a_deputy_an_account_from_the_deputys_page(journey, device):
    j = journey("admin-person-account")
    j.login("admin")
    name = f"欧阳明远{device}"
    add_person(j, name, "南湖区代表团")
    j.page.get_by_role("link", name=name).click()
    j.page.get_by_role("link", name="为其创建账号").click()
    expect(j.page).to_have_url(re.compile(r"/admin/users/new\?role=submitter&person_id=\d+$"))
    expect(j.page.locator("#name")).to_have_value(name)
    expect(j.page.get_by_label("联系电话")).to_have_value("13700000001")
    person = j.page.get_by_label("关联代表委员（仅代表委员账号）")
    expect(person).to_be_visible()
    expect(person.locator("option:checked")).to_have_text(f"{name}（代表，南湖区代表团）")
    j.shot("account-filled-in")
    create_account(j, f"oyang-{device}")


def test_the_deputy_is_found_by_typing_in_a_blank_form(journey, device):
    j = journey("admin-person-filter")
    j.login("admin")
    names = [f"司马文{device}", f"司马武{device}"]
    for name in names:
        add_person(j, name, "北城区代表团")
    j.goto("/admin/users/new")
    person = j.page.get_by_label("关联代表委员（仅代表委员账号）")
    expect(person).to_be_hidden()  # a unit handler's account has no deputy
    j.page.get_by_label("角色").select_option(label="代表委员")
    expect(person).to_be_visible()
    box = j.page.get_by_role("searchbox", name="输入姓名、代表团或界别筛选")
    box.fill("司马")
    expect(j.page.get_by_text(re.compile(r"^匹配 \d+ 人$"))).to_be_visible()
    visible = person.locator("option:not([hidden])")
    assert all("司马" in text for text in visible.all_inner_texts())
    assert {names[0], names[1]} <= {t.split("（")[0] for t in visible.all_inner_texts()}
    box.fill(names[1])
    expect(j.page.get_by_text("匹配 1 人")).to_be_visible()
    expect(person.locator("option:checked")).to_have_text(f"{names[1]}（代表，北城区代表团）")  # the one match
    box.fill("没有这个人")
    expect(j.page.get_by_text("没有匹配的代表委员")).to_be_visible()
    box.fill(names[1])
    j.shot("person-filtered")
    box.press("Enter")  # picks, does not send the form
    expect(j.page).to_have_url(re.compile(r"/admin/users/new$"))
    j.page.locator("#name").fill(names[1])
    create_account(j, f"sima-{device}")
    j.page.get_by_role("link", name=f"sima-{device}").click()
    expect(j.page.get_by_label("关联代表委员（仅代表委员账号）").locator("option:checked")).to_have_text(
        f"{names[1]}（代表，北城区代表团）")
