"""``tracker bench``: refuse a database with data, seed it (in a child process, so the
seed's memory does not count as the app's), measure every scenario, write the JSON."""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app

from tracker.bench import baselines, report, scenarios
from tracker.bench import pages as bench_pages
from tracker.bench.seed import BENCH_PASSWORD, SeedResult
from tracker.core import clock
from tracker.core.collector import freeze_startup_objects, thaw_startup_objects
from tracker.core.db import connection, db

SCENARIOS = ("overdue_list", "item_page", "dashboard_stats", "reminder_sweep", "ledger_export", "import")
EXTRAS = ("export_memory", "pages")  # measured after the scenarios, without a baseline


def existing_items() -> int:
    """Items already in the database (0 for a database that has no tables yet)."""
    from tracker.items.models import Item

    with connection():
        if not Item.table_exists():
            return 0
        return Item.select().count()


def _seed_child(config: dict[str, Any], n_items: int) -> tuple[SeedResult, float]:
    """Runs in a fresh process: its own app, its own connection."""
    from tracker import create_app
    from tracker.bench.seed import seed
    from tracker.core.db import db

    app = create_app(config)
    with app.app_context():
        db.connect(reuse_if_open=True)
        try:
            result = seed(n_items, progress=lambda msg: print("  " + msg, flush=True))
        finally:
            db.close()
    return result, report.peak_rss_mb()


# The settings the seeding process takes from the command's app (the rest comes from the environment).
CHILD_CONFIG = ("DATABASE_URL", "PASSWORD_HASH_METHOD", "SECRET_KEY", "TESTING")


def seed_in_child(app: Flask, n_items: int) -> tuple[SeedResult, float]:
    config = {key: app.config[key] for key in CHILD_CONFIG if key in app.config}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_seed_child, config, n_items).result()


@contextmanager
def quiet_request_log() -> Iterator[None]:
    """Keep the request log's cost (JSON formatting, a write per request) but send it to
    /dev/null instead of the terminal while measuring."""
    logger = logging.getLogger("tracker")
    saved = list(logger.handlers)
    sink = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    try:
        if saved:
            handler = logging.StreamHandler(sink)
            handler.setFormatter(saved[0].formatter)
            logger.handlers = [handler]
        yield
    finally:
        logger.handlers = saved
        sink.close()


