"""逾期申退 (DOMAIN.md §3: "later requests refused unless the office overrides"): after the 申退
window a unit cannot ask to return an item itself; the office accepts its request, then decides
it as any other (approve and reassign, or reject)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment, ReturnRequest
from tracker.audit.models import AuditEntry
from tracker.core.enums import AssignmentStatus, Role
from tracker.core.errors import Conflict, PermissionDenied
from tracker.reminders.models import Notification

ASSIGNED = dt.date(2026, 3, 2)  # a Monday; the window (7 working days) closes on 03-11
LATE = dt.datetime(2026, 3, 20, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai, nine days after the window


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture()
def late(f):
    office = f.office()
    unit = f.unit("市水务局")
    handler = f.user(Role.UNIT_HANDLER, unit)
    item = f.item(number="66", title="关于整治城区积水点的建议")
    a = f.assign(item, unit, role="sole", handler=handler, assigned_on=ASSIGNED)
    assert a.return_due == dt.date(2026, 3, 11)
    with time_machine.travel(LATE, tick=False):
        yield {"office": office, "unit": unit, "handler": handler, "item": item, "a": Assignment.get_by_id(a.id)}


def test_the_unit_is_refused_and_told_to_ask_the_office(late, client, login_as):
    with pytest.raises(Conflict) as refused:
        assignments.request_return(late["a"], actor=late["handler"], reason="不属于本单位职责")
    assert refused.value.code == "return_window_closed"
    login_as(late["handler"])
    page = _text(client.get(f"/items/{late['item'].id}"))
    assert "申退期限已于 2026-03-11 截止；如确需退回，请联系督查室" in page
    assert "受理逾期申退" not in page
    assert client.get(f"/assignments/{late['a'].id}/late-return").status_code == 403
    response = client.post(f"/assignments/{late['a'].id}/late-return", data={"reason": "不属于本单位职责"})
    assert response.status_code == 403
    assert not ReturnRequest.select().exists()


def test_the_office_accepts_the_late_request_and_decides_it(late, client, login_as):
    login_as(late["office"])
    item_page = client.get(f"/items/{late['item'].id}").get_data(as_text=True)
    assert f"/assignments/{late['a'].id}/late-return" in item_page
    form_page = _text(client.get(f"/assignments/{late['a'].id}/late-return"))
    assert "受理逾期申退" in form_page and "申退期限已过" in form_page

    response = client.post(f"/assignments/{late['a'].id}/late-return", data={"reason": "该积水点属市政道路，应由住建局办理"})
    req = ReturnRequest.get(ReturnRequest.assignment == late["a"].id)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/return-requests/{req.id}/decision")
    assert req.late_override and req.status == "pending" and req.requested_by_id == late["office"].id
    assert Assignment.get_by_id(late["a"].id).status == AssignmentStatus.RETURN_REQUESTED.value
    entry = AuditEntry.get((AuditEntry.item_id == late["item"].id) & (AuditEntry.action == "return_requested"))
    assert "督查室受理市水务局逾期申退" in entry.detail and entry.after["late_override"] is True
    assert Notification.select().where((Notification.user == late["handler"].id)
                                       & Notification.title.startswith("督查室已受理逾期申退")).exists()

    decision = _text(client.get(f"/return-requests/{req.id}/decision"))
    assert "逾期申退，督查室受理" in decision
    client.post(f"/return-requests/{req.id}/decision", data={f"rr{req.id}-note": "同意", f"rr{req.id}-approve": "同意退回"})
    assert ReturnRequest.get_by_id(req.id).status == "approved"
    assert Assignment.get_by_id(late["a"].id).status == AssignmentStatus.RETURNED.value


def test_a_late_request_without_a_reason_is_refused_and_changes_nothing(late, client, login_as):
    login_as(late["office"])
    response = client.post(f"/assignments/{late['a'].id}/late-return", data={"reason": "  "})
    assert response.status_code == 422
    assert "请填写申请退回的理由" in _text(response)
    assert not ReturnRequest.select().exists()
    assert Assignment.get_by_id(late["a"].id).status == AssignmentStatus.PENDING_RECEIPT.value


def test_within_the_window_the_office_leaves_it_to_the_unit(f):
    office = f.office()
    unit = f.unit()
    item = f.item()
    a = f.assign(item, unit, role="sole", assigned_on=ASSIGNED)
    with time_machine.travel(dt.datetime(2026, 3, 4, 2, tzinfo=dt.UTC), tick=False):
        with pytest.raises(Conflict) as refused:
            assignments.request_return(a, actor=office, reason="不属于", late=True)
        assert refused.value.code == "return_window_open"
        with pytest.raises(PermissionDenied):  # and a unit cannot use the office's override
            assignments.request_return(a, actor=f.user(Role.UNIT_HANDLER, unit), reason="不属于", late=True)
    assert not ReturnRequest.select().exists()
