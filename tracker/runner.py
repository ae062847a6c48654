"""``make run``: the web app and ONE scheduler process side by side; Ctrl-C stops both.

    python -m tracker.runner --host 127.0.0.1 --port 5000 [--workers 2] [--dev]

The web app runs under gunicorn when it is installed (``--dev`` forces Flask's development
server); the scheduler is ``tracker scheduler run`` in its own process.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import time

from tracker import ROOT


def web_command(host: str, port: int, workers: int, dev: bool) -> list[str]:
    if not dev and importlib.util.find_spec("gunicorn") is not None:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--graceful-timeout",
            "10",
            "--access-logfile",
            "-",
            "wsgi:app",
        ]
    return [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "tracker",
        "run",
        "--host",
        host,
        "--port",
        str(port),
        "--no-reload",
    ]


def scheduler_command() -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "tracker", "scheduler", "run"]


def stop(processes: list[subprocess.Popen], timeout: float = 30.0) -> None:
    for proc in processes:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in processes:
        remaining = max(0.1, deadline - time.monotonic())
        try:
            proc.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _interrupt(*_args) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(description="Tracker: web app + scheduler")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dev", action="store_true", help="use Flask's development server")
    args = parser.parse_args(argv)

    env = dict(os.environ)
    processes: list[subprocess.Popen] = []
    try:
        processes.append(subprocess.Popen(scheduler_command(), cwd=ROOT, env=env))
        processes.append(
            subprocess.Popen(web_command(args.host, args.port, args.workers, args.dev), cwd=ROOT, env=env)
        )
        print(f"Tracker: http://{args.host}:{args.port}/ （调度进程已启动；Ctrl-C 退出）", flush=True)
        while all(proc.poll() is None for proc in processes):
            time.sleep(0.5)
        failed = [proc for proc in processes if proc.poll() not in (None, 0)]
        return failed[0].returncode if failed else 0
    except KeyboardInterrupt:
        print("\n正在停止 Tracker …", flush=True)
        return 0
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
