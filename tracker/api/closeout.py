"""Feedback, re-handling, commitments, close-out (销号), archive, merging, similar items, 对账."""

from __future__ import annotations

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
    query_flag,
)
from tracker.api.serializers import SCHEMAS as S
from tracker.api.serializers import serialize_commitment, serialize_feedback, serialize_item
from tracker.api.spec import BOOL, DATE, INT, NULLABLE_DATE, NUM, STR, arr, documented, obj, page_of
from tracker.core.enums import Adoption, CommitmentStatus, ContactMethod, Rating
from tracker.core.errors import NotFound, ensure
from tracker.items import merging, similarity, withdrawal
from tracker.items import services as items
from tracker.items.models import Session
from tracker.items.workflow import Action
from tracker.replies import closeout

RATING = {"type": "string", "enum": [r.value for r in Rating]}
FEEDBACK_IN = obj({
    "submitter": {**STR, "description": "本件（含并入本件的件）领衔人或附议人的姓名；代表委员账号只能填本人"},
    "submitter_id": {**INT, "description": "重名时用提出人 id 指明"},
    "work": RATING, "result": RATING,
    "adoption": {"type": "string", "enum": [a.value for a in Adoption]},
    "comment": {**STR, "description": "评价为不满意（dissatisfied）时必填"},
    "contacted": {"type": ["boolean", "null"]},
    "contact_method": {"type": "string", "enum": [m.value for m in ContactMethod]},
}, ["work", "result", "adoption"])
CHECK = obj({"requirement": STR, "label": STR, "met": {"type": ["boolean", "null"]}, "note": STR})
CLOSEOUT = obj({
    "item_id": INT, "status": STR, "closable": BOOL, "conditions": arr(STR), "warnings": arr(STR),
    "round": INT, "feedback_window_due": NULLABLE_DATE, "feedback_window_over": BOOL,
    "raters": arr(obj({"submitter_id": INT, "name": STR, "item_id": INT, "rated": BOOL})),
    "checklist": arr(obj({"unit": STR, "entries": arr(CHECK)})),
}, ["item_id", "closable", "conditions", "warnings", "checklist"])
SIMILAR = obj({"id": INT, "number": STR, "title": STR, "kind": STR, "status": STR, "session_id": INT,
               "session_name": STR, "same_session": BOOL, "merged_into_id": {"type": ["integer", "null"]},
               "score": NUM})
COMMITMENT_ROW = obj({**S["COMMITMENT"]["properties"], "item_id": INT, "item_number": STR, "unit_id": INT,
                      "unit_name": STR, "days_overdue": INT})
RECONCILE_IN = obj({"numbers": {**arr(STR), "description": "清单上的案号"},
                    "text": {**STR, "description": "或粘贴的文本：每行一个，可写范围如 1-120"}})
RECONCILE = obj({
    "session_id": INT, "ours": INT, "theirs": INT, "both": INT, "matched": BOOL,
    "only_ours": arr(obj({"id": INT, "number": STR, "title": STR, "status": STR})),
    "only_theirs": arr(STR), "duplicates_theirs": arr(STR), "problems": arr(STR),
    "status_counts": {"type": "object", "additionalProperties": INT}, "closed": INT,
    "closable": arr(INT), "not_closable": arr(obj({"id": INT, "number": STR, "conditions": arr(STR)})),
})


def _closeout_json(co: closeout.Closeout) -> dict:
    rated = {fb.submitter_id for fb in co.feedback if fb.round == co.round}
    return {
        "item_id": co.item.id, "status": co.item.status, "closable": co.closable,
        "conditions": co.conditions, "warnings": co.warnings, "round": co.round,
        "feedback_window_due": co.window_due.isoformat() if co.window_due else None,
        "feedback_window_over": co.window_over,
        "raters": [{"submitter_id": s.id, "name": s.name, "item_id": s.item_id, "rated": s.id in rated}
                   for s in co.raters],
        "checklist": [{"unit": uc.unit, "entries": [{"requirement": r.requirement, "label": r.label,
                                                     "met": r.met, "note": r.note} for r in uc.results]}
                      for uc in co.checklist],
    }


# --- feedback ---------------------------------------------------------------------------------


