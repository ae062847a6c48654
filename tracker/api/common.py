"""API plumbing: bearer-token auth, JSON bodies, pagination, date parsing."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from flask import g, jsonify, request

from tracker.accounts import services as accounts
from tracker.core.errors import DomainError, ValidationFailed


class ApiError(DomainError):
    pass


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class MalformedJSON(DomainError):
    status = 400
    code = "malformed_json"


def api_login_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Unauthorized("缺少访问令牌，请先调用 POST /api/v1/token 获取")
        user = accounts.user_for_token(header[7:].strip())
        if user is None:
            raise Unauthorized("访问令牌无效、已过期或已撤销")
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper


def current_api_user():
    return g.api_user


def json_body() -> dict:
    """The request's JSON object; 400 if it is not valid JSON or not an object."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        import json

        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise MalformedJSON("请求体不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise MalformedJSON("请求体须为 JSON 对象")
    return data


def require(data: dict, *names: str) -> None:
    missing = {n: "此项为必填项" for n in names if data.get(n) in (None, "", [])}
    if missing:
        raise ValidationFailed("缺少必填字段：" + "、".join(missing), fields=missing)


def parse_date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(f"{field} 日期格式应为 YYYY-MM-DD", fields={field: "日期格式应为 YYYY-MM-DD"}) from None


def parse_int(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{field} 应为整数", fields={field: "应为整数"}) from None


def iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def paginate(query, serialize: Callable[[Any], dict]):
    page = max(1, parse_int(request.args.get("page"), "page") or 1)
    per_page = parse_int(request.args.get("per_page"), "per_page") or 50
    per_page = max(1, min(500, per_page))
    total = query.count()
    rows = query.paginate(page, per_page)
    return jsonify({"items": [serialize(r) for r in rows], "total": total, "page": page,
                    "per_page": per_page})
