"""The deadline sweep: each reminder once — after a crash, with two sweeps at once, on re-runs."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from types import SimpleNamespace

import pytest
import time_machine
from playhouse.test_utils import count_queries

from tracker.assignments import services as assignments
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import Role
from tracker.handling.models import Contact
from tracker.items.models import Item
from tracker.items.workflow import Action
from tracker.reminders import sweep as sweep_module
from tracker.reminders.models import Notification, Reminder, ReminderRule, Slip
from tracker.reminders.sweep import sweep
from tracker.replies.models import Commitment, Reply

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ASSIGNED = dt.date(2026, 1, 5)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    """A local (Asia/Shanghai) moment on ``day`` as an aware UTC instant."""
    return dt.datetime.combine(day, dt.time(hour), clock.LOCAL_TZ).astimezone(dt.UTC)


@pytest.fixture()
def w(f):
    unit = f.unit("市住房和城乡建设局", "市住建局")
    return SimpleNamespace(
        unit=unit,
        handler=f.user(Role.UNIT_HANDLER, unit, name="李经办", email="li@example.gov.cn"),
        unit_leader=f.user(Role.UNIT_LEADER, unit, name="王局长", email="wang@example.gov.cn"),
        office=f.user(Role.OFFICE, name="赵督查", email="zhao@example.gov.cn"),
        city_leader=f.user(Role.LEADER, name="陈副市长", email="chen@example.gov.cn"),
    )


def open_assignment(f, w, *, number=None, received=True, tier="department", role="sole", unit=None):
    kw = {"leader_id": w.city_leader.id} if tier == "leader_led" else {}
    item = f.item(number=number, tier=tier, actor=w.office, **kw)
    a = f.assign(
        item,
        unit or w.unit,
        role=role,
        handler=w.handler if unit is None else None,
        assigned_on=ASSIGNED,
        actor=w.office,
    )
    if received:
        assignments.receive(a, actor=w.handler if unit is None else a.handler)
    return a.refresh()


def counts() -> tuple[int, int, int]:
    return (
        Reminder.select().count(),
        Notification.select().where(Notification.reminder.is_null(False)).count(),
        Slip.select().count(),
    )


def test_overdue_assignment_gets_each_step_once_with_slips_and_timeline(f, w):
    a = open_assignment(f, w, tier="leader_led")
    Contact.create(
        assignment=a,
        stage="before",
        method="phone",
        contact_on=ASSIGNED,
        author=w.handler,
        created_at=clock.now(),
    )
    today = a.reply_due + dt.timedelta(days=21)
    result = sweep(at(today))
    assert result.errors == 0
    assert {r.rule_key for r in Reminder.select()} == {"overdue_1", "overdue_5", "overdue_10"}
    assert sorted(s.color for s in Slip.select()) == ["blue", "orange", "red"]
    assert all(s.issued_by is None and s.key for s in Slip.select())
    red = Reminder.get(Reminder.rule_key == "overdue_10")
    assert {n.user_id for n in red.notifications} == {w.city_leader.id, w.office.id}
    blue = Reminder.get(Reminder.rule_key == "overdue_1")
    told = list(blue.notifications)
    assert [n.user_id for n in told] == [w.unit_leader.id]
    assert told[0].title.startswith("督办通知（蓝单）：")
    assert "已超期 21 天" in told[0].body and told[0].kind == "slip"
    assert told[0].email_status == "pending" and told[0].sms_status == "pending"
    assert (result.reminders, result.slips) == (3, 3)
    entries = list(AuditEntry.select().where(AuditEntry.action == "slip_issued"))
    assert len(entries) == 3 and all(e.item_id == a.item_id for e in entries)
    assert "蓝单" in " ".join(e.detail for e in entries)

    again = sweep(at(today))
    assert (again.reminders, again.notifications, again.slips) == (0, 0, 0)
    assert counts() == (3, 5, 3)
    # a later day brings nothing new either: the key is (assignment, rule, due date)
    assert sweep(at(today + dt.timedelta(days=30))).reminders == 0


def test_warnings_timeline_and_recipients(f, w):
    a = open_assignment(f, w)
    day = a.reply_due - dt.timedelta(days=30)
    result = sweep(at(day))
    assert [r.rule_key for r in Reminder.select()] == ["reply_due_30"]
    n = Notification.get(Notification.reminder.is_null(False) & (Notification.user == w.handler.id))
    assert n.title.startswith("答复预警（30天）：") and "还有 30 天" in n.body
    assert {x.user_id for x in Notification.select().where(Notification.reminder.is_null(False))} == {
        w.handler.id,
        w.unit_leader.id,
    }
    assert result.notifications == 2
    entry = AuditEntry.get(AuditEntry.action == "reminder_sent")
    assert entry.item_id == a.item_id and "答复预警（30天）" in entry.detail
    # the timeline shows the first reminder of each rule only
    sweep(at(day + dt.timedelta(days=10)))  # no_contact fires now
    assert AuditEntry.select().where(AuditEntry.action == "reminder_sent").count() == 2
    no_contact = (Notification.select().join(Reminder, on=(Notification.reminder == Reminder.id))
                  .where(Reminder.rule_key == "no_contact").first())
    assert "尚未记录与代表委员的沟通" in no_contact.body  # a deputy's suggestion


def test_assignment_notice_is_not_sent_twice(f, w):
    item = f.item(actor=w.office)
    today = clock.today()
    a = f.assign(item, w.unit, handler=w.handler, assigned_on=today, actor=w.office)
    before = Notification.select().where(Notification.user.in_([w.handler.id, w.unit_leader.id])).count()
    assert before == 2  # the assignment service's 交办通知
    sweep(at(today))
    assert Reminder.get(Reminder.rule_key == "assigned").assignment_id == a.id
    after = Notification.select().where(Notification.user.in_([w.handler.id, w.unit_leader.id])).count()
    assert after == before


def test_the_assignment_notice_shows_as_sent_at_assignment_to_whom_it_went(f, w, client, login_as):
    """The assignment service sends the 交办通知 (an event) when the office assigns; the sweep's
    rule for it then tells nobody again: it records the notice it found (its time, its people)
    and writes no "system" entry of its own on the timeline, where the assignment's entry is."""
    item = f.item(actor=w.office)
    with time_machine.travel(at(ASSIGNED, 10), tick=False):
        a = f.assign(item, w.unit, handler=w.handler, assigned_on=ASSIGNED, actor=w.office)
    sent = list(Notification.select().where(Notification.title.startswith("交办通知")).order_by(Notification.id))
    assert {n.user_id for n in sent} == {w.handler.id, w.unit_leader.id}
    result = sweep(at(ASSIGNED + dt.timedelta(days=3), 7))
    notice = Reminder.get(Reminder.rule_key == "assigned")
    assert notice.assignment_id == a.id and notice.created_at == sent[0].created_at == at(ASSIGNED, 10)
    assert sorted(n.id for n in notice.notifications) == [n.id for n in sent]
    assert result.notifications == 1  # the 催签 only
    assert Notification.select().count() == 3
    timeline = [e.detail for e in AuditEntry.select().where(AuditEntry.item_id == item.id)]
    assert not [d for d in timeline if d.startswith("交办通知")]
    assert any(d.startswith("催签（市住房和城乡建设局）：已提醒李经办") for d in timeline)
    login_as(w.office)
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert "交办通知 · 市住房和城乡建设局（交办日 2026-01-05，通知 2 人）" in page
    assert "2026-01-05 10:00" in page and "通知 0 人" not in page
    assert "催签 · 市住房和城乡建设局（签收期限 2026-01-07，通知 1 人）" in page