def run(*, n_items: int, output: str, force: bool = False, seed: bool = True, import_rows: int = 5000,
        quick: bool = False, only: list[str] | None = None, echo: Callable[[str], None] = click.echo, app: Flask | None = None) -> dict[str, Any]:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    url = app.config["DATABASE_URL"]
    found = existing_items()
    if not seed:
        from tracker.bench.seed import from_database
        from tracker.core import migrations

        with connection():
            applied = migrations.upgrade()  # data seeded by an older version: its schema brought up to date
            if applied:
                echo(f"已升级数据库结构：{'、'.join(applied)}")
            try:
                seeded_before = from_database()
            except LookupError:
                raise click.ClickException("数据库中没有基准测试数据，请去掉 --no-seed 先写入种子数据") from None
    elif found and not force:
        raise click.ClickException(
            f"数据库中已有 {found} 件建议提案。基准测试会写入 {n_items} 件种子数据，须在新的空数据库上运行"
            f"（设置 TRACKER_DATABASE_URL 指向一个新数据库）；确需在此数据库上运行请加 --force。")
    unknown = sorted(set(only or ()) - set(SCENARIOS) - set(EXTRAS))
    if unknown:
        raise click.ClickException(f"没有这个场景：{'、'.join(unknown)}（可选：{'、'.join(SCENARIOS + EXTRAS)}）")
    out_path = Path(output)
    if not out_path.parent.exists():
        raise click.ClickException(f"目录“{out_path.parent}”不存在")

    started = time.perf_counter()
    load_before = os.getloadavg()
    if seed:
        echo(f"写入种子数据：{n_items} 件（{url.split('://', 1)[0]}）……")
        seeded, seed_rss = seed_in_child(app, n_items)
        # The pool's connections were opened before another process created the tables and
        # their statistics: start the measurements with new ones, as a restarted app would.
        if hasattr(db.obj, "close_all"):
            db.obj.close_all()
        echo(f"种子数据完成：{seeded.items} 件，{sum(seeded.rows.values())} 行，用时 {seeded.seconds:.0f} 秒")
    else:
        seeded, seed_rss = seeded_before, None
        echo(f"使用已有的基准测试数据：{seeded.items} 件")

    with connection():
        database, version = report.database_name(), report.database_version()
    # A second instance of the app for the requests: requests made inside the command's own
    # app context would share its ``g`` (logged-in user, CSRF token) and skip the per-request
    # connection handling; a separate instance gets a fresh context per request, as in production.
    from tracker import create_app

    web = create_app(dict(app.config))
    bare = baselines.bare_app()
    bare.config["TODAY"] = clock.today()
    work = scenarios.workdir()
    results: list[dict[str, Any]] = []
    # as wsgi.py does in every web worker: what exists after start-up is kept out of full
    # collections (given back to the collector when the measurements end)
    freeze_startup_objects()
    loop_start = report.cpu_loop_ms()
    echo(f"机器速度：Python 循环 {report.CPU_LOOP_ADDITIONS:,} 次加法 {loop_start} ms")
    try:
        with quiet_request_log():
            echo("测量（应用 / 基线）：")
            builders = {
                "overdue_list": lambda: scenarios.overdue_list(web, bare, seeded, BENCH_PASSWORD),
                "item_page": lambda: scenarios.item_page(web, bare, seeded, BENCH_PASSWORD),
                "dashboard_stats": lambda: scenarios.dashboard_stats(seeded),
                "reminder_sweep": lambda: scenarios.reminder_sweep(seeded),
                "ledger_export": lambda: scenarios.ledger_export(seeded, work),
                "import": lambda: scenarios.import_items(seeded, work, import_rows),
            }
            for name, build in builders.items():
                if only and name not in only:
                    continue
                scenario = build()
                if quick:
                    scenario.warmup, scenario.runs = min(scenario.warmup, 1), min(scenario.runs, 3)
                results.append(scenarios.measure(scenario, echo))
            memory = None
            if not only or "export_memory" in only:
                memory = scenarios.export_memory(seeded, work)
                echo(f"  导出内存峰值：{memory['small']['rows']} 行 {memory['small']['peak_mb']} MB，"
                     f"{memory['large']['rows']} 行 {memory['large']['peak_mb']} MB")
            page_sweep = None
            if not only or "pages" in only:
                page_sweep = bench_pages.sweep(web, seeded, BENCH_PASSWORD, echo, runs=1 if quick else bench_pages.RUNS)
        loop_end = report.cpu_loop_ms()
        echo(f"机器速度（测量结束时）：Python 循环 {report.CPU_LOOP_ADDITIONS:,} 次加法 {loop_end} ms")
    finally:
        thaw_startup_objects()
        shutil.rmtree(work, ignore_errors=True)

    seed_info = seeded.as_dict()
    seed_info["peak_rss_mb"] = seed_rss
    seed_info["reused"] = not seed
    result = {
        "items": seeded.items,
        "database": database,
        "database_version": version,
        "machine": report.machine(),
        "date": clock.now().astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M %Z"),
        "scenarios": results,
        "peak_rss_mb": report.peak_rss_mb(),
        "export_memory": memory,
        "pages": page_sweep,
        "seed": seed_info,
        "seconds": round(time.perf_counter() - started, 1),
        # the machine's speed at the start and end of the measurements (see report.cpu_loop_ms)
        "cpu_loop_ms": {"additions": report.CPU_LOOP_ADDITIONS, "start": loop_start, "end": loop_end},
        # other work on the machine shows in every figure: the load average at start and end
        "load_average": {"start": [round(x, 2) for x in load_before],
                         "end": [round(x, 2) for x in os.getloadavg()]},
    }
    report.write(out_path, result)
    missed = [s["name"] for s in results if s.get("target_met") is False]
    if memory is not None and not memory["flat"]:
        missed.append("export_memory")
    if page_sweep is not None and page_sweep["errors"]:
        missed.append("pages（页面出错）")
    echo(f"结果已写入 {out_path}（用时 {result['seconds']:.0f} 秒）"
         + (f"；未达标：{'、'.join(missed)}" if missed else "；全部达标"))
    return result
