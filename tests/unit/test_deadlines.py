"""Deadline arithmetic (DOMAIN.md §3), table by table, checkable by hand.

Official calendar used below:
2025 Spring Festival: Jan 28 (Tue) – Feb 4 (Tue) off; Sun Jan 26 and Sat Feb 8 worked.
2025 National Day + Mid-Autumn: Oct 1 (Wed) – Oct 8 (Wed) off;
      Sun Sep 28 and Sat Oct 11 worked.
2026: Jan 1–3 off, Sun Jan 4 worked; Feb 15–23 off, Sat Feb 14 and Sat Feb 28 worked;
      Sep 25–27 off, Sun Sep 20 worked; Oct 1–7 off, Sat Oct 10 worked.
Years the package does not know (2028, 2030) fall back to Monday–Friday.
"""

from __future__ import annotations

from datetime import date

import pytest

from tracker.assignments.deadlines import (
    CLOCK_KEYS,
    CLOCK_LABELS,
    DEFAULT_CLOCKS,
    Clock,
    Deadline,
    PeriodUnit,
    RuleSet,
    add_months,
    add_period,
    add_working_days,
    assignment_deadlines,
    days_overdue,
    validate_extension,
    validate_reply_due,
    with_extension,
    working_days_before,
    working_days_between,
)
from tracker.core.calendar import WorkCalendar, package_years

D = date
CAL = WorkCalendar()
WD = PeriodUnit.WORKING_DAY
CD = PeriodUnit.CALENDAR_DAY
MO = PeriodUnit.CALENDAR_MONTH
UNKNOWN_2028: tuple[int, ...] = () if 2028 in package_years() else (2028,)


# --- clocks and rule sets -----------------------------------------------------------


def test_default_clocks_follow_the_rulebook() -> None:
    assert set(DEFAULT_CLOCKS) == set(CLOCK_KEYS) == set(CLOCK_LABELS)
    assert DEFAULT_CLOCKS["receipt"] == Clock(2, WD)
    assert DEFAULT_CLOCKS["return_window"] == Clock(7, WD)
    assert DEFAULT_CLOCKS["return_decision"] == Clock(7, CD)
    assert DEFAULT_CLOCKS["first_contact"] == Clock(15, WD)
    assert DEFAULT_CLOCKS["co_opinion"] == Clock(1, MO)
    assert DEFAULT_CLOCKS["reply"] == Clock(3, MO)
    assert DEFAULT_CLOCKS["extension_notice"] == Clock(5, WD)
    assert DEFAULT_CLOCKS["reply_cap"] == Clock(6, MO)
    assert DEFAULT_CLOCKS["feedback_window"] == Clock(15, WD)
    assert DEFAULT_CLOCKS["rehandle"] == Clock(1, MO)
    assert DEFAULT_CLOCKS["publication"] == Clock(20, WD)


@pytest.mark.parametrize(
    ("clock", "label"),
    [
        pytest.param(Clock(2, WD), "2 个工作日", id="working days"),
        pytest.param(Clock(7, CD), "7 个自然日", id="calendar days"),
        pytest.param(Clock(3, MO), "3 个月", id="months"),
    ],
)
def test_clock_label(clock: Clock, label: str) -> None:
    assert clock.label == label


def test_clock_from_profile_json() -> None:
    clock = Clock.from_dict({"amount": 2, "unit": "working_day"})
    assert clock == Clock(2, WD)
    assert clock.unit is WD
    assert Clock.from_dict(clock.to_dict()) == clock


