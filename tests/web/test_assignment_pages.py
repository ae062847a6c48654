"""The assignment desk (交办 with the five fixes) and the office's return decisions, by page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment, ReturnRequest
from tracker.audit.models import AuditEntry
from tracker.core.enums import AssignmentStatus, ItemStatus, Role, Tier
from tracker.items.models import Item
from tracker.reminders.models import Notification
from tracker.units.models import Unit

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def travel():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture()
def desk(f):
    """An office user, an item, and three units with a handler and a leader each."""
    office = f.office()
    item = f.item(number="88", title="关于治理城区内涝的建议")
    units = {}
    for name in ("市水务局", "市住房和城乡建设局", "市城市管理局"):
        unit = f.unit(name)
        units[name] = {
            "unit": unit,
            "handler": f.user(Role.UNIT_HANDLER, unit, name=f"{name[1:3]}经办", phone="0571-1234567"),
            "leader": f.user(Role.UNIT_LEADER, unit, name=f"{name[1:3]}局长"),
        }
    return {"office": office, "item": item, "units": units}


def fixes(index: int, unit, role: str, handler, **overrides) -> dict:
    data = {
        f"units-{index}-unit_id": str(unit.id), f"units-{index}-role": role,
        f"units-{index}-task": "牵头制定排涝改造方案", f"units-{index}-responsible_leader": "陈副局长",
        f"units-{index}-handler_id": str(handler.id), f"units-{index}-handler_phone": "",
        f"units-{index}-reply_due": "", f"units-{index}-scorecard_id": "",
    }
    data.update({f"units-{index}-{k}": v for k, v in overrides.items()})
    return data


def snapshot():
    return (Assignment.select().count(), AuditEntry.select().count(), Notification.select().count(),
            [(i.id, i.status, i.tier, i.leader_id, i.version) for i in Item.select().order_by(Item.id)])


# --- the two steps ---------------------------------------------------------------------------


def test_step_one_lists_units_and_step_two_prefills_the_five_fixes(desk, client, login_as):
    item, water = desk["item"], desk["units"]["市水务局"]
    login_as(desk["office"])
    page = text(client.get(f"/items/{item.id}/assign"))
    assert "分级办理" in page and "办理方式" in page and "市水务局" in page and "下一步：填写五定" in page
    response = client.post(f"/items/{item.id}/assign", data={
        "step": "choose", "tier": "department", "mode": "sole", "lead_unit_id": str(water["unit"].id)})
    assert response.status_code == 200
    page = text(response)
    for expected in ("办理任务（定任务）", "责任领导（定责任）", "经办人（定人员）", "答复期限（定时限）",
                     "考核办法（定考核办法）", "水务经办", "0571-1234567", "水务局长",
                     "研究办理《关于治理城区内涝的建议》", "建议提案办理考核（主办）", "2026-06-02",
                     "不得晚于 2026-09-02", "第 2 个工作日为 2026-03-04"):
        assert expected in page, expected
    # the handler select lists only this unit's users
    assert "住房经办" not in page and "城市经办" not in page
    assert 'name="units-0-reply_due" type="date" value="2026-06-02"' in page
    assert Assignment.select().count() == 0


def test_sole_assignment_with_the_five_fixes(desk, client, login_as):
    item, water = desk["item"], desk["units"]["市水务局"]
    login_as(desk["office"])
    data = {"step": "fixes", "tier": "department", "mode": "sole", "lead_unit_id": str(water["unit"].id),
            **fixes(0, water["unit"], "sole", water["handler"], reply_due="2026-05-29",
                    handler_phone="13900001111")}
    response = client.post(f"/items/{item.id}/assign", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/items/{item.id}")
    a = Assignment.get()
    assert (a.unit_id, a.role, a.task, a.responsible_leader, a.handler_id, a.handler_phone) == (
        water["unit"].id, "sole", "牵头制定排涝改造方案", "陈副局长", water["handler"].id, "13900001111")
    assert a.reply_due == dt.date(2026, 5, 29) and a.reply_due_set_by_office
    assert a.scorecard is not None and a.scorecard.applies_to == "lead"
    assert a.assigned_on == dt.date(2026, 3, 2) and a.receipt_due == dt.date(2026, 3, 4)
    assert item.refresh().status == ItemStatus.ASSIGNED
    page = text(client.get(f"/items/{item.id}"))
    assert "已交办：市水务局" in page and "2026-05-29" in page and "交办单位在交办时将答复期限定为 2026-05-29" in page


def test_lead_and_co_units_in_one_go_with_leader_led_tier(desk, f, client, login_as):
    item, u = desk["item"], desk["units"]
    leader = f.user(Role.LEADER, name="孙副市长")
    login_as(desk["office"])
    lead, co1, co2 = u["市水务局"], u["市住房和城乡建设局"], u["市城市管理局"]
    step1 = {"step": "choose", "tier": "leader_led", "leader_id": str(leader.id), "mode": "lead_co",
             "lead_unit_id": str(lead["unit"].id), "co_unit_ids": [str(co1["unit"].id), str(co2["unit"].id)]}
    page = text(client.post(f"/items/{item.id}/assign", data=step1))
    assert page.count("units-") > 0 and "会办意见期限" in page and "孙副市长" in page
    assert "就《关于治理城区内涝的建议》涉及本单位职责的内容" in page
    data = {**step1, "step": "fixes", **fixes(0, lead["unit"], "lead", lead["handler"]),
            **fixes(1, co1["unit"], "co", co1["handler"]), **fixes(2, co2["unit"], "co", co2["leader"])}
    response = client.post(f"/items/{item.id}/assign", data=data)
    assert response.status_code == 302, text(response)
    roles = {a.unit.name: a.role for a in Assignment.select()}
    assert roles == {"市水务局": "lead", "市住房和城乡建设局": "co", "市城市管理局": "co"}
    fresh = item.refresh()
    assert fresh.tier == Tier.LEADER_LED and fresh.leader_id == leader.id and fresh.handling_mode == "lead_co"
    co = Assignment.get(Assignment.unit == co1["unit"].id)
    assert co.co_opinion_due == dt.date(2026, 4, 2)
    # a co unit is told the opinion it owes the lead unit, not a reply deadline
    entry = AuditEntry.get((AuditEntry.action == "assigned") & (AuditEntry.object_id == co.id))
    assert entry.detail == "交办市住房和城乡建设局（会办），会办意见期限 2026-04-02"
    note = Notification.get((Notification.user == co1["handler"].id) & Notification.title.startswith("交办通知"))
    assert "会办意见请于 2026-04-02 前提交主办单位" in note.body and "答复期限" not in note.body


def test_separate_units(desk, client, login_as):
    item, u = desk["item"], desk["units"]
    a, b = u["市水务局"], u["市城市管理局"]
    login_as(desk["office"])
    data = {"step": "fixes", "tier": "department", "mode": "separate",
            "separate_unit_ids": [str(a["unit"].id), str(b["unit"].id)],
            **fixes(0, a["unit"], "separate", a["handler"]), **fixes(1, b["unit"], "separate", b["handler"])}
    assert client.post(f"/items/{item.id}/assign", data=data).status_code == 302
    assert sorted(x.role for x in Assignment.select()) == ["separate", "separate"]
    assert item.refresh().handling_mode == "separate"


def test_step_one_problems_are_named(desk, client, login_as):
    item, water = desk["item"], desk["units"]["市水务局"]
    login_as(desk["office"])
    cases = [
        ({"mode": "sole"}, "请选择独办单位"),
        ({"mode": "lead_co"}, "请选择主办单位"),
        ({"mode": "separate"}, "分办须至少选择一个单位"),
        ({"mode": "sole", "tier": "leader_led", "lead_unit_id": str(water["unit"].id)}, "市领导领办件须指定领办领导"),
        ({"mode": "lead_co", "lead_unit_id": str(water["unit"].id), "co_unit_ids": [str(water["unit"].id)]},
         "主办单位不能同时作为会办单位"),
        ({"mode": "sole", "lead_unit_id": "99999"}, "承办单位不存在或已停用"),
    ]
    for extra, message in cases:
        response = client.post(f"/items/{item.id}/assign", data={"step": "choose", "tier": "department", **extra})
        assert response.status_code == 422, message
        assert message in text(response), message
    assert Assignment.select().count() == 0


def test_back_keeps_the_step_one_choices(desk, client, login_as):
    item, u = desk["item"], desk["units"]
    login_as(desk["office"])
    data = {"step": "fixes", "back": "1", "tier": "office_supervised", "mode": "lead_co",
            "lead_unit_id": str(u["市水务局"]["unit"].id), "co_unit_ids": [str(u["市城市管理局"]["unit"].id)]}
    page = text(client.post(f"/items/{item.id}/assign", data=data))
    assert "下一步：填写五定" in page
    assert f'value="{u["市城市管理局"]["unit"].id}"\n                 checked' in page
    assert 'value="lead_co" checked' in page


# --- bad input changes nothing ----------------------------------------------------------------


def test_inactive_or_unknown_unit_is_refused_and_nothing_saved(desk, client, login_as):
    item, water = desk["item"], desk["units"]["市水务局"]
    Unit.update(active=False).where(Unit.id == water["unit"].id).execute()
    login_as(desk["office"])
    before = snapshot()
    for unit_id in (str(water["unit"].id), "424242"):
        data = {"step": "fixes", "tier": "department", "mode": "sole", "lead_unit_id": unit_id,
                **fixes(0, water["unit"], "sole", water["handler"], unit_id=unit_id)}
        response = client.post(f"/items/{item.id}/assign", data=data)
        assert response.status_code == 422
        assert "承办单位不存在或已停用" in text(response)
    assert snapshot() == before


def test_handler_of_another_unit_is_refused_and_nothing_saved(desk, client, login_as):
    item, u = desk["item"], desk["units"]
    lead, co = u["市水务局"], u["市住房和城乡建设局"]
    login_as(desk["office"])
    before = snapshot()
    data = {"step": "fixes", "tier": "department", "mode": "lead_co", "lead_unit_id": str(lead["unit"].id),
            "co_unit_ids": [str(co["unit"].id)],
            **fixes(0, lead["unit"], "lead", lead["handler"], task="排涝方案"),
            # the co unit's handler select is limited to its own users: a tampered value is refused
            **fixes(1, co["unit"], "co", lead["handler"], task="会办意见")}
    response = client.post(f"/items/{item.id}/assign", data=data)
    assert response.status_code == 422
    page = text(response)
    assert "经办人须为该承办单位的用户" in page
    assert "排涝方案" in page and "会办意见" in page  # what was typed stays
    assert snapshot() == before


def test_service_checks_the_handler_when_the_form_cannot(desk, f, client, login_as, monkeypatch):
    """Even if the page offered a wrong handler, the service refuses and saves nothing."""
    from tracker.assignments import forms

    item, u = desk["item"], desk["units"]
    lead, co = u["市水务局"], u["市住房和城乡建设局"]
    monkeypatch.setattr(forms, "handlers_of", lambda unit_id: [lead["handler"], co["handler"]])
    login_as(desk["office"])
    before = snapshot()
    data = {"step": "fixes", "tier": "department", "mode": "lead_co", "lead_unit_id": str(lead["unit"].id),
            "co_unit_ids": [str(co["unit"].id)],
            **fixes(0, lead["unit"], "lead", lead["handler"]), **fixes(1, co["unit"], "co", lead["handler"])}
    response = client.post(f"/items/{item.id}/assign", data=data)
    assert response.status_code == 422
    assert "经办人须为该承办单位的用户" in text(response)
    assert snapshot() == before


def test_reply_due_beyond_the_cap_is_refused(desk, client, login_as):
    item, water = desk["item"], desk["units"]["市水务局"]
    login_as(desk["office"])
    before = snapshot()
    data = {"step": "fixes", "tier": "department", "mode": "sole", "lead_unit_id": str(water["unit"].id),
            **fixes(0, water["unit"], "sole", water["handler"], reply_due="2026-12-31")}
    response = client.post(f"/items/{item.id}/assign", data=data)
    assert response.status_code == 422
    page = text(response)
    assert "答复期限 2026-12-31 超过最长办理期限 2026-09-02（自交办之日起 6 个月）" in page
    assert 'value="2026-12-31"' in page
    assert snapshot() == before


def test_missing_five_fixes_are_named(desk, client, login_as):
    item, water = desk["item"], desk["units"]["市水务局"]
    login_as(desk["office"])
    data = {"step": "fixes", "tier": "department", "mode": "sole", "lead_unit_id": str(water["unit"].id),
            **fixes(0, water["unit"], "sole", water["handler"], task="", responsible_leader="", handler_id="")}
    response = client.post(f"/items/{item.id}/assign", data=data)
    assert response.status_code == 422
    page = text(response)
    for message in ("请填写办理任务（定任务）", "请填写责任领导（定责任）", "请指定经办人（定人员）"):
        assert message in page
    assert Assignment.select().count() == 0


def test_assigning_the_same_unit_twice_is_refused(desk, f, client, login_as):
    item, water = desk["item"], desk["units"]["市水务局"]
    f.assign(item, water["unit"], role="separate", handler=water["handler"])
    other = desk["units"]["市城市管理局"]
    login_as(desk["office"])
    before = snapshot()
    data = {"step": "fixes", "tier": "department", "mode": "separate",
            "separate_unit_ids": [str(other["unit"].id), str(water["unit"].id)],
            **fixes(0, other["unit"], "separate", other["handler"]),
            **fixes(1, water["unit"], "separate", water["handler"])}
    response = client.post(f"/items/{item.id}/assign", data=data)
    assert response.status_code == 422
    assert "该件已交办给“市水务局”" in text(response)
    assert snapshot() == before


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.LEADER, Role.ADMIN])
def test_assign_page_is_for_the_office(desk, f, client, login_as, role):
    item, water = desk["item"], desk["units"]["市水务局"]
    f.assign(item, water["unit"], handler=water["handler"])
    user = water["handler"] if role == Role.UNIT_HANDLER else f.user(role)
    login_as(user)
    assert client.get(f"/items/{item.id}/assign").status_code == 403
    assert client.post(f"/items/{item.id}/assign", data={"step": "fixes"}).status_code == 403


def test_unit_user_of_another_unit_gets_404_on_the_assign_page(desk, f, client, login_as):
    item = desk["item"]
    login_as(desk["units"]["市水务局"]["handler"])
    assert client.get(f"/items/{item.id}/assign").status_code == 404


# --- the unit-users endpoint -----------------------------------------------------------------


def test_unit_users_json_for_the_handler_select(desk, client, login_as):
    water = desk["units"]["市水务局"]
    login_as(desk["office"])
    data = client.get(f"/assignments/unit-users/{water['unit'].id}").get_json()
    assert data["unit"] == "市水务局"
    assert {u["name"] for u in data["users"]} == {"水务经办", "水务局长"}
    assert all("label" in u and "phone" in u for u in data["users"])
    Unit.update(active=False).where(Unit.id == water["unit"].id).execute()
    response = client.get(f"/assignments/unit-users/{water['unit'].id}")
    assert response.status_code == 404 and response.get_json()["error"]["message"] == "承办单位不存在或已停用"
    login_as(water["handler"])
    assert client.get(f"/assignments/unit-users/{water['unit'].id}").status_code == 403


# --- return decisions on the desk --------------------------------------------------------------


@pytest.fixture()
def pending_return(desk, f):
    item, water = desk["item"], desk["units"]["市水务局"]
    a = f.assign(item, water["unit"], role="sole", handler=water["handler"])
    req = assignments.request_return(a, actor=water["handler"], reason="该事项属住建部门职责")
    return {**desk, "a": a, "req": req}


def test_desk_lists_pending_return_requests(pending_return, client, login_as):
    login_as(pending_return["office"])
    page = text(client.get("/desk"))
    assert "申退待审核" in page and "该事项属住建部门职责" in page and "88号 关于治理城区内涝的建议" in page
    assert f"/return-requests/{pending_return['req'].id}/decision" in page
    assert "同意退回" in page and "驳回申退" in page and 'data-handler-target="rr' in page


def test_approve_and_reassign_in_one_step(pending_return, client, login_as):
    req, item = pending_return["req"], pending_return["item"]
    housing = pending_return["units"]["市住房和城乡建设局"]
    login_as(pending_return["office"])
    p = f"rr{req.id}-"
    response = client.post(f"/return-requests/{req.id}/decision", data={
        f"{p}note": "同意，改交住建局", f"{p}reassign": "y", f"{p}unit_id": str(housing["unit"].id),
        f"{p}task": "研究加装排涝设施", f"{p}responsible_leader": "刘副局长",
        f"{p}handler_id": str(housing["handler"].id), f"{p}reply_due": "", f"{p}scorecard_id": "",
        f"{p}approve": "同意退回", "next": "/desk"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/desk")
    assert req.refresh().status == "approved"
    assert pending_return["a"].refresh().status == AssignmentStatus.RETURNED
    new = Assignment.get(Assignment.unit == housing["unit"].id)
    assert (new.role, new.task, new.responsible_leader, new.handler_id) == (
        "sole", "研究加装排涝设施", "刘副局长", housing["handler"].id)
    assert new.reassigned_from_id == pending_return["a"].id and new.assigned_on == dt.date(2026, 3, 2)
    assert item.refresh().status == ItemStatus.ASSIGNED
    assert "没有待审核的申退申请" in text(client.get("/desk"))


def test_approve_without_reassigning_leads_to_the_assign_form(pending_return, client, login_as):
    req, item = pending_return["req"], pending_return["item"]
    login_as(pending_return["office"])
    response = client.post(f"/return-requests/{req.id}/decision", data={f"rr{req.id}-approve": "同意退回"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/items/{item.id}/assign")
    assert req.refresh().status == "approved"
    page = text(client.get(response.headers["Location"]))
    assert "已退回" in page and "请为该件重新指定承办单位" in page


def test_reassign_with_a_handler_of_another_unit_changes_nothing(pending_return, client, login_as):
    req = pending_return["req"]
    housing, roads = pending_return["units"]["市住房和城乡建设局"], pending_return["units"]["市城市管理局"]
    login_as(pending_return["office"])
    p = f"rr{req.id}-"
    before = snapshot()
    response = client.post(f"/return-requests/{req.id}/decision", data={
        f"{p}reassign": "y", f"{p}unit_id": str(housing["unit"].id), f"{p}task": "任务",
        f"{p}responsible_leader": "刘副局长", f"{p}handler_id": str(roads["handler"].id), f"{p}approve": "1"})
    assert response.status_code == 422
    page = text(response)
    assert "经办人须为该承办单位的用户" in page and "刘副局长" in page
    assert snapshot() == before and req.refresh().status == "pending"


def test_reject_needs_a_reason(pending_return, client, login_as):
    req, a = pending_return["req"], pending_return["a"]
    login_as(pending_return["office"])
    before = snapshot()
    response = client.post(f"/return-requests/{req.id}/decision", data={f"rr{req.id}-reject": "驳回申退"})
    assert response.status_code == 422 and "驳回申退须填写理由" in text(response)
    assert snapshot() == before
    response = client.post(f"/return-requests/{req.id}/decision", data={
        f"rr{req.id}-reject": "驳回申退", f"rr{req.id}-note": "该事项涉及排水管网，属水务职责", "next": "/desk"})
    assert response.status_code == 302
    assert req.refresh().status == "rejected" and a.refresh().status == AssignmentStatus.HANDLING
    item_page = text(client.get(f"/items/{pending_return['item'].id}"))
    assert "驳回申退（市水务局）：该事项涉及排水管网，属水务职责" in item_page
    # a decided request cannot be decided again
    response = client.post(f"/return-requests/{req.id}/decision", data={f"rr{req.id}-approve": "1"})
    assert response.status_code == 302 and req.refresh().status == "rejected"


def test_decision_page_and_desk_are_office_only(pending_return, f, client, login_as):
    req = pending_return["req"]
    water = pending_return["units"]["市水务局"]
    login_as(pending_return["office"])
    assert "该事项属住建部门职责" in text(client.get(f"/return-requests/{req.id}/decision"))
    for user in (water["handler"], f.user(Role.LEADER)):
        login_as(user)
        assert client.get("/desk").status_code == 403
        assert client.post(f"/return-requests/{req.id}/decision",
                           data={f"rr{req.id}-approve": "1"}).status_code == 403
    assert ReturnRequest.get_by_id(req.id).status == "pending"


def test_each_unit_is_offered_only_the_scorecards_of_its_side(desk, client, login_as):
    """定考核办法: the lead unit's block offers the cards scoring a reply, a co unit's those scoring
    its opinion (a lead unit on the co card would read 0 for an opinion it never owes)."""
    item, u = desk["item"], desk["units"]
    login_as(desk["office"])
    page = text(client.post(f"/items/{item.id}/assign", data={
        "step": "choose", "tier": "department", "mode": "lead_co", "lead_unit_id": str(u["市水务局"]["unit"].id),
        "co_unit_ids": [str(u["市城市管理局"]["unit"].id)]}))

    def offered(index: int) -> list[str]:
        select = re.search(rf'<select[^>]*name="units-{index}-scorecard_id".*?</select>', page, re.S).group(0)
        return [t for t in re.findall(r"<option[^>]*>([^<]*)</option>", select) if t != "（按默认考核办法）"]

    assert offered(0) == ["建议提案办理考核（主办）"]
    assert offered(1) == ["建议提案办理考核（会办）"]
