"""调整交办: the office changes an open assignment's five fixes (a handler who left, a task made
precise, more time within the cap); logged before/after, the unit told; refused input keeps what
was typed and changes nothing; only the office."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from tests.closeout_support import send_reply
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core.enums import Role
from tracker.core.errors import Conflict, PermissionDenied, StaleVersion, ValidationFailed
from tracker.reminders.models import Notification

ASSIGNED = dt.date(2026, 3, 2)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _row(a) -> tuple:
    a = Assignment.get_by_id(a.id)
    return a.task, a.responsible_leader, a.handler_id, a.handler_phone, a.reply_due, a.current_due, a.version


@pytest.fixture()
def world(f):
    with time_machine.travel(dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC), tick=False):
        unit = f.unit("市水务局")
        old = f.user(Role.UNIT_HANDLER, unit, name="钱经办", phone="0571-1111")
        new = f.user(Role.UNIT_HANDLER, unit, name="孙经办", phone="0571-2222")
        item = f.item(number="77", title="关于整治城区积水点的建议")
        a = f.assign(item, unit, role="sole", handler=old, assigned_on=ASSIGNED)
        yield {"office": f.office(), "unit": unit, "old": old, "new": new, "item": item, "a": Assignment.get_by_id(a.id)}


def test_the_office_replaces_the_handler_and_gives_more_time(world, client, login_as):
    a = world["a"]
    assert a.reply_due == dt.date(2026, 6, 2) and a.reply_due_max == dt.date(2026, 9, 2)
    login_as(world["office"])
    page = client.get(f"/items/{world['item'].id}").get_data(as_text=True)
    assert f"/assignments/{a.id}/adjust" in page
    form = client.get(f"/assignments/{a.id}/adjust").get_data(as_text=True)
    assert 'value="2026-06-02"' in form and "钱经办" in form

    response = client.post(f"/assignments/{a.id}/adjust", data={
        "version": str(a.version), "task": a.task, "responsible_leader": a.responsible_leader,
        "handler_id": str(world["new"].id), "handler_phone": "", "reply_due": "2026-08-31",
        "note": "原经办人调离；情况复杂，延长办理时间"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/items/{world['item'].id}")
    fresh = Assignment.get_by_id(a.id)
    assert fresh.handler_id == world["new"].id and fresh.handler_phone == "0571-2222"
    assert fresh.reply_due == dt.date(2026, 8, 31) and fresh.current_due == dt.date(2026, 8, 31)
    assert fresh.reply_due_set_by_office and fresh.version == a.version + 1

    entry = AuditEntry.get((AuditEntry.item_id == world["item"].id) & (AuditEntry.action == "assignment_edited"))
    assert entry.before == {"handler": "钱经办", "handler_phone": "0571-1111", "reply_due": "2026-06-02"}
    assert entry.after == {"handler": "孙经办", "handler_phone": "0571-2222", "reply_due": "2026-08-31"}
    assert "原经办人调离" in entry.detail
    for user in (world["old"], world["new"]):
        assert Notification.select().where((Notification.user == user.id)
                                           & Notification.title.startswith("交办内容已调整")).exists()
    assert "调整交办内容（市水务局）" in _text(client.get(f"/items/{world['item'].id}"))


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"reply_due": "2026-12-31"}, "reply_due", "超过最长办理期限"),
    ({"reply_due": "2026-02-01"}, "reply_due", "不能早于交办日期"),
    ({"task": "  "}, "task", "请填写办理任务"),
    ({"responsible_leader": ""}, "responsible_leader", "请填写责任领导"),
    ({"handler_id": "other"}, "handler_id", "经办人须为该承办单位的在职用户"),
])
def test_refused_input_keeps_what_was_typed_and_changes_nothing(world, client, login_as, f, change, field, message):
    a = world["a"]
    before = _row(a)
    data = {"version": str(a.version), "task": a.task, "responsible_leader": a.responsible_leader,
            "handler_id": str(a.handler_id), "handler_phone": "", "reply_due": "2026-06-02", "note": "调整"}
    data.update(change)
    if data["handler_id"] == "other":
        data["handler_id"] = str(f.user(Role.UNIT_HANDLER, f.unit()).id)
    login_as(world["office"])
    response = client.post(f"/assignments/{a.id}/adjust", data=data)
    assert response.status_code == 422
    assert message in _text(response)
    if field == "reply_due":
        assert f'value="{change["reply_due"]}"' in response.get_data(as_text=True)
    assert _row(a) == before
    assert not AuditEntry.select().where(AuditEntry.action == "assignment_edited").exists()


def test_only_the_office_and_only_while_open(world, client, login_as, f):
    a = world["a"]
    login_as(world["old"])
    assert client.get(f"/assignments/{a.id}/adjust").status_code == 403
    assert client.post(f"/assignments/{a.id}/adjust", data={"task": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        assignments.adjust_assignment(a, actor=world["old"], task="x", responsible_leader="y",
                                      handler_id=world["old"].id)
    with pytest.raises(StaleVersion):
        assignments.adjust_assignment(a, actor=world["office"], task="新任务", responsible_leader="y",
                                      handler_id=world["old"].id, version=a.version - 1)
    assignments.receive(a, actor=world["old"])
    send_reply(a)
    replied = Assignment.get_by_id(a.id)
    assert assignments.adjust_blocker(replied) == "该承办任务已答复，不能再调整"
    with pytest.raises(Conflict):
        assignments.adjust_assignment(replied, actor=world["office"], task="新任务", responsible_leader="y",
                                      handler_id=world["old"].id)
    login_as(world["office"])
    assert f"/assignments/{a.id}/adjust" not in client.get(f"/items/{world['item'].id}").get_data(as_text=True)


def test_the_api_adjusts_an_assignment(world, api):
    a = world["a"]
    r = api(world["office"]).patch(f"/assignments/{a.id}", json={"handler_user_id": world["new"].id,
                                                                 "note": "原经办人调离"})
    assert r.status_code == 200, r.get_json()
    assert Assignment.get_by_id(a.id).handler_id == world["new"].id
    assert Assignment.get_by_id(a.id).task == a.task  # fields not given stay as they were
    bad = api(world["office"]).patch(f"/assignments/{a.id}", json={"reply_due": "2027-01-01"})
    assert bad.status_code == 422 and "reply_due" in bad.get_json()["error"]["fields"]
    assert api(world["old"]).patch(f"/assignments/{a.id}", json={"note": "x"}).status_code == 403
    with pytest.raises(ValidationFailed):
        assignments.adjust_assignment(a, actor=world["office"], task="", responsible_leader="",
                                      handler_id=None)
