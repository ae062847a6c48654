"""Replies: draft, edit, submit, sign-off, co-sign, office review, attachments (API.md).

The same services as the pages; a stale ``version`` gets 409 ``stale_version``.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, send_file

from tracker.accounts import policy
from tracker.api import bp
from tracker.api.common import Fields, api_login_required, current_api_user, iso, json_body
from tracker.api.serializers import SCHEMAS as S
from tracker.api.serializers import serialize_reply as serialize_reply_base
from tracker.api.spec import BOOL, DATE, DATETIME, INT, NULLABLE_DATE, STR, arr, documented, obj
from tracker.assignments import services as assignments
from tracker.core.enums import Publish, ResultClass
from tracker.core.errors import NotFound, ValidationFailed, ensure
from tracker.items.workflow import Action
from tracker.replies import attachments as reply_files
from tracker.replies import publication
from tracker.replies import services as replies
from tracker.replies.models import Attachment, Reply

N_STR = {"type": ["string", "null"]}
N_INT = {"type": ["integer", "null"]}
COMMITMENT_IN = obj({"text": STR, "due_date": DATE}, ["text", "due_date"])
COMMITMENT_OUT = obj({"id": N_INT, "text": STR, "due_date": DATE, "status": N_STR},
                     ["text", "due_date"])
COSIGN = obj({"assignment_id": INT, "unit_id": INT, "unit_name": STR, "cycle": INT,
              "decision": {"type": ["string", "null"], "enum": ["approve", "return", None]},
              "reason": STR, "by": N_STR, "at": {"type": ["string", "null"], "format": "date-time"}},
             ["unit_id", "decision"])
ATTACHMENT = obj({"id": INT, "filename": STR, "content_type": STR, "size": INT, "sha256": STR,
                  "uploaded_at": DATETIME, "url": STR}, ["id", "filename", "content_type", "size"])
REPLY = obj({**S["REPLY"]["properties"], "commitments": arr(COMMITMENT_OUT), "cosigns": arr(COSIGN),
             "attachments": arr(ATTACHMENT), "cycle": INT,
             "publication_due": {**NULLABLE_DATE, "description": "公开期限（已发送且须公开的答复）"},
             "pipeline": arr({"type": "string"})},
            ["id", "assignment_id", "round", "status", "version", "result_class", "text", "publish",
             "commitments", "cosigns", "sent_at"])
CLASS = {"type": "string", "enum": [c.value for c in ResultClass],
         "description": "分类标识；只可用设置 result_classes 中启用的类别"}
REPLY_FIELDS = {"result_class": CLASS, "text": STR, "commitments": arr(COMMITMENT_IN), "contact_name": STR,
                "contact_phone": STR, "publish": {"type": "string", "enum": [p.value for p in Publish]},
                "doc_number": STR}
REPLY_IN = obj({**REPLY_FIELDS, "submit": {**BOOL, "description": "true：保存后立即提交领导签发"}},
               ["result_class", "text"])
REPLY_PATCH = obj({**REPLY_FIELDS, "version": INT, "submit": BOOL})
DECISION = obj({"decision": {"type": "string", "enum": ["approve", "return"]},
                "reason": {**STR, "description": "退回时必填"}, "version": INT}, ["decision"])
REVIEW = obj({**DECISION["properties"], "result_class": {**CLASS, "description": "审核时调整分类（记入日志）"}},
             ["decision"])


def serialize_attachment(att: Attachment) -> dict[str, Any]:
    return {"id": att.id, "filename": att.filename, "content_type": att.content_type, "size": att.size,
            "sha256": att.sha256, "uploaded_at": iso(att.uploaded_at),
            "url": f"/api/v1/attachments/{att.id}"}


def serialize_reply(reply: Reply, user: Any = None) -> dict[str, Any]:
    """The reply with its commitments (planned ones while unsent), co-signatures and attachments.
    The caller has checked ``policy.can_view_reply``. For a reader who does not read the replying
    unit's records (``policy.sees_records_of``: a co unit, a submitter) its workflow is left out —
    no steps (``pipeline``), sign-off or review times, send-back reason — and of the
    co-signatures a co unit gets its own (the page's reply view does the same)."""
    user = user if user is not None else current_api_user()
    internal = policy.sees_records_of(user, reply.assignment)
    data = serialize_reply_base(reply, internal=internal)
    data["commitments"] = [{"id": c["id"], "text": c["text"], "due_date": iso(c["due_date"]),
                            "status": c["status"]} for c in replies.commitments_of(reply)]
    data["cycle"] = reply.cycle
    due = publication.due_date(reply)
    data["publication_due"] = iso(due) if due else None
    data["cosigns"] = [
        {"assignment_id": row["assignment"].id, "unit_id": row["unit"].id, "unit_name": row["unit"].name,
         "cycle": reply.cycle, "decision": row["cosign"].decision if row["cosign"] else None,
         "reason": row["cosign"].reason if row["cosign"] else "",
         "by": row["cosign"].by.display if row["cosign"] else None,
         "at": iso(row["cosign"].at) if row["cosign"] else None}
        for row in replies.cosign_status_for(user, reply)]
    data["attachments"] = [serialize_attachment(a) for a in reply_files.attachments_of(reply)]
    if internal:
        data["pipeline"] = [s.value for s in replies.pipeline(reply)]
    return data


def _reply_fields(p: Fields) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, limit in (("result_class", 1), ("text", replies.TEXT_MAX), ("contact_name", 100),
                        ("contact_phone", 50), ("publish", 10), ("doc_number", 100)):
        if p.has(name):
            values[name] = p.text(name, max_len=limit if name != "result_class" else None)
    if p.has("commitments"):
        value = p.data["commitments"]
        if value is None:
            values["commitments"] = []
        else:
            values["commitments"] = p.objects("commitments") or []
    return values


@bp.post("/assignments/<int:assignment_id>/reply")
@api_login_required
@documented("起草答复", tags=("replies",), status=201, request=REPLY_IN, response=REPLY,
            description="答复单位（主办、分办、独办）的经办人起草本轮答复；会办单位 403。"
                        "`submit: true` 立即提交本单位领导签发。每单位每轮一份答复，已有时 409。")
def create_reply(assignment_id: int):
    user = current_api_user()
    a = assignments.get_assignment_for(user, assignment_id)
    p = Fields(json_body())
    p.only({*REPLY_FIELDS, "submit"}, "不支持的字段")
    p.text("result_class", required=True)
    p.text("text", required=True)
    values = _reply_fields(p)
    submit = p.boolean("submit")
    p.check()
    reply = replies.draft_reply(a, actor=user, submit=submit, **values)
    return jsonify(serialize_reply(Reply.get_by_id(reply.id))), 201


@bp.get("/replies/<int:reply_id>")
@api_login_required
@documented("答复详情", tags=("replies",), response=REPLY,
            description="草稿仅答复单位和督查室可见；会办单位在提交后可见（会签）；代表委员只见已发送的答复。"
                        "会办单位和代表委员看不到答复的办理流程：没有 pipeline、signed_off_at、reviewed_at、"
                        "return_reason，cosigns 中会办单位只见本单位的会签。")
def get_reply(reply_id: int):
    return jsonify(serialize_reply(replies.get_reply_for(current_api_user(), reply_id)))


@bp.patch("/replies/<int:reply_id>")
@api_login_required
@documented("修改答复草稿", tags=("replies",), request=REPLY_PATCH, response=REPLY,
            description="仅草稿状态可改；`version` 过期返回 409。")
def edit_reply(reply_id: int):
    user = current_api_user()
    reply = replies.get_reply_for(user, reply_id)
    p = Fields(json_body())
    p.only({*REPLY_FIELDS, "version", "submit"}, "不能通过此接口修改")
    values = _reply_fields(p)
    version = p.integer("version")
    submit = p.boolean("submit")
    p.check()
    replies.edit_reply(reply, actor=user, version=version, submit=submit, **values)
    return jsonify(serialize_reply(Reply.get_by_id(reply.id)))


@bp.post("/replies/<int:reply_id>/submit")
@api_login_required
@documented("提交领导签发", tags=("replies",), request=obj({"version": INT}), response=REPLY)
def submit_reply(reply_id: int):
    user = current_api_user()
    reply = replies.get_reply_for(user, reply_id)
    p = Fields(json_body())
    version = p.integer("version")
    p.check()
    replies.submit_reply(reply, actor=user, version=version)
    return jsonify(serialize_reply(Reply.get_by_id(reply.id)))


def _decide(reply_id: int, service, *, with_class: bool = False):
    user = current_api_user()
    reply = replies.get_reply_for(user, reply_id)
    p = Fields(json_body())
    decision = p.choice("decision", ["approve", "return"], required=True, message="应为 approve 或 return")
    reason = p.text("reason", max_len=2000)
    version = p.integer("version")
    kwargs: dict[str, Any] = {}
    if with_class and p.has("result_class"):
        kwargs["result_class"] = p.text("result_class")
    p.check()
    if decision == "return" and not reason.strip():
        raise ValidationFailed("退回修改须填写理由", fields={"reason": "退回修改须填写理由"})
    service(reply, actor=user, decision=decision, reason=reason, version=version, **kwargs)
    return jsonify(serialize_reply(Reply.get_by_id(reply.id)))


@bp.post("/replies/<int:reply_id>/sign-off")
@api_login_required
@documented("单位领导签发", tags=("replies",), request=DECISION, response=REPLY,
            description="本单位领导（unit_leader）签发或退回；经办人 403；`version` 过期 409。")
def sign_off(reply_id: int):
    return _decide(reply_id, replies.sign_off)


@bp.post("/replies/<int:reply_id>/cosign")
@api_login_required
@documented("会签", tags=("replies",), request=DECISION, response=REPLY,
            description="主办+会办件：每个会办单位的领导（unit_leader）同意或退回，经办人 403；全部同意后进入下一步。")
def cosign(reply_id: int):
    return _decide(reply_id, replies.cosign)


@bp.post("/replies/<int:reply_id>/review")
@api_login_required
@documented("督查室审核", tags=("replies",), request=REVIEW, response=REPLY,
            description="市领导领办、政府办督办件（或按设置的部门办理件）由督查室审核；"
                        "可调整分类标识（记入日志），或退回修改。通过后答复即发送。")
def review(reply_id: int):
    return _decide(reply_id, replies.review, with_class=True)


@bp.post("/replies/<int:reply_id>/publication")
@api_login_required
@documented("登记答复公开日期", tags=("replies",),
            request=obj({"published_on": DATE, "version": INT}, ["published_on"]), response=REPLY,
            description="答复单位或督查室可用；仅已发送且公开属性为全文或摘要的答复。公开日期不得早于发送日期、"
                        "不得晚于今天；再次登记即更正（记入日志）。公开期限默认为答复后 20 个工作日（见 publication_due）。")
def record_publication(reply_id: int):
    user = current_api_user()
    reply = replies.get_reply_for(user, reply_id)
    ensure(policy.can(user, Action.RECORD_PUBLICATION, reply), "只有答复单位或交办单位可以登记公开情况")
    p = Fields(json_body())
    published_on = p.date("published_on", required=True)
    version = p.integer("version")
    p.check()
    reply = publication.record(reply, actor=user, published_on=published_on, version=version)
    return jsonify(serialize_reply(reply))


@bp.post("/replies/<int:reply_id>/attachments")
@api_login_required
@documented("上传答复附件", tags=("replies",), status=201,
            response=obj({"attachments": arr(ATTACHMENT)}, ["attachments"]),
            description="multipart/form-data，字段 `file`（可多个）。只接受 PDF、Word、图片（按内容识别），"
                        "每个不超过 20 MB；仅草稿可上传。")
def upload_attachments(reply_id: int):
    user = current_api_user()
    reply = replies.get_reply_for(user, reply_id)
    files = [f for f in request.files.getlist("file") if f and f.filename]
    if not files:
        raise ValidationFailed("请以 multipart/form-data 上传文件（字段 file）", fields={"file": "此项为必填项"})
    uploads = [(f.filename or "", f.read()) for f in files]
    for name, data in uploads:
        reply_files.check_upload(name, data)
    created = [reply_files.add_attachment(reply, actor=user, filename=name, data=data) for name, data in uploads]
    return jsonify({"attachments": [serialize_attachment(a) for a in created]}), 201


@bp.get("/attachments/<int:attachment_id>")
@api_login_required
@documented("下载附件", tags=("replies",), description="以附件形式下载；无权查看该答复的用户 404。")
def download_attachment(attachment_id: int):
    att = reply_files.get_attachment_for(current_api_user(), attachment_id)
    path = reply_files.path_of(att)
    if not path.is_file():
        raise NotFound("附件文件已丢失，请联系管理员")
    return send_file(path, mimetype=att.content_type, as_attachment=True, download_name=att.filename, max_age=0)
