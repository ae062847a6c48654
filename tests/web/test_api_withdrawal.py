"""API: POST /api/v1/items/{id}/withdraw — the office records a submitter's written request to
withdraw an item before it is answered; refusals (422 with fields, 403, 404, 409) change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.closeout_support import replied_item, send_reply
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.enums import ItemStatus, Role
from tracker.items.models import Item
from tracker.reminders.models import Notification

REASON = "本人已另行向市政府反映，申请撤回该建议"


def yesterday() -> str:
    return (clock.today() - dt.timedelta(days=1)).isoformat()


def body(**kw) -> dict:
    return {"requested_on": yesterday(), "reason": REASON, **kw}


def snapshot(item_id: int) -> tuple:
    """What a refused withdrawal must leave as it was."""
    item = Item.get_by_id(item_id)
    parts = [(a.id, a.status) for a in Assignment.select().where(Assignment.item == item_id).order_by(Assignment.id)]
    audits = AuditEntry.select().where((AuditEntry.item_id == item_id) & (AuditEntry.action == "withdrawn")).count()
    notes = Notification.select().where(Notification.item == item_id).count()
    return item.status, item.version, parts, audits, notes


def test_office_withdraws_an_item(api, f):
    s = replied_item(names=("张代表",), send=False)
    assert s.fresh().status == "in_progress" and s.a().status == "handling"
    office = api(s.office)
    version = office.get(f"/items/{s.item.id}").get_json()["version"]
    r = office.post(f"/items/{s.item.id}/withdraw", json=body(version=version))
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert out["id"] == s.item.id and out["status"] == "withdrawn"
    assert out["version"] > version
    assert [a["status"] for a in out["assignments"]] == ["done"]
    assert "withdrawn" in [e["type"] for e in out["timeline"]]
    assert s.fresh().status == "withdrawn" and s.a().status == "done"
    entry = AuditEntry.get((AuditEntry.item_id == s.item.id) & (AuditEntry.action == "withdrawn"))
    assert entry.after["reason"] == REASON and entry.after["requested_on"] == yesterday()
    assert entry.after["consent"] is False
    # the unit and the deputy are told
    told = {n.user_id for n in Notification.select().where(Notification.item == s.item.id)}
    assert {s.handler.id, s.people["张代表"][1].id} <= told
    # the item reads as withdrawn for the unit as well
    assert api(s.handler).get(f"/items/{s.item.id}").get_json()["status"] == "withdrawn"
    # and cannot be withdrawn twice
    before = snapshot(s.item.id)
    r = office.post(f"/items/{s.item.id}/withdraw", json=body())
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "not_withdrawable"
    assert "不能撤回" in r.get_json()["error"]["message"]
    assert snapshot(s.item.id) == before


def test_a_joint_item_needs_consent(api, f):
    s = replied_item(names=("张代表", "李代表"), send=False)
    office = api(s.office)
    before = snapshot(s.item.id)
    for extra in ({}, {"consent": False}):
        r = office.post(f"/items/{s.item.id}/withdraw", json=body(**extra))
        assert r.status_code == 422
        err = r.get_json()["error"]
        assert err["fields"] == {"consent": "联名件须经全体联名人书面同意方可撤回，请确认后勾选"}
        assert snapshot(s.item.id) == before
    r = office.post(f"/items/{s.item.id}/withdraw", json=body(consent=True))
    assert r.status_code == 200 and r.get_json()["status"] == "withdrawn"
    entry = AuditEntry.get((AuditEntry.item_id == s.item.id) & (AuditEntry.action == "withdrawn"))
    assert entry.after["consent"] is True and "全体联名人已同意" in entry.detail


@pytest.mark.parametrize("payload, fields", [
    ({"reason": REASON}, {"requested_on": "此项为必填项"}),
    ({"requested_on": "", "reason": REASON}, {"requested_on": "此项为必填项"}),
    ({"requested_on": "2026/01/05", "reason": REASON}, {"requested_on": "日期格式应为 YYYY-MM-DD"}),
    ({"requested_on": "2026-02-30", "reason": REASON}, {"requested_on": "日期格式应为 YYYY-MM-DD"}),
    ({"requested_on": 20260105, "reason": REASON}, {"requested_on": "日期格式应为 YYYY-MM-DD"}),
    ({"requested_on": "__yesterday__"}, {"reason": "此项为必填项"}),
    ({"requested_on": "__yesterday__", "reason": "   "}, {"reason": "此项为必填项"}),
    ({}, {"requested_on": "此项为必填项", "reason": "此项为必填项"}),
    ({"requested_on": "__yesterday__", "reason": "x" * 2001}, {"reason": "不能超过 2000 个字符"}),
    ({"requested_on": "__yesterday__", "reason": REASON, "consent": "yes"}, {"consent": "应为 true 或 false"}),
    ({"requested_on": "__tomorrow__", "reason": REASON}, {"requested_on": "申请日期不能晚于今天"}),
])
def test_bad_input_is_refused_with_fields(api, f, payload, fields):
    s = replied_item(names=("张代表",), send=False)
    swap = {"__yesterday__": yesterday(), "__tomorrow__": (clock.today() + dt.timedelta(days=1)).isoformat()}
    payload = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    before = snapshot(s.item.id)
    r = api(s.office).post(f"/items/{s.item.id}/withdraw", json=payload)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["fields"] == fields
    assert snapshot(s.item.id) == before
    assert s.fresh().status == "in_progress" and s.a().status == "handling"


def test_unit_handlers_and_deputies_cannot_withdraw(api, f):
    s = replied_item(names=("张代表",), send=False)
    other = replied_item(names=("赵代表",), send=False, unit_name="市教育局")
    before = snapshot(s.item.id)
    r = api(s.handler).post(f"/items/{s.item.id}/withdraw", json=body())
    assert r.status_code == 403
    assert r.get_json()["error"]["message"] == "只有交办单位可以登记撤回"
    assert snapshot(s.item.id) == before
    leader = f.user(Role.UNIT_LEADER, s.unit)
    assert api(leader).post(f"/items/{s.item.id}/withdraw", json=body()).status_code == 403
    r = api(other.handler).post(f"/items/{s.item.id}/withdraw", json=body())
    assert r.status_code == 404
    assert api(other.handler).get(f"/items/{s.item.id}").status_code == 404
    r = api(s.people["张代表"][1]).post(f"/items/{s.item.id}/withdraw", json=body())
    assert r.status_code == 403
    assert snapshot(s.item.id) == before
    assert s.fresh().status == "in_progress" and s.a().status == "handling"


def test_an_answered_item_cannot_be_withdrawn(api, f):
    s = replied_item(names=("张代表",), send=False)
    send_reply(s.a())
    assert s.fresh().status == "replied"
    before = snapshot(s.item.id)
    r = api(s.office).post(f"/items/{s.item.id}/withdraw", json=body())
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "not_withdrawable" and "已答复的件不能撤回" in err["message"]
    assert snapshot(s.item.id) == before
    assert s.fresh().status == "replied" and s.a().status == "replied"


def test_a_stale_version_is_refused(api, f):
    s = replied_item(names=("张代表",), send=False)
    office = api(s.office)
    version = office.get(f"/items/{s.item.id}").get_json()["version"]
    before = snapshot(s.item.id)
    r = office.post(f"/items/{s.item.id}/withdraw", json=body(version=version - 1))
    assert r.status_code == 409
    assert r.get_json()["error"]["code"] == "stale_version"
    assert r.get_json()["error"]["message"] == "该记录已被他人修改，请刷新后重试"
    assert snapshot(s.item.id) == before
    assert s.fresh().status == "in_progress"
    r = office.post(f"/items/{s.item.id}/withdraw", json=body(version=version))
    assert r.status_code == 200 and r.get_json()["status"] == "withdrawn"


def test_an_item_the_user_cannot_see_is_404(api, f):
    s = replied_item(names=("张代表",), send=False)
    assert api(s.office).post("/items/999999/withdraw", json=body()).status_code == 404
    assert s.fresh().status == "in_progress"


def test_a_unit_handler_is_refused_before_the_body_is_read(api, f):
    """Permission first: a handler posting an empty body gets 403, not the field errors."""
    unit = f.unit()
    handler = f.user(Role.UNIT_HANDLER, unit)
    item = f.item()
    f.assign(item, unit, role="sole", handler=handler)
    response = api(handler).post(f"/items/{item.id}/withdraw", json={})
    assert response.status_code == 403, response.get_json()
    assert Item.get_by_id(item.id).status != ItemStatus.WITHDRAWN.value