@pytest.mark.parametrize(
    ("amount", "unit", "error"),
    [
        pytest.param(-1, "working_day", ValueError, id="negative amount"),
        pytest.param(1, "fortnight", ValueError, id="unknown unit"),
        pytest.param(1.5, "working_day", TypeError, id="fractional amount"),
    ],
)
def test_clock_rejects_bad_values(
    amount: object, unit: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        Clock(amount, unit)  # type: ignore[arg-type]


def test_ruleset_falls_back_to_default_clocks() -> None:
    rules = RuleSet(clocks={"reply": Clock(2, MO)})
    assert rules.clock("reply") == Clock(2, MO)
    assert rules.clock("receipt") == DEFAULT_CLOCKS["receipt"]
    with pytest.raises(KeyError):
        rules.clock("no_such_clock")


# --- add_period ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "n", "expected"),
    [
        pytest.param(
            D(2025, 9, 26),
            2,
            D(2025, 9, 29),
            id="Fri+2: Sat skipped, make-up Sun counts",
        ),
        pytest.param(D(2025, 9, 29), 2, D(2025, 10, 9), id="Mon+2: Sep 30, then Oct 9"),
        pytest.param(
            D(2025, 9, 26), 7, D(2025, 10, 13), id="Fri+7 across National Day"
        ),
        pytest.param(
            D(2025, 9, 30), 15, D(2025, 10, 28), id="Sep 30+15 incl. make-up Oct 11"
        ),
        pytest.param(D(2025, 10, 1), 1, D(2025, 10, 9), id="anchor on a holiday"),
        pytest.param(
            D(2025, 1, 24), 2, D(2025, 1, 27), id="Fri+2: make-up Sun Jan 26 counts"
        ),
        pytest.param(
            D(2025, 1, 27), 2, D(2025, 2, 6), id="Jan 27+2 across Spring Festival"
        ),
        pytest.param(
            D(2025, 1, 27), 7, D(2025, 2, 12), id="Jan 27+7 incl. make-up Sat Feb 8"
        ),
        pytest.param(
            D(2025, 12, 31), 1, D(2026, 1, 4), id="2025-12-31+1: make-up Sun Jan 4"
        ),
        pytest.param(
            D(2026, 2, 13), 2, D(2026, 2, 24), id="2026-02-13+2: Sat 14, then Feb 24"
        ),
        pytest.param(
            D(2026, 2, 24), 5, D(2026, 3, 2), id="2026-02-24+5 incl. make-up Sat 28"
        ),
        pytest.param(
            D(2026, 9, 18), 1, D(2026, 9, 20), id="2026-09-18+1: make-up Sun Sep 20"
        ),
        pytest.param(D(2026, 9, 24), 1, D(2026, 9, 28), id="2026 Mid-Autumn Sep 25-27"),
        pytest.param(
            D(2026, 9, 30), 3, D(2026, 10, 10), id="2026 National Day, make-up Oct 10"
        ),
        pytest.param(D(2025, 3, 7), 2, D(2025, 3, 11), id="ordinary Fri+2"),
    ],
)
def test_working_days(anchor: date, n: int, expected: date) -> None:
    d = add_period(anchor, Clock(n, WD), CAL)
    assert d.due == expected
    assert d.counted_to == expected
    assert d.rolled_from is None
    assert d.unconfirmed_years == ()


def test_working_days_record_skipped_and_makeup_days() -> None:
    d = add_period(D(2025, 9, 26), Clock(7, WD), CAL, key="return_window")
    assert d.key == "return_window"
    assert d.skipped == (
        D(2025, 9, 27),
        *(D(2025, 10, day) for day in range(1, 9)),
        D(2025, 10, 12),
    )
    assert d.makeup_days == (D(2025, 9, 28), D(2025, 10, 11))


@pytest.mark.parametrize(
    ("anchor", "n", "roll", "expected", "rolled_from"),
    [
        pytest.param(D(2025, 3, 3), 7, True, D(2025, 3, 10), None, id="Mon+7 = Mon"),
        pytest.param(
            D(2025, 3, 1), 7, True, D(2025, 3, 10), D(2025, 3, 8), id="lands Sat: roll"
        ),
        pytest.param(
            D(2025, 3, 1), 7, False, D(2025, 3, 8), None, id="lands Sat: no roll"
        ),
        pytest.param(
            D(2025, 9, 24),
            7,
            True,
            D(2025, 10, 9),
            D(2025, 10, 1),
            id="lands Oct 1: roll Oct 9",
        ),
        pytest.param(
            D(2025, 9, 24), 7, False, D(2025, 10, 1), None, id="lands Oct 1: no roll"
        ),
        pytest.param(
            D(2025, 9, 21), 7, True, D(2025, 9, 28), None, id="lands make-up Sun: stays"
        ),
    ],
)
def test_calendar_days(
    anchor: date, n: int, roll: bool, expected: date, rolled_from: date | None
) -> None:
    d = add_period(anchor, Clock(n, CD), CAL, roll_forward=roll)
    assert d.counted_to == D.fromordinal(anchor.toordinal() + n)
    assert d.due == expected
    assert d.rolled_from == rolled_from


