"""Peewee migrations -- 006_drop_prefix_indexes.py.

Seventeen single-column indexes (most of them the ones peewee adds to every foreign key)
repeated the first column of a composite index on the same table, e.g. ``assignments
(item_id)`` beside ``assignments (item_id, unit_id, round)``. Both databases answer a search
on the leading column from the composite index alike, so the single ones only cost: every
insert and every update of the column wrote them too (an import of 5,000 items wrote
~25,000 index entries to them). The models declare these foreign keys ``index=False``;
``tests/services/test_migrations.py`` keeps a new prefix duplicate from coming back.
"""

import peewee as pw
from peewee_migrate import Migrator

# index name -> (table, column)
DROPPED = {
    "adjustment_session_id": ("assessment_adjustments", "session_id"),
    "item_session_id": ("items", "session_id"),
    "assignment_unit_id": ("assignments", "unit_id"),
    "assignment_item_id": ("assignments", "item_id"),
    "reply_assignment_id": ("replies", "assignment_id"),
    "criterion_scorecard_id": ("criteria", "scorecard_id"),
    "dispatchreport_as_of": ("dispatch_reports", "as_of"),
    "submitter_person_id": ("submitters", "person_id"),
    "feedback_item_id": ("feedback", "item_id"),
    "manualscore_assignment_id": ("manual_scores", "assignment_id"),
    "reminder_assignment_id": ("reminders", "assignment_id"),
    "reminder_item_id": ("reminders", "item_id"),
    "notification_reminder_id": ("notifications", "reminder_id"),
    "notification_user_id": ("notifications", "user_id"),
    "objection_assignment_id": ("objections", "assignment_id"),
    "replycosign_reply_id": ("reply_cosigns", "reply_id"),
    "slip_assignment_id": ("slips", "assignment_id"),
}


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the indexes a composite index already leads with."""
    for name in DROPPED:
        migrator.sql(f"DROP INDEX IF EXISTS {name}")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create them again."""
    for name, (table, column) in DROPPED.items():
        migrator.sql(f'CREATE INDEX IF NOT EXISTS {name} ON "{table}" ("{column}")')
