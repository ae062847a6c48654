from __future__ import annotations

import peewee as pw

from tracker.accounts.models import Person, User
from tracker.core.db import BaseModel, UTCDateTimeField
from tracker.core.enums import ItemStatus, SubmitterRole, Tier
from tracker.rules.models import RuleProfile


class Session(BaseModel):
    """会次 / 批次: e.g. 市十七届人大四次会议, or a 闭会期间 batch."""

    body = pw.CharField(max_length=10)  # npc / cppcc / other
    name = pw.CharField(max_length=200)
    year = pw.IntegerField()
    opened_on = pw.DateField(null=True)
    closed_on = pw.DateField(null=True)  # 闭会日
    # An absolute reply date for the whole session (e.g. "reply by 06-30") wins over the clock.
    reply_due_absolute = pw.DateField(null=True)
    profile = pw.ForeignKeyField(RuleProfile, null=True, on_delete="SET NULL")
    created_at = UTCDateTimeField()

    class Meta:
        table_name = "sessions"
        indexes = ((("body", "name"), True),)


TITLE_MAX_LENGTH = 300  # one limit for the form, the API and the Excel import


class Item(BaseModel):
    """A suggestion, a proposal (or a later kind): one row per case number per session."""

    kind = pw.CharField(max_length=30)
    session = pw.ForeignKeyField(Session, backref="items", on_delete="RESTRICT", index=False)  # a composite index starts with it (006)
    number = pw.CharField(max_length=30)
    title = pw.CharField(max_length=TITLE_MAX_LENGTH)
    content = pw.TextField(default="")
    category = pw.CharField(max_length=50, default="", index=True)  # the categories in use (migration 011)
    tier = pw.CharField(max_length=30, default=Tier.DEPARTMENT.value)
    is_key = pw.BooleanField(default=False)
    from_motion = pw.BooleanField(default=False)  # 议案转建议
    handling_mode = pw.CharField(max_length=20, default="")
    # indexed by item_status_number_order (status, length(number), number, id), migration 009
    status = pw.CharField(max_length=20, default=ItemStatus.REGISTERED.value, index=False)
    version = pw.IntegerField(default=1)
    leader = pw.ForeignKeyField(User, null=True, backref="led_items", on_delete="SET NULL")
    merged_into = pw.ForeignKeyField("self", null=True, backref="merged_children", on_delete="SET NULL")
    received_on = pw.DateField(null=True)  # 收到日
    registered_at = UTCDateTimeField()
    registered_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    updated_at = UTCDateTimeField(index=True)  # MAX(updated_at): the similarity index's freshness
    closed_at = UTCDateTimeField(null=True)
    close_note = pw.TextField(default="")
    archived_at = UTCDateTimeField(null=True)
    note = pw.TextField(default="")  # 备注

    class Meta:
        table_name = "items"
        indexes = (
            (("session", "kind", "number"), True),
            (("session", "status"), False),
        )

    @property
    def is_read_only(self) -> bool:
        from tracker.items.workflow import ITEM_READ_ONLY

        return ItemStatus(self.status) in ITEM_READ_ONLY


class Submitter(BaseModel):
    """领衔人 / 附议人: every submitter gets the reply and may rate it."""

    item = pw.ForeignKeyField(Item, backref="submitters", on_delete="CASCADE")
    name = pw.CharField(max_length=100)
    role = pw.CharField(max_length=10, default=SubmitterRole.LEAD.value)
    person = pw.ForeignKeyField(Person, null=True, backref="submissions", on_delete="SET NULL", index=False)  # a composite index starts with it (006)
    position = pw.IntegerField(default=0)

    class Meta:
        table_name = "submitters"
        indexes = ((("person", "item"), False),)


class Instruction(BaseModel):
    """领导批示 on an item."""

    item = pw.ForeignKeyField(Item, backref="instructions", on_delete="CASCADE")
    author = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    text = pw.TextField()
    created_at = UTCDateTimeField()

    class Meta:
        table_name = "instructions"
