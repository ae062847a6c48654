"""Use cases of replies (答复): draft, edit, submit, sign-off, co-sign (会签), office review, send.

Reply states follow ``REPLY_TRANSITIONS`` / ``reply_pipeline`` of items/workflow.py (DOMAIN.md §6):
draft → awaiting_sign_off → awaiting_cosign (lead+co only) → awaiting_office_review (leader-led,
office-supervised, or by the profile's setting) → sent; any reviewer may return it (→ draft).

Every change to a reply goes through :func:`_write`, a conditional ``UPDATE … WHERE version = ?``:
the one writer of ``Reply.status``, and the optimistic lock (a stale version gets 409).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import peewee as pw

from tracker.accounts import policy
from tracker.accounts.models import User
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit import services as audit
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import (
    AssignmentStatus,
    CommitmentStatus,
    HandlingRole,
    Publish,
    ReplyStatus,
    ResultClass,
    Role,
    Tier,
    is_supervision_kind,
    label,
)
from tracker.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
    ensure,
)
from tracker.handling import services as handling
from tracker.items import services as items
from tracker.items import workflow
from tracker.items.models import Item
from tracker.items.workflow import Action
from tracker.reminders.services import notify, office_users, unit_users
from tracker.replies import attachments as reply_files
from tracker.replies.models import Commitment, Reply, ReplyCosign
from tracker.rules import services as rules
from tracker.units.models import Unit

TEXT_MAX = 50000
MAX_COMMITMENTS = 50
PHONE_RE = re.compile(r"^[0-9０-９+\-－()（）\s转,，、/]*$")
# Assignment states in which the answering unit may draft its reply.
DRAFTABLE = frozenset({AssignmentStatus.HANDLING, AssignmentStatus.RETURN_REQUESTED,
                       AssignmentStatus.REHANDLING})
DECISIONS = ("approve", "return")
REPLY_FIELDS = ("result_class", "text", "commitments", "contact_name", "contact_phone", "publish",
                "doc_number")
FIELD_LABELS = {"result_class": "分类标识", "text": "答复正文", "commitments": "承诺事项",
                "contact_name": "联系人", "contact_phone": "联系电话", "publish": "公开属性",
                "doc_number": "文号"}
CO_CANNOT_REPLY = "会办单位不直接答复代表委员，请向主办单位提交会办意见，并在答复稿送会签时会签"


# --- settings and pipeline ------------------------------------------------------------------


def enabled_classes() -> list[str]:
    """The result classes offered (setting ``result_classes``; some provinces use only A–C)."""
    valid = [c.value for c in ResultClass]
    configured = rules.get_setting("result_classes") or valid
    return [c for c in valid if c in configured] or valid


def class_choices() -> list[tuple[str, str]]:
    """(class, label) options for the reply forms; the labels follow the page's language."""
    from tracker.core.enums import display_label

    return [(c, display_label(ResultClass(c))) for c in enabled_classes()]


def needs_review(a: Assignment) -> bool:
    """Office review: leader-led and office-supervised items always, departments by setting;
    the reply (整改情况回复) to a 三书一函 always."""
    item = a.item
    if item.tier in (Tier.LEADER_LED.value, Tier.OFFICE_SUPERVISED.value):
        return True
    if is_supervision_kind(item.kind):
        return True
    return bool(rules.profile_for(item.session).review_department_replies)


def cosigning_assignments(reply: Reply) -> list[Assignment]:
    """The active co assignments whose units must co-sign the lead's reply."""
    lead = reply.assignment
    if lead.role != HandlingRole.LEAD.value:
        return []
    return list(
        Assignment.select(Assignment, Unit).join(Unit)
        .where((Assignment.item == lead.item_id) & (Assignment.role == HandlingRole.CO.value)
               & (Assignment.status != AssignmentStatus.RETURNED.value))
        .order_by(Unit.sort_order, Assignment.id)
    )


def _flags(reply: Reply) -> dict[str, bool]:
    return {"needs_cosign": bool(policy.cosigning_units(reply)), "needs_review": needs_review(reply.assignment)}


def pipeline(reply: Reply) -> list[ReplyStatus]:
    """The steps this reply passes through after drafting, ending with ``sent``."""
    return workflow.reply_pipeline(**_flags(reply))


