"""Named queries of the reminders domain: the notification centre, the overdue and due-soon
list (one UNION over the four kinds of act, sorted and paginated in the database), slips."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from tracker.accounts.models import User
from tracker.assignments.models import Assignment
from tracker.core.enums import (
    ANSWERING_ROLES,
    OPEN_ITEM_STATUSES,
    AssignmentStatus,
    CommitmentStatus,
    HandlingRole,
    SlipColor,
    Tier,
)
from tracker.core.i18n import N_  # ACTS / SORT_LABELS: pages translate them
from tracker.items.models import Item, Session
from tracker.reminders.models import Notification, Reminder, ReminderRule, Slip
from tracker.reminders.rules import EVENTS
from tracker.replies.models import Commitment
from tracker.units.models import Unit

# --- notification centre --------------------------------------------------------------------


def unread_count(user: Any) -> int:
    return (
        Notification.select().where((Notification.user == user.id) & (Notification.read_at.is_null())).count()
    )


def for_user(user: Any, *, unread_only: bool = False):
    """A person's notifications, unread first, newest first."""
    query = Notification.select().where(Notification.user == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_null())
    return query.order_by(
        Notification.read_at.is_null().desc(), Notification.created_at.desc(), Notification.id.desc()
    )


# --- overdue and due soon -------------------------------------------------------------------

ACTS: dict[str, str] = {
    "reply": N_("答复"),
    "co_opinion": N_("会办意见"),
    "receipt": N_("签收"),
    "commitment": N_("承诺事项"),
}

# What a unit still owes in these states.
OWING_REPLY = (
    AssignmentStatus.PENDING_RECEIPT.value,
    AssignmentStatus.HANDLING.value,
    AssignmentStatus.RETURN_REQUESTED.value,
    AssignmentStatus.REHANDLING.value,
)
OWING_OPINION = (
    AssignmentStatus.PENDING_RECEIPT.value,
    AssignmentStatus.HANDLING.value,
    AssignmentStatus.RETURN_REQUESTED.value,
)
OPEN_ITEMS = [s.value for s in OPEN_ITEM_STATUSES]
ANSWERING = [r.value for r in ANSWERING_ROLES]

SORTS: dict[str, str] = {
    "due": "due_on",
    "unit": "unit_name",
    "number": "number",
    "tier": "tier",
    "act": "act",
}
SORT_LABELS = {"due": N_("期限"), "unit": N_("承办单位"), "number": N_("案号"), "tier": N_("办理层级"), "act": N_("事项")}


@dataclass
class OverdueFilters:
    session_id: int | None = None
    kind: str | None = None
    unit_id: int | None = None
    tier: str | None = None
    act: str | None = None
    due_soon: bool = False
    within: int = 7
    sort: str = "due"
    desc: bool = False


@dataclass
class OverdueRow:
    act: str
    assignment_id: int
    commitment_id: int | None
    due_on: dt.date
    item_id: int = 0
    number: str = ""
    title: str = ""
    kind: str = ""
    session_name: str = ""
    unit_id: int = 0
    unit_name: str = ""
    role: str = ""
    tier: str = ""
    leader: str = ""
    handler: str = ""
    handler_phone: str = ""
    status: str = ""
    original_due: dt.date | None = None  # the reply date as assigned, when an extension moved it
    extended: bool = False
    rehandling: bool = False
    commitment_text: str = ""
    days_overdue: int = 0
    days_left: int = 0
    slips: dict[str, int] = field(default_factory=dict)

    @property
    def act_label(self) -> str:
        return ACTS.get(self.act, self.act)

    @property
    def slip_total(self) -> int:
        return sum(self.slips.values())


# The columns a sort needs besides due_on/assignment_id/act (which every sort uses as tie-breaks);
# the default sort by date reads none of them, so the union stays within the (covering) indexes.
_SORT_COLUMNS: dict[str, tuple[str, ...]] = {"number": ("number",), "unit": ("unit_name",), "tier": ("tier",)}


