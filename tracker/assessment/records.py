"""Assessment records: the office's manual scores and the per-unit adjustments.

(Kept apart from ``assessment/models.py`` because ``assignments/models.py`` imports the
Scorecard from there, and these rows point at assignments: one module each way avoids a
circular import.)
"""

from __future__ import annotations

import peewee as pw

from tracker.accounts.models import User
from tracker.assessment.models import Criterion
from tracker.assignments.models import Assignment
from tracker.core.db import BaseModel, UTCDateTimeField
from tracker.items.models import Session
from tracker.units.models import Unit


class ManualScore(BaseModel):
    """The office's score of a manual criterion (e.g. reply quality) for one assignment.

    One row per (assignment, criterion); every change is also written to the audit log.
    """

    assignment = pw.ForeignKeyField(Assignment, backref="manual_scores", on_delete="CASCADE", index=False)  # a composite index starts with it (006)
    criterion = pw.ForeignKeyField(Criterion, backref="+", on_delete="CASCADE")
    points = pw.FloatField()
    note = pw.TextField(default="")
    by = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    at = UTCDateTimeField()

    class Meta:
        table_name = "manual_scores"
        indexes = ((("assignment", "criterion"), True),)


class Adjustment(BaseModel):
    """A per-unit item of a session's assessment, outside the items' scores:
    ``organisational`` adds points (ledger kept, summary filed ...), ``deduction`` removes them
    (office circulars, other deductions). Red slips are deducted automatically (not stored)."""

    unit = pw.ForeignKeyField(Unit, backref="+", on_delete="CASCADE")
    session = pw.ForeignKeyField(Session, backref="+", on_delete="CASCADE", index=False)  # a composite index starts with it (006)
    kind = pw.CharField(max_length=20)  # organisational / deduction
    points = pw.FloatField()  # always positive; kind gives the sign
    reason = pw.TextField()
    by = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    at = UTCDateTimeField()

    class Meta:
        table_name = "assessment_adjustments"
        indexes = ((("session", "unit"), False),)
