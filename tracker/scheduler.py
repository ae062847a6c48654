"""The scheduler: every periodic job in ONE table, and the runner that executes them.

The scheduler is its own process (``tracker scheduler run``); web workers never run jobs.
Only one scheduler acts at a time even if several are started: each competes for a lease
row in ``scheduler_leases`` (name "scheduler", holder host:pid:random, expires_at = now +
60 s), taken or renewed with one atomic conditional UPDATE (or INSERT … ON CONFLICT DO
NOTHING for the first one) that works on SQLite and PostgreSQL alike. A job runs only while
its process holds the lease; a standby keeps trying and takes over — and runs the sweep and
the outbox at once — when the holder's lease runs out. The jobs themselves are idempotent
(unique reminder keys, claimed outbox rows), so even a job that overlaps a take-over does
no harm.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import importlib.util
import logging
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apscheduler.schedulers import SchedulerNotRunningError

from tracker.core import clock

logger = logging.getLogger("tracker.scheduler")

LEASE_NAME = "scheduler"
DEFAULT_LEASE_SECONDS = 60


# --- the jobs (module-level, importable, idempotent) ----------------------------------------


_sweeping = threading.Lock()


def sweep_deadlines() -> str:
    """Create due reminders, notifications and supervision slips (tracker.reminders.sweep).

    The 10-minute and the 01:00 entries share this function; a second call while one runs in
    this process is skipped (it would be harmless, only wasted work)."""
    from tracker.reminders.sweep import sweep

    if not _sweeping.acquire(blocking=False):
        return "上一次扫描仍在进行，本次跳过"
    try:
        return sweep(clock.now()).summary()
    finally:
        _sweeping.release()


def deliver_outbox() -> str:
    """Send pending e-mails (and text messages) of the outbox."""
    from tracker.reminders.delivery import deliver_outbox as deliver

    return deliver(clock.now(), limit=500).summary()


def dispatch_slot(now: dt.datetime, weekday: int, hour: int) -> dt.datetime:
    """This week's dispatch moment (local weekday 0 = Monday, hour) as an aware UTC instant."""
    local = clock.to_local(now)
    monday = local.date() - dt.timedelta(days=local.weekday())
    day = monday + dt.timedelta(days=weekday % 7)
    return clock.start_of_local_day(day) + dt.timedelta(hours=hour)


def _dispatch_generator() -> Callable | None:
    name = "tracker.ledger.dispatch"
    if importlib.util.find_spec("tracker.ledger") is None or importlib.util.find_spec(name) is None:
        return None
    return getattr(importlib.import_module(name), "generate_weekly", None)


def weekly_dispatch(now: dt.datetime | None = None) -> str:
    """定期调度通报: once a week at the configured weekday and hour (settings
    ``dispatch_weekday`` / ``dispatch_hour``, ``dispatch_weekly`` on/off), hands over to
    ``tracker.ledger.dispatch.generate_weekly(now)`` when that module exists — a logged no-op
    otherwise. Runs hourly, so a changed setting needs no restart and a scheduler that was
    down at the exact hour catches up; the report module makes one report per week."""
    from tracker.rules.services import get_setting

    now = now or clock.now()
    if get_setting("dispatch_weekly") is False:
        return "定期调度通报已关闭"
    weekday = int(get_setting("dispatch_weekday") or 0)
    hour = get_setting("dispatch_hour")
    slot = dispatch_slot(now, weekday, int(hour) if hour is not None else 9)
    if now < slot:
        return f"未到本周调度通报时间（{clock.to_local(slot):%Y-%m-%d %H:%M}）"
    generate = _dispatch_generator()
    if generate is None:
        logger.info(
            "weekly dispatch: tracker.ledger.dispatch.generate_weekly is not installed; nothing to do"
        )
        return "定期调度通报模块未安装，跳过"
    report = generate(now)
    year, week, _ = clock.to_local(slot).isocalendar()
    if report is None:
        return f"{year} 年第 {week} 周的调度通报已生成过（或无需生成）"
    return f"已生成 {year} 年第 {week} 周的调度通报"


def refresh_statistics() -> str:
    """The planner statistics SQLite never refreshes by itself (see core.db.refresh_statistics)."""
    from tracker.core.db import refresh_statistics as refresh

    return refresh()


@dataclass(frozen=True)
class Job:
    id: str  # stable: used for logs and by APScheduler
    func: Callable[[], Any]
    trigger: str  # "interval" or "cron" (APScheduler 3 triggers), local time Asia/Shanghai
    trigger_args: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    run_on_takeover: bool = False  # run at once when this process becomes the active scheduler