def _branch(act: str, query: pw.ModelSelect, due: pw.Field, commitment: Any, sort: str) -> pw.ModelSelect:
    columns = [
        pw.Value(act).alias("act"),
        Assignment.id.alias("assignment_id"),
        commitment.alias("commitment_id"),
        due.alias("due_on"),
    ]
    for name in _SORT_COLUMNS.get(sort, ()):
        if name == "unit_name":
            query = query.switch(Assignment).join(Unit, on=(Assignment.unit == Unit.id))
            columns.append(Unit.name.alias("unit_name"))
        else:
            columns.append(getattr(Item, name).alias(name))
    return query.select(*columns)


def _filtered(query: pw.ModelSelect, f: OverdueFilters) -> pw.ModelSelect:
    query = query.where(Item.status.in_(OPEN_ITEMS))
    if f.session_id:
        query = query.where(Item.session == f.session_id)
    if f.kind:
        query = query.where(Item.kind == f.kind)
    if f.unit_id:
        query = query.where(Assignment.unit == f.unit_id)
    if f.tier:
        query = query.where(Item.tier == f.tier)
    return query


def _window(due: pw.Field, f: OverdueFilters, today: dt.date, both: bool = False) -> pw.Expression:
    if both:  # both tabs at once: overdue, and due within ``f.within`` days
        return due <= today + dt.timedelta(days=max(0, f.within))
    if f.due_soon:
        return (due >= today) & (due <= today + dt.timedelta(days=max(0, f.within)))
    return due < today


def overdue_query(f: OverdueFilters, today: dt.date, *, both: bool = False) -> pw.SelectQuery | None:
    """Every overdue (or due-soon) act as rows (act, assignment_id, commitment_id, due_on, …);
    ``both``: the acts of both tabs (overdue, and due within ``f.within`` days)."""

    def base() -> pw.ModelSelect:
        return Assignment.select().join(Item, on=(Assignment.item == Item.id))

    null = pw.Cast(pw.Value(None), "INTEGER")
    branches = []
    acts = [f.act] if f.act in ACTS else list(ACTS)
    if "reply" in acts:
        q = _filtered(base(), f).where(
            Assignment.role.in_(ANSWERING)
            & Assignment.status.in_(OWING_REPLY)
            & _window(Assignment.current_due, f, today, both)
        )
        branches.append(_branch("reply", q, Assignment.current_due, null, f.sort))
    if "co_opinion" in acts:
        q = _filtered(base(), f).where(
            (Assignment.role == HandlingRole.CO.value)
            & Assignment.status.in_(OWING_OPINION)
            & Assignment.co_opinion_due.is_null(False)
            & _window(Assignment.co_opinion_due, f, today, both)
        )
        branches.append(_branch("co_opinion", q, Assignment.co_opinion_due, null, f.sort))
    if "receipt" in acts:
        q = _filtered(base(), f).where(
            (Assignment.status == AssignmentStatus.PENDING_RECEIPT.value)
            & _window(Assignment.receipt_due, f, today, both)
        )
        branches.append(_branch("receipt", q, Assignment.receipt_due, null, f.sort))
    if "commitment" in acts:
        q = (
            Commitment.select()
            .join(Assignment, on=(Commitment.assignment == Assignment.id))
            .join(Item, on=(Assignment.item == Item.id))
        )
        q = _filtered(q, f).where(
            (Commitment.status == CommitmentStatus.OPEN.value)
            & (Assignment.status != AssignmentStatus.RETURNED.value)
            & _window(Commitment.due_on, f, today, both)
        )
        branches.append(_branch("commitment", q, Commitment.due_on, Commitment.id, f.sort))
    if not branches:
        return None
    union = branches[0]
    for other in branches[1:]:
        union = union.union_all(other)
    return union