@bp.post("/items/<int:item_id>/feedback")
@api_login_required
@documented(
    "征询意见（满意度测评）", tags=("feedback",), status=201, request=FEEDBACK_IN, response=S["FEEDBACK"],
    description="代表委员账号网上评价（只能以本人名义，否则 403）；交办单位录入纸质征询意见表（指明提出人）。"
                "每位提出人每轮一次（重复 409），须在本轮答复发送之后（否则 409）。并案件的提出人对主件答复评价。",
)
def give_feedback(item_id: int):
    user = current_api_user()
    item = items.get_item_for(user, item_id)
    p = Fields(json_body())
    name = p.text("submitter", max_len=100)
    submitter_id = p.integer("submitter_id")
    work = p.choice("work", Rating, required=True)
    result = p.choice("result", Rating, required=True)
    adoption = p.choice("adoption", Adoption, required=True)
    comment = p.text("comment", max_len=closeout.TEXT_MAX)
    contacted = None
    if p.data.get("contacted") is not None:
        contacted = p.boolean("contacted")
    method = p.choice("contact_method", ContactMethod)
    p.check()
    fb = closeout.give_feedback(item, actor=user, submitter_id=submitter_id, submitter_name=name, work=work,
                                result=result, adoption=adoption, comment=comment, contacted=contacted,
                                contact_method=method or "")
    return jsonify(serialize_feedback(fb)), 201


@bp.post("/feedback/<int:feedback_id>/resolution")
@api_login_required
@documented("对不满意作出不重新办理的决定", tags=("feedback",), request=obj({"reason": STR}, ["reason"]),
            response=S["FEEDBACK"], description="交办单位可用；须写明理由。作出决定后该不满意不再阻止销号。")
def resolve_feedback(feedback_id: int):
    user = current_api_user()
    fb = closeout.get_feedback_for(user, feedback_id)
    p = Fields(json_body())
    reason = p.text("reason", required=True, max_len=closeout.TEXT_MAX)
    p.check()
    fb = closeout.resolve_dissatisfaction(fb, actor=user, reason=reason)
    return jsonify(serialize_feedback(fb))


@bp.post("/items/<int:item_id>/rehandle")
@api_login_required
@documented(
    "要求重新办理", tags=("feedback",), request=obj({"reason": STR, "reply_due": DATE}, ["reason"]),
    response=S["ITEM_DETAIL"],
    description="提出人不满意后，交办单位要求答复单位重新办理：轮次加一，重新办理期限默认按规则（重新交办之日起 1 个月），"
                "可指定但不得晚于最长期限。第一轮的答复和评价保留。",
)
def rehandle(item_id: int):
    user = current_api_user()
    item = items.get_item_for(user, item_id)
    p = Fields(json_body())
    reason = p.text("reason", required=True, max_len=closeout.TEXT_MAX)
    reply_due = p.date("reply_due")
    p.check()
    closeout.order_rehandling(item, actor=user, reason=reason, reply_due=reply_due)
    return jsonify(serialize_item(item.refresh(), user))


# --- commitments ------------------------------------------------------------------------------


def _commitment_row(c) -> dict:
    from tracker.core import clock

    today = clock.today()
    overdue = (today - c.due_on).days if c.status == CommitmentStatus.OPEN.value and c.due_on < today else 0
    a = c.assignment
    return {**serialize_commitment(c), "item_id": a.item_id, "item_number": a.item.number,
            "unit_id": a.unit_id, "unit_name": a.unit.name, "days_overdue": overdue}


@bp.get("/commitments")
@api_login_required
@documented("承诺事项列表", tags=("commitments",), response=page_of(COMMITMENT_ROW),
            query={"unit_id": INT, "item_id": INT, "overdue": {"type": "integer", "enum": [0, 1]},
                   "status": {"type": "string", "enum": [s.value for s in CommitmentStatus]}},
            description="承办单位只看到本单位的；交办单位、市领导看到全部，可按单位筛选。")
def list_commitments():
    user = current_api_user()
    query = closeout.commitments_for(
        user, unit_id=parse_int(request.args.get("unit_id"), "unit_id"),
        status=query_choice("status", CommitmentStatus), overdue=query_flag("overdue"),
        item_id=parse_int(request.args.get("item_id"), "item_id"))
    return paginate(query, _commitment_row)


