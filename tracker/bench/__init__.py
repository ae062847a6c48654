"""``tracker bench``: seed a fresh database at scale and measure the app against baselines."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


@click.command("bench")
@click.option("--items", "n_items", type=click.IntRange(min=100), default=200_000, show_default=True,
              help="种子数据的件数")
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True), help="结果 JSON 文件")
@click.option("--force", is_flag=True, help="数据库中已有数据时仍然写入（默认拒绝）")
@click.option("--no-seed", is_flag=True, help="不写种子数据，测量此前 bench 写入的数据")
@click.option("--import-rows", type=click.IntRange(min=10), default=5000, show_default=True,
              help="导入场景的 Excel 行数")
@click.option("--quick", is_flag=True, help="每个场景只预热 1 次、测量 3 次（冒烟测试用）")
@click.option("--only", default="", metavar="NAME[,NAME]",
              help="只测量这些场景（逗号分隔：overdue_list,item_page,dashboard_stats,reminder_sweep,"
                   "ledger_export,import,export_memory,pages）")
@with_appcontext
def bench_command(n_items: int, output: str, force: bool, no_seed: bool, import_rows: int, quick: bool,
                  only: str) -> None:
    """Seed TRACKER_DATABASE_URL with N items, measure the scenarios, write FILE.json."""
    from tracker.bench.runner import run

    run(n_items=n_items, output=output, force=force, seed=not no_seed, import_rows=import_rows,
        quick=quick, only=[name.strip() for name in only.split(",") if name.strip()], echo=click.echo)


def register(app: Flask) -> None:
    app.cli.add_command(bench_command)
