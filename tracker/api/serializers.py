"""Model → JSON for the API (API.md field names), in one place so every API module reuses them.

Conventions: dates ``YYYY-MM-DD`` (local), instants ISO 8601 with offset (aware UTC), enum values
in English snake_case. Functions taking ``user`` apply what that user may see (replies through
``policy.can_view_reply``). List endpoints use the ``*_rows`` functions, which load related rows
with a few batched queries (no N+1).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from tracker.accounts import policy
from tracker.accounts.models import User
from tracker.api.common import iso
from tracker.assignments.deadlines import days_overdue
from tracker.assignments.models import Assignment, ExtensionRequest, ReturnRequest
from tracker.core import clock
from tracker.core.enums import AssignmentStatus
from tracker.items import workflow
from tracker.items.models import Instruction, Item, Session, Submitter
from tracker.items.queries import OWING
from tracker.replies.models import Commitment, Feedback, Reply
from tracker.units.models import Unit

# --- small resources --------------------------------------------------------------------------


def serialize_unit(unit: Unit) -> dict[str, Any]:
    return {"id": unit.id, "name": unit.name, "short_name": unit.short_name,
            "category": unit.category, "active": bool(unit.active)}


def serialize_user(user: User) -> dict[str, Any]:
    """A user as listed for picking a handler (GET /users)."""
    return {"id": user.id, "username": user.username, "name": user.name, "role": user.role,
            "unit_id": user.unit_id, "phone": user.phone, "title": user.title,
            "active": bool(user.active)}


def serialize_me(user: User) -> dict[str, Any]:
    """Who the token belongs to (GET /me)."""
    return {"id": user.id, "username": user.username, "name": user.name, "role": user.role,
            "unit_id": user.unit_id, "unit_name": user.unit.name if user.unit_id else None,
            "person_id": user.person_id}


def serialize_session(session: Session) -> dict[str, Any]:
    return {"id": session.id, "body": session.body, "name": session.name, "year": session.year,
            "opened_on": iso(session.opened_on), "closed_on": iso(session.closed_on),
            "reply_due_absolute": iso(session.reply_due_absolute),
            "created_at": iso(session.created_at)}


def person_ref(user: User | None) -> dict[str, Any] | None:
    """``{"id", "name"}`` of a user, or None."""
    if user is None:
        return None
    return {"id": user.id, "name": user.display}


def serialize_submitter(sub: Submitter) -> dict[str, Any]:
    return {"id": sub.id, "name": sub.name, "role": sub.role, "person_id": sub.person_id,
            "position": sub.position}


# --- replies, commitments, requests, feedback ---------------------------------------------------


def serialize_commitment(c: Commitment) -> dict[str, Any]:
    return {"id": c.id, "reply_id": c.reply_id, "assignment_id": c.assignment_id, "text": c.text,
            "due_date": iso(c.due_on), "status": c.status, "version": c.version,
            "fulfilled_on": iso(c.fulfilled_on), "evidence": c.evidence,
            "carry_reason": c.carry_reason}


# a reply's workflow: for those who read the replying unit's records (policy.record_units)
REPLY_INTERNAL_FIELDS = ("return_reason", "signed_off_at", "reviewed_at")


def serialize_reply(reply: Reply, commitments: Iterable[Commitment] | None = None, *,
                    internal: bool = True) -> dict[str, Any]:
    """A reply with its commitments. The caller checks ``policy.can_view_reply`` first; without
    ``internal`` (a co unit, a submitter: ``policy.sees_records_of`` the reply's assignment is
    false) the keys of its workflow (:data:`REPLY_INTERNAL_FIELDS`) are left out."""
    if commitments is None:
        commitments = Commitment.select().where(Commitment.reply == reply.id).order_by(Commitment.id)
    data = {
        "id": reply.id, "assignment_id": reply.assignment_id, "round": reply.round,
        "status": reply.status, "version": reply.version, "result_class": reply.result_class,
        "text": reply.text, "doc_number": reply.doc_number, "contact_name": reply.contact_name,
        "contact_phone": reply.contact_phone, "publish": reply.publish,
        "return_reason": reply.return_reason, "created_at": iso(reply.created_at),
        "signed_off_at": iso(reply.signed_off_at), "reviewed_at": iso(reply.reviewed_at),
        "sent_at": iso(reply.sent_at), "sent_on": iso(reply.sent_on),
        "published_on": iso(reply.published_on),
        "commitments": [serialize_commitment(c) for c in commitments],
    }
    if not internal:
        for key in REPLY_INTERNAL_FIELDS:
            del data[key]
    return data


def serialize_return_request(req: ReturnRequest, assignment: Assignment | None = None) -> dict[str, Any]:
    a = assignment or req.assignment
    return {
        "id": req.id, "assignment_id": req.assignment_id, "item_id": a.item_id,
        "unit_id": a.unit_id, "status": req.status, "reason": req.reason,
        "late_override": bool(req.late_override), "requested_at": iso(req.requested_at),
        "requested_by_id": req.requested_by_id, "decision_due": iso(req.decision_due),
        "decided_at": iso(req.decided_at), "decided_by_id": req.decided_by_id,
        "decision_note": req.decision_note,
    }


def serialize_extension_request(req: ExtensionRequest) -> dict[str, Any]:
    return {
        "id": req.id, "assignment_id": req.assignment_id, "status": req.status,
        "old_due": iso(req.old_due), "requested_due": iso(req.requested_due), "reason": req.reason,
        "requested_at": iso(req.requested_at), "requested_by_id": req.requested_by_id,
        "decided_at": iso(req.decided_at), "decided_by_id": req.decided_by_id,
        "decision_note": req.decision_note,
    }


def serialize_feedback(fb: Feedback, submitter: Submitter | None = None) -> dict[str, Any]:
    sub = submitter or fb.submitter
    return {
        "id": fb.id, "submitter_id": fb.submitter_id, "submitter": sub.name, "round": fb.round,
        "work": fb.work, "result": fb.result, "adoption": fb.adoption or None,
        "contacted": fb.contacted, "contact_method": fb.contact_method or None,
        "comment": fb.comment, "source": fb.source, "resolution": fb.resolution,
        "created_at": iso(fb.created_at),
    }


# --- assignments ------------------------------------------------------------------------------


def assignment_days_overdue(a: Assignment, today: dt.date | None = None) -> int:
    """Calendar days past the date now due (0 unless the unit still owes its act); an assignment
    not yet signed for is late from its receipt date on, as the overdue list counts it."""
    if a.status not in OWING:
        return 0
    today = today or clock.today()
    late = days_overdue(a.current_due, today)
    if a.status == AssignmentStatus.PENDING_RECEIPT.value:
        late = max(late, days_overdue(a.receipt_due, today))
    return late


def handler_ref(a: Assignment, handler: User | None) -> dict[str, Any] | None:
    if a.handler_id is None or handler is None:
        return None
    return {"id": handler.id, "name": handler.display, "phone": a.handler_phone or handler.phone}


def serialize_assignment_summary(a: Assignment, unit: Unit | None = None,
                                 today: dt.date | None = None) -> dict[str, Any]:
    """The short form used in item lists: which unit, which role, where it stands."""
    unit = unit or a.unit
    return {"id": a.id, "unit_id": a.unit_id, "unit_name": unit.name, "role": a.role,
            "status": a.status, "current_due": iso(a.current_due),
            "days_overdue": assignment_days_overdue(a, today)}


# an assignment's five fixes and contact date: for those who read its records (policy.record_units)
ASSIGNMENT_INTERNAL_FIELDS = ("task", "responsible_leader", "handler", "assessment_method_id",
                              "first_contact_on")


def serialize_assignment(a: Assignment, user: Any, *, replies: list[Reply] | None = None,
                         commitments: dict[int, list[Commitment]] | None = None,
                         return_requests: list[ReturnRequest] | None = None,
                         extension_requests: list[ExtensionRequest] | None = None,
                         explain: bool = True, today: dt.date | None = None,
                         records: bool | None = None) -> dict[str, Any]:
    """An assignment with the five fixes, every date, 'why this date', and the replies ``user``
    may see. Pass the related rows when serializing many (see :func:`serialize_item`).

    ``records``: whether ``user`` reads this assignment's internal records (default
    ``policy.sees_records_of``). Without, as the item page shows another unit's row: its unit,
    role, status and dates, and the replies they may see without their workflow — no five fixes
    (task, leader, handler, assessment), no 'why this date', first contact, or return and
    extension requests."""
    from tracker.assignments import services as assignments

    today = today or clock.today()
    if records is None:
        records = policy.sees_records_of(user, a)
    if not records:
        return_requests, extension_requests, explain = [], [], False
    if replies is None:
        replies = list(Reply.select().where(Reply.assignment == a.id).order_by(Reply.round, Reply.id))
    for r in replies:
        r.assignment = a  # the policy reads the reply's assignment: no extra query
    visible = [r for r in replies if policy.can_view_reply(user, r)]
    if commitments is None:
        commitments = defaultdict(list)
        if visible:
            for c in Commitment.select().where(Commitment.reply.in_([r.id for r in visible])).order_by(
                    Commitment.id):
                commitments[c.reply_id].append(c)
    if return_requests is None:
        return_requests = list(ReturnRequest.select().where(ReturnRequest.assignment == a.id)
                               .order_by(ReturnRequest.id))
    if extension_requests is None:
        extension_requests = list(ExtensionRequest.select().where(ExtensionRequest.assignment == a.id)
                                  .order_by(ExtensionRequest.id))
    handler = a.handler if a.handler_id else None
    data = {
        "id": a.id, "item_id": a.item_id, "unit_id": a.unit_id, "unit_name": a.unit.name,
        "role": a.role, "status": a.status, "version": a.version, "round": a.round,
        "task": a.task, "responsible_leader": a.responsible_leader,
        "handler": handler_ref(a, handler), "assessment_method_id": a.scorecard_id,
        "assigned_on": iso(a.assigned_on), "receipt_due": iso(a.receipt_due),
        "return_due": iso(a.return_due), "first_contact_due": iso(a.first_contact_due),
        "co_opinion_due": iso(a.co_opinion_due), "reply_due": iso(a.reply_due),
        "reply_due_max": iso(a.reply_due_max), "extended_due": iso(a.extended_due),
        "rehandle_due": iso(a.rehandle_due), "current_due": iso(a.current_due),
        "days_overdue": assignment_days_overdue(a, today),
        "received_at": iso(a.received_at), "first_contact_on": iso(a.first_contact_on),
        "opinion_submitted_on": iso(a.opinion_submitted_on), "replied_on": iso(a.replied_on),
        "reassigned_from_id": a.reassigned_from_id, "created_at": iso(a.created_at),
        "deadline_explanations": assignments.explain_dates(a) if explain else {},
        "replies": [serialize_reply(r, commitments.get(r.id, []), internal=records) for r in visible],
        "return_requests": [serialize_return_request(r, a) for r in return_requests],
        "extension_requests": [serialize_extension_request(r) for r in extension_requests],
    }
    if not records:
        for key in ASSIGNMENT_INTERNAL_FIELDS:
            del data[key]
    if explain:
        warning = assignments.unconfirmed_warning(a)
        if warning:
            data["calendar_warning"] = warning
    return data


# --- items ------------------------------------------------------------------------------------


def _item_fields(item: Item, session: Session | None) -> dict[str, Any]:
    return {
        "id": item.id, "kind": item.kind, "session_id": item.session_id,
        "session_name": session.name if session is not None else None,
        "number": item.number, "title": item.title, "category": item.category, "tier": item.tier,
        "is_key": bool(item.is_key), "from_motion": bool(item.from_motion),
        "handling_mode": item.handling_mode or None, "status": item.status,
        "version": item.version, "leader_id": item.leader_id,
        "merged_into_id": item.merged_into_id, "received_on": iso(item.received_on),
        "registered_at": iso(item.registered_at), "updated_at": iso(item.updated_at),
        "closed_at": iso(item.closed_at), "archived_at": iso(item.archived_at),
    }


def _due_summary(assignments: list[Assignment], today: dt.date) -> dict[str, Any]:
    owing = [a for a in assignments if a.status in OWING]
    return {
        "next_due": iso(min((a.current_due for a in owing), default=None)),
        "days_overdue": max((assignment_days_overdue(a, today) for a in owing), default=0),
    }


def serialize_item_rows(items: list[Item], user: Any, *, today: dt.date | None = None) -> list[dict]:
    """Item list rows with submitters and assignment summaries, in four queries for any page size.

    Queries: sessions, submitters, assignments with their units — however many rows.
    """
    today = today or clock.today()
    ids = [i.id for i in items]
    subs: dict[int, list[Submitter]] = defaultdict(list)
    by_item: dict[int, list[Assignment]] = defaultdict(list)
    sessions: dict[int, Session] = {}
    if ids:
        session_ids = sorted({i.session_id for i in items})
        sessions = {s.id: s for s in Session.select().where(Session.id.in_(session_ids))}
        for s in Submitter.select().where(Submitter.item.in_(ids)).order_by(Submitter.item,
                                                                              Submitter.position):
            subs[s.item_id].append(s)
        query = (Assignment.select(Assignment, Unit).join(Unit)
                 .where(Assignment.item.in_(ids)).order_by(Assignment.id))
        for a in query:
            by_item[a.item_id].append(a)
    rows = []
    reads_all = policy.has(user, policy.Perm.VIEW_ALL_ITEMS)
    for item in items:
        summaries = [serialize_assignment_summary(a, a.unit, today) for a in by_item[item.id]]
        if not reads_all and user.person_id is not None and any(
                s.person_id == user.person_id for s in subs[item.id]):  # policy.sees_as_submitter
            for summary in summaries:
                summary["status"] = workflow.status_for_submitter(summary["status"])
        rows.append({
            **_item_fields(item, sessions.get(item.session_id)),
            "submitters": [serialize_submitter(s) for s in subs[item.id]],
            "assignments": summaries,
            **_due_summary(by_item[item.id], today),
        })
    return rows


def serialize_item(item: Item, user: Any, detail: bool = True, *,
                   today: dt.date | None = None) -> dict[str, Any]:
    """One item. ``detail=False`` gives the list row; ``detail=True`` (GET /items/{id}) adds the
    content, leader, instructions, full assignments (dates, explanations, visible replies with
    commitments, return/extension requests), feedback and the timeline."""
    from tracker.assignments import services as assignments
    from tracker.audit import services as audit

    today = today or clock.today()
    if not detail:
        return serialize_item_rows([item], user, today=today)[0]
    # a submitter reads what the item page shows them: the public steps, their own ratings, no
    # unit-internal requests
    submitter_view = policy.sees_as_submitter(user, item)
    own_person = user.person_id if submitter_view else None
    session = Session.get_by_id(item.session_id)
    subs = list(Submitter.select().where(Submitter.item == item.id).order_by(Submitter.position))
    rows = assignments.item_assignments(item)
    units = policy.record_units(user, item.id, rows)  # whose internal records the user reads
    a_ids = [a.id for a in rows]
    handlers = {u.id: u for u in User.select().where(User.id.in_(
        [a.handler_id for a in rows if a.handler_id] or [0]))}
    replies: dict[int, list[Reply]] = defaultdict(list)
    returns: dict[int, list[ReturnRequest]] = defaultdict(list)
    extensions: dict[int, list[ExtensionRequest]] = defaultdict(list)
    commitments: dict[int, list[Commitment]] = defaultdict(list)
    if a_ids:
        for r in Reply.select().where(Reply.assignment.in_(a_ids)).order_by(Reply.round, Reply.id):
            replies[r.assignment_id].append(r)
        for r in ReturnRequest.select().where(ReturnRequest.assignment.in_(a_ids)).order_by(ReturnRequest.id):
            returns[r.assignment_id].append(r)
        for r in (ExtensionRequest.select().where(ExtensionRequest.assignment.in_(a_ids))
                  .order_by(ExtensionRequest.id)):
            extensions[r.assignment_id].append(r)
        for c in Commitment.select().where(Commitment.assignment.in_(a_ids)).order_by(Commitment.id):
            commitments[c.reply_id].append(c)
    serialized = []
    for a in rows:
        a.item = item
        if a.handler_id:
            a.handler = handlers.get(a.handler_id)
        serialized.append(serialize_assignment(
            a, user, replies=replies[a.id], commitments=commitments,
            return_requests=[] if submitter_view else returns[a.id],
            extension_requests=[] if submitter_view else extensions[a.id], today=today,
            records=units is None or a.unit_id in units,
        ))
        if submitter_view:
            serialized[-1]["status"] = workflow.status_for_submitter(a.status)
    feedback_rows = Feedback.select(Feedback, Submitter).join(Submitter).where(Feedback.item == item.id)
    if submitter_view:
        feedback_rows = feedback_rows.where(Submitter.person == own_person)
    feedback = [serialize_feedback(fb, fb.submitter)
                for fb in feedback_rows.order_by(Feedback.round, Submitter.position, Feedback.id)]
    # the leaders' instructions (批示) and the office's note (备注) are internal: the page shows a
    # submitter neither, so the API gives them no instructions and no note key
    instructions = [] if submitter_view else [
        {"id": ins.id, "author": person_ref(ins.author), "text": ins.text, "created_at": iso(ins.created_at)}
        for ins in Instruction.select(Instruction, User).join(User)
        .where(Instruction.item == item.id).order_by(Instruction.created_at, Instruction.id)
    ]
    leader = User.get_or_none(User.id == item.leader_id) if item.leader_id else None
    # the note is the office's: the page shows it to those who see every item (office, leaders)
    note = {"note": item.note} if policy.has(user, policy.Perm.VIEW_ALL_ITEMS) else {}
    return {
        **_item_fields(item, session),
        "content": item.content, **note, "close_note": item.close_note,
        "leader": person_ref(leader),
        "submitters": [serialize_submitter(s) for s in subs],
        "assignments": serialized,
        **_due_summary(rows, today),
        "instructions": instructions,
        "feedback": feedback,
        "timeline": audit.timeline(item.id, public_only=submitter_view, for_person=own_person, units=units),
        "document": _document(item, user),
    }


def _document(item: Item, user: Any) -> dict[str, Any] | None:
    """The fields of a 三书一函 (tracker.api.supervision); None for other kinds."""
    from tracker.core.enums import is_supervision_kind

    if not is_supervision_kind(item.kind):
        return None
    from tracker.api.supervision import serialize_document

    return serialize_document(item, user)


# --- JSON schemas of the shapes above (for @documented and /openapi.json) --------------------

def _enum(enum_cls) -> dict[str, Any]:
    return {"type": "string", "enum": [m.value for m in enum_cls]}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type", "string")
    return {**schema, "type": [kind, "null"] if isinstance(kind, str) else [*kind, "null"]}


def _schemas() -> dict[str, dict[str, Any]]:
    from tracker.api.spec import BOOL, DATE, DATETIME, INT, NULLABLE_DATE, STR, arr, obj
    from tracker.core.enums import (
        Adoption,
        AssignmentStatus,
        Body,
        CommitmentStatus,
        FeedbackSource,
        HandlingMode,
        HandlingRole,
        ItemKind,
        ItemStatus,
        Rating,
        ReplyStatus,
        RequestStatus,
        ResultClass,
        SubmitterRole,
        Tier,
    )

    n_int, n_str, n_time = _nullable(INT), _nullable(STR), _nullable(DATETIME)
    ref = obj({"id": INT, "name": STR}, ["id", "name"])
    submitter_in = obj({"name": STR, "role": _enum(SubmitterRole), "person_id": n_int}, ["name"])
    submitter = obj({"id": INT, "name": STR, "role": _enum(SubmitterRole), "person_id": n_int,
                     "position": INT}, ["id", "name", "role"])
    commitment = obj({"id": INT, "reply_id": INT, "assignment_id": INT, "text": STR,
                      "due_date": DATE, "status": _enum(CommitmentStatus), "version": INT,
                      "fulfilled_on": NULLABLE_DATE, "evidence": STR, "carry_reason": STR},
                     ["id", "text", "due_date", "status"])
    reply = obj({"id": INT, "assignment_id": INT, "round": INT, "status": _enum(ReplyStatus),
                 "version": INT, "result_class": _enum(ResultClass), "text": STR, "doc_number": STR,
                 "contact_name": STR, "contact_phone": STR, "publish": STR, "return_reason": STR,
                 "created_at": DATETIME, "signed_off_at": n_time, "reviewed_at": n_time,
                 "sent_at": n_time, "sent_on": NULLABLE_DATE, "published_on": NULLABLE_DATE,
                 "commitments": arr(commitment)},
                ["id", "status", "result_class", "text", "commitments"])
    return_request = obj({"id": INT, "assignment_id": INT, "item_id": INT, "unit_id": INT,
                          "status": _enum(RequestStatus), "reason": STR, "late_override": BOOL,
                          "requested_at": DATETIME, "requested_by_id": INT,
                          "decision_due": NULLABLE_DATE, "decided_at": n_time,
                          "decided_by_id": n_int, "decision_note": STR},
                         ["id", "assignment_id", "status", "reason", "decision_due"])
    extension_request = obj({"id": INT, "assignment_id": INT, "status": _enum(RequestStatus),
                             "old_due": DATE, "requested_due": DATE, "reason": STR,
                             "requested_at": DATETIME, "requested_by_id": INT,
                             "decided_at": n_time, "decided_by_id": n_int, "decision_note": STR},
                            ["id", "status", "requested_due", "reason"])
    dates = {k: DATE for k in ("assigned_on", "receipt_due", "return_due", "first_contact_due",
                               "reply_due", "reply_due_max", "current_due")}
    dates.update({k: NULLABLE_DATE for k in ("co_opinion_due", "extended_due", "rehandle_due",
                                             "first_contact_on", "opinion_submitted_on",
                                             "replied_on")})
    assignment = obj({
        "id": INT, "item_id": INT, "unit_id": INT, "unit_name": STR, "role": _enum(HandlingRole),
        "status": _enum(AssignmentStatus), "version": INT, "round": INT, "task": STR,
        "responsible_leader": STR,
        "handler": {"type": ["object", "null"],
                    "properties": {"id": INT, "name": STR, "phone": STR}},
        "assessment_method_id": n_int, **dates, "days_overdue": INT, "received_at": n_time,
        "reassigned_from_id": n_int, "created_at": DATETIME,
        "deadline_explanations": {"type": "object", "additionalProperties": STR,
                                  "description": "每个期限的计算说明（中文）"},
        "calendar_warning": STR,
        "replies": arr(reply), "return_requests": arr(return_request),
        "extension_requests": arr(extension_request),
    }, ["id", "unit_id", "unit_name", "role", "status", "version", "assigned_on", "receipt_due",
        "return_due", "first_contact_due", "co_opinion_due", "reply_due", "reply_due_max",
        "current_due", "days_overdue", "deadline_explanations", "replies"])
    assignment_summary = obj({"id": INT, "unit_id": INT, "unit_name": STR,
                              "role": _enum(HandlingRole), "status": _enum(AssignmentStatus),
                              "current_due": DATE, "days_overdue": INT},
                             ["id", "unit_id", "role", "status"])
    item_fields = {
        "id": INT, "kind": _enum(ItemKind), "session_id": INT, "session_name": STR, "number": STR,
        "title": STR, "category": STR, "tier": _enum(Tier), "is_key": BOOL, "from_motion": BOOL,
        "handling_mode": {"type": ["string", "null"], "enum": [*[m.value for m in HandlingMode], None]},
        "status": _enum(ItemStatus), "version": INT, "leader_id": n_int, "merged_into_id": n_int,
        "received_on": NULLABLE_DATE, "registered_at": DATETIME, "updated_at": DATETIME,
        "closed_at": n_time, "archived_at": n_time, "submitters": arr(submitter),
        "next_due": NULLABLE_DATE, "days_overdue": INT,
    }
    item_required = ["id", "kind", "session_id", "number", "title", "status", "version", "submitters"]
    feedback = obj({"id": INT, "submitter_id": INT, "submitter": STR, "round": INT,
                    "work": _enum(Rating), "result": _enum(Rating),
                    "adoption": {"type": ["string", "null"], "enum": [*[m.value for m in Adoption], None]},
                    "contacted": {"type": ["boolean", "null"]}, "contact_method": n_str,
                    "comment": STR, "source": _enum(FeedbackSource), "resolution": STR,
                    "created_at": DATETIME},
                   ["id", "submitter", "round", "work", "result", "source"])
    timeline_entry = obj({"at": DATETIME, "type": STR, "actor": STR, "detail": STR},
                         ["at", "type", "actor", "detail"])
    item_row = obj({**item_fields, "assignments": arr(assignment_summary)}, item_required)
    item_detail = obj({
        **item_fields, "content": STR, "note": STR, "close_note": STR,
        "leader": {"type": ["object", "null"], "properties": {"id": INT, "name": STR}},
        "assignments": arr(assignment),
        "instructions": arr(obj({"id": INT, "author": ref, "text": STR, "created_at": DATETIME})),
        "feedback": arr(feedback), "timeline": arr(timeline_entry),
        "document": {"type": ["object", "null"], "description": "三书一函的文书信息（制发机关、制发日期、案件名称、"
                     "案号、涉及领域、文书载明的答复期限，及各承办单位的异议 objections 与整改情况 "
                     "rectifications）；其他类别为 null"},
    }, [*item_required, "assignments", "feedback", "timeline"])
    item_editable = {
        "title": STR, "content": STR, "category": STR, "tier": _enum(Tier), "is_key": BOOL,
        "submitters": arr(submitter_in), "leader_id": n_int, "note": STR,
        "received_on": NULLABLE_DATE,
    }
    item_in = obj({"kind": _enum(ItemKind), "session_id": INT, "number": STR, **item_editable,
                   "from_motion": BOOL,
                   "document": {"type": "object", "description": "三书一函必填：issuing_body 制发机关、issue_date "
                                "制发日期、case_name 案件名称、case_code 案号（监察建议书无）、sectors 涉及领域、"
                                "written_due 文书载明的答复期限、doc_number 文书编号（同 number）"}},
                  ["kind", "session_id", "number", "title", "submitters"])
    item_patch = obj({**item_editable, "version": {**INT, "description": "上次读取时的版本号（建议发送）"}})
    session = obj({"id": INT, "body": _enum(Body), "name": STR, "year": INT,
                   "opened_on": NULLABLE_DATE, "closed_on": NULLABLE_DATE,
                   "reply_due_absolute": NULLABLE_DATE, "created_at": DATETIME},
                  ["id", "body", "name", "year"])
    session_in = obj({"body": _enum(Body), "name": STR, "year": INT, "opened_on": NULLABLE_DATE,
                      "closed_on": NULLABLE_DATE, "reply_due_absolute": NULLABLE_DATE},
                     ["body", "name", "year"])
    assignment_in_fields = {
        "unit_id": INT, "role": _enum(HandlingRole), "task": STR, "responsible_leader": STR,
        "handler_user_id": INT, "handler_phone": STR, "assigned_on": DATE,
        "reply_due": {**DATE, "description": "不填则按规则计算；不得超过最长期限"},
        "assessment_method_id": INT,
    }
    assignment_in = obj({**assignment_in_fields, "version": INT},
                        ["unit_id", "role", "task", "responsible_leader", "handler_user_id"])
    return_decision = obj({
        "decision": {"type": "string", "enum": ["approve", "reject"]},
        "reason": STR, "note": STR,
        "reassign": obj(assignment_in_fields, ["unit_id", "task", "responsible_leader",
                                               "handler_user_id"]),
    }, ["decision"])
    return {
        "SUBMITTER": submitter, "COMMITMENT": commitment, "REPLY": reply,
        "RETURN_REQUEST": return_request, "EXTENSION_REQUEST": extension_request,
        "ASSIGNMENT": assignment, "ASSIGNMENT_SUMMARY": assignment_summary,
        "ASSIGNMENT_IN": assignment_in, "FEEDBACK": feedback, "TIMELINE_ENTRY": timeline_entry,
        "ITEM_ROW": item_row, "ITEM_DETAIL": item_detail, "ITEM_IN": item_in,
        "ITEM_PATCH": item_patch, "SESSION": session, "SESSION_IN": session_in,
        "RETURN_DECISION": return_decision,
        "RETURN_REQUEST_IN": obj({"reason": STR, "version": INT}, ["reason"]),
    }


SCHEMAS: dict[str, dict[str, Any]] = _schemas()
"""JSON schemas by name (``SCHEMAS["ITEM_DETAIL"]`` …) for other API modules' ``@documented``."""
