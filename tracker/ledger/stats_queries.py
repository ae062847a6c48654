"""Loading the per-assignment facts of :mod:`tracker.ledger.stats` with a fixed number of
batched queries (one per table), whatever the number of items.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

import peewee as pw

from tracker.assignments.models import Assignment
from tracker.core import clock
from tracker.core.db import fetch_dicts
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
from tracker.items.queries import OWING
from tracker.ledger.stats import (
    AssignmentFacts,
    CommitmentFact,
    ContactFact,
    FormFact,
    SlipFact,
)
from tracker.reminders.models import Slip
from tracker.replies.models import Commitment, Feedback, Reply
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
            if value is None or f.name == "session_ids":
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
        conds.append(Item.session.in_(Session.select(Session.id).where(Session.year == flt.year)))
    return conds


def assignment_ids(flt: StatsFilter) -> pw.ModelSelect:
    query = Assignment.select(Assignment.id).join(Item)
    conds = _where(flt)
    return query.where(*conds) if conds else query


def _min(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def load_facts(flt: StatsFilter | None = None) -> list[AssignmentFacts]:
    """The facts of every assignment matching the filter, units in their display order. The
    rows are read straight from the cursor (``fetch_dicts``): a session of 15,000 assignments
    means ~100,000 rows, and peewee's per-value conversion cost four times the queries."""
    flt = flt or StatsFilter()
    ids = assignment_ids(flt)
    base = fetch_dicts(
        Assignment.select(
            Assignment.id, Assignment.item, Assignment.unit, Assignment.role, Assignment.status,
            Assignment.assigned_on, Assignment.received_at, Assignment.reply_due,
            Assignment.extended_due, Assignment.co_opinion_due, Assignment.current_due,
            Assignment.replied_on, Assignment.opinion_submitted_on, Assignment.scorecard,
            Item.number, Item.title, Item.session, Item.kind, Item.tier, Item.is_key,
            Item.status.alias("item_status"), Unit.name.alias("unit_name"),
            Unit.sort_order.alias("unit_order"), Session.name.alias("session_name"),
        )
        .join(Item).join(Session).switch(Assignment).join(Unit)
        .where(Assignment.id.in_(ids))
        .order_by(Unit.sort_order, Unit.id, Item.session, Item.number, Assignment.id)
    )
    rows = base
    if not rows:
        return []

    sent: dict[int, list[dict]] = {}
    for r in fetch_dicts(Reply.select(Reply.assignment, Reply.round, Reply.sent_on, Reply.sent_at,
                           Reply.result_class, Reply.publish, Reply.published_on, Reply.id)
              .where(Reply.assignment.in_(ids) & (Reply.status == ReplyStatus.SENT.value))
              .order_by(Reply.round, Reply.sent_on, Reply.id)):
        sent.setdefault(r["assignment"], []).append(r)

    contacts: dict[int, list[ContactFact]] = {}
    for c in fetch_dicts(Contact.select(Contact.assignment, Contact.contact_on, Contact.method, Contact.stage)
              .where(Contact.assignment.in_(ids)).order_by(Contact.contact_on, Contact.id)):
        contacts.setdefault(c["assignment"], []).append(
            ContactFact(on=c["contact_on"], method=c["method"], stage=c["stage"]))

    opinions: dict[int, dt.date] = {}
    for o in fetch_dicts(CoOpinion.select(CoOpinion.assignment, pw.fn.MIN(CoOpinion.submitted_on).alias("first"))
              .where(CoOpinion.assignment.in_(ids)).group_by(CoOpinion.assignment)):
        opinions[o["assignment"]] = o["first"]

    commitments: dict[int, list[CommitmentFact]] = {}
    for c in fetch_dicts(Commitment.select(Commitment.id, Commitment.assignment, Commitment.text, Commitment.due_on,
                                Commitment.status, Commitment.fulfilled_on)
              .join(Reply)
              .where(Commitment.assignment.in_(ids) & (Reply.status == ReplyStatus.SENT.value))
              .order_by(Commitment.due_on, Commitment.id)):
        commitments.setdefault(c["assignment"], []).append(CommitmentFact(
            id=c["id"], text=c["text"], due_on=c["due_on"], status=c["status"],
            fulfilled_on=c["fulfilled_on"]))

    slips: dict[int, list[SlipFact]] = {}
    for s in fetch_dicts(Slip.select(Slip.assignment, Slip.color, Slip.issued_on)
              .where(Slip.assignment.in_(ids)).order_by(Slip.issued_on, Slip.id)):
        slips.setdefault(s["assignment"], []).append(SlipFact(color=s["color"], issued_on=s["issued_on"]))

    item_ids = {r["item"] for r in rows}
    latest: dict[tuple[int, int], dict] = {}
    from tracker.items.models import Submitter

    for fb in fetch_dicts(Feedback.select(Feedback.item, Feedback.submitter, Feedback.round, Feedback.work,
                                          Feedback.result, Feedback.source, Feedback.created_at, Feedback.id,
                                          Submitter.name.alias("submitter_name"))
                          .join(Submitter, on=(Feedback.submitter == Submitter.id))
                          .where(Feedback.item.in_(Assignment.select(Assignment.item)
                                                   .where(Assignment.id.in_(ids))))):
        key = (fb["item"], fb["submitter"])
        if key not in latest or fb["round"] > latest[key]["round"]:
            latest[key] = fb
    # the names come with the rows (a second query with thousands of ids cost more than the join)
    names = {sid: fb["submitter_name"] for (_item, sid), fb in latest.items()}
    forms: dict[int, list[FormFact]] = {}
    for (item_id, submitter_id), fb in sorted(latest.items()):
        if item_id not in item_ids or fb["source"] == FeedbackSource.WINDOW_EXPIRED.value:
            continue
        forms.setdefault(item_id, []).append(FormFact(
            submitter=names.get(submitter_id, ""), work=fb["work"], result=fb["result"],
            round=fb["round"], on=clock.local_date(fb["created_at"]) if fb["created_at"] else None))

    facts = []
    for r in rows:
        aid = r["id"]
        is_co = r["role"] == HandlingRole.CO.value
        replies = sent.get(aid, [])
        first = replies[0] if replies else None
        last = replies[-1] if replies else None
        replied_on = None
        if not is_co:
            replied_on = _first_sent_on(first) if first else None
            if replied_on is None and r["status"] in _REPLIED_STATES:
                replied_on = r["replied_on"]
        void = r["status"] == AssignmentStatus.RETURNED.value or r["item_status"] in VOID_ITEM_STATUSES
        facts.append(AssignmentFacts(
            assignment_id=aid, item_id=r["item"], item_number=r["number"], item_title=r["title"],
            session_id=r["session"], session_name=r["session_name"], kind=r["kind"], tier=r["tier"],
            is_key=bool(r["is_key"]), unit_id=r["unit"], unit_name=r["unit_name"], role=r["role"],
            status=r["status"], assigned_on=r["assigned_on"],
            due_on=(r["co_opinion_due"] or r["current_due"]) if is_co
            else (r["extended_due"] or r["reply_due"]),
            current_due=r["current_due"], original_due=None if is_co else r["reply_due"], void=void,
            owing=r["status"] in OWING,
            received_on=clock.local_date(r["received_at"]) if r["received_at"] else None,
            replied_on=replied_on,
            opinion_on=_min(r["opinion_submitted_on"], opinions.get(aid)) if is_co else None,
            result_class=last["result_class"] if last else None,
            published_on=last["published_on"] if last and last["publish"] != Publish.NONE.value else None,
            contacts=tuple(contacts.get(aid, ())),
            forms=tuple(forms.get(r["item"], ())) if not is_co else (),
            commitments=tuple(commitments.get(aid, ())),
            slips=tuple(slips.get(aid, ())),
            scorecard_id=r["scorecard"],
        ))
    return facts


