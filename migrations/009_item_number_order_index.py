"""Peewee migrations -- 009_item_number_order_index.py.

The item list is sorted by case number, numeric-aware: ``ORDER BY length(number), number,
id`` (so 9 comes before 10). No index had that order, so every page sorted the whole table:
at 200,000 items the first page cost ~90 ms and page 2,000 (``OFFSET 99,950``) ~1.2 s.
Expression indexes in that order let both databases read a page's ids off an index (SQLite:
"USING COVERING INDEX"; PostgreSQL: an index-only scan) and load only its 50 rows:

- ``item_number_order`` (length(number), number, id): the whole list, any page (1.2 s -> 8 ms
  for page 2,000);
- ``item_status_number_order`` (status, length(number), number, id): the list filtered by a
  status. Without it SQLite walked the number index and read every item's row to find the
  rare status (~100 ms); with it the page is one index range. It begins with ``status``, so it
  replaces ``item_status`` (every search on status is served by it alike);
- ``item_registered_at_id`` (registered_at, id): the list's "newest first" order (read
  backwards), which sorted every item too (~90 ms for page 1, ~190 ms for page 2,000). The
  column is written once, when the item is registered.

Same SQL on both databases (an expression in an index column must be in parentheses on
PostgreSQL).
"""

import peewee as pw
from peewee_migrate import Migrator

UP = (
    "CREATE INDEX item_number_order ON items ((length(number)), number, id)",
    "CREATE INDEX item_status_number_order ON items (status, (length(number)), number, id)",
    "DROP INDEX IF EXISTS item_status",
    "CREATE INDEX item_registered_at_id ON items (registered_at, id)",
)
DOWN = (
    "DROP INDEX IF EXISTS item_number_order",
    "DROP INDEX IF EXISTS item_status_number_order",
    "DROP INDEX IF EXISTS item_registered_at_id",
    'CREATE INDEX IF NOT EXISTS item_status ON "items" ("status")',
)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Index the list's number order (whole and by status) and its newest-first order."""
    for sql in UP:
        migrator.sql(sql)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Back to the status index and no list-order indexes."""
    for sql in DOWN:
        migrator.sql(sql)
