"""While a return request is pending, the unit's clocks keep running by default; with the
profile's switch (clocks_run_during_return) off, a rejected request moves the unit's dates by the
days the review took (DOMAIN.md §3), and a later recomputation keeps the pause."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine

from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core.clock import LOCAL_TZ
from tracker.core.enums import Role
from tracker.core.errors import ValidationFailed
from tracker.reminders.models import Notification
from tracker.rules import services as rules

ASSIGNED = dt.date(2026, 3, 2)  # Mon: receipt 03-04, first contact 03-23, reply 06-02, max 09-02
ASKED = dt.date(2026, 3, 6)  # Fri, within the return window (03-11)
DECIDED = ASKED + dt.timedelta(days=5)  # Wed 03-11


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


def switch(on: bool, actor) -> None:
    profile = rules.default_profile()
    rules.update_profile(profile, clocks=rules.clocks_from_json(profile.clocks), roll_forward=profile.roll_forward,
                         review_department_replies=profile.review_department_replies,
                         checklist_blocks_closeout=profile.checklist_blocks_closeout, actor=actor,
                         clocks_run_during_return=on)


@pytest.fixture()
def w(f):
    unit = f.unit("市住房和城乡建设局")
    handler = f.user(Role.UNIT_HANDLER, unit)
    office = f.office()
    admin = f.user(Role.ADMIN)
    with time_machine.travel(at(ASSIGNED), tick=False):
        a = f.assign(f.item(number="10"), unit, handler=handler, assigned_on=ASSIGNED, actor=office)
    return SimpleNamespace(unit=unit, handler=handler, office=office, admin=admin, a=a)


def ask_and_decide(w, *, approve: bool = False):
    with time_machine.travel(at(ASKED), tick=False):
        req = assignments.request_return(Assignment.get_by_id(w.a.id), actor=w.handler, reason="不属于本单位职责")
    with time_machine.travel(at(DECIDED, 16), tick=False):
        assignments.decide_return(req, actor=w.office, approve=approve, note="" if approve else "属于你单位职责")
    return Assignment.get_by_id(w.a.id)


def dates(a) -> tuple:
    return a.receipt_due, a.return_due, a.first_contact_due, a.reply_due, a.reply_due_max, a.current_due


UNPAUSED = (dt.date(2026, 3, 4), dt.date(2026, 3, 11), dt.date(2026, 3, 23), dt.date(2026, 6, 2),
            dt.date(2026, 9, 2), dt.date(2026, 6, 2))


def test_by_default_the_clocks_keep_running(w):
    assert rules.rule_set().clocks_run_during_return is True
    version = Assignment.get_by_id(w.a.id).version
    a = ask_and_decide(w)
    assert dates(a) == UNPAUSED
    assert a.version == version + 2  # requested, rejected: no date change
    assert not AuditEntry.select().where(AuditEntry.detail.contains("申退审核用时")).exists()


def test_switch_off_a_rejected_request_moves_the_open_dates_by_the_days_it_took(w):
    switch(False, w.admin)
    assert rules.rule_set().clocks_run_during_return is False
    version = Assignment.get_by_id(w.a.id).version
    a = ask_and_decide(w)
    # receipt (03-04) had passed; the return window is not the unit's clock; the others +5 days:
    # first contact Sat 03-28 → Mon 03-30, reply Sun 06-07 → Mon 06-08, max Mon 09-07
    assert dates(a) == (dt.date(2026, 3, 4), dt.date(2026, 3, 11), dt.date(2026, 3, 30), dt.date(2026, 6, 8),
                        dt.date(2026, 9, 7), dt.date(2026, 6, 8))
    assert a.version == version + 3
    entry = AuditEntry.get(AuditEntry.detail.contains("申退审核用时"))
    assert "市住房和城乡建设局" in entry.detail and "申退审核用时 5 天" in entry.detail
    assert "答复期限 2026-06-02 → 2026-06-08" in entry.detail
    assert entry.before["reply_due"] == "2026-06-02" and entry.after["reply_due"] == "2026-06-08"
    assert "receipt_due" not in entry.after
    notice = Notification.get((Notification.user == w.handler.id) & Notification.title.startswith("申退审核结果"))
    assert "驳回申退" in notice.body and "2026-06-08" in notice.body
    why = assignments.explain_dates(a)["reply_due"]
    assert "申退审核期间暂停计时 5 天" in why and "按现行规则计算应为" not in why


def test_switch_off_an_approved_request_moves_nothing(w):
    switch(False, w.admin)
    a = ask_and_decide(w, approve=True)
    assert dates(a) == UNPAUSED
    notice = Notification.get((Notification.user == w.handler.id) & Notification.title.startswith("申退审核结果"))
    assert "暂停计时" not in notice.body


def test_a_recomputation_keeps_the_pause_and_turning_the_switch_on_drops_it(w):
    switch(False, w.admin)
    ask_and_decide(w)
    rules.set_calendar_day(dt.date(2026, 6, 8), False, "测试：设为休息日", actor=w.admin)
    a = Assignment.get_by_id(w.a.id)
    assert (a.reply_due, a.current_due) == (dt.date(2026, 6, 9), dt.date(2026, 6, 9))
    assert a.first_contact_due == dt.date(2026, 3, 30)
    rules.remove_calendar_override(dt.date(2026, 6, 8), actor=w.admin)
    assert dates(Assignment.get_by_id(w.a.id))[2:] == (dt.date(2026, 3, 30), dt.date(2026, 6, 8),
                                                       dt.date(2026, 9, 7), dt.date(2026, 6, 8))
    switch(True, w.admin)
    assert dates(Assignment.get_by_id(w.a.id)) == UNPAUSED


def test_an_office_set_reply_date_keeps_its_pause_through_a_recomputation(w, f):
    switch(False, w.admin)
    with time_machine.travel(at(ASSIGNED), tick=False):
        other = f.assign(f.item(number="11"), w.unit, handler=w.handler, assigned_on=ASSIGNED, actor=w.office,
                         reply_due=dt.date(2026, 5, 4))
    with time_machine.travel(at(ASKED), tick=False):
        req = assignments.request_return(other, actor=w.handler, reason="不属于本单位职责")
    with time_machine.travel(at(DECIDED, 16), tick=False):
        assignments.decide_return(req, actor=w.office, approve=False, note="属于你单位职责")
    # 05-04 + 5: Sat 05-09, a make-up workday (调休) of the 2026 Labour Day holiday
    assert Assignment.get_by_id(other.id).reply_due == dt.date(2026, 5, 9)
    rules.set_calendar_day(dt.date(2026, 12, 1), False, "测试", actor=w.admin)
    assert Assignment.get_by_id(other.id).reply_due == dt.date(2026, 5, 9)


# --- only clocks stop: fixed dates stay, and the office may use the days a pause added ----------


def _ask_and_reject(w, a):
    with time_machine.travel(at(ASKED), tick=False):
        req = assignments.request_return(Assignment.get_by_id(a.id), actor=w.handler, reason="不属于本单位职责")
    with time_machine.travel(at(DECIDED, 16), tick=False):
        assignments.decide_return(req, actor=w.office, approve=False, note="属于你单位职责")
    return Assignment.get_by_id(a.id)


def test_the_sessions_absolute_reply_date_is_no_clock_and_does_not_move(w, f):
    switch(False, w.admin)
    session = f.session(reply_due_absolute=dt.date(2026, 6, 30))  # a Tuesday
    with time_machine.travel(at(ASSIGNED), tick=False):
        a = f.assign(f.item(session=session, number="12"), w.unit, handler=w.handler, assigned_on=ASSIGNED,
                     actor=w.office)
    assert a.reply_due == dt.date(2026, 6, 30)
    a = _ask_and_reject(w, a)
    # the unit's own clocks moved by the five days; the date the session fixed did not
    assert (a.first_contact_due, a.reply_due_max, a.reply_due, a.current_due) == (
        dt.date(2026, 3, 30), dt.date(2026, 9, 7), dt.date(2026, 6, 30), dt.date(2026, 6, 30))
    entry = AuditEntry.get(AuditEntry.detail.contains("申退审核用时") & (AuditEntry.item_id == a.item_id))
    assert "reply_due" not in entry.after and entry.after["first_contact_due"] == "2026-03-30"
    # a recomputation (a calendar edit elsewhere) keeps both: the pause and the fixed date
    rules.set_calendar_day(dt.date(2026, 12, 1), False, "测试", actor=w.admin)
    a = Assignment.get_by_id(a.id)
    assert (a.first_contact_due, a.reply_due) == (dt.date(2026, 3, 30), dt.date(2026, 6, 30))
    assert "申退审核期间暂停计时" not in assignments.explain_dates(a)["reply_due"]


def test_a_deadline_written_in_a_supervision_document_does_not_move(w, f):
    from tracker.supervision import services as supervision

    switch(False, w.admin)
    session = f.session(body="other", name="2026年三书一函")
    written = dt.date(2026, 4, 30)
    with time_machine.travel(at(ASSIGNED), tick=False):
        item = supervision.register_document(
            actor=w.office, kind="procuratorial_suggestion", session_id=session.id, number="沪检建〔2026〕9号",
            written_due=written, title="关于加强校外培训机构消防安全管理的检察建议", issuing_body="市人民检察院",
            issue_date=dt.date(2026, 2, 27), case_name="某培训机构重大责任事故案", case_code="（2025）沪0101刑初123号",
            sectors="消防安全", content="建议开展消防安全专项排查整治。")
    with time_machine.travel(at(ASSIGNED), tick=False):
        a = assignments.assign(item, actor=w.office, unit_id=w.unit.id, role="sole", task="调查核实并整改",
                               responsible_leader="王局长", handler_id=w.handler.id, assigned_on=ASSIGNED)
    assert a.reply_due == written
    a = _ask_and_reject(w, a)
    assert (a.reply_due, a.current_due, a.first_contact_due) == (written, written, dt.date(2026, 3, 30))
    rules.set_calendar_day(dt.date(2026, 12, 1), False, "测试", actor=w.admin)
    a = Assignment.get_by_id(a.id)
    assert a.reply_due == written
    why = assignments.explain_dates(a)["reply_due"]
    assert "文书载明的期限 2026-04-30" in why and "暂停计时" not in why


def test_the_office_may_set_a_reply_date_up_to_the_paused_maximum_and_no_later(w):
    switch(False, w.admin)
    a = ask_and_decide(w)
    assert a.reply_due_max == dt.date(2026, 9, 7)  # 09-02 + the five days of the review

    def adjust(due):
        fresh = Assignment.get_by_id(w.a.id)
        return assignments.adjust_assignment(fresh, actor=w.office, version=fresh.version, task=fresh.task,
                                             responsible_leader=fresh.responsible_leader,
                                             handler_id=fresh.handler_id, handler_phone=fresh.handler_phone,
                                             reply_due=due.isoformat(), note="")

    with time_machine.travel(at(dt.date(2026, 4, 1)), tick=False):
        with pytest.raises(ValidationFailed) as exc:
            adjust(dt.date(2026, 9, 8))
        assert exc.value.fields["reply_due"] == ("答复期限 2026-09-08 超过最长办理期限 2026-09-07"
                                                 "（自交办之日起 6 个月，含申退审核期间暂停计时 5 天）。")
        assert Assignment.get_by_id(w.a.id).reply_due == dt.date(2026, 6, 8)
        adjusted = adjust(dt.date(2026, 9, 7))  # past the unpaused 09-02
    assert (adjusted.reply_due, adjusted.current_due, adjusted.reply_due_max) == (
        dt.date(2026, 9, 7), dt.date(2026, 9, 7), dt.date(2026, 9, 7))