JOBS: list[Job] = [
    Job(
        "sweep_deadlines",
        sweep_deadlines,
        "interval",
        {"minutes": 10},
        "扫描期限：生成提醒、消息和督办单",
        run_on_takeover=True,
    ),
    Job(
        "sweep_deadlines_nightly",
        sweep_deadlines,
        "cron",
        {"hour": 1, "minute": 0},
        "每日 01:00 全面扫描期限",
    ),
    Job(
        "deliver_outbox",
        deliver_outbox,
        "interval",
        {"minutes": 1},
        "发送待发邮件和短信（失败自动重试）",
        run_on_takeover=True,
    ),
    Job(
        "weekly_dispatch",
        weekly_dispatch,
        "cron",
        {"minute": 0},
        "每周定期调度通报（时间见系统设置 dispatch_weekday / dispatch_hour）",
    ),
    Job(
        "refresh_statistics",
        refresh_statistics,
        "cron",
        {"hour": 2, "minute": 30},
        "每日 02:30 更新数据库查询统计信息",
    ),
]


def job(job_id: str) -> Job:
    for j in JOBS:
        if j.id == job_id:
            return j
    raise KeyError(job_id)


# --- the lease ------------------------------------------------------------------------------


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:100]


class Lease:
    """A named lease row; ``acquire()`` takes or renews it atomically."""

    def __init__(
        self, name: str = LEASE_NAME, *, seconds: float = DEFAULT_LEASE_SECONDS, holder: str | None = None
    ) -> None:
        self.name = name
        self.seconds = float(seconds)
        self.holder = holder or new_holder()
        self._valid_until = 0.0  # monotonic clock

    def acquire(self, now: dt.datetime | None = None) -> bool:
        """Take the lease if it is free or expired, renew it if ours. True when we hold it."""
        from tracker.reminders.models import SchedulerLease

        started = time.monotonic()
        now = now or clock.now()
        expires = now + dt.timedelta(seconds=self.seconds)
        rows = (
            SchedulerLease.update(holder=self.holder, expires_at=expires)
            .where(
                (SchedulerLease.name == self.name)
                & ((SchedulerLease.holder == self.holder) | (SchedulerLease.expires_at < now))
            )
            .execute()
        )
        if rows != 1:
            rows = (
                SchedulerLease.insert(name=self.name, holder=self.holder, expires_at=expires)
                .on_conflict_ignore()
                .as_rowcount()
                .execute()
            )
        if rows == 1:
            # count from before the statement ran, with a safety margin for clock drift
            self._valid_until = started + self.seconds * 0.8
            return True
        self._valid_until = 0.0
        return False

    def held(self) -> bool:
        return time.monotonic() < self._valid_until

    def release(self) -> None:
        from tracker.reminders.models import SchedulerLease

        self._valid_until = 0.0
        (
            SchedulerLease.update(expires_at=clock.now() - dt.timedelta(seconds=1))
            .where((SchedulerLease.name == self.name) & (SchedulerLease.holder == self.holder))
            .execute()
        )

    def current_holder(self) -> tuple[str, dt.datetime] | None:
        from tracker.reminders.models import SchedulerLease

        row = SchedulerLease.get_or_none(SchedulerLease.name == self.name)
        return (row.holder, row.expires_at) if row else None


# --- the runner -----------------------------------------------------------------------------


