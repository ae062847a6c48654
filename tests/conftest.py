"""Test fixtures: an app per worker on SQLite or PostgreSQL, a clean database per test,
login helpers and factories (see tests/factories.py)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

BACKEND = os.environ.get("TRACKER_TEST_BACKEND", "sqlite")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_url() -> str:
    base = os.environ.get("TRACKER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/tracker_test")
    import psycopg2
    from psycopg2 import sql

    prefix, _, dbname = base.rpartition("/")
    name = f"{dbname}_{_worker()}_{os.getpid()}"
    conn = psycopg2.connect(f"{prefix}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()
    return f"{prefix}/{name}"


def _drop_postgres(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    prefix, _, name = url.rpartition("/")
    conn = psycopg2.connect(f"{prefix}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    conn.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if BACKEND == "postgresql":
        url = _postgres_url()
        yield url
        from tracker.core.db import db

        if db.obj is not None and not db.is_closed():
            db.close()
        _drop_postgres(url)
        return
    path = tmp_path_factory.mktemp("db") / "tracker.db"
    yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def app(database_url):
    from tracker import create_app
    from tracker.core import migrations
    from tracker.core.db import db
    from tracker.rules.services import ensure_defaults

    upload_dir = tempfile.mkdtemp(prefix="tracker-uploads-")
    application = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": upload_dir,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SMTP_HOST": "",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    with application.app_context():
        db.connect(reuse_if_open=True)
        migrations.upgrade()
        ensure_defaults()
        from tests.dbclean import snapshot

        snapshot()
        db.close()
    yield application


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Each test starts from the baseline data (profile, calendar, checklist, ...)."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from tests.dbclean import reset

    with app.app_context():
        reset()


@pytest.fixture()
def ctx(app):
    """An app context with an open connection, for service tests."""
    from tracker.core.db import db

    with app.test_request_context():
        db.connect(reuse_if_open=True)
        yield app
        if not db.is_closed():
            db.close()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def f(ctx):
    """Factories bound to a live database: ``f.item(...)``, ``f.user(...)`` ..."""
    from tests import factories

    return factories


@pytest.fixture()
def login_as(client):
    def _login(user, password: str = "Passw0rd!"):
        client.post("/logout")
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


@pytest.fixture()
def api(client):
    """``api(user).get/post/patch(path, json=...)`` with a bearer token for that user."""

    class _Api:
        def __init__(self, user, password: str = "Passw0rd!"):
            response = client.post("/api/v1/token", json={"username": user.username, "password": password})
            assert response.status_code == 201, response.get_json()
            self.headers = {"Authorization": f"Bearer {response.get_json()['token']}"}

        def _call(self, method, path, **kw):
            headers = {**self.headers, **kw.pop("headers", {})}
            return client.open("/api/v1" + path, method=method, headers=headers, **kw)

        def get(self, path, **kw):
            return self._call("GET", path, **kw)

        def post(self, path, **kw):
            return self._call("POST", path, **kw)

        def patch(self, path, **kw):
            return self._call("PATCH", path, **kw)

        def delete(self, path, **kw):
            return self._call("DELETE", path, **kw)

    return _Api


def pytest_report_header(config):
    return f"tracker database backend: {BACKEND}"


ROOT = Path(__file__).resolve().parent.parent
