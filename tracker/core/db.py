"""Database proxy, base model and custom fields.

The app, the CLI, the scheduler and the tests all initialise the same proxy from a URL.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import peewee as pw
from playhouse.db_url import parse
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

db = pw.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",
    "cache_size": -64000,
}
# SQLite connections are kept in a small pool per process and reused by the next request:
# a connection keeps its page cache (``cache_size``), where a fresh one per request read every
# page again (at 200,000 items: the overdue list 44 -> 31 ms, the item page 58 -> 49 ms).
SQLITE_POOL = {"max_connections": 16, "stale_timeout": 300, "timeout": 10}
# PostgreSQL connections are pooled the same way: a new connection costs ~2 ms, and its new
# server process reads the catalogue of every table a page touches again. A pooled connection
# found broken (server restarted) is replaced when it is handed out (peewee pings it), and
# connections are renewed after ``stale_timeout`` seconds.
POSTGRES_POOL = {"max_connections": 16, "stale_timeout": 300, "timeout": 10}
# Planner settings for the app's sessions (overridden by an ``options`` parameter in the URL):
# - random_page_cost 1.1: the database lives on SSD and mostly in memory; the default 4 (a
#   spinning disk) made the planner seq-scan 300,000 assignments and hash-join instead of
#   following the covering indexes (the overdue list's query at 200,000 items: 44 -> 23 ms);
# - no parallel workers: the app's queries are short, and on the 2-core machines it runs on
#   starting two workers per query cost more than it saved (with both: 44 -> 16 ms).
POSTGRES_OPTIONS = "-c random_page_cost=1.1 -c max_parallel_workers_per_gather=0"


def _sqlite_date(raw: bytes) -> dt.date | str:
    text = raw.decode()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return text  # not ISO: peewee's own parsing gets the text, as without the converter


def _sqlite_datetime(raw: bytes) -> dt.datetime | str:
    text = raw.decode()
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return text


# SQLite stores dates as text. Without these converters peewee parses every DATE / DATETIME
# value it reads with ``strptime`` against a list of formats, which dominated reading large
# result sets (statistics, ledger export, the sweep: ~1 s for 15,000 assignments at 200,000
# items). ``fromisoformat`` (C) reads the ISO text SQLite holds; peewee gets a ready value.
sqlite3.register_converter("DATE", _sqlite_date)
sqlite3.register_converter("DATETIME", _sqlite_datetime)


def make_database(url: str) -> pw.Database:
    """Build a peewee database for a URL (sqlite:///path or postgresql://...)."""
    if url.startswith("sqlite"):
        # BEGIN IMMEDIATE: a write transaction takes SQLite's write lock when it starts, so two
        # workers writing at once queue (busy_timeout) instead of one failing with "database is
        # locked" when its read-then-write transaction tries to upgrade its lock.
        database = PooledSqliteDatabase(_sqlite_path(url), pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                                        lock_type="IMMEDIATE", detect_types=sqlite3.PARSE_DECLTYPES,
                                        **SQLITE_POOL)
    elif url.startswith(("postgres://", "postgresql://")):
        url = url.replace("postgres://", "postgresql://", 1)
        params = parse(url)  # database, user, password, host, port and any query parameters
        params.setdefault("options", POSTGRES_OPTIONS)
        database = PooledPostgresqlDatabase(params.pop("database"), **POSTGRES_POOL, **params)
    else:
        raise ValueError(f"unsupported database URL: {url}")
    return database


def _sqlite_path(url: str) -> str:
    """sqlite:////abs/path, sqlite:///rel/path or sqlite:///:memory: -> the path SQLite opens."""
    path = url.split("://", 1)[1]
    return path[1:] if path.startswith("/") else path


def init_db(url: str) -> pw.Database:
    database = make_database(url)
    db.initialize(database)
    return database


def is_postgres() -> bool:
    return isinstance(db.obj, pw.PostgresqlDatabase)


def is_sqlite() -> bool:
    return isinstance(db.obj, pw.SqliteDatabase)


def refresh_statistics() -> str:
    """Refresh the query planner's statistics of every table and index.

    PostgreSQL's autovacuum does this by itself; SQLite never does, and without statistics
    its planner picks indexes by guesswork (e.g. ``items.status`` instead of
    ``items.merged_into_id``: 4 ms instead of 0.05 ms at 200,000 items). With
    ``analysis_limit`` SQLite samples each index instead of reading it whole (about 50 ms on
    a 1.4 GB database). Run daily by the scheduler and by ``tracker db upgrade``."""
    started = time.perf_counter()
    if is_sqlite():
        db.execute_sql("PRAGMA analysis_limit=1000")
    db.execute_sql("ANALYZE")
    return f"已更新查询统计信息（用时 {(time.perf_counter() - started) * 1000:.0f} 毫秒）"


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


LIKE_ESCAPE = "\\"  # one backslash: PostgreSQL's default escape character, which SQLite needs named


def like_escape(text: str) -> str:
    """``text`` as a LIKE pattern matching just itself: its ``\\``, ``%`` and ``_`` escaped with
    :data:`LIKE_ESCAPE` (use the pattern with ``ESCAPE``, as :func:`contains_text` does)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_text(field: Any, text: str) -> pw.Expression:
    """The one text search of the app's filters: ``field`` contains ``text`` literally, case
    aside (ILIKE; LIKE on SQLite, which ignores the case of ASCII letters). ``%`` and ``_``
    typed into a search box are characters to find, not wildcards: they are escaped, and the
    ``ESCAPE`` clause names the escape character on both databases (SQLite has none by default)."""
    pattern = pw.Value(f"%{like_escape(text)}%", converter=False)
    return pw.Expression(field, pw.OP.ILIKE, pw.NodeList(
        (pattern, pw.SQL("ESCAPE"), pw.Value(LIKE_ESCAPE, converter=False))))


def in_ids(field: pw.Field, ids: Any) -> pw.Expression:
    """``field IN (…)`` for a list of ids, rendered as ONE SQL fragment of integer literals:
    peewee processes a node or parameter per value otherwise, and for batches of thousands of
    ids that costs more than running the query. Each id goes through ``int()``, so nothing but
    digits (and a sign) reaches the SQL. An empty list matches nothing (ids are positive)."""
    return field.in_(pw.SQL("(" + ",".join([str(int(i)) for i in ids] or ["0"]) + ")"))


_MAX_PARAMS = 30000  # parameters per statement of insert_rows (SQLite's default limit is 32766)
# Fields whose db_value leaves the values callers give them (str, int, bool, date,
# ids for foreign keys, None) as they are; the others (instants, JSON) go through it.
_PLAIN_FIELDS = (pw.CharField, pw.TextField, pw.IntegerField, pw.BooleanField, pw.DateField,
                 pw.ForeignKeyField)
_REQUIRED = object()  # a field without a default that may not be NULL


def _sqlite_param(value: Any) -> Any:
    """A date or a datetime as the sqlite3 module's default adapters pass it to SQLite."""
    if type(value) is dt.datetime:
        return value.isoformat(" ")
    return value.isoformat() if type(value) is dt.date else value


def insert_rows(model: type[pw.Model], rows: list[dict[str, Any]], returning: tuple[pw.Field, ...] = (),
                *, ignore_conflicts: bool = False) -> list[tuple[Any, ...]]:
    """INSERT ``rows`` (dicts keyed by field name, foreign keys as ids; missing fields get
    their defaults) with multi-row VALUES statements, and return the ``returning`` columns
    of the inserted rows (SQLite 3.35+ and PostgreSQL both have RETURNING). With
    ``ignore_conflicts``, a row that breaks a unique constraint is skipped (``ON CONFLICT DO
    NOTHING``, SQLite 3.24+ and PostgreSQL) and RETURNING names only the rows inserted.

    What peewee's ``insert_many`` would write, without building a query tree per value
    (which costs more than the database's own work for tens of thousands of rows): the
    values of instants and JSON go through their fields' ``db_value`` and, on SQLite,
    dates and datetimes become the text the sqlite3 module's default adapters make of
    them — once per distinct value (the rows share timestamps, dates and the JSON of alike
    assignments). The parameters are gathered column by column."""
    if not rows:
        return []
    meta = model._meta
    fields = [f for f in meta.sorted_fields if not isinstance(f, pw.AutoField)]
    database = db.obj
    sqlite = isinstance(database, pw.SqliteDatabase)
    columns: list[tuple[pw.Field, Any, Any, bool | None]] = []  # field, default, converter, by value?
    for f in fields:
        default = meta.defaults.get(f)
        if default is None and not f.null:
            default = _REQUIRED
        convert, by_value = None, None
        if type(f) not in _PLAIN_FIELDS:
            convert, by_value = f.db_value, False  # by object: instants shared, JSON of alike rows
            if sqlite:
                convert = (lambda db_value: lambda value: _sqlite_param(db_value(value)))(convert)
        elif sqlite and type(f) is pw.DateField:
            convert, by_value = _sqlite_param, True
        columns.append((f, default, convert, by_value))
    quote = database.quote
    names = ", ".join(f.column_name.join(quote) for f in fields)
    group = "(" + ", ".join([database.param] * len(fields)) + ")"
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if returning:
        tail += " RETURNING " + ", ".join(f.column_name.join(quote) for f in returning)
    per_statement = max(1, _MAX_PARAMS // len(fields))
    out: list[tuple[Any, ...]] = []
    converted: dict[str, dict[Any, Any]] = {}  # field -> {value or id(value): db value}
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        values = []
        for f, default, convert, by_value in columns:
            name = f.name
            if default is _REQUIRED:
                try:
                    column = [row[name] for row in chunk]
                except KeyError:
                    raise ValueError(f"missing value for {model.__name__}.{name}") from None
            elif callable(default):
                column = [row[name] if name in row else default() for row in chunk]
            else:
                try:
                    column = [row[name] for row in chunk]  # rows usually have every field
                except KeyError:
                    column = [row.get(name, default) for row in chunk]
            if convert is not None:
                seen = converted.setdefault(name, {None: None})  # None stays None (NULL)
                if by_value:
                    for value in set(column).difference(seen):
                        seen[value] = convert(value)
                    column = [seen[value] for value in column]
                else:
                    # keyed by id: the objects live on in ``rows`` meanwhile, their ids are theirs
                    keys = [None if value is None else id(value) for value in column]
                    for key, value in zip(keys, column, strict=True):
                        if key not in seen:
                            seen[key] = convert(value)
                    column = [seen[key] for key in keys]
            values.append(column)
        params = list(itertools.chain.from_iterable(zip(*values, strict=True)))
        # Identifiers from the model, values as parameters.
        sql = (f"INSERT INTO {meta.table_name.join(quote)} ({names}) VALUES "  # noqa: S608
               + ", ".join([group] * len(chunk)) + tail)
        cursor = db.execute_sql(sql, params)
        if returning:
            out.extend(tuple(r) for r in cursor.fetchall())
    return out


def distinct_values(field: pw.Field) -> list[Any]:
    """The distinct non-null values of a column that leads an index, in order, one index probe
    per value (a "loose index scan" written as a recursive query). PostgreSQL reads every row for
    ``SELECT DISTINCT`` (the audit log's actions and object types at 5,000,000 entries: 300 ms,
    then ~1 ms); SQLite skips through the index by itself and runs this the same way."""
    table, column = field.model._meta.table_name, field.column_name  # names from the model, not input
    sql = (f'WITH RECURSIVE seen(v) AS (SELECT MIN("{column}") FROM "{table}" UNION ALL '  # noqa: S608
           f'SELECT (SELECT MIN("{column}") FROM "{table}" WHERE "{column}" > seen.v) FROM seen '
           'WHERE seen.v IS NOT NULL) SELECT v FROM seen WHERE v IS NOT NULL')
    return [row[0] for row in db.execute_sql(sql).fetchall()]


def fetch_dicts(query: pw.SelectQuery) -> list[dict[str, Any]]:
    """The rows of a SELECT as dicts keyed like ``query.dicts()`` (field names, aliases), read
    straight from the cursor: for reads of tens of thousands of rows, where peewee's per-value
    conversion costs more than the query. Dates and datetimes arrive as Python values on both
    databases (see the SQLite converters above); instants (UTCDateTimeField) are made aware UTC,
    aggregates over a date column (MIN(day)) are parsed, booleans stay as the driver gives them
    (0/1 on SQLite)."""
    names, rows = _fetch(query)
    return [dict(zip(names, row, strict=True)) for row in rows]


def fetch_objects(query: pw.ModelSelect) -> list[Any]:
    """Like :func:`fetch_dicts`, as plain read-only objects with the model's attribute names
    (``assignment_id`` for a foreign key, as on a model instance): for code written against
    model instances that reads thousands of rows and follows no relation."""
    from types import SimpleNamespace

    names, rows = _fetch(query, fk_suffix=True)
    return [SimpleNamespace(**dict(zip(names, row, strict=True))) for row in rows]


def _fetch(query: pw.SelectQuery, *, fk_suffix: bool = False) -> tuple[list[str], list]:
    names: list[str] = []
    instants: list[int] = []
    dates: list[int] = []
    for index, node in enumerate(query._returning):
        inner = node
        if isinstance(node, pw.Alias):
            names.append(node._alias)
            inner = node.node
        elif isinstance(node, pw.Field):
            names.append(node.name + "_id" if fk_suffix and isinstance(node, pw.ForeignKeyField) else node.name)
        else:
            names.append(f"_{index}")
        if isinstance(inner, UTCDateTimeField):
            instants.append(index)
        elif isinstance(inner, pw.Function) and inner.arguments and isinstance(inner.arguments[0], pw.DateField):
            dates.append(index)
    sql, params = query.sql()
    rows = db.execute_sql(sql, params).fetchall()
    if instants or dates:
        fixed = []
        for row in rows:
            row = list(row)
            for i in instants:
                value = row[i]
                if isinstance(value, str):
                    value = dt.datetime.fromisoformat(value)
                if isinstance(value, dt.datetime):
                    row[i] = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
            for i in dates:
                if isinstance(row[i], str):
                    row[i] = dt.date.fromisoformat(row[i][:10])
            fixed.append(row)
        rows = fixed
    return names, rows


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
