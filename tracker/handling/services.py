"""Use cases of the handling record: progress notes, contacts with submitters, co-handlers'
opinions and extension requests (DOMAIN.md §3, §5, §6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee as pw

from tracker.accounts import policy
from tracker.assignments import deadlines
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment, ExtensionRequest
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import (
    AssignmentStatus,
    ContactMethod,
    ContactStage,
    HandlingRole,
    ReplyStatus,
    RequestStatus,
    label,
)
from tracker.core.errors import Conflict, NotFound, ValidationFailed, ensure
from tracker.handling.models import Contact, CoOpinion, ProgressNote
from tracker.items import services as items
from tracker.items.models import Item
from tracker.items.workflow import Action
from tracker.reminders.services import notify, office_users, unit_users
from tracker.rules import services as rules
from tracker.units.models import Unit

TEXT_MAX = 5000

# Statuses in which a unit keeps a handling record (办后沟通 comes after the reply).
RECORDING_STATES = frozenset(set(AssignmentStatus) - {AssignmentStatus.PENDING_RECEIPT,
                                                       AssignmentStatus.RETURNED})
# Statuses in which an answering unit may still ask for more time.
EXTENSION_STATES = frozenset({AssignmentStatus.HANDLING, AssignmentStatus.RETURN_REQUESTED,
                              AssignmentStatus.REHANDLING})


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: message})


def _clean_text(value: Any, field: str, missing: str, *, limit: int = TEXT_MAX) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise _fail(field, missing)
    if len(text) > limit:
        raise _fail(field, f"内容不能超过 {limit} 个字")
    return text


def _ensure_recording(a: Assignment, what: str) -> None:
    items.ensure_writable(a.item)
    status = AssignmentStatus(a.status)
    if status == AssignmentStatus.PENDING_RECEIPT:
        raise Conflict(f"请先签收，再{what}", code="not_received")
    if status not in RECORDING_STATES:
        raise Conflict(f"承办任务当前状态为“{label(status)}”，不能{what}", code="invalid_state")


def _who(a: Assignment) -> str:
    return a.unit.name


# --- progress notes ------------------------------------------------------------------------


# The same note or contact sent again this soon is a resent form (a reload, a second tab), not news.
REPEAT_WINDOW = dt.timedelta(minutes=10)


def record_progress(a: Assignment, *, actor: Any, text: str) -> ProgressNote:
    """办理进展: a dated note by the unit on its own assignment."""
    ensure(policy.can(actor, Action.RECORD_PROGRESS, a))
    _ensure_recording(a, "记录办理进展")
    text = _clean_text(text, "text", "请填写办理进展")
    with db.atomic():
        since = clock.now() - REPEAT_WINDOW
        if ProgressNote.select().where((ProgressNote.assignment == a.id) & (ProgressNote.text == text)
                                       & (ProgressNote.created_at >= since)).exists():
            raise Conflict("刚刚已记录过相同的办理进展，未重复保存", code="duplicate")
        note = ProgressNote.create(assignment=a, text=text, author=actor.id, created_at=clock.now())
        audit.record("progress", note, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                     after={"text": text}, detail=f"{_who(a)}办理进展：{_short(text)}")
    return note


def _short(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[:n] + "…"


# --- contacts with submitters --------------------------------------------------------------


def record_contact(a: Assignment, *, actor: Any, stage: str, method: str, contact_on: dt.date | None,
                   summary: str, participants: str = "", today: dt.date | None = None) -> Contact:
    """办前/办中/办后沟通 with the submitters. The first one sets ``first_contact_on``."""
    ensure(policy.can(actor, Action.RECORD_CONTACT, a))
    _ensure_recording(a, "登记沟通情况")
    today = today or clock.today()
    errors: dict[str, str] = {}
    if stage not in {s.value for s in ContactStage}:
        errors["stage"] = "请选择沟通阶段（办前、办中或办后）"
    if method not in {m.value for m in ContactMethod}:
        errors["method"] = "请选择沟通方式"
    if contact_on is None:
        errors["contact_on"] = "请填写沟通日期"
    elif contact_on > today:
        errors["contact_on"] = f"沟通日期 {contact_on.isoformat()} 不能晚于今天"
    elif contact_on < a.assigned_on:
        errors["contact_on"] = f"沟通日期不能早于交办日期 {a.assigned_on.isoformat()}"
    if stage == ContactStage.AFTER.value and "contact_on" not in errors:
        sent_on = reply_sent_on(a)
        if sent_on is None:
            errors["stage"] = "尚未发送答复，不能登记办后沟通（答复发送后再登记）"
        elif contact_on is not None and contact_on < sent_on:
            errors["contact_on"] = f"办后沟通日期不能早于答复发送日期 {sent_on.isoformat()}"
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = "请填写沟通情况摘要"
    elif len(summary) > TEXT_MAX:
        errors["summary"] = f"摘要不能超过 {TEXT_MAX} 个字"
    participants = (participants or "").strip()
    if len(participants) > 300:
        errors["participants"] = "参加人员不能超过 300 个字"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    assert contact_on is not None
    with db.atomic():
        if Contact.select().where((Contact.assignment == a.id) & (Contact.stage == stage) & (Contact.method == method)
                                  & (Contact.contact_on == contact_on) & (Contact.summary == summary)
                                  & (Contact.created_at >= clock.now() - REPEAT_WINDOW)).exists():
            raise Conflict("刚刚已登记过相同的沟通记录，未重复保存", code="duplicate")
        contact = Contact.create(assignment=a, stage=stage, method=method, contact_on=contact_on,
                                 participants=participants, summary=summary, author=actor.id,
                                 created_at=clock.now())
        if a.first_contact_on is None or contact_on < a.first_contact_on:
            Assignment.update(first_contact_on=contact_on, updated_at=clock.now()).where(
                Assignment.id == a.id).execute()
            a.first_contact_on = contact_on
        stage_text, method_text = label(ContactStage(stage)), label(ContactMethod(method))
        audit.record(
            "contact", contact, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
            after={"stage": stage, "method": method, "date": contact_on.isoformat(),
                   "participants": participants, "summary": summary},
            detail=f"{_who(a)}{stage_text}沟通（{method_text}，{contact_on.isoformat()}）"
                   + (f"，参加人员：{participants}" if participants else "") + f"：{_short(summary)}",
        )
    return contact


def reply_sent_on(a: Assignment) -> dt.date | None:
    """The day the reply this unit's 办后沟通 follows was first sent: its own (an answering
    unit), the lead unit's (a co unit); None before any was sent."""
    from tracker.replies.models import Reply

    answering = a
    if a.role == HandlingRole.CO.value:
        answering = lead_assignment(a.item)
        if answering is None:
            return None
    return (Reply.select(pw.fn.MIN(Reply.sent_on))
            .where((Reply.assignment == answering.id) & (Reply.status == ReplyStatus.SENT.value))
            .scalar())


