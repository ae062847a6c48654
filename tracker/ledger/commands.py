"""``tracker ledger export --session ID --output FILE.xlsx``: a thin wrapper around
:func:`tracker.ledger.export.write_ledger`. Other ledger commands may attach to
``ledger_cli``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

ledger_cli = AppGroup("ledger", help="台账：导出等")
# 三书一函 have a ledger of their own (tracker.supervision.ledger), chosen by kind.
SUPERVISION_KIND_VALUES = ["judicial_suggestion", "procuratorial_suggestion", "supervisory_suggestion",
                           "police_notice"]


@ledger_cli.command("export")
@click.option("--session", "session_id", type=int, default=None, help="会次编号（不填则导出全部会次）")
@click.option("--kind", type=click.Choice(["suggestion", "proposal", *SUPERVISION_KIND_VALUES]), default=None,
              help="类别（三书一函各类别导出三书一函台账）")
@click.option("--status", default=None, help="状态（如 in_progress）")
@click.option("--unit", "unit_id", type=int, default=None, help="承办单位编号")
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True), help="输出 .xlsx 文件")
def export_command(session_id: int | None, kind: str | None, status: str | None, unit_id: int | None,
                   output: str) -> None:
    """Export the ledger (台账) as an .xlsx workbook."""
    from tracker.core.db import connection
    from tracker.items.models import Session
    from tracker.ledger.export import write_ledger
    from tracker.ledger.rows import LedgerFilters

    path = Path(output)
    if path.suffix.lower() != ".xlsx":
        raise click.ClickException("输出文件须以 .xlsx 结尾")
    if not path.parent.exists():
        raise click.ClickException(f"目录“{path.parent}”不存在")
    with connection():
        if session_id is not None and Session.get_or_none(Session.id == session_id) is None:
            raise click.ClickException(f"会次 {session_id} 不存在")
        from tracker.core.plugins import optional_module

        supervision = optional_module("tracker.supervision.ledger")
        if supervision is not None and supervision.applies(session_id=session_id, kind=kind):
            count = supervision.write_ledger(path, session_id=session_id, kind=kind, status=status,
                                             unit_id=unit_id)
            click.echo(f"已导出三书一函台账 {count} 行到 {path}")
            return
        count = write_ledger(path, LedgerFilters(session_id=session_id, kind=kind, status=status,
                                                 unit_id=unit_id))
    click.echo(f"已导出台账 {count} 行到 {path}")


def register(app: Flask) -> None:
    app.cli.add_command(ledger_cli)