# --- the one writer of Reply.status ---------------------------------------------------------


def _expected_version(reply: Reply, version: Any) -> int:
    """The version the caller acts on: the one it sent, else the one it loaded."""
    if version is None or version == "":
        return reply.version
    try:
        value = int(version)
    except (TypeError, ValueError):
        raise ValidationFailed("version 应为整数", fields={"version": "应为整数"}) from None
    if value != reply.version:
        raise StaleVersion("该答复已被他人处理或修改，请刷新后重试")
    return value


def _write(reply: Reply, *, version: int, status: ReplyStatus | None = None, **fields: Any) -> None:
    """Apply a change to a reply if nobody changed it since ``version`` (else 409)."""
    now = clock.now()
    values: dict[Any, Any] = {Reply.version: Reply.version + 1, Reply.updated_at: now}
    if status is not None:
        values[Reply.status] = status.value
    for key, value in fields.items():
        values[getattr(Reply, key)] = value
    rows = Reply.update(values).where((Reply.id == reply.id) & (Reply.version == version)).execute()
    if rows != 1:
        raise StaleVersion("该答复已被他人处理或修改，请刷新后重试")
    reply.version = version + 1
    reply.updated_at = now
    if status is not None:
        reply.status = status.value
    for key, value in fields.items():
        setattr(reply, key, value)


# --- validation -----------------------------------------------------------------------------


def clean_commitments(raw: Any, *, today: dt.date) -> tuple[list[dict], str | None]:
    """[{text, due_date}] rows → (cleaned rows with ISO dates, first problem or None)."""
    if raw in (None, ""):
        return [], None
    if not isinstance(raw, list | tuple):
        return [], "承诺事项格式不正确"
    cleaned: list[dict] = []
    for n, row in enumerate(raw, start=1):
        if not isinstance(row, dict):
            return [], f"第 {n} 项承诺事项格式不正确"
        text = str(row.get("text") or "").strip()
        raw_due = row.get("due_date", row.get("due_on"))
        if not text and raw_due in (None, ""):
            continue
        if not text:
            return [], f"第 {n} 项承诺事项缺少内容"
        if len(text) > 2000:
            return [], f"第 {n} 项承诺事项不能超过 2000 个字"
        due = clock.as_date(raw_due)
        if raw_due in (None, ""):
            return [], f"第 {n} 项承诺事项缺少完成时限"
        if due is None:
            return [], f"第 {n} 项承诺事项的完成时限格式应为 YYYY-MM-DD"
        if due < today:
            return [], f"第 {n} 项承诺事项的完成时限 {due.isoformat()} 不能早于今天"
        cleaned.append({"text": text, "due_date": due.isoformat()})
    if len(cleaned) > MAX_COMMITMENTS:
        return [], f"承诺事项不能超过 {MAX_COMMITMENTS} 项"
    return cleaned, None


