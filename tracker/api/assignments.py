"""Assignments: assign with the five fixes, sign for receipt, return requests and decisions."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from tracker.accounts import policy
from tracker.api import bp
from tracker.api.common import (
    Fields,
    api_login_required,
    current_api_user,
    json_body,
    paginate,
    parse_int,
    query_choice,
    rename_fields,
)
from tracker.api.serializers import SCHEMAS as S
from tracker.api.serializers import serialize_assignment, serialize_return_request
from tracker.api.spec import DATE, INT, STR, documented, obj, page_of
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment, ReturnRequest
from tracker.core.enums import HandlingRole, RequestStatus
from tracker.core.errors import PermissionDenied, ValidationFailed, ensure
from tracker.items import services as items
from tracker.items.workflow import Action

# API name → service keyword (and back, for error fields).
TO_SERVICE = {"handler_user_id": "handler_id", "assessment_method_id": "scorecard_id"}
FROM_SERVICE = {v: k for k, v in TO_SERVICE.items()}


def _five_fixes(p: Fields, *, role_required: bool = True) -> dict[str, Any]:
    """The assignment fields of a body, as keyword arguments of ``assignments.assign``."""
    values = {
        "unit_id": p.integer("unit_id", required=True),
        "role": p.choice("role", HandlingRole, required=role_required,
                         message="承办方式应为 lead（主办）、co（会办）、separate（分办）或 sole（独办）"),
        "task": p.text("task"),
        "responsible_leader": p.text("responsible_leader", max_len=100),
        "handler_user_id": p.integer("handler_user_id"),
        "handler_phone": p.text("handler_phone", max_len=50),
        "assigned_on": p.date("assigned_on"),
        "reply_due": p.date("reply_due"),
        "assessment_method_id": p.integer("assessment_method_id"),
    }
    if values["role"] is None:
        values.pop("role")
    return {TO_SERVICE.get(k, k): v for k, v in values.items()}


@bp.post("/items/<int:item_id>/assignments")
@api_login_required
@documented(
    "交办（五定）", tags=("assignments",), status=201, request=S["ASSIGNMENT_IN"],
    response=S["ASSIGNMENT"],
    description="交办单位可用。定任务 `task`、定责任 `responsible_leader`、定人员 `handler_user_id`"
                "（该单位的用户）、定时限（`reply_due` 不填按规则计算，不得超过最长期限）、"
                "定考核办法 `assessment_method_id`（不填用默认考核办法）。"
                "交办日期 `assigned_on` 不填为今天，不得晚于今天，也不得早于该件的收到日期（未登记收到日期的为登记日期）。"
                "回复中含计算出的 `receipt_due`、`return_due`、`first_contact_due`、"
                "`co_opinion_due`（仅会办）、`reply_due`、`reply_due_max` 及其说明。",
)
def create_assignment(item_id: int):
    user = current_api_user()
    item = items.get_item_for(user, item_id)
    ensure(policy.can(user, Action.ASSIGN, item))
    p = Fields(json_body())
    version = p.integer("version")
    fixes = _five_fixes(p)
    p.check()
    items.check_version(item, version)
    try:
        a = assignments.assign(item, actor=user, **fixes)
    except ValidationFailed as exc:
        raise rename_fields(exc, FROM_SERVICE) from None
    return jsonify(serialize_assignment(a, user)), 201


@bp.get("/assignments/<int:assignment_id>")
@api_login_required
@documented("承办任务详情", tags=("assignments",), response=S["ASSIGNMENT"],
            description="本单位、交办单位、市领导、管理员可看；其他单位返回 404。")
def get_assignment(assignment_id: int):
    user = current_api_user()
    a = assignments.get_assignment_for(user, assignment_id)
    return jsonify(serialize_assignment(a, user))


@bp.patch("/assignments/<int:assignment_id>")
@api_login_required
@documented("调整交办（五定）", tags=("assignments",),
            request=obj({"task": STR, "responsible_leader": STR, "handler_user_id": INT, "handler_phone": STR,
                         "reply_due": DATE, "note": STR, "version": INT}),
            response=S["ASSIGNMENT"],
            description="交办单位可用，承办任务未答复、未退回时。未给出的字段保持不变；reply_due 只对主办、独办、分办的"
                        "第一轮有效，不得早于交办日期、不得超过最长办理期限；考核办法不可改。调整记入办理记录并通知承办单位。")
def patch_assignment(assignment_id: int):
    user = current_api_user()
    a = assignments.get_assignment_for(user, assignment_id)
    ensure(policy.can(user, Action.EDIT_ASSIGNMENT, a), "只有交办单位可以调整交办内容")
    p = Fields(json_body())
    task = p.text("task", max_len=2000, default=a.task)
    leader = p.text("responsible_leader", max_len=100, default=a.responsible_leader)
    handler_id = p.integer("handler_user_id")
    phone = p.text("handler_phone", max_len=50, default=a.handler_phone)
    reply_due = p.date("reply_due")
    note = p.text("note", max_len=500)
    version = p.integer("version")
    p.check()
    a = assignments.adjust_assignment(
        a, actor=user, task=task, responsible_leader=leader,
        handler_id=handler_id if handler_id is not None else a.handler_id, handler_phone=phone,
        reply_due=reply_due, note=note, version=version)
    return jsonify(serialize_assignment(a, user))


@bp.post("/assignments/<int:assignment_id>/receive")
@api_login_required
@documented("签收", tags=("assignments",), request=obj({"version": INT}), response=S["ASSIGNMENT"],
            description="本单位用户签收；其他单位 404，其他角色 403，已签收的 409。")
def receive(assignment_id: int):
    user = current_api_user()
    a = assignments.get_assignment_for(user, assignment_id)
    p = Fields(json_body())
    version = p.integer("version")
    p.check()
    ensure(policy.can(user, Action.RECEIVE, a))
    items.check_version(a, version)
    a = assignments.receive(a, actor=user)
    return jsonify(serialize_assignment(a.refresh(), user))


@bp.post("/assignments/<int:assignment_id>/return-request")
@api_login_required
@documented(
    "申请退回（申退）", tags=("assignments",), status=201, request=S["RETURN_REQUEST_IN"],
    response=S["RETURN_REQUEST"],
    description="本单位在申退期限（`return_due`）内可申请；过期返回 409 `return_window_closed`。",
)
def request_return(assignment_id: int):
    user = current_api_user()
    a = assignments.get_assignment_for(user, assignment_id)
    ensure(policy.can(user, Action.REQUEST_RETURN, a))
    p = Fields(json_body())
    reason = p.text("reason", required=True)
    version = p.integer("version")
    p.check()
    items.check_version(a, version)
    req = assignments.request_return(a, actor=user, reason=reason)
    return jsonify(serialize_return_request(req, a)), 201


@bp.get("/return-requests")
@api_login_required
@documented(
    "申退申请列表", tags=("assignments",), response=page_of(S["RETURN_REQUEST"]),
    query={"status": {"type": "string", "enum": [s.value for s in RequestStatus]}, "item_id": INT},
    description="交办单位、市领导、管理员看全部（交办单位据此审核）；承办单位看本单位的。",
)
def list_return_requests():
    user = current_api_user()
    query = (ReturnRequest.select(ReturnRequest, Assignment).join(Assignment)
             .order_by(ReturnRequest.requested_at, ReturnRequest.id))
    if not policy.has(user, policy.Perm.VIEW_ALL_ITEMS):
        if not policy.has(user, policy.Perm.UNIT_INBOX):
            raise PermissionDenied()
        query = query.where(Assignment.unit == user.unit_id)
    status = query_choice("status", RequestStatus)
    if status:
        query = query.where(ReturnRequest.status == status)
    item_id = parse_int(request.args.get("item_id"), "item_id")
    if item_id:
        query = query.where(Assignment.item == item_id)
    return paginate(query, lambda r: serialize_return_request(r, r.assignment))


@bp.post("/return-requests/<int:request_id>/decision")
@api_login_required
@documented(
    "审核申退", tags=("assignments",), request=S["RETURN_DECISION"], response=S["RETURN_REQUEST"],
    description="交办单位可用。`decision`：approve 同意（可在 `reassign` 中同时改派，整体成功或整体不变）"
                "或 reject 驳回（须填 `reason`/`note`）。已处理的申请返回 409 `already_decided`。"
                "改派成功时回复含 `reassigned_to`（新的承办任务）。",
)
def decide_return(request_id: int):
    user = current_api_user()
    req = assignments.get_return_request_for(user, request_id)
    ensure(policy.can(user, Action.APPROVE_RETURN, req.assignment))
    p = Fields(json_body())
    decision = p.choice("decision", ["approve", "reject"], required=True,
                        message="decision 应为 approve（同意）或 reject（驳回）")
    note = p.text("note") or p.text("reason")
    reassign_raw = p.mapping("reassign")
    reassign = None
    if reassign_raw is not None:
        if decision == "reject":
            p.errors["reassign"] = "驳回申退时不能改派"
        else:
            inner = Fields(reassign_raw)
            reassign = _five_fixes(inner, role_required=False)
            p.errors.update({f"reassign.{k}": v for k, v in inner.errors.items()})
    p.check()
    try:
        req = assignments.decide_return(req, actor=user, approve=decision == "approve", note=note,
                                        reassign_to=reassign)
    except ValidationFailed as exc:
        if reassign is not None:  # the reassignment's problems, named as in the request body
            exc.fields = {k if k == "note" else f"reassign.{FROM_SERVICE.get(k, k)}": v
                          for k, v in exc.fields.items()}
        raise
    data = serialize_return_request(req, req.assignment)
    new = Assignment.get_or_none(Assignment.reassigned_from == req.assignment_id)
    if new is not None and decision == "approve":
        data["reassigned_to"] = serialize_assignment(new, user)
    return jsonify(data)