@bp.post("/commitments/<int:commitment_id>/fulfil")
@api_login_required
@documented("登记承诺兑现", tags=("commitments",),
            request=obj({"evidence": STR, "fulfilled_on": DATE}, ["evidence"]), response=COMMITMENT_ROW,
            description="承办该件的单位可用；fulfilled_on 默认今天，不能晚于今天。")
def fulfil_commitment(commitment_id: int):
    user = current_api_user()
    c = closeout.get_commitment_for(user, commitment_id)
    p = Fields(json_body())
    evidence = p.text("evidence", required=True, max_len=closeout.TEXT_MAX)
    fulfilled_on = p.date("fulfilled_on")
    p.check()
    closeout.fulfil_commitment(c, actor=user, evidence=evidence, fulfilled_on=fulfilled_on)
    return jsonify(_commitment_row(c))


@bp.post("/commitments/<int:commitment_id>/carry-over")
@api_login_required
@documented("承诺事项结转下年", tags=("commitments",), request=obj({"reason": STR}, ["reason"]),
            response=COMMITMENT_ROW, description="交办单位可用；期限所在年度 12 月 1 日起可结转，须写明理由。")
def carry_over_commitment(commitment_id: int):
    user = current_api_user()
    c = closeout.get_commitment_for(user, commitment_id)
    p = Fields(json_body())
    reason = p.text("reason", required=True, max_len=closeout.TEXT_MAX)
    p.check()
    closeout.carry_over_commitment(c, actor=user, reason=reason)
    return jsonify(_commitment_row(c))


# --- close-out --------------------------------------------------------------------------------


@bp.get("/items/<int:item_id>/closeout")
@api_login_required
@documented("销号条件与“3+1”清单", tags=("closeout",), response=CLOSEOUT,
            description="conditions 为尚未满足的销号条件（中文），为空即可销号；warnings 为不阻止销号的提示。")
def get_closeout(item_id: int):
    user = current_api_user()
    item = items.get_item_for(user, item_id)
    ensure(policy.role_of(user) != "submitter")
    target = merging.handling_item(item)
    ensure(policy.reads_handling_of(user, item, target))  # a merged item's: the parent's close-out
    return jsonify(_closeout_json(closeout.seen_by(closeout.closeout_for(target),
                                                   policy.record_units(user, target.id))))


@bp.post("/items/<int:item_id>/close")
@api_login_required
@documented(
    "对账销号", tags=("closeout",), request=obj({"note": STR}), response=S["ITEM_DETAIL"],
    description="交办单位可用。条件未满足时返回 409，`error.details` 逐条列出未满足的条件（中文）。"
                "销号后该件只读，可再归档。",
)
def close_item(item_id: int):
    user = current_api_user()
    item = items.get_item_for(user, item_id)
    p = Fields(json_body())
    note = p.text("note", max_len=closeout.TEXT_MAX)
    p.check()
    item = closeout.close_item(item, actor=user, note=note)
    return jsonify(serialize_item(item.refresh(), user))


@bp.post("/items/<int:item_id>/archive")
@api_login_required
@documented("归档", tags=("closeout",), response=S["ITEM_DETAIL"], description="交办单位可用，须先销号。")
def archive_item(item_id: int):
    user = current_api_user()
    item = items.get_item_for(user, item_id)
    json_body()
    item = closeout.archive_item(item, actor=user)
    return jsonify(serialize_item(item.refresh(), user))


# --- merging and similar items ----------------------------------------------------------------


@bp.post("/items/<int:item_id>/merge")
@api_login_required
@documented("并案：将本件并入主件", tags=("merging",),
            request=obj({"parent_id": INT, "parent_number": STR, "note": STR}), response=S["ITEM_DETAIL"],
            description="交办单位可用。用 parent_id，或用 parent_number（同会次案号）指明主件。已交办的件不能再并入他件。")
def merge_item(item_id: int):
    user = current_api_user()
    child = items.get_item_for(user, item_id)
    p = Fields(json_body())
    parent_id = p.integer("parent_id")
    number = p.text("parent_number", max_len=30)
    note = p.text("note", max_len=300)
    p.check()
    parent = merging.find_parent(child, parent_id=parent_id, number=number)
    if parent_id is not None:
        items.get_item_for(user, parent.id)
    merging.merge(child, parent, actor=user, note=note)
    return jsonify(serialize_item(child.refresh(), user))