def _clean(data: dict, *, creating: bool, today: dt.date) -> dict:
    """Validate the reply's fields; raise ValidationFailed (422) with every problem by field."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    if creating or "result_class" in data:
        value = str(data.get("result_class") or "").strip().upper()
        classes = enabled_classes()
        if value not in classes:
            errors["result_class"] = "请选择分类标识（" + "、".join(f"{c}类" for c in classes) + "）"
        out["result_class"] = value
    if creating or "text" in data:
        text = str(data.get("text") or "").strip()
        if not text:
            errors["text"] = "请填写答复正文"
        elif len(text) > TEXT_MAX:
            errors["text"] = f"答复正文不能超过 {TEXT_MAX} 个字"
        out["text"] = text
    for key, limit, name in (("contact_name", 100, "联系人"), ("doc_number", 100, "文号"),
                             ("contact_phone", 50, "联系电话")):
        if creating or key in data:
            value = str(data.get(key) or "").strip()
            if len(value) > limit:
                errors[key] = f"{name}不能超过 {limit} 个字"
            out[key] = value
    if out.get("contact_phone") and not PHONE_RE.match(out["contact_phone"]):
        errors["contact_phone"] = "联系电话格式不正确，请只填写数字、空格、“-”或“转”"
    if creating or "publish" in data:
        value = str(data.get("publish") or Publish.FULL.value).strip()
        if value not in {p.value for p in Publish}:
            errors["publish"] = "公开属性须为全文公开、摘要公开或不公开"
        out["publish"] = value
    if creating or "commitments" in data:
        rows, problem = clean_commitments(data.get("commitments"), today=today)
        if problem:
            errors["commitments"] = problem
        out["planned_commitments"] = rows
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    return out


# --- drafting -------------------------------------------------------------------------------


def _ensure_may_draft(a: Assignment, actor: Any) -> None:
    if a.is_co and policy.role_of(actor) in policy.UNIT and actor.unit_id == a.unit_id:
        raise PermissionDenied(CO_CANNOT_REPLY)
    ensure(policy.can(actor, Action.DRAFT_REPLY, a))
    items.ensure_writable(a.item)
    status = AssignmentStatus(a.status)
    if status == AssignmentStatus.PENDING_RECEIPT:
        raise Conflict("请先签收，再起草答复", code="not_received")
    if status not in DRAFTABLE:
        raise Conflict(f"承办任务当前状态为“{label(status)}”，不能起草答复", code="invalid_state")


def reply_of_round(a: Assignment, rnd: int | None = None) -> Reply | None:
    return Reply.get_or_none((Reply.assignment == a.id) & (Reply.round == (rnd or a.round)))


def can_start_reply(user: Any, a: Assignment) -> bool:
    """Whether the user may start this round's reply now (policy, state, none drafted yet)."""
    if not policy.can(user, Action.DRAFT_REPLY, a) or a.item.is_read_only:
        return False
    return AssignmentStatus(a.status) in DRAFTABLE and reply_of_round(a) is None


def draft_reply(a: Assignment, *, actor: Any, result_class: str, text: str,
                commitments: list[dict] | None = None, contact_name: str = "", contact_phone: str = "",
                publish: str = Publish.FULL.value, doc_number: str = "", submit: bool = False,
                files: list[tuple[str, bytes]] | None = None, today: dt.date | None = None) -> Reply:
    """The handler drafts this round's reply (one per unit and round), with its attachments
    (``files``: (filename, content) pairs); ``submit`` sends it for sign-off at once."""
    _ensure_may_draft(a, actor)
    today = today or clock.today()
    data = _clean({"result_class": result_class, "text": text, "commitments": commitments,
                   "contact_name": contact_name, "contact_phone": contact_phone, "publish": publish,
                   "doc_number": doc_number}, creating=True, today=today)
    for name, content in files or []:
        reply_files.check_upload(name, content)
    existing = reply_of_round(a)
    if existing is not None:
        raise Conflict(f"第 {a.round} 轮答复已起草（{label(ReplyStatus(existing.status))}），请在原稿上修改",
                       code="reply_exists")
    now = clock.now()
    try:
        with db.atomic():
            reply = Reply.create(assignment=a, round=a.round, status=ReplyStatus.DRAFT.value, version=1,
                                 cycle=0, created_by=actor.id, created_at=now, updated_at=now, **data)
            audit.record("reply_drafted", reply, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                         after={"result_class": reply.result_class, "round": reply.round,
                                "commitments": len(data["planned_commitments"])},
                         detail=f"{a.unit.name}起草答复（{reply.result_class}类"
                                + (f"，第 {a.round} 轮" if a.round > 1 else "") + "）")
            for name, content in files or []:
                reply_files.add_attachment(reply, actor=actor, filename=name, data=content)
            if submit:
                submit_reply(reply, actor=actor)
    except pw.IntegrityError:
        raise Conflict(f"第 {a.round} 轮答复已起草，请在原稿上修改", code="reply_exists") from None
    return reply