def test_reminders_stop_when_the_act_is_done(f, w):
    a = open_assignment(f, w, received=False)
    sweep(at(a.receipt_due))
    assert {r.rule_key for r in Reminder.select()} == {"assigned", "receipt_overdue"}
    assignments.receive(a, actor=w.handler)
    a = a.refresh()
    with db.atomic():
        assignments.transition(a, Action.SEND_REPLY)
    result = sweep(at(a.reply_due + dt.timedelta(days=30)))
    assert result.reminders == 0
    assert not Reminder.select().where(Reminder.rule_key.startswith("overdue")).exists()


def test_the_sweep_reads_current_dates_after_an_extension(f, w):
    a = open_assignment(f, w)
    Contact.create(
        assignment=a,
        stage="before",
        method="phone",
        contact_on=ASSIGNED,
        author=w.handler,
        created_at=clock.now(),
    )
    today = a.reply_due + dt.timedelta(days=2)
    sweep(at(today))
    assert [r.due_on for r in Reminder.select().where(Reminder.rule_key == "overdue_1")] == [a.reply_due]
    new_due = a.reply_due + dt.timedelta(days=40)
    a.extended_due = new_due
    a.current_due = new_due
    a.save()
    sweep(at(new_due + dt.timedelta(days=3)))
    assert sorted(r.due_on for r in Reminder.select().where(Reminder.rule_key == "overdue_1")) == [
        a.reply_due,
        new_due,
    ]


