"""Named queries over items."""

from __future__ import annotations

import datetime as dt

import peewee as pw

from tracker.core.enums import AssignmentStatus
from tracker.items.models import Item

# Assignment states in which the unit still owes its act (reply or co opinion).
OWING = (
    AssignmentStatus.PENDING_RECEIPT.value,
    AssignmentStatus.HANDLING.value,
    AssignmentStatus.RETURN_REQUESTED.value,
    AssignmentStatus.REHANDLING.value,
)


def owing_assignments():
    from tracker.assignments.models import Assignment

    return Assignment.select().where(Assignment.status.in_(OWING))


def overdue_assignments(today: dt.date):
    from tracker.assignments.models import Assignment

    return owing_assignments().where(Assignment.current_due < today)


def text_filter(q: str) -> pw.Expression:
    pattern = f"%{q.strip()}%"
    return (Item.number == q.strip()) | Item.title.contains(q.strip()) | Item.content ** pattern


def filtered_items(*, session_id=None, kind=None, status=None, tier=None, unit_id=None,
                   overdue=False, due_within_days=None, q=None, is_key=None,
                   today: dt.date) -> pw.ModelSelect:
    from tracker.assignments.models import Assignment

    query = Item.select()
    if session_id:
        query = query.where(Item.session == session_id)
    if kind:
        query = query.where(Item.kind == kind)
    if status:
        query = query.where(Item.status == status)
    if tier:
        query = query.where(Item.tier == tier)
    if is_key is not None:
        query = query.where(Item.is_key == is_key)
    if unit_id:
        query = query.where(
            Item.id.in_(Assignment.select(Assignment.item).where(Assignment.unit == unit_id))
        )
    if overdue:
        query = query.where(Item.id.in_(overdue_assignments(today).select(Assignment.item)))
    if due_within_days is not None:
        horizon = today + dt.timedelta(days=int(due_within_days))
        query = query.where(Item.id.in_(
            owing_assignments()
            .where((Assignment.current_due >= today) & (Assignment.current_due <= horizon))
            .select(Assignment.item)
        ))
    if q and q.strip():
        query = query.where(text_filter(q))
    return query
