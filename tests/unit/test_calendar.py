"""The working calendar against the official schedule (国务院办公厅 holiday notices).

2025: Spring Festival Jan 28–Feb 4 off, Sun Jan 26 and Sat Feb 8 worked;
      National Day + Mid-Autumn Oct 1–8 off, Sun Sep 28 and Sat Oct 11 worked.
2026: New Year Jan 1–3 off, Sun Jan 4 worked;
      Spring Festival Feb 15–23 off, Sat Feb 14 and Sat Feb 28 worked;
      Mid-Autumn Sep 25–27 off;
      National Day Oct 1–7 off, Sun Sep 20 and Sat Oct 10 worked.
"""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from tracker.core.calendar import WorkCalendar, package_days, package_years

D = date
CAL = WorkCalendar()


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(
            D(2025, 1, 24), True, id="2025-01-24 Fri before Spring Festival: work"
        ),
        pytest.param(D(2025, 1, 25), False, id="2025-01-25 Sat: rest"),
        pytest.param(D(2025, 1, 26), True, id="2025-01-26 Sun make-up workday"),
        pytest.param(
            D(2025, 1, 28), False, id="2025-01-28 Tue Spring Festival eve: off"
        ),
        pytest.param(
            D(2025, 2, 4), False, id="2025-02-04 Tue last Spring Festival day: off"
        ),
        pytest.param(D(2025, 2, 5), True, id="2025-02-05 Wed back to work"),
        pytest.param(D(2025, 2, 8), True, id="2025-02-08 Sat make-up workday"),
        pytest.param(D(2025, 2, 9), False, id="2025-02-09 Sun: rest"),
        pytest.param(D(2025, 9, 27), False, id="2025-09-27 Sat: rest"),
        pytest.param(D(2025, 9, 28), True, id="2025-09-28 Sun make-up workday"),
        pytest.param(D(2025, 10, 1), False, id="2025-10-01 Wed National Day: off"),
        pytest.param(D(2025, 10, 6), False, id="2025-10-06 Mon Mid-Autumn: off"),
        pytest.param(
            D(2025, 10, 8), False, id="2025-10-08 Wed last day of the break: off"
        ),
        pytest.param(D(2025, 10, 9), True, id="2025-10-09 Thu back to work"),
        pytest.param(D(2025, 10, 11), True, id="2025-10-11 Sat make-up workday"),
        pytest.param(D(2025, 10, 12), False, id="2025-10-12 Sun: rest"),
        pytest.param(D(2025, 3, 5), True, id="2025-03-05 ordinary Wed: work"),
        pytest.param(D(2025, 3, 8), False, id="2025-03-08 ordinary Sat: rest"),
        pytest.param(D(2026, 1, 2), False, id="2026-01-02 Fri New Year: off"),
        pytest.param(D(2026, 1, 4), True, id="2026-01-04 Sun make-up workday"),
        pytest.param(D(2026, 2, 14), True, id="2026-02-14 Sat make-up workday"),
        pytest.param(D(2026, 2, 23), False, id="2026-02-23 Mon Spring Festival: off"),
        pytest.param(D(2026, 2, 24), True, id="2026-02-24 Tue back to work"),
        pytest.param(D(2026, 2, 28), True, id="2026-02-28 Sat make-up workday"),
        pytest.param(D(2026, 9, 20), True, id="2026-09-20 Sun make-up workday"),
        pytest.param(D(2026, 9, 25), False, id="2026-09-25 Fri Mid-Autumn: off"),
        pytest.param(D(2026, 10, 7), False, id="2026-10-07 Wed National Day: off"),
        pytest.param(D(2026, 10, 10), True, id="2026-10-10 Sat make-up workday"),
        pytest.param(
            D(2030, 1, 1), True, id="2030-01-01 unknown year: plain Tue, Mon-Fri rule"
        ),
        pytest.param(D(2030, 1, 5), False, id="2030-01-05 unknown year: Sat"),
        pytest.param(
            D(1990, 1, 1), True, id="1990-01-01 before the package: plain Mon"
        ),
    ],
)
def test_is_workday(day: date, expected: bool) -> None:
    assert CAL.is_workday(day) is expected


@pytest.mark.parametrize(
    ("overrides", "day", "expected"),
    [
        pytest.param(
            {D(2025, 10, 8): True}, D(2025, 10, 8), True, id="holiday made a workday"
        ),
        pytest.param(
            {D(2025, 10, 11): False}, D(2025, 10, 11), False, id="make-up day cancelled"
        ),
        pytest.param(
            {D(2025, 3, 5): False}, D(2025, 3, 5), False, id="weekday made a rest day"
        ),
        pytest.param(
            {D(2030, 1, 1): False},
            D(2030, 1, 1),
            False,
            id="admin holiday, unknown year",
        ),
        pytest.param(
            {D(2030, 1, 5): True}, D(2030, 1, 5), True, id="admin make-up, unknown year"
        ),
        pytest.param(
            {D(2030, 1, 1): False}, D(2030, 1, 2), True, id="other days unaffected"
        ),
    ],
)
def test_overrides_beat_the_package(
    overrides: dict[date, bool], day: date, expected: bool
) -> None:
    assert WorkCalendar(overrides).is_workday(day) is expected


