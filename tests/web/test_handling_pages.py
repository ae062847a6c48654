"""Handling pages as users meet them: contacts, progress, co opinions, extensions, instructions."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment, ExtensionRequest
from tracker.core import clock
from tracker.core.enums import AssignmentStatus, Role
from tracker.handling.models import Contact, CoOpinion, ProgressNote
from tracker.items.models import Instruction


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture()
def lc(f):
    class S:
        pass

    s = S()
    s.office = f.office()
    s.item = f.item(title="关于加快老旧小区加装电梯的建议")
    s.lead_unit, s.co_unit, s.other_unit = f.unit("市住房和城乡建设局"), f.unit("市财政局"), f.unit("市教育局")
    s.handler = f.user(Role.UNIT_HANDLER, s.lead_unit, name="王经办")
    s.leader = f.user(Role.UNIT_LEADER, s.lead_unit)
    s.co_handler = f.user(Role.UNIT_HANDLER, s.co_unit, name="赵会办")
    s.outsider = f.user(Role.UNIT_HANDLER, s.other_unit)
    s.lead = f.assign(s.item, s.lead_unit, role="lead", handler=s.handler)
    s.co = f.assign(s.item, s.co_unit, role="co", handler=s.co_handler)
    assignments.receive(s.lead, actor=s.handler)
    assignments.receive(s.co, actor=s.co_handler)
    return s


def test_handler_records_a_contact_and_sees_it_on_the_item_page(lc, client, login_as):
    login_as(lc.handler)
    page = text(client.get(f"/items/{lc.item.id}"))
    assert "登记沟通情况" in page and "记录办理进展" in page and "申请延期" in page
    assert "提交会办意见" not in page
    p = f"a{lc.lead.id}-"
    today = clock.today().isoformat()
    response = client.post(f"/assignments/{lc.lead.id}/contacts", data={
        p + "stage": "before", p + "method": "meeting", p + "contact_on": today,
        p + "participants": "张代表、王科长", p + "summary": "当面听取代表对加装电梯的意见"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/items/{lc.item.id}#handling-{lc.lead.id}")
    page = text(client.get(f"/items/{lc.item.id}"))
    assert "当面听取代表对加装电梯的意见" in page and "张代表、王科长" in page and "办前" in page
    assert Assignment.get_by_id(lc.lead.id).first_contact_on == clock.today()


def test_contact_in_the_future_is_refused_and_keeps_input(lc, client, login_as):
    login_as(lc.handler)
    p = f"a{lc.lead.id}-"
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    response = client.post(f"/assignments/{lc.lead.id}/contacts", data={
        p + "stage": "during", p + "method": "phone", p + "contact_on": tomorrow,
        p + "participants": "", p + "summary": "电话沟通进展"})
    assert response.status_code == 422
    page = text(response)
    assert f"沟通日期 {tomorrow} 不能晚于今天" in page
    assert "电话沟通进展" in page and f'value="{tomorrow}"' in page
    assert Contact.select().count() == 0


def test_progress_note_form_and_errors(lc, client, login_as):
    login_as(lc.handler)
    p = f"a{lc.lead.id}-"
    response = client.post(f"/assignments/{lc.lead.id}/progress", data={p + "text": ""})
    assert response.status_code == 422 and "请填写办理进展" in text(response)
    response = client.post(f"/assignments/{lc.lead.id}/progress", data={p + "text": "已完成现场踏勘"})
    assert response.status_code == 302
    assert ProgressNote.get().text == "已完成现场踏勘"
    assert "已完成现场踏勘" in text(client.get(f"/items/{lc.item.id}"))


def test_co_unit_submits_its_opinion_and_the_lead_sees_it(lc, client, login_as):
    login_as(lc.co_handler)
    page = text(client.get(f"/items/{lc.item.id}"))
    assert "提交会办意见" in page and "申请延期" not in page and "起草答复" not in page
    p = f"a{lc.co.id}-"
    response = client.post(f"/assignments/{lc.co.id}/co-opinion", data={p + "text": "建议从住房维修资金中列支"})
    assert response.status_code == 302
    assert Assignment.get_by_id(lc.co.id).status == AssignmentStatus.OPINION_SUBMITTED.value
    login_as(lc.handler)
    page = text(client.get(f"/items/{lc.item.id}"))
    assert "建议从住房维修资金中列支" in page and "按期" in page
    form = text(client.get(f"/assignments/{lc.lead.id}/reply/new"))
    assert "会办单位意见" in form and "建议从住房维修资金中列支" in form


def test_lead_cannot_post_a_co_opinion_and_outsiders_get_404(lc, client, login_as):
    login_as(lc.handler)
    assert client.post(f"/assignments/{lc.lead.id}/co-opinion", data={f"a{lc.lead.id}-text": "x"}).status_code == 403
    assert client.post(f"/assignments/{lc.co.id}/co-opinion", data={f"a{lc.co.id}-text": "x"}).status_code == 404
    login_as(lc.outsider)
    for path in (f"/items/{lc.item.id}", f"/assignments/{lc.lead.id}/progress",
                 f"/assignments/{lc.lead.id}/contacts", f"/assignments/{lc.lead.id}/extension"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/assignments/{lc.lead.id}/progress", data={f"a{lc.lead.id}-text": "x"}).status_code == 404
    assert CoOpinion.select().count() == 0 and ProgressNote.select().count() == 0


def test_extension_request_and_office_decision_through_the_desk(lc, client, login_as):
    a = Assignment.get_by_id(lc.lead.id)
    new_due = a.reply_due + dt.timedelta(days=20)
    login_as(lc.handler)
    p = f"a{a.id}-"
    too_far = (a.reply_due_max + dt.timedelta(days=1)).isoformat()
    response = client.post(f"/assignments/{a.id}/extension", data={p + "requested_due": too_far, p + "reason": "需协调"})
    assert response.status_code == 422
    assert "不得超过最长办理期限" in text(response) and "需协调" in text(response)
    response = client.post(f"/assignments/{a.id}/extension",
                           data={p + "requested_due": new_due.isoformat(), p + "reason": "涉及多部门协调"})
    assert response.status_code == 302
    req = ExtensionRequest.get()
    login_as(lc.office)
    desk = text(client.get("/desk"))
    assert "延期待审核" in desk and "涉及多部门协调" in desk and "申请时已到期" not in desk
    assert "晚于申请时限" not in desk
    # asked for inside the notice period (5 working days before the date due): marked for the office
    from tracker.assignments import deadlines
    from tracker.rules import services as rules

    latest = deadlines.extension_request_deadline(a.current_due, rules.rule_set(a.item.session), rules.work_calendar())
    ExtensionRequest.update(requested_at=dt.datetime.combine(latest + dt.timedelta(days=1), dt.time(2), dt.UTC)).execute()
    marked = f"晚于申请时限（最迟 {latest.isoformat()}）"
    assert marked in text(client.get("/desk/extensions"))
    assert marked in text(client.get(f"/extension-requests/{req.id}/decision"))
    # a request dated on or after the day the reply was due is marked for the office
    ExtensionRequest.update(requested_at=dt.datetime.combine(a.reply_due, dt.time(2), dt.UTC)).execute()
    assert "申请时已到期" in text(client.get("/desk/extensions"))
    x = f"x{req.id}-"
    response = client.post(f"/extension-requests/{req.id}/decision", data={x + "decision": "reject", x + "reason": ""})
    assert response.status_code == 422 and "驳回延期申请须填写理由" in text(response)
    assert ExtensionRequest.get_by_id(req.id).status == "pending"
    response = client.post(f"/extension-requests/{req.id}/decision",
                           data={x + "decision": "approve", x + "reason": "", x + "next": "/desk#desk-extensions"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/desk#desk-extensions")
    a2 = Assignment.get_by_id(a.id)
    assert a2.extended_due == new_due and a2.reply_due == a.reply_due
    page = text(client.get(f"/items/{lc.item.id}"))
    assert "经批准延期至" in page and new_due.isoformat() in page


def test_units_cannot_decide_extensions(lc, client, login_as):
    a = Assignment.get_by_id(lc.lead.id)
    from tracker.handling import services as handling

    req = handling.request_extension(a, actor=lc.handler, requested_due=a.reply_due + dt.timedelta(days=9),
                                     reason="x")
    login_as(lc.leader)
    assert client.post(f"/extension-requests/{req.id}/decision",
                       data={f"x{req.id}-decision": "approve"}).status_code == 403
    assert ExtensionRequest.get_by_id(req.id).status == "pending"


def test_leader_adds_an_instruction(lc, f, client, login_as):
    city = f.user(Role.LEADER, name="李副市长")
    login_as(city)
    page = text(client.get(f"/items/{lc.item.id}"))
    assert "添加批示" in page
    response = client.post(f"/items/{lc.item.id}/instructions", data={"text": ""})
    assert response.status_code == 422 and "请填写批示内容" in text(response)
    response = client.post(f"/items/{lc.item.id}/instructions", data={"text": "请住建局牵头抓好落实"})
    assert response.status_code == 302
    assert Instruction.get().text == "请住建局牵头抓好落实"
    login_as(lc.handler)
    page = text(client.get(f"/items/{lc.item.id}"))
    assert "请住建局牵头抓好落实" in page and "李副市长" in page and "添加批示" not in page
    assert client.post(f"/items/{lc.item.id}/instructions", data={"text": "x"}).status_code == 403


def test_no_extension_form_once_the_request_deadline_has_passed(f, client, login_as):
    """The service refuses a request later than the notice period before the due date; the item
    page and the extension page say so instead of offering a form that can only fail."""
    from tracker.handling import services as handling

    unit = f.unit("市住房和城乡建设局")
    handler = f.user(Role.UNIT_HANDLER, unit)
    item = f.item(title="关于整治背街小巷的建议")
    a = f.assign(item, unit, role="sole", handler=handler, assigned_on=clock.today() - dt.timedelta(days=100))
    assignments.receive(a, actor=handler)
    a = Assignment.get_by_id(a.id)
    by = handling.extension_deadline(a)
    assert by < clock.today()
    login_as(handler)
    closed = f"延期申请时限已于 {by.isoformat()} 截止（答复期限 {a.current_due.isoformat()}）；如确需延期，请联系督查室"
    page = text(client.get(f"/items/{item.id}"))
    assert "提交延期申请" not in page and closed in page
    assert "登记沟通情况" in page
    page = text(client.get(f"/assignments/{a.id}/extension"))
    assert "提交延期申请" not in page and closed in page
    response = client.post(f"/assignments/{a.id}/extension",
                           data={f"a{a.id}-requested_due": a.reply_due_max.isoformat(), f"a{a.id}-reason": "需协调"})
    assert response.status_code == 422 and "现已超过申请时限" in text(response)
    assert ExtensionRequest.select().count() == 0


def test_extension_form_is_offered_while_the_request_window_is_open(lc, client, login_as):
    login_as(lc.handler)
    page = text(client.get(f"/items/{lc.item.id}"))
    assert "提交延期申请" in page and "延期申请时限已于" not in page
    assert "提交延期申请" in text(client.get(f"/assignments/{lc.lead.id}/extension"))
