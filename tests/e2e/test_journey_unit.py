"""A unit's handler: the inbox and its tabs, signing for an item on its page, a progress note
and an extension request — which the office then approves on its desk (交办审核)."""

import re

import pytest
from e2e_steps import LEAD_UNIT, choose, expect_flash, follow, nav, open_details, region, row_with, submit
from playwright.sync_api import expect
from seed_e2e import unit_number, unit_title

pytestmark = pytest.mark.e2e


def test_handler_signs_records_progress_and_asks_for_more_time(journey, device):
    title = unit_title(device)
    j = journey("unit")
    j.login("handler")
    expect(j.page).to_have_url(re.compile(r"/inbox"))
    expect(j.page.get_by_role("heading", level=1)).to_contain_text(LEAD_UNIT)
    j.shot("inbox", docs="inbox")

    tabs = j.page.get_by_role("list", name="按状态筛选")
    follow(j, tabs.get_by_role("link", name=re.compile("待签收")))
    expect(j.page).to_have_url(re.compile(r"status=pending_receipt"))
    row = row_with(j, title)
    expect(row).to_contain_text(unit_number(device))
    expect(row).to_contain_text("待签收")
    j.shot("inbox-pending")
    follow(j, row.get_by_role("link", name="办理"))

    units = region(j, "承办单位与办理期限")
    submit(j, units.get_by_role("button", name="签收"))
    expect_flash(j, "已签收")
    expect(region(j, "承办单位与办理期限")).to_contain_text("签收于")

    card = region(j, re.compile(f"办理情况 · {LEAD_UNIT}"))
    form = open_details(card, "记录办理进展")
    form.get_by_label("办理进展").fill("已召集物业企业座谈，正在起草收费指导意见。")
    submit(j, form.get_by_role("button", name="记录进展"))
    expect_flash(j, "已记录办理进展")
    expect(region(j, re.compile(f"办理情况 · {LEAD_UNIT}"))).to_contain_text("正在起草收费指导意见")

    card = region(j, re.compile(f"办理情况 · {LEAD_UNIT}"))
    form = open_details(card, "申请延期")
    due = form.get_by_label("申请延期至")
    latest = due.get_attribute("max")
    due.fill(latest)
    form.get_by_label("延期理由").fill("涉及多个部门联合出台文件，需征求意见，申请延期答复。")
    j.shot("extension-form")
    submit(j, form.get_by_role("button", name="提交延期申请"))
    expect_flash(j, "延期申请已提交")
    expect(region(j, re.compile(f"办理情况 · {LEAD_UNIT}"))).to_contain_text("待审核")
    j.shot("extension-requested")

    office = journey("unit-office")
    office.login("office")
    nav(office, "交办审核")
    desk = region(office, re.compile("延期"))
    row = desk.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text(latest)
    office.shot("desk", docs="desk")
    # every pending request also on its own list page, decided there with the same form
    office.goto("/desk/extensions")
    row = row_with(office, title)
    expect(row).to_contain_text(latest)
    office.shot("desk-extensions")
    choose(row.get_by_label("审核意见"), "同意延期")
    submit(office, row.get_by_role("button", name="提交"))
    expect_flash(office, "已同意延期")
    expect(office.page).to_have_url(re.compile(r"/desk/extensions$"))

    j.page.reload()
    expect(region(j, re.compile(f"办理情况 · {LEAD_UNIT}"))).to_contain_text(f"经批准延期至 {latest}")
    j.shot("extended")
