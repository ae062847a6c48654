"""The ledger (台账): one row per item with the columns of DOMAIN.md §11, in that order.

Rows are computed page by page with a fixed number of batched queries per page (items,
then their submitters, assignments, return requests, contacts, replies, commitments,
feedback and latest progress notes with ``IN`` queries) — never one query per item — and
yielded as plain dicts, so the page, the Excel export and anything else iterate the same
generator. Values keep their types (dates are ``datetime.date``); text cells are plain
strings. Keys starting with ``_`` are row metadata (item id, status, flag).

The row flag (``_flag``) is the one rule for colouring rows, on the page and in the
export: ``"overdue"`` when an assignment still owes its act (co opinion, reply) after its
current due date, has not been signed for after its receipt date, or an open commitment is
past its date (DOMAIN.md §6); ``"due_soon"`` when a reply, co opinion or commitment date
falls within :data:`DUE_SOON_DAYS` days from today.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict, namedtuple
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any

import peewee as pw

from tracker.accounts.models import User
from tracker.assignments.models import Assignment, ReturnRequest
from tracker.core import clock
from tracker.core.enums import (
    ANSWERING_ROLES,
    Adoption,
    AssignmentStatus,
    CommitmentStatus,
    ContactMethod,
    ContactStage,
    HandlingMode,
    HandlingRole,
    ItemKind,
    ItemStatus,
    Publish,
    Rating,
    RequestStatus,
    SlipColor,
    SubmitterRole,
    Tier,
    label,
)
from tracker.core.i18n import N_  # headers: the page shows them translated
from tracker.handling.models import Contact, CoOpinion, ProgressNote
from tracker.items.models import Item, Session, Submitter
from tracker.items.queries import OWING, filtered_items
from tracker.replies.closeout import is_dissatisfied
from tracker.replies.models import Commitment, Feedback, Reply
from tracker.units.models import Unit

DUE_SOON_DAYS = 7
BATCH_SIZE = 500

# (key, header, type): the columns of DOMAIN.md §11, in order. type: text / date / int.
COLUMNS: list[tuple[str, str, str]] = [
    ("seq", N_("序号"), "int"),
    ("kind", N_("类别"), "text"),
    ("session", N_("会次"), "text"),
    ("number", N_("案号"), "text"),
    ("title", N_("标题"), "text"),
    ("lead_submitter", N_("领衔人"), "text"),
    ("co_submitter_count", N_("附议人数"), "int"),
    ("category", N_("内容分类"), "text"),
    ("nature", N_("重点/性质"), "text"),
    ("tier", N_("分级"), "text"),
    ("leader", N_("领办(督办)领导"), "text"),
    ("mode", N_("办理方式"), "text"),
    ("lead_units", N_("主办单位"), "text"),
    ("co_units", N_("会办单位"), "text"),
    ("responsible_leaders", N_("分管领导"), "text"),
    ("handlers", N_("经办人"), "text"),
    ("phones", N_("联系电话"), "text"),
    ("assigned_on", N_("交办日期"), "date"),
    ("received_on", N_("签收日期"), "date"),
    ("returns", N_("申退情况"), "text"),
    ("co_opinions", N_("会办意见要求/实际日期"), "text"),
    ("reply_due", N_("答复期限"), "date"),
    ("extended_due", N_("延期至"), "date"),
    ("contacts", N_("沟通情况(方式、日期)"), "text"),
    ("replied_on", N_("答复日期"), "date"),
    ("doc_numbers", N_("文号"), "text"),
    ("result_class", N_("分类标识"), "text"),
    ("adoption", N_("采纳情况"), "text"),
    ("commitments", N_("承诺事项及时限"), "text"),
    ("satisfaction_work", N_("满意度(工作)"), "text"),
    ("satisfaction_result", N_("满意度(结果)"), "text"),
    ("rehandling", N_("重办情况"), "text"),
    ("publication", N_("公开情况"), "text"),
    ("progress", N_("落实进展"), "text"),
    ("closeout", N_("销号情况及日期"), "text"),
    ("note", N_("备注"), "text"),
]
HEADERS = [header for _, header, _ in COLUMNS]
KEYS = [key for key, _, _ in COLUMNS]

SORTS: dict[str, str] = {
    "number": N_("按案号"),
    "-number": N_("按案号（倒序）"),
    "due": N_("按期限（最近的在前）"),
    "registered": N_("按登记时间"),
    "status": N_("按状态"),
}

_ANSWERING = [r.value for r in ANSWERING_ROLES]
_RETURNED = AssignmentStatus.RETURNED.value
_PENDING_RECEIPT = AssignmentStatus.PENDING_RECEIPT.value
_REPLIED = (AssignmentStatus.REPLIED.value, AssignmentStatus.DONE.value)
_DEPARTMENT = Tier.DEPARTMENT.value


@dataclass(frozen=True)
class LedgerFilters:
    session_id: int | None = None
    kind: str | None = None
    status: str | None = None
    unit_id: int | None = None
    tier: str | None = None
    sort: str = "number"

    def with_sort(self, sort: str) -> LedgerFilters:
        return replace(self, sort=sort if sort in SORTS else "number")

    def as_args(self) -> dict[str, Any]:
        """Non-empty filters as URL arguments."""
        return {k: v for k, v in (("session_id", self.session_id), ("kind", self.kind),
                                  ("status", self.status), ("unit_id", self.unit_id),
                                  ("tier", self.tier), ("sort", self.sort)) if v}


# --- queries -----------------------------------------------------------------------------------

Leader = User.alias("leader_user")
Handler = User.alias("handler_user")


def _base(filters: LedgerFilters, today: dt.date) -> pw.ModelSelect:
    return filtered_items(session_id=filters.session_id, kind=filters.kind or None,
                          status=filters.status or None, tier=filters.tier or None,
                          unit_id=filters.unit_id, today=today)


def item_ids(filters: LedgerFilters, today: dt.date | None = None) -> pw.ModelSelect:
    """The ids of the items the filters select (a subquery)."""
    return _base(filters, today or clock.today()).select(Item.id)


def count(filters: LedgerFilters, today: dt.date | None = None) -> int:
    return _base(filters, today or clock.today()).count()


# The item columns a row reads, fetched as plain tuples (building model instances and
# converting every column of thousands of items per export cost more than the queries).
ITEM_COLUMNS = ("id", "kind", "number", "title", "category", "is_key", "from_motion", "tier",
                "handling_mode", "status", "closed_at", "note", "session_name", "leader_id",
                "leader_name", "leader_username")
_ItemRow = namedtuple("_ItemRow", ITEM_COLUMNS)


def _item_fields() -> tuple[pw.Node, ...]:
    return (Item.id, Item.kind, Item.number, Item.title, Item.category, Item.is_key, Item.from_motion,
            Item.tier, Item.handling_mode, Item.status, Item.closed_at, Item.note,
            Session.name.alias("session_name"), Leader.id.alias("leader_id"),
            Leader.name.alias("leader_name"), Leader.username.alias("leader_username"))


def ledger_query(filters: LedgerFilters, today: dt.date | None = None) -> pw.ModelSelect:
    """Items (the columns of :data:`ITEM_COLUMNS`, with their session and leader) in ledger
    order; read them with :func:`_tuples`."""
    today = today or clock.today()
    query = (
        _base(filters, today)
        .select(*_item_fields())
        .join(Session, on=(Item.session == Session.id))
        .switch(Item)
        .join(Leader, pw.JOIN.LEFT_OUTER, on=(Item.leader == Leader.id))
    )
    natural = (Item.session, Item.kind, pw.fn.LENGTH(Item.number), Item.number, Item.id)
    sort = filters.sort if filters.sort in SORTS else "number"
    if sort == "-number":
        order = [Item.session.desc(), Item.kind, pw.fn.LENGTH(Item.number).desc(), Item.number.desc(),
                 Item.id.desc()]
    elif sort == "due":
        due = (Assignment.select(Assignment.item.alias("due_item"), pw.fn.MIN(Assignment.current_due).alias("due"))
               .where(Assignment.status.in_(OWING)).group_by(Assignment.item).alias("owing_due"))
        query = query.join(due, pw.JOIN.LEFT_OUTER, on=(due.c.due_item == Item.id))
        order = [pw.Case(None, [(due.c.due.is_null(), 1)], 0), due.c.due, *natural]
    elif sort == "registered":
        order = [Item.registered_at, Item.id]
    elif sort == "status":
        order = [Item.status, *natural]
    else:
        order = list(natural)
    return query.order_by(*order)


def _batch_items(ids: list[int]) -> pw.ModelSelect:
    """The items of one export batch by id (the filters already chose the ids)."""
    return (Item.select(*_item_fields())
            .join(Session, on=(Item.session == Session.id))
            .switch(Item)
            .join(Leader, pw.JOIN.LEFT_OUTER, on=(Item.leader == Leader.id))
            .where(_in(Item.id, ids)))


def iter_rows(filters: LedgerFilters, *, today: dt.date | None = None, start: int = 0,
              limit: int | None = None, batch_size: int = BATCH_SIZE) -> Iterator[dict[str, Any]]:
    """Ledger rows in order, ``start`` rows skipped, at most ``limit`` rows; memory stays flat
    (one batch of items and their records at a time)."""
    today = today or clock.today()
    query = ledger_query(filters, today)
    reader = _BatchReader()
    if start == 0 and limit is None:
        # The whole ledger (the export): the ordered ids once, then each batch by its ids.
        # (LIMIT/OFFSET re-sorted every item for each batch: ~0.6 s of a 10,000-row export.)
        ids = [i for (i,) in _tuples(query.select(Item.id))]
        for first in range(0, len(ids), batch_size):
            chunk = ids[first:first + batch_size]
            found = {item.id: item for item in map(_ItemRow._make, reader("items", _batch_items, chunk))}
            batch = [found[i] for i in chunk if i in found]
            rows = rows_for_items(batch, today=today, first_seq=first + 1, reader=reader)
            del batch, found  # one batch alive at a time: memory stays flat
            yield from rows
            del rows
        return
    offset, seq = start, start
    remaining = limit
    while remaining is None or remaining > 0:
        size = batch_size if remaining is None else min(batch_size, remaining)
        batch = [_ItemRow._make(values) for values in _tuples(query.limit(size).offset(offset))]
        fetched = len(batch)
        if not fetched:
            return
        rows = rows_for_items(batch, today=today, first_seq=seq + 1, reader=reader)
        del batch  # one batch alive at a time: memory stays flat
        yield from rows
        del rows
        offset += fetched
        seq += fetched
        if remaining is not None:
            remaining -= fetched
        if fetched < size:
            return


# --- one batch ---------------------------------------------------------------------------------


_BATCH_IDS = "(/*batch ids*/)"  # where a batch's ids go in a query rendered by _BatchReader


class _Ids:
    """Stands for the id list of every batch while :class:`_BatchReader` renders a query."""


_BATCH = _Ids()


def _in(field: pw.Field, ids: list[int] | _Ids) -> pw.Expression:
    """``field IN (…)`` for a batch of ids, rendered as one SQL fragment (peewee builds a node
    per value otherwise, which costs more than the query for 500-row batches); with
    :data:`_BATCH`, a marker that :class:`_BatchReader` fills in."""
    from tracker.core.db import in_ids

    if isinstance(ids, _Ids):
        return field.in_(pw.SQL(_BATCH_IDS))
    return in_ids(field, ids)


def _tuples(query: pw.SelectQuery) -> list[tuple]:
    """A query's rows as the driver returns them: plain tuples, dates as ``datetime.date`` on
    both databases (SQLite through the converters of :mod:`tracker.core.db`), instants as naive
    UTC datetimes (read them with :func:`_local_day`), booleans as 0/1 on SQLite."""
    from tracker.core.db import db

    sql, params = query.sql()
    return db.execute_sql(sql, params).fetchall()


class _BatchReader:
    """Runs the batch queries of one call (``key``: which query, ``build(ids)``: the query, its
    ids given with :func:`_in`) as plain tuples. Peewee renders each query once per call, with
    a marker for the ids (rendering 500 ids as parameters took longer than running some of the
    queries); each batch puts in its own. Nothing outlives the call."""

    def __init__(self) -> None:
        from tracker.core.db import db

        self._param = db.obj.param
        # key -> (SQL before the ids, SQL after them, parameters, how many parameters precede the ids)
        self._rendered: dict[str, tuple[str, str, list[Any], int]] = {}

    def __call__(self, key: str, build: Any, ids: list[int]) -> list[tuple]:
        from tracker.core.db import db

        rendered = self._rendered.get(key)
        if rendered is None:
            sql, params = build(_BATCH).sql()
            head, found, tail = sql.partition(_BATCH_IDS)
            if not found or _BATCH_IDS in tail:
                raise ValueError(f"a batch query needs its ids once: {key}")
            rendered = self._rendered[key] = (head, tail, list(params), head.count(self._param))
        head, tail, params, before = rendered
        ids = [int(i) for i in ids] or [0]
        sql = head + "(" + ",".join([self._param] * len(ids)) + ")" + tail
        return db.execute_sql(sql, [*params[:before], *ids, *params[before:]]).fetchall()


def _local_day(value: Any) -> dt.date | None:
    """The local date of an instant column's raw value (naive UTC, or aware)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return clock.local_date(value)


