from __future__ import annotations

import peewee as pw

from tracker.core.db import BaseModel, JSONField, UTCDateTimeField


class AuditEntry(BaseModel):
    """Append-only: who, when, what, before and after. The item's timeline reads from here.

    ``action`` uses the timeline types of API.md (registered, assigned, received, ...).
    """

    at = UTCDateTimeField(index=True)
    actor_id = pw.IntegerField(null=True)
    actor_name = pw.CharField(max_length=100, default="系统")
    action = pw.CharField(max_length=40, index=True)
    object_type = pw.CharField(max_length=30)
    object_id = pw.IntegerField(null=True)
    item_id = pw.IntegerField(null=True)
    unit_id = pw.IntegerField(null=True)
    before = JSONField(null=True)
    after = JSONField(null=True)
    detail = pw.TextField(default="")

    class Meta:
        table_name = "audit_entries"
        indexes = ((("item_id", "at"), False), (("object_type", "object_id"), False))
