"""Properties of the deadline arithmetic: true for any date, clock and calendar."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.assignments.deadlines import (
    DEFAULT_CLOCKS,
    Clock,
    PeriodUnit,
    RuleSet,
    add_period,
    add_working_days,
    assignment_deadlines,
    working_days_between,
)
from tracker.core.calendar import WorkCalendar

# Known package years and unknown ones on both sides, with leap years and month ends.
dates = st.dates(min_value=date(2003, 1, 1), max_value=date(2031, 12, 31))
units = st.sampled_from(list(PeriodUnit))
clocks = st.builds(Clock, amount=st.integers(min_value=1, max_value=40), unit=units)
roles = st.sampled_from(["lead", "co", "separate", "sole"])

# A few administrator overrides around the 2025 holidays and in an unknown year.
override_days = st.dates(
    min_value=date(2025, 9, 1), max_value=date(2025, 10, 31)
) | st.dates(min_value=date(2030, 1, 1), max_value=date(2030, 2, 28))
calendars = st.builds(
    WorkCalendar,
    overrides=st.dictionaries(override_days, st.booleans(), max_size=8),
    confirmed_years=st.sets(st.sampled_from([2027, 2028, 2030]), max_size=2),
)
PLAIN = WorkCalendar()

SETTINGS = settings(deadline=None, database=None, max_examples=200)


@SETTINGS
@given(anchor=dates, clock=clocks, cal=calendars, roll=st.booleans())
def test_due_is_after_the_anchor(
    anchor: date, clock: Clock, cal: WorkCalendar, roll: bool
) -> None:
    d = add_period(anchor, clock, cal, roll_forward=roll)
    assert d.due >= anchor + timedelta(days=1)
    assert d.due >= d.counted_to


@SETTINGS
@given(
    anchor=dates,
    n=st.integers(min_value=1, max_value=40),
    cal=calendars,
    roll=st.booleans(),
)
def test_working_day_results_are_workdays(
    anchor: date, n: int, cal: WorkCalendar, roll: bool
) -> None:
    d = add_period(anchor, Clock(n, PeriodUnit.WORKING_DAY), cal, roll_forward=roll)
    assert cal.is_workday(d.due)
    assert d.rolled_from is None
    assert working_days_between(anchor, d.due, cal) == n
    assert all(not cal.is_workday(s) for s in d.skipped)


@SETTINGS
@given(anchor=dates, clock=clocks, cal=calendars)
def test_roll_forward_results_are_workdays(
    anchor: date, clock: Clock, cal: WorkCalendar
) -> None:
    d = add_period(anchor, clock, cal, roll_forward=True)
    assert cal.is_workday(d.due)
    # Rolled to the *first* working day after the counted day.
    day = d.counted_to
    while day < d.due:
        assert not cal.is_workday(day)
        day += timedelta(days=1)


@SETTINGS
@given(anchor=dates, clock=clocks, cal=calendars)
def test_without_roll_forward_the_counted_day_is_the_due_day(
    anchor: date, clock: Clock, cal: WorkCalendar
) -> None:
    d = add_period(anchor, clock, cal, roll_forward=False)
    assert d.due == d.counted_to


@SETTINGS
@given(
    assigned_on=dates,
    role=roles,
    cal=calendars,
    roll=st.booleans(),
    reply=clocks,
    absolute=st.none() | dates,
    override_offset=st.none() | st.integers(min_value=0, max_value=400),
)
def test_reply_due_never_beyond_the_cap(
    assigned_on: date,
    role: str,
    cal: WorkCalendar,
    roll: bool,
    reply: Clock,
    absolute: date | None,
    override_offset: int | None,
) -> None:
    rules = RuleSet(
        clocks={**DEFAULT_CLOCKS, "reply": reply},
        roll_forward=roll,
        absolute_reply_due=absolute,
    )
    override = (
        None
        if override_offset is None
        else assigned_on + timedelta(days=override_offset)
    )
    result = assignment_deadlines(assigned_on, role, rules, cal, reply_due=override)
    assert result["reply_due"].due <= result["reply_due_max"].due
    assert result["reply_due"].due >= assigned_on
    assert ("co_opinion_due" in result) is (role == "co")


@SETTINGS
@given(start=dates, n=st.integers(min_value=-60, max_value=60), cal=calendars)
def test_add_working_days_round_trip(start: date, n: int, cal: WorkCalendar) -> None:
    d = cal.next_workday(start)
    there = add_working_days(d, n, cal)
    assert add_working_days(there, -n, cal) == d
    assert working_days_between(d, there, cal) == n


@SETTINGS
@given(a=dates, b=dates, clock=clocks, cal=calendars, roll=st.booleans())
def test_monotonic_in_the_anchor(
    a: date, b: date, clock: Clock, cal: WorkCalendar, roll: bool
) -> None:
    early, late = sorted((a, b))
    assert (
        add_period(early, clock, cal, roll_forward=roll).due
        <= add_period(late, clock, cal, roll_forward=roll).due
    )


@SETTINGS
@given(anchor=dates, clock=clocks)
def test_unconfirmed_years_are_the_unknown_years_touched(
    anchor: date, clock: Clock
) -> None:
    d = add_period(anchor, clock, PLAIN)
    assert set(d.unconfirmed_years) <= set(PLAIN.unconfirmed_years(anchor, d.due))
    if not PLAIN.is_confirmed(d.due.year):
        assert d.due.year in d.unconfirmed_years
