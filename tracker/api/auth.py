"""Tokens, who am I, and the reference lists a client needs first: units and users."""

from __future__ import annotations

from flask import jsonify, request

from tracker.accounts import policy
from tracker.accounts import services as accounts
from tracker.api import bp
from tracker.api.common import (
    Unauthorized,
    api_login_required,
    current_api_user,
    json_body,
    paginate,
    parse_int,
    query_choice,
    query_flag,
    require,
)
from tracker.api.serializers import serialize_me, serialize_unit, serialize_user
from tracker.api.spec import BOOL, DATETIME, INT, STR, documented, obj, page_of
from tracker.core.enums import Role
from tracker.core.errors import ensure
from tracker.core.security import limiter
from tracker.units.models import Unit

NULLABLE_INT = {"type": ["integer", "null"]}

UNIT_SCHEMA = obj({"id": INT, "name": STR, "short_name": STR, "category": STR, "active": BOOL},
                  ["id", "name", "short_name", "active"])
USER_SCHEMA = obj({"id": INT, "username": STR, "name": STR,
                   "role": {"type": "string", "enum": [r.value for r in Role]},
                   "unit_id": NULLABLE_INT, "phone": STR, "title": STR, "active": BOOL},
                  ["id", "username", "name", "role", "unit_id", "phone"])
ME_SCHEMA = obj({"id": INT, "username": STR, "name": STR,
                 "role": {"type": "string", "enum": [r.value for r in Role]},
                 "unit_id": NULLABLE_INT, "unit_name": {"type": ["string", "null"]},
                 "person_id": NULLABLE_INT},
                ["id", "username", "name", "role", "unit_id"])


@bp.post("/token")
@limiter.limit("20 per minute", error_message="请求过于频繁，请稍后再试")
@documented(
    "获取访问令牌", tags=("auth",), status=201,
    request=obj({"username": STR, "password": STR}, ["username", "password"]),
    response=obj({"token": STR, "expires_at": DATETIME}, ["token", "expires_at"]),
    description="用户名和密码换取 Bearer 令牌（默认 12 小时有效，库中只存其摘要）。"
                "之后每个请求带 `Authorization: Bearer <token>`。密码错误返回 401。",
)
def token():
    data = json_body()
    require(data, "username", "password")
    try:
        user = accounts.authenticate(str(data["username"]), str(data["password"]))
    except accounts.LoginFailed as exc:
        raise Unauthorized(exc.message) from None
    value, expires = accounts.issue_token(user)
    return jsonify({"token": value, "expires_at": expires.isoformat()}), 201


token._api_errors = (401,)  # wrong password or locked account (see tracker/api/openapi.py)


@bp.delete("/token")
@api_login_required
@documented("撤销当前令牌", tags=("auth",), status=204,
            description="撤销请求所用的令牌；之后再用它访问返回 401。")
def revoke():
    header = request.headers.get("Authorization", "")
    accounts.revoke_token(header[7:].strip())
    return "", 204


@bp.get("/me")
@api_login_required
@documented("当前用户", tags=("auth",), response=ME_SCHEMA)
def me():
    return jsonify(serialize_me(current_api_user()))


@bp.get("/units")
@api_login_required
@documented("承办单位列表", tags=("reference",), response=page_of(UNIT_SCHEMA),
            query={"active": {"type": "integer", "enum": [0, 1],
                              "description": "1：只列在用的单位"}})
def units():
    query = Unit.select().order_by(Unit.sort_order, Unit.id)
    if query_flag("active"):
        query = query.where(Unit.active == True)  # noqa: E712
    return paginate(query, serialize_unit)


@bp.get("/users")
@api_login_required
@documented("用户列表（选择经办人用）", tags=("reference",), response=page_of(USER_SCHEMA),
            query={"unit_id": INT, "role": {"type": "string", "enum": [r.value for r in Role]}},
            description="交办单位和管理员可用，其他角色返回 403。")
def users():
    user = current_api_user()
    ensure(policy.can(user, policy.Perm.LIST_USERS))
    query = accounts.users_query(unit_id=parse_int(request.args.get("unit_id"), "unit_id"),
                                 role=query_choice("role", Role), actor=user)
    return paginate(query, serialize_user)
