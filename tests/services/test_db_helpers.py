"""Query helpers of ``core.db`` on the live database (SQLite, and PostgreSQL in its run)."""

from __future__ import annotations

from tracker.audit import services as audit
from tracker.audit.models import AuditEntry
from tracker.core.db import distinct_values
from tracker.handling.models import Contact


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
