"""``tracker bench`` end to end on a small database of its own: it seeds, measures every
scenario beside its baseline and writes the JSON the README's table is made from."""

from __future__ import annotations

import gc
import json
import os

import pytest

from tracker.core.db import db

BACKEND = os.environ.get("TRACKER_TEST_BACKEND", "sqlite")
SCENARIOS = ["overdue_list", "item_page", "dashboard_stats", "reminder_sweep", "ledger_export", "import"]


@pytest.fixture()
def bench_url(tmp_path):
    if BACKEND != "postgresql":
        yield f"sqlite:///{tmp_path / 'bench.db'}"
        return
    import psycopg2
    from psycopg2 import sql

    base = os.environ.get("TRACKER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/tracker_test")
    prefix = base.rpartition("/")[0]
    name = f"tracker_bench_smoke_{os.getpid()}"

    def admin(statement):
        conn = psycopg2.connect(f"{prefix}/postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL(statement).format(sql.Identifier(name)))
        conn.close()

    admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")
    admin("CREATE DATABASE {}")
    yield f"{prefix}/{name}"
    if not db.is_closed():
        db.close()
    admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")


@pytest.fixture()
def bench_app(bench_url):
    """An app on the bench's own database; the shared test database is put back afterwards."""
    from tracker import create_app

    previous = db.obj
    app = create_app({"DATABASE_URL": bench_url, "TESTING": True, "SECRET_KEY": "bench-test",
                      "RATELIMIT_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    yield app
    if not db.is_closed():
        db.close()
    if previous is not None:
        db.initialize(previous)


def test_bench_seeds_measures_and_writes_the_json(bench_app, tmp_path):
    out = tmp_path / "bench.json"
    result = bench_app.test_cli_runner().invoke(args=[
        "bench", "--items", "2000", "--output", str(out), "--import-rows", "50", "--quick"])
    assert result.exit_code == 0, result.output
    assert "结果已写入" in result.output
    assert gc.get_freeze_count() == 0  # it measured with the start-up objects frozen, as wsgi.py does, then thawed them

    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["items"] == 2000
    assert data["database"] == BACKEND
    assert data["machine"] and data["peak_rss_mb"] > 0
    loop = data["cpu_loop_ms"]  # the machine's speed, measured at the start and the end
    assert loop["additions"] == 1_000_000 and loop["start"] > 0 and loop["end"] > 0
    assert [s["name"] for s in data["scenarios"]] == SCENARIOS
    for s in data["scenarios"]:
        assert s["median_ms"] > 0 and s["p95_ms"] >= s["median_ms"]
        assert s["baseline"] and s["baseline_median_ms"] > 0
        assert s["ratio"] == pytest.approx(s["median_ms"] / s["baseline_median_ms"], rel=0.02)
        assert s["rows"] > 0 and s["runs"] == 3
        assert isinstance(s["target_met"], bool) and s["target"]
    by_name = {s["name"]: s for s in data["scenarios"]}
    # the hand-written SQL computes the very numbers the statistics page shows
    assert by_name["dashboard_stats"]["baseline_matches"], by_name["dashboard_stats"]["mismatches"]
    assert by_name["ledger_export"]["rows"] == 100  # the latest NPC session: N / 20 items
    assert by_name["import"]["rows"] == 50 and by_name["import"]["baseline_rows"] == 50
    memory = data["export_memory"]
    assert memory["small"]["rows"] == 20 and memory["large"]["rows"] == 100
    assert memory["small"]["peak_mb"] > 0 and memory["large"]["peak_mb"] > 0
    # every role's pages, each opened as that role (pages it may not open are left out)
    sweep = data["pages"]
    assert sweep["budget_ms"] == 300
    seen = {(p["role"], p["path"]) for p in sweep["pages"]}
    assert {("office", "/desk"), ("leader", "/overdue"), ("unit_handler", "/inbox"), ("unit_leader", "/inbox"),
            ("submitter", "/my-items"), ("admin", "/admin/users"), ("office", "/items?q=%E5%81%9C%E8%BD%A6"),
            ("office", "/items?page=40")} <= seen
    # one part being handled: its unit's forms, the office's adjust page, the item page for all but the submitter
    assert {role for role, path in seen if path.endswith("/progress")} == {"unit_handler", "unit_leader"}
    assert {role for role, path in seen if path.endswith("/adjust")} == {"office"}
    assert ("submitter", "/desk") not in seen and ("unit_handler", "/dashboard") not in seen
    assert all(p["median_ms"] > 0 and p["bytes"] > 0 for p in sweep["pages"])
    assert sweep["errors"] == []  # no page answered with a server error
    assert sweep["over_budget"] == [f"{p['role']} {p['path']}" for p in sweep["pages"] if p["median_ms"] > 300]
    from tracker.bench import report

    table = report.markdown([data])  # what the README's tables are made from
    assert "| overdue_list |" in table and f"Pages: {len(sweep['pages'])} (role, page) pairs" in table
    assert f"A Python loop of 1,000,000 additions took {loop['start']} ms at the start" in table
    seed = data["seed"]
    assert seed["items"] == 2000 and seed["rows"]["items"] == 2000
    assert seed["rows"]["audit_entries"] > seed["rows"]["items"]
    assert 0 < seed["overdue_share"] < 0.2
    assert len(seed["sessions"]) == 20

    # the bench leaves the seeded data (and nothing of its runs: the import and sweep roll back)
    from tracker.items.models import Item, Session

    with bench_app.app_context():
        db.connect(reuse_if_open=True)
        assert Item.select().count() == 2000
        assert Session.select().count() == 20


def test_bench_refuses_a_database_that_has_items(f, runner, tmp_path):
    from tracker.items.models import Item

    f.item()
    out = tmp_path / "bench.json"
    result = runner.invoke(args=["bench", "--items", "100", "--output", str(out)])
    assert result.exit_code != 0
    assert "数据库中已有 1 件建议提案" in result.output and "--force" in result.output
    assert not out.exists()
    assert Item.select().count() == 1


def test_bench_without_seed_needs_bench_data(ctx, runner, tmp_path):
    result = runner.invoke(args=["bench", "--no-seed", "--output", str(tmp_path / "x.json")])
    assert result.exit_code != 0
    assert "没有基准测试数据" in result.output


def test_bench_reports_a_page_that_fails(bench_app, tmp_path, monkeypatch):
    """A page answering 500 is a finding of the sweep (listed, and the run says so), never skipped."""
    from tracker.ledger import charts

    def broken(*args, **kwargs):
        raise RuntimeError("chart broken")

    monkeypatch.setattr(charts, "overdue_bar", broken)  # only the dashboard draws it
    out = tmp_path / "pages.json"
    result = bench_app.test_cli_runner().invoke(args=[
        "bench", "--items", "200", "--output", str(out), "--quick", "--only", "pages"])
    assert result.exit_code == 0, result.output
    sweep = json.loads(out.read_text(encoding="utf-8"))["pages"]
    assert "office /dashboard: HTTP 500" in sweep["errors"] and "leader /dashboard: HTTP 500" in sweep["errors"]
    assert "页面出错：office /dashboard: HTTP 500" in result.output and "未达标：pages（页面出错）" in result.output
    assert not any(p["path"] == "/dashboard" for p in sweep["pages"])
