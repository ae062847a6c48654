"""The only place that asks for the current time.

Instants are aware UTC; deadlines are local dates in Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    return now().astimezone(LOCAL_TZ).date()


def local_date(instant: dt.datetime) -> dt.date:
    return instant.astimezone(LOCAL_TZ).date()


def to_local(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(LOCAL_TZ)


def start_of_local_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), LOCAL_TZ).astimezone(dt.UTC)


def as_date(value: Any) -> dt.date | None:
    """A date given as a date (or datetime) or as ISO text (what forms and JSON send); None when
    empty or not a date (the caller says which)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None