@bp.post("/items/<int:item_id>/unmerge")
@api_login_required
@documented("撤销并案", tags=("merging",), request=obj({"reason": STR}), response=S["ITEM_DETAIL"],
            description="交办单位可用，主件销号前。")
def unmerge_item(item_id: int):
    user = current_api_user()
    child = items.get_item_for(user, item_id)
    p = Fields(json_body())
    reason = p.text("reason", max_len=300)
    p.check()
    merging.unmerge(child, actor=user, reason=reason)
    return jsonify(serialize_item(child.refresh(), user))


# --- withdrawal (撤回) -------------------------------------------------------------------------


@bp.post("/items/<int:item_id>/withdraw")
@api_login_required
@documented("撤回：登记提出人的书面撤回申请", tags=("closeout",),
            request=obj({"requested_on": DATE, "reason": STR, "consent": BOOL, "version": INT},
                        ["requested_on", "reason"]),
            response=S["ITEM_DETAIL"],
            description="交办单位可用，答复前（已登记、已交办、办理中）。联名件须 consent=true（全体联名人已书面同意）。"
                        "撤回后本件只读，各承办单位未结束的办理一并结束，不计入统计，也不再提醒。")
def withdraw_item(item_id: int):
    user = current_api_user()
    item = items.get_item_for(user, item_id)
    ensure(policy.can(user, Action.WITHDRAW, item), "只有交办单位可以登记撤回")
    p = Fields(json_body())
    requested_on = p.date("requested_on", required=True)
    reason = p.text("reason", required=True, max_len=withdrawal.REASON_MAX)
    consent = p.boolean("consent")
    version = p.integer("version")
    p.check()
    withdrawal.withdraw(item, actor=user, requested_on=requested_on, reason=reason, consent=consent, version=version)
    return jsonify(serialize_item(item.refresh(), user))


@bp.get("/items/<int:item_id>/similar")
@api_login_required
@documented("可能重复的件（并案建议）", tags=("merging",), response=obj({"items": arr(SIMILAR)}),
            query={"limit": INT},
            description="按标题和内容相似度，在本会次及以前会次中查找；score 为 0–100。交办单位、市领导可用。")
def similar_items(item_id: int):
    user = current_api_user()
    item = items.get_item_for(user, item_id)
    ensure(policy.has(user, policy.Perm.VIEW_ALL_ITEMS))
    limit = max(1, min(20, parse_int(request.args.get("limit"), "limit") or 8))
    return jsonify({"items": [s.as_dict() for s in similarity.similar_to(item, limit=limit)]})


# --- reconciliation ---------------------------------------------------------------------------


@bp.post("/sessions/<int:session_id>/reconcile")
@api_login_required
@documented("对账：与人大、政协办公室的清单核对", tags=("closeout",), request=RECONCILE_IN, response=RECONCILE,
            description="交办单位可用。返回两边的件数、只在一边的案号、各状态件数、可销号的件和尚不能销号的件及原因。")
def reconcile(session_id: int):
    user = current_api_user()
    ensure(policy.has(user, policy.Perm.OFFICE_DESK), "只有交办单位可以对账")
    session = Session.get_or_none(Session.id == session_id)
    if session is None:
        raise NotFound()
    p = Fields(json_body())
    raw = p.data.get("numbers")
    numbers: list[str] = []
    if raw is not None:
        if not isinstance(raw, list) or not all(isinstance(n, str | int) and not isinstance(n, bool) for n in raw):
            p.errors["numbers"] = "应为案号列表"
        else:
            numbers = [str(n) for n in raw]
    text = p.text("text")
    p.check()
    pasted, problems = closeout.parse_numbers(text, closeout.session_number_keys(session))
    r = closeout.reconcile(session, numbers + pasted, actor=user, problems=problems)
    return jsonify({
        "session_id": session.id, "ours": r.ours, "theirs": r.theirs, "both": r.both, "matched": r.matched,
        "only_ours": [{"id": i.id, "number": i.number, "title": i.title, "status": i.status} for i in r.only_ours],
        "only_theirs": r.only_theirs, "duplicates_theirs": r.duplicates_theirs, "problems": r.problems,
        "status_counts": dict(r.status_counts), "closed": r.closed, "closable": [i.id for i in r.closable],
        "not_closable": [{"id": n.item.id, "number": n.item.number, "conditions": n.conditions}
                         for n in r.not_closable],
    })
