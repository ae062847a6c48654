"""Query helpers of ``core.db`` on the live database (SQLite, and PostgreSQL in its run)."""

from __future__ import annotations

import datetime as dt

from tracker.audit import services as audit
from tracker.audit.models import AuditEntry
from tracker.core import db as core_db
from tracker.core.db import distinct_values, insert_rows
from tracker.handling.models import Contact
from tracker.reminders.models import Reminder, ReminderRule


def _select_distinct(field) -> list:
    return sorted(v for (v,) in field.model.select(field).distinct().tuples() if v is not None)


def test_distinct_values_are_what_select_distinct_gives_in_order(ctx):
    for action, object_type in [("b_action", "x"), ("a_action", ""), ("b_action", "y"), ("zz", "x"), ("a_action", "y")]:
        AuditEntry.create(**audit.entry(action, object_type, None))
    actions, objects = distinct_values(AuditEntry.action), distinct_values(AuditEntry.object_type)
    assert {"a_action", "b_action", "zz"} <= set(actions) and {"", "x", "y"} <= set(objects)
    assert actions == _select_distinct(AuditEntry.action)
    assert objects == _select_distinct(AuditEntry.object_type)
    assert distinct_values(Contact.method) == []  # an empty table


def test_insert_rows_writes_what_peewee_writes_and_skips_conflicts(ctx, monkeypatch):
    at = dt.datetime(2026, 3, 5, 1, 2, 3, tzinfo=dt.UTC)
    expected = ReminderRule.create(key="t_by_peewee", label="甲", event="reply_due", recipients=["handler", "office"],
                                   updated_at=at)
    [(rule_id,)] = insert_rows(ReminderRule, [{"key": "t_by_rows", "label": "甲", "event": "reply_due",
                                               "recipients": ["handler", "office"], "updated_at": at}],
                               returning=(ReminderRule.id,))
    fields = [f for f in ReminderRule._meta.sorted_fields if f.name not in ("id", "key")]
    written = ReminderRule.get_by_id(rule_id)
    assert [getattr(written, f.name) for f in fields] == [getattr(expected, f.name) for f in fields]
    assert written.offset_unit == "working_day" and written.active is True  # the fields' defaults

    monkeypatch.setattr(core_db, "_MAX_PARAMS", 12)  # two rows a statement: several statements
    day = dt.date(2026, 3, 9)
    Reminder.create(key="k2", rule_key="r", due_on=day, created_at=at)
    rows = [{"key": f"k{i}", "rule_key": "r", "item": None, "assignment": None, "commitment": None,
             "due_on": day, "created_at": at} for i in range(5)]
    returned = insert_rows(Reminder, rows, returning=(Reminder.key,), ignore_conflicts=True)
    assert sorted(key for (key,) in returned) == ["k0", "k1", "k3", "k4"]  # k2 was there: skipped, not named
    assert Reminder.select().count() == 5
    assert {(r.due_on, r.created_at) for r in Reminder.select()} == {(day, at)}
