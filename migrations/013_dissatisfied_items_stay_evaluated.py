"""Peewee migrations -- 013_dissatisfied_items_stay_evaluated.py.

An item whose current round was rated 不满意, and which the office has neither re-handled nor
decided on, stays 已测评 (``evaluated``) even when its reply made commitments
(``items.services.dissatisfied_unresolved``). Items stored before that rule as 承诺跟踪
(``follow_up``) in that state move back here, so the office's queues and the status filter agree
with the item page; their version moves on, as any change of status does.
"""

import peewee as pw
from peewee_migrate import Migrator

UP = ("UPDATE items SET status = 'evaluated', version = version + 1 "
      "WHERE status = 'follow_up' AND EXISTS (SELECT 1 FROM feedback f WHERE f.item_id = items.id "
      "AND f.round = (SELECT COALESCE(MAX(a.round), 1) FROM assignments a WHERE a.item_id = items.id) "
      "AND (f.work = 'dissatisfied' OR f.result = 'dissatisfied') "
      "AND (f.resolution = '' OR f.resolution IS NULL))",)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Move 承诺跟踪 items with an undecided 不满意 back to 已测评."""
    for sql in UP:
        migrator.sql(sql)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Nothing to undo: the status is the one the item's rules give it."""