def _sort_keys(rows: Any, f: OverdueFilters) -> list[pw.Node]:
    """ORDER BY for rows of the union (a CTE): the chosen column, then due date, assignment, act."""
    column = SORTS.get(f.sort, "due_on")
    primary = getattr(rows.c, column)
    if column == "number":  # as the item list does: 2 before 10 (by length, then the text)
        ordered = [pw.fn.LENGTH(primary), primary]
    elif column == "tier":  # 市领导领办, 政府办督办, 部门办理: the tiers' own order, not their codes
        ordered = [pw.Case(primary, [(t.value, rank) for rank, t in enumerate(Tier)], len(Tier))]
    else:
        ordered = [primary]
    keys = [k.desc() if f.desc else k.asc() for k in ordered]
    if column != "due_on":
        keys.append(rows.c.due_on.asc())
    return [*keys, rows.c.assignment_id.asc(), rows.c.act.asc()]


def _union_columns(rows: Any, f: OverdueFilters) -> list[pw.Node]:
    return [rows.c.act, rows.c.assignment_id, rows.c.commitment_id, rows.c.due_on,
            *(getattr(rows.c, name) for name in _SORT_COLUMNS.get(f.sort, ()))]


def _detailed(rows: Any, f: OverdueFilters, *extra: pw.Node) -> pw.Select:
    """The rows of ``rows`` (a CTE of the union's columns) with every column a row shows, joined in
    the same statement (items, sessions, units, handler and leader by name, the commitment's
    text), in the list's order; ``extra`` columns (counts) are added to every row."""
    handler_user, leader_user = User.alias(), User.alias()
    c = rows.c
    return (
        pw.Select(from_list=[rows], columns=[
            c.act, c.assignment_id, c.commitment_id, c.due_on,
            Assignment.unit, Assignment.role, Assignment.status,
            pw.fn.COALESCE(pw.fn.NULLIF(handler_user.name, ""), handler_user.username),
            Assignment.handler_phone, Assignment.reply_due, Assignment.extended_due, Assignment.rehandle_due,
            Item.id, Item.number, Item.title, Item.kind, Item.tier,
            pw.fn.COALESCE(pw.fn.NULLIF(leader_user.name, ""), leader_user.username),
            Session.name, Unit.name, Commitment.text, *extra])
        .join(Assignment, on=(Assignment.id == c.assignment_id))
        .join(Item, on=(Assignment.item == Item.id))
        .join(Session, on=(Item.session == Session.id))
        .join(Unit, on=(Assignment.unit == Unit.id))
        .join(handler_user, pw.JOIN.LEFT_OUTER, on=(Assignment.handler == handler_user.id))
        .join(leader_user, pw.JOIN.LEFT_OUTER, on=(Item.leader == leader_user.id))
        .join(Commitment, pw.JOIN.LEFT_OUTER, on=(Commitment.id == c.commitment_id))
        .order_by(*_sort_keys(rows, f))
        .bind(Assignment._meta.database)
    )


def _page(rows: Any, f: OverdueFilters, in_tab: pw.Node | None, page: int, per_page: int) -> Any:
    query = pw.Select(from_list=[rows], columns=_union_columns(rows, f)).order_by(*_sort_keys(rows, f))
    if in_tab is not None:
        query = query.where(in_tab)
    return query.limit(per_page).offset((max(1, page) - 1) * per_page).cte("page", columns=None)


def overdue_page(
    f: OverdueFilters, today: dt.date, *, page: int = 1, per_page: int = 50
) -> tuple[list[OverdueRow], int]:
    """One page of rows with every detail, and the total: one statement (the union is computed
    once, as a materialized CTE, and both counted and paged)."""
    union = overdue_query(f, today)
    if union is None:
        return [], 0
    acts = union.cte("acts", materialized=True)
    one_page = _page(acts, f, None, page, per_page)
    total = pw.Select(from_list=[acts], columns=[pw.fn.COUNT(pw.SQL("*"))])
    found = list(_detailed(one_page, f, total).with_cte(acts, one_page).tuples())
    if not found:  # past the last page: the count alone
        return [], _counts(acts, total)[0]
    return _rows(found, today), found[0][-1]


