"""Use cases of the 三书一函: register a document, edit its fields, raise and decide an objection,
record the rectification — and the facts the shared machinery asks of them (the written
deadline for the clocks, the extra close-out conditions).

Each use case checks the policy (who), the state (when), writes its rows, the audit entry and the
queued notifications in ONE transaction. Assignment, receipt, reply, reminders and close-out are
the shared services; nothing here copies them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from tracker.accounts import policy
from tracker.assignments.models import Assignment
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import (
    ANSWERING_ROLES,
    SUPERVISION_KINDS,
    AssignmentStatus,
    ItemKind,
    ObjectionStatus,
    Tier,
    is_supervision_kind,
    label,
)
from tracker.core.errors import Conflict, StaleVersion, ValidationFailed, ensure
from tracker.core.text import sentence
from tracker.items import services as items
from tracker.items.models import Item
from tracker.items.workflow import Action
from tracker.reminders.services import notify, office_users, unit_users
from tracker.supervision import rules
from tracker.supervision.models import Objection, Rectification, SupervisionDoc
from tracker.units.models import Unit

KINDS = tuple(k.value for k in SUPERVISION_KINDS)
TEXT_MAX = 5000
NOTE_MAX = 2000
DOC_FIELDS = ("issuing_body", "issue_date", "case_name", "case_code", "sectors", "written_due")
FIELD_LABELS = {"issuing_body": "制发机关", "issue_date": "制发日期", "case_name": "案件名称",
                "case_code": "案号", "sectors": "涉及领域", "written_due": "文书载明的答复期限"}
ANSWERING = frozenset(r.value for r in ANSWERING_ROLES)
# The answering unit may object while it handles the document (signed for, not yet replied).
OBJECTION_STATES = frozenset({AssignmentStatus.HANDLING.value, AssignmentStatus.RETURN_REQUESTED.value,
                              AssignmentStatus.REHANDLING.value})
# ... and record its rectification from receipt until the item is closed.
RECTIFICATION_STATES = frozenset({AssignmentStatus.HANDLING.value, AssignmentStatus.RETURN_REQUESTED.value,
                                  AssignmentStatus.REHANDLING.value, AssignmentStatus.REPLIED.value,
                                  AssignmentStatus.DONE.value})


def kind_choices() -> list[tuple[str, str]]:
    """(kind, label) options for the forms; the labels follow the page's language."""
    from tracker.core.enums import display_label

    return [(k, display_label(ItemKind(k))) for k in KINDS]


def default_reply_periods(session: Any = None) -> list[tuple[str, str]]:
    """(kind, "2 个月") for each kind: the profile's reply clock when no deadline is written."""
    from tracker.assignments.deadlines import reply_clock_key
    from tracker.rules import services as rule_services

    rs = rule_services.rule_set(session)
    return [(label(ItemKind(k)), rs.clock(reply_clock_key(k)).label) for k in KINDS]


# --- what the shared machinery asks ---------------------------------------------------------


def document_of(item: Item) -> SupervisionDoc | None:
    return SupervisionDoc.get_or_none(SupervisionDoc.item == item.id)


def written_due_of(item: Item) -> dt.date | None:
    """The reply deadline written in the document (文书载明的期限), if any: the clocks use it
    instead of the profile's default (``assignments.services.rule_set_for``)."""
    row = (SupervisionDoc.select(SupervisionDoc.written_due).where(SupervisionDoc.item == item.id)
           .tuples().first())
    return row[0] if row else None


