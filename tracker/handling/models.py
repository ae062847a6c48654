from __future__ import annotations

import peewee as pw

from tracker.accounts.models import User
from tracker.assignments.models import Assignment
from tracker.core.db import BaseModel, UTCDateTimeField


class ProgressNote(BaseModel):
    """办理进展."""

    assignment = pw.ForeignKeyField(Assignment, backref="progress_notes", on_delete="CASCADE")
    text = pw.TextField()
    author = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    created_at = UTCDateTimeField()

    class Meta:
        table_name = "progress_notes"


class Contact(BaseModel):
    """A contact with the submitters (办前/办中/办后沟通)."""

    assignment = pw.ForeignKeyField(Assignment, backref="contacts", on_delete="CASCADE")
    stage = pw.CharField(max_length=10)
    method = pw.CharField(max_length=10)
    contact_on = pw.DateField()
    participants = pw.CharField(max_length=300, default="")
    summary = pw.TextField(default="")
    author = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    created_at = UTCDateTimeField()

    class Meta:
        table_name = "contacts"


class CoOpinion(BaseModel):
    """会办意见: a co unit's opinion sent to the lead unit."""

    assignment = pw.ForeignKeyField(Assignment, backref="co_opinions", on_delete="CASCADE")
    text = pw.TextField()
    author = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    submitted_on = pw.DateField()
    created_at = UTCDateTimeField()

    class Meta:
        table_name = "co_opinions"
