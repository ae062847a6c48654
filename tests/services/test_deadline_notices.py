"""When a calendar edit recomputes open assignments' dates, each unit affected is told once, item
by item (session, number, date old → new); an unread notice of the same kind is brought up to date
instead of a second one; the item's record names the unit."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from tracker.assignments import deadline_notice
from tracker.audit.models import AuditEntry
from tracker.core.enums import Role
from tracker.reminders.models import Notification
from tracker.rules import services as rules

TITLE = "办理期限已调整"
ASSIGNED = dt.date(2026, 3, 2)  # a Monday: the reply is due 3 months on, Tuesday 2026-06-02


@pytest.fixture()
def w(f):
    unit = f.unit("市住房和城乡建设局", "市住建局")
    other = f.unit("市水务局")
    handler = f.user(Role.UNIT_HANDLER, unit, name="李经办")
    leader = f.user(Role.UNIT_LEADER, unit, name="王局长")
    other_handler = f.user(Role.UNIT_HANDLER, other, name="周经办")
    first = f.item(session=f.session(name="市十七届人大一次会议"), number="10")
    second = f.item(session=f.session(name="市十七届人大二次会议"), number="10")
    a1, a2 = (f.assign(item, unit, assigned_on=ASSIGNED) for item in (first, second))
    f.assign(f.item(number="11"), other, assigned_on=dt.date(2026, 4, 1))  # due 07-01: untouched
    return SimpleNamespace(unit=unit, handler=handler, leader=leader, other_handler=other_handler,
                           a1=a1, a2=a2, admin=f.user(Role.ADMIN))


def notices(user) -> list[Notification]:
    return list(Notification.select().where((Notification.user == user.id) & (Notification.title == TITLE))
                .order_by(Notification.id))


def rest(w, day: dt.date) -> None:
    rules.set_calendar_day(day, False, "依据国务院办公厅通知", actor=w.admin)


def test_a_calendar_edit_names_each_items_session_number_and_new_date(w):
    assert w.a1.reply_due == dt.date(2026, 6, 2)
    rest(w, dt.date(2026, 6, 2))
    assert w.a1.refresh().reply_due == dt.date(2026, 6, 3)
    expected = ("因工作日历调整（2026-06-02 设为休息日），你单位以下件的期限已重新计算：\n"
                "市十七届人大一次会议 第10号：答复期限 2026-06-02 → 2026-06-03\n"
                "市十七届人大二次会议 第10号：答复期限 2026-06-02 → 2026-06-03")
    assert [n.body for n in notices(w.handler)] == [expected]
    assert [n.body for n in notices(w.leader)] == [expected]
    assert notices(w.other_handler) == []  # nothing of its unit changed
    # the item's record names the unit and the change
    entry = AuditEntry.get((AuditEntry.action == "deadline_recomputed") & (AuditEntry.item_id == w.a1.item_id))
    assert entry.detail == ("工作日历调整（2026-06-02 设为休息日），市住房和城乡建设局："
                            "答复期限 2026-06-02 → 2026-06-03")
    assert (entry.before, entry.after) == ({"reply_due": "2026-06-02"}, {"reply_due": "2026-06-03"})


def test_an_edit_that_changes_nothing_sends_nothing(w):
    rest(w, dt.date(2026, 6, 2))
    rules.set_calendar_day(dt.date(2026, 6, 2), False, "再次核对", actor=w.admin)
    rest(w, dt.date(2026, 5, 9))  # a Saturday: no date moves
    assert len(notices(w.handler)) == 1 and notices(w.other_handler) == []


def test_a_holiday_entered_day_by_day_updates_the_unread_notice(w):
    for day in (2, 3, 4):
        rest(w, dt.date(2026, 6, day))
    assert w.a1.refresh().reply_due == dt.date(2026, 6, 5)
    for user in (w.handler, w.leader):
        [notice] = notices(user)
        assert notice.read_at is None
        assert notice.body == (
            "因工作日历调整（2026-06-02 设为休息日）；工作日历调整（2026-06-03 设为休息日）；"
            "工作日历调整（2026-06-04 设为休息日），你单位以下件的期限已重新计算：\n"
            "市十七届人大一次会议 第10号：答复期限 2026-06-02 → 2026-06-05\n"
            "市十七届人大二次会议 第10号：答复期限 2026-06-02 → 2026-06-05")
    # once read, the next edit is a new notice, with only its own change
    Notification.update(read_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC)).where(
        Notification.user == w.handler.id).execute()
    rest(w, dt.date(2026, 6, 5))
    read, unread = notices(w.handler)
    assert "2026-06-02 → 2026-06-05" in read.body
    assert unread.body.splitlines()[1:] == ["市十七届人大一次会议 第10号：答复期限 2026-06-05 → 2026-06-08",
                                            "市十七届人大二次会议 第10号：答复期限 2026-06-05 → 2026-06-08"]
    assert len(notices(w.leader)) == 1  # the leader had not read it: still one notice, up to date
    assert "答复期限 2026-06-02 → 2026-06-08" in notices(w.leader)[0].body


def test_an_edit_undone_before_the_notice_was_read_leaves_nothing_to_tell(w):
    rest(w, dt.date(2026, 6, 2))
    rules.remove_calendar_override(dt.date(2026, 6, 2), actor=w.admin)
    assert w.a1.refresh().reply_due == dt.date(2026, 6, 2)
    assert notices(w.handler) == [] and notices(w.leader) == []
    details = [e.detail for e in AuditEntry.select().where(AuditEntry.action == "deadline_recomputed")
               .order_by(AuditEntry.id)]
    assert details[-1] == "撤销工作日历调整（2026-06-02），市住房和城乡建设局：答复期限 2026-06-03 → 2026-06-02"


def test_a_notice_whose_mail_went_out_is_not_rewritten(w):
    rest(w, dt.date(2026, 6, 2))
    Notification.update(email_status="sent").where(Notification.user == w.handler.id).execute()
    rest(w, dt.date(2026, 6, 3))
    first, second = notices(w.handler)
    assert "答复期限 2026-06-02 → 2026-06-03" in first.body
    assert "答复期限 2026-06-03 → 2026-06-04" in second.body
    assert len(notices(w.leader)) == 1  # no e-mail address: in-app only, brought up to date


def test_the_notice_text_reads_back_and_merges():
    lines = {"市十七届人大一次会议 第10号": [("签收期限", "2026-03-04", "2026-03-05"), ("答复期限", "2026-06-02", "2026-06-03")],
             "2026年三书一函 沪检建〔2026〕3号": [("答复期限", "（无）", "2026-05-15")]}
    text = deadline_notice.body(["规则配置“默认”调整"], lines)
    assert deadline_notice.parse(text) == (["规则配置“默认”调整"], lines)
    assert deadline_notice.parse("工作日历调整：2026-12-01，以下件的期限已重新计算：10号。") is None
    merged = deadline_notice.merge(lines, {"市十七届人大一次会议 第10号": [("签收期限", "2026-03-05", "2026-03-04")]})
    assert merged == {"市十七届人大一次会议 第10号": [("答复期限", "2026-06-02", "2026-06-03")],
                      "2026年三书一函 沪检建〔2026〕3号": [("答复期限", "（无）", "2026-05-15")]}
