"""``tracker items import FILE.xlsx --session ID [--dry-run] [--kind …]``: a thin wrapper
around :func:`tracker.items.imports.import_items`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

items_cli = AppGroup("items", help="建议提案：导入等")


def _session(value: str):
    from tracker.items.models import Session

    session = None
    if value.isdigit():
        session = Session.get_or_none(Session.id == int(value))
    if session is None:
        session = Session.select().where(Session.name == value.strip()).first()
    if session is None:
        raise click.ClickException(f"会次“{value}”不存在（请填写会次编号或完整名称）")
    return session


def _actor(username: str | None):
    from tracker.accounts.models import User
    from tracker.core.enums import Role

    if username:
        user = User.get_or_none(User.username == username)
        if user is None or not user.active:
            raise click.ClickException(f"用户“{username}”不存在或已停用")
        return user
    user = (User.select().where((User.role == Role.OFFICE.value) & (User.active == True))  # noqa: E712
            .order_by(User.id).first())
    if user is None:
        raise click.ClickException("系统中还没有交办单位（督查室）账号，请先创建，或用 --user 指定操作人")
    return user


@items_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--session", "session_ref", required=True, help="会次编号（或完整名称）")
@click.option("--kind", type=click.Choice(["suggestion", "proposal"]), default=None,
              help="类别：suggestion 人大代表建议，proposal 政协提案（默认按会次判断）")
@click.option("--dry-run", is_flag=True, help="只检查并报告，不写入任何数据")
@click.option("--user", "username", default=None, help="记录为操作人的交办单位账号（默认第一个督查室账号）")
def import_command(file: str, session_ref: str, kind: str | None, dry_run: bool, username: str | None) -> None:
    """Import a session's Excel list (.xlsx): every row or none."""
    from tracker.core.db import connection
    from tracker.core.errors import DomainError
    from tracker.items.imports import import_items

    if not Path(file).is_file():
        raise click.ClickException(f"文件“{file}”不存在")
    with connection():
        session = _session(session_ref)
        actor = _actor(username)
        try:
            report = import_items(file, session, kind, actor=actor, dry_run=dry_run)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        raise SystemExit(1)


def register(app: Flask) -> None:
    app.cli.add_command(items_cli)
