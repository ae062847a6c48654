"""Sessions and items: register, list with filters, read with the timeline, edit with a version."""

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
    paginate_batched,
    parse_int,
    query_choice,
    query_flag,
)
from tracker.api.serializers import SCHEMAS as S
from tracker.api.serializers import serialize_item, serialize_item_rows, serialize_session
from tracker.api.spec import INT, STR, documented, page_of
from tracker.core.enums import Body, ItemKind, ItemStatus, Tier, is_supervision_kind
from tracker.core.errors import ValidationFailed, ensure
from tracker.items import services as items
from tracker.items.models import Item, Session
from tracker.items.workflow import Action

# --- sessions ---------------------------------------------------------------------------------


@bp.get("/sessions")
@api_login_required
@documented("会次列表", tags=("sessions",), response=page_of(S["SESSION"]),
            query={"body": {"type": "string", "enum": [b.value for b in Body]}, "year": INT})
def list_sessions():
    query = items.sessions_ordered()
    body = query_choice("body", Body)
    if body:
        query = query.where(Session.body == body)
    year = parse_int(request.args.get("year"), "year")
    if year:
        query = query.where(Session.year == year)
    return paginate(query, serialize_session)


@bp.post("/sessions")
@api_login_required
@documented("新建会次", tags=("sessions",), status=201, request=S["SESSION_IN"], response=S["SESSION"],
            description="交办单位、管理员可用。`reply_due_absolute`：本会次统一答复截止日，优先于规则计算。")
def create_session():
    user = current_api_user()
    ensure(policy.can(user, policy.Perm.CREATE_SESSIONS))
    p = Fields(json_body())
    body = p.choice("body", Body, required=True, message="请选择人大（npc）或政协（cppcc）")
    name = p.text("name", required=True, max_len=200)
    year = p.integer("year", required=True)
    opened_on, closed_on = p.date("opened_on"), p.date("closed_on")
    reply_due_absolute = p.date("reply_due_absolute")
    p.check()
    session = items.create_session(body=body, name=name, year=year, opened_on=opened_on,
                                   closed_on=closed_on, reply_due_absolute=reply_due_absolute,
                                   actor=user)
    return jsonify(serialize_session(session)), 201


# --- items ------------------------------------------------------------------------------------


def _submitters(p: Fields) -> list[dict] | None:
    """Check the shape of ``submitters``: [{name, role: lead/co, person_id?}]."""
    subs = p.objects("submitters")
    if subs is None:
        return None
    cleaned = []
    for pos, sub in enumerate(subs):
        name, role, person_id = sub.get("name"), sub.get("role"), sub.get("person_id")
        if not isinstance(name, str):
            p.errors["submitters"] = f"第 {pos + 1} 位提交人缺少姓名"
        elif role is not None and role not in ("lead", "co"):
            p.errors["submitters"] = f"第 {pos + 1} 位提交人的身份应为 lead（领衔人）或 co（附议人）"
        elif person_id is not None and (isinstance(person_id, bool) or not isinstance(person_id, int)):
            p.errors["submitters"] = f"第 {pos + 1} 位提交人的 person_id 应为整数"
        else:
            cleaned.append({"name": name, "role": role, "person_id": person_id})
    return cleaned


def _person_problem(subs: list[dict] | None) -> dict[str, str]:
    from tracker.accounts.models import Person

    ids = {s["person_id"] for s in subs or [] if s.get("person_id") is not None}
    if ids and Person.select().where(Person.id.in_(list(ids))).count() != len(ids):
        return {"submitters": "提交人关联的代表委员（person_id）不存在"}
    return {}


@bp.post("/items")
@api_login_required
@documented(
    "登记建议提案", tags=("items",), status=201, request=S["ITEM_IN"], response=S["ITEM_DETAIL"],
    description="交办单位可用。同一会次、同一类别下案号不能重复（422，`fields.number`）；案号按 Excel 导入的"
                "规则整理后保存和比较（全角数字转半角、去空格、“第12号”记为 12）。"
                "人大代表建议只能登记在人大会次、政协提案只能登记在政协会次（422，`fields.kind`）；"
                "市领导领办件须有 `leader_id`（422，`fields.leader_id`）。"
                "`submitters` 须有且只有一名领衔人（role=lead）。"
                "三书一函（kind 为 judicial_suggestion、procuratorial_suggestion、supervisory_suggestion、"
                "police_notice）没有提交人（submitters 不填或为空），须附 `document`：制发机关、制发日期、"
                "案件名称、案号、涉及领域、文书载明的答复期限；number 为文书编号。",
)
def create_item():
    user = current_api_user()
    ensure(policy.can(user, Action.REGISTER))
    body = json_body()
    if is_supervision_kind(body.get("kind")):  # 三书一函: a ``document`` instead of submitters
        from tracker.api.supervision import create_document_item

        return create_document_item(user, body)
    p = Fields(body)
    kind = p.choice("kind", ItemKind, required=True, message="类别不正确")
    session_id = p.integer("session_id", required=True)
    number = p.text("number", required=True)  # its format and length: items.number_problem
    title = p.text("title", required=True, max_len=300)
    content = p.text("content")
    category = p.text("category", max_len=50)
    submitters = _submitters(p)
    if submitters is None and "submitters" not in p.errors:
        p.errors["submitters"] = "请至少填写一名领衔人"
    is_key = p.boolean("is_key")
    tier = p.choice("tier", Tier, message="办理层级不正确") or Tier.DEPARTMENT.value
    received_on = p.date("received_on")
    leader_id = p.integer("leader_id")
    from_motion = p.boolean("from_motion")
    note = p.text("note")
    p.errors.update(_person_problem(submitters))
    p.check()
    item = items.register_item(
        actor=user, kind=kind, session_id=session_id, number=number, title=title, content=content,
        category=category, submitters=submitters, is_key=is_key, tier=tier, received_on=received_on,
        leader_id=leader_id, from_motion=from_motion, note=note,
    )
    return jsonify(serialize_item(item, user, detail=True)), 201