def edit_reply(reply: Reply, *, actor: Any, version: Any = None, today: dt.date | None = None,
               files: list[tuple[str, bytes]] | None = None, submit: bool = False, **changes: Any) -> Reply:
    """Change a draft (and add attachments). Only the replying unit, only while it is a draft;
    ``submit`` sends it for sign-off in the same step."""
    ensure(policy.can(actor, Action.DRAFT_REPLY, reply))
    unknown = set(changes) - set(REPLY_FIELDS)
    if unknown:
        raise ValidationFailed("不能修改这些字段：" + "、".join(sorted(unknown)),
                               fields={k: "不能修改此字段" for k in unknown})
    items.ensure_writable(reply.assignment.item)
    expected = _expected_version(reply, version)
    if reply.status != ReplyStatus.DRAFT.value:
        raise Conflict("答复已提交，不能再修改；如需修改，请由签发、会签或审核人退回", code="not_draft")
    data = _clean(changes, creating=False, today=today or clock.today())
    for name, content in files or []:
        reply_files.check_upload(name, content)
    before = {k: getattr(reply, k) for k in data}
    with db.atomic():
        _write(reply, version=expected, **data)
        b, after = audit.changes(before, {k: getattr(reply, k) for k in data})
        if after:
            names = "、".join(FIELD_LABELS.get("commitments" if k == "planned_commitments" else k, k)
                             for k in after)
            a = reply.assignment
            audit.record("reply_edited", reply, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                         before=b, after=after, detail=f"{a.unit.name}修改答复稿：{names}")
        for name, content in files or []:
            reply_files.add_attachment(reply, actor=actor, filename=name, data=content)
        if submit:
            submit_reply(reply, actor=actor)
    return reply


def submit_reply(reply: Reply, *, actor: Any, version: Any = None) -> Reply:
    """Submit the draft to the unit leader for sign-off (a new cycle of the pipeline)."""
    ensure(policy.can(actor, Action.SUBMIT, reply))
    a = reply.assignment
    items.ensure_writable(a.item)
    expected = _expected_version(reply, version)
    target = workflow.reply_next(ReplyStatus(reply.status), Action.SUBMIT, **_flags(reply))
    with db.atomic():
        _write(reply, version=expected, status=target, cycle=reply.cycle + 1, return_reason="")
        audit.record("reply_submitted", reply, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                     before={"status": ReplyStatus.DRAFT.value}, after={"status": target.value},
                     detail=f"{a.unit.name}提交答复稿，送本单位领导签发")
        _notify_step(reply, target)
    return reply


# --- the pipeline: sign-off, co-sign, review ------------------------------------------------
#
# Each step reads what it needs (permission, state, the pipeline's shape) before its
# transaction, and the transaction starts with the conditional UPDATE of ``_write``: two people
# acting on one reply at once cannot both pass (one gets 409), on PostgreSQL and SQLite alike.


def _decision(decision: Any) -> str:
    value = str(decision or "").strip()
    if value not in DECISIONS:
        raise ValidationFailed("decision 须为 approve（同意）或 return（退回）",
                               fields={"decision": "须为 approve 或 return"})
    return value


def _reason(reason: Any) -> str:
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationFailed("退回修改须填写理由", fields={"reason": "退回修改须填写理由"})
    if len(reason) > 2000:
        raise ValidationFailed("退回理由不能超过 2000 个字", fields={"reason": "退回理由不能超过 2000 个字"})
    return reason


def _return(reply: Reply, *, actor: Any, reason: str, version: int, step: str, target: ReplyStatus) -> None:
    """Inside a transaction: back to the drafter, with the reason."""
    before = reply.status
    a = reply.assignment
    _write(reply, version=version, status=target, return_reason=reason)
    audit.record("reply_returned", reply, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                 before={"status": before}, after={"status": target.value, "reason": reason},
                 detail=f"{step}退回答复稿（{a.unit.name}）：{reason}")
    drafter = User.get_or_none(User.id == reply.created_by_id)
    notify([drafter, *unit_users(a.unit_id)], f"答复被退回修改：{a.item.number}号 {a.item.title}",
           f"{step}退回，理由：{reason}", item=a.item)


def _approve(reply: Reply, *, actor: Any, version: int, target: ReplyStatus, audit_type: str, detail: str,
             before: dict | None = None, after: dict | None = None, **fields: Any) -> None:
    """Inside a transaction: on to the next step; past the last one the reply is sent."""
    if target == ReplyStatus.SENT:
        fields.update(sent_at=clock.now(), sent_on=clock.today())
    a = reply.assignment
    _write(reply, version=version, status=target, **fields)
    audit.record(audit_type, reply, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                 before=before, after={**(after or {}), "status": target.value}, detail=detail)
    if target == ReplyStatus.SENT:
        _send(reply, actor=actor)
    else:
        _notify_step(reply, target)


