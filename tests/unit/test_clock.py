"""clock.frozen_at: the demo seeder's override of the current time."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

import pytest

from tracker.core import clock

NOON = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai
LATE = dt.datetime(2026, 3, 2, 17, 0, tzinfo=dt.UTC)  # 01:00 the next day in Shanghai


def test_now_and_today_follow_the_frozen_instant_and_come_back():
    before = clock.now()
    with clock.frozen_at(NOON) as instant:
        assert instant == NOON
        assert clock.now() == NOON and clock.now() == NOON  # frozen, not ticking
        assert clock.today() == dt.date(2026, 3, 2)
        assert clock.real_now() >= before
    assert clock.now() >= before and clock.now().year >= 2026 and clock.now() != NOON


def test_today_is_the_local_date_of_the_instant():
    with clock.frozen_at(LATE):
        assert clock.today() == dt.date(2026, 3, 3)
        assert clock.local_date(clock.now()) == dt.date(2026, 3, 3)


def test_an_instant_in_another_zone_is_kept_as_utc():
    with clock.frozen_at(NOON.astimezone(clock.LOCAL_TZ)):
        assert clock.now() == NOON and clock.now().tzinfo == dt.UTC


def test_blocks_nest_and_restore_the_outer_instant():
    with clock.frozen_at(NOON):
        with clock.frozen_at(LATE):
            assert clock.now() == LATE
        assert clock.now() == NOON
    assert clock.now() != NOON


def test_restored_when_the_block_raises():
    with pytest.raises(RuntimeError), clock.frozen_at(NOON):
        raise RuntimeError("boom")
    assert clock.now() != NOON


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError), clock.frozen_at(dt.datetime(2026, 3, 2, 12, 0)):
        pass


def test_other_threads_keep_the_real_time():
    seen: list[dt.datetime] = []
    with clock.frozen_at(NOON):
        thread = threading.Thread(target=lambda: seen.append(clock.now()))
        thread.start()
        thread.join()
        assert clock.now() == NOON
    assert seen and seen[0] != NOON


def test_asyncio_tasks_each_keep_their_own_instant():
    async def at(instant: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        with clock.frozen_at(instant):
            first = clock.now()
            await asyncio.sleep(0)  # the other task runs here with its own instant
            return first, clock.now()

    async def both():
        return await asyncio.gather(at(NOON), at(LATE))

    # on a thread of its own: an earlier test in the process (the browser journeys' sync API) may
    # leave this thread marked as running an event loop, where asyncio.run() refuses to start
    results: list = []
    runner = threading.Thread(target=lambda: results.append(asyncio.run(both())))
    runner.start()
    runner.join()
    assert results == [[(NOON, NOON), (LATE, LATE)]]
    assert clock.now() not in (NOON, LATE)