def overdue_page_with_counts(
    f: OverdueFilters, today: dt.date, *, page: int = 1, per_page: int = 50
) -> tuple[list[OverdueRow], int, int]:
    """One page of the tab ``f`` asks for with every detail, its total and the other tab's total,
    in ONE statement: the union covers both tabs (every act due on or before today +
    ``f.within``) and is computed once (a materialized CTE); the page and both counts read it."""
    union = overdue_query(f, today, both=True)
    if union is None:
        return [], 0, 0
    acts = union.cte("acts", materialized=True)
    in_tab = (acts.c.due_on >= today) if f.due_soon else (acts.c.due_on < today)
    one_page = _page(acts, f, in_tab, page, per_page)
    n_tab = pw.Select(from_list=[acts], columns=[pw.fn.COUNT(pw.SQL("*"))]).where(in_tab)
    n_all = pw.Select(from_list=[acts], columns=[pw.fn.COUNT(pw.SQL("*"))])
    found = list(_detailed(one_page, f, n_tab, n_all).with_cte(acts, one_page).tuples())
    total, everything = found[0][-2:] if found else _counts(acts, n_tab, n_all)  # else: an empty tab or page
    return _rows(found, today), total, everything - total


def _counts(acts: Any, *counts: pw.Select) -> tuple[int, ...]:
    """``counts`` (scalar subqueries over the CTE ``acts``) in one statement."""
    return pw.Select(columns=list(counts)).with_cte(acts).bind(Assignment._meta.database).tuples()[0]


def all_overdue(f: OverdueFilters, today: dt.date) -> list[OverdueRow]:
    """Every row (for the Excel export), detailed in the same statement."""
    union = overdue_query(f, today)
    if union is None:
        return []
    acts = union.cte("acts")
    return _rows(list(_detailed(acts, f).with_cte(acts).tuples()), today)


def _date(value: Any) -> dt.date | None:
    """A date column read through a CTE or an expression (SQLite hands those back as text)."""
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _rows(found: list[tuple], today: dt.date) -> list[OverdueRow]:
    """OverdueRows from the tuples of :func:`_detailed` (and any count columns after them)."""
    assignment_ids = sorted({r[1] for r in found})
    slips: dict[int, dict[str, int]] = {}
    for start in range(0, len(assignment_ids), 500):  # an export's thousands of rows: IN lists of 500
        slips.update(slip_counts_by_assignment(assignment_ids[start:start + 500]))
    out = []
    for (act, a_id, commitment_id, due, unit_id, role, status, handler, handler_phone, reply_due, extended_due,
         rehandle_due, item_id, number, title, kind, tier, leader, session_name, unit_name, commitment_text,
         *_extra) in found:
        due = _date(due)
        is_reply = act == "reply"
        reply_due, extended_due, rehandle_due = _date(reply_due), _date(extended_due), _date(rehandle_due)
        out.append(
            OverdueRow(
                act=act,
                assignment_id=a_id,
                commitment_id=commitment_id,
                due_on=due,
                item_id=item_id,
                number=number,
                title=title,
                kind=kind,
                session_name=session_name,
                unit_id=unit_id,
                unit_name=unit_name,
                role=role,
                tier=tier,
                leader=leader or "",
                handler=handler or "",
                handler_phone=handler_phone or "",
                status=status,
                original_due=reply_due if is_reply and due != reply_due else None,
                extended=is_reply and extended_due is not None and due == extended_due,
                rehandling=is_reply and rehandle_due is not None and due == rehandle_due,
                commitment_text=(commitment_text or "") if commitment_id else "",
                days_overdue=max(0, (today - due).days),
                days_left=max(0, (due - today).days),
                slips=slips.get(a_id, {}),
            )
        )
    return out