def test_commitments_feedback_and_contact_reminders(f, w):
    a = open_assignment(f, w)
    with db.atomic():
        assignments.transition(a, Action.SEND_REPLY)
    sent_on = a.reply_due - dt.timedelta(days=10)
    now = clock.now()
    reply = Reply.create(
        assignment=a,
        result_class="B",
        text="答复正文",
        created_by=w.handler,
        created_at=now,
        updated_at=now,
        status="sent",
        sent_at=now,
        sent_on=sent_on,
    )
    c = Commitment.create(
        reply=reply, assignment=a, text="年底前完成加装电梯试点", due_on=dt.date(2026, 12, 31)
    )
    sweep(at(dt.date(2026, 12, 20)))
    keys = {r.key for r in Reminder.select()}
    assert f"c{c.id}:commitment_15:2026-12-31" in keys
    fb = Reminder.get(Reminder.rule_key == "feedback_window")
    assert {n.user_id for n in fb.notifications} == {w.office.id}
    assert "未表态" in fb.notifications[0].body
    c.status = "kept"
    c.save()
    assert sweep(at(dt.date(2027, 1, 5))).reminders == 0


def test_feedback_window_notice_is_the_items_window_and_says_what_the_sweep_recorded(f, w):
    """分办: the feedback window is the item's, from the later unit's reply (as close-out counts
    it). Its last day is still the submitters'; the day after, one sweep records 未表态 and tells
    the office once (not once per unit) that it did, naming whom."""
    from tests.closeout_support import send_reply
    from tracker.replies import closeout
    from tracker.replies.models import Feedback

    other = f.unit("经开区管委会")
    item = f.item(submitters=[{"name": "张代表", "role": "lead"}, {"name": "李代表", "role": "co"},
                              {"name": "王代表", "role": "co"}], actor=w.office)
    a1 = f.assign(item, w.unit, role="separate", handler=w.handler, assigned_on=ASSIGNED, actor=w.office)
    a2 = f.assign(item, other, role="separate", assigned_on=ASSIGNED, actor=w.office)
    for a in (a1, a2):
        assignments.receive(a, actor=a.handler)
    send_reply(a1, sent_on=dt.date(2026, 3, 2))  # its own window would end on 03-23
    send_reply(a2, sent_on=dt.date(2026, 3, 4))  # the item's window: 15 working days, to 03-25
    closeout.give_feedback(Item.get_by_id(item.id), actor=w.office, submitter_name="张代表",
                           work="satisfied", result="satisfied", adoption="adopted")
    assert closeout.closeout_for(Item.get_by_id(item.id), dt.date(2026, 3, 4)).window_due == dt.date(2026, 3, 25)

    def notices():
        return list(Reminder.select().where(Reminder.rule_key == "feedback_window"))

    for day in (dt.date(2026, 3, 23), dt.date(2026, 3, 24), dt.date(2026, 3, 25)):
        result = sweep(at(day))
        assert notices() == [] and result.feedback_expired == 0, day
    result = sweep(at(dt.date(2026, 3, 26)))
    assert result.feedback_expired == 2
    assert sorted(fb.submitter.name for fb in Feedback.select().where(Feedback.source == "window_expired")) \
        == ["李代表", "王代表"]
    [notice] = notices()
    assert (notice.assignment_id, notice.due_on) == (a2.id, dt.date(2026, 3, 25))
    [note] = notice.notifications
    assert note.user_id == w.office.id
    assert note.body == ("征询意见期已满（征询期至 2026-03-25），未反馈的李代表、王代表 2 人已记为未表态。"
                         "如需了解其意见，可电话联系代表委员，在该件页面录入纸质意见（替换未表态）。")
    assert "仍有代表委员未反馈" not in note.body
    assert sweep(at(dt.date(2026, 3, 27))).reminders == 0 and len(notices()) == 1


