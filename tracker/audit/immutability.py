"""The audit log is append-only in the database itself, not only in the app.

Triggers refuse every UPDATE and DELETE of ``audit_entries`` (and TRUNCATE on PostgreSQL), so
neither a bug, a console session nor a stolen application password can rewrite history. The
migration ``migrations/002_audit_append_only.py`` installs a frozen copy of these statements;
:func:`install` / :func:`uninstall` are for tools that must bypass them knowingly (the test
suite's cleanup between tests) and for checking that the migration and this module agree.
"""

from __future__ import annotations

import peewee as pw

MESSAGE = "audit log is append-only"

SQLITE_INSTALL = (
    "CREATE TRIGGER IF NOT EXISTS audit_entries_no_update BEFORE UPDATE ON audit_entries "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_entries_no_delete BEFORE DELETE ON audit_entries "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)
SQLITE_UNINSTALL = (
    "DROP TRIGGER IF EXISTS audit_entries_no_update",
    "DROP TRIGGER IF EXISTS audit_entries_no_delete",
)

POSTGRES_INSTALL = (
    "CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END; $$",
    "DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries",
    "CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries "
    "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()",
    "DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries",
    "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()",
)
POSTGRES_UNINSTALL = (
    "DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries",
    "DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries",
    "DROP FUNCTION IF EXISTS audit_entries_append_only()",
)


def _unwrap(database: pw.Database | pw.DatabaseProxy) -> pw.Database:
    return database.obj if isinstance(database, pw.DatabaseProxy) else database


def statements(database: pw.Database | pw.DatabaseProxy, *, remove: bool = False) -> tuple[str, ...]:
    """The SQL that installs (or, with ``remove``, drops) the triggers on this database."""
    database = _unwrap(database)
    if isinstance(database, pw.PostgresqlDatabase):
        return POSTGRES_UNINSTALL if remove else POSTGRES_INSTALL
    if isinstance(database, pw.SqliteDatabase):
        return SQLITE_UNINSTALL if remove else SQLITE_INSTALL
    raise ValueError(f"unsupported database: {type(database).__name__}")


def install(database: pw.Database | pw.DatabaseProxy) -> None:
    """Make ``audit_entries`` append-only (idempotent)."""
    for sql in statements(database):
        _unwrap(database).execute_sql(sql)


def uninstall(database: pw.Database | pw.DatabaseProxy) -> None:
    """Drop the triggers again (idempotent)."""
    for sql in statements(database, remove=True):
        _unwrap(database).execute_sql(sql)


def installed(database: pw.Database | pw.DatabaseProxy) -> bool:
    """Whether the triggers are in place."""
    database = _unwrap(database)
    if isinstance(database, pw.PostgresqlDatabase):
        sql = ("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_entries'::regclass "
               "AND tgname IN ('audit_entries_no_change', 'audit_entries_no_truncate')")
        return database.execute_sql(sql).fetchone()[0] == 2
    sql = ("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entries' "
           "AND name IN ('audit_entries_no_update', 'audit_entries_no_delete')")
    return database.execute_sql(sql).fetchone()[0] == 2