def closeout_conditions_for(batch: Sequence[Item]) -> dict[int, list[str]]:
    """The further close-out conditions of the 三书一函 among ``batch`` (three queries in all):
    every answering unit has recorded its rectification, no objection waits for a decision,
    and the document's fields are registered."""
    ids = [i.id for i in batch if is_supervision_kind(i.kind)]
    if not ids:
        return {}
    documented = {i for (i,) in SupervisionDoc.select(SupervisionDoc.item)
                  .where(SupervisionDoc.item.in_(ids)).tuples()}
    answering = list(Assignment.select(Assignment, Unit).join(Unit)
                     .where(Assignment.item.in_(ids) & Assignment.role.in_(sorted(ANSWERING))
                            & (Assignment.status != AssignmentStatus.RETURNED.value))
                     .order_by(Assignment.id))
    a_ids = [a.id for a in answering] or [0]
    rectified = {a for (a,) in Rectification.select(Rectification.assignment)
                 .where(Rectification.assignment.in_(a_ids)).tuples()}
    pending = {a for (a,) in Objection.select(Objection.assignment)
               .where(Objection.assignment.in_(a_ids) & (Objection.status == ObjectionStatus.PENDING.value))
               .tuples()}
    by_item: dict[int, list[rules.UnitFacts]] = defaultdict(list)
    for a in answering:
        by_item[a.item_id].append(rules.UnitFacts(a.unit.name, a.id in rectified, a.id in pending))
    return {i: rules.closeout_conditions(by_item[i], has_document=i in documented) for i in ids}


# --- validation -----------------------------------------------------------------------------


def _text(value: Any, limit: int) -> str:
    return "" if value is None else str(value).strip()[: limit + 1]