@pytest.mark.parametrize(
    ("anchor", "n", "roll", "counted_to", "expected", "unconfirmed"),
    [
        pytest.param(
            D(2025, 1, 31),
            1,
            True,
            D(2025, 2, 28),
            D(2025, 2, 28),
            (),
            id="Jan 31+1 = Feb 28",
        ),
        pytest.param(
            D(2024, 1, 31),
            1,
            True,
            D(2024, 2, 29),
            D(2024, 2, 29),
            (),
            id="leap 2024: Feb 29",
        ),
        pytest.param(
            D(2028, 1, 31),
            1,
            True,
            D(2028, 2, 29),
            D(2028, 2, 29),
            UNKNOWN_2028,
            id="leap 2028 (unknown year): Feb 29 Tue, unconfirmed",
        ),
        pytest.param(
            D(2025, 8, 31),
            6,
            True,
            D(2026, 2, 28),
            D(2026, 2, 28),
            (),
            id="Aug 31+6 = Feb 28 2026, a make-up Sat: no roll",
        ),
        pytest.param(
            D(2025, 11, 30),
            3,
            True,
            D(2026, 2, 28),
            D(2026, 2, 28),
            (),
            id="Nov 30+3 clamps to Feb 28 2026",
        ),
        pytest.param(
            D(2025, 12, 31),
            1,
            True,
            D(2026, 1, 31),
            D(2026, 2, 2),
            (),
            id="lands Sat: roll Mon",
        ),
        pytest.param(
            D(2025, 12, 31),
            1,
            False,
            D(2026, 1, 31),
            D(2026, 1, 31),
            (),
            id="lands Sat: no roll",
        ),
        pytest.param(
            D(2025, 7, 1),
            3,
            True,
            D(2025, 10, 1),
            D(2025, 10, 9),
            (),
            id="lands Oct 1: Oct 9",
        ),
        pytest.param(
            D(2025, 11, 17),
            3,
            True,
            D(2026, 2, 17),
            D(2026, 2, 24),
            (),
            id="lands Spring Festival 2026: Feb 24",
        ),
        pytest.param(
            D(2025, 3, 31),
            6,
            True,
            D(2025, 9, 30),
            D(2025, 9, 30),
            (),
            id="Mar 31+6 = Sep 30",
        ),
        pytest.param(
            D(2029, 11, 30),
            1,
            True,
            D(2029, 12, 30),
            D(2029, 12, 31),
            (2029,),
            id="unknown year: Sun rolls to Mon, unconfirmed",
        ),
        pytest.param(
            D(2029, 11, 30),
            1,
            False,
            D(2029, 12, 30),
            D(2029, 12, 30),
            (),
            id="no roll: the calendar is not consulted, no warning",
        ),
    ],
)
def test_months(
    anchor: date,
    n: int,
    roll: bool,
    counted_to: date,
    expected: date,
    unconfirmed: tuple[int, ...],
) -> None:
    d = add_period(anchor, Clock(n, MO), CAL, roll_forward=roll)
    assert d.counted_to == counted_to
    assert d.due == expected
    assert d.unconfirmed_years == unconfirmed


