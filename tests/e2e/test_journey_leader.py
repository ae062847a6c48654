"""The city leader: from the navigation to the overdue list, into an overdue item, and an
instruction (批示) on the leader-led item."""

import re

import pytest
from e2e_steps import expect_flash, follow, nav, open_details, region, row_with
from playwright.sync_api import expect
from seed_e2e import OVERDUE_NUMBER, OVERDUE_TITLE

pytestmark = pytest.mark.e2e


def test_leader_opens_the_overdue_list_and_an_item(journey, device):
    j = journey("leader")
    j.login("leader")
    j.shot("home")
    nav(j, "超期")
    expect(j.page.get_by_role("heading", level=1)).to_contain_text("超期")
    row = row_with(j, OVERDUE_TITLE)
    expect(row).to_contain_text(f"{OVERDUE_NUMBER}号")
    expect(row).to_contain_text("市住房和城乡建设局")
    expect(row).to_contain_text("张副市长")
    expect(row.locator(".badge-overdue")).to_have_text(re.compile(r"超期 \d+ 天"))
    j.shot("overdue-list", docs="overdue")

    follow(j, row.get_by_role("link", name=OVERDUE_TITLE))
    expect(j.page.get_by_role("heading", level=1)).to_have_text(OVERDUE_TITLE)
    units = region(j, "承办单位与办理期限")
    expect(units.locator(".badge-overdue").first).to_contain_text("超期")
    j.shot("overdue-item")

    form = open_details(region(j, "领导批示"), "添加批示")
    form.get_by_label("批示内容").fill("请市住建局主要负责同志亲自督办，本月底前答复代表。")
    follow(j, form.get_by_role("button", name="记录批示"))
    expect_flash(j, "批示已记录")
    expect(region(j, "领导批示")).to_contain_text("本月底前答复代表")
    j.shot("instruction")
