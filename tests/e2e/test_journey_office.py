"""The office's journey, and every role it hands the item to, in one chain (each step needs the
one before): register → assign with the five fixes → the lead unit signs, contacts the deputy →
the co unit signs and sends its opinion → the lead unit drafts the reply → its leader signs off →
the co unit's leader co-signs → the office reviews → the deputy rates the reply → the office
enters a co-signer's paper form, closes the item out and exports the ledger."""

import re
import secrets

import openpyxl
import pytest
from e2e_steps import (
    CO_UNIT,
    LEAD_UNIT,
    PAPER_COSIGNER,
    SESSION,
    co_submit_opinion,
    decide_reply,
    expect_flash,
    follow,
    handler_draft_reply,
    nav,
    office_assign,
    office_close,
    office_export_ledger,
    office_paper_feedback,
    office_register,
    region,
    row_with,
    submitter_feedback,
    unit_record_contact,
    unit_sign_from_inbox,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

TITLES = {"desktop": "关于加快老旧小区加装电梯的建议", "phone": "关于推进老旧小区加装电梯的建议"}


def test_suggestion_from_registration_to_closeout(journey, device, tmp_path):
    number = f"{1 if device == 'desktop' else 2}{secrets.randbelow(900) + 100}"  # e.g. 1357: unique per run
    title = TITLES[device]
    people = {}

    def as_user(username: str):
        if username not in people:
            people[username] = journey(f"lifecycle-{username}")
            people[username].login(username)
        return people[username]

    # The office registers the suggestion and assigns it (office-supervised, lead + co).
    office = as_user("office")
    office.shot("dashboard", docs="dashboard")
    item_path = office_register(office, number=number, title=title)
    office_assign(office)

    # The lead unit's handler signs for it in the inbox and records the first contact.
    handler = as_user("handler")
    unit_sign_from_inbox(handler, title)
    handler.shot("item-received")
    unit_record_contact(handler, LEAD_UNIT)

    # The co unit signs for it and sends its opinion to the lead unit.
    cohandler = as_user("cohandler")
    unit_sign_from_inbox(cohandler, title)
    co_submit_opinion(cohandler)

    # The lead unit drafts the reply (the co opinion beside it) and submits it for sign-off.
    handler.goto(item_path)
    handler_draft_reply(handler)

    # The lead unit's leader finds it in the unit's inbox and signs it off.
    unitlead = as_user("unitlead")
    nav(unitlead, "本单位待办")
    follow(unitlead, row_with(unitlead, title).get_by_role("link", name=title))
    decide_reply(unitlead, "签发")
    expect_flash(unitlead, "已送会办单位会签")

    # The co unit's leader co-signs the draft.
    coleader = as_user("coleader")
    nav(coleader, "本单位待办")
    follow(coleader, row_with(coleader, title).get_by_role("link", name=title))
    decide_reply(coleader, "会签")
    expect_flash(coleader, "已送督查室审核")

    # The office reviews it; the reply goes out to every submitter.
    office.goto(item_path)
    decide_reply(office, "督查室审核")
    expect_flash(office, "答复已发送")
    reply = region(office, "答复").get_by_role("article").first
    expect(reply).to_contain_text("已发送")
    expect(reply.get_by_role("listitem").filter(has_text=CO_UNIT)).to_contain_text("同意")
    office.shot("reply-sent", docs="reply")

    # The deputy sees the item among their own, reads the reply and rates it.
    deputy = as_user("deputy")
    submitter_feedback(deputy, title)

    # On the session's reconciliation the item waits only for the co-signer's form: it is found
    # under 等待反馈意见 (counted by why, one kind at a time).
    office.goto("/reconcile")
    follow(office, office.page.get_by_role("link", name=re.compile(SESSION)))
    waiting = region(office, re.compile("尚不能销号的件及原因"))
    follow(office, waiting.get_by_role("link", name=re.compile("等待反馈意见")))
    expect(row_with(office, title)).to_contain_text(f"尚未收到{PAPER_COSIGNER}的反馈意见")
    office.shot("reconcile-waiting")

    # The office enters the co-signer's paper form, closes the item out, exports the ledger.
    office.goto(item_path)
    office_paper_feedback(office, PAPER_COSIGNER)
    office_close(office)
    path = office_export_ledger(office, number, tmp_path)
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book.worksheets[0]
    rows = [[str(c) if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    ours = [row for row in rows if number in row]
    assert ours, f"{number} is not in the exported ledger"
    assert any(title in cell for cell in ours[0])
    assert any(re.search("销号", cell) for cell in ours[0]), ours[0]
    book.close()