@pytest.mark.parametrize(
    ("d", "months", "expected"),
    [
        pytest.param(D(2025, 1, 31), 1, D(2025, 2, 28), id="Jan 31 + 1"),
        pytest.param(D(2025, 12, 15), 3, D(2026, 3, 15), id="across the year"),
        pytest.param(D(2025, 3, 31), -1, D(2025, 2, 28), id="backwards clamps too"),
        pytest.param(
            D(2025, 1, 15), -1, D(2024, 12, 15), id="backwards across the year"
        ),
        pytest.param(D(2025, 5, 31), 0, D(2025, 5, 31), id="zero"),
    ],
)
def test_add_months(d: date, months: int, expected: date) -> None:
    assert add_months(d, months) == expected


@pytest.mark.parametrize(
    ("cal", "anchor", "expected"),
    [
        pytest.param(
            WorkCalendar({D(2025, 9, 29): False}),
            D(2025, 9, 26),
            D(2025, 9, 30),
            id="admin closes Mon Sep 29",
        ),
        pytest.param(
            WorkCalendar({D(2025, 9, 28): False}),
            D(2025, 9, 26),
            D(2025, 9, 30),
            id="admin cancels make-up Sun Sep 28",
        ),
        pytest.param(
            WorkCalendar({D(2025, 10, 8): True}),
            D(2025, 9, 30),
            D(2025, 10, 9),
            id="admin opens Wed Oct 8",
        ),
        pytest.param(
            WorkCalendar({D(2030, 10, d): False for d in range(1, 8)}),
            D(2030, 9, 30),
            D(2030, 10, 9),
            id="admin holidays in an unknown year",
        ),
    ],
)
def test_calendar_overrides_change_working_day_counts(
    cal: WorkCalendar, anchor: date, expected: date
) -> None:
    assert add_period(anchor, Clock(2, WD), cal).due == expected


@pytest.mark.parametrize(
    ("cal", "unconfirmed"),
    [
        pytest.param(CAL, (2030,), id="unknown year is reported"),
        pytest.param(
            WorkCalendar(confirmed_years=[2030]), (), id="admin-confirmed year is not"
        ),
    ],
)
def test_unknown_year_falls_back_to_monday_friday(
    cal: WorkCalendar, unconfirmed: tuple[int, ...]
) -> None:
    # 2029-12-31 is a Monday; without the package 2030-01-01 is a plain Tuesday.
    d = add_period(D(2029, 12, 31), Clock(2, WD), cal)
    assert d.due == D(2030, 1, 2)
    assert (
        d.unconfirmed_years == unconfirmed
    )  # 2029 is the anchor: not counted, not touched


# --- assignment deadlines -----------------------------------------------------------

SEP_26 = D(2025, 9, 26)  # a Friday, just before National Day 2025


@pytest.mark.parametrize("role", ["lead", "separate", "sole"])
def test_assignment_deadlines_answering_roles(role: str) -> None:
    result = assignment_deadlines(SEP_26, role, RuleSet(), CAL)
    assert {k: v.due for k, v in result.items()} == {
        "receipt_due": D(2025, 9, 29),
        "return_due": D(2025, 10, 13),
        "first_contact_due": D(2025, 10, 23),
        "reply_due": D(2025, 12, 26),
        "reply_due_max": D(2026, 3, 26),
    }


def test_assignment_deadlines_co_unit_has_its_opinion_clock() -> None:
    result = assignment_deadlines(SEP_26, "co", RuleSet(), CAL)
    assert result["co_opinion_due"].due == D(2025, 10, 27)  # Sun Oct 26 rolled to Mon
    assert result["co_opinion_due"].rolled_from == D(2025, 10, 26)
    assert result["reply_due"].due == D(2025, 12, 26)  # the lead's date, informative
    assert result["reply_due_max"].due == D(2026, 3, 26)


def test_assignment_deadlines_without_roll_forward() -> None:
    result = assignment_deadlines(SEP_26, "co", RuleSet(roll_forward=False), CAL)
    assert result["co_opinion_due"].due == D(2025, 10, 26)
    assert result["co_opinion_due"].ends_on_rest_day


def test_assignment_deadlines_rejects_unknown_role() -> None:
    with pytest.raises(ValueError, match="role"):
        assignment_deadlines(SEP_26, "helper", RuleSet(), CAL)


