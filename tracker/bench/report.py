"""The benchmark's results: the JSON file, the machine it ran on, and a markdown table."""

from __future__ import annotations

import json
import os
import platform
import resource
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

from tracker.core.db import db, is_postgres

NAMES = {
    "overdue_list": "超期清单（第一页 50 行）",
    "item_page": "件的页面（长办理过程）",
    "dashboard_stats": "一个会次的统计（§8）",
    "reminder_sweep": "一次提醒扫描",
    "ledger_export": "台账导出 .xlsx",
    "import": "导入 Excel",
}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def database_name() -> str:
    return "postgresql" if is_postgres() else "sqlite"


def database_version() -> str:
    if is_postgres():
        return "PostgreSQL " + db.execute_sql("SHOW server_version").fetchone()[0]
    return "SQLite " + sqlite3.sqlite_version


def machine() -> str:
    memory = _memory_gb()
    parts = [f"{_cpu_model()}, {os.cpu_count()} cores"]
    if memory:
        parts.append(f"{memory} GB RAM")
    parts.append(f"{platform.system()} {platform.release()}")
    parts.append(f"Python {platform.python_version()}")
    return ", ".join(parts)


CPU_LOOP_ADDITIONS = 1_000_000


def cpu_loop_ms(runs: int = 5) -> float:
    """The machine's speed, for comparing runs on different (or busy) machines: the median time
    of a plain Python loop of a million additions. The same code has measured 1.5-3 times as
    long on one shared 2-core instance as on another, baselines included, and a run's speed can
    change while it runs: measured at its start and end, this figure shows how fast it ran."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        total = 0
        for i in range(CPU_LOOP_ADDITIONS):
            total += i
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory in MB (ru_maxrss is in KiB on Linux)."""
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def write(path: str | Path, result: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.1f} ms"


def markdown(results: list[dict[str, Any]]) -> str:
    """One table per run: each scenario beside its baseline, the ratio and the target."""
    lines: list[str] = []
    for result in results:
        lines.append(f"### {result['database']} — {result['items']:,} items")
        lines.append("")
        seed = result["seed"]
        seeded = (f" Seeded in {seed['seconds']:.0f} s ({seed['total_rows']:,} rows)."
                  if not seed.get("reused") else " Measured on data seeded by an earlier run.")
        loop = result.get("cpu_loop_ms")
        speed = (f" A Python loop of {loop['additions']:,} additions took {loop['start']} ms at the start of the "
                 f"measurements and {loop['end']} ms at their end." if loop else "")
        lines.append(f"Machine: {result['machine']}; {result.get('database_version', '')}; "
                     f"run on {result.get('date', '')}.{seeded}{speed}")
        lines.append("")
        lines.append("| scenario | median | p95 | baseline | baseline median | ratio | rows | target | met |")
        lines.append("| --- | ---: | ---: | --- | ---: | ---: | ---: | --- | :---: |")
        for s in result["scenarios"]:
            met = {True: "yes", False: "**no**"}.get(s.get("target_met"), "—")
            lines.append(f"| {s['name']} | {_ms(s['median_ms'])} | {_ms(s['p95_ms'])} | {short_baseline(s['name'])} | "
                         f"{_ms(s['baseline_median_ms'])} | {s['ratio']} | {s['rows']:,} | {s['target']} | {met} |")
        memory = result.get("export_memory") or {}
        if memory:
            lines.append("")
            lines.append(f"Export memory (tracemalloc peak): {memory['small']['rows']:,} rows "
                         f"{memory['small']['peak_mb']} MB, {memory['large']['rows']:,} rows "
                         f"{memory['large']['peak_mb']} MB (×{memory['growth']}); "
                         f"peak RSS of the measuring process {result['peak_rss_mb']} MB"
                         + (f", of the seeding process {seed['peak_rss_mb']} MB." if seed.get("peak_rss_mb") else "."))
        lines.extend(_pages(result.get("pages")))
        lines.append("")
    return "\n".join(lines)


def _pages(sweep: dict[str, Any] | None) -> list[str]:
    """The page sweep: how many pages, their median, and those over the budget, slowest first."""
    if not sweep or not sweep["pages"]:
        return []
    rows = sweep["pages"]
    times = sorted(r["median_ms"] for r in rows)
    over = [r for r in rows if r["median_ms"] > sweep["budget_ms"]]
    lines = ["", f"Pages: {len(rows)} (role, page) pairs, {len({r['path'] for r in rows})} addresses; "
                 f"median {_ms(times[len(times) // 2])}, slowest {_ms(times[-1])}; "
                 f"{len(over)} over the {sweep['budget_ms']} ms budget" + (":" if over else ".")]
    if sweep.get("errors"):
        lines += ["", "Pages that failed: " + "; ".join(sweep["errors"]) + "."]
    if over:
        lines += ["", "| page | role | median | size |", "| --- | --- | ---: | ---: |"]
        lines += [f"| `{r['path']}` | {r['role']} | {_ms(r['median_ms'])} | {r['bytes'] / 1024:,.0f} KB |"
                  for r in sorted(over, key=lambda r: -r["median_ms"])]
    return lines


def short_baseline(name: str) -> str:
    return {
        "overdue_list": "bare Flask view, one SQL query, minimal template",
        "item_page": "bare Flask view, one SQL query per table, minimal template",
        "dashboard_stats": "hand-written SQL aggregates",
        "reminder_sweep": "one SQL query for the open assignments",
        "ledger_export": "xlsxwriter alone, same cells",
        "import": "python-calamine reading the file",
    }.get(name, "")
