"""Every role logs in and lands on its home page; the login page works on desktop and phone;
every page of each role's navigation passes the checks of ``j.shot``."""

import re

import pytest
from e2e_steps import nav
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_login_page_and_wrong_password(journey):
    j = journey("login")
    j.goto("/login")
    j.shot("login")
    j.page.get_by_label("用户名").fill("office")
    j.page.get_by_label("密码").fill("wrong-password1")
    j.page.get_by_role("button", name="登录").click()
    expect(j.page.get_by_text("用户名或密码错误")).to_be_visible()  # waits for the answer to the POST
    expect(j.page).to_have_url(re.compile(r"/login"))
    expect(j.page.get_by_label("用户名")).to_have_value("office")
    j.shot("wrong-password")


# The city leader's pages are a subset of the office's (test_journey_leader.py walks its own).
HOMES = {"office": "/dashboard", "handler": "/inbox", "deputy": "/my-items", "admin": "/admin/users"}


@pytest.mark.parametrize("username", list(HOMES))
def test_each_role_lands_home_and_every_page_of_its_navigation_passes_the_checks(journey, device, username):
    j = journey(f"navigation-{username}")
    j.login(username)
    expect(j.page).to_have_url(re.compile(re.escape(HOMES[username]) + r"$"))
    bar = j.page.get_by_role("navigation", name="主导航")
    links = [text.strip() for text in bar.locator("#nav ul.me-auto a.nav-link").all_inner_texts()]
    assert links, "the navigation is empty"
    for text in [*links, re.compile(r"^消息"), re.compile(re.escape(j.page.locator("#nav a[href='/me']").inner_text()))]:
        nav(j, text)  # on a phone through the collapsed menu, as a person would
        j.shot(re.sub(r"\W+", "-", j.page.url.split(j.base, 1)[1].strip("/")) or "home")
