"""The unit's side: inbox, sign for receipt, return request inside and after its window."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tracker.assignments.models import Assignment, ReturnRequest
from tracker.audit.models import AuditEntry
from tracker.core.enums import AssignmentStatus, ItemStatus, Role

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # return window: 7 working days → 2026-03-11


@pytest.fixture()
def travel():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def text(response) -> str:
    return response.get_data(as_text=True)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), dt.UTC)


@pytest.fixture()
def unit_world(f, travel):
    mine, other = f.unit("市教育局"), f.unit("市卫生健康委员会")
    handler = f.user(Role.UNIT_HANDLER, mine, name="吴经办")
    leader = f.user(Role.UNIT_LEADER, mine, name="郑局长")
    stranger = f.user(Role.UNIT_HANDLER, other, name="外单位经办")
    item = f.item(number="21", title="关于增加中小学课后服务的建议")
    a = f.assign(item, mine, handler=handler)
    foreign_item = f.item(number="22", title="关于社区医院建设的建议")
    f.assign(foreign_item, other, handler=stranger)
    return {"mine": mine, "other": other, "handler": handler, "leader": leader, "stranger": stranger,
            "item": item, "a": a, "foreign_item": foreign_item, "travel": travel}


# --- inbox ------------------------------------------------------------------------------------


def test_inbox_lists_the_units_own_assignments_with_dates(unit_world, client, login_as):
    w = unit_world
    login_as(w["handler"])
    page = text(client.get("/inbox"))
    assert "本单位待办" in page and "市教育局" in page
    assert "关于增加中小学课后服务的建议" in page and "关于社区医院建设的建议" not in page
    for expected in ("待签收", "2026-03-02", "2026-03-04", "2026-03-11", "2026-06-02", "剩 92 天"):
        assert expected in page, expected
    assert f"/assignments/{w['a'].id}/receive" in page and f"/assignments/{w['a'].id}/return-request" in page


def test_inbox_tabs_filter_by_status_and_sort_by_due_date(unit_world, f, client, login_as):
    w = unit_world
    later = f.item(number="23", title="晚到期的件")
    f.assign(later, w["mine"], handler=w["handler"], reply_due=dt.date(2026, 8, 31))
    sooner = f.item(number="24", title="早到期的件")
    b = f.assign(sooner, w["mine"], handler=w["handler"], reply_due=dt.date(2026, 4, 30))
    from tracker.assignments import services

    services.receive(b, actor=w["handler"])
    login_as(w["leader"])
    page = text(client.get("/inbox"))
    assert page.index("早到期的件") < page.index("关于增加中小学课后服务的建议") < page.index("晚到期的件")
    page = text(client.get("/inbox?sort=-due"))
    assert page.index("晚到期的件") < page.index("早到期的件")
    page = text(client.get("/inbox?status=handling"))
    assert "早到期的件" in page and "晚到期的件" not in page and "关于增加中小学课后服务的建议" not in page
    assert "办理中 <span class=\"badge text-bg-secondary\">1</span>" in page
    assert "待签收 <span class=\"badge text-bg-secondary\">2</span>" in page
    page = text(client.get("/inbox?status=pending_receipt"))
    assert "早到期的件" not in page and "晚到期的件" in page
    assert client.get("/inbox?status=bogus&sort=bogus").status_code == 200


def test_inbox_puts_open_assignments_before_finished_ones(unit_world, f, client, login_as):
    w = unit_world
    done = f.item(number="25", title="早已答复的件")
    b = f.assign(done, w["mine"], handler=w["handler"], reply_due=dt.date(2026, 3, 31))
    # a finished assignment (the reply services are another part; only the state matters here)
    Assignment.update(status=AssignmentStatus.REPLIED.value, replied_on=dt.date(2026, 3, 20)).where(
        Assignment.id == b.id).execute()
    login_as(w["handler"])
    page = text(client.get("/inbox"))
    assert page.index("关于增加中小学课后服务的建议") < page.index("早已答复的件")
    assert "已答复 <span class=\"badge text-bg-secondary\">1</span>" in page
    page = text(client.get("/inbox?status=replied"))
    assert "早已答复的件" in page and "关于增加中小学课后服务的建议" not in page


def test_inbox_shows_days_overdue(unit_world, client, login_as):
    w = unit_world
    w["travel"].move_to(at(w["a"].reply_due + dt.timedelta(days=4)))
    login_as(w["handler"])
    page = text(client.get("/inbox"))
    assert "超期 4 天" in page and "row-overdue" in page


@pytest.mark.parametrize("role", [Role.OFFICE, Role.LEADER, Role.SUBMITTER, Role.ADMIN])
def test_inbox_is_for_unit_users(f, client, login_as, role):
    login_as(f.user(role))
    assert client.get("/inbox").status_code == 403


# --- receive -----------------------------------------------------------------------------------


def test_handler_signs_for_receipt_from_the_inbox(unit_world, client, login_as):
    w = unit_world
    login_as(w["handler"])
    response = client.post(f"/assignments/{w['a'].id}/receive", data={"next": "/inbox?status=pending_receipt"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox?status=pending_receipt")
    a = w["a"].refresh()
    assert a.status == AssignmentStatus.HANDLING and a.received_by_id == w["handler"].id
    assert w["item"].refresh().status == ItemStatus.IN_PROGRESS
    page = text(client.get("/inbox"))
    assert "已签收：21号" in page
    # signing twice is refused with the workflow's message, nothing changes
    before = AuditEntry.select().count()
    response = client.post(f"/assignments/{w['a'].id}/receive", follow_redirects=True)
    assert "当前状态为“办理中”，不能执行“签收”" in text(response)
    assert AuditEntry.select().count() == before


def test_receive_from_the_item_page(unit_world, client, login_as):
    w = unit_world
    login_as(w["leader"])
    page = text(client.get(f"/items/{w['item'].id}"))
    assert f"/assignments/{w['a'].id}/receive" in page and "申请退回" in page
    response = client.post(f"/assignments/{w['a'].id}/receive", data={"next": f"/items/{w['item'].id}"})
    assert response.headers["Location"].endswith(f"/items/{w['item'].id}")
    page = text(client.get(f"/items/{w['item'].id}"))
    assert f"/assignments/{w['a'].id}/receive" not in page and "签收于" in page


def test_receive_next_must_stay_on_the_site(unit_world, client, login_as):
    w = unit_world
    login_as(w["handler"])
    response = client.post(f"/assignments/{w['a'].id}/receive", data={"next": "https://evil.example/x"})
    assert response.headers["Location"].endswith(f"/items/{w['item'].id}")


def test_other_units_and_other_roles_cannot_receive(unit_world, f, client, login_as):
    w = unit_world
    login_as(w["stranger"])
    assert client.post(f"/assignments/{w['a'].id}/receive").status_code == 404
    assert client.get(f"/items/{w['item'].id}").status_code == 404
    for role in (Role.OFFICE, Role.LEADER):
        login_as(f.user(role))
        assert client.post(f"/assignments/{w['a'].id}/receive").status_code == 403
    login_as(f.user(Role.SUBMITTER))
    assert client.post(f"/assignments/{w['a'].id}/receive").status_code == 404
    assert w["a"].refresh().status == AssignmentStatus.PENDING_RECEIPT


# --- return request ------------------------------------------------------------------------------


def test_return_request_inside_the_window(unit_world, client, login_as):
    w = unit_world
    w["travel"].move_to(at(dt.date(2026, 3, 11)))  # the last day of the window
    login_as(w["handler"])
    page = text(client.get(f"/assignments/{w['a'].id}/return-request"))
    assert "申请退回理由" in page and "2026-03-11" in page and "disabled" not in page
    response = client.post(f"/assignments/{w['a'].id}/return-request", data={"reason": "课后服务经费属财政部门职责。"})
    assert response.status_code == 302
    req = ReturnRequest.get()
    assert req.reason == "课后服务经费属财政部门职责。" and req.status == "pending"
    from tracker.reminders.models import Notification

    bodies = [n.body for n in Notification.select()]
    assert any("理由：课后服务经费属财政部门职责。请于" in b for b in bodies)
    assert not any("。。" in b for b in bodies)  # the unit's own full stop, not a second one
    assert w["a"].refresh().status == AssignmentStatus.RETURN_REQUESTED
    page = text(client.get(f"/items/{w['item'].id}"))
    assert "申退中" in page and "课后服务经费属财政部门职责" in page and "市教育局申请退回" in page


def test_return_request_needs_a_reason(unit_world, client, login_as):
    w = unit_world
    login_as(w["handler"])
    response = client.post(f"/assignments/{w['a'].id}/return-request", data={"reason": "  "})
    assert response.status_code == 422 and "请填写申请退回的理由" in text(response)
    assert ReturnRequest.select().count() == 0


def test_return_request_after_the_window_is_refused_and_keeps_the_reason(unit_world, client, login_as):
    w = unit_world
    w["travel"].move_to(at(dt.date(2026, 3, 12)))
    login_as(w["handler"])
    page = text(client.get(f"/assignments/{w['a'].id}/return-request"))
    assert "申退期限已过（截止 2026-03-11）" in page
    assert f"/assignments/{w['a'].id}/return-request" not in text(client.get("/inbox"))
    item_page = text(client.get(f"/items/{w['item'].id}"))
    assert "申退期限已于 2026-03-11 截止" in item_page
    before = AuditEntry.select().count()
    response = client.post(f"/assignments/{w['a'].id}/return-request", data={"reason": "不属本单位职责"})
    assert response.status_code == 409
    page = text(response)
    assert "申退期限已过（截止 2026-03-11），不能再申请退回；如确需调整，请联系交办单位（督查室）处理。" in page
    assert "不属本单位职责" in page
    assert ReturnRequest.select().count() == 0 and AuditEntry.select().count() == before
    assert w["a"].refresh().status == AssignmentStatus.PENDING_RECEIPT


def test_return_request_permissions(unit_world, f, client, login_as):
    w = unit_world
    login_as(w["stranger"])
    assert client.get(f"/assignments/{w['a'].id}/return-request").status_code == 404
    assert client.post(f"/assignments/{w['a'].id}/return-request", data={"reason": "x"}).status_code == 404
    login_as(f.office())
    assert client.get(f"/assignments/{w['a'].id}/return-request").status_code == 403
    assert ReturnRequest.select().count() == 0


def test_unit_sees_other_units_of_the_item_without_their_details(unit_world, f, client, login_as):
    w = unit_world
    co = f.unit("市财政局")
    co_handler = f.user(Role.UNIT_HANDLER, co, name="财政经办", phone="0571-55550000")
    item = f.item(number="30", title="联合办理的建议")
    f.assign(item, w["mine"], role="lead", handler=w["handler"])
    f.assign(item, co, role="co", handler=co_handler)
    login_as(w["handler"])
    page = text(client.get(f"/items/{item.id}"))
    assert "市财政局" in page and "会办" in page
    assert "0571-55550000" not in page  # the other unit's handler details are not shown
    assert Assignment.select().where(Assignment.item == item.id).count() == 2