def slip_counts_by_assignment(assignment_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if not assignment_ids:
        return counts
    for aid, color, n in (
        Slip.select(Slip.assignment, Slip.color, pw.fn.COUNT(Slip.id))
        .where(Slip.assignment.in_(assignment_ids))
        .group_by(Slip.assignment, Slip.color)
        .tuples()
    ):
        counts[aid][color] = n
    return counts


# --- slips ----------------------------------------------------------------------------------


SLIP_ORDER = [SlipColor.BLUE.value, SlipColor.ORANGE.value, SlipColor.RED.value, SlipColor.URGE.value]


def _slip_base(session_id: int | None, unit_id: int | None, color: str | None) -> pw.ModelSelect:
    query = (
        Slip.select()
        .join(Assignment, on=(Slip.assignment == Assignment.id))
        .join(Item, on=(Assignment.item == Item.id))
        .switch(Assignment)
        .join(Unit, on=(Assignment.unit == Unit.id))
    )
    if session_id:
        query = query.where(Item.session == session_id)
    if unit_id:
        query = query.where(Assignment.unit == unit_id)
    if color:
        query = query.where(Slip.color == color)
    return query


def slip_counts_by_unit(*, session_id: int | None = None, unit_id: int | None = None) -> list[dict]:
    """Per unit: how many slips of each colour, most first."""
    rows: dict[int, dict] = {}
    query = (
        _slip_base(session_id, unit_id, None)
        .select(Unit.id, Unit.name, Slip.color, pw.fn.COUNT(Slip.id))
        .group_by(Unit.id, Unit.name, Slip.color)
        .tuples()
    )
    for uid, name, color, n in query:
        entry = rows.setdefault(
            uid, {"unit_id": uid, "unit_name": name, "total": 0, **{c: 0 for c in SLIP_ORDER}}
        )
        entry[color] = entry.get(color, 0) + n
        entry["total"] += n
    return sorted(
        rows.values(), key=lambda e: (-e.get("red", 0), -e.get("orange", 0), -e["total"], e["unit_name"])
    )


def slips_list(*, session_id: int | None = None, unit_id: int | None = None, color: str | None = None):
    issuer = User.alias()
    return (
        _slip_base(session_id, unit_id, color)
        .select(Slip, Assignment, Item, Unit, issuer)
        .switch(Slip)
        .join(issuer, pw.JOIN.LEFT_OUTER, on=(Slip.issued_by == issuer.id))
        .order_by(Slip.issued_at.desc(), Slip.id.desc())
    )


def item_slips(assignment_ids: list[int]) -> dict[int, list[Slip]]:
    found: dict[int, list[Slip]] = defaultdict(list)
    if not assignment_ids:
        return found
    issuer = User.alias()
    for slip in (
        Slip.select(Slip, issuer)
        .join(issuer, pw.JOIN.LEFT_OUTER, on=(Slip.issued_by == issuer.id))
        .where(Slip.assignment.in_(assignment_ids))
        .order_by(Slip.issued_at.desc(), Slip.id.desc())
    ):
        found[slip.assignment_id].append(slip)
    return found


def item_reminders(
    item_id: int, assignment_ids: list[int] | None = None, *, limit: int = 10, with_slips: bool = False
) -> list[dict]:
    """Reminders recently sent on an item: rule label, date, unit, the date it was about and
    what that date is (``due_label``: 交办日, 签收期限 …, reminders.rules.EVENTS), how many people
    told (without the slip steps, which the item page lists as slips, unless ``with_slips``)."""
    query = (
        Reminder.select(Reminder, pw.fn.COUNT(Notification.id).alias("told"))
        .join(Notification, pw.JOIN.LEFT_OUTER, on=(Notification.reminder == Reminder.id))
        .where(Reminder.item == item_id)
        .group_by(Reminder.id)
        .order_by(Reminder.created_at.desc(), Reminder.id.desc())
        .limit(limit)
    )
    if assignment_ids is not None:
        query = query.where(Reminder.assignment.in_(assignment_ids or [0]))
    if not with_slips:
        query = query.where(
            Reminder.rule_key.not_in(ReminderRule.select(ReminderRule.key).where(ReminderRule.slip != ""))
        )
    labels = {key: (text, event) for key, text, event in
              ReminderRule.select(ReminderRule.key, ReminderRule.label, ReminderRule.event).tuples()}
    return [
        {
            "rule_key": r.rule_key,
            "label": labels.get(r.rule_key, (r.rule_key, ""))[0],
            "due_on": r.due_on,
            "due_label": EVENTS.get(labels.get(r.rule_key, ("", ""))[1], N_("期限")),
            "created_at": r.created_at,
            "assignment_id": r.assignment_id,
            "told": r.told + r.told_in_batch,
        }
        for r in query
    ]
