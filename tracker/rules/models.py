"""Rule profiles (clocks), the working calendar, settings and the 3+1 checklist: all data."""

from __future__ import annotations

import peewee as pw

from tracker.core.db import BaseModel, JSONField, UTCDateTimeField


class RuleProfile(BaseModel):
    name = pw.CharField(max_length=100, unique=True)
    is_default = pw.BooleanField(default=False)
    # {clock_key: {"amount": int, "unit": "working_day|calendar_day|calendar_month"}}
    clocks = JSONField()
    roll_forward = pw.BooleanField(default=True)
    # office review of department-tier replies (leader-led and office-supervised always reviewed)
    review_department_replies = pw.BooleanField(default=False)
    checklist_blocks_closeout = pw.BooleanField(default=False)
    clocks_run_during_return = pw.BooleanField(default=True)
    # what the reply clock counts from: assigned (交办日), session_closed (闭会日), received (收到日)
    reply_anchor = pw.CharField(max_length=20, default="assigned")
    updated_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "rule_profiles"


class CalendarDay(BaseModel):
    """A day that differs from the Monday–Friday pattern, or an administrator's correction."""

    day = pw.DateField(unique=True)
    is_workday = pw.BooleanField()
    name = pw.CharField(max_length=50, default="")
    source = pw.CharField(max_length=10, default="package")  # package / admin
    reason = pw.CharField(max_length=200, default="")
    updated_by = pw.IntegerField(null=True)
    updated_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "calendar_days"


class Setting(BaseModel):
    key = pw.CharField(max_length=100, primary_key=True)
    value = JSONField(null=True)

    class Meta:
        table_name = "settings"


class ChecklistEntry(BaseModel):
    """One line of the "3+1" checklist of a tier (DOMAIN.md §4)."""

    tier = pw.CharField(max_length=30, index=True)
    requirement = pw.CharField(max_length=40)  # see tracker.replies.checklist.REQUIREMENTS
    label = pw.CharField(max_length=100)
    position = pw.IntegerField(default=0)
    active = pw.BooleanField(default=True)

    class Meta:
        table_name = "checklist_entries"
