"""Named queries over items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import peewee as pw

from tracker.core.db import contains_text
from tracker.core.enums import AssignmentStatus, CommitmentStatus, ItemStatus
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
    """Assignments with an overdue act (DOMAIN.md §6): the reply or co opinion now due, or the
    receipt (签收) of one not yet signed for."""
    from tracker.assignments.models import Assignment

    return owing_assignments().where(
        (Assignment.current_due < today)
        | ((Assignment.status == AssignmentStatus.PENDING_RECEIPT.value) & (Assignment.receipt_due < today)))


def open_commitments(*columns: pw.Node) -> pw.ModelSelect:
    """Commitments (承诺事项) still owed, as the overdue list counts them: open (neither kept nor
    carried over) and of an assignment not returned; joined to their assignment."""
    from tracker.assignments.models import Assignment
    from tracker.replies.models import Commitment

    return (Commitment.select(*columns).join(Assignment, on=(Commitment.assignment == Assignment.id))
            .where((Commitment.status == CommitmentStatus.OPEN.value)
                   & (Assignment.status != AssignmentStatus.RETURNED.value)))


def commitment_due() -> pw.SelectQuery:
    """(item_id, due): the earliest date of an item's open commitments (:func:`open_commitments`),
    for every item that has one — the date an item in 承诺跟踪 is owed by."""
    from tracker.assignments.models import Assignment
    from tracker.replies.models import Commitment

    return (open_commitments(Assignment.item.alias("item_id"), pw.fn.MIN(Commitment.due_on).alias("due"))
            .group_by(Assignment.item))


def overdue_item_ids(today: dt.date) -> pw.Expression:
    """Items with an overdue act, as the overdue list has them: an assignment's (above) or an open
    commitment past its date."""
    from tracker.assignments.models import Assignment
    from tracker.replies.models import Commitment

    late_commitments = open_commitments(Assignment.item).where(Commitment.due_on < today)
    return Item.id.in_(overdue_assignments(today).select(Assignment.item)) | Item.id.in_(late_commitments)


def text_filter(q: str) -> pw.Expression:
    """The search box (?q=): the 案号 itself, or the text anywhere in the title or content —
    literally: ``%`` and ``_`` are characters to find, not wildcards."""
    text = q.strip()
    return (Item.number == text) | contains_text(Item.title, text) | contains_text(Item.content, text)


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
        query = query.where(overdue_item_ids(today))
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


def sort_items(query: pw.ModelSelect, key: str | None, *, by_index: bool = True) -> pw.ModelSelect:
    """Order an item query by a list column: number (numeric-aware), status, due date, newest.
    ``by_index=False``: the same order, written so that SQLite does not walk an index for it
    (see :func:`_number_order`)."""
    number = _number_order(by_index=by_index)
    if key == "-number":
        return query.order_by(*(f.desc() for f in number), Item.id.desc())
    if key == "status":
        return query.order_by(_status_rank(), *number, Item.id)
    if key in ("due", "-due"):
        due = _answer_due()
        order = pw.Ordering(due, "ASC" if key == "due" else "DESC", nulls="LAST")
        return query.order_by(order, *number, Item.id)
    if key == "-registered":
        # COALESCE of a NOT NULL column: itself, but not item_registered_at_id's column
        registered = Item.registered_at if by_index else pw.fn.COALESCE(Item.registered_at, Item.registered_at)
        return query.order_by(registered.desc(), Item.id.desc())
    return query.order_by(*number, Item.id)


def _number_order(*, by_index: bool = True) -> tuple[pw.Node, pw.Node]:
    """The number order's expressions. Index item_number_order (migration 009) is on exactly
    (length(number), number, id). ``by_index=False`` orders the same (the length is an integer)
    but keeps SQLite from walking that index to skip a sort: when each row it passes must be
    read for a filter the index lacks (a text search, the tier), reading the matches' rows in
    index order, at random, costs more than one pass over the table and a sort of the ids
    (停车 at 200,000 items: ~190 -> ~145 ms by number, ~220 -> ~150 ms newest first)."""
    length = pw.fn.LENGTH(Item.number)
    return (length if by_index else length + 0), Item.number


# --- one page of the list: ids first, then 50 rows ------------------------------------------
#
# At 200,000 items the list's cost was never the 50 rows it shows but the ordering and counting
# around them. A page is found as ids only (from item_number_order, an index-only scan even
# 100,000 rows deep), then its rows are loaded by id. The answer is the same rows in the same
# order as ``sort_items(query).paginate(page)``: every sort ends with the id, a total order.


def _ids(query: pw.ModelSelect) -> list[int]:
    """The first column of every row, without building a peewee row object for each."""
    return [row[0] for row in Item._meta.database.execute(query)]


def _owed_due() -> pw.SelectQuery:
    """(item_id, due): the earliest date an answering unit still owes, for every item that has
    one (``_answer_due`` as a set: read once from the covering index on assignments' status,
    current_due, role and item_id instead of once per item)."""
    from tracker.assignments.models import Assignment
    from tracker.core.enums import HandlingRole

    owed = Assignment.alias("owed_a")
    return (owed.select(owed.item.alias("item_id"), pw.fn.MIN(owed.current_due).alias("due"))
            .where(owed.status.in_(OWING) & (owed.role != HandlingRole.CO.value))
            .group_by(owed.item))


def _owing_item_ids() -> pw.SelectQuery:
    from tracker.assignments.models import Assignment
    from tracker.core.enums import HandlingRole

    owed = Assignment.alias("owing_a")
    return owed.select(owed.item).where(owed.status.in_(OWING) & (owed.role != HandlingRole.CO.value))


def _due_page_ids(query: pw.ModelSelect, key: str, offset: int, limit: int, *, by_index: bool = True) -> list[int]:
    """A page sorted by due date without computing it for every item: the items with a date
    come first (ascending or descending), then those without, by number (NULLS LAST either way)."""
    due = _owed_due().alias("owed")
    order = due.c.due.asc() if key == "due" else due.c.due.desc()
    dated = _ids(query.select(Item.id).join(due, on=(due.c.item_id == Item.id))
                 .order_by(order, *_number_order(), Item.id))
    ids = dated[offset:offset + limit]
    if len(ids) < limit:
        rest = (query.select(Item.id).where(Item.id.not_in(_owing_item_ids()))
                .order_by(*_number_order(by_index=by_index), Item.id)
                .limit(limit - len(ids)).offset(max(0, offset - len(dated))))
        ids += _ids(rest)
    return ids


def _status_page_ids(query: pw.ModelSelect, offset: int, limit: int) -> list[int]:
    """A page sorted by status without sorting every item: the statuses' counts say which
    status groups the page spans, and each group is read in number order (from
    item_status_number_order). Statuses outside ItemStatus rank last, together (the CASE's
    ELSE)."""
    from tracker.core.enums import ItemStatus

    known = [s.value for s in ItemStatus]
    counts = dict(query.select(Item.status, pw.fn.COUNT(Item.id)).group_by(Item.status).tuples())
    groups = [(Item.status == s, counts.get(s, 0)) for s in known]
    groups.append((Item.status.not_in(known), sum(n for s, n in counts.items() if s not in known)))
    ids: list[int] = []
    for condition, count in groups:
        if len(ids) >= limit:
            break
        if offset >= count:
            offset -= count
            continue
        ids += _ids(query.select(Item.id).where(condition)
                    .order_by(*_number_order(), Item.id)
                    .limit(limit - len(ids)).offset(offset))
        offset = 0
    return ids


# Below this many rows the due date or status rank is computed per row and sorted (an index
# probe each for the due date, ~1 µs); above it, the page is found by groups: the items with a
# due date (a few thousand of 200,000) as a set first, the statuses by their counts.
SPLIT_ABOVE = 20_000


def page_ids(query: pw.ModelSelect, key: str, offset: int, limit: int, *, total: int | None = None,
             row_filters: bool = False) -> list[int]:
    """Ids of ``sort_items(query, key)`` rows ``offset`` to ``offset + limit``. ``total``: the
    query's count when known; ``row_filters``: the query filters on a column the list's indexes
    lack (kind, tier, is_key), so SQLite must read an item's row to test it.

    Walking an index in list order then reads a row for every item it passes: past the first
    quarter of the matches, one pass over the table and a sort of the ids costs less (see
    :func:`_number_order`), and the status groups are not counted off the status index."""
    large = total is None or total > SPLIT_ABOVE
    by_index = not row_filters or (total is not None and (offset + limit) * 4 <= total)
    if key in ("due", "-due") and large:
        return _due_page_ids(query, key, offset, limit, by_index=by_index)
    if key == "status" and large and not row_filters:
        return _status_page_ids(query, offset, limit)
    return _ids(sort_items(query.select(Item.id), key, by_index=by_index).limit(limit).offset(offset))


def ordered_ids(query: pw.ModelSelect, key: str) -> list[int]:
    """Ids of every row of ``sort_items(query, key)`` in order: for a filter too costly to run
    twice (a text search reads every row), its count is then the list's length."""
    if key in ("due", "-due"):
        due = _owed_due().alias("owed")
        order = pw.Ordering(due.c.due, "ASC" if key == "due" else "DESC", nulls="LAST")
        return _ids(query.select(Item.id).join(due, pw.JOIN.LEFT_OUTER, on=(due.c.item_id == Item.id))
                    .order_by(order, *_number_order(), Item.id))
    # not by an index: a text search reads every row anyway, best in one pass over the table
    return _ids(sort_items(query.select(Item.id), key, by_index=False))


