"""``make test``: the whole suite on SQLite, then on PostgreSQL when a server URL is given.

TRACKER_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/tracker_test) turns the
PostgreSQL pass on; .ci/run sets it. Extra arguments go to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys


def run(backend: str, args: list[str]) -> int:
    env = dict(os.environ, TRACKER_TEST_BACKEND=backend)
    print(f"\n===== test suite on {backend} =====", flush=True)
    cmd = [sys.executable, "-m", "pytest", "-q", "-n", os.environ.get("TRACKER_TEST_WORKERS", "2"),
           "--dist", "loadfile", *args]
    return subprocess.call(cmd, env=env)


def main() -> int:
    args = sys.argv[1:]
    status = run("sqlite", args)
    if os.environ.get("TRACKER_TEST_POSTGRES_URL"):
        status = run("postgresql", args) or status
    else:
        print("\nTRACKER_TEST_POSTGRES_URL is not set: the PostgreSQL pass is skipped "
              "(.ci/run sets it).", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