class SchedulerRunner:
    """Runs the JOBS table with APScheduler while holding the lease; stands by otherwise."""

    def __init__(
        self,
        app: Any,
        *,
        lease_seconds: float | None = None,
        holder: str | None = None,
        jobs: list[Job] | None = None,
    ) -> None:
        self.app = app
        seconds = lease_seconds or app.config.get("SCHEDULER_LEASE_SECONDS") or DEFAULT_LEASE_SECONDS
        self.lease = Lease(seconds=float(seconds), holder=holder)
        self.jobs = list(jobs if jobs is not None else JOBS)
        self.runs: list[tuple[str, dt.datetime]] = []  # jobs this process ran (for logs and tests)
        self.scheduler: Any = None
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._was_held = False

    # one unit of work with a database connection
    def _in_context(self, fn: Callable[[], Any]) -> Any:
        from tracker.core.db import connection

        with self.app.app_context(), connection():
            return fn()

    def tick(self) -> bool:
        """Take or renew the lease; on a take-over, run the catch-up jobs at once."""
        try:
            held = self._in_context(self.lease.acquire)
        except Exception:
            logger.exception("scheduler lease: database error")
            held = False
        if held and not self._was_held:
            logger.info("scheduler lease acquired by %s: this process runs the jobs", self.lease.holder)
            self._run_takeover_jobs()
        elif not held and self._was_held:
            logger.warning("scheduler lease lost by %s: standing by", self.lease.holder)
        self._was_held = held
        return held

    def _run_takeover_jobs(self) -> None:
        if self.scheduler is None:
            return
        from apscheduler.jobstores.base import JobLookupError

        now = dt.datetime.now(clock.LOCAL_TZ)
        for j in self.jobs:
            if j.run_on_takeover:
                try:
                    self.scheduler.modify_job(j.id, next_run_time=now)
                except JobLookupError:
                    logger.warning("job %s not scheduled yet; it runs at its next time", j.id)

    def run_job(self, job_id: str) -> Any:
        """The guard every scheduled job goes through: run only while holding the lease."""
        if not self.lease.held():
            logger.debug("job %s skipped: %s is on standby", job_id, self.lease.holder)
            return None
        j = next(j for j in self.jobs if j.id == job_id)
        started = time.perf_counter()
        self.runs.append((job_id, clock.now()))
        try:
            outcome = self._in_context(j.func)
        except Exception:
            logger.exception("job %s failed", job_id)
            return None
        logger.info(
            "job %s ran in %.1fs on %s: %s", job_id, time.perf_counter() - started, self.lease.holder, outcome
        )
        return outcome

    def run_once(self) -> dict[str, Any] | None:
        """``tracker scheduler run --once``: if this process can take the lease, run the sweep
        and the outbox now, then let the lease go. None when another scheduler is active."""
        if not self.tick():
            return None
        try:
            return {j.id: self.run_job(j.id) for j in self.jobs if j.run_on_takeover}
        finally:
            self._in_context(self.lease.release)
            self._was_held = False

    def _heartbeat_loop(self) -> None:
        interval = max(0.2, self.lease.seconds / 3)
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(interval)

    def build_scheduler(self, *, blocking: bool, run_now: bool = False):
        """An APScheduler 3 scheduler with one entry per row of the jobs table."""
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.schedulers.blocking import BlockingScheduler

        cls = BlockingScheduler if blocking else BackgroundScheduler
        scheduler = cls(
            timezone=clock.LOCAL_TZ,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": 300,
            },
        )
        now = dt.datetime.now(clock.LOCAL_TZ)
        for j in self.jobs:
            extra = {"next_run_time": now} if run_now and j.run_on_takeover else {}
            scheduler.add_job(
                self.run_job,
                j.trigger,
                args=[j.id],
                id=j.id,
                name=j.description or j.id,
                replace_existing=True,
                **j.trigger_args,
                **extra,
            )
        return scheduler

    def start(self, *, blocking: bool = True) -> None:
        """Start the jobs and the lease heartbeat. Blocking: returns after SIGINT/SIGTERM."""
        self._stop.clear()
        if blocking and threading.current_thread() is threading.main_thread():
            # Before the first lease attempt: a stop signal at any moment still releases the lease.
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._on_signal)
        try:
            held = self.tick()  # the first attempt, before any job is scheduled
            self.scheduler = self.build_scheduler(blocking=blocking, run_now=held)
            self._heartbeat = threading.Thread(target=self._heartbeat_loop, name="scheduler-lease", daemon=True)
            logger.info("scheduler %s starting (lease %ss)", self.lease.holder, self.lease.seconds)
            if not blocking:
                self.scheduler.start()
                self._heartbeat.start()
                return
            self._heartbeat.start()
            if not self._stop.is_set():
                self.scheduler.start()
        except BaseException:
            self.stop()
            raise
        self.stop()

    def _on_signal(self, *_args) -> None:
        """SIGINT/SIGTERM: stop once; a second signal (Ctrl-C plus the runner's TERM) is harmless."""
        self._stop.set()
        if self.scheduler is not None and self.scheduler.running:
            with contextlib.suppress(SchedulerNotRunningError):
                self.scheduler.shutdown(wait=False)

    def stop(self, *, release: bool = True) -> None:
        self._stop.set()
        if self._heartbeat is not None and self._heartbeat is not threading.current_thread():
            self._heartbeat.join(timeout=10)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if release and self._was_held:
            try:
                self._in_context(self.lease.release)
            except Exception:
                logger.exception("scheduler lease: could not release")
        self._was_held = False
        logger.info("scheduler %s stopped", self.lease.holder)
