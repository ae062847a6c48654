"""The deadline sweep: turn due reminders into rows, once each.

``sweep(now)`` loads every open assignment with its facts in a handful of queries, asks the
pure rules (``reminders.rules.due_reminders``) what is due, and for each reminder not yet
recorded creates, in one transaction per assignment: the Reminder row (unique key
assignment-or-commitment / rule / due date, ``INSERT … ON CONFLICT DO NOTHING``), one
Notification per recipient, a Slip when the rule has a colour, and the audit entry on the
item's timeline. Two sweeps at once, or a sweep after a crash, therefore never create a
reminder twice and never lose one: the loser of a race inserts nothing and notifies nobody;
a transaction cut short by a crash leaves nothing behind, so the next sweep does it again.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import peewee as pw

from tracker.accounts.models import User
from tracker.assignments import deadlines
from tracker.assignments.models import Assignment
from tracker.audit import services as audit
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.db import db, in_ids, insert_rows, is_sqlite
from tracker.core.enums import (
    ANSWERING_ROLES,
    OPEN_ITEM_STATUSES,
    AssignmentStatus,
    CommitmentStatus,
    FeedbackSource,
    HandlingRole,
    ReplyStatus,
    Role,
    SlipColor,
    is_supervision_kind,
    label,
)
from tracker.handling.models import Contact
from tracker.items.models import Item, Submitter
from tracker.reminders import rules
from tracker.reminders import services as reminders
from tracker.reminders.models import Notification, Reminder, Slip
from tracker.replies.models import Commitment, Feedback, Reply
from tracker.units.models import Unit

logger = logging.getLogger("tracker.reminders")

ANSWERING = frozenset(r.value for r in ANSWERING_ROLES)
REPLIED = frozenset({AssignmentStatus.REPLIED.value, AssignmentStatus.DONE.value})
OPINION_DONE = frozenset({AssignmentStatus.OPINION_SUBMITTED.value, AssignmentStatus.DONE.value})
PENDING_RECEIPT = AssignmentStatus.PENDING_RECEIPT.value
RETURN_REQUESTED = AssignmentStatus.RETURN_REQUESTED.value
RETURNED = AssignmentStatus.RETURNED.value
CO = HandlingRole.CO.value


@dataclass
class SweepResult:
    today: dt.date
    scanned: int = 0
    reminders: int = 0
    notifications: int = 0
    slips: int = 0
    errors: int = 0
    feedback_expired: int | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        text = (
            f"{self.today.isoformat()} 扫描承办任务 {self.scanned} 件：新建提醒 {self.reminders} 条，"
            f"消息 {self.notifications} 条，督办单 {self.slips} 张"
        )
        if self.feedback_expired is not None:
            text += f"，征询期满记为未表态 {self.feedback_expired} 人次"
        if self.errors:
            text += f"，失败 {self.errors} 件（见日志）"
        return text + f"（用时 {self.seconds:.1f} 秒）"


@dataclass
class Subject:
    """One open assignment with what the messages and recipients need."""

    assignment_id: int
    item_id: int
    unit_id: int
    unit_name: str
    role: str
    handler_id: int | None
    leader_id: int | None
    number: str
    title: str
    facts: rules.AssignmentFacts
    commitment_texts: dict[int, str] = field(default_factory=dict)
    kind: str = ""  # the item's kind: whom the unit talks to (deputies/members, or the issuing organ)
    # the item's feedback, told on the assignment that opened its window (facts.feedback_due):
    no_opinion: tuple[str, ...] = ()  # submitters recorded 未表态 when the window ran out
    awaiting_feedback: int = 0  # submitters with no feedback at all in the round


# --- loading (a fixed number of queries, whatever the number of assignments) ----------------


def _open_assignments() -> pw.ModelSelect:
    return (
        Assignment.select(Assignment.id)
        .join(Item, on=(Assignment.item == Item.id))
        .where(
            (Assignment.status != AssignmentStatus.RETURNED.value)
            & Item.status.in_([s.value for s in OPEN_ITEM_STATUSES])
        )
    )


class _Row(NamedTuple):
    id: int
    item: int
    unit: int
    role: str
    status: str
    handler: int | None
    round: int
    assigned_on: Any
    receipt_due: Any
    return_due: Any
    first_contact_due: Any
    co_opinion_due: Any
    reply_due: Any
    extended_due: Any
    rehandle_due: Any
    received: Any
    first_contact: Any
    opinion: Any
    number: str
    title: str
    leader: int | None
    session: int
    unit_name: str
    kind: str


def _raw(query: pw.SelectQuery) -> list[tuple]:
    """Plain tuples straight from the cursor: the sweep reads tens of thousands of rows, and
    peewee's per-value conversion would cost more than the rules themselves."""
    sql, params = query.sql()
    return db.execute_sql(sql, params).fetchall()