def test_assignment_in_unknown_year_is_flagged() -> None:
    result = assignment_deadlines(D(2030, 3, 1), "lead", RuleSet(), CAL)
    assert result["receipt_due"].due == D(2030, 3, 5)
    assert all(d.unconfirmed_years == (2030,) for d in result.values())


AUG_31 = D(2025, 8, 31)  # a Sunday; month ends matter


@pytest.mark.parametrize(
    ("rules", "override", "due", "capped_from", "absolute", "overridden"),
    [
        pytest.param(
            RuleSet(), None, D(2025, 12, 26), None, False, False, id="3-month clock"
        ),
        pytest.param(
            RuleSet(clocks={**DEFAULT_CLOCKS, "reply": Clock(8, MO)}),
            None,
            D(2026, 3, 26),
            D(2026, 5, 26),
            False,
            False,
            id="8-month clock capped at 6 months",
        ),
        pytest.param(
            RuleSet(absolute_reply_due=D(2025, 12, 31)),
            None,
            D(2025, 12, 31),
            None,
            True,
            False,
            id="session's absolute date wins",
        ),
        pytest.param(
            RuleSet(absolute_reply_due=D(2026, 6, 30)),
            None,
            D(2026, 3, 26),
            D(2026, 6, 30),
            True,
            False,
            id="absolute date still capped",
        ),
        pytest.param(
            RuleSet(absolute_reply_due=D(2025, 6, 30)),
            None,
            D(2025, 12, 26),
            None,
            False,
            False,
            id="absolute date before assignment is ignored",
        ),
        pytest.param(
            RuleSet(),
            D(2025, 11, 28),
            D(2025, 11, 28),
            None,
            False,
            True,
            id="office edit",
        ),
        pytest.param(
            RuleSet(absolute_reply_due=D(2025, 12, 31)),
            D(2025, 11, 28),
            D(2025, 11, 28),
            None,
            False,
            True,
            id="office edit beats the session date",
        ),
        pytest.param(
            RuleSet(),
            D(2026, 5, 1),
            D(2026, 3, 26),
            D(2026, 5, 1),
            False,
            True,
            id="office edit still capped",
        ),
    ],
)
def test_reply_due_precedence_and_cap(
    rules: RuleSet,
    override: date | None,
    due: date,
    capped_from: date | None,
    absolute: bool,
    overridden: bool,
) -> None:
    result = assignment_deadlines(SEP_26, "lead", rules, CAL, reply_due=override)
    reply = result["reply_due"]
    assert reply.due == due
    assert reply.capped_from == capped_from
    assert reply.absolute is absolute
    assert reply.overridden is overridden
    assert reply.due <= result["reply_due_max"].due


def test_reply_cap_rolls_forward_like_any_period() -> None:
    # 2025-07-31 + 6 months = Sat 2026-01-31 -> Mon 2026-02-02
    result = assignment_deadlines(D(2025, 7, 31), "lead", RuleSet(), CAL)
    assert result["reply_due_max"].due == D(2026, 2, 2)
    assert result["reply_due"].due == D(2025, 10, 31)


def test_reply_from_month_end() -> None:
    result = assignment_deadlines(AUG_31, "lead", RuleSet(), CAL)
    assert result["reply_due"].counted_to == D(2025, 11, 30)  # Sunday
    assert result["reply_due"].due == D(2025, 12, 1)
    assert result["reply_due_max"].due == D(
        2026, 2, 28
    )  # Aug 31 + 6 months, a make-up Sat


def test_office_edit_before_assignment_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        assignment_deadlines(SEP_26, "lead", RuleSet(), CAL, reply_due=D(2025, 9, 1))