def test_one_bad_assignment_does_not_block_the_others(f, w, monkeypatch):
    rows = [open_assignment(f, w) for _ in range(3)]
    bad = rows[1].id
    real = sweep_module.apply_due

    def flaky(s, *args, **kw):
        if s.assignment_id == bad:
            raise RuntimeError("坏数据")
        return real(s, *args, **kw)

    monkeypatch.setattr(sweep_module, "apply_due", flaky)
    today = rows[0].reply_due + dt.timedelta(days=2)
    result = sweep(at(today))
    assert result.errors == 1
    assert {r.assignment_id for r in Reminder.select()} == {rows[0].id, rows[2].id}
    monkeypatch.setattr(sweep_module, "apply_due", real)
    assert sweep(at(today)).errors == 0
    assert {r.assignment_id for r in Reminder.select()} == {r.id for r in rows}


def test_a_sweep_killed_midway_is_completed_exactly_once_by_the_next(f, w, monkeypatch):
    rows = [open_assignment(f, w, tier="leader_led") for _ in range(6)]
    today = rows[0].reply_due + dt.timedelta(days=21)
    calls = {"n": 0}
    real_entry = sweep_module.audit.entry

    def crash_on_the_tenth(*args, **kw):
        calls["n"] += 1
        if calls["n"] == 10:  # inside the 4th assignment's transaction (3 slips each)
            raise KeyboardInterrupt("power cut")
        return real_entry(*args, **kw)

    monkeypatch.setattr(sweep_module.audit, "entry", crash_on_the_tenth)
    with pytest.raises(KeyboardInterrupt):
        sweep(at(today))
    assert {r.assignment_id for r in Reminder.select()} == {r.id for r in rows[:3]}
    assert counts() == (9, 15, 9)  # the 4th assignment's transaction left nothing behind
    monkeypatch.setattr(sweep_module.audit, "entry", real_entry)
    result = sweep(at(today))
    assert (result.reminders, result.slips) == (9, 9)
    assert counts() == (18, 30, 18)
    assert sweep(at(today)).reminders == 0
    pairs = [
        (n.reminder_id, n.user_id) for n in Notification.select().where(Notification.reminder.is_null(False))
    ]
    assert len(pairs) == len(set(pairs))


def _run_threads(target, n=2):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def test_two_sweeps_at_once_create_no_duplicate(f, w, app):
    rows = [open_assignment(f, w, tier="leader_led") for _ in range(8)]
    today = rows[0].reply_due + dt.timedelta(days=21)
    db.close()

    def one():
        with app.app_context():
            return sweep(at(today))

    results = _run_threads(one, 3)
    db.connect(reuse_if_open=True)
    assert sum(r.errors for r in results) == 0
    assert counts() == (24, 40, 24)
    assert sum(r.reminders for r in results) == 24  # every reminder created by exactly one sweep
    assert sum(r.notifications for r in results) == 40


def test_sweep_uses_a_fixed_number_of_queries(f, w):
    open_assignment(f, w)
    rows = [open_assignment(f, w)]
    today = rows[0].reply_due + dt.timedelta(days=2)
    sweep(at(today))
    with count_queries() as few:
        sweep(at(today))
    for _ in range(8):
        open_assignment(f, w)
    sweep(at(today))
    with count_queries() as many:
        sweep(at(today))
    assert many.count == few.count
    assert many.count <= 15


def test_record_expired_feedback_is_called_when_close_out_provides_it(f, w, monkeypatch):
    seen = []
    fake = SimpleNamespace(record_expired_feedback=lambda today: seen.append(today) or 4)
    monkeypatch.setitem(sys.modules, "tracker.replies.closeout", fake)
    result = sweep(at(dt.date(2026, 5, 6)))
    assert seen == [dt.date(2026, 5, 6)] and result.feedback_expired == 4
    assert "未表态 4 人次" in result.summary()


def test_inactive_rule_is_not_sent(f, w):
    a = open_assignment(f, w)
    ReminderRule.update(active=False).where(ReminderRule.key == "reply_due_30").execute()
    sweep(at(a.reply_due - dt.timedelta(days=30)))
    assert not Reminder.select().exists()


def test_cli_sweep_prints_counts(f, w, runner):
    a = open_assignment(f, w)
    when = (a.reply_due + dt.timedelta(days=2)).isoformat() + "T09:00"
    db.close()
    out = runner.invoke(args=["reminders", "sweep", "--now", when])
    assert out.exit_code == 0, out.output
    assert "新建提醒 1 条" in out.output and "督办单 1 张" in out.output
    bad = runner.invoke(args=["reminders", "sweep", "--now", "明天"])
    assert bad.exit_code != 0 and "ISO 8601" in bad.output


