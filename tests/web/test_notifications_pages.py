"""The notification centre, supervision slips, the office's 催办, the item panel and the
administrators' reminder-rule table."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.enums import Role
from tracker.reminders import services as reminders
from tracker.reminders.models import Notification, ReminderRule, Slip
from tracker.reminders.sweep import sweep


@pytest.fixture()
def w(f):
    unit = f.unit("市住房和城乡建设局")
    other = f.unit("市教育局")
    handler = f.user(Role.UNIT_HANDLER, unit, name="李经办", email="li@example.gov.cn")
    unit_leader = f.user(Role.UNIT_LEADER, unit, name="王局长")
    office = f.user(Role.OFFICE, name="赵督查")
    leader = f.user(Role.LEADER, name="陈副市长")
    item = f.item(
        number="101", title="关于加装电梯的建议", tier="leader_led", leader_id=leader.id, actor=office
    )
    a = f.assign(item, unit, handler=handler, assigned_on=dt.date(2026, 1, 5), actor=office)
    return SimpleNamespace(
        unit=unit,
        other=other,
        handler=handler,
        unit_leader=unit_leader,
        office=office,
        leader=leader,
        item=item,
        a=a.refresh(),
        other_handler=f.user(Role.UNIT_HANDLER, other, name="钱经办"),
    )


# --- notification centre --------------------------------------------------------------------


def test_notification_centre_lists_unread_first_and_marks_read(w, login_as):
    reminders.notify([w.handler], "较早的消息", "正文一", item=w.item)
    older = Notification.select().where(Notification.user == w.handler.id).order_by(Notification.id)
    first = older[0]  # the 交办通知 of the assignment
    reminders.mark_read(first, actor=w.handler)
    client = login_as(w.handler)
    html = client.get("/notifications").get_data(as_text=True)
    assert "未读 1 条" in html
    assert html.index("较早的消息") < html.index("交办通知")  # unread before read
    assert 'aria-label="未读 1"' in html  # the header badge
    assert f'href="/items/{w.item.id}"' in html
    unread = Notification.get((Notification.user == w.handler.id) & Notification.read_at.is_null())
    response = client.post(f"/notifications/{unread.id}/read", data={"next": "/notifications?unread=1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications?unread=1")
    assert unread.refresh().read_at is not None
    html = client.get("/notifications?unread=1").get_data(as_text=True)
    assert "没有未读消息" in html


def test_open_marks_read_and_goes_to_the_item(w, login_as):
    n = Notification.get(Notification.user == w.handler.id)
    response = login_as(w.handler).post(f"/notifications/{n.id}/read", data={"open": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/items/{w.item.id}")
    assert n.refresh().read_at is not None


def test_mark_all_read(w, login_as):
    reminders.notify([w.handler], "第二条")
    client = login_as(w.handler)
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "已将 2 条消息标为已读" in response.get_data(as_text=True)
    assert (
        not Notification.select()
        .where((Notification.user == w.handler.id) & Notification.read_at.is_null())
        .exists()
    )
    # other people's messages are untouched
    assert (
        Notification.select()
        .where((Notification.user == w.unit_leader.id) & Notification.read_at.is_null())
        .exists()
    )


def test_someone_elses_notification_is_not_found(w, login_as):
    theirs = Notification.get(Notification.user == w.unit_leader.id)
    response = login_as(w.handler).post(f"/notifications/{theirs.id}/read")
    assert response.status_code == 404
    assert theirs.refresh().read_at is None


def test_api_notifications(w, api):
    client = api(w.handler)
    body = client.get("/notifications").get_json()
    assert body["total"] == 1 and body["unread"] == 1
    nid = body["items"][0]["id"]
    assert body["items"][0]["title"].startswith("交办通知")
    read = client.post(f"/notifications/{nid}/read").get_json()
    assert read["read_at"] is not None
    assert client.get("/notifications?unread=1").get_json()["total"] == 0
    assert client.post("/notifications/read-all").get_json() == {"marked": 0}
    theirs = Notification.get(Notification.user == w.unit_leader.id)
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404


# --- 催办 (manual) ----------------------------------------------------------------------------


def urge_form(a, color="urge", reason="请本周内报送进展"):
    return {f"urge{a.id}-color": color, f"urge{a.id}-reason": reason, "next": f"/items/{a.item_id}"}


def test_office_urges_and_the_throttle_refuses_a_second_press(w, login_as):
    client = login_as(w.office)
    response = client.post(f"/assignments/{w.a.id}/urge", data=urge_form(w.a), follow_redirects=True)
    assert "已向市住房和城乡建设局发出催办单" in response.get_data(as_text=True)
    slip = Slip.get()
    assert (slip.color, slip.issued_by_id, slip.reason, slip.key) == (
        "urge",
        w.office.id,
        "请本周内报送进展",
        None,
    )
    told = {n.user_id for n in Notification.select().where(Notification.kind == "slip")}
    assert told == {w.handler.id, w.unit_leader.id}
    body = Notification.get(Notification.kind == "slip").body
    assert "赵督查" in body and "请本周内报送进展" in body
    entry = AuditEntry.get(AuditEntry.action == "slip_issued")
    assert entry.actor_id == w.office.id and entry.item_id == w.item.id and "催办单" in entry.detail

    again = client.post(f"/assignments/{w.a.id}/urge", data=urge_form(w.a, "red"), follow_redirects=True)
    html = again.get_data(as_text=True)
    assert "由赵督查催办，24 小时内不能重复催办" in html
    assert Slip.select().count() == 1


def test_urge_after_the_throttle_and_a_red_slip_reaches_the_city_leader(w, login_as):
    client = login_as(w.office)
    client.post(f"/assignments/{w.a.id}/urge", data=urge_form(w.a))
    Slip.update(issued_at=clock.now() - dt.timedelta(hours=25)).execute()
    client.post(f"/assignments/{w.a.id}/urge", data=urge_form(w.a, "red", ""))
    red = Slip.get(Slip.color == "red")
    assert red.issued_by_id == w.office.id
    told = {n.user_id for n in Notification.select().where(Notification.title.startswith("红单"))}
    assert told == {w.handler.id, w.unit_leader.id, w.leader.id}


def test_units_may_not_urge(w, login_as):
    response = login_as(w.handler).post(f"/assignments/{w.a.id}/urge", data=urge_form(w.a))
    assert response.status_code == 403
    response = login_as(w.other_handler).post(f"/assignments/{w.a.id}/urge", data=urge_form(w.a))
    assert response.status_code == 404
    assert not Slip.select().exists()


def test_urge_with_a_bad_colour_changes_nothing(w, login_as):
    response = login_as(w.office).post(
        f"/assignments/{w.a.id}/urge", data=urge_form(w.a, "green"), follow_redirects=True
    )
    assert "请选择催办单或督办单颜色" in response.get_data(as_text=True)
    assert not Slip.select().exists()


def test_api_urge(w, api):
    client = api(w.office)
    response = client.post(f"/assignments/{w.a.id}/urge", json={"color": "blue", "reason": "请尽快办理"})
    assert response.status_code == 201
    assert response.get_json()["color"] == "blue" and response.get_json()["issued_by"] == "赵督查"
    again = client.post(f"/assignments/{w.a.id}/urge", json={})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "urge_throttled"
    bad = client.post(f"/assignments/{w.a.id}/urge", json={"color": "green"})
    assert bad.status_code == 422 and "颜色" in bad.get_json()["error"]["fields"]["color"]
    assert api(w.handler).post(f"/assignments/{w.a.id}/urge", json={}).status_code == 403
    assert Slip.select().count() == 1


# --- slips page -----------------------------------------------------------------------------


def test_slips_page_counts_per_unit_and_colour(w, f, login_as, api):
    other_a = f.assign(
        f.item(number="102", actor=w.office),
        w.other,
        handler=w.other_handler,
        assigned_on=dt.date(2026, 1, 5),
        actor=w.office,
    )
    sweep(dt.datetime.combine(w.a.reply_due + dt.timedelta(days=21), dt.time(9), clock.LOCAL_TZ))
    assert Slip.select().count() == 6  # blue, orange, red for each unit
    reminders.urge(other_a, actor=w.office, color="urge", reason="电话催办")
    client = login_as(w.leader)
    html = client.get("/slips").get_data(as_text=True)
    assert "各单位督办单统计" in html and "共 7 张" in html
    assert "市教育局" in html and "电话催办" in html and "系统（自动）" in html
    only = client.get(f"/slips?unit_id={w.other.id}&color=urge").get_data(as_text=True)
    assert "共 1 张" in only and "电话催办" in only
    body = api(w.office).get("/slips").get_json()
    by_unit = {u["unit_name"]: u for u in body["by_unit"]}
    assert by_unit["市教育局"]["urge"] == 1 and by_unit["市教育局"]["total"] == 4
    assert by_unit["市住房和城乡建设局"]["red"] == 1 and body["total"] == 7
    assert login_as(w.handler).get("/slips").status_code == 403


# --- the item panel -------------------------------------------------------------------------


def test_item_panel_shows_slips_reminders_and_the_urge_form_to_the_office(w, login_as):
    sweep(dt.datetime.combine(w.a.reply_due + dt.timedelta(days=2), dt.time(9), clock.LOCAL_TZ))
    html = login_as(w.office).get(f"/items/{w.item.id}").get_data(as_text=True)
    assert "催办与督办" in html and "蓝单" in html and "近期提醒" in html
    assert f'action="/assignments/{w.a.id}/urge"' in html and f'name="urge{w.a.id}-color"' in html
    unit_view = login_as(w.handler).get(f"/items/{w.item.id}").get_data(as_text=True)
    assert "催办与督办" in unit_view and "蓝单" in unit_view
    assert f'action="/assignments/{w.a.id}/urge"' not in unit_view


def test_item_panel_for_a_fresh_assignment_shows_the_outlook(w, f, login_as):
    today = clock.today()
    fresh = f.assign(
        f.item(number="150", actor=w.office), w.unit, handler=w.handler, assigned_on=today, actor=w.office
    )
    html = login_as(w.office).get(f"/items/{fresh.item_id}").get_data(as_text=True)
    assert "下一次提醒" in html and "尚未发出督办单" in html


# --- reminder rules (administrators) --------------------------------------------------------


def test_admin_edits_a_reminder_rule(f, login_as):
    admin = f.user(Role.ADMIN)
    client = login_as(admin)
    html = client.get("/admin/reminder-rules").get_data(as_text=True)
    assert "督办通知（蓝单）" in html and "答复期限后第 1 个工作日（超期 1 个工作日）" in html
    rule = ReminderRule.get(ReminderRule.key == "overdue_1")
    form = {
        "label": "蓝单督办",
        "offset": "2",
        "offset_unit": "working_day",
        "recipients": ["unit_leader", "handler"],
        "slip": "blue",
        "active": "y",
    }
    response = client.post(f"/admin/reminder-rules/{rule.id}", data=form)
    assert response.status_code == 302
    rule = rule.refresh()
    assert (rule.label, rule.offset, rule.recipients) == ("蓝单督办", 2, ["handler", "unit_leader"])
    entry = AuditEntry.get(AuditEntry.action == "reminder_rule_changed")
    assert entry.after["offset"] == 2 and entry.actor_id == admin.id


def test_bad_rule_edit_keeps_the_input_and_changes_nothing(f, login_as):
    admin = f.user(Role.ADMIN)
    rule = ReminderRule.get(ReminderRule.key == "overdue_1")
    response = login_as(admin).post(
        f"/admin/reminder-rules/{rule.id}",
        data={"label": "我的新名称", "offset": "3", "offset_unit": "working_day", "slip": "blue"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请至少选择一类接收人" in html and 'value="我的新名称"' in html
    assert rule.refresh().label == "督办通知（蓝单）" and rule.refresh().offset == 1


def test_only_administrators_edit_rules(w, login_as):
    assert login_as(w.office).get("/admin/reminder-rules").status_code == 403
    rule = ReminderRule.get(ReminderRule.key == "overdue_1")
    assert login_as(w.office).post(f"/admin/reminder-rules/{rule.id}", data={}).status_code == 403


def test_slips_and_notifications_pages_use_a_fixed_number_of_queries(w, f, login_as):
    from playhouse.test_utils import count_queries

    reminders.urge(w.a, actor=w.office)
    client = login_as(w.office)
    client.get("/slips")
    with count_queries() as few_slips:
        client.get("/slips")
    with count_queries() as few_notes:
        client.get("/notifications")
    for n in range(5):
        a = f.assign(
            f.item(number=f"30{n}", actor=w.office),
            w.unit,
            handler=w.handler,
            assigned_on=dt.date(2026, 1, 5),
            actor=w.office,
        )
        reminders.urge(a, actor=w.office, color="red")
        reminders.notify([w.office], f"消息 {n}", item=a.item)
    with count_queries() as many_slips:
        client.get("/slips")
    with count_queries() as many_notes:
        client.get("/notifications")
    assert many_slips.count == few_slips.count
    assert many_notes.count == few_notes.count
