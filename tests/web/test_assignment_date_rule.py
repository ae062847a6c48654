"""An assignment's date (交办日期) is not before the item reached the office — its 收到日期, or the
day it was registered when it has none — and not after today (assignments.services.
assigned_on_problem, in plan_assignment: the API, the assignment desk and the Excel import share
it). A back-dated assignment counted years overdue and headed the leaders' overdue list."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.xlsx import xlsx_bytes
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core.enums import Role
from tracker.core.errors import ValidationFailed
from tracker.items.imports import import_items
from tracker.items.models import Item
from tracker.reminders.models import Notification

# Friday 2026-03-06, 10:00 in Shanghai
NOW = dt.datetime(2026, 3, 6, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 6)


@pytest.fixture(autouse=True)
def travel():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture()
def w(f):
    unit = f.unit("市住房和城乡建设局", "住建局")
    return {"office": f.office(), "unit": unit, "handler": f.user(Role.UNIT_HANDLER, unit, name="王经办"),
            "leader": f.user(Role.UNIT_LEADER, unit, name="陈局长"), "session": f.session()}


def body(w, **over) -> dict:
    data = {"unit_id": w["unit"].id, "role": "sole", "task": "t", "responsible_leader": "x",
            "handler_user_id": w["handler"].id}
    data.update(over)
    return data


def counts() -> tuple[int, ...]:
    return (Assignment.select().count(), AuditEntry.select().count(), Notification.select().count(),
            tuple((i.id, i.status, i.version, i.handling_mode) for i in Item.select().order_by(Item.id)))


def refused(response, message: str) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"] == {"assigned_on": message}
    assert error["message"] == message


def test_the_qa_case_a_date_years_before_an_item_received_today_is_refused(w, f, api):
    item = f.item(session=w["session"], number="7", received_on=TODAY)
    before = counts()
    response = api(w["office"]).post(f"/items/{item.id}/assignments", json=body(w, assigned_on="2020-01-01"))
    refused(response, "交办日期 2020-01-01 不能早于该件的收到日期 2026-03-06")
    assert counts() == before  # nothing to head the overdue list


def test_the_received_date_is_the_earliest_assignment_date(w, f, api):
    received = TODAY - dt.timedelta(days=10)
    item = f.item(session=w["session"], number="8", received_on=received)
    office = api(w["office"])
    before = counts()
    refused(office.post(f"/items/{item.id}/assignments",
                        json=body(w, assigned_on=(received - dt.timedelta(days=1)).isoformat())),
            "交办日期 2026-02-23 不能早于该件的收到日期 2026-02-24")
    assert counts() == before
    response = office.post(f"/items/{item.id}/assignments", json=body(w, assigned_on=received.isoformat()))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["assigned_on"] == "2026-02-24"


def test_without_a_received_date_the_registration_date_is_the_earliest(w, f, api):
    item = f.item(session=w["session"], number="9")  # registered today, no 收到日期
    office = api(w["office"])
    before = counts()
    refused(office.post(f"/items/{item.id}/assignments", json=body(w, assigned_on="2026-03-05")),
            "交办日期 2026-03-05 不能早于该件的登记日期 2026-03-06")
    assert counts() == before
    response = office.post(f"/items/{item.id}/assignments", json=body(w))  # default: today
    assert response.status_code == 201 and response.get_json()["assigned_on"] == "2026-03-06"


def test_a_date_after_today_is_refused(w, f, api):
    item = f.item(session=w["session"], number="10", received_on=TODAY - dt.timedelta(days=3))
    before = counts()
    refused(api(w["office"]).post(f"/items/{item.id}/assignments", json=body(w, assigned_on="2026-03-07")),
            "交办日期 2026-03-07 不能晚于今天")
    assert counts() == before


def test_the_service_refuses_it_for_every_caller(w, f):
    item = f.item(session=w["session"], number="11", received_on=TODAY)
    with pytest.raises(ValidationFailed) as caught:
        assignments.assign(item, actor=w["office"], unit_id=w["unit"].id, role="sole", task="t",
                           responsible_leader="x", handler_id=w["handler"].id, assigned_on=dt.date(2026, 3, 1))
    assert caught.value.fields == {"assigned_on": "交办日期 2026-03-01 不能早于该件的收到日期 2026-03-06"}
    assert Assignment.select().count() == 0


def test_the_assignment_desk_assigns_today(w, f, client, login_as):
    """The desk has no date field: it assigns on the day, which the rule always takes."""
    item = f.item(session=w["session"], number="12", received_on=TODAY)
    login_as(w["office"])
    unit = w["unit"]
    response = client.post(f"/items/{item.id}/assign", data={
        "step": "fixes", "tier": "department", "mode": "sole", "lead_unit_id": str(unit.id),
        "units-0-unit_id": str(unit.id), "units-0-role": "sole", "units-0-task": "t",
        "units-0-responsible_leader": "x", "units-0-handler_id": str(w["handler"].id),
        "units-0-handler_phone": "", "units-0-reply_due": "", "units-0-scorecard_id": ""})
    assert response.status_code == 302
    assert Assignment.get().assigned_on == TODAY


HEADER = ["案号", "标题", "领衔代表", "主办单位"]


@pytest.mark.parametrize(("assigned_on", "message"), [
    (dt.date(2026, 3, 5), "交办日期 2026-03-05 不能早于该件的登记日期 2026-03-06"),
    (dt.date(2026, 3, 9), "交办日期 2026-03-09 不能晚于今天"),
])
def test_the_excel_import_applies_the_same_rule(w, assigned_on, message):
    data = xlsx_bytes([["1", "关于加装电梯的建议", "张代表", "市住房和城乡建设局"],
                       ["2", "关于改造管网的建议", "李代表", "市住房和城乡建设局"]], HEADER)
    before = counts()
    report = import_items(data, w["session"], actor=w["office"], assigned_on=assigned_on)
    assert not report.ok and report.imported == 0
    assert [m for _, m in report.problems] == [f"第 2 行：{message}", f"第 3 行：{message}"]
    assert counts() == before
    report = import_items(data, w["session"], actor=w["office"])  # on the day: imported and assigned
    assert report.ok and report.imported == 2
    assert {a.assigned_on for a in Assignment.select()} == {TODAY}


def test_the_received_date_cannot_move_past_the_first_assignment(w, f, client, login_as, api):
    """The same rule from the other side: editing 收到日期 to after the day the item was assigned
    would leave an assignment dated before the item reached the office."""
    item = f.item(session=w["session"], number="13", received_on=TODAY - dt.timedelta(days=10))
    response = api(w["office"]).post(f"/items/{item.id}/assignments",
                                     json=body(w, assigned_on=(TODAY - dt.timedelta(days=5)).isoformat()))
    assert response.status_code == 201, response.get_json()
    login_as(w["office"])
    item = Item.get_by_id(item.id)
    before = counts()
    edit = client.post(f"/items/{item.id}/edit", data={
        "title": item.title, "content": item.content, "tier": item.tier, "received_on": "2026-03-02",
        "lead_name": "张代表", "version": str(item.version)})
    page = edit.get_data(as_text=True)
    assert edit.status_code == 422
    assert "收到日期 2026-03-02 不能晚于该件的交办日期 2026-03-01" in page
    assert 'value="2026-03-02"' in page  # what the user typed stays
    assert counts() == before and Item.get_by_id(item.id).received_on == TODAY - dt.timedelta(days=10)
    edit = client.post(f"/items/{item.id}/edit", data={
        "title": item.title, "content": item.content, "tier": item.tier, "received_on": "2026-03-01",
        "lead_name": "张代表", "version": str(item.version)})
    assert edit.status_code == 302, edit.get_data(as_text=True)[:3000]
    assert Item.get_by_id(item.id).received_on == dt.date(2026, 3, 1)