CHILD = textwrap.dedent("""
    import sys, time
    from tracker import create_app
    from tracker.reminders import sweep as m
    app = create_app({"DATABASE_URL": sys.argv[1], "TESTING": True})
    real = m.apply_due
    def slow(*args, **kw):
        real(*args, **kw)
        print("done", flush=True)
        time.sleep(30)
    m.apply_due = slow
    import datetime as dt
    with app.app_context():
        m.sweep(dt.datetime.fromisoformat(sys.argv[2]))
""")


@pytest.mark.slow
def test_a_sweep_process_killed_with_sigkill_loses_nothing(f, w, database_url):
    rows = [open_assignment(f, w, tier="leader_led") for _ in range(4)]
    today = rows[0].reply_due + dt.timedelta(days=21)
    db.close()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url, at(today).isoformat()],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "done", child.stderr.read()
        time.sleep(0.2)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        child.stdout.close()
        child.stderr.close()
    db.connect(reuse_if_open=True)
    assert counts() == (3, 5, 3)  # the first assignment, committed before the kill
    result = sweep(at(today))
    assert result.reminders == 9
    assert counts() == (12, 20, 12)


def test_a_calendar_change_recomputes_dates_and_the_sweep_follows(f, w):
    from tracker.rules.services import set_calendar_day

    a = open_assignment(f, w)
    Contact.create(
        assignment=a,
        stage="before",
        method="phone",
        contact_on=ASSIGNED,
        author=w.handler,
        created_at=clock.now(),
    )
    old_due = a.reply_due
    admin = f.user(Role.ADMIN)
    set_calendar_day(old_due, False, "临时调整为休息日", actor=admin)
    a = a.refresh()
    assert a.reply_due > old_due and a.current_due == a.reply_due
    sweep(at(a.reply_due))  # the old date's "1 working day overdue" would fire today
    assert not Reminder.select().where(Reminder.rule_key == "overdue_1").exists()
    sweep(at(a.reply_due + dt.timedelta(days=1)))
    assert [r.due_on for r in Reminder.select().where(Reminder.rule_key == "overdue_1")] == [a.reply_due]


def test_a_department_items_red_slip_goes_to_the_units_city_leader_in_charge(f, w):
    """DOMAIN §10: the red slip goes to "the city leader in charge": the item's leading city
    leader when it has one (above), else the unit's 分管市领导."""
    from tracker.units import services as units

    deputy_mayor = f.user(Role.LEADER, name="孙副市长")
    units.update_unit(w.unit, actor=f.user(Role.ADMIN), name=w.unit.name, short_name=w.unit.short_name,
                      category=w.unit.category, active=True, city_leader_id=deputy_mayor.id)
    a = open_assignment(f, w)  # a department item: no leading city leader
    assert sweep(at(a.reply_due + dt.timedelta(days=21))).errors == 0
    red = Reminder.get(Reminder.rule_key == "overdue_10")
    assert {n.user_id for n in red.notifications} == {deputy_mayor.id, w.office.id}
    assert w.city_leader.id not in {n.user_id for n in Notification.select()}


def test_the_red_slip_speaks_to_the_city_leader_and_the_office(f, w):
    """DOMAIN §10: a red slip goes to the city leader in charge (and the office), not to the
    unit: it does not ask them to "urge the unit's responsible comrade" as the blue slip does."""
    from tracker.units import services as units

    led = open_assignment(f, w, tier="leader_led")
    units.update_unit(w.unit, actor=f.user(Role.ADMIN), name=w.unit.name, short_name=w.unit.short_name,
                      category=w.unit.category, active=True, city_leader_id=f.user(Role.LEADER).id)
    department = open_assignment(f, w)
    assert sweep(at(led.reply_due + dt.timedelta(days=21))).errors == 0

    def body(a, rule):
        return Reminder.get((Reminder.assignment == a.id) & (Reminder.rule_key == rule)).notifications[0].body

    red = body(led, "overdue_10")
    assert red.endswith("现发出红单，报请领办市领导督办，本件计入年度办理工作考核；"
                        "请督查室督促承办单位主要负责同志立即组织办理并书面报告。")
    assert "请单位负责同志督促办理" not in red
    assert "报请分管市领导督办" in body(department, "overdue_10")
    assert body(led, "overdue_1").endswith("现发出蓝单，请单位负责同志督促办理。")  # to the unit's leader
