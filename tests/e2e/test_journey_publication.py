"""The answering unit publishes its sent reply (公开) and records the day: the reply shows its
publication deadline until then, and the date afterwards."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from e2e_steps import expect_flash, follow, region, row_with, submit
from playwright.sync_api import expect
from seed_e2e import replied_title

pytestmark = pytest.mark.e2e


def test_handler_records_that_the_reply_was_published(journey, device):
    j = journey("publication")
    j.login("handler")
    expect(j.page).to_have_url(re.compile(r"/inbox"))
    follow(j, j.page.get_by_role("link", name=re.compile("^已答复")))
    title = replied_title(device)
    follow(j, row_with(j, title).get_by_role("link", name=title))

    reply = region(j, "答复").get_by_role("article").first
    expect(reply).to_contain_text("待公开")
    expect(reply).to_contain_text("期限")
    j.shot("reply-to-publish")

    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()  # the live server's real clock
    reply.get_by_label("公开日期").fill(today)
    submit(j, reply.get_by_role("button", name="登记公开"))
    expect_flash(j, "已登记公开日期")
    reply = region(j, "答复").get_by_role("article").first
    expect(reply).to_contain_text(f"已于 {today} 公开")
    expect(reply.get_by_role("button", name="更正公开日期")).to_be_visible()
    j.shot("reply-published")