def _check_doc(kind: str, data: dict[str, Any], *, creating: bool, today: dt.date) -> tuple[dict, dict]:
    """(cleaned document fields, errors by field). Only the keys present are checked on edit."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    if creating or "issuing_body" in data:
        body = _text(data.get("issuing_body"), 200)
        if not body:
            errors["issuing_body"] = "请填写制发机关"
        elif len(body) > 200:
            errors["issuing_body"] = "制发机关不能超过 200 个字"
        out["issuing_body"] = body
    if creating or "issue_date" in data:
        issued = data.get("issue_date")
        if not isinstance(issued, dt.date):
            errors["issue_date"] = "请填写制发日期"
        elif issued > today:
            errors["issue_date"] = f"制发日期 {issued.isoformat()} 不能晚于今天"
        out["issue_date"] = issued
    for key, limit in (("case_name", 300), ("case_code", 100), ("sectors", NOTE_MAX)):
        if creating or key in data:
            value = _text(data.get(key), limit)
            if len(value) > limit:
                errors[key] = f"{FIELD_LABELS[key]}不能超过 {limit} 个字"
            out[key] = value
    if out.get("case_code") and not rules.has_case_code(kind):
        errors["case_code"] = f"{label(ItemKind(kind))}没有案号，请勿填写"
    if creating or "written_due" in data:
        due = data.get("written_due")
        if due is not None and not isinstance(due, dt.date):
            errors["written_due"] = "日期格式应为 年-月-日"
            due = None
        issued = out.get("issue_date") if "issue_date" in out else data.get("_current_issue_date")
        if due is not None and isinstance(issued, dt.date) and due < issued:
            errors["written_due"] = f"文书载明的答复期限 {due.isoformat()} 不能早于制发日期 {issued.isoformat()}"
        out["written_due"] = due
    return out, errors


def _fail(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)


def _ensure_supervision(item: Item) -> None:
    if not is_supervision_kind(item.kind):
        raise Conflict("该件不是三书一函（司法建议书、检察建议书、监察建议书、公安提示函）",
                       code="not_supervision_document")


def _describe(doc: SupervisionDoc) -> str:
    parts = [f"制发机关：{doc.issuing_body}", f"制发日期：{doc.issue_date.isoformat()}"]
    if doc.case_name:
        parts.append(f"案件：{doc.case_name}" + (f"（{doc.case_code}）" if doc.case_code else ""))
    if doc.written_due:
        parts.append(f"文书载明的答复期限：{doc.written_due.isoformat()}")
    return "；".join(parts)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# --- registration and editing ---------------------------------------------------------------


def register_document(*, actor: Any, kind: str, session_id: int | None, number: str, title: str,
                      issuing_body: str, issue_date: dt.date | None, case_name: str = "",
                      case_code: str = "", sectors: str = "", written_due: dt.date | None = None,
                      content: str = "", category: str = "", tier: str = Tier.DEPARTMENT.value,
                      is_key: bool = False, received_on: dt.date | None = None, leader_id: int | None = None,
                      note: str = "", today: dt.date | None = None) -> Item:
    """Register a 三书一函: the item (shared registration: number = 文书编号, title = 事由,
    content = 主要内容; no submitters) and its document fields, all or nothing. Every problem of
    both parts is reported at once (422)."""
    ensure(policy.can(actor, Action.REGISTER))
    today = today or clock.today()
    errors: dict[str, str] = {}
    if kind not in KINDS:
        errors["kind"] = "请选择文书类别（司法建议书、检察建议书、监察建议书或公安提示函）"
    fields, doc_errors = _check_doc(kind, {"issuing_body": issuing_body, "issue_date": issue_date,
                                           "case_name": case_name, "case_code": case_code,
                                           "sectors": sectors, "written_due": written_due},
                                    creating=True, today=today)
    with db.atomic():
        try:
            item = items.register_item(
                actor=actor, kind=kind if not errors else ItemKind.PROCURATORIAL.value,
                session_id=session_id, number=number, title=title, content=content, category=category,
                submitters=[], is_key=is_key, tier=tier, received_on=received_on, leader_id=leader_id,
                note=note)
        except ValidationFailed as exc:
            errors = {**exc.fields, **errors, **doc_errors}
            if "number" in errors:
                errors["number"] = errors["number"].replace("案号", "文书编号")
            _fail(errors)
            raise
        _fail({**errors, **doc_errors})
        now = clock.now()
        doc = SupervisionDoc.create(item=item, created_at=now, updated_at=now, **fields)
        audit.record("document_registered", doc, actor=actor, item_id=item.id,
                     after={k: _plain(v) for k, v in fields.items()},
                     detail=f"{label(ItemKind(kind))}文书信息：{_describe(doc)}")
    return item


ITEM_EDITABLE = ("title", "content", "category", "tier", "is_key", "note", "received_on", "leader_id")


def edit_document(item: Item, *, actor: Any, version: Any = None, today: dt.date | None = None,
                  **changes: Any) -> SupervisionDoc:
    """The office corrects a document's fields (and the item's shared ones) in one step. A
    changed written deadline moves the reply dates of the item's open assignments. Creates the
    document's row for an item of a supervision kind that was registered without it."""
    ensure(policy.can(actor, Action.EDIT, item))
    items.ensure_writable(item)
    _ensure_supervision(item)
    unknown = set(changes) - set(DOC_FIELDS) - set(ITEM_EDITABLE)
    if unknown:
        raise ValidationFailed("不能修改这些字段：" + "、".join(sorted(unknown)),
                               fields={k: "不能修改此字段" for k in unknown})
    today = today or clock.today()
    doc = document_of(item)
    doc_changes = {k: v for k, v in changes.items() if k in DOC_FIELDS}
    if doc is not None:
        doc_changes["_current_issue_date"] = doc.issue_date
    fields, errors = _check_doc(item.kind, doc_changes, creating=doc is None, today=today)
    item_changes = {k: v for k, v in changes.items() if k in ITEM_EDITABLE}
    with db.atomic():
        if item_changes or version not in (None, ""):
            try:
                item = items.edit_item(item, actor=actor, version=version, **item_changes)
            except ValidationFailed as exc:
                _fail({**exc.fields, **errors})
                raise
        _fail(errors)
        now = clock.now()
        if doc is None:
            doc = SupervisionDoc.create(item=item, created_at=now, updated_at=now, **fields)
            audit.record("document_registered", doc, actor=actor, item_id=item.id,
                         after={k: _plain(v) for k, v in fields.items()},
                         detail=f"补录文书信息：{_describe(doc)}")
            due_changed = doc.written_due is not None
        else:
            before = {k: _plain(getattr(doc, k)) for k in fields}
            after = {k: _plain(v) for k, v in fields.items()}
            b, a = audit.changes(before, after)
            due_changed = "written_due" in a
            if a:
                for key, value in fields.items():
                    setattr(doc, key, value)
                doc.updated_at = now
                doc.save()
                audit.record("document_edited", doc, actor=actor, item_id=item.id, before=b, after=a,
                             detail="修改文书信息：" + "、".join(FIELD_LABELS[k] for k in a))
        if due_changed:
            from tracker.assignments import services as assignments

            assignments.recompute_open_deadlines(actor=actor, item_id=item.id,
                                                 reason=f"{item.number}号文书载明的答复期限已调整")
    return doc


