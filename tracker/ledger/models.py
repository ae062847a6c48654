from __future__ import annotations

import peewee as pw

from tracker.accounts.models import User
from tracker.core.db import BaseModel, JSONField, UTCDateTimeField
from tracker.items.models import Session


class DispatchReport(BaseModel):
    """定期调度通报: a snapshot of progress per unit on a date, kept in a history.

    One report per (date, scope): ``scope`` is ``"all"`` (every session still being handled)
    or ``"session:<id>"``; regenerating replaces the data of the same row.
    """

    as_of = pw.DateField()  # the (as_of, scope) index serves it (006)
    scope = pw.CharField(max_length=30, default="all")
    session = pw.ForeignKeyField(Session, null=True, backref="+", on_delete="CASCADE")
    title = pw.CharField(max_length=200)
    data = JSONField()
    automatic = pw.BooleanField(default=False)  # made by the weekly job
    created_at = UTCDateTimeField()
    created_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    updated_at = UTCDateTimeField()
    updated_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    generations = pw.IntegerField(default=1)

    class Meta:
        table_name = "dispatch_reports"
        indexes = ((("as_of", "scope"), True),)
