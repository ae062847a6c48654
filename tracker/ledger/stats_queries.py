"""Loading the per-assignment facts of :mod:`tracker.ledger.stats` with a fixed number of
batched queries (one per table), whatever the number of items.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field, fields
from typing import Any

import peewee as pw

from tracker.assignments.deadlines import days_overdue
from tracker.assignments.models import Assignment
from tracker.core import clock
from tracker.core.collector import pause_collector, resume_collector
from tracker.core.db import db, in_ids, is_sqlite
from tracker.core.enums import (
    AssignmentStatus,
    FeedbackSource,
    HandlingRole,
    ItemKind,
    ItemStatus,
    Publish,
    ReplyStatus,
    Tier,
)
from tracker.core.errors import ValidationFailed
from tracker.handling.models import Contact, CoOpinion
from tracker.items.models import Item, Session
from tracker.items.queries import OWING, commitment_due
from tracker.ledger.stats import (
    AssignmentFacts,
    CommitmentFact,
    ContactFact,
    FormFact,
    SlipFact,
    from_columns,
)
from tracker.reminders.models import Slip
from tracker.replies.models import Commitment, Feedback, Reply
from tracker.rules import services as rules
from tracker.units.models import Unit

VOID_ITEM_STATUSES = (ItemStatus.WITHDRAWN.value, ItemStatus.MERGED.value)
CLOSED_ITEM_STATUSES = (ItemStatus.CLOSED.value, ItemStatus.ARCHIVED.value, *VOID_ITEM_STATUSES)


@dataclass(frozen=True)
class StatsFilter:
    """The filters of the statistics (like GET /items): all optional."""

    session_id: int | None = None
    kind: str | None = None
    tier: str | None = None
    unit_id: int | None = None
    is_key: bool | None = None
    year: int | None = None
    session_ids: tuple[int, ...] | None = None  # several sessions (dispatch: the open ones)
    # a list of item ids, e.g. a batch of what the ledger's filters select (its 调度情况 sheet)
    item_ids: Any = field(default=None, compare=False)

    @classmethod
    def from_args(cls, args: Any) -> StatsFilter:
        """From query-string arguments; 422 with the field's name when a value is wrong."""
        errors: dict[str, str] = {}

        def _int(name: str) -> int | None:
            raw = (args.get(name) or "").strip() if hasattr(args, "get") else ""
            if not raw:
                return None
            try:
                return int(raw)
            except ValueError:
                errors[name] = "应为整数"
                return None

        kind = (args.get("kind") or "").strip() or None
        if kind and kind not in {k.value for k in ItemKind}:
            errors["kind"] = "类别不正确"
        tier = (args.get("tier") or "").strip() or None
        if tier and tier not in {t.value for t in Tier}:
            errors["tier"] = "办理层级不正确"
        raw_key = (args.get("is_key") or "").strip()
        is_key = None
        if raw_key in ("1", "true"):
            is_key = True
        elif raw_key in ("0", "false"):
            is_key = False
        elif raw_key:
            errors["is_key"] = "应为 1 或 0"
        result = cls(session_id=_int("session_id"), kind=kind, tier=tier, unit_id=_int("unit_id"),
                     is_key=is_key, year=_int("year"))
        if errors:
            raise ValidationFailed("筛选条件有误：" + "、".join(errors), fields=errors)
        return result

    def args(self) -> dict[str, Any]:
        """Query-string arguments that reproduce this filter (for links)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or f.name in ("session_ids", "item_ids"):  # not query-string values
                continue
            out[f.name] = int(value) if isinstance(value, bool) else value
        return out

    def with_(self, **changes: Any) -> StatsFilter:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(changes)
        return StatsFilter(**data)


def _where(flt: StatsFilter) -> list[pw.Expression]:
    conds: list[pw.Expression] = []
    if flt.session_id:
        conds.append(Item.session == flt.session_id)
    if flt.session_ids is not None:
        conds.append(Item.session.in_(list(flt.session_ids) or [-1]))
    if flt.kind:
        conds.append(Item.kind == flt.kind)
    if flt.tier:
        conds.append(Item.tier == flt.tier)
    if flt.is_key is not None:
        conds.append(Item.is_key == flt.is_key)
    if flt.unit_id:
        conds.append(Assignment.unit == flt.unit_id)
    if flt.year:
        # the year's sessions as a list of ids, not a subquery: with a subquery SQLite's planner
        # walked every assignment by unit and tested its item (0.8 s for a year of a
        # 200,000-item database); with the ids it reads the sessions' items by index (0.05 s)
        ids = [row[0] for row in Session.select(Session.id).where(Session.year == flt.year).tuples()]
        conds.append(Item.session.in_(ids or [-1]))
    if flt.item_ids is not None:  # a batch of ids (the ledger's 调度情况 sheet): one SQL fragment
        conds.append(in_ids(Item.id, flt.item_ids))
    return conds


def assignment_ids(flt: StatsFilter) -> pw.ModelSelect:
    query = Assignment.select(Assignment.id).join(Item)
    conds = _where(flt)
    return query.where(*conds) if conds else query


class _Days(dict):
    """Date values as the driver gives them -> ``dt.date``, each distinct value parsed once.

    On SQLite the loader reads date columns as their ISO text (``CAST(... AS TEXT)`` has no
    declared type, so the connection's per-value converter is not called) and a session's
    ~100,000 date values are a few hundred distinct days; PostgreSQL gives dates already."""

    def __missing__(self, raw: Any) -> dt.date | None:
        value = dt.date.fromisoformat(raw[:10]) if isinstance(raw, str) else raw
        self[raw] = value
        return value


class _LocalDays(dict):
    """Instants truncated to the UTC hour (``_hour``) -> the local date (Asia/Shanghai) of
    any instant in that hour, each distinct hour converted once (a session's ~30,000 instants
    are a few thousand hours). Exact because the zone's offsets and their changes are whole
    hours, so a local day starts on a UTC hour (checked for every hour of 1901-2100)."""

    def __missing__(self, raw: Any) -> dt.date | None:
        if raw is None:
            value = None
        else:
            hour = dt.datetime.fromisoformat(raw + ":00") if isinstance(raw, str) else raw
            value = clock.local_date(hour if hour.tzinfo else hour.replace(tzinfo=dt.UTC))
        self[raw] = value
        return value


def _day(field: pw.Field) -> pw.Node:
    """A date column as the driver reads it without conversion (see :class:`_Days`)."""
    return pw.Cast(field, "TEXT") if is_sqlite() else field


def _hour(field: pw.Field) -> pw.Node:
    """A UTC instant column (naive UTC as stored) truncated to its hour (see :class:`_LocalDays`)."""
    return pw.fn.substr(field, 1, 13) if is_sqlite() else pw.fn.date_trunc("hour", field)


def _rows(query: pw.SelectQuery) -> list[tuple]:
    """The raw rows of a query, straight from the cursor (no per-value conversion by peewee)."""
    return db.execute_sql(*query.sql()).fetchall()


def load_facts(flt: StatsFilter | None = None, *, details: bool = True) -> list[AssignmentFacts]:
    """The facts of every assignment matching the filter, units in their display order.

    A session of 15,000 assignments means ~70,000 rows from eight tables, read as raw tuples
    (no models, no per-value conversion: dates through :class:`_Days`), each table in one
    query (on PostgreSQL, one per 20,000 ids: see ``of_facts``), with the cyclic garbage
    collector paused (see
    :func:`~tracker.core.collector.pause_collector`).

    ``details=False`` leaves out the contacts, feedback forms and commitments (their tuples stay
    empty, so the counts made of them read 0): for figures that use none of them, e.g. the
    ledger's 调度情况 sheet (assigned, received, replied, overdue, co opinions, slips)."""
    paused = pause_collector()
    try:
        return _load_facts(flt or StatsFilter(), details)
    finally:
        resume_collector(paused)


ID_CHUNK = 20_000  # ids a statement of the facts' loader lists at most (a year: 31,500 assignments)


def _load_facts(flt: StatsFilter, details: bool = True) -> list[AssignmentFacts]:
    conds = _where(flt)
    co = HandlingRole.CO.value
    answering = Assignment.role != co

    # the assignments in display order (unit, session, number), with their due dates chosen;
    # their items (with the session's name) and the units' names are read apart (each once)
    opinion = CoOpinion.alias("first_opinion")
    first_opinion = opinion.select(pw.fn.MIN(opinion.submitted_on)).where(opinion.assignment == Assignment.id)
    base = (
        Assignment.select(
            Assignment.id, Assignment.item, Assignment.unit, Assignment.role, Assignment.status,
            _day(Assignment.assigned_on), _hour(Assignment.received_at), _day(Assignment.current_due),
            # the approved due date of the act: the co opinion's (else what is due now), or the
            # reply's (extended if an extension was approved, else as assigned)
            _day(pw.Case(None, [(answering, pw.fn.COALESCE(Assignment.extended_due, Assignment.reply_due))],
                         pw.fn.COALESCE(Assignment.co_opinion_due, Assignment.current_due))),
            _day(pw.Case(None, [(answering, Assignment.reply_due)], None)),  # the reply date as assigned
            # the reply date recorded on a replied assignment (used when no sent reply has a date)
            _day(pw.Case(None, [(answering & Assignment.status.in_(_REPLIED_STATES), Assignment.replied_on)],
                         None)),
            _day(pw.Case(None, [(~answering, Assignment.opinion_submitted_on)], None)),
            pw.Case(None, [(~answering, first_opinion)], None),
            Assignment.scorecard,
        )
        .join(Item).switch(Assignment).join(Unit)
        .order_by(Unit.sort_order, Unit.id, Item.session, Item.number, Assignment.id)
    )
    rows = _rows(base.where(*conds) if conds else base)
    if not rows:
        return []
    assignment_ids = [row[0] for row in rows]
    item_ids = sorted({row[1] for row in rows})

    def of_facts(query: pw.ModelSelect, *order: Any, by_item: bool = False) -> list[tuple]:
        """The rows of a per-assignment table (``query`` of it, with ``order`` within each
        assignment) for the facts' assignments, ordered by assignment first; ``by_item``: of a
        per-item table for the facts' items, ordered by item first.

        SQLite is asked through the filter's items and their assignments, the plan it runs best
        (each item's assignments, then their rows, from the indexes, in the order it reads
        them). PostgreSQL is given the ids as literal lists, a chunk at a time: joined through
        the items it hashed every row of the table, where with the ids it looks each one up in
        the table's index (a year's contacts: 162 -> 80 ms; the year's facts 1.13 -> 0.89 s).
        Not for every assignment (no filter), where hashing the tables is the faster plan (7.2
        s, with the lists 7.8-10.7 s); nor on SQLite, where the lists were slower (the year's
        facts 580 -> 640 ms)."""
        field, ids = (query.model.item, item_ids) if by_item else (query.model.assignment, assignment_ids)
        if is_sqlite() or not conds:
            if by_item:
                query, where, leading = query.join(Item, on=(field == Item.id)), item_filter, (Item.id,)
            else:
                query = query.join(Assignment, on=(field == Assignment.id)).join(Item)
                where, leading = conds, (Item.id, Assignment.id)
            return _rows((query.where(*where) if where else query).order_by(*leading, *order))
        query = query.order_by(field, *order)
        return [row for first in range(0, len(ids), ID_CHUNK)
                for row in _rows(query.where(in_ids(field, ids[first:first + ID_CHUNK])))]

    if flt.unit_id:  # a condition on the assignments: the items having a matching one
        item_filter = [Item.id.in_(Assignment.select(Assignment.item).join(Item).where(*conds))]
    else:  # conditions on the items only (items without assignments are read and not used)
        item_filter = conds
    item_query = Item.select(Item.id, Item.number, Item.title, Item.session, Item.kind, Item.tier, Item.is_key,
                             Item.status.in_(VOID_ITEM_STATUSES), Session.name).join(Session)
    items = {row[0]: row for row in _rows(item_query.where(*item_filter) if item_filter else item_query)}
    unit_names = dict(_rows(Unit.select(Unit.id, Unit.name)))
    days = _Days()
    local_days = _LocalDays()

    # sent replies in order (round, sent date, id) per assignment: the first gives the reply
    # date (its date, else the day it was sent), the last the class and the publication
    first_sent_on: dict[int, dt.date | None] = {}
    result_classes: dict[int, str | None] = {}
    published_on: dict[int, dt.date | None] = {}
    not_published = Publish.NONE.value
    for aid, sent_on, sent_hour, result_class, publish, published in of_facts(
            Reply.select(Reply.assignment, _day(Reply.sent_on), _hour(Reply.sent_at), Reply.result_class,
                         Reply.publish, _day(Reply.published_on))
            .where(Reply.status == ReplyStatus.SENT.value), Reply.round, Reply.sent_on, Reply.id):
        if aid not in first_sent_on:
            first_sent_on[aid] = days[sent_on] if sent_on is not None else local_days[sent_hour]
        result_classes[aid] = result_class
        published_on[aid] = days[published] if publish != not_published else None

    # contacts in date order; equal contacts share one (immutable) fact
    contacts: dict[int, list[ContactFact]] = {}
    shared_contacts: dict[tuple, ContactFact] = {}
    face_methods = rules.face_to_face_methods()
    for aid, on, method, stage in () if not details else of_facts(
            Contact.select(Contact.assignment, _day(Contact.contact_on), Contact.method, Contact.stage),
            Contact.contact_on, Contact.id):
        key = (on, method, stage)
        fact = shared_contacts.get(key)
        if fact is None:
            fact = shared_contacts[key] = ContactFact(days[on], method, stage, method in face_methods)
        if aid in contacts:
            contacts[aid].append(fact)
        else:
            contacts[aid] = [fact]

    commitments: dict[int, list[CommitmentFact]] = {}
    sent_reply = Reply.alias("sent_reply")
    for aid, cid, text, due_on, status, fulfilled_on in () if not details else of_facts(
            Commitment.select(Commitment.assignment, Commitment.id, Commitment.text, _day(Commitment.due_on),
                              Commitment.status, _day(Commitment.fulfilled_on))
            .join(sent_reply, on=(Commitment.reply == sent_reply.id))
            .where(sent_reply.status == ReplyStatus.SENT.value), Commitment.due_on, Commitment.id):
        commitments.setdefault(aid, []).append(CommitmentFact(cid, text, days[due_on], status, days[fulfilled_on]))

    slips: dict[int, list[SlipFact]] = {}
    shared_slips: dict[tuple, SlipFact] = {}
    for aid, color, issued_on in of_facts(
            Slip.select(Slip.assignment, Slip.color, _day(Slip.issued_on)), Slip.issued_on, Slip.id):
        key = (color, issued_on)
        fact = shared_slips.get(key)
        if fact is None:
            fact = shared_slips[key] = SlipFact(color, days[issued_on])
        slips.setdefault(aid, []).append(fact)

    # feedback forms: each submitter's latest round, unless that round is 逾期未表态 (the window
    # ran out); one tuple per item (submitters in order), shared by its answering units
    from tracker.items.models import Submitter

    later = Feedback.alias("later_round")
    later_round = later.select(later.id).where((later.item == Feedback.item) & (later.submitter == Feedback.submitter)
                                               & (later.round > Feedback.round))
    feedback = [] if not details else of_facts(
        Feedback.select(Feedback.item, Submitter.name, Feedback.work, Feedback.result, Feedback.round,
                        _hour(Feedback.created_at))
        .join(Submitter, on=(Feedback.submitter == Submitter.id))
        .where(~pw.fn.EXISTS(later_round), Feedback.source != FeedbackSource.WINDOW_EXPIRED.value),
        Feedback.submitter, by_item=True)
    item_forms: dict[int, list[FormFact]] = {}
    if feedback:
        item_c, name_c, work_c, result_c, round_c, created_c = zip(*feedback, strict=True)
        for item_id, form in zip(item_c, from_columns(FormFact, (
                name_c, work_c, result_c, round_c, map(local_days.__getitem__, created_c))), strict=True):
            if item_id in item_forms:
                item_forms[item_id].append(form)
            else:
                item_forms[item_id] = [form]
    forms = {item_id: tuple(rows_) for item_id, rows_ in item_forms.items()}

    # the facts, built column by column (each column in one pass of C-level map / zip)
    (aid_c, item_c, unit_c, role_c, status_c, assigned_c, received_c, current_c, due_c, original_c, recorded_reply_c,
     submitted_c, first_opinion_c, scorecard_c) = zip(*rows, strict=True)
    (_, number_c, title_c, session_c, kind_c, tier_c, is_key_c, void_item_c, session_name_c) = zip(
        *map(items.__getitem__, item_c), strict=True)
    day = days.__getitem__
    returned = AssignmentStatus.RETURNED.value
    void_c = [status == returned or void_item == 1 for status, void_item in zip(status_c, void_item_c, strict=True)]
    first_sent = first_sent_on.get
    replied_c = [(None if role == co else first_sent(aid)) or day(recorded)
                 for aid, role, recorded in zip(aid_c, role_c, recorded_reply_c, strict=True)]
    opinion_c = [None if submitted is None and first is None else _min(day(submitted), day(first))
                 for submitted, first in zip(submitted_c, first_opinion_c, strict=True)]  # co: first submitted
    forms_of = forms.get
    forms_c = [() if role == co else forms_of(item_id, ()) for role, item_id in zip(role_c, item_c, strict=True)]
    nothing = itertools.repeat(())
    columns = (  # in the order of the fields of AssignmentFacts
        aid_c, item_c, number_c, title_c, session_c, kind_c, tier_c, unit_c, map(unit_names.__getitem__, unit_c),
        role_c, status_c, map(day, assigned_c), map(day, due_c), map(day, current_c), map(day, original_c),
        void_c, map(frozenset(OWING).__contains__, status_c), map(bool, is_key_c),
        map(local_days.__getitem__, received_c), replied_c, opinion_c, map(result_classes.get, aid_c), map(published_on.get, aid_c), session_name_c,
        map({aid: tuple(rows_) for aid, rows_ in contacts.items()}.get, aid_c, nothing), forms_c,
        map({aid: tuple(rows_) for aid, rows_ in commitments.items()}.get, aid_c, nothing),
        map({aid: tuple(rows_) for aid, rows_ in slips.items()}.get, aid_c, nothing),
        scorecard_c,
    )
    return from_columns(AssignmentFacts, columns)


def _min(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


_REPLIED_STATES = (AssignmentStatus.REPLIED.value, AssignmentStatus.DONE.value,
                   AssignmentStatus.REHANDLING.value)


# --- supporting lookups for the pages ---------------------------------------------------------


def open_session_ids() -> tuple[int, ...]:
    """Sessions with at least one item still being handled (not closed, archived, void)."""
    rows = (Item.select(Item.session).where(Item.status.not_in(CLOSED_ITEM_STATUSES)
                                            & (Item.status != ItemStatus.REGISTERED.value))
            .distinct().tuples())
    return tuple(sorted(r[0] for r in rows))


def sessions_for_filter():
    return Session.select().order_by(Session.year.desc(), Session.id.desc())


def years() -> list[int]:
    return [r[0] for r in Session.select(Session.year).distinct().order_by(Session.year.desc()).tuples()]


def units_for_filter():
    return Unit.select().order_by(Unit.sort_order, Unit.id)


@dataclass
class KeyItems:
    """The dashboard's 领办、重点件 card: the most urgent rows and how many there are in all."""

    rows: list[dict[str, Any]]
    total: int


def key_items(*, leader_id: int | None = None, flt: StatsFilter | None = None,
              limit: int | None = 10) -> KeyItems:
    """Open leader-led or key items (or those a leader leads), the most urgent first: the
    leader's own, then by the nearest date still owed (none last), then id. That date is the
    earliest of an answering unit's reply still owed and of the item's open
    commitments (items.queries.open_commitments, as the overdue list has them): an item in
    承诺跟踪 is owed by its commitments' dates. Each row's ``due`` is that date, ``due_act``
    what is owed by it ("reply" or "commitment"), ``days_overdue`` the calendar days past it.

    The order is the database's, so the ``limit`` rows shown are the most urgent of all of them
    (not the first ``limit`` by id, sorted afterwards).
    """
    today = clock.today()
    owing_due = (Assignment.select(Assignment.item.alias("due_item"),
                                   pw.fn.MIN(Assignment.current_due).alias("due"))
                 .where(Assignment.status.in_(OWING) & (Assignment.role != HandlingRole.CO.value))
                 .group_by(Assignment.item).alias("owing_due"))
    promised = commitment_due().alias("promised")
    # one statement picks the rows and counts them all (a window count over the whole match), on
    # ids only: sorting thousands of whole rows (with their text) would cost more than the rest
    query = (Item.select(Item.id, pw.fn.COUNT(pw.SQL("*")).over()).join(Session)
             .switch(Item).join(owing_due, pw.JOIN.LEFT_OUTER, on=(owing_due.c.due_item == Item.id))
             .switch(Item).join(promised, pw.JOIN.LEFT_OUTER, on=(promised.c.item_id == Item.id))
             .where(Item.status.not_in(CLOSED_ITEM_STATUSES)))
    earliest = pw.Case(None, [(owing_due.c.due.is_null(), promised.c.due),
                              (promised.c.due.is_null(), owing_due.c.due),
                              (promised.c.due < owing_due.c.due, promised.c.due)], owing_due.c.due)
    chosen = (Item.tier == Tier.LEADER_LED.value) | (Item.is_key == True)  # noqa: E712
    if leader_id:
        chosen = chosen | (Item.leader == leader_id)
    query = query.where(chosen)
    if flt is not None:
        if flt.session_id:
            query = query.where(Item.session == flt.session_id)
        if flt.year:
            query = query.where(Session.year == flt.year)
        if flt.kind:
            query = query.where(Item.kind == flt.kind)
    order = [] if not leader_id else [pw.Case(None, [(Item.leader == leader_id, 0)], 1)]
    order += [pw.Case(None, [(earliest.is_null(), 1)], 0), earliest, Item.id]
    picked = list(query.order_by(*order).limit(limit).tuples())
    if not picked:
        return KeyItems([], 0)
    total = picked[0][1]
    by_id = {i.id: i for i in Item.select(Item, Session).join(Session)
             .where(Item.id.in_([item_id for item_id, _ in picked]))}
    items = [by_id[i] for i, _ in picked]
    assignments: dict[int, list[Assignment]] = {}
    for a in (Assignment.select(Assignment, Unit).join(Unit)
              .where(Assignment.item.in_([i.id for i in items])
                     & (Assignment.status != AssignmentStatus.RETURNED.value))
              .order_by(Assignment.id)):
        assignments.setdefault(a.item_id, []).append(a)
    leaders = {}
    leader_ids = {i.leader_id for i in items if i.leader_id}
    if leader_ids:
        from tracker.accounts.models import User

        leaders = {u.id: u.display for u in User.select().where(User.id.in_(list(leader_ids)))}
    promised_on = dict(commitment_due().where(Assignment.item.in_([i.id for i in items])).tuples())
    out = []
    for item in items:
        units = assignments.get(item.id, [])
        answering = [a for a in units if a.role != HandlingRole.CO.value]
        owing = [a for a in answering if a.status in OWING]
        due, act = min((a.current_due for a in owing), default=None), "reply"
        promise = promised_on.get(item.id)
        if promise is not None and (due is None or promise < due):
            due, act = promise, "commitment"
        out.append({"item": item, "units": [a.unit.name for a in answering],
                    "co_units": [a.unit.name for a in units if a.role == HandlingRole.CO.value],
                    "due": due, "due_act": act if due else "", "days_overdue": days_overdue(due, today),
                    "leader": leaders.get(item.leader_id, ""),
                    "mine": bool(leader_id and item.leader_id == leader_id)})
    return KeyItems(out, total)