# --- objections (异议) ------------------------------------------------------------------------


def objections_of(a: Assignment) -> list[Objection]:
    return list(Objection.select().where(Objection.assignment == a.id).order_by(Objection.id))


def pending_objection(a: Assignment) -> Objection | None:
    return (Objection.select().where((Objection.assignment == a.id)
                                     & (Objection.status == ObjectionStatus.PENDING.value)).first())


def can_raise_objection(user: Any, a: Assignment) -> bool:
    """Whether the user may object now (policy, kind, state, none raised before)."""
    return (policy.can(user, Action.RAISE_OBJECTION, a) and is_supervision_kind(a.item.kind)
            and not a.item.is_read_only and a.status in OBJECTION_STATES
            and not Objection.select().where(Objection.assignment == a.id).exists())


def raise_objection(a: Assignment, *, actor: Any, reason: Any) -> Objection:
    """The recipient unit objects to the document (异议), with its reason. One objection per
    unit and document; the clocks keep running while it waits (DOMAIN.md §3)."""
    ensure(policy.can(actor, Action.RAISE_OBJECTION, a), "只有承办该文书的单位可以提出异议")
    item = a.item
    _ensure_supervision(item)
    items.ensure_writable(item)
    text = _text(reason, TEXT_MAX)
    if not text:
        raise ValidationFailed("请填写异议理由", fields={"reason": "请填写异议理由"})
    if len(text) > TEXT_MAX:
        raise ValidationFailed(f"异议理由不能超过 {TEXT_MAX} 个字", fields={"reason": f"不能超过 {TEXT_MAX} 个字"})
    status = AssignmentStatus(a.status)
    if status == AssignmentStatus.PENDING_RECEIPT:
        raise Conflict("请先签收，再提出异议", code="not_received")
    if status.value not in OBJECTION_STATES:
        raise Conflict(f"承办任务当前状态为“{label(status)}”，不能再提出异议", code="invalid_state")
    with db.atomic():
        earlier = Objection.select().where(Objection.assignment == a.id).first()
        if earlier is not None:
            raise Conflict(f"本单位已对该文书提出过异议（{label(ObjectionStatus(earlier.status))}），不能重复提出",
                           code="objection_exists")
        objection = Objection.create(assignment=a, reason=text, raised_at=clock.now(), raised_by=actor.id)
        doc = document_of(item)
        issuer = doc.issuing_body if doc else "制发机关"
        audit.record("objection_raised", objection, actor=actor, item_id=item.id, unit_id=a.unit_id,
                     after={"reason": text}, detail=f"{a.unit.name}对{label(ItemKind(item.kind))}提出异议：{text}")
        notify(office_users(), f"异议待登记决定：{item.number}号 {item.title}",
               f"{a.unit.name}提出异议，理由：{sentence(text)}请转{issuer}并登记其决定。", item=item)
    return objection


def _write_objection(objection: Objection, new: ObjectionStatus, **fields: Any) -> None:
    """The only writer of Objection.status (optimistic: a concurrent decision gets 409)."""
    rows = (Objection.update(status=new.value, version=Objection.version + 1, **fields)
            .where((Objection.id == objection.id) & (Objection.version == objection.version)).execute())
    if rows != 1:
        raise StaleVersion("该异议已被他人处理，请刷新后重试")
    objection.status = new.value
    objection.version += 1
    for key, value in fields.items():
        setattr(objection, key, value)


