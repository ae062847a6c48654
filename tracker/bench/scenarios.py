"""The six scenarios of the benchmark, each measured beside its baseline in the same run.

A scenario is two callables returning the number of rows they produced: the app's way (the
whole app through Flask's test client, or the domain service the app calls) and the
baseline (see :mod:`tracker.bench.baselines`). :func:`measure` runs both alternately after
a warm-up, so drift (caches, the disk, the other core) hits both alike, and reports the
median and the 95th percentile in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tracker.bench import baselines
from tracker.bench.seed import SeedResult
from tracker.core import clock
from tracker.core.db import connection, db


@dataclass
class Scenario:
    name: str
    what: str
    baseline: str
    run: Callable[[], int]
    run_baseline: Callable[[], int]
    warmup: int = 3
    runs: int = 15
    target: str = ""
    check: Callable[[float, float], bool] | None = None  # (median_ms, ratio) -> target met
    extra: dict[str, Any] = field(default_factory=dict)
    after: Callable[[], None] | None = None


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def measure(s: Scenario, echo: Callable[[str], None] = print) -> dict[str, Any]:
    for _ in range(s.warmup):
        s.run()
        s.run_baseline()
    app_ms: list[float] = []
    base_ms: list[float] = []
    rows = base_rows = 0
    for _ in range(s.runs):
        t0 = time.perf_counter()
        rows = s.run()
        t1 = time.perf_counter()
        base_rows = s.run_baseline()
        t2 = time.perf_counter()
        app_ms.append((t1 - t0) * 1000)
        base_ms.append((t2 - t1) * 1000)
    median = statistics.median(app_ms)
    base_median = statistics.median(base_ms)
    ratio = median / base_median if base_median else None
    result = {
        "name": s.name, "what": s.what, "median_ms": round(median, 2), "p95_ms": round(percentile(app_ms, 0.95), 2),
        "baseline": s.baseline, "baseline_median_ms": round(base_median, 2),
        "baseline_p95_ms": round(percentile(base_ms, 0.95), 2),
        "ratio": round(ratio, 2) if ratio is not None else None, "rows": rows, "baseline_rows": base_rows,
        "warmup": s.warmup, "runs": s.runs, "target": s.target,
    }
    if s.check is not None:
        result["target_met"] = bool(s.check(median, ratio or 0.0))
    result.update(s.extra)
    if s.after is not None:
        s.after()
    echo(f"  {s.name:<16} {median:>10.1f} ms  (p95 {result['p95_ms']:.1f})   基线 {base_median:>9.1f} ms   "
         f"比值 {result['ratio']}   行数 {rows}" + ("" if s.check is None else
                                                    ("   达标" if result["target_met"] else "   未达标")))
    return result


# --- logging in through the real login form ------------------------------------------------------

_CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


def logged_in_client(app: Flask, username: str, password: str) -> FlaskClient:
    client = app.test_client()
    page = client.get("/login")
    data = {"username": username, "password": password}
    found = _CSRF.search(page.data)
    if found:
        data["csrf_token"] = found.group(1).decode()
    response = client.post("/login", data=data)
    if response.status_code != 302:
        raise RuntimeError(f"基准测试账号 {username} 登录失败（HTTP {response.status_code}）")
    return client


def _get(client: FlaskClient, path: str) -> bytes:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} 返回 HTTP {response.status_code}")
    return response.data


# --- the scenarios ----------------------------------------------------------------------------------


def overdue_list(app: Flask, bare: Flask, seeded: SeedResult, password: str) -> Scenario:
    client = logged_in_client(app, seeded.leader_username, password)
    bare_client = bare.test_client()

    def run() -> int:
        return _get(client, "/overdue").count(b'class="row-overdue')

    def base() -> int:
        return _get(bare_client, "/overdue").count(b'class="row-overdue')

    return Scenario(
        "overdue_list", "市领导的超期清单（/overdue）第一页 50 行：完整应用（登录、权限、筛选表单、页面布局）",
        "bare Flask view: one hand-written SQL query (UNION of the four overdue acts, first 50 rows with "
        "their details) + a minimal template", run, base,
        target="median ≤ 50 ms and ratio ≤ 2", check=lambda m, r: m <= 50 and r <= 2)


def item_page(app: Flask, bare: Flask, seeded: SeedResult, password: str) -> Scenario:
    item_id = longest_item(seeded)
    client = logged_in_client(app, seeded.office_username, password)
    bare_client = bare.test_client()
    with connection():
        entries = db.execute_sql(f"SELECT COUNT(*) FROM audit_entries WHERE item_id = {db.obj.param}",  # noqa: S608
                                 (item_id,)).fetchone()[0]

    def run() -> int:
        _get(client, f"/items/{item_id}")
        return entries

    def base() -> int:
        _get(bare_client, f"/items/{item_id}")
        return entries

    return Scenario(
        "item_page", f"件的页面（/items/{item_id}，办理过程 {entries} 条）：完整应用，交办单位账号",
        "bare Flask view: one hand-written SQL query per table of the item (item, submitters, assignments, "
        "notes, contacts, opinions, replies, commitments, feedback, slips, timeline) + a minimal template",
        run, base, target="median ≤ 50 ms", check=lambda m, r: m <= 50, extra={"item_id": item_id})


def longest_item(seeded: SeedResult) -> int:
    if not seeded.long_items:
        raise RuntimeError("种子数据中没有长办理过程的件")
    with connection():
        p = db.obj.param
        marks = ", ".join(p for _ in seeded.long_items)
        row = db.execute_sql(
            f"SELECT item_id FROM audit_entries WHERE item_id IN ({marks}) GROUP BY item_id "  # noqa: S608
            "ORDER BY COUNT(*) DESC LIMIT 1", tuple(seeded.long_items)).fetchone()
    return row[0]


def dashboard_stats(seeded: SeedResult) -> Scenario:
    from tracker.core.collector import collector_paused
    from tracker.ledger import stats
    from tracker.ledger.stats_queries import StatsFilter, load_facts

    session_id = seeded.latest_npc
    today = clock.today()
    flt = StatsFilter(session_id=session_id)

    # As every request that computes them (the dashboard, /stats, GET /api/v1/stats) does, with
    # Python's cyclic collector paused (see tracker.core.collector); the baseline alike.
    @collector_paused
    def app_stats() -> dict[str, Any]:
        with connection():
            return stats.summary(load_facts(flt), today)

    def run() -> int:
        return len(app_stats()["by_unit"])

    @collector_paused
    def base() -> int:
        with connection():
            return len(baselines.stats_by_sql(session_id, today)["by_unit"])

    with connection():
        mismatches = baselines.compare_stats(app_stats(), baselines.stats_by_sql(session_id, today))
        assignments = db.execute_sql(
            f"SELECT COUNT(*) FROM assignments a JOIN items i ON i.id = a.item_id WHERE i.session_id = {db.obj.param}",  # noqa: S608
            (session_id,)).fetchone()[0]
    return Scenario(
        "dashboard_stats", f"一个会次（{assignments} 个承办任务）全部单位的 §8 统计：stats.summary(load_facts(...))，"
        "同统计页与统计接口，计算时暂停循环垃圾回收",
        "hand-written SQL: one aggregate statement per unit (CTEs for sent replies, feedback forms, "
        "contacts, commitments, co opinions) giving the same counts", run, base, warmup=2, runs=10,
        target="median ≤ 300 ms", check=lambda m, r: m <= 300,
        extra={"session_id": session_id, "assignments": assignments, "baseline_matches": not mismatches,
               "mismatches": mismatches})


def reminder_sweep(seeded: SeedResult) -> Scenario:
    from tracker.reminders.sweep import sweep

    found: dict[str, int] = {}

    def run() -> int:
        with connection(), db.atomic() as txn:
            result = sweep(clock.now())
            txn.rollback()  # every run sees the same database
        found.update(reminders=result.reminders, notifications=result.notifications, slips=result.slips,
                     errors=result.errors)
        return result.scanned

    def base() -> int:
        with connection():
            return len(baselines.rows(baselines.open_assignments_sql()))

    return Scenario(
        "reminder_sweep", "一次完整的提醒扫描（tracker.reminders.sweep.sweep，含写入今日新到期的提醒；每次回滚）",
        "one SQL statement selecting the same open assignments with the columns the sweep reads",
        run, base, warmup=1, runs=5, target="median ≤ 5 s", check=lambda m, r: m <= 5000,
        extra={"today_found": found})


def ledger_export(seeded: SeedResult, workdir: Path) -> Scenario:
    from tracker.ledger import rows as ledger_rows
    from tracker.ledger.export import write_ledger
    from tracker.ledger.rows import LedgerFilters

    filters = LedgerFilters(session_id=seeded.latest_npc)
    target = workdir / "ledger.xlsx"
    base_target = workdir / "ledger-baseline.xlsx"
    today = clock.today()
    with connection():
        ledger = list(ledger_rows.iter_rows(filters, today=today))
        co = list(ledger_rows.iter_co_rows(filters, today=today))
        snapshot = ledger_rows.dispatch_snapshot(filters, today=today)
    sheets = [
        ("台账", [h for _, h, _ in ledger_rows.COLUMNS], [[r.get(k) for k, _, _ in ledger_rows.COLUMNS] for r in ledger],
         [r.get("_flag") for r in ledger]),
        ("会办情况", [h for _, h, _ in ledger_rows.CO_COLUMNS], [[r.get(k) for k, _, _ in ledger_rows.CO_COLUMNS] for r in co],
         [r.get("_flag") for r in co]),
        ("调度情况", [h for _, h, _ in snapshot["columns"]],
         [[r.get(k) for k, _, _ in snapshot["columns"]] for r in snapshot["rows"]], [None] * len(snapshot["rows"])),
    ]
    del ledger, co

    def run() -> int:
        with connection():
            return write_ledger(target, filters, today=today)

    def base() -> int:
        baselines.write_cells(str(base_target), sheets)
        return len(sheets[0][2])

    return Scenario(
        "ledger_export", "台账导出 .xlsx（tracker.ledger.export.write_ledger：三个工作表，流式）",
        "xlsxwriter alone writing the same cells (values precomputed; same types, fills and frozen header)",
        run, base, warmup=1, runs=5, target="ratio ≤ 1.5", check=lambda m, r: r <= 1.5,
        extra={"session_id": seeded.latest_npc})


def export_memory(seeded: SeedResult, workdir: Path) -> dict[str, Any]:
    """Peak Python memory (tracemalloc) of exporting a small and a large session: flat in N when
    the export streams."""
    from tracker.ledger.export import write_ledger
    from tracker.ledger.rows import LedgerFilters

    out: dict[str, Any] = {"method": "tracemalloc peak during write_ledger"}
    for key, session_id in (("small", seeded.first_cppcc), ("large", seeded.latest_npc)):
        with connection():
            tracemalloc.start()
            try:
                rows = write_ledger(workdir / f"memory-{key}.xlsx", LedgerFilters(session_id=session_id))
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        out[key] = {"rows": rows, "peak_mb": round(peak / 1024 / 1024, 2)}
    small, large = out["small"]["peak_mb"], out["large"]["peak_mb"]
    out["growth"] = round(large / small, 2) if small else None
    out["flat"] = bool(small and large / small <= 1.5)
    return out


IMPORT_HEADERS = ["案号", "标题", "内容", "领衔人", "附议人", "内容分类", "主办单位", "会办单位"]


def import_file(path: Path, n_rows: int, seed: int = 7) -> None:
    """An .xlsx list like the ones offices receive: one row per item, units by full name."""
    import random

    import xlsxwriter

    from tracker.demo import PLACES, SURNAMES, TOPICS, UNITS

    rng = random.Random(seed)
    names = {code: name for name, _short, code, _cat in UNITS}
    given = "明华志强海燕建国丽华文博静怡国庆晓东春梅"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("建议")
    sheet.write_row(0, 0, IMPORT_HEADERS)
    for r in range(1, n_rows + 1):
        category, template, lead, cos = rng.choice(TOPICS)
        title = template.format(place=rng.choice(PLACES), road="人民路", water="南湖") + "建议"

        def person() -> str:
            return rng.choice(SURNAMES) + rng.choice(given) + rng.choice(given)

        co_units = "、".join(names[c] for c in cos[:rng.randint(0, min(2, len(cos)))] if c != lead)
        sheet.write_row(r, 0, [str(r), title, f"{title}。具体内容略。", person(),
                               "、".join(person() for _ in range(rng.randint(0, 3))), category,
                               names[lead], co_units])
    book.close()


def import_items(seeded: SeedResult, workdir: Path, n_rows: int = 5000) -> Scenario:
    from tracker.accounts.models import User
    from tracker.items import imports
    from tracker.items import services as item_services

    path = workdir / "import.xlsx"
    import_file(path, n_rows)
    with connection():
        office = User.get(User.username == seeded.office_username)
        session = item_services.create_session(
            body="npc", name=f"基准测试导入批次 {clock.now().strftime('%H%M%S')}", year=clock.today().year,
            actor=office)
    session_id = session.id
    today = clock.today()
    timing: dict[str, Any] = {}

    def run() -> int:
        with connection():
            office_user = User.get_by_id(office.id)
            with db.atomic() as txn:
                report = imports.import_items(str(path), session_id, actor=office_user, assigned_on=today)
                txn.rollback()  # a fresh, empty session for every run
        if not report.ok:
            raise RuntimeError("导入报告有问题：" + "；".join(m for _, m in report.problems[:5]))
        return report.imported

    def base() -> int:
        return baselines.read_file(str(path)) - 1  # minus the header row

    def openpyxl_figure() -> None:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            baselines.read_file_openpyxl(str(path))
            times.append((time.perf_counter() - t0) * 1000)
        timing["openpyxl_read_median_ms"] = round(statistics.median(times), 2)
        with connection():
            from tracker.items.models import Session

            Session.delete().where(Session.id == session_id).execute()

    return Scenario(
        "import", f"导入 {n_rows} 行 Excel（tracker.items.imports.import_items：逐行校验后成批登记、交办；每次回滚）",
        "python-calamine (the reader the import uses) reading the same file", run, base, warmup=0, runs=3,
        target="ratio ≤ 3", check=lambda m, r: r <= 3, extra={"file_rows": n_rows, "also": timing},
        after=openpyxl_figure)


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="tracker-bench-"))


def today_local() -> dt.date:
    return clock.today()