# --- co-handlers' opinions (会办意见) --------------------------------------------------------


def lead_assignment(item: Item) -> Assignment | None:
    return (Assignment.select()
            .where((Assignment.item == item.id) & (Assignment.role == HandlingRole.LEAD.value)
                   & (Assignment.status != AssignmentStatus.RETURNED.value))
            .first())


def lead_reply_sent(item: Item) -> bool:
    from tracker.replies.models import Reply

    lead = lead_assignment(item)
    if lead is None:
        return False
    return Reply.select().where(
        (Reply.assignment == lead.id) & (Reply.round == lead.round)
        & (Reply.status == ReplyStatus.SENT.value)
    ).exists()


def submit_co_opinion(a: Assignment, *, actor: Any, text: str, today: dt.date | None = None) -> CoOpinion:
    """A co unit sends its opinion to the lead unit; it may send a revised one until the lead's
    reply is sent. ``opinion_submitted_on`` keeps the first date (on time or late)."""
    ensure(policy.can(actor, Action.SUBMIT_OPINION, a))
    items.ensure_writable(a.item)
    text = _clean_text(text, "text", "请填写会办意见")
    today = today or clock.today()
    if lead_reply_sent(a.item):
        raise Conflict("主办单位已发送答复，不能再提交或修改会办意见", code="lead_reply_sent")
    with db.atomic():
        resubmission = a.status == AssignmentStatus.OPINION_SUBMITTED.value
        assignments.transition(a, Action.SUBMIT_OPINION)
        opinion = CoOpinion.create(assignment=a, text=text, author=actor.id, submitted_on=today,
                                   created_at=clock.now())
        if a.opinion_submitted_on is None:
            Assignment.update(opinion_submitted_on=today).where(Assignment.id == a.id).execute()
            a.opinion_submitted_on = today
        late = deadlines.days_overdue(a.co_opinion_due, a.opinion_submitted_on)
        late_text = f"（逾期 {late} 天）" if late else ""
        verb = "修改会办意见" if resubmission else "提交会办意见"
        audit.record("co_opinion", opinion, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                     after={"text": text, "late_days": late},
                     detail=f"{_who(a)}{verb}{late_text}：{_short(text)}")
        lead = lead_assignment(a.item)
        if lead is not None:
            notify(unit_users(lead.unit_id), f"会办意见：{a.item.number}号 {a.item.title}",
                   f"{_who(a)}{verb}{late_text}：{_short(text, 200)}", item=a.item)
    return opinion