def decide_objection(objection: Objection, *, actor: Any, decision: Any, issuer_decision: Any,
                     version: Any = None) -> Objection:
    """The office records the issuing body's decision on an objection. ``upheld``: the issuing
    body withdraws the document, so the item is withdrawn (撤回) with that reason; ``dismissed``:
    the document stands and the unit goes on handling it."""
    a = objection.assignment
    item = a.item
    ensure(policy.can(actor, Action.DECIDE_OBJECTION, a), "只有交办单位可以登记制发机关对异议的决定")
    _ensure_supervision(item)
    items.ensure_writable(item)
    errors: dict[str, str] = {}
    value = str(decision or "").strip()
    if value not in rules.DECISIONS:
        errors["decision"] = "请选择制发机关的决定：异议成立或异议不成立"
    text = _text(issuer_decision, TEXT_MAX)
    if not text:
        errors["issuer_decision"] = "请填写制发机关的决定内容"
    elif len(text) > TEXT_MAX:
        errors["issuer_decision"] = f"不能超过 {TEXT_MAX} 个字"
    _fail(errors)
    if version not in (None, "") and str(version) != str(objection.version):
        raise StaleVersion("该异议已被他人处理，请刷新后重试")
    new = rules.objection_next(objection.status, value)
    with db.atomic():
        _write_objection(objection, new, issuer_decision=text, decided_at=clock.now(), decided_by=actor.id)
        audit.record("objection_decided", objection, actor=actor, item_id=item.id, unit_id=a.unit_id,
                     before={"status": ObjectionStatus.PENDING.value},
                     after={"status": new.value, "issuer_decision": text},
                     detail=f"登记制发机关对{a.unit.name}异议的决定：{label(new)}。{text}")
        if new == ObjectionStatus.UPHELD:
            items.apply_item_action(item, Action.WITHDRAW, actor=actor, audit_type="withdrawn",
                                    detail=f"制发机关采纳异议，撤回{label(ItemKind(item.kind))}：{text}")
            _finish_assignments(item)
            notify(unit_users(a.unit_id), f"异议成立，文书已撤回：{item.number}号 {item.title}",
                   f"制发机关的决定：{sentence(text)}该件已撤回，无需继续办理。", item=item)
        else:
            notify(unit_users(a.unit_id), f"异议不成立，请继续办理：{item.number}号 {item.title}",
                   f"制发机关的决定：{sentence(text)}请按期整改并回复（回复期限 {a.current_due.isoformat()}）。",
                   item=item)
    return objection


def _finish_assignments(item: Item) -> None:
    """The document was withdrawn: the units' parts end (办结), so no inbox keeps showing them."""
    from tracker.items.withdrawal import end_assignments

    end_assignments(item)


def get_objection_to_decide(user: Any, a: Assignment) -> Objection:
    """The objection of an assignment awaiting the issuing body's decision (409 when none)."""
    ensure(policy.can(user, Action.DECIDE_OBJECTION, a), "只有交办单位可以登记制发机关对异议的决定")
    _ensure_supervision(a.item)
    found = pending_objection(a)
    if found is None:
        raise Conflict("该承办单位没有待决定的异议", code="no_pending_objection")
    return found


# --- rectification (整改情况) -----------------------------------------------------------------


def rectification_of(a: Assignment) -> Rectification | None:
    return Rectification.get_or_none(Rectification.assignment == a.id)


def can_record_rectification(user: Any, a: Assignment) -> bool:
    return (policy.can(user, Action.RECORD_RECTIFICATION, a) and is_supervision_kind(a.item.kind)
            and not a.item.is_read_only and a.status in RECTIFICATION_STATES)


