"""A date typed wrongly into a row of a page form (the five fixes of one unit, a commitment of a
reply) gets WTForms' message in the page's language, as the page forms' own fields do: "不是有效的
日期值。" on a Chinese page, not "Not a valid date value.", and nothing is saved."""

from __future__ import annotations

import pytest

from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core.enums import Role
from tracker.replies.models import Commitment, Reply


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture()
def desk(f):
    unit = f.unit("市水务局")
    return {"office": f.office(), "item": f.item(number="88", title="关于治理城区内涝的建议"), "unit": unit,
            "handler": f.user(Role.UNIT_HANDLER, unit, name="水务经办")}


def five_fixes(desk, reply_due: str) -> dict:
    return {"step": "fixes", "tier": "department", "mode": "sole", "lead_unit_id": str(desk["unit"].id),
            "units-0-unit_id": str(desk["unit"].id), "units-0-role": "sole", "units-0-task": "研究办理并答复",
            "units-0-responsible_leader": "陈副局长", "units-0-handler_id": str(desk["handler"].id),
            "units-0-handler_phone": "", "units-0-reply_due": reply_due, "units-0-scorecard_id": ""}


def test_a_bad_reply_due_on_the_assignment_desk_is_refused_in_chinese(desk, client, login_as):
    login_as(desk["office"])
    response = client.post(f"/items/{desk['item'].id}/assign", data=five_fixes(desk, "bad"))
    assert response.status_code == 422
    page = text(response)
    assert "不是有效的日期值" in page and "Not a valid date value" not in page
    assert 'value="bad"' in page  # what was typed is kept
    assert Assignment.select().count() == 0
    assert not AuditEntry.select().where(AuditEntry.action == "assigned").exists()


def test_the_desks_date_message_follows_the_pages_language(desk, client, login_as):
    login_as(desk["office"])
    response = client.post(f"/items/{desk['item'].id}/assign?lang=en", data=five_fixes(desk, "2026-13-45"))
    assert response.status_code == 422
    assert "Not a valid date value" in text(response)
    assert Assignment.select().count() == 0


def test_a_bad_commitment_date_in_a_reply_is_refused_in_chinese(desk, f, client, login_as):
    a = f.assign(desk["item"], desk["unit"], handler=desk["handler"])
    assignments.receive(a, actor=desk["handler"])
    login_as(desk["handler"])
    response = client.post(f"/assignments/{a.id}/reply/new", data={
        "result_class": "B", "text": "经研究，现答复如下。", "doc_number": "", "contact_name": "水务经办",
        "contact_phone": "0571-87000000", "publish": "full",
        "commitments-0-text": "年底前完成改造", "commitments-0-due_date": "明年6月", "save_submit": "1"})
    assert response.status_code == 422
    page = text(response)
    assert "不是有效的日期值" in page and "Not a valid date value" not in page
    assert Reply.select().count() == 0 and Commitment.select().count() == 0


def test_a_bad_date_when_adjusting_an_assignment_is_refused_in_chinese(desk, f, client, login_as):
    a = f.assign(desk["item"], desk["unit"], handler=desk["handler"])
    before = (a.reply_due, a.version)
    login_as(desk["office"])
    response = client.post(f"/assignments/{a.id}/adjust", data={
        "version": str(a.version), "task": a.task, "responsible_leader": a.responsible_leader,
        "handler_id": str(a.handler_id), "handler_phone": "", "reply_due": "bad", "note": "调整"})
    assert response.status_code == 422
    page = text(response)
    assert "不是有效的日期值" in page and "Not a valid date value" not in page
    fresh = Assignment.get_by_id(a.id)
    assert (fresh.reply_due, fresh.version) == before
