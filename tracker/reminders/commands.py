"""``tracker scheduler …`` and ``tracker reminders …``: thin wrappers around the jobs."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from tracker.core import clock

scheduler_cli = AppGroup("scheduler", help="定时任务（提醒扫描、邮件发送、调度通报）")
reminders_cli = AppGroup("reminders", help="提醒与督办")


def parse_now(value: str | None) -> dt.datetime:
    """An ISO time; without an offset it is local time (Asia/Shanghai)."""
    if not value:
        return clock.now()
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(9, 0))
        except ValueError:
            raise click.BadParameter("时间格式应为 ISO 8601，例如 2026-07-01T09:00") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=clock.LOCAL_TZ)
    return parsed.astimezone(dt.UTC)


@scheduler_cli.command("run")
@click.option("--once", is_flag=True, help="只运行一次提醒扫描和邮件发送，然后退出")
@click.option(
    "--lease-seconds",
    type=float,
    default=None,
    help="调度锁租期（秒，默认 60）；多个调度进程中只有持锁者执行任务",
)
def scheduler_run(once: bool, lease_seconds: float | None) -> None:
    """Run the scheduler (exactly one acts; others stand by)."""
    from tracker.scheduler import SchedulerRunner

    runner = SchedulerRunner(current_app._get_current_object(), lease_seconds=lease_seconds)
    if once:
        outcome = runner.run_once()
        if outcome is None:
            holder = runner._in_context(runner.lease.current_holder)
            who = holder[0] if holder else "?"
            click.echo(f"另一个调度进程（{who}）正在运行，本次未执行任何任务。")
            return
        for job_id, text in outcome.items():
            click.echo(f"{job_id}: {text}")
        return
    click.echo(f"调度进程 {runner.lease.holder} 启动（Ctrl-C 退出）")
    runner.start(blocking=True)


@scheduler_cli.command("jobs")
def scheduler_jobs() -> None:
    """List the job table."""
    from tracker.scheduler import JOBS

    for j in JOBS:
        args = ", ".join(f"{k}={v}" for k, v in j.trigger_args.items())
        click.echo(f"{j.id:<26} {j.trigger}({args})  {j.description}")


@reminders_cli.command("sweep")
@click.option("--now", "now_text", default=None, help="按此时间扫描（ISO 8601，默认当前时间）")
def reminders_sweep(now_text: str | None) -> None:
    """Run one deadline sweep by hand and print the counts."""
    from tracker.core.db import connection
    from tracker.reminders.sweep import sweep

    now = parse_now(now_text)
    with connection():
        result = sweep(now)
    click.echo(result.summary())
    if result.errors:
        raise SystemExit(1)


@reminders_cli.command("deliver")
@click.option("--limit", default=500, show_default=True, help="本次最多处理的消息条数")
def reminders_deliver(limit: int) -> None:
    """Send pending e-mails and text messages now."""
    from tracker.core.db import connection
    from tracker.reminders.delivery import deliver_outbox

    with connection():
        result = deliver_outbox(clock.now(), limit=limit)
    click.echo(result.summary())


def register(app: Flask) -> None:
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(reminders_cli)