def co_assignments(item: Item) -> list[Assignment]:
    """The item's active co-handling assignments."""
    return list(Assignment.select(Assignment, Unit).join(Unit)
                .where((Assignment.item == item.id) & (Assignment.role == HandlingRole.CO.value)
                       & (Assignment.status != AssignmentStatus.RETURNED.value))
                .order_by(Unit.sort_order, Assignment.id))


def opinion_late_days(opinion: CoOpinion, a: Assignment) -> int:
    """The unit's lateness: its first opinion's (``opinion_submitted_on``), as the ledger, the
    statistics and the assessment count it; a revision does not make an on-time opinion late."""
    return deadlines.days_overdue(a.co_opinion_due, a.opinion_submitted_on or opinion.submitted_on)


def co_opinions(item: Item) -> list[CoOpinion]:
    """Every co unit's opinions on the item, oldest first (the lead sees them beside its draft)."""
    from tracker.accounts.models import User

    return list(
        CoOpinion.select(CoOpinion, Assignment, Unit, User)
        .join(Assignment).join(Unit)
        .switch(CoOpinion).join(User, on=(CoOpinion.author == User.id))
        .where(Assignment.item == item.id)
        .order_by(CoOpinion.created_at, CoOpinion.id)
    )


def co_opinion_rows(item: Item) -> list[dict]:
    """Co opinions with their lateness, for pages: the newest per co unit is marked current."""
    rows = []
    latest: dict[int, int] = {}
    ops = co_opinions(item)
    for op in ops:
        latest[op.assignment_id] = op.id
    for op in ops:
        a = op.assignment
        rows.append({"opinion": op, "assignment": a, "unit": a.unit, "late_days": opinion_late_days(op, a),
                     "current": latest[op.assignment_id] == op.id})
    return rows


# --- extensions (延期) ----------------------------------------------------------------------


def extension_deadline(a: Assignment) -> dt.date:
    """The last day on which this assignment may ask to extend its current date."""
    return deadlines.extension_request_deadline(a.current_due, rules.rule_set(a.item.session),
                                                rules.work_calendar())


def extension_window_open(a: Assignment, today: dt.date | None = None) -> bool:
    """Whether a request made today can still be on time (the server refuses later ones)."""
    return (today or clock.today()) <= extension_deadline(a)


def request_extension(a: Assignment, *, actor: Any, requested_due: dt.date | None, reason: str,
                      today: dt.date | None = None) -> ExtensionRequest:
    """The answering unit asks for a later reply date; the office decides."""
    ensure(policy.can(actor, Action.REQUEST_EXTENSION, a))
    items.ensure_writable(a.item)
    today = today or clock.today()
    status = AssignmentStatus(a.status)
    if status not in EXTENSION_STATES:
        if status == AssignmentStatus.PENDING_RECEIPT:
            raise Conflict("请先签收，再申请延期", code="not_received")
        raise Conflict(f"承办任务当前状态为“{label(status)}”，不能申请延期", code="invalid_state")
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if requested_due is None:
        errors["requested_due"] = "请填写申请延期至的日期"
    if not reason:
        errors["reason"] = "请填写延期理由"
    elif len(reason) > TEXT_MAX:
        errors["reason"] = f"延期理由不能超过 {TEXT_MAX} 个字"
    if requested_due is not None:
        problems = deadlines.validate_extension(
            requested_due, a.current_due, a.reply_due_max, today, rules.rule_set(a.item.session),
            rules.work_calendar())
        if problems:
            errors["requested_due"] = "".join(problems)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    assert requested_due is not None
    if ExtensionRequest.select().where((ExtensionRequest.assignment == a.id)
                                       & (ExtensionRequest.status == RequestStatus.PENDING.value)).exists():
        raise Conflict("已有待审核的延期申请，请等待交办单位审核", code="extension_pending")
    with db.atomic():
        req = ExtensionRequest.create(assignment=a, old_due=a.current_due, requested_due=requested_due,
                                      reason=reason, requested_at=clock.now(), requested_by=actor.id)
        audit.record("extension_requested", req, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                     before={"due": a.current_due.isoformat()},
                     after={"requested_due": requested_due.isoformat(), "reason": reason},
                     detail=f"{_who(a)}申请将答复期限由 {a.current_due.isoformat()} 延至 "
                            f"{requested_due.isoformat()}：{_short(reason)}")
        notify(office_users(), f"延期待审核：{a.item.number}号 {a.item.title}",
               f"{_who(a)}申请将答复期限由 {a.current_due.isoformat()} 延至 {requested_due.isoformat()}，"
               f"理由：{_short(reason, 200)}", item=a.item)
    return req