def record_rectification(a: Assignment, *, actor: Any, measures: Any, sector_governance: bool = False,
                         sector_governance_note: Any = "", long_term_mechanism: bool = False,
                         long_term_mechanism_note: Any = "", version: Any = None) -> Rectification:
    """The unit records (or updates) its rectification: the measures, whether sector-wide
    governance (系统治理/行业治理) was done and whether a long-term mechanism (长效机制) was set
    up — each "yes" with what it was. Allowed from receipt until the item is closed."""
    ensure(policy.can(actor, Action.RECORD_RECTIFICATION, a), "只有承办该文书的单位可以登记整改情况")
    item = a.item
    _ensure_supervision(item)
    items.ensure_writable(item)
    status = AssignmentStatus(a.status)
    if status == AssignmentStatus.PENDING_RECEIPT:
        raise Conflict("请先签收，再登记整改情况", code="not_received")
    if status.value not in RECTIFICATION_STATES:
        raise Conflict(f"承办任务当前状态为“{label(status)}”，不能登记整改情况", code="invalid_state")
    errors: dict[str, str] = {}
    text = _text(measures, TEXT_MAX)
    if not text:
        errors["measures"] = "请填写整改措施"
    elif len(text) > TEXT_MAX:
        errors["measures"] = f"整改措施不能超过 {TEXT_MAX} 个字"
    for flag_name, flag in (("sector_governance", sector_governance), ("long_term_mechanism", long_term_mechanism)):
        if not isinstance(flag, bool):
            errors[flag_name] = "应为是或否"
    gov_note = _text(sector_governance_note, NOTE_MAX)
    mech_note = _text(long_term_mechanism_note, NOTE_MAX)
    if sector_governance is True and not gov_note:
        errors["sector_governance_note"] = "已开展系统治理（行业治理）的，请说明开展情况"
    if long_term_mechanism is True and not mech_note:
        errors["long_term_mechanism_note"] = "已建立长效机制的，请写明机制名称或内容"
    for key, value in (("sector_governance_note", gov_note), ("long_term_mechanism_note", mech_note)):
        if len(value) > NOTE_MAX:
            errors[key] = f"不能超过 {NOTE_MAX} 个字"
    _fail(errors)
    values = {"measures": text, "sector_governance": sector_governance,
              "sector_governance_note": gov_note if sector_governance else "",
              "long_term_mechanism": long_term_mechanism,
              "long_term_mechanism_note": mech_note if long_term_mechanism else ""}
    now = clock.now()
    summary = (f"系统治理：{rules.yes_no(sector_governance)}；长效机制：{rules.yes_no(long_term_mechanism)}")
    with db.atomic():
        existing = rectification_of(a)
        if existing is None:
            if version not in (None, ""):
                raise StaleVersion("整改情况已被他人修改，请刷新后重试")
            row = Rectification.create(assignment=a, created_at=now, updated_at=now, updated_by=actor.id,
                                       **values)
            audit.record("rectification_recorded", row, actor=actor, item_id=item.id, unit_id=a.unit_id,
                         after={k: v for k, v in values.items()},
                         detail=f"{a.unit.name}登记整改情况（{summary}）")
        else:
            expected = existing.version if version in (None, "") else int(version)
            rows = (Rectification.update(version=Rectification.version + 1, updated_at=now,
                                         updated_by=actor.id, **values)
                    .where((Rectification.id == existing.id) & (Rectification.version == expected)).execute())
            if rows != 1:
                raise StaleVersion("整改情况已被他人修改，请刷新后重试")
            before = {k: getattr(existing, k) for k in values}
            b, after = audit.changes(before, values)
            row = Rectification.get_by_id(existing.id)
            audit.record("rectification_updated", row, actor=actor, item_id=item.id, unit_id=a.unit_id,
                         before=b, after=after, detail=f"{a.unit.name}更新整改情况（{summary}）")
        notify(office_users(), f"整改情况已登记：{item.number}号 {item.title}",
               f"{a.unit.name}：{rules.yes_no(sector_governance)}开展系统治理，"
               f"{rules.yes_no(long_term_mechanism)}建立长效机制。", item=item)
    return row


# --- reading --------------------------------------------------------------------------------


def answering_assignments(item: Item) -> list[Assignment]:
    from tracker.assignments import services as assignments

    return [a for a in assignments.item_assignments(item) if a.role in ANSWERING and not a.is_void]


def documents_query(user: Any, *, kind: str | None = None, session_id: int | None = None,
                    status: str | None = None, unit_id: int | None = None, q: str | None = None,
                    overdue: bool = False):
    """The 三书一函 the user may see (with their document rows), newest first."""
    from tracker.items.models import Session
    from tracker.items.queries import filtered_items

    query = (filtered_items(session_id=session_id, kind=kind if kind in KINDS else None, status=status,
                            unit_id=unit_id, overdue=overdue, q=q, today=clock.today())
             .select(Item, Session, SupervisionDoc)
             .join(Session, on=(Item.session == Session.id))
             .switch(Item)
             .join(SupervisionDoc, on=(SupervisionDoc.item == Item.id), attr="doc")
             # the items having a document, by id: read from the (few) documents, not every item
             .where(Item.kind.in_(list(KINDS)), Item.id.in_(SupervisionDoc.select(SupervisionDoc.item))))
    return policy.visible_items(query, user).order_by(SupervisionDoc.issue_date.desc(), Item.id.desc())
