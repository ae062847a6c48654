"""三书一函 in the API: registration through POST /items (kind + ``document``), the document's fields
in GET /items/{id}, objections and the issuing body's decision, the rectification report, and the
ledger rows. Thin: JSON in → the same services as the pages → JSON out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import jsonify, request

from tracker.accounts import policy
from tracker.api import bp
from tracker.api.common import (
    Fields,
    api_login_required,
    current_api_user,
    iso,
    json_body,
    page_params,
    parse_int,
)
from tracker.api.spec import BOOL, DATE, DATETIME, INT, STR, arr, documented, obj
from tracker.assignments import services as assignments
from tracker.core.enums import ItemStatus, ObjectionStatus, Tier, is_supervision_kind
from tracker.core.errors import ValidationFailed, ensure
from tracker.items import services as items
from tracker.items.models import Item
from tracker.items.workflow import Action
from tracker.supervision import ledger as supervision_ledger
from tracker.supervision import rules
from tracker.supervision import services as supervision
from tracker.supervision.models import Objection, Rectification

N_DATE = {"type": ["string", "null"], "format": "date"}
N_TIME = {"type": ["string", "null"], "format": "date-time"}
N_INT = {"type": ["integer", "null"]}

DOCUMENT_IN = obj({
    "issuing_body": {**STR, "description": "制发机关"},
    "doc_number": {**STR, "description": "文书编号；即件的 number，二者都填时须一致"},
    "issue_date": {**DATE, "description": "制发日期，不得晚于今天"},
    "case_name": {**STR, "description": "案件名称"},
    "case_code": {**STR, "description": "案号（监察建议书没有案号）"},
    "sectors": {**STR, "description": "涉及领域"},
    "written_due": {**N_DATE, "description": "文书载明的答复期限：优先于规则默认期限，且不受最长期限压缩"},
}, ["issuing_body", "issue_date"])
OBJECTION = obj({
    "id": INT, "assignment_id": INT, "unit_id": INT, "status": {"type": "string", "enum": [s.value for s in
                                                                                       ObjectionStatus]},
    "version": INT, "reason": STR, "raised_at": DATETIME, "raised_by_id": INT, "issuer_decision": STR,
    "decided_at": N_TIME, "decided_by_id": N_INT,
}, ["id", "assignment_id", "status", "reason", "raised_at"])
RECTIFICATION = obj({
    "id": INT, "assignment_id": INT, "unit_id": INT, "version": INT, "measures": STR,
    "sector_governance": BOOL, "sector_governance_note": STR, "long_term_mechanism": BOOL,
    "long_term_mechanism_note": STR, "updated_at": DATETIME, "updated_by_id": N_INT,
}, ["id", "assignment_id", "measures", "sector_governance", "long_term_mechanism"])
DOCUMENT = obj({
    **DOCUMENT_IN["properties"],
    "issue_date": N_DATE, "objections": arr(OBJECTION), "rectifications": arr(RECTIFICATION),
}, ["issuing_body", "doc_number", "issue_date", "written_due", "objections", "rectifications"])
DOCUMENT_PATCH = obj({
    **{k: v for k, v in DOCUMENT_IN["properties"].items() if k != "doc_number"},
    "title": STR, "content": STR, "category": STR, "tier": {"type": "string", "enum": [t.value for t in Tier]},
    "is_key": BOOL, "note": STR, "received_on": N_DATE,
    "version": {**INT, "description": "上次读取时件的版本号（建议发送）"},
})
OBJECTION_IN = obj({"reason": STR}, ["reason"])
OBJECTION_DECISION = obj({
    "decision": {"type": "string", "enum": list(rules.DECISIONS),
                 "description": "upheld：异议成立（制发机关撤回文书，本件撤回）；dismissed：异议不成立（继续办理）"},
    "issuer_decision": {**STR, "description": "制发机关的决定内容"},
    "version": {**INT, "description": "读取时异议的版本号"},
}, ["decision", "issuer_decision"])
RECTIFICATION_IN = obj({
    "measures": STR, "sector_governance": BOOL,
    "sector_governance_note": {**STR, "description": "sector_governance 为 true 时必填"},
    "long_term_mechanism": BOOL,
    "long_term_mechanism_note": {**STR, "description": "long_term_mechanism 为 true 时必填"},
    "version": {**INT, "description": "修改已登记的整改情况时，读取时的版本号"},
}, ["measures"])
LEDGER_ROW = obj({
    "item_id": INT, "seq": INT, "kind": STR, "issuing_body": STR, "number": STR, "issue_date": N_DATE,
    "case_name": STR, "case_code": STR, "sectors": STR, "summary": STR, "units": STR, "handlers": STR,
    "phones": STR, "assigned_on": N_DATE, "received_on": N_DATE, "reply_due": N_DATE, "extended_due": N_DATE,
    "objections": STR, "measures": STR, "sector_governance": STR, "long_term_mechanism": STR,
    "replied_on": N_DATE, "status": STR, "status_code": STR, "closed_on": N_DATE, "note": STR,
    "overdue": BOOL, "due_soon": BOOL,
}, ["item_id", "kind", "number", "issuing_body", "status"])
LEDGER_PAGE = obj({"items": arr(LEDGER_ROW), "total": INT, "page": INT, "per_page": INT,
                   "columns": arr(obj({"key": STR, "header": STR}))}, ["items", "total"])


# --- serializing ----------------------------------------------------------------------------


def serialize_objection(o: Objection, unit_id: int | None = None) -> dict[str, Any]:
    return {"id": o.id, "assignment_id": o.assignment_id, "unit_id": unit_id, "status": o.status,
            "version": o.version, "reason": o.reason, "raised_at": iso(o.raised_at),
            "raised_by_id": o.raised_by_id, "issuer_decision": o.issuer_decision,
            "decided_at": iso(o.decided_at), "decided_by_id": o.decided_by_id}


def serialize_rectification(r: Rectification, unit_id: int | None = None) -> dict[str, Any]:
    return {"id": r.id, "assignment_id": r.assignment_id, "unit_id": unit_id, "version": r.version,
            "measures": r.measures, "sector_governance": bool(r.sector_governance),
            "sector_governance_note": r.sector_governance_note,
            "long_term_mechanism": bool(r.long_term_mechanism),
            "long_term_mechanism_note": r.long_term_mechanism_note, "updated_at": iso(r.updated_at),
            "updated_by_id": r.updated_by_id}


def serialize_document(item: Item, user: Any) -> dict[str, Any] | None:
    """The ``document`` of GET /items/{id}: the fields, and the objections and rectifications of
    the answering units this user may see (None for other kinds)."""
    if not is_supervision_kind(item.kind):
        return None
    doc = supervision.document_of(item)
    visible = [a for a in supervision.answering_assignments(item) if policy.can_view_assignment(user, a)]
    units = {a.id: a.unit_id for a in visible}
    ids = list(units) or [0]
    return {
        "issuing_body": doc.issuing_body if doc else "",
        "doc_number": item.number,
        "issue_date": iso(doc.issue_date) if doc else None,
        "case_name": doc.case_name if doc else "",
        "case_code": doc.case_code if doc else "",
        "sectors": doc.sectors if doc else "",
        "written_due": iso(doc.written_due) if doc else None,
        "objections": [serialize_objection(o, units[o.assignment_id]) for o in
                       Objection.select().where(Objection.assignment.in_(ids)).order_by(Objection.id)],
        "rectifications": [serialize_rectification(r, units[r.assignment_id]) for r in
                           Rectification.select().where(Rectification.assignment.in_(ids))
                           .order_by(Rectification.id)],
    }


# --- registration through POST /items -------------------------------------------------------


def _document_fields(p: Fields, number: str | None) -> dict[str, Any]:
    """The ``document`` object of a POST /items body, as ``register_document`` keywords."""
    raw = p.mapping("document")
    if raw is None:
        if "document" not in p.errors:
            p.errors["document"] = "三书一函须附 document（制发机关、制发日期等）"
        return {}
    d = Fields(raw)
    d.only(set(DOCUMENT_IN["properties"]), "document 中没有此字段")
    out = {
        "issuing_body": d.text("issuing_body", required=True, max_len=200),
        "issue_date": d.date("issue_date", required=True),
        "case_name": d.text("case_name", max_len=300),
        "case_code": d.text("case_code", max_len=100),
        "sectors": d.text("sectors", max_len=2000),
        "written_due": d.date("written_due"),
    }
    doc_number = d.text("doc_number", max_len=30)
    if doc_number and number and doc_number.strip() != number.strip():
        d.errors["doc_number"] = "与 number（文书编号）不一致"
    if doc_number and not number:
        out["_number"] = doc_number
    p.errors.update({f"document.{k}": v for k, v in d.errors.items()})
    return out


def create_document_item(user: Any, body: dict) -> tuple[Any, int]:
    """POST /items for a 三书一函 kind (called by ``tracker.api.items.create_item``)."""
    ensure(policy.can(user, Action.REGISTER))
    p = Fields(body)
    kind = p.choice("kind", list(supervision.KINDS), required=True, message="类别不正确")
    session_id = p.integer("session_id", required=True)
    number = p.text("number", max_len=30)
    title = p.text("title", required=True, max_len=300)
    content = p.text("content")
    category = p.text("category", max_len=50)
    if p.has("submitters") and p.data.get("submitters") not in (None, []):
        p.errors["submitters"] = "三书一函没有领衔人、附议人（制发机关填在 document.issuing_body）"
    is_key = p.boolean("is_key")
    tier = p.choice("tier", Tier, message="办理层级不正确") or Tier.DEPARTMENT.value
    received_on = p.date("received_on")
    leader_id = p.integer("leader_id")
    note = p.text("note")
    fields = _document_fields(p, number)
    number = number or fields.pop("_number", "")
    fields.pop("_number", None)
    if not number and "number" not in p.errors:
        p.errors["number"] = "请填写文书编号（number 或 document.doc_number）"
    p.check()
    item = supervision.register_document(
        actor=user, kind=kind, session_id=session_id, number=number, title=title, content=content,
        category=category, is_key=is_key, tier=tier, received_on=received_on, leader_id=leader_id, note=note,
        **fields)
    from tracker.api.serializers import serialize_item

    return jsonify(serialize_item(item, user, detail=True)), 201


# --- the document's fields ------------------------------------------------------------------


@bp.patch("/items/<int:item_id>/document")
@api_login_required
@documented(
    "修改三书一函文书信息", tags=("supervision",), request=DOCUMENT_PATCH, response=DOCUMENT,
    description="交办单位可用。只发要改的字段；可同时修改件的标题、内容等。改动文书载明的答复期限后，"
                "未办结承办任务的答复期限随之重新计算。不是三书一函的件返回 409。",
)
def patch_document(item_id: int):
    user = current_api_user()
    item = items.get_item_for(user, item_id)
    ensure(policy.can(user, Action.EDIT, item))
    p = Fields(json_body())
    p.only(set(DOCUMENT_PATCH["properties"]))
    changes: dict[str, Any] = {}
    for name, limit in (("issuing_body", 200), ("case_name", 300), ("case_code", 100), ("sectors", 2000),
                        ("title", 300), ("content", None), ("category", 50), ("note", None)):
        if p.has(name):
            changes[name] = p.text(name, required=name in ("issuing_body", "title"), max_len=limit)
    for name in ("issue_date", "written_due", "received_on"):
        if p.has(name):
            changes[name] = p.date(name, required=name == "issue_date")
    if p.has("tier"):
        changes["tier"] = p.choice("tier", Tier, required=True, message="办理层级不正确")
    if p.has("is_key"):
        changes["is_key"] = p.boolean("is_key")
    version = p.integer("version")
    p.check()
    supervision.edit_document(item, actor=user, version=version, **changes)
    return jsonify(serialize_document(Item.get_by_id(item.id), user))


# --- objections -----------------------------------------------------------------------------


@bp.post("/assignments/<int:assignment_id>/objection")
@api_login_required
@documented(
    "对三书一函提出异议", tags=("supervision",), status=201, request=OBJECTION_IN, response=OBJECTION,
    description="承办单位可用（签收后、回复前）。每家单位对同一文书只能提出一次异议；异议期间办理期限照常计算。",
)
def raise_objection(assignment_id: int):
    user = current_api_user()
    a = assignments.get_assignment_for(user, assignment_id)
    ensure(policy.can(user, Action.RAISE_OBJECTION, a), "只有承办该文书的单位可以提出异议")
    p = Fields(json_body())
    p.only({"reason"})
    reason = p.text("reason", required=True, max_len=5000)
    p.check()
    objection = supervision.raise_objection(a, actor=user, reason=reason)
    return jsonify(serialize_objection(objection, a.unit_id)), 201


@bp.post("/assignments/<int:assignment_id>/objection/decision")
@api_login_required
@documented(
    "登记制发机关对异议的决定", tags=("supervision",), request=OBJECTION_DECISION, response=OBJECTION,
    description="交办单位可用。upheld：异议成立，制发机关撤回文书，本件撤回（withdrawn）；"
                "dismissed：异议不成立，承办单位继续办理。没有待决定的异议时返回 409。",
)
def decide_objection(assignment_id: int):
    user = current_api_user()
    a = assignments.get_assignment_for(user, assignment_id)
    ensure(policy.can(user, Action.DECIDE_OBJECTION, a), "只有交办单位可以登记制发机关对异议的决定")
    p = Fields(json_body())
    p.only({"decision", "issuer_decision", "version"})
    decision = p.choice("decision", list(rules.DECISIONS), required=True,
                        message="decision 须为 upheld（异议成立）或 dismissed（异议不成立）")
    text = p.text("issuer_decision", required=True, max_len=5000)
    version = p.integer("version")
    p.check()
    objection = supervision.get_objection_to_decide(user, a)
    supervision.decide_objection(objection, actor=user, decision=decision, issuer_decision=text, version=version)
    return jsonify(serialize_objection(objection, a.unit_id))


# --- rectification --------------------------------------------------------------------------


@bp.post("/assignments/<int:assignment_id>/rectification")
@api_login_required
@documented(
    "登记整改情况", tags=("supervision",), request=RECTIFICATION_IN, response=RECTIFICATION,
    description="承办单位可用（签收后至销号前）。已登记的再次提交即为修改（可发送 version）。"
                "sector_governance：是否开展系统治理（行业治理）；long_term_mechanism：是否建立长效机制；"
                "为 true 时须写明情况。",
)
def record_rectification(assignment_id: int):
    user = current_api_user()
    a = assignments.get_assignment_for(user, assignment_id)
    ensure(policy.can(user, Action.RECORD_RECTIFICATION, a), "只有承办该文书的单位可以登记整改情况")
    p = Fields(json_body())
    p.only(set(RECTIFICATION_IN["properties"]))
    values = {
        "measures": p.text("measures", required=True, max_len=5000),
        "sector_governance": p.boolean("sector_governance"),
        "sector_governance_note": p.text("sector_governance_note", max_len=2000),
        "long_term_mechanism": p.boolean("long_term_mechanism"),
        "long_term_mechanism_note": p.text("long_term_mechanism_note", max_len=2000),
        "version": p.integer("version"),
    }
    p.check()
    row = supervision.record_rectification(a, actor=user, **values)
    return jsonify(serialize_rectification(row, a.unit_id))


# --- the ledger -----------------------------------------------------------------------------


def _ledger_json(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"item_id": row["_item_id"], "status_code": row["_status"],
                           "overdue": row["_flag"] == "overdue", "due_soon": row["_flag"] == "due_soon"}
    for key, _header, _kind in supervision_ledger.COLUMNS:
        value = row.get(key)
        out[key] = value.isoformat() if isinstance(value, dt.date) else ("" if value is None and _kind == "text"
                                                                         else value)
    return out


@bp.get("/supervision-ledger")
@api_login_required
@documented(
    "三书一函台账", tags=("supervision",), response=LEDGER_PAGE,
    query={"session_id": INT, "kind": {"type": "string", "enum": list(supervision.KINDS)},
           "status": {"type": "string", "enum": [s.value for s in ItemStatus]}, "unit_id": INT},
    description="交办单位可用。每件一行，列与台账页面及 Excel 相同（columns 给出中文表头）。",
)
def supervision_ledger_rows():
    user = current_api_user()
    ensure(policy.has(user, policy.Perm.OFFICE_DESK), "只有交办单位可以查看台账")
    kind = request.args.get("kind") or None
    status = request.args.get("status") or None
    errors = {}
    if kind and kind not in supervision.KINDS:
        errors["kind"] = "取值不正确，可选值：" + "、".join(supervision.KINDS)
    if status and status not in {s.value for s in ItemStatus}:
        errors["status"] = "状态不正确"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    filters = supervision_ledger.Filters(session_id=parse_int(request.args.get("session_id"), "session_id"),
                                         kind=kind, status=status,
                                         unit_id=parse_int(request.args.get("unit_id"), "unit_id"))
    page, per_page = page_params()
    total = supervision_ledger.count(filters)
    rows = list(supervision_ledger.iter_rows(filters, start=(page - 1) * per_page, limit=per_page))
    return jsonify({"items": [_ledger_json(r) for r in rows], "total": total, "page": page, "per_page": per_page,
                    "columns": [{"key": k, "header": h} for k, h, _ in supervision_ledger.COLUMNS]})
