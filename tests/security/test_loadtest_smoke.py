"""The load test (tracker/loadtest.py) against gunicorn with two workers on loopback, on a
freshly migrated and seeded database (``tracker seed-demo``): 5 users for 5 seconds, no errors.

The full run (50 users, 60 s, 4 workers) is `tracker loadtest --url ... --users 50 --seconds 60`;
its figures are in the README.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tracker import loadtest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def seeded_url(tmp_path, database_url):
    """A new database of the suite's backend, migrated and seeded with the demo data."""
    if database_url.startswith("postgresql"):
        import psycopg2

        prefix, _, name = database_url.rpartition("/")
        name = f"{name}_load"
        admin = psycopg2.connect(f"{prefix}/postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}"')
        url = f"{prefix}/{name}"
        yield url
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        return
    yield f"sqlite:///{tmp_path / 'load.db'}"


@pytest.mark.slow
def test_a_short_load_test_against_gunicorn_has_no_errors(tmp_path, seeded_url):
    env = dict(os.environ, TRACKER_DATABASE_URL=seeded_url, TRACKER_SECRET_KEY="load-test-secret",
               TRACKER_UPLOAD_DIR=str(tmp_path / "uploads"), TRACKER_LOG_JSON="0", TRACKER_SMTP_HOST="")
    for command in (["db", "upgrade"], ["seed-demo"]):
        done = subprocess.run([str(BIN / "tracker"), *command], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=5) as response:  # noqa: S310 (http on loopback)
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.3)
        report = loadtest.run(url, users=5, seconds=5)
    finally:
        server.terminate()
        server.wait(30)
        server.stdout.close()
    text = loadtest.format_report(report)
    print("\n" + text)
    assert report.errors == 0, text
    assert report.requests >= 10 and report.throughput > 0
    assert report.users_by_role == {"office": 2, "handler": 1, "leader": 1, "api": 1}
    kinds = {k.name for k in report.kinds}
    assert kinds & {"page: item list", "page: ledger", "page: dashboard"}
    assert kinds & {"page: inbox", "page: progress form", "post: progress note"}
    assert kinds & {"api: list items", "api: item"}
    assert report.p50 <= report.p95 <= report.p99


def test_the_mix_of_users():
    fifty = loadtest.roles_for(50)
    assert [fifty.count(r) for r in ("office", "handler", "leader", "api")] == [20, 15, 8, 7]
    assert sorted(set(loadtest.roles_for(4))) == ["api", "handler", "leader", "office"]
    assert loadtest.roles_for(1) == ["office"]


def test_percentiles_by_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert loadtest.percentile(values, 50) == 50
    assert loadtest.percentile(values, 95) == 95
    assert loadtest.percentile(values, 99) == 99
    assert loadtest.percentile([7.0], 99) == 7.0
    assert loadtest.percentile([], 50) == 0.0


def test_the_command_is_registered_and_refuses_a_server_that_is_not_there(runner):
    port = _free_port()
    result = runner.invoke(args=["loadtest", "--url", f"http://127.0.0.1:{port}", "--users", "1", "--seconds", "1"])
    assert result.exit_code != 0 and "无法连接被测系统" in result.output
    bad = runner.invoke(args=["loadtest", "--url", "http://127.0.0.1:1", "--account", "boss=x:y"])
    assert bad.exit_code != 0 and "--account 格式应为" in bad.output
