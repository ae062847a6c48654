"""Only one scheduler acts at a time: the lease row, two runners in one process, two
``tracker scheduler run`` processes, and ``make run``'s runner."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import urllib.request
from types import SimpleNamespace

import pytest

from tracker import scheduler
from tracker.assignments import services as assignments
from tracker.core import clock
from tracker.core.db import db, is_sqlite
from tracker.core.enums import Role
from tracker.reminders.models import Notification, Reminder, SchedulerLease, Slip
from tracker.scheduler import JOBS, Lease, SchedulerRunner

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture()
def overdue(f):
    """Leader-led assignments 21 days past their reply date: 3 reminders (blue/orange/red) each."""
    unit = f.unit("市住房和城乡建设局")
    handler = f.user(Role.UNIT_HANDLER, unit)
    f.user(Role.UNIT_LEADER, unit)
    office = f.user(Role.OFFICE)
    leader = f.user(Role.LEADER)

    def make(n: int = 1):
        made = []
        for _ in range(n):
            item = f.item(tier="leader_led", leader_id=leader.id, actor=office)
            today = clock.today()
            a = f.assign(
                item, unit, handler=handler, assigned_on=today - dt.timedelta(days=130), actor=office
            )
            assignments.receive(a, actor=handler)
            made.append(a.refresh())
        return made

    return SimpleNamespace(make=make)


def wait_for(predicate, timeout: float = 20.0, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


# --- the lease ------------------------------------------------------------------------------


def test_lease_is_exclusive_renewable_and_taken_over_after_expiry(ctx):
    a = Lease(seconds=60, holder="host-a:1:aa")
    b = Lease(seconds=60, holder="host-b:2:bb")
    t0 = clock.now()
    assert a.acquire(t0) and a.held()
    assert not b.acquire(t0) and not b.held()
    assert a.acquire(t0 + dt.timedelta(seconds=30))  # renewal moves the expiry
    assert not b.acquire(t0 + dt.timedelta(seconds=70))
    assert b.acquire(t0 + dt.timedelta(seconds=91))  # a's lease ran out: b takes over
    assert not a.acquire(t0 + dt.timedelta(seconds=92))
    holder, expires = b.current_holder()
    assert holder == "host-b:2:bb" and expires == t0 + dt.timedelta(seconds=151)
    b.release()
    assert not b.held() and a.acquire()
    assert SchedulerLease.select().where(SchedulerLease.name == "scheduler").count() == 1


def test_the_job_table(ctx):
    ids = [j.id for j in JOBS]
    assert ids == ["sweep_deadlines", "sweep_deadlines_nightly", "deliver_outbox", "weekly_dispatch",
                   "refresh_statistics"]
    assert scheduler.job("refresh_statistics").trigger_args == {"hour": 2, "minute": 30}
    assert scheduler.job("sweep_deadlines").trigger_args == {"minutes": 10}
    assert scheduler.job("sweep_deadlines_nightly").trigger_args == {"hour": 1, "minute": 0}
    assert scheduler.job("deliver_outbox").trigger_args == {"minutes": 1}
    for j in JOBS:  # module-level, importable functions
        assert getattr(sys.modules[j.func.__module__], j.func.__name__) is j.func


def test_refresh_statistics_gives_the_planner_statistics(ctx, f):
    f.item()
    assert "已更新查询统计信息" in scheduler.refresh_statistics()
    if is_sqlite():
        tables = {name for (name,) in db.execute_sql("SELECT DISTINCT tbl FROM sqlite_stat1").fetchall()}
    else:
        tables = {name for (name,) in db.execute_sql(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL").fetchall()}
    assert {"items", "audit_entries"} <= tables  # (an empty table gets no statistics row)


def test_apscheduler_gets_coalesce_and_max_instances(app):
    runner = SchedulerRunner(app, lease_seconds=5)
    sched = runner.build_scheduler(blocking=False)
    sched.start(paused=True)
    try:
        jobs = {j.id: j for j in sched.get_jobs()}
        assert set(jobs) == {j.id for j in JOBS}
        for job in jobs.values():
            assert job.coalesce is True and job.max_instances == 1
        assert str(jobs["sweep_deadlines_nightly"].trigger) == "cron[hour='1', minute='0']"
        assert str(jobs["sweep_deadlines_nightly"].trigger.timezone) == "Asia/Shanghai"
    finally:
        sched.shutdown(wait=False)


def test_a_standby_runs_no_job(ctx, overdue):
    overdue.make(1)
    holder = Lease(seconds=60, holder="elsewhere:1:x")
    assert holder.acquire()
    runner = SchedulerRunner(ctx, lease_seconds=60)
    assert runner.run_once() is None
    assert runner.runs == [] and not Reminder.select().exists()


def test_run_once_runs_the_sweep_and_the_outbox_then_lets_go(ctx, overdue):
    overdue.make(2)
    runner = SchedulerRunner(ctx, lease_seconds=60)
    db.close()
    outcome = runner.run_once()
    db.connect(reuse_if_open=True)
    assert set(outcome) == {"sweep_deadlines", "deliver_outbox"}
    assert "新建提醒 6 条" in outcome["sweep_deadlines"]
    assert Reminder.select().count() == 6
    assert SchedulerLease.get(SchedulerLease.name == "scheduler").expires_at <= clock.now()


def test_weekly_dispatch_hook(ctx, monkeypatch):
    monday_10 = dt.datetime(2026, 6, 29, 10, 0, tzinfo=clock.LOCAL_TZ).astimezone(dt.UTC)
    monday_8 = monday_10 - dt.timedelta(hours=2)
    calls = []

    def generate_weekly(now):
        calls.append(now)
        return "report" if len(calls) == 1 else None

    monkeypatch.setattr(scheduler, "_dispatch_generator", lambda: generate_weekly)
    assert "未到本周调度通报时间（2026-06-29 09:00）" in scheduler.weekly_dispatch(monday_8)
    assert calls == []
    assert scheduler.weekly_dispatch(monday_10) == "已生成 2026 年第 27 周的调度通报"
    assert "已生成过" in scheduler.weekly_dispatch(monday_10 + dt.timedelta(hours=1))
    assert calls == [monday_10, monday_10 + dt.timedelta(hours=1)]
    from tracker.rules.services import set_setting

    set_setting("dispatch_hour", 11)
    assert "未到本周调度通报时间（2026-06-29 11:00）" in scheduler.weekly_dispatch(monday_10)
    set_setting("dispatch_weekly", False)
    assert scheduler.weekly_dispatch(monday_10) == "定期调度通报已关闭"
    assert len(calls) == 2


def test_weekly_dispatch_calls_the_real_report_module_when_present(ctx):
    generate = scheduler._dispatch_generator()
    if generate is None:
        pytest.skip("tracker.ledger.dispatch is not installed")
    assert generate.__name__ == "generate_weekly"


def test_weekly_dispatch_without_the_report_module_is_a_logged_no_op(ctx, monkeypatch):
    real = scheduler.importlib.util.find_spec
    monkeypatch.setattr(
        scheduler.importlib.util,
        "find_spec",
        lambda name: None if name == "tracker.ledger.dispatch" else real(name),
    )
    monday_10 = dt.datetime(2026, 6, 29, 10, 0, tzinfo=clock.LOCAL_TZ).astimezone(dt.UTC)
    assert scheduler.weekly_dispatch(monday_10) == "定期调度通报模块未安装，跳过"


# --- two runners at once --------------------------------------------------------------------


def test_two_runners_in_one_process_only_one_runs_jobs_then_the_other_takes_over(app, ctx, overdue):
    overdue.make(3)
    db.close()
    first = SchedulerRunner(app, lease_seconds=1.5, holder="runner-1")
    second = SchedulerRunner(app, lease_seconds=1.5, holder="runner-2")
    try:
        first.start(blocking=False)
        second.start(blocking=False)
        assert wait_for(lambda: Reminder.select().count() == 9)
        time.sleep(1.5)
        active, standby = (first, second) if first.runs else (second, first)
        assert active.runs and not standby.runs
        assert {job for job, _ in active.runs} >= {"sweep_deadlines", "deliver_outbox"}
        # the active one dies without letting go: the standby takes over when the lease runs out
        active.stop(release=False)
        overdue.make(1)
        db.close()
        assert wait_for(lambda: standby.runs, timeout=15)
        assert wait_for(lambda: Reminder.select().count() == 12)
    finally:
        first.stop()
        second.stop()
    db.connect(reuse_if_open=True)
    assert Reminder.select().count() == 12 and Slip.select().count() == 12
    pairs = [
        (n.reminder_id, n.user_id) for n in Notification.select().where(Notification.reminder.is_null(False))
    ]
    assert len(pairs) == len(set(pairs))


# --- two processes --------------------------------------------------------------------------


def _env(database_url: str) -> dict:
    return dict(
        os.environ,
        TRACKER_DATABASE_URL=database_url,
        TRACKER_SMTP_HOST="",
        TRACKER_LOG_JSON="1",
        FLASK_APP="tracker",
    )


def _start_scheduler(database_url: str, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "tracker", "scheduler", "run", "--lease-seconds", "2"],
        cwd=ROOT,
        env=_env(database_url),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _holder_pid() -> int | None:
    db.connect(reuse_if_open=True)
    row = SchedulerLease.get_or_none(SchedulerLease.name == "scheduler")
    db.close()
    if row is None or row.expires_at < clock.now():
        return None
    return int(row.holder.split(":")[1])


def _count() -> int:
    db.connect(reuse_if_open=True)
    n = Reminder.select().count()
    db.close()
    return n


@pytest.mark.slow
def test_two_scheduler_processes_send_each_reminder_once(ctx, overdue, database_url, tmp_path):
    overdue.make(3)
    db.close()
    logs = [open(tmp_path / f"scheduler{i}.log", "w+b") for i in (1, 2)]  # noqa: SIM115
    procs = [_start_scheduler(database_url, logs[0]), _start_scheduler(database_url, logs[1])]
    try:
        assert wait_for(lambda: _count() == 9, timeout=30), [p.poll() for p in procs]
        time.sleep(2)
        holder = _holder_pid()
        assert holder in {p.pid for p in procs}
        active = next(p for p in procs if p.pid == holder)
        standby = next(p for p in procs if p.pid != holder)
        os.kill(active.pid, signal.SIGKILL)
        active.wait(10)
        db.connect(reuse_if_open=True)
        overdue.make(1)
        db.close()
        assert wait_for(lambda: _holder_pid() == standby.pid, timeout=20)
        assert wait_for(lambda: _count() == 12, timeout=20)
        time.sleep(1)
        standby.send_signal(signal.SIGTERM)
        assert standby.wait(20) == 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    db.connect(reuse_if_open=True)
    assert Reminder.select().count() == 12 and Slip.select().count() == 12
    assert _holder_pid() is None  # the standby let go of the lease when it stopped
    texts = {}
    for proc, log in zip(procs, logs, strict=True):
        log.seek(0)
        texts[proc.pid] = log.read().decode()
        log.close()
    first_log, second_log = texts[active.pid], texts[standby.pid]
    assert "job sweep_deadlines ran" in first_log
    # the standby ran nothing before the take-over
    before, _, after = second_log.partition("scheduler lease acquired")
    assert "job sweep_deadlines ran" not in before and "job sweep_deadlines ran" in after


@pytest.mark.slow
def test_make_run_starts_the_web_app_and_one_scheduler(ctx, database_url, tmp_path):
    db.close()
    port = _free_port()
    log_path = tmp_path / "run.log"
    log = open(log_path, "w+b")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tracker.runner",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=_env(database_url),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def up():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                return r.status == 200
        except OSError:
            return False

    def output() -> str:
        return log_path.read_text(errors="replace")[-3000:]

    try:
        assert wait_for(up, timeout=60), output()
        assert wait_for(lambda: _holder_pid() is not None, timeout=30), output()
        assert _holder_pid() != proc.pid
        proc.send_signal(signal.SIGINT)
        assert proc.wait(90) == 0, output()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    assert not up(), output()
    # Normally the lease is released on the way out; if the machine is so loaded that the runner had
    # to kill the scheduler, the lease merely expires — but no scheduler process may survive.
    holder = _holder_pid()
    assert holder is None or not _alive(holder), output()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_two_sweep_entries_never_overlap_in_one_process(ctx, overdue):
    overdue.make(1)
    with scheduler._sweeping:
        assert scheduler.sweep_deadlines() == "上一次扫描仍在进行，本次跳过"
        assert not Reminder.select().exists()
    assert "新建提醒 3 条" in scheduler.sweep_deadlines()
