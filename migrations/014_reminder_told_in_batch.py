"""Peewee migrations -- 014_reminder_told_in_batch.py.

An Excel import tells each unit once (one 交办通知 per unit) instead of once per item; the
import records each imported assignment's 交办通知 reminder as sent by that notice, so the daily
sweep does not tell the unit again item by item. ``told_in_batch`` is how many people that one
notice told about the assignment (the item's reminders panel counts them with the reminder's own
notifications).
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("reminders", told_in_batch=pw.IntegerField(default=0))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("reminders", "told_in_batch")
