"""Overdue and due-soon lists, notifications, supervision slips and 催办 over the API."""

from __future__ import annotations

from flask import jsonify, request

from tracker.accounts import policy
from tracker.api import bp
from tracker.api.common import (
    Fields,
    api_login_required,
    current_api_user,
    json_body,
    page_params,
    parse_int,
    query_choice,
    query_flag,
)
from tracker.api.spec import BOOL, DATE, DATETIME, INT, STR, arr, documented, obj, page_of
from tracker.assignments.services import get_assignment_for
from tracker.core import clock
from tracker.core.enums import ItemKind, SlipColor, Tier
from tracker.core.errors import ValidationFailed, ensure
from tracker.reminders import queries, services
from tracker.reminders.models import Notification

NULL_INT = {"type": ["integer", "null"]}
SLIPS = obj({c: INT for c in queries.SLIP_ORDER})
OVERDUE_ROW = obj(
    {
        "assignment_id": INT,
        "commitment_id": NULL_INT,
        "item_id": INT,
        "item_number": STR,
        "item_title": STR,
        "kind": STR,
        "session": STR,
        "unit_id": INT,
        "unit_name": STR,
        "role": STR,
        "act": {"type": "string", "enum": list(queries.ACTS)},
        "act_label": STR,
        "due_date": DATE,
        "original_due_date": {"type": ["string", "null"], "format": "date"},
        "extended": BOOL,
        "days_overdue": INT,
        "days_left": INT,
        "tier": STR,
        "leader": STR,
        "handler": STR,
        "handler_phone": STR,
        "status": STR,
        "commitment_text": STR,
        "slips": SLIPS,
    }
)
NOTIFICATION = obj(
    {
        "id": INT,
        "kind": STR,
        "title": STR,
        "body": STR,
        "item_id": NULL_INT,
        "created_at": DATETIME,
        "read_at": {"type": ["string", "null"], "format": "date-time"},
        "email_status": STR,
    }
)
SLIP = obj(
    {
        "id": INT,
        "assignment_id": INT,
        "item_id": INT,
        "item_number": STR,
        "unit_id": INT,
        "unit_name": STR,
        "color": STR,
        "issued_on": DATE,
        "issued_at": DATETIME,
        "issued_by": {"type": ["string", "null"]},
        "reason": STR,
    }
)


def serialize_overdue(r: queries.OverdueRow) -> dict:
    return {
        "assignment_id": r.assignment_id,
        "commitment_id": r.commitment_id,
        "item_id": r.item_id,
        "item_number": r.number,
        "item_title": r.title,
        "kind": r.kind,
        "session": r.session_name,
        "unit_id": r.unit_id,
        "unit_name": r.unit_name,
        "role": r.role,
        "act": r.act,
        "act_label": r.act_label,
        "due_date": r.due_on.isoformat(),
        "original_due_date": r.original_due.isoformat() if r.original_due else None,
        "extended": r.extended,
        "days_overdue": r.days_overdue,
        "days_left": r.days_left,
        "tier": r.tier,
        "leader": r.leader,
        "handler": r.handler,
        "handler_phone": r.handler_phone,
        "status": r.status,
        "commitment_text": r.commitment_text,
        "slips": {c: r.slips.get(c, 0) for c in queries.SLIP_ORDER},
    }


def serialize_notification(n: Notification) -> dict:
    return {
        "id": n.id,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "item_id": n.item_id,
        "created_at": n.created_at.isoformat(),
        "read_at": n.read_at.isoformat() if n.read_at else None,
        "email_status": n.email_status,
    }


@bp.get("/overdue")
@api_login_required
@documented(
    "超期与即将到期清单",
    tags=("reminders",),
    response=page_of(OVERDUE_ROW),
    query={
        "session_id": INT,
        "kind": {"type": "string", "enum": [k.value for k in ItemKind]},
        "unit_id": INT,
        "tier": {"type": "string", "enum": [t.value for t in Tier]},
        "act": {"type": "string", "enum": list(queries.ACTS)},
        "due_soon": INT,
        "due_within_days": INT,
        "sort": {"type": "string", "enum": list(queries.SORTS)},
        "dir": {"type": "string", "enum": ["asc", "desc"]},
        "page": INT,
        "per_page": INT,
    },
    description="交办单位、市领导可用。默认列出已超期的答复、会办意见、签收和承诺事项（超期天数按自然日）；"
    "`due_soon=1` 或 `due_within_days=N` 列出 N 天内（默认 7 天）到期的事项。",
)
def overdue_list():
    user = current_api_user()
    ensure(policy.has(user, policy.Perm.VIEW_OVERDUE))
    within = parse_int(request.args.get("due_within_days"), "due_within_days")
    if within is not None and not 0 <= within <= 366:
        raise ValidationFailed(
            "due_within_days 应在 0 到 366 之间", fields={"due_within_days": "应在 0 到 366 之间"}
        )
    act = (request.args.get("act") or "").strip() or None
    if act and act not in queries.ACTS:
        message = "取值不正确，可选值：" + "、".join(queries.ACTS)
        raise ValidationFailed(f"act {message}", fields={"act": message})
    sort = (request.args.get("sort") or "due").strip()
    if sort not in queries.SORTS:
        message = "取值不正确，可选值：" + "、".join(queries.SORTS)
        raise ValidationFailed(f"sort {message}", fields={"sort": message})
    f = queries.OverdueFilters(
        session_id=parse_int(request.args.get("session_id"), "session_id"),
        kind=query_choice("kind", ItemKind),
        unit_id=parse_int(request.args.get("unit_id"), "unit_id"),
        tier=query_choice("tier", Tier),
        act=act,
        due_soon=query_flag("due_soon") or within is not None,
        within=within if within is not None else 7,
        sort=sort,
        desc=request.args.get("dir") == "desc",
    )
    page, per_page = page_params()
    rows, total = queries.overdue_page(f, clock.today(), page=page, per_page=per_page)
    return jsonify(
        {"items": [serialize_overdue(r) for r in rows], "total": total, "page": page, "per_page": per_page}
    )


