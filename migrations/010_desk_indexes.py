"""Peewee migrations -- 010_desk_indexes.py.

The office desk read two tables whole on every view (found by the benchmark's page sweep):

- ``assignment_assigned_on`` (assigned_on): the desk's 交办通知 section lists the latest
  assignment days. Without an index both its queries (the six latest days, then their
  groups by session) scanned every assignment: ~120 ms and ~300 ms at 300,000 assignments on
  a slow machine; with it, 0.1 ms and an index range.
- ``reply_awaiting_review`` (updated_at, id) WHERE status = 'awaiting_office_review': the
  replies waiting for the office's review, longest waiting first (the desk's 答复待审核 and
  its list page). Without it every reply was read and sorted (~90 ms at 200,000 replies).
  A partial index holds only the few replies in that state (448 of 207,593 on the
  benchmark), so it costs nothing to the other writes and no other query can pick it by
  mistake; SQLite and PostgreSQL both use it (0.6 ms).
"""

import peewee as pw
from peewee_migrate import Migrator

UP = (
    "CREATE INDEX assignment_assigned_on ON assignments (assigned_on)",
    "CREATE INDEX reply_awaiting_review ON replies (updated_at, id) WHERE status = 'awaiting_office_review'",
)
DOWN = (
    "DROP INDEX IF EXISTS assignment_assigned_on",
    "DROP INDEX IF EXISTS reply_awaiting_review",
)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Index the assignment days and the replies awaiting the office's review."""
    for sql in UP:
        migrator.sql(sql)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop both."""
    for sql in DOWN:
        migrator.sql(sql)
