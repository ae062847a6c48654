"""CLI commands for administrators and scripts (thin wrappers around services)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from tracker.core.plugins import optional_module

db_cli = AppGroup("db", help="数据库：迁移、备份、恢复")
units_cli = AppGroup("units", help="承办单位")
users_cli = AppGroup("users", help="用户")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations and make sure the baseline data exists."""
    from tracker.core import migrations
    from tracker.core.db import connection, refresh_statistics
    from tracker.rules.services import ensure_defaults

    with connection():
        applied = migrations.upgrade()
        ensure_defaults()
        refresh_statistics()
    click.echo(f"数据库已是最新（本次执行迁移 {len(applied)} 个）" if applied is not None else "ok")


@units_cli.command("create")
@click.argument("name")
@click.option("--short", "short_name", default="", help="简称")
@click.option("--category", default="department", type=click.Choice(["department", "district", "other"]))
def units_create(name: str, short_name: str, category: str) -> None:
    from tracker.core.db import connection
    from tracker.core.errors import DomainError
    from tracker.units.services import create_unit

    with connection():
        try:
            unit = create_unit(name=name, short_name=short_name, category=category, actor=None)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"已创建承办单位 {unit.id}：{unit.name}")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(["admin", "office", "unit_handler", "unit_leader", "leader", "submitter"]))
@click.option("--unit", "unit_name", default=None, help="所属承办单位（名称或简称）")
@click.option("--name", "display", default="", help="姓名")
@click.option("--phone", default="")
@click.option("--email", default="")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码")
def users_create(username, role, unit_name, display, phone, email, password_stdin) -> None:
    from tracker.accounts.services import create_user
    from tracker.core.db import connection
    from tracker.core.errors import DomainError
    from tracker.units.services import find_unit

    if not password_stdin:
        raise click.ClickException("请使用 --password-stdin 从标准输入提供密码")
    password = sys.stdin.readline().rstrip("\r\n")
    with connection():
        unit_id = None
        if unit_name:
            unit = find_unit(unit_name)
            if unit is None:
                raise click.ClickException(f"承办单位“{unit_name}”不存在")
            unit_id = unit.id
        try:
            user = create_user(username=username, password=password, role=role, name=display,
                               unit_id=unit_id, phone=phone, email=email)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"已创建用户 {user.id}：{user.username}（{role}）")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="即使已有数据也再次写入")
def seed_demo(force: bool) -> None:
    """Demo data: units, one user per role, two sessions with 200+ items in every state."""
    from tracker.core.db import connection
    from tracker.demo import seed

    with connection():
        logins = seed(force=force)
    if logins is None:
        click.echo("演示数据已存在，跳过。")
        return
    click.echo("演示账号（用户名 / 密码 / 角色）：")
    for username, password, role in logins:
        click.echo(f"  {username:<14} {password:<14} {role}")


# Commands that other domains contribute: each module has ``register(app)``.
COMMAND_MODULES = [
    "tracker.reminders.commands",
    "tracker.items.commands",
    "tracker.ledger.commands",
    "tracker.bench",
    "tracker.loadtest",
]


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(units_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)
    from tracker.core import backup

    backup.register(db_cli)
    for name in COMMAND_MODULES:
        module = optional_module(name)
        if module is not None:
            module.register(app)
