"""Peewee migrations -- 007_reply_anchor.py.

The reply clock's anchor (DOMAIN.md §3: "anchor may be 交办日, 闭会日 or 收到日") becomes a
setting of the rule profile: ``assigned`` (the default, as before), ``session_closed`` (the
session's 闭会日) or ``received`` (the item's 收到日).
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("rule_profiles", reply_anchor=pw.CharField(max_length=20, default="assigned"))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("rule_profiles", "reply_anchor")