def items_by_ids(ids: list[int]) -> list[Item]:
    """The items (with their session) of a page, in the page's order."""
    from tracker.items.models import Session

    if not ids:
        return []
    found = {item.id: item for item in Item.select(Item, Session).join(Session).where(Item.id.in_(ids))}
    return [found[i] for i in ids if i in found]


@dataclass
class ItemRow:
    """One row of the item list with what the page shows besides the item's own fields."""

    item: Item
    lead: str = ""
    cosigners: int = 0
    assignments: list = field(default_factory=list)  # active (not returned), lead/sole first
    due: dt.date | None = None  # earliest reply date an answering unit still owes
    parent_number: str = ""  # a merged child's: the number of the item it is handled with


def list_rows(items: list[Item]) -> list[ItemRow]:
    """Submitters and assignments (with units) for a page of items in two queries."""
    from tracker.assignments.models import Assignment
    from tracker.core.enums import HandlingRole, SubmitterRole
    from tracker.items.models import Submitter
    from tracker.units.models import Unit

    rows = {item.id: ItemRow(item) for item in items}
    if not rows:
        return []
    parents = {item.merged_into_id for item in items if item.merged_into_id
               and item.status == ItemStatus.MERGED.value}
    if parents:
        numbers = dict(Item.select(Item.id, Item.number).where(Item.id.in_(sorted(parents))).tuples())
        for item in items:
            if item.merged_into_id in numbers and item.status == ItemStatus.MERGED.value:
                rows[item.id].parent_number = numbers[item.merged_into_id]
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
