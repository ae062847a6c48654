"""Named queries over items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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


# --- the item list: sorting and one batch of details per page (no N+1) ---------------------

SORTS = ("number", "-number", "status", "due", "-due", "-registered")


def _status_rank() -> pw.Node:
    from tracker.core.enums import ItemStatus

    return pw.Case(Item.status, [(s.value, i) for i, s in enumerate(ItemStatus)], 99)


def _answer_due() -> pw.Node:
    """The earliest date an answering unit still owes its reply (correlated subquery)."""
    from tracker.assignments.models import Assignment
    from tracker.core.enums import HandlingRole

    inner = Assignment.alias("due_a")
    return (inner.select(pw.fn.MIN(inner.current_due))
            .where((inner.item == Item.id) & inner.status.in_(OWING)
                   & (inner.role != HandlingRole.CO.value)))


def sort_items(query: pw.ModelSelect, key: str | None) -> pw.ModelSelect:
    """Order an item query by a list column: number (numeric-aware), status, due date, newest."""
    number = (pw.fn.LENGTH(Item.number), Item.number)
    if key == "-number":
        return query.order_by(*(f.desc() for f in number), Item.id.desc())
    if key == "status":
        return query.order_by(_status_rank(), *number, Item.id)
    if key in ("due", "-due"):
        due = _answer_due()
        order = pw.Ordering(due, "ASC" if key == "due" else "DESC", nulls="LAST")
        return query.order_by(order, *number, Item.id)
    if key == "-registered":
        return query.order_by(Item.registered_at.desc(), Item.id.desc())
    return query.order_by(*number, Item.id)


@dataclass
class ItemRow:
    """One row of the item list with what the page shows besides the item's own fields."""

    item: Item
    lead: str = ""
    cosigners: int = 0
    assignments: list = field(default_factory=list)  # active (not returned), lead/sole first
    due: dt.date | None = None  # earliest reply date an answering unit still owes


def list_rows(items: list[Item]) -> list[ItemRow]:
    """Submitters and assignments (with units) for a page of items in two queries."""
    from tracker.assignments.models import Assignment
    from tracker.core.enums import HandlingRole, SubmitterRole
    from tracker.items.models import Submitter
    from tracker.units.models import Unit

    rows = {item.id: ItemRow(item) for item in items}
    if not rows:
        return []
    for sub in (Submitter.select().where(Submitter.item.in_(list(rows)))
                .order_by(Submitter.item, Submitter.position, Submitter.id)):
        row = rows[sub.item_id]
        if sub.role == SubmitterRole.LEAD.value and not row.lead:
            row.lead = sub.name
        else:
            row.cosigners += 1
    order = {HandlingRole.LEAD.value: 0, HandlingRole.SOLE.value: 0, HandlingRole.SEPARATE.value: 1,
             HandlingRole.CO.value: 2}
    assignments = (Assignment.select(Assignment, Unit).join(Unit)
                   .where(Assignment.item.in_(list(rows))
                          & (Assignment.status != AssignmentStatus.RETURNED.value)))
    for a in sorted(assignments, key=lambda a: (order.get(a.role, 3), a.id)):
        row = rows[a.item_id]
        row.assignments.append(a)
        if a.role != HandlingRole.CO.value and a.status in OWING and (row.due is None or a.current_due < row.due):
            row.due = a.current_due
    return [rows[item.id] for item in items]
