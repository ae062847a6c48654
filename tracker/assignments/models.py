from __future__ import annotations

import peewee as pw

from tracker.accounts.models import User
from tracker.assessment.models import Scorecard
from tracker.core.db import BaseModel, UTCDateTimeField
from tracker.core.enums import ANSWERING_ROLES, AssignmentStatus, HandlingRole
from tracker.items.models import Item
from tracker.units.models import Unit


class Assignment(BaseModel):
    """One unit's part of an item, with the five fixes (五定) and its computed dates."""

    item = pw.ForeignKeyField(Item, backref="assignments", on_delete="CASCADE", index=False)  # a composite index starts with it (006)
    unit = pw.ForeignKeyField(Unit, backref="assignments", on_delete="RESTRICT", index=False)  # a composite index starts with it (006)
    role = pw.CharField(max_length=10)
    status = pw.CharField(max_length=20, default=AssignmentStatus.PENDING_RECEIPT.value)
    version = pw.IntegerField(default=1)
    round = pw.IntegerField(default=1)  # 2+ after re-handling
    # the five fixes
    task = pw.TextField(default="")  # 定任务
    responsible_leader = pw.CharField(max_length=100, default="")  # 定责任: unit leader in charge
    handler = pw.ForeignKeyField(User, null=True, backref="handled_assignments", on_delete="SET NULL")
    handler_phone = pw.CharField(max_length=50, default="")  # 定人员
    scorecard = pw.ForeignKeyField(Scorecard, null=True, on_delete="SET NULL")  # 定考核办法
    # 定时限: local dates, inclusive last days
    assigned_on = pw.DateField(index=True)  # the desk's latest assignment days (migration 010)
    receipt_due = pw.DateField()
    return_due = pw.DateField()
    first_contact_due = pw.DateField()
    co_opinion_due = pw.DateField(null=True)
    reply_due = pw.DateField()  # as assigned (the original date stays visible)
    reply_due_set_by_office = pw.BooleanField(default=False)  # edited at assignment: not recomputed
    reply_due_max = pw.DateField()  # the 6-month cap
    extended_due = pw.DateField(null=True)  # approved extension (延期至)
    rehandle_due = pw.DateField(null=True)  # re-handling round's date
    # The date the act is due now (rehandle > extension > original); kept by the services, indexed.
    current_due = pw.DateField(index=True)
    assigned_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    received_at = UTCDateTimeField(null=True)
    received_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    first_contact_on = pw.DateField(null=True)
    opinion_submitted_on = pw.DateField(null=True)
    replied_on = pw.DateField(null=True)
    reassigned_from = pw.ForeignKeyField("self", null=True, backref="+", on_delete="SET NULL")
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()

    class Meta:
        table_name = "assignments"
        indexes = (
            (("unit", "status"), False),
            # overdue / due-soon replies and co opinions: role and item in the index too, so the
            # overdue list finds its rows without reading the assignments (migration 005)
            (("status", "current_due", "role", "item"), False),
            (("item", "unit", "round"), False),
            (("status", "co_opinion_due", "role", "item"), False),
        )

    @property
    def is_answering(self) -> bool:
        return HandlingRole(self.role) in ANSWERING_ROLES

    @property
    def is_co(self) -> bool:
        return self.role == HandlingRole.CO.value

    @property
    def is_void(self) -> bool:
        return self.status == AssignmentStatus.RETURNED.value


class ReturnRequest(BaseModel):
    """申退: a unit says the item is not its remit."""

    assignment = pw.ForeignKeyField(Assignment, backref="return_requests", on_delete="CASCADE")
    reason = pw.TextField()
    status = pw.CharField(max_length=10, default="pending")
    late_override = pw.BooleanField(default=False)
    requested_at = UTCDateTimeField()
    requested_by = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    decision_due = pw.DateField(null=True)
    decided_at = UTCDateTimeField(null=True)
    decided_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    decision_note = pw.TextField(default="")

    class Meta:
        table_name = "return_requests"


class ExtensionRequest(BaseModel):
    """延期申请: a new reply date with a reason, decided by the office."""

    assignment = pw.ForeignKeyField(Assignment, backref="extension_requests", on_delete="CASCADE")
    old_due = pw.DateField()
    requested_due = pw.DateField()
    reason = pw.TextField()
    status = pw.CharField(max_length=10, default="pending")
    requested_at = UTCDateTimeField()
    requested_by = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    decided_at = UTCDateTimeField(null=True)
    decided_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    decision_note = pw.TextField(default="")

    class Meta:
        table_name = "extension_requests"