def extension_request_timing(req: ExtensionRequest) -> tuple[str, dt.date]:
    """When a request came, against the rule that it comes at least the notice period before the
    date then due (DOMAIN.md §3): ("on_time" | "after_notice" | "after_due", the last day it could
    be asked for). A unit's form refuses late ones; old data and API clients may still hold some."""
    a = req.assignment
    latest = deadlines.extension_request_deadline(req.old_due, rules.rule_set(a.item.session),
                                                  rules.work_calendar())
    asked_on = clock.local_date(req.requested_at)
    if asked_on >= req.old_due:
        return "after_due", latest
    return ("after_notice" if asked_on > latest else "on_time"), latest


def decide_extension(req: ExtensionRequest, *, actor: Any, approve: bool, reason: str = "") -> ExtensionRequest:
    """The office approves (the new date becomes ``extended_due``; ``reply_due`` stays) or rejects."""
    a = req.assignment
    ensure(policy.can(actor, Action.DECIDE_EXTENSION, a))
    items.ensure_writable(a.item)
    reason = (reason or "").strip()
    if req.status != RequestStatus.PENDING.value:
        raise Conflict("该延期申请已审核", code="already_decided")
    if not approve and not reason:
        raise _fail("reason", "驳回延期申请须填写理由")
    if approve and req.requested_due > a.reply_due_max:
        raise _fail("requested_due", f"延期后的答复期限不得超过最长办理期限 {a.reply_due_max.isoformat()}")
    if approve and AssignmentStatus(a.status) not in EXTENSION_STATES:
        raise Conflict(f"承办任务当前状态为“{label(AssignmentStatus(a.status))}”，无需延期",
                       code="invalid_state")
    if approve and req.old_due != a.current_due:  # asked against a date that no longer holds
        raise Conflict(f"该申请提出时的答复期限为 {req.old_due.isoformat()}，现已变为 "
                       f"{a.current_due.isoformat()}，请驳回后由承办单位按现期限重新申请",
                       code="stale_request")
    now = clock.now()
    with db.atomic():
        rows = (ExtensionRequest.update(status=(RequestStatus.APPROVED if approve else RequestStatus.REJECTED).value,
                                        decided_at=now, decided_by=actor.id, decision_note=reason)
                .where((ExtensionRequest.id == req.id)
                       & (ExtensionRequest.status == RequestStatus.PENDING.value))
                .execute())
        if rows != 1:
            raise Conflict("该延期申请已审核", code="already_decided")
        req = ExtensionRequest.get_by_id(req.id)
        before = {"extended_due": a.extended_due.isoformat() if a.extended_due else None,
                  "current_due": a.current_due.isoformat()}
        if approve:
            a.extended_due = req.requested_due
            a.current_due = assignments.current_due_of(a)
            Assignment.update(extended_due=a.extended_due, current_due=a.current_due, updated_at=now).where(
                Assignment.id == a.id).execute()
        verdict = "同意延期" if approve else "驳回延期申请"
        text = (f"{verdict}：{_who(a)}答复期限延至 {req.requested_due.isoformat()}（原期限 {a.reply_due.isoformat()}）"
                if approve else f"{verdict}（{_who(a)}申请延至 {req.requested_due.isoformat()}）")
        audit.record("extension_decided", req, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                     before=before,
                     after={"decision": req.status, "reason": reason,
                            "extended_due": a.extended_due.isoformat() if a.extended_due else None,
                            "current_due": a.current_due.isoformat()},
                     detail=text + (f"，理由：{reason}" if reason else ""))
        notify(unit_users(a.unit_id), f"延期审核结果：{a.item.number}号 {a.item.title}",
               text + (f"。理由：{reason}" if reason else "。"), item=a.item)
    return req


