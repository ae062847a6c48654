from __future__ import annotations

import peewee as pw

from tracker.accounts.models import User
from tracker.assignments.models import Assignment
from tracker.core.db import BaseModel, JSONField, UTCDateTimeField
from tracker.core.enums import CommitmentStatus, Publish, ReplyStatus
from tracker.items.models import Item, Submitter


class Reply(BaseModel):
    """答复: drafted by the handler, signed off, co-signed, reviewed, sent."""

    assignment = pw.ForeignKeyField(Assignment, backref="replies", on_delete="CASCADE", index=False)  # a composite index starts with it (006)
    round = pw.IntegerField(default=1)
    status = pw.CharField(max_length=30, default=ReplyStatus.DRAFT.value)
    version = pw.IntegerField(default=1)
    cycle = pw.IntegerField(default=0)  # incremented at each submission for sign-off
    result_class = pw.CharField(max_length=1)
    text = pw.TextField()
    contact_name = pw.CharField(max_length=100, default="")
    contact_phone = pw.CharField(max_length=50, default="")
    publish = pw.CharField(max_length=10, default=Publish.FULL.value)
    doc_number = pw.CharField(max_length=100, default="")  # 文号
    created_by = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()
    signed_off_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    signed_off_at = UTCDateTimeField(null=True)
    reviewed_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    reviewed_at = UTCDateTimeField(null=True)
    return_reason = pw.TextField(default="")
    sent_at = UTCDateTimeField(null=True)
    sent_on = pw.DateField(null=True)
    published_on = pw.DateField(null=True)
    # The commitments a draft promises ([{"text", "due_date"}]); Commitment rows are made when sent.
    planned_commitments = JSONField(null=True)

    class Meta:
        table_name = "replies"
        indexes = ((("assignment", "round"), True),)  # one reply per unit and round


class ReplyCosign(BaseModel):
    """会签: a co unit's agreement to the lead's draft (per submission cycle)."""

    reply = pw.ForeignKeyField(Reply, backref="cosigns", on_delete="CASCADE", index=False)  # a composite index starts with it (006)
    assignment = pw.ForeignKeyField(Assignment, backref="cosigns", on_delete="CASCADE")
    cycle = pw.IntegerField()
    decision = pw.CharField(max_length=10)  # approve / return
    reason = pw.TextField(default="")
    by = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    at = UTCDateTimeField()

    class Meta:
        table_name = "reply_cosigns"
        indexes = ((("reply", "assignment", "cycle"), True),)


class Commitment(BaseModel):
    """承诺事项: something a reply promises, tracked until kept."""

    reply = pw.ForeignKeyField(Reply, backref="commitments", on_delete="CASCADE")
    assignment = pw.ForeignKeyField(Assignment, backref="commitments", on_delete="CASCADE")
    text = pw.TextField()
    due_on = pw.DateField(index=True)
    status = pw.CharField(max_length=15, default=CommitmentStatus.OPEN.value)
    version = pw.IntegerField(default=1)
    fulfilled_on = pw.DateField(null=True)
    fulfilled_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    evidence = pw.TextField(default="")
    carry_reason = pw.TextField(default="")

    class Meta:
        table_name = "commitments"
        indexes = ((("status", "due_on"), False),)  # open commitments by date: overdue list, sweep


class Feedback(BaseModel):
    """征询意见: one submitter's rating of one round (DOMAIN.md §7)."""

    item = pw.ForeignKeyField(Item, backref="feedback", on_delete="CASCADE", index=False)  # a composite index starts with it (006)
    submitter = pw.ForeignKeyField(Submitter, backref="feedback", on_delete="CASCADE")
    round = pw.IntegerField(default=1)
    work = pw.CharField(max_length=25)
    result = pw.CharField(max_length=25)
    adoption = pw.CharField(max_length=20, default="")
    contacted = pw.BooleanField(null=True)
    contact_method = pw.CharField(max_length=10, default="")
    comment = pw.TextField(default="")
    source = pw.CharField(max_length=20)  # online / paper / window_expired
    entered_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = UTCDateTimeField()
    resolution = pw.TextField(default="")  # office decision on 不满意 without re-handling

    class Meta:
        table_name = "feedback"
        indexes = ((("item", "submitter", "round"), True),)


class Attachment(BaseModel):
    """An uploaded file, stored outside static/ under a random name."""

    reply = pw.ForeignKeyField(Reply, null=True, backref="attachments", on_delete="CASCADE")
    item = pw.ForeignKeyField(Item, backref="attachments", on_delete="CASCADE")
    filename = pw.CharField(max_length=255)
    stored_name = pw.CharField(max_length=64, unique=True)
    content_type = pw.CharField(max_length=100)
    size = pw.IntegerField()
    sha256 = pw.CharField(max_length=64)
    uploaded_by = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    uploaded_at = UTCDateTimeField()

    class Meta:
        table_name = "attachments"