@pytest.mark.parametrize(
    ("cal", "day", "expected"),
    [
        pytest.param(CAL, D(2025, 10, 1), "国庆节", id="National Day"),
        pytest.param(CAL, D(2025, 10, 4), "国庆节", id="Saturday inside the break"),
        pytest.param(CAL, D(2025, 10, 6), "中秋节", id="Mid-Autumn inside the break"),
        pytest.param(CAL, D(2025, 1, 29), "春节", id="Spring Festival"),
        pytest.param(CAL, D(2026, 1, 1), "元旦", id="New Year 2026"),
        pytest.param(CAL, D(2025, 9, 28), "调休上班", id="make-up Sunday"),
        pytest.param(CAL, D(2025, 3, 5), None, id="ordinary weekday"),
        pytest.param(CAL, D(2025, 3, 8), None, id="ordinary Saturday"),
        pytest.param(CAL, D(2030, 10, 1), None, id="unknown year: no name"),
        pytest.param(
            WorkCalendar({D(2025, 10, 8): True}),
            D(2025, 10, 8),
            None,
            id="holiday overridden",
        ),
        pytest.param(
            WorkCalendar({D(2030, 1, 5): True}),
            D(2030, 1, 5),
            "调休上班",
            id="admin make-up",
        ),
        pytest.param(
            WorkCalendar({D(2030, 10, 1): False}, names={D(2030, 10, 1): "国庆节"}),
            D(2030, 10, 1),
            "国庆节",
            id="admin holiday with its name",
        ),
    ],
)
def test_day_name(cal: WorkCalendar, day: date, expected: str | None) -> None:
    assert cal.day_name(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(D(2025, 10, 1), D(2025, 10, 9), id="National Day -> Oct 9"),
        pytest.param(D(2025, 9, 27), D(2025, 9, 28), id="Sat -> make-up Sun"),
        pytest.param(D(2025, 10, 9), D(2025, 10, 9), id="workday is itself"),
        pytest.param(
            D(2026, 2, 15), D(2026, 2, 24), id="Spring Festival 2026 -> Feb 24"
        ),
        pytest.param(D(2030, 1, 5), D(2030, 1, 7), id="unknown year Sat -> Mon"),
    ],
)
def test_next_workday(day: date, expected: date) -> None:
    assert CAL.next_workday(day) == expected


def test_package_years_follow_the_package() -> None:
    years = package_years()
    known = {d.year for d in chinese_calendar.holidays}
    assert years == range(min(known), max(known) + 1)
    assert 2025 in years and 2026 in years
    assert 2030 not in years


@pytest.mark.parametrize(
    ("cal", "year", "expected"),
    [
        pytest.param(CAL, 2025, True, id="package year"),
        pytest.param(CAL, 2026, True, id="package year 2026"),
        pytest.param(CAL, 2030, False, id="unknown year"),
        pytest.param(
            WorkCalendar(confirmed_years=[2030]), 2030, True, id="admin confirmed"
        ),
    ],
)
def test_is_confirmed(cal: WorkCalendar, year: int, expected: bool) -> None:
    assert cal.is_confirmed(year) is expected


def test_unconfirmed_years() -> None:
    assert CAL.unconfirmed_years(D(2029, 12, 1), D(2031, 2, 1)) == [2029, 2030, 2031]
    assert CAL.unconfirmed_years(D(2031, 2, 1), D(2029, 12, 1)) == [2029, 2030, 2031]
    assert CAL.unconfirmed_years(D(2025, 1, 1), D(2026, 12, 31)) == []
    cal = WorkCalendar(confirmed_years=[2030])
    assert cal.unconfirmed_years(D(2029, 12, 1), D(2031, 2, 1)) == [2029, 2031]


def test_package_days_2025() -> None:
    days = package_days(2025)
    assert days == sorted(days)
    assert (D(2025, 10, 1), False, "国庆节") in days
    assert (D(2025, 10, 6), False, "中秋节") in days
    assert (D(2025, 1, 28), False, "春节") in days
    assert (D(2025, 9, 28), True, "调休上班") in days
    assert (D(2025, 2, 8), True, "调休上班") in days
    assert all(d.year == 2025 for d, _, _ in days)
    assert (
        len([row for row in days if row[1]]) == 5
    )  # Jan 26, Feb 8, Apr 27, Sep 28, Oct 11


def test_package_days_unknown_year_is_empty() -> None:
    assert package_days(2030) == []


def test_package_days_agree_with_is_workday() -> None:
    for d, is_workday, name in package_days(2026):
        assert CAL.is_workday(d) is is_workday
        assert CAL.day_name(d) == name