def _step(reply: Reply, action: Action, decision: str, reason: Any) -> tuple[ReplyStatus, str]:
    """The target state of approving (``action``) or returning, checked against the workflow."""
    flags = _flags(reply)
    status = ReplyStatus(reply.status)
    workflow.reply_next(status, action, **flags)  # 409 unless this step is due now
    if decision == "return":
        return workflow.reply_next(status, Action.RETURN, **flags), _reason(reason)
    return workflow.reply_next(status, action, **flags), str(reason or "").strip()


def sign_off(reply: Reply, *, actor: Any, decision: str = "approve", reason: str = "",
             version: Any = None) -> Reply:
    """The unit leader signs the reply off (签发) or returns it."""
    a = reply.assignment
    if not policy.can(actor, Action.SIGN_OFF, reply):
        if policy.role_of(actor) == Role.UNIT_HANDLER and actor.unit_id == a.unit_id:
            raise PermissionDenied("只有本单位领导可以签发答复，经办人不能签发")
        raise PermissionDenied()
    items.ensure_writable(a.item)
    decision = _decision(decision)
    expected = _expected_version(reply, version)
    target, reason = _step(reply, Action.SIGN_OFF, decision, reason)
    with db.atomic():
        if decision == "return":
            _return(reply, actor=actor, reason=reason, version=expected, step="单位领导签发时", target=target)
        else:
            _approve(reply, actor=actor, version=expected, target=target, audit_type="reply_signed_off",
                     detail=f"{a.unit.name}领导{actor.display}签发答复（{reply.result_class}类）",
                     signed_off_by=actor.id, signed_off_at=clock.now())
    return reply


def _actor_co_assignment(reply: Reply, actor: Any) -> Assignment:
    for co in cosigning_assignments(reply):
        if co.unit_id == actor.unit_id:
            return co
    raise PermissionDenied()


COSIGN_NOT_READY = {
    "not_received": "{unit}尚未签收本件，请先签收并提交会办意见，再会签主办单位的答复稿",
    "no_opinion": "{unit}尚未提交会办意见，请先提交会办意见，再同意主办单位的答复稿（不同意可退回）",
    "not_working": "{unit}的会办任务当前不能会签（申退待审核中）",
}
COSIGN_NOT_READY_HANDLER = {  # what the co unit's handler is told: the first steps are theirs
    "not_received": "{unit}尚未签收本件，请先签收并提交会办意见，再由本单位领导会签主办单位的答复稿",
    "no_opinion": "{unit}尚未提交会办意见，请先提交会办意见，再由本单位领导会签主办单位的答复稿",
    "not_working": "{unit}的会办任务当前不能会签（申退待审核中）",
}


def cosign_readiness(co: Assignment) -> str:
    """Whether a co unit may co-sign now: ready, not_received, no_opinion (may only send the
    draft back) or not_working (a pending return request)."""
    status = AssignmentStatus(co.status)
    if status in workflow.CO_MAY_APPROVE_DRAFT:
        return "ready"
    if status in workflow.CO_MAY_RETURN_DRAFT:
        return "no_opinion"
    return "not_received" if status == AssignmentStatus.PENDING_RECEIPT else "not_working"


def cosign(reply: Reply, *, actor: Any, decision: str = "approve", reason: str = "",
           version: Any = None) -> Reply:
    """A co unit agrees to the lead's draft (会签) or returns it; once all agree it moves on."""
    ensure(policy.can(actor, Action.COSIGN, reply))
    a = reply.assignment
    items.ensure_writable(a.item)
    decision = _decision(decision)
    expected = _expected_version(reply, version)
    target, reason = _step(reply, Action.COSIGN, decision, reason)
    co = _actor_co_assignment(reply, actor)
    ready = cosign_readiness(co)
    if ready != "ready" and not (ready == "no_opinion" and decision == "return"):
        raise Conflict(COSIGN_NOT_READY[ready].format(unit=co.unit.name), code=ready)
    cycle = reply.cycle
    done = {c.assignment_id: c.decision for c in cosigns_of_cycle(reply)}
    if co.id in done:
        raise Conflict(f"{co.unit.name}已会签本稿", code="already_cosigned")
    waiting = [x for x in cosigning_assignments(reply) if x.id != co.id and done.get(x.id) != "approve"]
    with db.atomic():
        if decision == "return":
            _return(reply, actor=actor, reason=reason, version=expected, step=f"{co.unit.name}会签时",
                    target=target)
        elif waiting:
            # No state change yet, but the version moves: concurrent co-signatures serialise.
            _write(reply, version=expected)
            audit.record("reply_cosigned", reply, actor=actor, item_id=a.item_id, unit_id=co.unit_id,
                         after={"decision": "approve", "waiting": [x.unit.name for x in waiting]},
                         detail=f"{co.unit.name}会签同意（{a.unit.name}答复稿）；待"
                                + "、".join(x.unit.name for x in waiting) + "会签")
        else:
            _approve(reply, actor=actor, version=expected, target=target, audit_type="reply_cosigned",
                     after={"decision": "approve"},
                     detail=f"{co.unit.name}会签同意（{a.unit.name}答复稿）；各会办单位均已会签")
        ReplyCosign.create(reply=reply, assignment=co, cycle=cycle, decision=decision, reason=reason,
                           by=actor.id, at=clock.now())
    return reply


