from __future__ import annotations

import peewee as pw

from tracker.core.db import BaseModel


class Scorecard(BaseModel):
    """定考核办法: a named set of weighted criteria (DOMAIN.md §9)."""

    name = pw.CharField(max_length=100, unique=True)
    applies_to = pw.CharField(max_length=10, default="lead")  # lead (answering) / co
    is_default = pw.BooleanField(default=False)
    active = pw.BooleanField(default=True)
    description = pw.TextField(default="")

    class Meta:
        table_name = "scorecards"


class Criterion(BaseModel):
    scorecard = pw.ForeignKeyField(Scorecard, backref="criteria", on_delete="CASCADE", index=False)  # a composite index starts with it (006)
    key = pw.CharField(max_length=40)
    label = pw.CharField(max_length=100)
    weight = pw.IntegerField()
    method = pw.CharField(max_length=10, default="auto")  # auto / manual
    position = pw.IntegerField(default=0)

    class Meta:
        table_name = "criteria"
        indexes = ((("scorecard", "key"), True),)
