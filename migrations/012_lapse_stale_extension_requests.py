"""Peewee migrations -- 012_lapse_stale_extension_requests.py.

An extension request nobody decided now lapses (status ``lapsed``) when the unit's answer goes
out or the assignment is returned (``handling.lapse_pending_extensions``). Requests left
pending before that rule, on assignments that are no longer being handled, lapse here: else
the office's desk kept offering them, and approving one moved a later round's clock.
"""

import peewee as pw
from peewee_migrate import Migrator

UP = ("UPDATE extension_requests SET status = 'lapsed', "
      "decision_note = '答复已发送或承办任务已退回（升级时失效）' "
      "WHERE status = 'pending' AND assignment_id IN (SELECT id FROM assignments "
      "WHERE status NOT IN ('handling', 'return_requested', 'rehandling'))",)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Lapse the pending requests of assignments no longer being handled."""
    for sql in UP:
        migrator.sql(sql)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Nothing to undo: a lapsed request stays lapsed (it could not be decided anyway)."""