# --- validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assigned_on", "proposed", "fragment"),
    [
        pytest.param(
            SEP_26,
            D(2025, 9, 25),
            "不能早于交办日期 2025-09-26",
            id="before assignment",
        ),
        pytest.param(SEP_26, SEP_26, None, id="assignment day itself"),
        pytest.param(SEP_26, D(2025, 11, 28), None, id="within the cap"),
        pytest.param(SEP_26, D(2026, 3, 26), None, id="on the cap"),
        pytest.param(
            SEP_26, D(2026, 3, 27), "最长办理期限 2026-03-26", id="beyond the cap"
        ),
        pytest.param(
            D(2025, 7, 31), D(2026, 2, 2), None, id="rolled cap (Sat Jan 31 -> Feb 2)"
        ),
        pytest.param(
            D(2025, 7, 31),
            D(2026, 2, 3),
            "最长办理期限 2026-02-02",
            id="beyond the rolled cap",
        ),
    ],
)
def test_validate_reply_due(
    assigned_on: date, proposed: date, fragment: str | None
) -> None:
    error = validate_reply_due(proposed, assigned_on, RuleSet(), CAL)
    if fragment is None:
        assert error is None
    else:
        assert error is not None and fragment in error


CURRENT = D(2025, 12, 26)  # Fri; 5 working days before it is Fri 2025-12-19
CAP = D(2026, 3, 26)


@pytest.mark.parametrize(
    ("requested", "today", "fragments"),
    [
        pytest.param(
            D(2026, 1, 30), D(2025, 12, 19), [], id="ok on the last allowed day"
        ),
        pytest.param(D(2026, 3, 26), D(2025, 11, 3), [], id="ok up to the cap"),
        pytest.param(
            D(2026, 1, 30), D(2025, 12, 22), ["最迟 2025-12-19"], id="too late to ask"
        ),
        pytest.param(
            D(2025, 12, 26), D(2025, 12, 1), ["必须晚于"], id="not later than current"
        ),
        pytest.param(
            D(2025, 12, 20), D(2025, 12, 1), ["必须晚于"], id="earlier than current"
        ),
        pytest.param(
            D(2026, 3, 27),
            D(2025, 12, 1),
            ["不得超过最长办理期限 2026-03-26"],
            id="beyond cap",
        ),
        pytest.param(
            D(2026, 4, 30),
            D(2025, 12, 25),
            ["不得超过最长办理期限 2026-03-26", "最迟 2025-12-19"],
            id="two problems at once",
        ),
    ],
)
def test_validate_extension(requested: date, today: date, fragments: list[str]) -> None:
    errors = validate_extension(requested, CURRENT, CAP, today, RuleSet(), CAL)
    assert len(errors) == len(fragments)
    for fragment, error in zip(fragments, errors, strict=True):
        assert fragment in error


@pytest.mark.parametrize(
    ("today", "ok"),
    [
        pytest.param(D(2025, 9, 29), True, id="Sep 29 is 5 working days before Oct 13"),
        pytest.param(D(2025, 9, 30), False, id="Sep 30 is too late"),
    ],
)
def test_extension_notice_counts_working_days_across_holidays(
    today: date, ok: bool
) -> None:
    # Working days before Mon 2025-10-13:
    # Sat Oct 11 (make-up), Fri 10, Thu 9, Tue Sep 30, Mon Sep 29
    errors = validate_extension(
        D(2025, 11, 13), D(2025, 10, 13), CAP, today, RuleSet(), CAL
    )
    assert (errors == []) is ok


def test_with_extension() -> None:
    reply = assignment_deadlines(SEP_26, "lead", RuleSet(), CAL)["reply_due"]
    extended = with_extension(reply, D(2026, 1, 30))
    assert extended.due == D(2026, 1, 30)
    assert extended.extended_from == D(2025, 12, 26)
    assert extended.anchor == SEP_26
    assert "已批准延期，原期限 2025-12-26，延至 2026-01-30" in extended.explain()


def test_with_extension_into_an_unknown_year_warns() -> None:
    reply = add_period(
        D(2029, 3, 1), Clock(3, MO), WorkCalendar(confirmed_years=[2029])
    )
    assert reply.unconfirmed_years == ()
    extended = with_extension(reply, D(2030, 1, 15), CAL)
    assert extended.unconfirmed_years == (2030,)