_REPLIED_STATES = (AssignmentStatus.REPLIED.value, AssignmentStatus.DONE.value,
                   AssignmentStatus.REHANDLING.value)


def _first_sent_on(reply: dict) -> dt.date | None:
    if reply["sent_on"] is not None:
        return reply["sent_on"]
    if reply["sent_at"] is not None:
        return clock.local_date(reply["sent_at"])
    return None


def _submitter_names(ids: set[int]) -> dict[int, str]:
    from tracker.items.models import Submitter

    return dict(Submitter.select(Submitter.id, Submitter.name).where(Submitter.id.in_(list(ids))).tuples())


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


def key_items(*, leader_id: int | None = None, flt: StatsFilter | None = None, limit: int = 50):
    """Open leader-led or key items (or those a leader leads), with their answering units."""
    query = (Item.select(Item, Session).join(Session)
             .where(Item.status.not_in(CLOSED_ITEM_STATUSES)))
    if leader_id:
        query = query.where((Item.leader == leader_id) | (Item.tier == Tier.LEADER_LED.value)
                            | (Item.is_key == True))  # noqa: E712
    else:
        query = query.where((Item.tier == Tier.LEADER_LED.value) | (Item.is_key == True))  # noqa: E712
    if flt is not None:
        if flt.session_id:
            query = query.where(Item.session == flt.session_id)
        if flt.year:
            query = query.where(Session.year == flt.year)
        if flt.kind:
            query = query.where(Item.kind == flt.kind)
    items = list(query.order_by(Item.id).limit(limit))
    if not items:
        return []
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
    out = []
    for item in items:
        units = assignments.get(item.id, [])
        answering = [a for a in units if a.role != HandlingRole.CO.value]
        owing = [a for a in answering if a.status in OWING]
        due = min((a.current_due for a in owing), default=None)
        out.append({"item": item, "units": [a.unit.name for a in answering],
                    "co_units": [a.unit.name for a in units if a.role == HandlingRole.CO.value],
                    "due": due, "leader": leaders.get(item.leader_id, ""),
                    "mine": bool(leader_id and item.leader_id == leader_id)})
    out.sort(key=lambda r: (not r["mine"], r["due"] or dt.date.max, r["item"].id))
    return out