def review(reply: Reply, *, actor: Any, decision: str = "approve", reason: str = "",
           result_class: str | None = None, version: Any = None) -> Reply:
    """The office reviews (审核); it may change the class (logged) or return the reply."""
    ensure(policy.can(actor, Action.REVIEW, reply))
    a = reply.assignment
    items.ensure_writable(a.item)
    decision = _decision(decision)
    expected = _expected_version(reply, version)
    target, reason = _step(reply, Action.REVIEW, decision, reason)
    new_class = str(result_class or "").strip().upper() or None
    if decision == "approve" and new_class and new_class not in enabled_classes():
        raise ValidationFailed("分类标识不正确", fields={"result_class": "请选择" + "、".join(
            f"{c}类" for c in enabled_classes())})
    with db.atomic():
        if decision == "return":
            _return(reply, actor=actor, reason=reason, version=expected, step="督查室审核时", target=target)
            return reply
        fields: dict[str, Any] = {"reviewed_by": actor.id, "reviewed_at": clock.now()}
        before = after = None
        detail = f"督查室审核通过（{a.unit.name}答复）"
        if new_class and new_class != reply.result_class:
            before, after = {"result_class": reply.result_class}, {"result_class": new_class}
            detail += f"，分类标识由 {reply.result_class}类 改为 {new_class}类"
            if reason:
                detail += f"：{reason}"
            fields["result_class"] = new_class
        _approve(reply, actor=actor, version=expected, target=target, audit_type="reply_reviewed",
                 detail=detail, before=before, after=after, **fields)
    return reply


# --- sending --------------------------------------------------------------------------------


def _send(reply: Reply, *, actor: Any) -> None:
    """The reply passed its last step: the assignment is replied, commitments open, all told."""
    a = Assignment.get_by_id(reply.assignment_id)
    item = a.item
    today = reply.sent_on or clock.today()
    assignments.transition(a, Action.SEND_REPLY)
    Assignment.update(replied_on=today).where(Assignment.id == a.id).execute()
    handling.lapse_pending_extensions(a, actor=actor, why="答复已发送")
    a.replied_on = today
    rows = [{"reply": reply.id, "assignment": a.id, "text": c["text"],
             "due_on": dt.date.fromisoformat(c["due_date"]), "status": CommitmentStatus.OPEN.value}
            for c in (reply.planned_commitments or [])]
    if rows:
        Commitment.insert_many(rows).execute()
    items.refresh_status(item)
    audit.record("reply_sent", reply, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                 after={"result_class": reply.result_class, "sent_on": today.isoformat(),
                        "commitments": len(rows), "round": reply.round},
                 detail=f"{a.unit.name}答复已发送（{reply.result_class}类"
                        + (f"，承诺事项 {len(rows)} 项" if rows else "") + "）")
    title = f"答复已发送：{item.number}号 {item.title}"
    body = f"{a.unit.name}已答复（{label(ResultClass(reply.result_class))}）。"
    notify(office_users(), title, body, item=item)
    for co in cosigning_assignments(reply):
        notify(unit_users(co.unit_id), f"答复抄送：{item.number}号 {item.title}",
               body + "作为会办单位，请查阅答复内容。", item=item)
    for own, users in submitters_by_item(item):
        notify(users, f"您的{items.noun(own.kind)}已收到答复：{own.number}号 {own.title}",
               body + merged_note(own, item) + "请登录系统查看答复，并对办理工作和办理结果进行评价。", item=own)


