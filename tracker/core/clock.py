"""The only place that asks for the current time.

Instants are aware UTC; deadlines are local dates in Asia/Shanghai.

:func:`frozen_at` lets the demo seeder (``tracker seed-demo``) play an item's story in the past:
inside the block :func:`now` and :func:`today` return the given instant. Production code paths
never set it; the override lives in a :class:`contextvars.ContextVar`, so it is local to the
thread (and the asyncio task) that set it and always restored when the block ends.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_frozen: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("tracker_clock_frozen",
                                                                              default=None)


def now() -> dt.datetime:
    frozen = _frozen.get()
    if frozen is not None:
        return frozen
    return dt.datetime.now(dt.UTC)


def real_now() -> dt.datetime:
    """The current instant even inside :func:`frozen_at` (the seeder's upper bound)."""
    return dt.datetime.now(dt.UTC)


@contextlib.contextmanager
def frozen_at(instant: dt.datetime) -> Iterator[dt.datetime]:
    """Within the block, :func:`now` returns ``instant`` (aware; kept as UTC) and :func:`today`
    its local date. Only for seeding demo data. Blocks nest (the inner one wins until it ends);
    the previous value is restored on exit, also when the block raises."""
    if not isinstance(instant, dt.datetime) or instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("clock.frozen_at needs an aware datetime")
    token = _frozen.set(instant.astimezone(dt.UTC))
    try:
        yield instant.astimezone(dt.UTC)
    finally:
        _frozen.reset(token)


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