def lapse_pending_extensions(a: Assignment, *, actor: Any, why: str) -> int:
    """A request nobody decided lapses when the unit's answer goes out or the assignment is
    returned: there is nothing left to extend, and a later approval must not move the next
    round's clock (DOMAIN.md §3). Called inside the caller's transaction; how many lapsed."""
    pending = list(ExtensionRequest.select().where((ExtensionRequest.assignment == a.id)
                                                   & (ExtensionRequest.status == RequestStatus.PENDING.value)))
    if not pending:
        return 0
    now = clock.now()
    ExtensionRequest.update(status=RequestStatus.LAPSED.value, decided_at=now, decision_note=why).where(
        ExtensionRequest.id.in_([r.id for r in pending])).execute()
    for req in pending:
        audit.record("extension_lapsed", req, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                     before={"status": RequestStatus.PENDING.value},
                     after={"status": RequestStatus.LAPSED.value, "reason": why},
                     detail=f"{_who(a)}申请延至 {req.requested_due.isoformat()} 的延期申请未经审核，已失效：{why}")
    return len(pending)


def pending_extensions():
    return (ExtensionRequest.select(ExtensionRequest, Assignment, Item, Unit)
            .join(Assignment).join(Item).switch(Assignment).join(Unit)
            .where(ExtensionRequest.status == RequestStatus.PENDING.value)
            .order_by(ExtensionRequest.requested_at, ExtensionRequest.id))


def get_extension_request_for(user: Any, request_id: int) -> ExtensionRequest:
    req = ExtensionRequest.get_or_none(ExtensionRequest.id == request_id)
    if req is None or not policy.can_view_assignment(user, req.assignment):
        raise NotFound()
    return req


# --- reading the record ---------------------------------------------------------------------


def record_of(assignment_ids: list[int]) -> tuple[dict[int, list[ProgressNote]], dict[int, list[Contact]],
                                                   dict[int, list[ExtensionRequest]]]:
    """Progress notes (with authors), contacts and extension requests of several assignments,
    each in the order the single-assignment readers below give: three queries in all."""
    from tracker.accounts.models import User

    ids = list(assignment_ids) or [0]
    notes: dict[int, list[ProgressNote]] = {i: [] for i in assignment_ids}
    # what the panel shows of a note and its author (a long record has hundreds of notes)
    for note in (ProgressNote.select(ProgressNote.id, ProgressNote.assignment, ProgressNote.text,
                                     ProgressNote.created_at, ProgressNote.author, User.id, User.name, User.username)
                 .join(User, on=(ProgressNote.author == User.id))
                 .where(ProgressNote.assignment.in_(ids)).order_by(ProgressNote.created_at, ProgressNote.id)):
        notes[note.assignment_id].append(note)
    found: dict[int, list[Contact]] = {i: [] for i in assignment_ids}
    for contact in Contact.select().where(Contact.assignment.in_(ids)).order_by(Contact.contact_on, Contact.id):
        found[contact.assignment_id].append(contact)
    extensions: dict[int, list[ExtensionRequest]] = {i: [] for i in assignment_ids}
    for req in (ExtensionRequest.select().where(ExtensionRequest.assignment.in_(ids))
                .order_by(ExtensionRequest.requested_at, ExtensionRequest.id)):
        extensions[req.assignment_id].append(req)
    return notes, found, extensions


def progress_notes(a: Assignment) -> list[ProgressNote]:
    """With each note's author loaded in the same query (the page shows who wrote it)."""
    from tracker.accounts.models import User

    return list(ProgressNote.select(ProgressNote, User).join(User, on=(ProgressNote.author == User.id))
                .where(ProgressNote.assignment == a.id)
                .order_by(ProgressNote.created_at, ProgressNote.id))


def contacts(a: Assignment) -> list[Contact]:
    return list(Contact.select().where(Contact.assignment == a.id)
                .order_by(Contact.contact_on, Contact.id))


def extension_requests(a: Assignment) -> list[ExtensionRequest]:
    return list(ExtensionRequest.select().where(ExtensionRequest.assignment == a.id)
                .order_by(ExtensionRequest.requested_at, ExtensionRequest.id))