def submitter_users(item: Item) -> list[User]:
    """The user accounts of everyone who gets the reply: the item's submitters and those of the
    items merged into it (users whose person is one of them)."""
    return [user for _, users in submitters_by_item(item) for user in users]


def submitters_by_item(item: Item) -> list[tuple[Item, list[User]]]:
    """:func:`submitter_users` by the item each reads the reply through: the item's own
    submitters by ``item``, those of an item merged into it by that item (whose page shows the
    parent's reply and takes their rating; the parent's page is not theirs to open). Items
    whose submitters have no account are left out."""
    from tracker.items.merging import group_submitters

    by_item: dict[int, set[int]] = {}
    for s in group_submitters(item):
        if s.person_id:
            by_item.setdefault(s.item_id, set()).add(s.person_id)
    if not by_item:
        return []
    users = list(User.select().where((User.person.in_(sorted(set().union(*by_item.values()))))
                                     & (User.role == Role.SUBMITTER.value) & (User.active == True)))  # noqa: E712
    own = {i.id: i for i in Item.select().where(Item.id.in_(sorted(by_item)))}
    return [(own[item_id], [u for u in users if u.person_id in persons])
            for item_id, persons in by_item.items() if any(u.person_id in persons for u in users)]


def merged_note(own: Item, item: Item) -> str:
    """For the submitters of an item merged into ``item``: which item theirs is handled with."""
    return "" if own.id == item.id else f"（本件已并入第{item.number}号办理，该件的答复同样答复您。）"


def _notify_step(reply: Reply, status: ReplyStatus) -> None:
    a = reply.assignment
    item = a.item
    if status == ReplyStatus.AWAITING_SIGN_OFF:
        notify(unit_users(a.unit_id, (Role.UNIT_LEADER,)), f"答复待签发：{item.number}号 {item.title}",
               f"{a.unit.name}经办人已提交答复稿（{reply.result_class}类），请审阅签发。", item=item)
    elif status == ReplyStatus.AWAITING_COSIGN:
        for co in cosigning_assignments(reply):
            notify(unit_users(co.unit_id, (Role.UNIT_LEADER,)), f"答复待会签：{item.number}号 {item.title}",
                   f"主办单位{a.unit.name}的答复稿已签发，请会签。", item=item)
    elif status == ReplyStatus.AWAITING_OFFICE_REVIEW:
        notify(office_users(), f"答复待审核：{item.number}号 {item.title}",
               f"{a.unit.name}的答复稿（{reply.result_class}类）待督查室审核。", item=item)


# --- reading --------------------------------------------------------------------------------


def get_reply_for(user: Any, reply_id: int) -> Reply:
    """A reply the user may see, else NotFound (404)."""
    reply = Reply.get_or_none(Reply.id == reply_id)
    if reply is None or not policy.can_view_reply(user, reply):
        raise NotFound()
    return reply


def visible_replies(user: Any, a: Assignment) -> list[Reply]:
    rows = list(Reply.select().where(Reply.assignment == a.id).order_by(Reply.round, Reply.id))
    for r in rows:
        r.assignment = a  # the caller's copy (with its item): no query per reply for ``r.assignment``
    return [r for r in rows if policy.can_view_reply(user, r)]


def allowed_actions(user: Any, reply: Reply) -> set[str]:
    """What the user may do to the reply now (policy and state); pages show just these."""
    acts: set[str] = set()
    a = reply.assignment
    if a.item.is_read_only:
        return acts
    status = ReplyStatus(reply.status)
    if status == ReplyStatus.DRAFT and policy.can(user, Action.DRAFT_REPLY, reply):
        acts |= {"edit", "submit"}
    elif status == ReplyStatus.AWAITING_SIGN_OFF and policy.can(user, Action.SIGN_OFF, reply):
        acts.add("sign_off")
    elif status == ReplyStatus.AWAITING_COSIGN:
        co = _owed_cosign(user, reply)
        if co is not None and cosign_readiness(co) in ("ready", "no_opinion"):
            acts.add("cosign")
    elif status == ReplyStatus.AWAITING_OFFICE_REVIEW and policy.can(user, Action.REVIEW, reply):
        acts.add("review")
    return acts


