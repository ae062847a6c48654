from __future__ import annotations

import peewee as pw

from tracker.accounts.models import User
from tracker.assignments.models import Assignment
from tracker.core.db import BaseModel, JSONField, UTCDateTimeField
from tracker.items.models import Item
from tracker.replies.models import Commitment


class ReminderRule(BaseModel):
    """A row of the reminder schedule of DOMAIN.md §10 (editable data)."""

    key = pw.CharField(max_length=40, unique=True)
    label = pw.CharField(max_length=100)
    event = pw.CharField(max_length=40)  # which clock / date it watches (see reminders.rules)
    offset = pw.IntegerField(default=0)  # negative = before, positive = after the date
    offset_unit = pw.CharField(max_length=15, default="working_day")
    recipients = JSONField()  # ["handler", "unit_leader", "office", "city_leader", ...]
    slip = pw.CharField(max_length=10, default="")  # blue / orange / red
    active = pw.BooleanField(default=True)
    condition = pw.CharField(max_length=20, default="")  # extra condition, see reminders.rules
    position = pw.IntegerField(default=0)
    updated_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "reminder_rules"


class Reminder(BaseModel):
    """One due reminder, created once per (assignment or commitment, rule, due date)."""

    key = pw.CharField(max_length=120, unique=True)
    rule_key = pw.CharField(max_length=40)
    item = pw.ForeignKeyField(Item, null=True, backref="+", on_delete="CASCADE", index=False)  # a composite index starts with it (006)
    assignment = pw.ForeignKeyField(Assignment, null=True, backref="reminders", on_delete="CASCADE", index=False)  # a composite index starts with it (006)
    commitment = pw.ForeignKeyField(Commitment, null=True, backref="reminders", on_delete="CASCADE")
    due_on = pw.DateField()  # the watched date (reply due, receipt due, commitment due ...)
    created_at = UTCDateTimeField()
    # people told by an import's one 交办通知 per unit, a notice linked to no single reminder
    # (sweep.record_batch_notice); those linked to this reminder are its notifications
    told_in_batch = pw.IntegerField(default=0)

    class Meta:
        table_name = "reminders"
        indexes = ((("assignment", "rule_key"), False), (("item", "created_at"), False))


class Notification(BaseModel):
    """What a person is told: shown in-app, and mailed by the outbox delivery job."""

    user = pw.ForeignKeyField(User, backref="notifications", on_delete="CASCADE", index=False)  # a composite index starts with it (006)
    kind = pw.CharField(max_length=20, default="event")  # event / reminder / slip / report
    title = pw.CharField(max_length=200)
    body = pw.TextField(default="")
    item = pw.ForeignKeyField(Item, null=True, backref="+", on_delete="CASCADE")
    reminder = pw.ForeignKeyField(Reminder, null=True, backref="notifications", on_delete="CASCADE", index=False)  # a composite index starts with it (006)
    created_at = UTCDateTimeField()
    read_at = UTCDateTimeField(null=True)
    # e-mail delivery (outbox)
    email_status = pw.CharField(
        max_length=10, default="pending"
    )  # pending / sending / sent / failed / skipped
    email_attempts = pw.IntegerField(default=0)
    email_next_at = UTCDateTimeField(null=True)
    email_error = pw.TextField(default="")
    emailed_at = UTCDateTimeField(null=True)
    # text message (SMS gateway): "" = not wanted, pending / sent / failed / skipped
    sms_status = pw.CharField(max_length=10, default="")

    class Meta:
        table_name = "notifications"
        indexes = (
            (("reminder", "user"), True),
            (("user", "read_at"), False),
            (("email_status", "email_next_at"), False),
        )


class Slip(BaseModel):
    """督办单 (blue / orange / red) or a manual 催办 by the office."""

    assignment = pw.ForeignKeyField(Assignment, backref="slips", on_delete="CASCADE", index=False)  # a composite index starts with it (006)
    color = pw.CharField(max_length=10)  # blue / orange / red / urge
    issued_on = pw.DateField()
    issued_at = UTCDateTimeField()
    issued_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    reason = pw.TextField(default="")
    key = pw.CharField(max_length=120, null=True, unique=True)  # automatic slips: once per step

    class Meta:
        table_name = "slips"
        indexes = ((("assignment", "issued_at"), False), (("issued_on",), False))


class SchedulerLease(BaseModel):
    """Only the holder of an unexpired lease runs the scheduler's jobs."""

    name = pw.CharField(max_length=50, primary_key=True)
    holder = pw.CharField(max_length=100)
    expires_at = UTCDateTimeField()

    class Meta:
        table_name = "scheduler_leases"
