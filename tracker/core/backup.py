"""``tracker db backup`` / ``tracker db restore``: SQLite online backup, PostgreSQL via pg_dump."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import click

from tracker.core.db import db, is_postgres


def _pg_url() -> str:
    from flask import current_app

    return current_app.config["DATABASE_URL"].replace("postgres://", "postgresql://", 1)


def backup(output: Path) -> None:
    if is_postgres():
        exe = shutil.which("pg_dump")
        if exe is None:
            raise click.ClickException("未找到 pg_dump：请安装 PostgreSQL 客户端（postgresql-client）后再备份")
        subprocess.run([exe, "--format=custom", "--no-owner", f"--file={output}", _pg_url()], check=True)
        return
    db.connect(reuse_if_open=True)
    target = sqlite3.connect(str(output))
    try:
        db.connection().backup(target)  # online: consistent while the app runs
    finally:
        target.close()


def restore(source: Path) -> None:
    if not source.exists():
        raise click.ClickException(f"备份文件不存在：{source}")
    if is_postgres():
        exe = shutil.which("pg_restore")
        if exe is None:
            raise click.ClickException("未找到 pg_restore：请安装 PostgreSQL 客户端（postgresql-client）后再恢复")
        db.close()
        subprocess.run([exe, "--clean", "--if-exists", "--no-owner", f"--dbname={_pg_url()}", str(source)],
                       check=True)
        return
    with sqlite3.connect(str(source)) as check:
        try:
            check.execute("SELECT count(*) FROM migratehistory").fetchone()
        except sqlite3.DatabaseError:
            raise click.ClickException("该文件不是有效的 Tracker SQLite 备份") from None
    db.connect(reuse_if_open=True)
    src = sqlite3.connect(str(source))
    try:
        src.backup(db.connection())
    finally:
        src.close()


def register(group: click.Group) -> None:
    @group.command("backup")
    @click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
    def backup_cmd(output: Path) -> None:
        """Back up the database to FILE."""
        backup(output)
        click.echo(f"已备份到 {output}")

    @group.command("restore")
    @click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="不再确认")
    def restore_cmd(source: Path, yes: bool) -> None:
        """Restore the database from a backup FILE (replaces all data)."""
        if not yes:
            click.confirm("恢复将覆盖当前数据库的全部数据，确定继续？", abort=True)
        restore(source)
        click.echo(f"已从 {source} 恢复")
