"""Handling record: progress notes, communications with submitters, co opinions, extensions,
leader instructions. Thin: JSON in → the same services as the pages → JSON out."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from tracker.api import bp
from tracker.api.common import Fields, api_login_required, current_api_user, iso, json_body, rename_fields
from tracker.api.serializers import SCHEMAS as S
from tracker.api.serializers import serialize_extension_request
from tracker.api.spec import DATE, DATETIME, INT, STR, documented, obj
from tracker.assignments import services as assignments
from tracker.core.enums import ContactMethod, ContactStage
from tracker.core.errors import ValidationFailed
from tracker.handling import services as handling
from tracker.handling.models import Contact, CoOpinion, ProgressNote
from tracker.items import instructions
from tracker.items import services as items
from tracker.items.models import Instruction

NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}

PROGRESS = obj({"id": INT, "assignment_id": INT, "text": STR, "author": STR, "created_at": DATETIME},
               ["id", "assignment_id", "text", "created_at"])
CONTACT_IN = obj({
    "stage": {"type": "string", "enum": [s.value for s in ContactStage], "description": "办前/办中/办后"},
    "method": {"type": "string", "enum": [m.value for m in ContactMethod],
               "description": "meeting 见面、phone 电话、visit 走访、forum 座谈、other 其他"},
    "date": {**DATE, "description": "沟通日期，不得晚于今天、不得早于交办日期"},
    "summary": STR, "participants": STR, "version": INT,
}, ["stage", "method", "date", "summary"])
CONTACT = obj({"id": INT, "assignment_id": INT, "stage": STR, "method": STR, "date": DATE,
               "participants": STR, "summary": STR, "author": STR, "created_at": DATETIME,
               "first_contact_on": NULLABLE_DATE},
              ["id", "assignment_id", "stage", "method", "date", "summary"])
CO_OPINION = obj({"id": INT, "assignment_id": INT, "text": STR, "submitted_on": DATE,
                  "co_opinion_due": NULLABLE_DATE, "late_days": INT, "assignment_status": STR},
                 ["id", "assignment_id", "text", "submitted_on", "late_days"])
EXTENSION_IN = obj({"new_due": {**DATE, "description": "申请延期至（也接受 requested_due）"},
                    "requested_due": DATE, "reason": STR, "version": INT}, ["reason"])
EXTENSION_DECISION = obj({"decision": {"type": "string", "enum": ["approve", "reject"]},
                          "reason": {**STR, "description": "驳回时必填"}}, ["decision"])
EXTENSION_OUT = obj({**S["EXTENSION_REQUEST"]["properties"],
                     "assignment": obj({"reply_due": DATE, "extended_due": NULLABLE_DATE,
                                        "current_due": DATE, "reply_due_max": DATE})},
                    ["id", "status", "requested_due", "reason"])
INSTRUCTION = obj({"id": INT, "item_id": INT, "author": obj({"id": INT, "name": STR}), "text": STR,
                   "created_at": DATETIME}, ["id", "item_id", "text", "created_at"])


def serialize_progress(note: ProgressNote) -> dict[str, Any]:
    return {"id": note.id, "assignment_id": note.assignment_id, "text": note.text,
            "author": note.author.display, "created_at": iso(note.created_at)}


def serialize_contact(c: Contact, first_contact_on=None) -> dict[str, Any]:
    return {"id": c.id, "assignment_id": c.assignment_id, "stage": c.stage, "method": c.method,
            "date": iso(c.contact_on), "participants": c.participants, "summary": c.summary,
            "author": c.author.display, "created_at": iso(c.created_at),
            "first_contact_on": iso(first_contact_on)}


def serialize_co_opinion(op: CoOpinion, a) -> dict[str, Any]:
    return {"id": op.id, "assignment_id": op.assignment_id, "text": op.text,
            "submitted_on": iso(op.submitted_on), "co_opinion_due": iso(a.co_opinion_due),
            "late_days": handling.opinion_late_days(op, a), "assignment_status": a.status}


def serialize_instruction(ins: Instruction) -> dict[str, Any]:
    return {"id": ins.id, "item_id": ins.item_id, "author": {"id": ins.author_id, "name": ins.author.display},
            "text": ins.text, "created_at": iso(ins.created_at)}


def _extension_out(req, a) -> dict[str, Any]:
    return {**serialize_extension_request(req),
            "assignment": {"reply_due": iso(a.reply_due), "extended_due": iso(a.extended_due),
                           "current_due": iso(a.current_due), "reply_due_max": iso(a.reply_due_max)}}


@bp.post("/assignments/<int:assignment_id>/progress")
@api_login_required
@documented("记录办理进展", tags=("handling",), status=201, request=obj({"text": STR, "version": INT}, ["text"]),
            response=PROGRESS, description="本单位用户记录办理进展（需已签收）；其他单位 404。")
def record_progress(assignment_id: int):
    user = current_api_user()
    a = assignments.get_assignment_for(user, assignment_id)
    p = Fields(json_body())
    text = p.text("text", required=True, max_len=handling.TEXT_MAX)
    version = p.integer("version")
    p.check()
    items.check_version(a, version)
    note = handling.record_progress(a, actor=user, text=text)
    return jsonify(serialize_progress(note)), 201


@bp.post("/assignments/<int:assignment_id>/communications")
@api_login_required
@documented("登记与代表委员的沟通", tags=("handling",), status=201, request=CONTACT_IN, response=CONTACT,
            description="办前/办中/办后沟通；首次沟通记入承办任务的 `first_contact_on`。")
def record_contact(assignment_id: int):
    user = current_api_user()
    a = assignments.get_assignment_for(user, assignment_id)
    p = Fields(json_body())
    stage = p.choice("stage", ContactStage, required=True, message="应为 before（办前）、during（办中）或 after（办后）")
    method = p.choice("method", ContactMethod, required=True,
                      message="应为 meeting（见面）、phone（电话）、visit（走访）、forum（座谈）或 other（其他）")
    day = p.date("date", required=True)
    summary = p.text("summary", required=True, max_len=handling.TEXT_MAX)
    participants = p.text("participants", max_len=300)
    version = p.integer("version")
    p.check()
    items.check_version(a, version)
    try:
        contact = handling.record_contact(a, actor=user, stage=stage, method=method, contact_on=day,
                                          summary=summary, participants=participants)
    except ValidationFailed as exc:
        raise rename_fields(exc, {"contact_on": "date"}) from None
    return jsonify(serialize_contact(contact, a.first_contact_on)), 201


@bp.post("/assignments/<int:assignment_id>/co-opinion")
@api_login_required
@documented("提交会办意见", tags=("handling",), status=201, request=obj({"text": STR, "version": INT}, ["text"]),
            response=CO_OPINION,
            description="会办单位向主办单位提交意见；主办单位发送答复前可再次提交（修改）。"
                        "逾期提交时 `late_days` 为逾期天数。主办单位等其他角色 403。")
def co_opinion(assignment_id: int):
    user = current_api_user()
    a = assignments.get_assignment_for(user, assignment_id)
    p = Fields(json_body())
    text = p.text("text", required=True, max_len=handling.TEXT_MAX)
    version = p.integer("version")
    p.check()
    items.check_version(a, version)
    op = handling.submit_co_opinion(a, actor=user, text=text)
    return jsonify(serialize_co_opinion(op, a)), 201


@bp.post("/assignments/<int:assignment_id>/extension-request")
@api_login_required
@documented("申请延期", tags=("handling",), status=201, request=EXTENSION_IN, response=EXTENSION_OUT,
            description="答复单位申请新的答复期限：须晚于当前期限、不超过最长期限（自交办起 6 个月），"
                        "且须在当前期限前规定的工作日数之前提出。")
def request_extension(assignment_id: int):
    user = current_api_user()
    a = assignments.get_assignment_for(user, assignment_id)
    body = json_body()
    p = Fields(body)
    name = "new_due" if p.has("new_due") or not p.has("requested_due") else "requested_due"
    new_due = p.date(name, required=True)
    reason = p.text("reason", required=True, max_len=handling.TEXT_MAX)
    version = p.integer("version")
    p.check()
    items.check_version(a, version)
    try:
        req = handling.request_extension(a, actor=user, requested_due=new_due, reason=reason)
    except ValidationFailed as exc:
        raise rename_fields(exc, {"requested_due": name}) from None
    return jsonify(_extension_out(req, a)), 201


@bp.post("/extension-requests/<int:request_id>/decision")
@api_login_required
@documented("审核延期申请", tags=("handling",), request=EXTENSION_DECISION, response=EXTENSION_OUT,
            description="交办单位同意（`extended_due` 改为申请日期，原 `reply_due` 保留）或驳回（须填理由）。")
def decide_extension(request_id: int):
    user = current_api_user()
    req = handling.get_extension_request_for(user, request_id)
    p = Fields(json_body())
    decision = p.choice("decision", ["approve", "reject"], required=True, message="应为 approve 或 reject")
    reason = p.text("reason", max_len=2000) or p.text("note", max_len=2000)
    p.check()
    req = handling.decide_extension(req, actor=user, approve=decision == "approve", reason=reason)
    a = assignments.get_assignment_for(user, req.assignment_id)
    return jsonify(_extension_out(req, a))


@bp.post("/items/<int:item_id>/instructions")
@api_login_required
@documented("领导批示", tags=("handling",), status=201, request=obj({"text": STR}, ["text"]),
            response=INSTRUCTION, description="市领导对件作出批示；通知各承办单位，记入时间线（instruction）。")
def add_instruction(item_id: int):
    user = current_api_user()
    item = items.get_item_for(user, item_id)
    p = Fields(json_body())
    text = p.text("text", required=True, max_len=instructions.TEXT_MAX)
    p.check()
    ins = instructions.add_instruction(item, actor=user, text=text)
    return jsonify(serialize_instruction(ins)), 201
