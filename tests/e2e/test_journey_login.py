"""Every role logs in and lands on its home page; the login page works on desktop and phone."""

import pytest

pytestmark = pytest.mark.e2e


def test_login_page_and_wrong_password(journey):
    j = journey("login")
    j.goto("/login")
    j.shot("login")
    j.page.get_by_label("用户名").fill("office")
    j.page.get_by_label("密码").fill("wrong-password1")
    j.page.get_by_role("button", name="登录").click()
    assert "用户名或密码错误" in j.page.content()