def cosigns_of_cycle(reply: Reply, cycle: int | None = None) -> list[ReplyCosign]:
    return list(ReplyCosign.select(ReplyCosign, Assignment).join(Assignment)
                .where((ReplyCosign.reply == reply.id) & (ReplyCosign.cycle == (cycle or reply.cycle)))
                .order_by(ReplyCosign.at, ReplyCosign.id))


def cosign_status(reply: Reply) -> list[dict]:
    """Per co unit: its decision in the current submission cycle (None = waiting)."""
    if reply.cycle == 0:
        return []
    by_assignment = {c.assignment_id: c for c in cosigns_of_cycle(reply)}
    return [{"assignment": co, "unit": co.unit, "cosign": by_assignment.get(co.id),
             "readiness": cosign_readiness(co)}
            for co in cosigning_assignments(reply)]


def cosign_status_for(user: Any, reply: Reply) -> list[dict]:
    """:func:`cosign_status` as ``user`` reads it: every co unit's row for a reader of the replying
    unit's records (``policy.sees_records_of``); a co unit its own row only; others none."""
    rows = cosign_status(reply)
    if policy.sees_records_of(user, reply.assignment):
        return rows
    unit_id = user.unit_id if policy.role_of(user) in policy.UNIT else None
    return [row for row in rows if unit_id is not None and row["unit"].id == unit_id]


def _owed_cosign(user: Any, reply: Reply) -> Assignment | None:
    """The user's co assignment when their unit still owes this draft its co-signature (this cycle)."""
    if reply.status != ReplyStatus.AWAITING_COSIGN.value or not policy.can(user, Action.COSIGN, reply):
        return None
    co = _actor_co_assignment(reply, user)
    return None if any(c.assignment_id == co.id for c in cosigns_of_cycle(reply)) else co


def cosign_note(user: Any, reply: Reply) -> str:
    """Why this co unit cannot agree to the draft yet ('' when it can, or need not): to its leader,
    who co-signs, and to its handlers, who sign for the item and send the opinion first."""
    if (reply.status != ReplyStatus.AWAITING_COSIGN.value or policy.role_of(user) not in policy.UNIT
            or user.unit_id not in policy.cosigning_units(reply)):
        return ""
    co = _actor_co_assignment(reply, user)
    if any(c.assignment_id == co.id for c in cosigns_of_cycle(reply)):
        return ""
    ready = cosign_readiness(co)
    if ready == "ready":
        return ""
    if policy.can(user, Action.COSIGN, reply):
        return COSIGN_NOT_READY[ready].format(unit=co.unit.name)
    return COSIGN_NOT_READY_HANDLER[ready].format(unit=co.unit.name)


def commitments_of(reply: Reply) -> list[dict]:
    """The commitments: Commitment rows once sent, the planned ones before."""
    if reply.status == ReplyStatus.SENT.value:
        return [{"id": c.id, "text": c.text, "due_date": c.due_on, "status": c.status}
                for c in Commitment.select().where(Commitment.reply == reply.id).order_by(Commitment.id)]
    return [{"id": None, "text": c["text"], "due_date": dt.date.fromisoformat(c["due_date"]), "status": None}
            for c in (reply.planned_commitments or [])]


def return_history(reply: Reply) -> list[AuditEntry]:
    """Each time the reply was returned, with who, when and why (from the audit log)."""
    return list(AuditEntry.select().where((AuditEntry.object_type == "reply")
                                          & (AuditEntry.object_id == reply.id)
                                          & (AuditEntry.action == "reply_returned"))
                .order_by(AuditEntry.at, AuditEntry.id))


def awaiting_review():
    """Replies waiting for the office's review, oldest first (the office desk)."""
    return _awaiting_review(Reply.select(Reply, Assignment, Item, Unit)
                            .join(Assignment).join(Item).switch(Assignment).join(Unit))


def awaiting_review_ids() -> list[int]:
    """Their ids, in the same order, from the replies alone (joined first, the query read every
    assignment of every unit: ~300 ms at 200,000 items)."""
    return [i for (i,) in _awaiting_review(Reply.select(Reply.id)).tuples()]


def _awaiting_review(query: pw.ModelSelect) -> pw.ModelSelect:
    return query.where(Reply.status == ReplyStatus.AWAITING_OFFICE_REVIEW.value).order_by(Reply.updated_at, Reply.id)