# --- small helpers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "today", "expected"),
    [
        pytest.param(None, D(2025, 10, 1), 0, id="no due date"),
        pytest.param(D(2025, 10, 9), D(2025, 10, 1), 0, id="before"),
        pytest.param(D(2025, 10, 9), D(2025, 10, 9), 0, id="on the day (inclusive)"),
        pytest.param(D(2025, 10, 9), D(2025, 10, 10), 1, id="one day late"),
        pytest.param(
            D(2025, 9, 30), D(2025, 10, 9), 9, id="calendar days, holidays included"
        ),
    ],
)
def test_days_overdue(due: date | None, today: date, expected: int) -> None:
    assert days_overdue(due, today) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(D(2025, 9, 30), D(2025, 10, 9), 1, id="across National Day"),
        pytest.param(D(2025, 9, 26), D(2025, 10, 13), 7, id="return window"),
        pytest.param(D(2025, 10, 13), D(2025, 9, 26), -7, id="reversed is negative"),
        pytest.param(D(2025, 10, 1), D(2025, 10, 8), 0, id="inside the holiday"),
        pytest.param(D(2025, 10, 9), D(2025, 10, 9), 0, id="same day"),
        pytest.param(D(2025, 1, 24), D(2025, 2, 8), 6, id="across Spring Festival"),
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert working_days_between(start, end, CAL) == expected


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        pytest.param(D(2025, 12, 26), 5, D(2025, 12, 19), id="ordinary week"),
        pytest.param(D(2025, 10, 13), 5, D(2025, 9, 29), id="across National Day"),
        pytest.param(D(2025, 2, 5), 1, D(2025, 1, 27), id="across Spring Festival"),
        pytest.param(D(2025, 2, 5), 2, D(2025, 1, 26), id="make-up Sun Jan 26"),
    ],
)
def test_working_days_before(d: date, n: int, expected: date) -> None:
    assert working_days_before(d, n, CAL) == expected


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        pytest.param(D(2025, 9, 26), 7, D(2025, 10, 13), id="forwards"),
        pytest.param(D(2025, 10, 9), -1, D(2025, 9, 30), id="backwards"),
        pytest.param(D(2025, 10, 4), 0, D(2025, 10, 4), id="zero is the day itself"),
    ],
)
def test_add_working_days(d: date, n: int, expected: date) -> None:
    assert add_working_days(d, n, CAL) == expected


# --- explain() ----------------------------------------------------------------------


def test_explain_receipt_exact_text() -> None:
    d = add_period(SEP_26, DEFAULT_CLOCKS["receipt"], CAL, key="receipt")
    assert d.explain() == (
        "自交办日 2025-09-26 起（当日不计）按 2 个工作日计算，"
        "第 2 个工作日为 2025-09-29；"
        "期间跳过周末 1 天；"
        "2025-09-28 为调休上班日，计入工作日；"
        "截止日为 2025-09-29（含当日）。"
    )


def test_explain_national_day() -> None:
    text = add_period(SEP_26, Clock(7, WD), CAL, key="return_window").explain()
    assert "按 7 个工作日计算" in text
    assert "跳过 2025-10-01 至 2025-10-08 国庆节、中秋节假期（8 天），周末 2 天" in text
    assert "2025-09-28、2025-10-11 为调休上班日" in text
    assert text.endswith("截止日为 2025-10-13（含当日）。")


def test_explain_spring_festival() -> None:
    text = add_period(D(2025, 1, 27), Clock(2, WD), CAL, key="receipt").explain()
    assert "跳过 2025-01-28 至 2025-02-04 春节假期（8 天）" in text


