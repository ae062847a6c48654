"""Peewee migrations -- 002_audit_append_only.py.

The audit log is append-only in the database: triggers refuse UPDATE and DELETE of
``audit_entries`` (and TRUNCATE on PostgreSQL). A frozen copy of
tracker/audit/immutability.py (a test checks that both agree); migrations never import the app.
"""

import peewee as pw
from peewee_migrate import Migrator

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


def _statements(database, remove):
    if isinstance(database, pw.Proxy):
        database = database.obj
    if isinstance(database, pw.PostgresqlDatabase):
        return POSTGRES_UNINSTALL if remove else POSTGRES_INSTALL
    if isinstance(database, pw.SqliteDatabase):
        return SQLITE_UNINSTALL if remove else SQLITE_INSTALL
    raise ValueError(f"unsupported database: {type(database).__name__}")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Install the triggers."""
    for sql in _statements(database, remove=False):
        migrator.sql(sql)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the triggers."""
    for sql in _statements(database, remove=True):
        migrator.sql(sql)