def _date(value: Any) -> dt.date | None:
    """A DATE column's raw value (a string on SQLite, a date on PostgreSQL)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value[:10])


def load_subjects(today: dt.date, assignment_ids: list[int] | None = None) -> list[Subject]:
    """Every assignment of an open item (not void), with the facts the rules read; or only
    the given ones (the item page's outlook)."""
    from tracker.rules import services as rule_services

    open_ids = _open_assignments()
    if assignment_ids is not None:
        open_ids = open_ids.where(Assignment.id.in_(assignment_ids or [0]))
    query = (
        Assignment.select(
            Assignment.id,
            Assignment.item,
            Assignment.unit,
            Assignment.role,
            Assignment.status,
            Assignment.handler,
            Assignment.round,
            Assignment.assigned_on,
            Assignment.receipt_due,
            Assignment.return_due,
            Assignment.first_contact_due,
            Assignment.co_opinion_due,
            Assignment.reply_due,
            Assignment.extended_due,
            Assignment.rehandle_due,
            Assignment.received_at.is_null(False),
            Assignment.first_contact_on.is_null(False),
            Assignment.opinion_submitted_on.is_null(False),
            Item.number,
            Item.title,
            Item.leader,
            Item.session,
            Unit.name,
            Item.kind,
        )
        .join(Item, on=(Assignment.item == Item.id))
        .switch(Assignment)
        .join(Unit, on=(Assignment.unit == Unit.id))
        .where(
            (Assignment.status != AssignmentStatus.RETURNED.value)
            & Item.status.in_([s.value for s in OPEN_ITEM_STATUSES])
        )
        .order_by(Assignment.id)
    )
    if assignment_ids is not None:
        query = query.where(Assignment.id.in_(assignment_ids or [0]))
    rows = [_Row(*values) for values in _raw(query)]
    if not rows:
        return []
    if assignment_ids is not None:  # a few of them (the item page): their ids, not the subquery
        open_ids = [r.id for r in rows]
    contacted = {
        aid
        for (aid,) in _raw(
            Contact.select(Contact.assignment).where(Contact.assignment.in_(open_ids)).distinct()
        )
    }
    commitments: dict[int, list[tuple[int, dt.date, str]]] = defaultdict(list)
    for cid, aid, due_on, text in _raw(
        Commitment.select(Commitment.id, Commitment.assignment, Commitment.due_on, Commitment.text).where(
            Commitment.assignment.in_(open_ids) & (Commitment.status == CommitmentStatus.OPEN.value)
        )
    ):
        commitments[aid].append((cid, _date(due_on), text))
    item_ids = Assignment.select(Assignment.item).where(Assignment.id.in_(open_ids))
    item_round: dict[int, int] = {}
    item_session: dict[int, int] = {}
    for r in rows:
        item_round[r.item] = max(item_round.get(r.item, 1), r.round or 1)
        item_session[r.item] = r.session
    # The feedback window is the item's (DOMAIN.md §7): it runs once every answering unit has
    # sent this round's reply, from the latest of them (deadlines.feedback_window_anchor, as
    # close-out counts it). So every answering unit of the items counts, asked for or not.
    answering_units: dict[int, list[tuple[int, str]]] = defaultdict(list)  # item -> (assignment, status)
    if assignment_ids is None:
        for r in rows:
            if r.role in ANSWERING:
                answering_units[r.item].append((r.id, r.status))
        answering_ids: Any = open_ids
    else:
        for aid, item_id, status, rnd in _raw(
            Assignment.select(Assignment.id, Assignment.item, Assignment.status, Assignment.round).where(
                in_ids(Assignment.item, list(item_round))
                & Assignment.role.in_(list(ANSWERING))
                & (Assignment.status != RETURNED)
            )
        ):
            answering_units[item_id].append((aid, status))
            item_round[item_id] = max(item_round[item_id], rnd or 1)
        answering_ids = [aid for units in answering_units.values() for aid, _ in units]
    sent_on: dict[tuple[int, int], dt.date] = {}  # (assignment, round) -> the day its reply was sent
    for aid, rnd, day in _raw(
        Reply.select(Reply.assignment, Reply.round, pw.fn.MAX(Reply.sent_on))
        .where(
            Reply.assignment.in_(answering_ids)
            & (Reply.status == ReplyStatus.SENT.value)
            & Reply.sent_on.is_null(False)
        )
        .group_by(Reply.assignment, Reply.round)
    ):
        sent_on[(aid, rnd)] = _date(day)
    submitters: dict[int, int] = dict(
        Submitter.select(Submitter.item, pw.fn.COUNT(Submitter.id))
        .where(Submitter.item.in_(item_ids))
        .group_by(Submitter.item)
        .tuples()
    )
    answered: dict[tuple[int, int], int] = {
        (item_id, rnd): n
        for item_id, rnd, n in Feedback.select(
            Feedback.item, Feedback.round, pw.fn.COUNT(Feedback.submitter.distinct())
        )
        .where(Feedback.item.in_(item_ids) & (Feedback.source != FeedbackSource.WINDOW_EXPIRED.value))
        .group_by(Feedback.item, Feedback.round)
        .tuples()
    }
    # who was recorded 未表态 when the window ran out (close-out does it first in the sweep)
    no_opinion: dict[tuple[int, int], list[str]] = defaultdict(list)
    for item_id, rnd, name in _raw(
        Feedback.select(Feedback.item, Feedback.round, Submitter.name)
        .join(Submitter, on=(Feedback.submitter == Submitter.id))
        .where(Feedback.item.in_(item_ids) & (Feedback.source == FeedbackSource.WINDOW_EXPIRED.value))
        .order_by(Feedback.item, Feedback.round, Submitter.position, Submitter.id)
    ):
        no_opinion[(item_id, rnd)].append(name)

    cal = rule_services.work_calendar()
    sessions: dict[int, Any] = {}
    windows: dict[tuple[int, dt.date], dt.date] = {}

    def feedback_due(session_id: int, day: dt.date) -> dt.date:
        if (session_id, day) not in windows:
            if session_id not in sessions:
                from tracker.items.models import Session

                sessions[session_id] = rule_services.rule_set(Session.get_by_id(session_id))
            windows[(session_id, day)] = deadlines.feedback_window_due(day, sessions[session_id], cal)
        return windows[(session_id, day)]

    # item -> (the answering assignment whose reply opened the window, the window's last day):
    # the office is told about the item once, on that assignment
    item_window: dict[int, tuple[int, dt.date]] = {}
    for item_id, units in answering_units.items():
        rnd = item_round[item_id]
        anchor = deadlines.feedback_window_anchor(
            (status in REPLIED and (aid, rnd) in sent_on, sent_on.get((aid, rnd))) for aid, status in units
        )
        if anchor is not None:
            anchored_by = min(aid for aid, _ in units if sent_on.get((aid, rnd)) == anchor)
            item_window[item_id] = (anchored_by, feedback_due(item_session[item_id], anchor))

    subjects = []
    for r in rows:
        answering = r.role in ANSWERING
        replied = answering and r.status in REPLIED
        fb_due = None
        fb_complete = False
        window = item_window.get(r.item)
        recorded = no_opinion.get((r.item, item_round[r.item]), [])
        if window is not None and window[0] == r.id:
            fb_due = window[1]
            needed = submitters.get(r.item, 0)
            # every submitter rated: not complete when some were recorded 未表态 by expiry
            fb_complete = not recorded and answered.get((r.item, item_round[r.item]), 0) >= needed
        current = _date(r.rehandle_due) or _date(r.extended_due) or _date(r.reply_due)
        facts = rules.AssignmentFacts(
            role=r.role,
            status=r.status,
            assigned_on=_date(r.assigned_on),
            receipt_due=_date(r.receipt_due),
            return_due=_date(r.return_due),
            first_contact_due=_date(r.first_contact_due),
            co_opinion_due=_date(r.co_opinion_due) if r.role == CO else None,
            reply_due=current,
            received=r.status != PENDING_RECEIPT or bool(r.received),
            replied=replied,
            opinion_submitted=r.status in OPINION_DONE or bool(r.opinion),
            return_requested=r.status == RETURN_REQUESTED,
            void=r.status == RETURNED,
            has_contact=r.id in contacted or bool(r.first_contact),
            feedback_due=fb_due,
            feedback_complete=fb_complete,
            commitments=tuple(
                rules.CommitmentFact(cid, due, False) for cid, due, _ in commitments.get(r.id, ())
            ),
        )
        subjects.append(
            Subject(
                assignment_id=r.id,
                item_id=r.item,
                unit_id=r.unit,
                unit_name=r.unit_name,
                role=r.role,
                handler_id=r.handler,
                leader_id=r.leader,
                number=r.number,
                title=r.title,
                facts=facts,
                commitment_texts={cid: text for cid, _, text in commitments.get(r.id, ())},
                kind=r.kind,
                no_opinion=tuple(recorded) if fb_due else (),
                awaiting_feedback=(
                    max(0, submitters.get(r.item, 0) - answered.get((r.item, item_round[r.item]), 0)
                        - len(recorded)) if fb_due else 0
                ),
            )
        )
    return subjects


class Directory:
    """Active users, loaded once per sweep, to resolve a rule's recipients."""

    def __init__(self) -> None:
        self.by_id: dict[int, User] = {}
        self.leaders: dict[int, list[User]] = defaultdict(list)
        self.handlers: dict[int, list[User]] = defaultdict(list)
        self.office: list[User] = []
        for user in User.select().where(User.active == True):  # noqa: E712
            self.by_id[user.id] = user
            if user.role == Role.UNIT_LEADER.value and user.unit_id:
                self.leaders[user.unit_id].append(user)
            elif user.role == Role.UNIT_HANDLER.value and user.unit_id:
                self.handlers[user.unit_id].append(user)
            elif user.role == Role.OFFICE.value:
                self.office.append(user)
        # each unit's city leader in charge (分管市领导), for items with no leading city leader
        self.unit_city_leader: dict[int, int] = {
            unit_id: leader_id for unit_id, leader_id in
            Unit.select(Unit.id, Unit.city_leader).where(Unit.city_leader.is_null(False)).tuples()}

    def resolve(self, codes: tuple[str, ...], s: Subject) -> list[User]:
        found: list[User] = []
        for code in codes:
            if code == "handler":
                user = self.by_id.get(s.handler_id) if s.handler_id else None
                found.extend([user] if user else [])
            elif code == "unit_handlers":
                found.extend(self.handlers.get(s.unit_id, []))
            elif code == "unit_leader":
                found.extend(self.leaders.get(s.unit_id, []))
            elif code == "office":
                found.extend(self.office)
            elif code == "city_leader":  # the item's leading city leader, else the unit's in charge
                leader_id = s.leader_id or self.unit_city_leader.get(s.unit_id)
                user = self.by_id.get(leader_id) if leader_id else None
                found.extend([user] if user else [])
        unique: dict[int, User] = {}
        for user in found:
            unique.setdefault(user.id, user)
        return list(unique.values())


# --- messages -------------------------------------------------------------------------------


ACT_OF_EVENT = {
    "assigned_on": "交办",
    "receipt_due": "签收",
    "return_due": "申退",
    "first_contact_due": "办前沟通",
    "co_opinion_due": "会办意见",
    "reply_due": "答复",
    "feedback_due": "征询意见",
    "commitment_due": "承诺事项",
}


def _state(due: dt.date, today: dt.date) -> str:
    if today > due:
        return f"已超期 {(today - due).days} 天"
    if today == due:
        return "今日到期"
    return f"还有 {(due - today).days} 天"


def _feedback_message(s: Subject, due: dt.date, today: dt.date) -> str:
    """The item's feedback window (the latest answering unit's reply of the round opened it): what
    happened when it ran out — the sweep has close-out record 未表态 first, then tells the office
    — or, for a rule set to warn before it ends, how long it still runs."""
    party = "制发机关" if is_supervision_kind(s.kind) else "代表委员"
    if not deadlines.window_over(due, today):
        waiting = f"尚有 {s.awaiting_feedback} 人未反馈" if s.awaiting_feedback else "尚有提出人未反馈"
        return f"征询意见期限 {due.isoformat()}（{_state(due, today)}），{waiting}，期满后记为未表态。"
    body = f"征询意见期已满（征询期至 {due.isoformat()}），"
    if not s.no_opinion:
        waiting = f"尚有 {s.awaiting_feedback} 人" if s.awaiting_feedback else "尚有提出人"
        return body + f"{waiting}未反馈，请记为未表态或电话联系{party}。"
    names = "、".join(s.no_opinion[:5]) + ("等" if len(s.no_opinion) > 5 else "")
    body += f"未反馈的{names} {len(s.no_opinion)} 人已记为未表态"
    if s.awaiting_feedback:
        body += f"；另有 {s.awaiting_feedback} 人尚未反馈，请记为未表态"
    return body + f"。如需了解其意见，可电话联系{party}，在该件页面录入纸质意见（替换未表态）。"


def message(spec: rules.RuleSpec, s: Subject, d: rules.DueReminder, today: dt.date) -> tuple[str, str]:
    """(title, body) of a reminder, in Chinese."""
    title = f"{spec.label}：{s.number}号 {s.title}"
    role = label(HandlingRole(s.role)) if s.role in {r.value for r in HandlingRole} else s.role
    who = f"{s.unit_name}（{role}）"
    event = spec.event
    if event == "assigned_on":
        body = (
            f"{who}：该件已于 {d.due_on.isoformat()} 交办，请于 {s.facts.receipt_due.isoformat()} 前签收"
            if s.facts.receipt_due
            else f"{who}：该件已于 {d.due_on.isoformat()} 交办，请及时签收"
        )
    elif event == "receipt_due":
        body = f"{who}：签收期限 {d.due_on.isoformat()}，{_state(d.due_on, today)}，请尽快签收。"
    elif event == "return_due":
        body = (
            f"{who}：申退期限 {d.due_on.isoformat()}（{_state(d.due_on, today)}）。"
            "如确属非本单位职责，请在期限内提出申退，逾期不再受理。"
        )
    elif event == "commitment_due":
        text = s.commitment_texts.get(d.commitment_id or 0, "")
        body = (
            f"{who}：承诺事项“{text[:60]}”期限 {d.due_on.isoformat()}，{_state(d.due_on, today)}，"
            "请按期兑现并登记兑现情况。"
        )
    elif event == "feedback_due":
        body = _feedback_message(s, d.due_on, today)
    elif spec.condition == "no_contact":
        # 三书一函 come from a court, procuratorate, supervision commission or the police
        party = "制发机关" if is_supervision_kind(s.kind) else "代表委员"
        body = (
            f"{who}：答复期限 {d.due_on.isoformat()}（{_state(d.due_on, today)}），尚未记录与{party}的沟通，"
            f"请在答复前联系{party}（办前、办中沟通）。"
        )
    else:
        act = ACT_OF_EVENT.get(event, "办理")
        body = f"{who}：{act}期限 {d.due_on.isoformat()}，{_state(d.due_on, today)}。"
        if spec.slip == "red":  # to the city leader in charge and the office (DOMAIN §10)
            leader = "领办市领导" if s.leader_id else "分管市领导"
            body += (f"现发出红单，报请{leader}督办，本件计入年度办理工作考核；"
                     "请督查室督促承办单位主要负责同志立即组织办理并书面报告。")
        elif spec.slip:
            body += f"现发出{rules.SLIP_COLORS.get(spec.slip, spec.slip)}，请单位负责同志督促办理。"
        elif today <= d.due_on:
            body += "请抓紧办理，按期完成。"
        else:
            body += "请尽快办理。"
    return title[:200], body


# --- the sweep ------------------------------------------------------------------------------


def write_transaction():
    """A transaction that takes the write lock first (SQLite: BEGIN IMMEDIATE), so a sweep
    never fails on a stale read snapshot when another writer got there first."""
    if is_sqlite():
        return db.atomic("IMMEDIATE")
    return db.atomic()


def _record_expired_feedback(today: dt.date) -> int | None:
    """Let the close-out module record 未表态 where the feedback window ran out (if present)."""
    name = "tracker.replies.closeout"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None
    fn = getattr(module, "record_expired_feedback", None)
    if fn is None:
        return None
    value = fn(today)
    if isinstance(value, int):
        return value
    try:
        return len(value)
    except TypeError:
        return None


class Told(NamedTuple):
    """A 交办通知 the assignment service sent one user at the moment of assignment."""

    notification_id: int
    sent_at: dt.datetime


def _told_at_assignment(subjects: list[Subject]) -> dict[int, dict[int, Told]]:
    """The users the assignment service told already (its 交办通知 at the moment of
    assignment), by assignment and user, with the notice (the earliest, when several): one query
    per 1,000 assignments, not two per assignment."""
    told: dict[int, dict[int, Told]] = defaultdict(dict)
    ids = [s.assignment_id for s in subjects]
    for start in range(0, len(ids), 1000):
        query = (
            Notification.select(Assignment.id, Notification.user, Notification.created_at, Assignment.created_at,
                                Notification.id)
            .join(Assignment, on=(Notification.item == Assignment.item))
            .where(
                in_ids(Assignment.id, ids[start:start + 1000])
                & Notification.reminder.is_null()
                & Notification.title.startswith("交办通知")
            )
            .order_by(Notification.created_at, Notification.id)
            .tuples()
        )
        for assignment_id, user_id, sent_at, assigned_at, notification_id in query:
            if sent_at >= assigned_at - dt.timedelta(seconds=5):
                told[assignment_id].setdefault(user_id, Told(notification_id, sent_at))
    return told


class BatchTold(NamedTuple):
    """An assignment an import told its unit about in its one 交办通知 per unit."""

    item_id: int
    assignment_id: int
    assigned_on: dt.date
    told: int  # how many people that notice told about it (its handler, the unit's leaders)


def record_batch_notice(told: list[BatchTold], now: dt.datetime) -> int:
    """The 交办通知 reminders of assignments an import told their units about at once: created
    as sent by that notice (``told_in_batch`` people, at ``now``), so the sweep, which would
    find them due (the rules with the event ``assigned_on``), tells nobody again item by item.
    Returns how many reminders were created. Part of the import's transaction."""
    specs = [spec for spec in reminders.rule_specs() if spec.active and spec.event == "assigned_on"]
    rows = [
        {
            "key": rules.DueReminder(rule_key=spec.key, due_on=t.assigned_on, recipients=spec.recipients)
            .key(t.assignment_id),
            "rule_key": spec.key,
            "item": t.item_id,
            "assignment": t.assignment_id,
            "commitment": None,
            "due_on": t.assigned_on,
            "created_at": now,
            "told_in_batch": t.told,
        }
        for t in told
        for spec in specs
    ]
    return _inserted(Reminder, rows)


def _insert_reminders(rows: list[dict]) -> dict[str, int]:
    """INSERT … ON CONFLICT DO NOTHING; the keys *this* statement created, with their ids.

    RETURNING names exactly the rows inserted, so a reminder that a concurrent sweep created
    first is not ours and we tell nobody about it.
    """
    returned = insert_rows(Reminder, rows, returning=(Reminder.id, Reminder.key), ignore_conflicts=True)
    return {key: rid for rid, key in returned}


def _inserted(model: type[pw.Model], rows: list[dict]) -> int:
    """How many of ``rows`` were inserted (ON CONFLICT DO NOTHING skips the ones there already)."""
    if not rows:
        return 0
    return len(insert_rows(model, rows, returning=(model._meta.primary_key,), ignore_conflicts=True))


def apply_due(
    s: Subject,
    due: list[rules.DueReminder],
    specs: dict[str, rules.RuleSpec],
    directory: Directory,
    *,
    now: dt.datetime,
    today: dt.date,
    series: set[str],
    result: SweepResult,
    told: Mapping[int, Told] | None = None,
) -> None:
    """Create the rows of one assignment's new reminders, in ONE transaction. ``told``: who
    the assignment service told already (:func:`_told_at_assignment`), not told again: the
    交办通知 then records the notices it sent (linked to the reminder, which dates from the
    first of them) and, when it tells nobody new, writes no timeline entry of its own — the
    assignment's entry says it.

    The rows go in with ``insert_rows`` (one multi-row statement per table): building each
    statement with peewee cost more than SQLite's work, and the sweep writes ~1,500
    reminders, 3,000 notifications and their audit entries on a busy day at 200,000 items."""
    told = told or {}
    planned = []
    for d in due:
        spec = specs[d.rule_key]
        users = directory.resolve(d.recipients, s)
        already: list[Told] = []
        if spec.event == "assigned_on":
            already = [told[u.id] for u in users if u.id in told]
            users = [u for u in users if u.id not in told]
        planned.append((d, spec, users, already, *message(spec, s, d, today)))
    counts = {"reminders": 0, "notifications": 0, "slips": 0}
    told_series = set()  # added to ``series`` once the transaction has committed
    with write_transaction():
        created = _insert_reminders(
            [
                {
                    "key": d.key(s.assignment_id),
                    "rule_key": d.rule_key,
                    "item": s.item_id,
                    "assignment": s.assignment_id,
                    "commitment": d.commitment_id,
                    "due_on": d.due_on,
                    # sent by the assignment service, to everyone: when it went out
                    "created_at": min(t.sent_at for t in already) if already and not users else now,
                }
                for d, _spec, users, already, *_ in planned
            ]
        )
        notes, slips, entries, linked = [], [], [], []
        for d, spec, users, already, title, body in planned:
            key = d.key(s.assignment_id)
            reminder_id = created.get(key)
            if reminder_id is None:
                continue  # another sweep created it (and told everybody) first
            counts["reminders"] += 1
            if already:
                linked.append((reminder_id, [t.notification_id for t in already]))
                if not users:
                    told_series.add(key.rpartition(":")[0])
                    continue  # nothing sent now: the assignment's own timeline entry says it
            kind = "slip" if spec.slip else "reminder"
            notes += [
                reminders.notification_row(
                    u, title, body, item=s.item_id, kind=kind, reminder=reminder_id, now=now
                )
                for u in users
            ]
            prefix = key.rpartition(":")[0]
            if spec.slip:
                slips.append(
                    {
                        "assignment": s.assignment_id,
                        "color": spec.slip,
                        "issued_on": today,
                        "issued_at": now,
                        "issued_by": None,
                        "reason": f"{spec.label}（自动）",
                        "key": key,
                    }
                )
                entries.append(audit.entry(
                    "slip_issued",
                    "",
                    None,
                    item_id=s.item_id,
                    unit_id=s.unit_id,
                    after={"color": spec.slip, "rule": d.rule_key, "due_on": d.due_on.isoformat()},
                    detail=f"{label(SlipColor(spec.slip))}：{s.unit_name}"
                    f"{ACT_OF_EVENT.get(spec.event, '')}期限 {d.due_on.isoformat()}，"
                    f"{_state(d.due_on, today)}",
                ))
            elif prefix not in series and prefix not in told_series:
                names = "、".join(u.display for u in users[:5]) + ("等" if len(users) > 5 else "")
                entries.append(audit.entry(
                    "reminder_sent",
                    "",
                    None,
                    item_id=s.item_id,
                    unit_id=s.unit_id,
                    after={"rule": d.rule_key, "due_on": d.due_on.isoformat(), "recipients": len(users)},
                    detail=f"{spec.label}（{s.unit_name}）" + (f"：已提醒{names}" if names else ""),
                ))
            told_series.add(prefix)
        for reminder_id, notification_ids in linked:
            Notification.update(reminder=reminder_id).where(
                in_ids(Notification.id, notification_ids) & Notification.reminder.is_null()
            ).execute()
        counts["notifications"] = _inserted(Notification, notes)
        # the slip's key is its reminder's, which this transaction has just created
        counts["slips"] = _inserted(Slip, slips)
        insert_rows(AuditEntry, entries)
    series |= told_series
    result.reminders += counts["reminders"]
    result.notifications += counts["notifications"]
    result.slips += counts["slips"]


def sweep(now: dt.datetime | None = None) -> SweepResult:
    """One pass over every open assignment; safe to run twice at once and after a crash."""
    now = now or clock.now()
    today = clock.local_date(now)
    started = time.perf_counter()
    result = SweepResult(today=today)
    try:
        result.feedback_expired = _record_expired_feedback(today)
    except Exception:
        logger.exception("recording expired feedback failed")
        result.errors += 1
    specs = {spec.key: spec for spec in reminders.rule_specs()}
    active = [spec for spec in specs.values() if spec.active]
    from tracker.rules import services as rule_services

    cal = rule_services.work_calendar()
    subjects = load_subjects(today)
    result.scanned = len(subjects)
    existing: set[str] = set()
    series: set[str] = set()  # "a12:overdue_1" — a rule already reminded about this subject
    for (key,) in _raw(Reminder.select(Reminder.key).where(Reminder.assignment.in_(_open_assignments()))):
        existing.add(key)
        series.add(key.rpartition(":")[0])
    pending: list[tuple[Subject, list[rules.DueReminder]]] = []
    for s in subjects:
        due = [
            d
            for d in rules.due_reminders(s.facts, today, active, cal)
            if d.key(s.assignment_id) not in existing
        ]
        if due:
            pending.append((s, due))
    directory = Directory() if pending else None  # the users, loaded once when anything is due
    told = _told_at_assignment([s for s, due in pending if any(specs[d.rule_key].event == "assigned_on"
                                                                for d in due)])
    for s, due in pending:
        try:
            apply_due(s, due, specs, directory, now=now, today=today, series=series, result=result,
                      told=told.get(s.assignment_id))
        except Exception:
            result.errors += 1
            logger.exception("reminder sweep failed for assignment %s", s.assignment_id)
    result.seconds = time.perf_counter() - started
    logger.info("reminder sweep: %s", result.summary())
    return result
