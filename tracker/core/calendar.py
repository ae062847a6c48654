"""The working-day calendar (DOMAIN.md §3). Pure: no database, no clock.

Precedence for one day: an administrator's override, then the ``chinese_calendar``
package for the years it knows (holidays and make-up workdays 调休 included), else
Monday–Friday. A year is *confirmed* when the package knows it or an administrator has
confirmed it; the UI warns about every other year a deadline touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

from tracker.core.i18n import N_  # the names below: pages show them in the reader's language

MAKEUP_WORKDAY_NAME = N_("调休上班")

# Chinese names of the package's holidays, keyed by the member name of
# ``chinese_calendar.Holiday``; a holiday missing here falls back to the package's own
# name.
_HOLIDAY_NAMES: dict[str, str] = {
    "new_years_day": N_("元旦"),
    "spring_festival": N_("春节"),
    "tomb_sweeping_day": N_("清明节"),
    "labour_day": N_("劳动节"),
    "dragon_boat_festival": N_("端午节"),
    "mid_autumn_festival": N_("中秋节"),
    "national_day": N_("国庆节"),
    "anti_fascist_70th_day": N_("抗战胜利70周年纪念日"),
}

# The names a page shows in the reader's language (``gettext(name)``), whether the package or
# an administrator (who types the same statutory names) gave them; any other name is shown as
# entered.
STANDARD_DAY_NAMES: frozenset[str] = frozenset({*_HOLIDAY_NAMES.values(), MAKEUP_WORKDAY_NAME})


def _holiday_name(value: str) -> str:
    """Chinese name of a holiday as the package stores it (the English enum value)."""
    try:
        holiday = chinese_calendar.Holiday(value)
    except ValueError:
        return value
    return _HOLIDAY_NAMES.get(holiday.name, getattr(holiday, "chinese", value))


def _derive_package_years() -> range:
    days = [*chinese_calendar.holidays, *chinese_calendar.workdays]
    if not days:  # pragma: no cover - the package always ships data
        return range(0)
    return range(min(days).year, max(days).year + 1)


_PACKAGE_YEARS = _derive_package_years()


def package_years() -> range:
    """The years the installed ``chinese_calendar`` knows (derived from its data)."""
    return _PACKAGE_YEARS


@lru_cache(maxsize=1 << 16)
def _package_day(d: date) -> tuple[bool, str | None] | None:
    """(is_workday, Chinese name or None) from the package; None for an unknown year."""
    if d.year not in _PACKAGE_YEARS:
        return None
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:
        return None
    if name is None:
        return not on_holiday, None
    if on_holiday:
        return False, _holiday_name(name)
    return True, MAKEUP_WORKDAY_NAME


def package_days(year: int) -> list[tuple[date, bool, str | None]]:
    """Each holiday and make-up workday the package knows in ``year``, sorted by day.

    Tuples are (day, is_workday, Chinese name): holidays carry their name
    (国庆节, 春节 …), make-up workdays carry ``"调休上班"``. Used to seed the
    calendar table; [] for a year the package does not know.
    """
    rows: list[tuple[date, bool, str | None]] = []
    for d, value in chinese_calendar.holidays.items():
        if d.year == year:
            rows.append((d, False, _holiday_name(value)))
    for d in chinese_calendar.workdays:
        if d.year == year:
            rows.append((d, True, MAKEUP_WORKDAY_NAME))
    rows.sort(key=lambda row: row[0])
    return rows


class WorkCalendar:
    """Working-day calendar: admin overrides win, then the chinese_calendar package for
    years it knows, else Mon–Fri.

    ``overrides`` maps a day to "is a working day"; ``confirmed_years`` are the years an
    administrator has confirmed (entered and checked); ``names`` optionally gives the
    Chinese name of overridden days (e.g. an administrator's entry "国庆节" for a
    year the package does not know yet). Instances are immutable in use and cache every
    answer per day.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        confirmed_years: Iterable[int] = (),
        names: Mapping[date, str] | None = None,
    ) -> None:
        self._overrides: dict[date, bool] = dict(overrides or {})
        self._confirmed: frozenset[int] = frozenset(confirmed_years)
        self._names: dict[date, str] = {d: n for d, n in (names or {}).items() if n}
        self._workday_cache: dict[date, bool] = {}

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(overrides={len(self._overrides)} days, "
            f"confirmed_years={sorted(self._confirmed)})"
        )

    def is_workday(self, d: date) -> bool:
        cached = self._workday_cache.get(d)
        if cached is not None:
            return cached
        result = self._compute_is_workday(d)
        self._workday_cache[d] = result
        return result

    def _compute_is_workday(self, d: date) -> bool:
        override = self._overrides.get(d)
        if override is not None:
            return override
        known = _package_day(d)
        if known is not None:
            return known[0]
        return d.weekday() < 5

    def is_confirmed(self, year: int) -> bool:
        """True if the package knows the year or an administrator has confirmed it."""
        return year in _PACKAGE_YEARS or year in self._confirmed

    def unconfirmed_years(self, start: date, end: date) -> list[int]:
        """Unconfirmed years from ``start`` to ``end`` (inclusive, either order)."""
        first, last = sorted((start.year, end.year))
        return [year for year in range(first, last + 1) if not self.is_confirmed(year)]

    def day_name(self, d: date) -> str | None:
        """Holiday name in Chinese (国庆节, 春节 …), "调休上班" for a make-up
        workday, else None.

        An administrator's name wins; otherwise the name follows the day's effective
        status: a working Saturday or Sunday is a make-up workday, and a rest day keeps
        the package's holiday name. Ordinary weekdays and weekends, and unnamed rest
        days, give None.
        """
        name = self._names.get(d)
        if name:
            return name
        workday = self.is_workday(d)
        weekend = d.weekday() >= 5
        if workday:
            return MAKEUP_WORKDAY_NAME if weekend else None
        known = _package_day(d)
        if known is not None and not known[0] and known[1] is not None:
            return known[1]
        return None

    def next_workday(self, d: date) -> date:
        """``d`` itself if it is a working day, else the first working day after it."""
        while not self.is_workday(d):
            d += timedelta(days=1)
        return d
