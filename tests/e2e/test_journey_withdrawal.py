"""The office withdraws a joint suggestion at the deputies' written request (撤回): the form asks
for every co-signer's consent first and keeps what was typed; once withdrawn, the item page says
so and the units' inboxes no longer ask anyone to sign for it."""

import re
import secrets

import pytest
from e2e_steps import (
    LEAD_UNIT,
    expect_flash,
    nav,
    office_assign,
    office_register,
    open_details,
    region,
    row_with,
    submit,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

TITLES = {"desktop": "关于增设城东公交夜班线路的建议", "phone": "关于延长城西公交末班时间的建议"}
REASON = "相关线路已于会后开通，领衔人和附议人书面申请撤回本件。"


def test_office_withdraws_a_joint_suggestion(journey, device):
    number = f"{3 if device == 'desktop' else 4}{secrets.randbelow(900) + 100}"
    title = TITLES[device]
    office = journey("withdrawal-office")
    office.login("office")
    item_path = office_register(office, number=number, title=title)  # the deputy and a co-signer: joint
    office_assign(office)

    # First try: the co-signer's consent is not ticked; the page refuses and keeps what was typed.
    card = region(office, "撤回申请")
    form = open_details(card, "登记提出人的书面撤回申请")
    form.get_by_label("书面申请日期").fill("2026-11-20")
    form.get_by_label("撤回理由").fill(REASON)
    office.page.once("dialog", lambda dialog: dialog.accept())
    submit(office, form.get_by_role("button", name="撤回本件"), re.compile(r"/items/\d+/withdraw$"))
    expect_flash(office, "联名件须经全体联名人书面同意")
    # the refused form comes back with HTTP 422, which Chromium logs as a console error: expected here
    assert [e for e in office.errors if "422" in e], office.errors
    office.errors[:] = [e for e in office.errors if "422" not in e]
    card = region(office, "撤回申请")
    expect(card.get_by_label("撤回理由")).to_have_value(REASON)
    expect(card.get_by_label("书面申请日期")).to_have_value("2026-11-20")
    office.shot("withdraw-refused")

    # Second try, with the consent ticked: the item is withdrawn.
    card.get_by_label("全体联名人均已书面同意撤回").check()
    office.page.once("dialog", lambda dialog: dialog.accept())
    submit(office, card.get_by_role("button", name="撤回本件"), re.compile(re.escape(item_path) + "$"))
    expect_flash(office, "已撤回")
    done = region(office, "已撤回")
    expect(done).to_contain_text(REASON)
    expect(done).to_contain_text("全体联名人均已书面同意撤回")
    expect(office.page.get_by_role("region", name="撤回申请")).to_have_count(0)
    expect(office.page.locator("header")).to_contain_text("已撤回")
    office.shot("withdrawn")

    # The lead unit's handler has nothing left to sign for.
    handler = journey("withdrawal-handler")
    handler.login("handler")
    expect(handler.page).to_have_url(re.compile(r"/inbox"))
    expect(row_with(handler, title).filter(has_text="待签收")).to_have_count(0)
    handler.goto(item_path)
    units = region(handler, "承办单位与办理期限")
    expect(units.get_by_role("row").filter(has_text=LEAD_UNIT)).not_to_contain_text("待签收")
    expect(handler.page.get_by_role("button", name="签收")).to_have_count(0)
    handler.shot("withdrawn-unit-view")
    nav(handler, "本单位待办")
