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
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

import peewee as pw

from tracker.accounts.models import User
from tracker.assignments.models import Assignment, ReturnRequest
from tracker.core import clock
from tracker.core.db import fetch_objects
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


def ledger_query(filters: LedgerFilters, today: dt.date | None = None) -> pw.ModelSelect:
    """Items (with their session and leader) in ledger order."""
    today = today or clock.today()
    query = (
        _base(filters, today)
        .select(Item, Session.id, Session.name, Leader.id, Leader.name, Leader.username)
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


def iter_rows(filters: LedgerFilters, *, today: dt.date | None = None, start: int = 0,
              limit: int | None = None, batch_size: int = BATCH_SIZE) -> Iterator[dict[str, Any]]:
    """Ledger rows in order, ``start`` rows skipped, at most ``limit`` rows; memory stays flat
    (one batch of items and their records at a time)."""
    today = today or clock.today()
    query = ledger_query(filters, today)
    if start == 0 and limit is None:
        # The whole ledger (the export): the ordered ids once, then each batch by its ids.
        # (LIMIT/OFFSET re-sorted every item for each batch: ~0.6 s of a 10,000-row export.)
        ids = [i for (i,) in query.select(Item.id).tuples()]
        for first in range(0, len(ids), batch_size):
            chunk = ids[first:first + batch_size]
            found = {item.id: item for item in ledger_query(filters, today).where(_in(Item.id, chunk))}
            batch = [found[i] for i in chunk if i in found]
            rows = rows_for_items(batch, today=today, first_seq=first + 1)
            del batch, found  # one batch alive at a time: memory stays flat
            yield from rows
            del rows
        return
    offset, seq = start, start
    remaining = limit
    while remaining is None or remaining > 0:
        size = batch_size if remaining is None else min(batch_size, remaining)
        batch = list(query.limit(size).offset(offset))
        fetched = len(batch)
        if not fetched:
            return
        rows = rows_for_items(batch, today=today, first_seq=seq + 1)
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


def _in(field: pw.Field, ids: list[int]) -> pw.Expression:
    """``field IN (…)`` for a batch of ids, rendered as one SQL fragment (peewee builds a node
    per value otherwise, which costs more than the query for 500-row batches)."""
    from tracker.core.db import db

    ids = [int(i) for i in ids] or [0]
    return field.in_(pw.SQL("(" + ",".join([db.obj.param] * len(ids)) + ")", ids))


def _group(rows: Iterable[Any], key: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _join(values: Iterable[Any], sep: str = "、") -> str:
    return sep.join(dict.fromkeys(str(v) for v in values if v not in (None, "")))


def _d(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _ratings(values: list[str], enum: type) -> str:
    """"满意" for one rating; "满意 2、基本满意 1" when several submitters rated."""
    if not values:
        return ""
    counts = Counter(values)
    if len(values) == 1:
        return label(values[0], enum)
    order = [m.value for m in enum]
    return "、".join(f"{label(v, enum)} {counts[v]}" for v in sorted(counts, key=order.index))


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


def _replied_on(answering: list[Assignment], replies: dict[int, list[Reply]]) -> dt.date | None:
    """The day the last answering unit replied, once every one has (else None)."""
    dates = []
    for a in answering:
        sent = replies.get(a.id)
        dates.append(sent[-1].sent_on if sent and sent[-1].sent_on else a.replied_on)
    return max(dates) if dates and all(dates) else None


def _closeout(item: Item) -> str:
    status = ItemStatus(item.status)
    if status in (ItemStatus.CLOSED, ItemStatus.ARCHIVED):
        when = clock.local_date(item.closed_at).isoformat() if item.closed_at else ""
        text = f"已销号 {when}".strip()
        return text + "（已归档）" if status == ItemStatus.ARCHIVED else text
    if status in (ItemStatus.WITHDRAWN, ItemStatus.MERGED):
        return label(status)
    return "未销号"


def rows_for_items(items: list[Item], *, today: dt.date, first_seq: int = 1) -> list[dict[str, Any]]:
    """The ledger rows of a batch of items (loaded with ``ledger_query``), in their order."""
    if not items:
        return []
    ids = [item.id for item in items]
    # the records below are read as plain objects (fetch_objects): thousands per batch, and
    # building model instances for them cost more than the queries
    submitters = _group(fetch_objects(Submitter.select().where(_in(Submitter.item, ids))
                        .order_by(Submitter.position, Submitter.id)), "item_id")
    assignments = fetch_objects(
        Assignment.select(Assignment, Unit.name.alias("unit_name"), Handler.name.alias("handler_name"),
                          Handler.username.alias("handler_username"))
        .join(Unit, on=(Assignment.unit == Unit.id))
        .switch(Assignment)
        .join(Handler, pw.JOIN.LEFT_OUTER, on=(Assignment.handler == Handler.id))
        .where(_in(Assignment.item, ids))
        .order_by(Assignment.id)
    )
    for a in assignments:  # what the rows read of the unit and the handler (as on the model)
        a.unit = SimpleNamespace(name=a.unit_name)
        a.handler = (SimpleNamespace(display=a.handler_name or a.handler_username)
                     if a.handler_id is not None else None)
    by_item = _group(assignments, "item_id")
    aids = [a.id for a in assignments] or [0]
    unit_of = {a.id: a.unit.name for a in assignments}
    returns = _group(fetch_objects(ReturnRequest.select().where(_in(ReturnRequest.assignment, aids))
                     .order_by(ReturnRequest.requested_at, ReturnRequest.id)), "assignment_id")
    contacts = _group(fetch_objects(Contact.select().where(_in(Contact.assignment, aids))
                      .order_by(Contact.contact_on, Contact.id)), "assignment_id")
    replies = _group(fetch_objects(Reply.select().where(_in(Reply.assignment, aids) & (Reply.status == "sent"))
                     .order_by(Reply.round, Reply.sent_on, Reply.id)), "assignment_id")
    commitments = _group(fetch_objects(Commitment.select().where(_in(Commitment.assignment, aids))
                         .order_by(Commitment.due_on, Commitment.id)), "assignment_id")
    latest_notes = (ProgressNote.select(pw.fn.MAX(ProgressNote.id))
                    .where(_in(ProgressNote.assignment, aids)).group_by(ProgressNote.assignment))
    notes = _group(fetch_objects(ProgressNote.select().where(ProgressNote.id.in_(latest_notes))), "assignment_id")
    feedback = _group(fetch_objects(Feedback.select().where(_in(Feedback.item, ids)).order_by(Feedback.round, Feedback.id)),
                      "item_id")

    out = []
    for seq, item in enumerate(items, start=first_seq):
        every = by_item.get(item.id, [])
        active = [a for a in every if a.status != _RETURNED]
        answering = [a for a in active if a.role in _ANSWERING]
        co = [a for a in active if a.role == HandlingRole.CO.value]
        subs = submitters.get(item.id, [])
        lead_sub = next((s.name for s in subs if s.role == SubmitterRole.LEAD.value), "")

        received = [a.received_at for a in answering]
        latest_replies = [replies[a.id][-1] for a in answering if replies.get(a.id)]
        item_commitments = [c for a in active for c in commitments.get(a.id, [])]
        rounds = [a.round for a in every]
        max_round = max(rounds, default=1)
        fb = feedback.get(item.id, [])
        fb_round = max((f.round for f in fb), default=0)
        fb = [f for f in fb if f.round == fb_round]
        notes_here = sorted((n for a in active for n in notes.get(a.id, [])), key=lambda n: n.id)
        multi = len({a.unit_id for a in active if contacts.get(a.id)}) > 1  # name units only then

        nature = ["重点" if item.is_key else "一般"]
        if item.from_motion:
            nature.append("议案转建议")
        progress = []
        if item_commitments:
            kept = sum(1 for c in item_commitments if c.status == CommitmentStatus.KEPT.value)
            progress.append(f"承诺 {len(item_commitments)} 项，已兑现 {kept} 项")
        if notes_here:
            note = notes_here[-1]
            text = note.text if len(note.text) <= 120 else note.text[:119] + "…"
            progress.append(f"{clock.local_date(note.created_at).isoformat()} {text}")
        rehandle = ""
        if max_round > 1:
            due = max((a.rehandle_due for a in answering if a.rehandle_due), default=None)
            rehandle = f"第 {max_round} 轮重新办理" + (f"，期限 {due.isoformat()}" if due else "")
        publication = []
        for r in latest_replies:
            text = label(r.publish, Publish)
            if r.publish != Publish.NONE.value:
                text += f"（{r.published_on.isoformat()}）" if r.published_on else "（待公开）"
            publication.append(text)

        owing = [a.current_due for a in active if a.status in OWING]
        open_dues = [c.due_on for c in item_commitments if c.status == CommitmentStatus.OPEN.value]
        row = {
            "seq": seq,
            "kind": label(item.kind, ItemKind),
            "session": item.session.name,
            "number": item.number,
            "title": item.title,
            "lead_submitter": lead_sub,
            "co_submitter_count": sum(1 for s in subs if s.role == SubmitterRole.CO.value),
            "category": item.category,
            "nature": "、".join(nature),
            "tier": label(item.tier or _DEPARTMENT, Tier),
            "leader": item.leader.display if item.leader_id and item.leader else "",
            "mode": label(item.handling_mode, HandlingMode) if item.handling_mode else "",
            "lead_units": _join(a.unit.name for a in answering),
            "co_units": _join(a.unit.name for a in co),
            "responsible_leaders": _join(a.responsible_leader for a in answering),
            "handlers": _join(a.handler.display for a in answering if a.handler_id and a.handler),
            "phones": _join(a.handler_phone for a in answering),
            "assigned_on": min((a.assigned_on for a in every), default=None),
            "received_on": (max(clock.local_date(r) for r in received)
                            if received and all(received) else None),
            "returns": _join(
                (f"{unit_of[r.assignment_id]} {clock.local_date(r.requested_at).isoformat()} 申退，"
                 f"{label(r.status, RequestStatus)}"
                 + (f"（{r.decision_note}）" if r.decision_note else ""))
                for a in every for r in returns.get(a.id, [])
            ),
            "co_opinions": _join(
                (f"{a.unit.name}：要求 {_d(a.co_opinion_due)}，"
                 + (f"实际 {a.opinion_submitted_on.isoformat()}" if a.opinion_submitted_on else "未提交"))
                for a in co
            ),
            "reply_due": min((a.reply_due for a in answering), default=None),
            "extended_due": max((a.extended_due for a in answering if a.extended_due), default=None),
            "contacts": _join(
                ((f"{a.unit.name} " if multi else "")
                 + f"{label(c.stage, ContactStage)}{label(c.method, ContactMethod)} {c.contact_on.isoformat()}")
                for a in active for c in contacts.get(a.id, [])
            ),
            "replied_on": _replied_on(answering, replies),
            "doc_numbers": _join((r.doc_number for r in latest_replies), "；"),
            "result_class": _join((r.result_class for r in latest_replies), "/"),
            "adoption": _join(label(f.adoption, Adoption) for f in fb if f.adoption),
            "commitments": _join(
                (f"{c.text}（{c.due_on.isoformat()}前，{label(c.status, CommitmentStatus)}）"
                 for c in item_commitments), "；"),
            "satisfaction_work": _ratings([f.work for f in fb], Rating),
            "satisfaction_result": _ratings([f.result for f in fb], Rating),
            "rehandling": rehandle,
            "publication": _join(publication, "；"),
            "progress": "；".join(progress),
            "closeout": _closeout(item),
            "note": item.note,
            "_item_id": item.id,
            "_status": item.status,
            "_flag": row_flag(owing, open_dues, today,
                              [a.receipt_due for a in active if a.status == _PENDING_RECEIPT]),
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


def _on_time(due: dt.date | None, done: dt.date | None, today: dt.date) -> str:
    if done is not None:
        return "按时" if due is None or done <= due else "逾期提交"
    if due is not None and due < today:
        return "未提交（已逾期）"
    return "未提交"


def iter_co_rows(filters: LedgerFilters, *, today: dt.date | None = None,
                 batch_size: int = BATCH_SIZE) -> Iterator[dict[str, Any]]:
    """One row per active co-handling assignment of the selected items, in ledger order."""
    today = today or clock.today()
    query = (Assignment.select(Assignment.id, Assignment.item, Assignment.co_opinion_due,
                               Assignment.opinion_submitted_on, Item.number.alias("item_number"),
                               Item.title.alias("item_title"), Unit.name.alias("unit_name"))
             .join(Item, on=(Assignment.item == Item.id))
             .switch(Assignment)
             .join(Unit, on=(Assignment.unit == Unit.id))
             .where(Assignment.item.in_(item_ids(filters, today))
                    & (Assignment.role == HandlingRole.CO.value) & (Assignment.status != _RETURNED))
             .order_by(Item.session, Item.kind, pw.fn.LENGTH(Item.number), Item.number, Assignment.id))
    offset, seq = 0, 0
    while True:
        batch = None  # drop the previous batch before fetching the next one
        # plain objects straight from the cursor (fetch_objects), shaped as the rows read them
        batch = fetch_objects(query.limit(batch_size).offset(offset))
        if not batch:
            return
        for a in batch:
            a.item = SimpleNamespace(number=a.item_number, title=a.item_title)
            a.unit = SimpleNamespace(name=a.unit_name)
        item_ids_here = list({a.item_id for a in batch})
        lead_rows = fetch_objects(Assignment.select(Assignment.id, Assignment.item, Unit.name.alias("unit_name"))
                                  .join(Unit, on=(Assignment.unit == Unit.id))
                                  .where(Assignment.item.in_(item_ids_here) & Assignment.role.in_(_ANSWERING)
                                         & (Assignment.status != _RETURNED)).order_by(Assignment.id))
        for x in lead_rows:
            x.unit = SimpleNamespace(name=x.unit_name)
        leads = _group(lead_rows, "item_id")
        latest = (CoOpinion.select(pw.fn.MAX(CoOpinion.id))
                  .where(CoOpinion.assignment.in_([a.id for a in batch])).group_by(CoOpinion.assignment))
        opinions = {o.assignment_id: o for o in fetch_objects(CoOpinion.select().where(CoOpinion.id.in_(latest)))}
        for a in batch:
            seq += 1
            opinion = opinions.get(a.id)
            done = a.opinion_submitted_on or (opinion.submitted_on if opinion else None)
            text = (opinion.text if opinion else "").replace("\r", " ").replace("\n", " ")
            yield {
                "seq": seq,
                "number": a.item.number,
                "title": a.item.title,
                "lead_units": _join(x.unit.name for x in leads.get(a.item_id, [])),
                "co_unit": a.unit.name,
                "opinion_due": a.co_opinion_due,
                "opinion_on": done,
                "on_time": _on_time(a.co_opinion_due, done, today),
                "summary": text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…",
                "_flag": ("overdue" if done is None and a.co_opinion_due and a.co_opinion_due < today
                          else None),
            }
        offset += len(batch)
        if len(batch) < batch_size:
            return


# --- sheet 3: dispatch snapshot per unit -------------------------------------------------------


def dispatch_snapshot(filters: LedgerFilters, *, today: dt.date | None = None) -> dict[str, Any]:
    """Per-unit progress of the selected items (answering assignments; returned ones excluded):
    assigned, received, replied, overdue, co assignments and opinions, slips by colour when any
    were issued, and the reply rate. ``{"columns": [...], "rows": [...], "has_slips": bool}``."""
    from tracker.reminders.models import Slip

    today = today or clock.today()
    scope = item_ids(filters, today)
    one = pw.Value(1)

    def _sum(condition: pw.Expression) -> pw.Function:
        return pw.fn.COALESCE(pw.fn.SUM(pw.Case(None, [(condition, one)], 0)), 0)

    answering = Assignment.role.in_(_ANSWERING)
    stats = (
        Assignment.select(
            Assignment.unit,
            _sum(answering).alias("assigned"),
            _sum(answering & Assignment.received_at.is_null(False)).alias("received"),
            _sum(answering & Assignment.status.in_(_REPLIED)).alias("replied"),
            _sum(answering & Assignment.status.in_(OWING) & (Assignment.current_due < today)).alias("overdue"),
            _sum(Assignment.role == HandlingRole.CO.value).alias("co_assigned"),
            _sum((Assignment.role == HandlingRole.CO.value)
                 & Assignment.opinion_submitted_on.is_null(False)).alias("co_done"),
        )
        .where(Assignment.item.in_(scope) & (Assignment.status != _RETURNED))
        .group_by(Assignment.unit)
        .dicts()
    )
    by_unit = {row["unit"]: row for row in stats}
    slips: dict[int, Counter] = defaultdict(Counter)
    slip_rows = (Slip.select(Assignment.unit, Slip.color, pw.fn.COUNT(Slip.id).alias("n"))
                 .join(Assignment, on=(Slip.assignment == Assignment.id))
                 .where(Assignment.item.in_(scope))
                 .group_by(Assignment.unit, Slip.color).dicts())
    for row in slip_rows:
        slips[row["unit"]][row["color"]] += int(row["n"])
    has_slips = bool(slips)

    columns: list[tuple[str, str, str]] = [
        ("unit", "承办单位", "text"), ("assigned", "交办件数（主办/独办/分办）", "int"),
        ("received", "已签收", "int"), ("replied", "已答复", "int"), ("overdue", "超期未答复", "int"),
        ("co_assigned", "会办件数", "int"), ("co_done", "已提交会办意见", "int"),
    ]
    if has_slips:
        columns += [(f"slip_{c.value}", label(c), "int") for c in SlipColor]
    columns.append(("reply_rate", "办复率", "percent"))
    rows = []
    for unit in Unit.select().where(Unit.id.in_(list(by_unit) or [0])).order_by(Unit.sort_order, Unit.id):
        data = by_unit[unit.id]
        assigned = int(data["assigned"])
        row = {"unit": unit.name, **{k: int(data[k]) for k in
                                     ("assigned", "received", "replied", "overdue", "co_assigned", "co_done")}}
        if has_slips:
            for c in SlipColor:
                row[f"slip_{c.value}"] = slips[unit.id][c.value]
        row["reply_rate"] = (row["replied"] / assigned) if assigned else None
        row["_flag"] = "overdue" if row["overdue"] else None
        rows.append(row)
    return {"columns": columns, "rows": rows, "has_slips": has_slips, "today": today}