@pytest.mark.parametrize(
    ("deadline", "fragments"),
    [
        pytest.param(
            add_period(D(2025, 7, 1), Clock(3, MO), CAL, key="reply"),
            [
                "期满日为对应日 2025-10-01",
                "2025-10-01 为休息日（国庆节），顺延至下一工作日 2025-10-09",
            ],
            id="roll-forward over a holiday",
        ),
        pytest.param(
            add_period(D(2025, 12, 31), Clock(1, MO), CAL, key="co_opinion"),
            ["2026-01-31 为休息日（周末），顺延至下一工作日 2026-02-02"],
            id="roll-forward over a weekend",
        ),
        pytest.param(
            add_period(
                D(2025, 7, 1), Clock(3, MO), CAL, key="reply", roll_forward=False
            ),
            ["2025-10-01 为休息日（国庆节），按规则不顺延", "截止日为 2025-10-01"],
            id="roll-forward off",
        ),
        pytest.param(
            add_period(D(2025, 1, 31), Clock(1, MO), CAL, key="co_opinion"),
            ["2025 年 2 月无对应日，期满日为该月最后一日 2025-02-28"],
            id="month end clamp",
        ),
        pytest.param(
            add_period(D(2025, 9, 24), Clock(7, CD), CAL, key="return_decision"),
            [
                "自申退提出日 2025-09-24 起（当日不计）按 7 个自然日计算",
                "顺延至下一工作日 2025-10-09",
            ],
            id="calendar days",
        ),
        pytest.param(
            assignment_deadlines(
                SEP_26,
                "lead",
                RuleSet(clocks={**DEFAULT_CLOCKS, "reply": Clock(8, MO)}),
                CAL,
            )["reply_due"],
            [
                "受最长办理期限 2026-03-26 限制（原为 2026-05-26）",
                "截止日为 2026-03-26",
            ],
            id="cap",
        ),
        pytest.param(
            assignment_deadlines(
                SEP_26, "lead", RuleSet(absolute_reply_due=D(2025, 12, 31)), CAL
            )["reply_due"],
            ["按会次统一规定的答复日期 2025-12-31"],
            id="absolute date",
        ),
        pytest.param(
            assignment_deadlines(
                SEP_26, "lead", RuleSet(), CAL, reply_due=D(2025, 11, 28)
            )["reply_due"],
            ["由交办单位指定为 2025-11-28"],
            id="office edit",
        ),
        pytest.param(
            add_period(D(2029, 12, 31), Clock(2, WD), CAL, key="receipt"),
            ["注意：2030 年的工作日历尚未确认"],
            id="unconfirmed year",
        ),
        pytest.param(
            add_period(
                D(2030, 9, 30),
                Clock(2, WD),
                WorkCalendar(
                    {D(2030, 10, d): False for d in range(1, 8)},
                    names={D(2030, 10, d): "国庆节" for d in range(1, 8)},
                ),
                key="receipt",
            ),
            ["跳过 2030-10-01 至 2030-10-07 国庆节假期（7 天）", "注意：2030 年"],
            id="admin-entered holiday names",
        ),
        pytest.param(
            add_period(
                D(2025, 3, 4), Clock(2, WD), WorkCalendar({D(2025, 3, 5): False})
            ),
            ["其他休息日 2025-03-05"],
            id="unnamed admin rest day",
        ),
    ],
)
def test_explain_mentions_the_key_facts(
    deadline: Deadline, fragments: list[str]
) -> None:
    text = deadline.explain()
    for fragment in fragments:
        assert fragment in text


def test_the_feedback_window_is_the_items_from_the_last_answering_reply() -> None:
    """One rule for close-out and the reminders: the window opens once every answering unit has
    sent this round's reply, counts from the latest, and is over from the day after its last day."""
    from tracker.assignments.deadlines import (
        feedback_window_anchor,
        feedback_window_due,
        window_over,
        window_over_from,
    )

    assert feedback_window_anchor([]) is None
    assert feedback_window_anchor([(True, date(2026, 11, 9)), (False, None)]) is None
    anchor = feedback_window_anchor([(True, date(2026, 11, 9)), (True, date(2026, 11, 11))])
    assert anchor == date(2026, 11, 11)
    due = feedback_window_due(anchor, RuleSet(), WorkCalendar())
    assert due == date(2026, 12, 2)  # 15 working days
    assert not window_over(due, date(2026, 12, 2)) and window_over(due, date(2026, 12, 3))
    assert window_over_from(due) == date(2026, 12, 3) and not window_over(None, date(2027, 1, 1))
