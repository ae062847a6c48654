"""The deputy: their own items only, the reply that was sent to them, and their feedback."""

import re

import pytest
from e2e_steps import DEPUTY, FEEDBACK, fill_feedback, follow, open_details, region, row_with, submit
from playwright.sync_api import expect
from seed_e2e import OVERDUE_NUMBER, replied_number, replied_title

pytestmark = pytest.mark.e2e


def test_deputy_reads_the_reply_and_gives_feedback(journey, device):
    j = journey("submitter")
    j.login("deputy")
    expect(j.page).to_have_url(re.compile(r"/my-items"))
    title = replied_title(device)
    expect(row_with(j, title)).to_contain_text(replied_number(device))
    expect(j.page.get_by_text("关于整治城区道路积水点的建议")).to_have_count(0)  # someone else's item
    j.shot("my-items", docs="my-items")

    follow(j, row_with(j, title).get_by_role("link", name=title))
    reply = region(j, "答复").get_by_role("article").first
    expect(reply).to_contain_text("已发送")
    expect(reply).to_contain_text("年内完成选址")
    j.shot("reply")

    form = open_details(region(j, re.compile("征询意见")), "评价本轮答复")
    expect(form).to_contain_text(f"评价人：{DEPUTY}")
    fill_feedback(form, {**FEEDBACK, "result": "满意", "adoption": "部分采纳"})
    form.get_by_label("意见和建议").fill("希望明年按时建成。")
    submit(j, form.get_by_role("button", name="提交评价"))
    expect(j.page.get_by_role("alert").filter(has_text="评价已记录")).to_be_visible()
    row = region(j, re.compile("征询意见")).get_by_role("row").filter(has_text=DEPUTY)
    expect(row).to_contain_text("部分采纳")
    expect(region(j, re.compile("征询意见")).locator("summary", has_text="评价本轮答复")).to_have_count(0)
    j.shot("feedback-given")

    # Another deputy's item is not there for them.
    response = j.page.goto(j.base + "/items/1")
    assert response.status == 404, f"{OVERDUE_NUMBER} (someone else's item) answered {response.status}"