@bp.get("/notifications")
@api_login_required
@documented(
    "我的消息",
    tags=("reminders",),
    response=page_of(NOTIFICATION),
    query={"unread": INT, "page": INT, "per_page": INT},
    description="当前用户的消息，未读在前；`unread=1` 只列未读。",
)
def notifications_list():
    user = current_api_user()
    query = queries.for_user(user, unread_only=query_flag("unread"))
    page, per_page = page_params()
    total = query.count()
    rows = list(query.paginate(page, per_page))
    return jsonify(
        {
            "items": [serialize_notification(n) for n in rows],
            "total": total,
            "page": page,
            "per_page": per_page,
            "unread": queries.unread_count(user),
        }
    )


@bp.post("/notifications/<int:notification_id>/read")
@api_login_required
@documented("标记消息已读", tags=("reminders",), response=NOTIFICATION)
def notification_read(notification_id: int):
    user = current_api_user()
    n = services.mark_read(services.get_notification_for(user, notification_id), actor=user)
    return jsonify(serialize_notification(n))


@bp.post("/notifications/read-all")
@api_login_required
@documented("全部消息标为已读", tags=("reminders",), response=obj({"marked": INT}))
def notifications_read_all():
    return jsonify({"marked": services.mark_all_read(actor=current_api_user())})


def serialize_slip(s) -> dict:
    a = s.assignment
    return {
        "id": s.id,
        "assignment_id": a.id,
        "item_id": a.item.id,
        "item_number": a.item.number,
        "unit_id": a.unit.id,
        "unit_name": a.unit.name,
        "color": s.color,
        "issued_on": s.issued_on.isoformat(),
        "issued_at": s.issued_at.isoformat(),
        "issued_by": s.issued_by.display if s.issued_by_id else None,
        "reason": s.reason,
    }


@bp.get("/slips")
@api_login_required
@documented(
    "督办单",
    tags=("reminders",),
    response=obj(
        {
            "items": arr(SLIP),
            "total": INT,
            "page": INT,
            "per_page": INT,
            "by_unit": arr(
                obj({"unit_id": INT, "unit_name": STR, "total": INT, **{c: INT for c in queries.SLIP_ORDER}})
            ),
        }
    ),
    query={
        "session_id": INT,
        "unit_id": INT,
        "color": {"type": "string", "enum": queries.SLIP_ORDER},
        "page": INT,
        "per_page": INT,
    },
    description="交办单位、市领导可用：督办单明细（新的在前）及各单位按颜色统计。",
)
def slips_list():
    user = current_api_user()
    ensure(policy.has(user, policy.Perm.VIEW_OVERDUE))
    session_id = parse_int(request.args.get("session_id"), "session_id")
    unit_id = parse_int(request.args.get("unit_id"), "unit_id")
    color = query_choice("color", SlipColor)
    query = queries.slips_list(session_id=session_id, unit_id=unit_id, color=color)
    page, per_page = page_params()
    total = query.count()
    rows = list(query.paginate(page, per_page))
    return jsonify(
        {
            "items": [serialize_slip(s) for s in rows],
            "total": total,
            "page": page,
            "per_page": per_page,
            "by_unit": queries.slip_counts_by_unit(session_id=session_id, unit_id=unit_id),
        }
    )


@bp.post("/assignments/<int:assignment_id>/urge")
@api_login_required
@documented(
    "催办 / 发出督办单",
    tags=("reminders",),
    status=201,
    request=obj({"color": {"type": "string", "enum": list(services.MANUAL_COLORS)}, "reason": STR}),
    response=SLIP,
    description="交办单位可用。同一承办任务在系统设置 `urge_throttle_hours` 小时内只能催办一次（409 urge_throttled）。",
)
def urge_assignment(assignment_id: int):
    user = current_api_user()
    a = get_assignment_for(user, assignment_id)
    p = Fields(json_body())
    color = p.text("color", default=SlipColor.URGE.value)
    reason = p.text("reason", max_len=500)
    p.check()
    slip = services.urge(a, actor=user, color=color, reason=reason)
    return jsonify(serialize_slip(slip)), 201
