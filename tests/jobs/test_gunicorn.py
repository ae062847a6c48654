"""Production serving: gunicorn with two workers serves the app (pages, API, health)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.slow
def test_gunicorn_two_workers_serve_the_app(tmp_path, database_url):
    port = _free_port()
    env = dict(os.environ, TRACKER_DATABASE_URL=database_url, TRACKER_SECRET_KEY="gunicorn-test",
               TRACKER_UPLOAD_DIR=str(tmp_path / "uploads"))
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    out = proc.stdout.read().decode() if proc.poll() is not None else ""
                    pytest.fail(f"gunicorn did not start: {out[-2000:]}")
                time.sleep(0.3)
        assert len(_children(proc.pid)) == 2
        for _ in range(20):
            with urllib.request.urlopen(base + "/login", timeout=5) as r:
                assert r.status == 200
                assert "登录" in r.read().decode()
        with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=5) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        proc.stdout.close()


def test_a_web_worker_freezes_what_start_up_made(tmp_path, database_url):
    """wsgi.py keeps the app's start-up objects (modules, routes, templates) out of the cyclic
    collector's full passes, which walked all of them on the request that triggered one."""
    env = dict(os.environ, TRACKER_DATABASE_URL=database_url, TRACKER_SECRET_KEY="gunicorn-test",
               TRACKER_UPLOAD_DIR=str(tmp_path / "uploads"))
    probe = ("import gc, wsgi; frozen = gc.get_freeze_count(); "
             "print(frozen, len(gc.get_objects()), wsgi.app.name)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout.split()
    frozen, still_tracked = int(out[0]), int(out[1])
    assert frozen > 20_000 and still_tracked < frozen / 10, out
    assert out[2] == "tracker"