def _group_by_first(rows: list[tuple], record: type) -> dict[int, list[Any]]:
    """Rows ordered by their first column, as ``record`` namedtuples grouped by it."""
    make = partial(tuple.__new__, record)  # what record._make does, without a Python call per row
    return {key: list(map(make, group)) for key, group in groupby(rows, itemgetter(0))}


def _join(values: Iterable[Any], sep: str = "、") -> str:
    texts = [v if v.__class__ is str else str(v) for v in values if v is not None and v != ""]
    if not texts:
        return ""
    if len(texts) == 1:
        return texts[0]
    return sep.join(dict.fromkeys(texts))


def _d(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _ratings(values: list[str], enum: type) -> str:
    """"满意" for one rating; "满意 2、基本满意 1" when several submitters rated."""
    if not values:
        return ""
    if len(values) == 1:
        return label(values[0], enum)
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    order = _ORDER.get(enum)
    if order is None:
        order = _ORDER[enum] = {m.value: i for i, m in enumerate(enum)}
    return "、".join(f"{label(v, enum)} {counts[v]}" for v in sorted(counts, key=order.__getitem__))


_ORDER: dict[type, dict[str, int]] = {}  # each enum's values in their order (fixed, like the enums)


def row_flag(owing_dues: Iterable[dt.date], open_commitment_dues: Iterable[dt.date],
             today: dt.date, receipt_dues: Iterable[dt.date] = ()) -> str | None:
    """"overdue", "due_soon" or None — the one colouring rule of the page and the export.

    ``owing_dues``: current due dates of assignments that still owe their reply or co
    opinion; ``receipt_dues``: receipt dates of assignments not yet signed for (they make a
    row red once passed, but never amber: every new assignment is due for receipt soon)."""
    dues = [d for d in (*owing_dues, *open_commitment_dues) if d is not None]
    if any(d < today for d in dues) or any(d is not None and d < today for d in receipt_dues):
        return "overdue"
    horizon = today + dt.timedelta(days=DUE_SOON_DAYS)
    if any(today <= d <= horizon for d in dues):
        return "due_soon"
    return None


def _replied_on(answering: list[Any], replies: dict[int, list[Any]]) -> dt.date | None:
    """The day the last answering unit replied, once every one has (else None)."""
    dates = []
    for a in answering:
        sent = replies.get(a.id)
        dates.append(sent[-1].sent_on if sent and sent[-1].sent_on else a.replied_on)
    return max(dates) if dates and all(dates) else None


_CLOSED = (ItemStatus.CLOSED.value, ItemStatus.ARCHIVED.value)
_GONE = (ItemStatus.WITHDRAWN.value, ItemStatus.MERGED.value)


def _closeout(item: Any) -> str:
    status = item.status
    if status in _CLOSED:
        when = _local_day(item.closed_at).isoformat() if item.closed_at else ""
        text = f"已销号 {when}".strip()
        return text + "（已归档）" if status == ItemStatus.ARCHIVED.value else text
    if status in _GONE:
        return label(status, ItemStatus)
    return "未销号"


# The records of a batch, as plain tuples with only the columns the rows read; the first
# column is what they are grouped by (the queries order by it first).
_Submitter = namedtuple("_Submitter", "item_id name role")
_Assignment = namedtuple(
    "_Assignment",
    "item_id id unit_id role status round responsible_leader handler_id handler_phone assigned_on receipt_due "
    "co_opinion_due reply_due extended_due rehandle_due current_due received_at opinion_submitted_on "
    "replied_on unit_name handler_name handler_username")
_Return = namedtuple("_Return", "assignment_id requested_at status decision_note")
_Contact = namedtuple("_Contact", "assignment_id stage method contact_on")
_Reply = namedtuple("_Reply", "assignment_id sent_on doc_number result_class publish published_on")
_Commitment = namedtuple("_Commitment", "assignment_id text due_on status")
_Note = namedtuple("_Note", "assignment_id id text created_at")
_Feedback = namedtuple("_Feedback", "item_id round adoption work result resolution")


def _q_submitters(ids: list[int]) -> pw.ModelSelect:
    return (Submitter.select(Submitter.item, Submitter.name, Submitter.role)
            .where(_in(Submitter.item, ids)).order_by(Submitter.item, Submitter.position, Submitter.id))


def _q_assignments(ids: list[int]) -> pw.ModelSelect:
    A = Assignment
    return (A.select(A.item, A.id, A.unit, A.role, A.status, A.round, A.responsible_leader, A.handler,
                     A.handler_phone, A.assigned_on, A.receipt_due, A.co_opinion_due, A.reply_due,
                     A.extended_due, A.rehandle_due, A.current_due, A.received_at, A.opinion_submitted_on,
                     A.replied_on, Unit.name, Handler.name, Handler.username)
            .join(Unit, on=(A.unit == Unit.id))
            .switch(A)
            .join(Handler, pw.JOIN.LEFT_OUTER, on=(A.handler == Handler.id))
            .where(_in(A.item, ids))
            .order_by(A.item, A.id))


def _q_returns(aids: list[int]) -> pw.ModelSelect:
    R = ReturnRequest
    return (R.select(R.assignment, R.requested_at, R.status, R.decision_note)
            .where(_in(R.assignment, aids)).order_by(R.assignment, R.requested_at, R.id))


def _q_contacts(aids: list[int]) -> pw.ModelSelect:
    return (Contact.select(Contact.assignment, Contact.stage, Contact.method, Contact.contact_on)
            .where(_in(Contact.assignment, aids)).order_by(Contact.assignment, Contact.contact_on, Contact.id))


def _q_replies(aids: list[int]) -> pw.ModelSelect:
    return (Reply.select(Reply.assignment, Reply.sent_on, Reply.doc_number, Reply.result_class, Reply.publish,
                         Reply.published_on)
            .where(_in(Reply.assignment, aids) & (Reply.status == "sent"))
            .order_by(Reply.assignment, Reply.round, Reply.sent_on, Reply.id))


def _q_commitments(aids: list[int]) -> pw.ModelSelect:
    return (Commitment.select(Commitment.assignment, Commitment.text, Commitment.due_on, Commitment.status)
            .where(_in(Commitment.assignment, aids)).order_by(Commitment.assignment, Commitment.due_on, Commitment.id))


def _q_notes(aids: list[int]) -> pw.ModelSelect:
    latest = (ProgressNote.select(pw.fn.MAX(ProgressNote.id))
              .where(_in(ProgressNote.assignment, aids)).group_by(ProgressNote.assignment))
    return (ProgressNote.select(ProgressNote.assignment, ProgressNote.id, ProgressNote.text, ProgressNote.created_at)
            .where(ProgressNote.id.in_(latest)).order_by(ProgressNote.assignment))


def _q_feedback(ids: list[int]) -> pw.ModelSelect:
    return (Feedback.select(Feedback.item, Feedback.round, Feedback.adoption, Feedback.work, Feedback.result,
                            Feedback.resolution)
            .where(_in(Feedback.item, ids)).order_by(Feedback.item, Feedback.round, Feedback.id))


_CO = HandlingRole.CO.value
_ANSWERING_SET = frozenset(_ANSWERING)
_LEAD_SUBMITTER = SubmitterRole.LEAD.value
_CO_SUBMITTER = SubmitterRole.CO.value
_KEPT = CommitmentStatus.KEPT.value
_OPEN = CommitmentStatus.OPEN.value
_NO_PUBLISH = Publish.NONE.value
_OWING = frozenset(OWING)


def rows_for_items(items: list[Any], *, today: dt.date, first_seq: int = 1,
                   reader: _BatchReader | None = None) -> list[dict[str, Any]]:
    """The ledger rows of a batch of items (tuples of :data:`ITEM_COLUMNS`, as
    :func:`ledger_query` selects them), in their order."""
    if not items:
        return []
    read = reader or _BatchReader()
    ids = [item.id for item in items]
    # the records are read as plain tuples of the columns the rows need: thousands per batch,
    # and model instances (every column converted) cost more than the queries
    submitters = _group_by_first(read("submitters", _q_submitters, ids), _Submitter)
    by_item = _group_by_first(read("assignments", _q_assignments, ids), _Assignment)
    aids = [a.id for found in by_item.values() for a in found]
    unit_of = {a.id: a.unit_name for found in by_item.values() for a in found}
    returns = _group_by_first(read("returns", _q_returns, aids), _Return)
    contacts = _group_by_first(read("contacts", _q_contacts, aids), _Contact)
    replies = _group_by_first(read("replies", _q_replies, aids), _Reply)
    commitments = _group_by_first(read("commitments", _q_commitments, aids), _Commitment)
    notes = _group_by_first(read("notes", _q_notes, aids), _Note)
    feedback = _group_by_first(read("feedback", _q_feedback, ids), _Feedback)

    kind_label = {m.value: label(m) for m in ItemKind}
    tier_label = {m.value: label(m) for m in Tier}
    mode_label = {m.value: label(m) for m in HandlingMode}
    out = []
    for seq, item in enumerate(items, start=first_seq):
        every = by_item.get(item.id, ())
        active = [a for a in every if a.status != _RETURNED]
        answering = [a for a in active if a.role in _ANSWERING_SET]
        co = [a for a in active if a.role == _CO]
        lead_sub, co_count = "", 0
        found_lead = False
        for s in submitters.get(item.id, ()):
            if s.role == _CO_SUBMITTER:
                co_count += 1
            elif not found_lead and s.role == _LEAD_SUBMITTER:
                lead_sub, found_lead = s.name, True

        received = [a.received_at for a in answering]
        latest_replies = [replies[a.id][-1] for a in answering if a.id in replies]
        item_commitments = [c for a in active if a.id in commitments for c in commitments[a.id]]
        max_round = max((a.round for a in every), default=1)
        fb = feedback.get(item.id, ())
        if fb:
            fb_round = max(f.round for f in fb)
            fb = [f for f in fb if f.round == fb_round]
        notes_here = [n for a in active if a.id in notes for n in notes[a.id]]
        contacted = [a for a in active if a.id in contacts]

        nature = "重点" if item.is_key else "一般"
        if item.from_motion:
            nature += "、议案转建议"
        progress = []
        if item_commitments:
            kept = sum(1 for c in item_commitments if c.status == _KEPT)
            progress.append(f"承诺 {len(item_commitments)} 项，已兑现 {kept} 项")
        if notes_here:
            note = max(notes_here, key=lambda n: n.id)
            text = note.text if len(note.text) <= 120 else note.text[:119] + "…"
            progress.append(f"{_local_day(note.created_at).isoformat()} {text}")
        rehandle = _rehandling(max_round, answering, replies, fb)
        publication = []
        for r in latest_replies:
            text = label(r.publish, Publish)
            if r.publish != _NO_PUBLISH:
                text += f"（{r.published_on.isoformat()}）" if r.published_on else "（待公开）"
            publication.append(text)

        owing = [a.current_due for a in active if a.status in _OWING]
        open_dues = [c.due_on for c in item_commitments if c.status == _OPEN]
        flag = row_flag(owing, open_dues, today, [a.receipt_due for a in active if a.status == _PENDING_RECEIPT])
        if contacted:
            multi = len({a.unit_id for a in contacted}) > 1  # name units only then
            contact_text = _join(
                ((f"{a.unit_name} " if multi else "")
                 + f"{label(c.stage, ContactStage)}{label(c.method, ContactMethod)} {c.contact_on.isoformat()}")
                for a in contacted for c in contacts[a.id]
            )
        else:
            contact_text = ""
        returned = [r for a in every if a.id in returns for r in returns[a.id]]
        if len(answering) == 1:  # the usual case: what _join gives for one value
            a = answering[0]
            lead_units, leaders, phones = a.unit_name or "", a.responsible_leader or "", a.handler_phone or ""
            handlers = (a.handler_name or a.handler_username or "") if a.handler_id is not None else ""
        else:
            lead_units = _join([a.unit_name for a in answering])
            leaders = _join([a.responsible_leader for a in answering])
            handlers = _join([a.handler_name or a.handler_username for a in answering if a.handler_id is not None])
            phones = _join([a.handler_phone for a in answering])
        row = {
            "seq": seq,
            "kind": kind_label.get(item.kind) or label(item.kind, ItemKind),
            "session": item.session_name,
            "number": item.number,
            "title": item.title,
            "lead_submitter": lead_sub,
            "co_submitter_count": co_count,
            "category": item.category,
            "nature": nature,
            "tier": tier_label.get(item.tier or _DEPARTMENT) or label(item.tier or _DEPARTMENT, Tier),
            "leader": (item.leader_name or item.leader_username or "") if item.leader_id is not None else "",
            "mode": (mode_label.get(item.handling_mode) or label(item.handling_mode, HandlingMode)
                     if item.handling_mode else ""),
            "lead_units": lead_units,
            "co_units": _join([a.unit_name for a in co]) if co else "",
            "responsible_leaders": leaders,
            "handlers": handlers,
            "phones": phones,
            "assigned_on": min((a.assigned_on for a in every), default=None),
            "received_on": (max(_local_day(r) for r in received)
                            if received and all(received) else None),
            "returns": _join([
                (f"{unit_of[r.assignment_id]} {_local_day(r.requested_at).isoformat()} 申退，"
                 f"{label(r.status, RequestStatus)}"
                 + (f"（{r.decision_note}）" if r.decision_note else ""))
                for r in returned
            ]) if returned else "",
            "co_opinions": _join([
                (f"{a.unit_name}：要求 {_d(a.co_opinion_due)}，"
                 + (f"实际 {a.opinion_submitted_on.isoformat()}" if a.opinion_submitted_on else "未提交"))
                for a in co
            ]) if co else "",
            "reply_due": min((a.reply_due for a in answering), default=None),
            "extended_due": max((a.extended_due for a in answering if a.extended_due), default=None),
            "contacts": contact_text,
            "replied_on": _replied_on(answering, replies),
            "doc_numbers": _join([r.doc_number for r in latest_replies], "；") if latest_replies else "",
            "result_class": _join([r.result_class for r in latest_replies], "/") if latest_replies else "",
            "adoption": _join([label(f.adoption, Adoption) for f in fb if f.adoption]) if fb else "",
            "commitments": _join(
                [f"{c.text}（{c.due_on.isoformat()}前，{label(c.status, CommitmentStatus)}）"
                 for c in item_commitments], "；") if item_commitments else "",
            "satisfaction_work": _ratings([f.work for f in fb], Rating) if fb else "",
            "satisfaction_result": _ratings([f.result for f in fb], Rating) if fb else "",
            "rehandling": rehandle,
            "publication": _join(publication, "；") if publication else "",
            "progress": "；".join(progress),
            "closeout": _closeout(item),
            "note": item.note,
            "_item_id": item.id,
            "_status": item.status,
            "_flag": flag,
            "_due": min(owing, default=None),
        }
        out.append(row)
    return out


# --- sheet 2: co-handling ----------------------------------------------------------------------

CO_COLUMNS: list[tuple[str, str, str]] = [
    ("seq", "序号", "int"),
    ("number", "案号", "text"),
    ("title", "标题", "text"),
    ("lead_units", "主办单位", "text"),
    ("co_unit", "会办单位", "text"),
    ("opinion_due", "会办意见要求日期", "date"),
    ("opinion_on", "会办意见提交日期", "date"),
    ("on_time", "是否按时", "text"),
    ("summary", "会办意见摘要", "text"),
]

SUMMARY_CHARS = 100


def _rehandling(max_round: int, answering: list[Any], replies: dict[int, list[Any]], fb: Any) -> str:
    """重办情况: the round being re-handled, its date and whether it is answered; and what the office
    did with a 不满意 of the latest round rated (re-handling ordered, decided against, or not yet)."""
    parts = []
    if max_round > 1:
        due = max((a.rehandle_due for a in answering if a.rehandle_due), default=None)
        text = f"第 {max_round} 轮重新办理" + (f"，期限 {due.isoformat()}" if due else "")
        if answering and all(a.status in _REPLIED and a.id in replies for a in answering):
            last = max((replies[a.id][-1].sent_on for a in answering if replies[a.id][-1].sent_on), default=None)
            text += f"，已于 {last.isoformat()} 重新答复" if last else "，已重新答复"
        parts.append(text)
    unhappy = [f for f in fb if f.round == max_round and is_dissatisfied(f)]
    if unhappy:
        decided = [f.resolution for f in unhappy if f.resolution]
        if len(decided) < len(unhappy):
            parts.append("不满意，待交办单位决定是否重新办理")
        else:
            parts.append("不满意，交办单位决定不重新办理：" + "；".join(dict.fromkeys(decided)))
    return "；".join(parts)


def _on_time(due: dt.date | None, done: dt.date | None, today: dt.date) -> str:
    if done is not None:
        return "按时" if due is None or done <= due else "逾期提交"
    if due is not None and due < today:
        return "未提交（已逾期）"
    return "未提交"


_CoRow = namedtuple("_CoRow", "id item_id co_opinion_due opinion_submitted_on number title unit_name")
_Lead = namedtuple("_Lead", "item_id unit_name")
_Opinion = namedtuple("_Opinion", "assignment_id submitted_on text")


def _q_co(aids: list[int]) -> pw.ModelSelect:
    return (Assignment.select(Assignment.id, Assignment.item, Assignment.co_opinion_due,
                              Assignment.opinion_submitted_on, Item.number, Item.title, Unit.name)
            .join(Item, on=(Assignment.item == Item.id))
            .switch(Assignment)
            .join(Unit, on=(Assignment.unit == Unit.id))
            .where(_in(Assignment.id, aids)))


def _q_co_leads(ids: list[int]) -> pw.ModelSelect:
    return (Assignment.select(Assignment.item, Unit.name)
            .join(Unit, on=(Assignment.unit == Unit.id))
            .where(_in(Assignment.item, ids) & Assignment.role.in_(_ANSWERING) & (Assignment.status != _RETURNED))
            .order_by(Assignment.item, Assignment.id))


def _q_co_opinions(aids: list[int]) -> pw.ModelSelect:
    latest = (CoOpinion.select(pw.fn.MAX(CoOpinion.id))
              .where(_in(CoOpinion.assignment, aids)).group_by(CoOpinion.assignment))
    return (CoOpinion.select(CoOpinion.assignment, CoOpinion.submitted_on, CoOpinion.text)
            .where(CoOpinion.id.in_(latest)))


def iter_co_rows(filters: LedgerFilters, *, today: dt.date | None = None,
                 batch_size: int = BATCH_SIZE) -> Iterator[dict[str, Any]]:
    """One row per active co-handling assignment of the selected items, in ledger order."""
    today = today or clock.today()
    # the ordered ids once (LIMIT/OFFSET sorted them again for every batch), then each batch
    # by its ids, as plain tuples
    ordered = (Assignment.select(Assignment.id)
               .join(Item, on=(Assignment.item == Item.id))
               .where(Assignment.item.in_(item_ids(filters, today))
                      & (Assignment.role == HandlingRole.CO.value) & (Assignment.status != _RETURNED))
               .order_by(Item.session, Item.kind, pw.fn.LENGTH(Item.number), Item.number, Assignment.id))
    ids = [i for (i,) in _tuples(ordered)]
    read = _BatchReader()
    seq = 0
    for first in range(0, len(ids), batch_size):
        chunk = ids[first:first + batch_size]
        found = {row[0]: row for row in map(partial(tuple.__new__, _CoRow), read("co", _q_co, chunk))}
        batch = [found[i] for i in chunk if i in found]
        del found
        leads = _group_by_first(read("co_leads", _q_co_leads, list({a.item_id for a in batch})), _Lead)
        opinions = {o.assignment_id: o for o in map(partial(tuple.__new__, _Opinion),
                                                    read("co_opinions", _q_co_opinions, chunk))}
        rows = []
        for a in batch:
            seq += 1
            opinion = opinions.get(a.id)
            done = a.opinion_submitted_on or (opinion.submitted_on if opinion else None)
            text = (opinion.text if opinion else "").replace("\r", " ").replace("\n", " ")
            lead_units = leads.get(a.item_id)
            rows.append({
                "seq": seq,
                "number": a.number,
                "title": a.title,
                "lead_units": _join([x.unit_name for x in lead_units]) if lead_units else "",
                "co_unit": a.unit_name,
                "opinion_due": a.co_opinion_due,
                "opinion_on": done,
                "on_time": _on_time(a.co_opinion_due, done, today),
                "summary": text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…",
                "_flag": ("overdue" if done is None and a.co_opinion_due and a.co_opinion_due < today
                          else None),
            })
        del batch, leads, opinions  # one batch alive at a time: memory stays flat
        yield from rows
        del rows


# --- sheet 3: dispatch snapshot per unit -------------------------------------------------------


DISPATCH_BATCH = 1000  # items whose facts the 调度情况 sheet holds at once


def dispatch_snapshot(filters: LedgerFilters, *, today: dt.date | None = None) -> dict[str, Any]:
    """Per-unit progress of the selected items, counted as the statistics count them (DOMAIN.md §8,
    :mod:`tracker.ledger.stats`: returned parts and withdrawn or merged items are left out; a part
    being re-handled stays replied): assigned, received, replied, overdue, co assignments and
    opinions, slips by colour when any were issued, and the reply rate.
    ``{"columns": [...], "rows": [...], "has_slips": bool}``."""
    from tracker.ledger import stats
    from tracker.ledger.stats_queries import StatsFilter, load_facts

    today = today or clock.today()
    # the facts of one batch of items at a time (their counts added up per unit): memory stays
    # flat however large the ledger; lean facts, as no contacts or forms are counted here
    ids = [i for (i,) in item_ids(filters, today).tuples()]
    totals: dict[int, Counter] = defaultdict(Counter)
    slips_of: dict[int, Counter] = defaultdict(Counter)
    for first in range(0, len(ids), DISPATCH_BATCH):
        facts = load_facts(StatsFilter(item_ids=ids[first:first + DISPATCH_BATCH]), details=False)
        for unit_id, members in stats.group(facts, attrgetter("unit_id")).items():
            totals[unit_id].update(stats.counts(members, today))
            slips_of[unit_id].update(s.color for f in members for s in f.slips)
        del facts
    units = []
    for unit in Unit.select(Unit.id, Unit.name).where(Unit.id.in_(list(totals) or [0])).order_by(Unit.sort_order, Unit.id):
        counts = totals[unit.id]
        if counts["assigned"] or counts["co_assigned"]:  # else only void parts (returned, withdrawn)
            units.append((unit.name, counts, slips_of[unit.id]))
    has_slips = any(slips for _name, _counts, slips in units)

    columns: list[tuple[str, str, str]] = [
        ("unit", "承办单位", "text"), ("assigned", "应办件数（主办/独办/分办）", "int"),
        ("received", "已签收", "int"), ("replied", "已答复", "int"), ("overdue", "超期未答复", "int"),
        ("co_assigned", "会办件数", "int"), ("co_done", "已提交会办意见", "int"),
    ]
    if has_slips:
        columns += [(f"slip_{c.value}", label(c), "int") for c in SlipColor]
    columns.append(("reply_rate", "办复率", "percent"))
    rows = []
    for unit_name, counts, slips in units:
        row: dict[str, Any] = {"unit": unit_name, "assigned": counts["assigned"], "received": counts["received"],
                               "replied": counts["replied"], "overdue": counts["overdue"],
                               "co_assigned": counts["co_assigned"], "co_done": counts["co_submitted"]}
        if has_slips:
            for c in SlipColor:
                row[f"slip_{c.value}"] = slips[c.value]
        row["reply_rate"] = stats.ratio(counts["replied"], counts["assigned"])
        row["_flag"] = "overdue" if row["overdue"] else None
        rows.append(row)
    return {"columns": columns, "rows": rows, "has_slips": has_slips, "today": today}
