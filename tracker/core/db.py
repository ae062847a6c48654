"""Database proxy, base model and custom fields.

The app, the CLI, the scheduler and the tests all initialise the same proxy from a URL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import peewee as pw
from playhouse.db_url import connect

db = pw.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",
    "cache_size": -64000,
}


def make_database(url: str) -> pw.Database:
    """Build a peewee database for a URL (sqlite:///path or postgresql://...)."""
    if url.startswith("sqlite"):
        database = connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    elif url.startswith(("postgres://", "postgresql://")):
        url = url.replace("postgres://", "postgresql://", 1)
        database = connect(url)
    else:
        raise ValueError(f"unsupported database URL: {url}")
    return database


def init_db(url: str) -> pw.Database:
    database = make_database(url)
    db.initialize(database)
    return database


def is_postgres() -> bool:
    return isinstance(db.obj, pw.PostgresqlDatabase)


def is_sqlite() -> bool:
    return isinstance(db.obj, pw.SqliteDatabase)


@contextmanager
def connection() -> Iterator[pw.Database]:
    """Open a connection for a unit of work outside a request (CLI, jobs)."""
    opened = db.connect(reuse_if_open=True)
    try:
        yield db
    finally:
        if opened and not db.in_transaction():
            db.close()


class UTCDateTimeField(pw.DateTimeField):
    """Stores naive UTC, returns aware UTC. Instants are always aware in Python."""

    formats = ["%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"]

    def db_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC field")
        return super().db_value(value.astimezone(dt.UTC).replace(tzinfo=None))

    def python_value(self, value: Any) -> Any:
        value = super().python_value(value)
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                return value.replace(tzinfo=dt.UTC)
            return value.astimezone(dt.UTC)
        return value


class JSONField(pw.TextField):
    """JSON stored as text on both databases (portable and simple)."""

    def db_value(self, value: Any) -> Any:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)

    def python_value(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        return json.loads(value)


class BaseModel(pw.Model):
    class Meta:
        database = db
        legacy_table_names = False

    def refresh(self):
        """A fresh copy of this row from the database."""
        return type(self).get_by_id(self._pk)


def all_models() -> list[type[pw.Model]]:
    """Every model of the app, in dependency order (for migrations checks and test cleanup)."""
    from tracker.models import MODELS

    return list(MODELS)


def init_app(app) -> None:
    """Bind the proxy to the configured database; one connection per request."""
    init_db(app.config["DATABASE_URL"])

    @app.before_request
    def _connect() -> None:
        db.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(_exc) -> None:
        if not db.is_closed() and not db.in_transaction():
            db.close()