EDITABLE = ("title", "content", "category", "tier", "is_key", "submitters", "leader_id", "note",
            "received_on")


@bp.patch("/items/<int:item_id>")
@api_login_required
@documented(
    "修改建议提案", tags=("items",), request=S["ITEM_PATCH"], response=S["ITEM_DETAIL"],
    description="交办单位可用。只发要改的字段。建议同时发送上次读取时的 `version`："
                "已被他人修改时返回 409 `stale_version`，不会覆盖他人的修改；"
                "不发 `version` 则以最后一次提交为准。已销号、归档的件返回 409。"
                "改为或保持市领导领办时须有 `leader_id`（422，`fields.leader_id`）。",
)
def patch_item(item_id: int):
    user = current_api_user()
    item = items.get_item_for(user, item_id)
    ensure(policy.can(user, Action.EDIT, item))
    p = Fields(json_body())
    p.only({*EDITABLE, "version", "id"})
    changes: dict = {}
    version = p.integer("version")
    for name in ("title", "content", "category", "note"):
        if p.has(name):
            changes[name] = p.text(name, required=name == "title",
                                   max_len={"title": 300, "category": 50}.get(name))
    if p.has("tier"):
        changes["tier"] = p.choice("tier", Tier, required=True, message="办理层级不正确")
    if p.has("is_key"):
        changes["is_key"] = p.boolean("is_key")
    if p.has("submitters"):
        changes["submitters"] = _submitters(p)
        if changes["submitters"] is None and "submitters" not in p.errors:
            p.errors["submitters"] = "请至少填写一名领衔人"
        p.errors.update(_person_problem(changes["submitters"]))
    if p.has("leader_id"):
        changes["leader_id"] = p.integer("leader_id")
    if p.has("received_on"):
        changes["received_on"] = p.date("received_on")
    if p.data.get("id") not in (None, item.id):
        p.errors["id"] = "与路径中的编号不一致"
    p.check()
    item = items.edit_item(item, actor=user, version=version, **changes)
    return jsonify(serialize_item(item, user, detail=True))


@bp.get("/items")
@api_login_required
@documented(
    "建议提案列表", tags=("items",), response=page_of(S["ITEM_ROW"]),
    query={
        "session_id": INT,
        "kind": {"type": "string", "enum": [k.value for k in ItemKind]},
        "status": {"type": "string", "enum": [s.value for s in ItemStatus]},
        "tier": {"type": "string", "enum": [t.value for t in Tier]},
        "unit_id": INT,
        "overdue": {"type": "integer", "enum": [0, 1], "description": "1：有承办单位已逾期"},
        "due_within_days": {"type": "integer", "minimum": 0,
                            "description": "N：N 天内到期（未逾期）"},
        "q": {**STR, "description": "案号、标题或内容中的文字"},
    },
    description="按角色限定范围：交办单位、市领导、管理员看全部；承办单位看交给本单位的；"
                "代表委员看本人提交的。",
)
def list_items():
    user = current_api_user()
    due_within = parse_int(request.args.get("due_within_days"), "due_within_days")
    if due_within is not None and due_within < 0:
        raise ValidationFailed("due_within_days 不能为负数", fields={"due_within_days": "不能为负数"})
    query = items.search(
        user,
        session_id=parse_int(request.args.get("session_id"), "session_id"),
        kind=query_choice("kind", ItemKind),
        status=query_choice("status", ItemStatus),
        tier=query_choice("tier", Tier),
        unit_id=parse_int(request.args.get("unit_id"), "unit_id"),
        overdue=query_flag("overdue"),
        due_within_days=due_within,
        q=(request.args.get("q") or "").strip() or None,
    ).order_by(Item.id)
    return paginate_batched(query, lambda rows: serialize_item_rows(rows, user))


@bp.get("/items/<int:item_id>")
@api_login_required
@documented(
    "建议提案详情", tags=("items",), response=S["ITEM_DETAIL"],
    description="含承办单位（各项期限及说明、答复、承诺事项）、反馈和时间线。"
                "看不到的件返回 404。答复按角色可见：代表委员只看已发送的；"
                "会办单位在主办单位提交签发后可见（会签）；本单位草稿本单位可见。"
                "代表委员读取本人的件时，与页面一致：不返回备注 `note`，领导批示 `instructions` 为空，"
                "时间线只列公开环节和本人的评价（重新办理不写明哪位提出人不满意）。",
)
def get_item(item_id: int):
    user = current_api_user()
    item = items.get_item_for(user, item_id)
    return jsonify(serialize_item(item, user, detail=True))
