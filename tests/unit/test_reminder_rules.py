"""The reminder schedule, evaluated as a pure function over named time scenarios."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tracker.core.calendar import WorkCalendar
from tracker.reminders.rules import (
    AssignmentFacts,
    CommitmentFact,
    RuleSpec,
    default_specs,
    describe_when,
    due_reminders,
    next_reminders,
    trigger_date,
    validate_rule,
)

CAL = WorkCalendar()  # the chinese_calendar package (holidays and 调休 make-up days) + Mon–Fri
RULES = default_specs()


def facts(**kw) -> AssignmentFacts:
    base = dict(
        role="sole",
        status="handling",
        assigned_on=date(2026, 3, 2),
        receipt_due=date(2026, 3, 4),
        return_due=date(2026, 3, 11),
        first_contact_due=date(2026, 3, 23),
        reply_due=date(2026, 6, 2),
        received=True,
    )
    base.update(kw)
    return AssignmentFacts(**base)


def due_keys(f: AssignmentFacts, today: date, rules=RULES, cal=CAL) -> list[str]:
    return [d.rule_key for d in due_reminders(f, today, rules, cal)]


def rule(key: str) -> RuleSpec:
    return next(r for r in RULES if r.key == key)


# --- named time scenarios: (name, facts, today, expected rule keys due) ---------------------

SCENARIOS = [
    (
        "freshly assigned, not signed: 交办通知 only",
        facts(status="pending_receipt", received=False),
        date(2026, 3, 2),
        ["assigned"],
    ),
    (
        "the receipt day itself: 催签 fires",
        facts(status="pending_receipt", received=False),
        date(2026, 3, 4),
        ["assigned", "receipt_overdue"],
    ),
    ("signed for receipt: no 交办通知, no 催签", facts(), date(2026, 3, 5), []),
    ("two working days before the return window closes", facts(), date(2026, 3, 9), ["return_window"]),
    ("return window closed: the warning is stale", facts(), date(2026, 3, 12), []),
    (
        "return requested: no return-window reminder, no 催签",
        facts(status="return_requested", received=False, return_requested=True),
        date(2026, 3, 10),
        [],
    ),
    ("30 calendar days before the reply date", facts(), date(2026, 5, 3), ["reply_due_30"]),
    ("no contact 20 days before the reply date", facts(), date(2026, 5, 13), ["no_contact", "reply_due_30"]),
    ("contact recorded: no contact reminder", facts(has_contact=True), date(2026, 5, 13), ["reply_due_30"]),
    ("one working day overdue: blue slip", facts(), date(2026, 6, 3), ["overdue_1"]),
    (
        "on the reply day nothing is overdue yet; the latest warning only",
        facts(reply_due=date(2026, 6, 3)),
        date(2026, 6, 3),
        ["reply_due_5", "no_contact"],
    ),
    (
        "after a pause only the most recent warning is sent, not 30 and 15 days both",
        facts(has_contact=True),
        date(2026, 5, 20),
        ["reply_due_15"],
    ),
    ("reply sent: nothing more about the reply", facts(status="replied", replied=True), date(2026, 7, 1), []),
    ("returned (void): nothing at all", facts(status="returned", void=True), date(2026, 7, 1), []),
]


@pytest.mark.parametrize(("name", "f", "today", "expected"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_scenario(name, f, today, expected):
    assert sorted(due_keys(f, today)) == sorted(expected)


# --- 调休 weekends, holidays, month ends, unknown years -------------------------------------


def test_overdue_steps_count_makeup_saturdays_and_skip_the_spring_festival():
    # Reply due Thu 2026-02-12. Working days after it: 02-13 (1), Sat 02-14 调休上班 (2),
    # 02-15..23 春节, 02-24 (3), 02-25 (4), 02-26 (5), 02-27 (6), Sat 02-28 调休上班 (7),
    # 03-02 (8), 03-03 (9), 03-04 (10).
    f = facts(assigned_on=date(2025, 11, 12), reply_due=date(2026, 2, 12), has_contact=True)
    assert trigger_date(date(2026, 2, 12), rule("overdue_1"), CAL) == date(2026, 2, 13)
    assert trigger_date(date(2026, 2, 12), rule("overdue_5"), CAL) == date(2026, 2, 26)
    assert trigger_date(date(2026, 2, 12), rule("overdue_10"), CAL) == date(2026, 3, 4)
    assert due_keys(f, date(2026, 2, 25)) == ["overdue_1"]
    assert due_keys(f, date(2026, 2, 26)) == ["overdue_1", "overdue_5"]
    assert due_keys(f, date(2026, 3, 3)) == ["overdue_1", "overdue_5"]
    assert due_keys(f, date(2026, 3, 4)) == ["overdue_1", "overdue_5", "overdue_10"]


def test_five_working_days_before_a_date_after_national_day():
    # Reply due Fri 2026-10-09: back 10-08 (1), 10-01..07 国庆节, 09-30 (2), 09-29 (3), 09-28 (4),
    # 09-25..27 中秋节, 09-24 (5).
    assert trigger_date(date(2026, 10, 9), rule("reply_due_5"), CAL) == date(2026, 9, 24)
    f = facts(reply_due=date(2026, 10, 9), has_contact=True)
    assert "reply_due_5" not in due_keys(f, date(2026, 9, 23))
    assert "reply_due_5" in due_keys(f, date(2026, 9, 24))


def test_make_up_sunday_counts_as_a_working_day():
    # Sunday 2026-09-20 is a 调休 working day: one working day after Fri 09-18 is that Sunday.
    assert trigger_date(date(2026, 9, 18), rule("overdue_1"), CAL) == date(2026, 9, 20)


def test_month_end_calendar_offsets():
    # 30 calendar days before 03-31 is 03-01; one calendar day after 01-31 is 02-01.
    assert trigger_date(date(2026, 3, 31), rule("reply_due_30"), CAL) == date(2026, 3, 1)
    assert trigger_date(date(2026, 1, 31), rule("commitment_overdue"), CAL) == date(2026, 2, 1)
    # one working day after Thu 04-30 skips the 劳动节 holiday (05-01..05)
    assert trigger_date(date(2026, 4, 30), rule("overdue_1"), CAL) == date(2026, 5, 6)


def test_a_year_the_calendar_does_not_know_uses_monday_to_friday():
    # 2030 is unknown to the package: Tue 2030-10-01 is a plain working day.
    assert not CAL.is_confirmed(2030)
    assert trigger_date(date(2030, 10, 1), rule("overdue_1"), CAL) == date(2030, 10, 2)
    assert trigger_date(date(2030, 9, 27), rule("overdue_1"), CAL) == date(2030, 9, 30)  # Fri → Mon


def test_a_year_the_calendar_does_not_know_follows_the_administrators_entries():
    holidays = {date(2030, 10, d): False for d in range(1, 8)}
    cal = WorkCalendar(holidays, names={d: "国庆节" for d in holidays})
    assert trigger_date(date(2030, 9, 30), rule("overdue_1"), cal) == date(2030, 10, 8)
    f = facts(assigned_on=date(2030, 7, 1), reply_due=date(2030, 9, 30), has_contact=True)
    assert due_keys(f, date(2030, 10, 7), cal=cal) == []
    assert due_keys(f, date(2030, 10, 8), cal=cal) == ["overdue_1"]


# --- catch-up, keys, stopping ---------------------------------------------------------------


def test_catch_up_after_a_pause_gives_every_step_once():
    f = facts(reply_due=date(2026, 6, 2), has_contact=True)
    due = due_reminders(f, date(2026, 7, 15), RULES, CAL)
    assert [d.rule_key for d in due] == ["overdue_1", "overdue_5", "overdue_10"]
    keys = [d.key(42) for d in due]
    assert len(set(keys)) == 3
    assert keys[0] == "a42:overdue_1:2026-06-02"
    assert [d.slip for d in due] == ["blue", "orange", "red"]
    # the early warnings about a date that passed are stale, never sent late
    assert not {"reply_due_30", "reply_due_15", "reply_due_5", "no_contact"} & {d.rule_key for d in due}


def test_an_extension_moves_the_date_and_so_the_key():
    before = due_reminders(facts(reply_due=date(2026, 6, 2), has_contact=True), date(2026, 6, 3), RULES, CAL)
    after = due_reminders(facts(reply_due=date(2026, 7, 2), has_contact=True), date(2026, 6, 3), RULES, CAL)
    assert [d.key(1) for d in before] == ["a1:overdue_1:2026-06-02"]
    assert [d.key(1) for d in after] == ["a1:reply_due_30:2026-07-02"]


def test_co_handler_gets_opinion_reminders_not_reply_reminders():
    f = facts(role="co", co_opinion_due=date(2026, 4, 2), reply_due=date(2026, 6, 2))
    # 5 working days before Thu 04-02: 04-01, 03-31, 03-30, 03-27, 03-26
    assert due_keys(f, date(2026, 3, 25)) == []
    assert due_keys(f, date(2026, 3, 26)) == ["co_due_5"]
    assert due_keys(f, date(2026, 4, 2)) == ["co_due_0"]  # "due today" supersedes "due in 5 days"
    assert due_keys(f, date(2026, 4, 3)) == ["co_late_1"]  # and "late" supersedes "due today"
    assert due_keys(replace(f, opinion_submitted=True, status="opinion_submitted"), date(2026, 4, 3)) == []


def test_commitments_remind_until_kept():
    f = facts(
        status="replied",
        replied=True,
        commitments=(
            CommitmentFact(7, date(2026, 9, 30)),
            CommitmentFact(8, date(2026, 9, 30), kept=True),
            (9, date(2026, 12, 31), False),
        ),
    )
    due = due_reminders(f, date(2026, 10, 1), RULES, CAL)
    # commitment 7 is overdue (its 15-day warning is stale now), 8 is kept, 9 is far off
    assert [(d.rule_key, d.commitment_id) for d in due] == [("commitment_overdue", 7)]
    assert due[0].key(1) == "c7:commitment_overdue:2026-09-30"
    due = due_reminders(f, date(2026, 12, 16), RULES, CAL)
    assert [(d.rule_key, d.commitment_id) for d in due] == [("commitment_overdue", 7), ("commitment_15", 9)]


def test_feedback_window_reminds_the_office_once_it_is_over_until_feedback_is_in():
    """The window's last day is still the submitters' (close-out records 未表态 from the next
    day on): "征询意见期满" fires then, not on the last day."""
    f = facts(status="replied", replied=True, feedback_due=date(2026, 6, 23))
    assert due_keys(f, date(2026, 6, 22)) == []
    assert due_keys(f, date(2026, 6, 23)) == []
    assert due_keys(f, date(2026, 6, 24)) == ["feedback_window"]
    assert trigger_date(date(2026, 6, 23), rule("feedback_window"), CAL) == date(2026, 6, 24)
    assert next_reminders(f, date(2026, 6, 23), [rule("feedback_window")], CAL)[0].fires_on == date(2026, 6, 24)
    assert rule("feedback_window").recipients == ("office",)
    assert rule("feedback_window").when == "征询意见期限次日"
    assert due_keys(replace(f, feedback_complete=True), date(2026, 6, 30)) == []
    # a rule an administrator sets to warn before the window ends keeps its day
    warn = replace(rule("feedback_window"), offset=-2)
    assert trigger_date(date(2026, 6, 23), warn, CAL) == date(2026, 6, 18)  # 06-19 is 端午节
    assert due_keys(f, date(2026, 6, 22), [warn]) == ["feedback_window"]


def test_inactive_and_edited_rules():
    edited = [replace(r, offset=3, unit="calendar_day") if r.key == "overdue_1" else r for r in RULES]
    off = [replace(r, active=False) if r.key == "overdue_1" else r for r in RULES]
    f = facts(has_contact=True)
    assert due_keys(f, date(2026, 6, 4), rules=edited) == []
    assert due_keys(f, date(2026, 6, 5), rules=edited) == ["overdue_1"]
    assert due_keys(f, date(2026, 6, 5), rules=off) == []


def test_next_reminders_outlook():
    upcoming = next_reminders(facts(has_contact=True), date(2026, 5, 20), RULES, CAL)
    assert [(d.rule_key, d.fires_on) for d in upcoming] == [
        ("reply_due_5", date(2026, 5, 26)),
        ("overdue_1", date(2026, 6, 3)),
        ("overdue_5", date(2026, 6, 9)),
    ]


def test_describe_and_validate_in_chinese():
    assert describe_when("reply_due", -5, "working_day") == "答复期限前 5 个工作日"
    assert describe_when("reply_due", 10, "working_day") == "答复期限后第 10 个工作日（超期 10 个工作日）"
    assert describe_when("assigned_on", 0, "calendar_day") == "交办当日"
    assert describe_when("commitment_due", -15, "calendar_day") == "承诺事项期限前 15 天"
    errors = validate_rule(label="", offset=None, unit="fortnight", recipients=[], slip="green")
    assert errors == {
        "label": "请填写提醒名称",
        "offset": "请填写提前或延后的天数",
        "offset_unit": "单位须为工作日或自然日",
        "recipients": "请至少选择一类接收人",
        "slip": "督办单颜色不正确",
    }
    assert validate_rule(label="催签", offset=1, unit="working_day", recipients=["handler"], slip="") == {}


def test_rule_spec_refuses_unknown_events():
    with pytest.raises(ValueError):
        RuleSpec("x", "x", "lunch_due", 0)
