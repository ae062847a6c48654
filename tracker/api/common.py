"""API plumbing: bearer-token auth, JSON bodies, pagination, date parsing."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from enum import StrEnum
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

    wrapper._api_auth = True  # the OpenAPI builder marks these operations as bearer-secured
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
    if isinstance(value, bool | float):
        raise ValidationFailed(f"{field} 应为整数", fields={field: "应为整数"})
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{field} 应为整数", fields={field: "应为整数"}) from None


def iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 50


def page_params() -> tuple[int, int]:
    """``?page`` (from 1) and ``?per_page`` (1..500, default 50) of the request; 422 if not integers."""
    page = max(1, parse_int(request.args.get("page"), "page") or 1)
    per_page = parse_int(request.args.get("per_page"), "per_page") or DEFAULT_PER_PAGE
    return page, max(1, min(MAX_PER_PAGE, per_page))


def paginate(query, serialize: Callable[[Any], dict]):
    """One page of ``query`` as ``{"items", "total", "page", "per_page"}``, serialized row by row."""
    return paginate_batched(query, lambda rows: [serialize(r) for r in rows])


def paginate_batched(query, serialize_many: Callable[[list], list[dict]]):
    """Like :func:`paginate`, but the serializer gets the whole page at once (for batched loads)."""
    page, per_page = page_params()
    total = query.count()
    rows = list(query.paginate(page, per_page))
    return jsonify({"items": serialize_many(rows), "total": total, "page": page,
                    "per_page": per_page})


def query_flag(name: str) -> bool:
    """A boolean query parameter: 1/true/yes/on are true; absent or 0/false/no/off are false."""
    value = (request.args.get(name) or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValidationFailed(f"{name} 应为 1 或 0", fields={name: "应为 1 或 0"})


def query_choice(name: str, enum: type[StrEnum]) -> str | None:
    """An enum-valued query parameter (English value), or None when absent; 422 if unknown."""
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    allowed = [m.value for m in enum]
    if value not in allowed:
        message = "取值不正确，可选值：" + "、".join(allowed)
        raise ValidationFailed(f"{name} {message}", fields={name: message})
    return value


class Fields:
    """Typed values from a JSON body. Problems are collected, then :meth:`check` raises one 422
    whose ``fields`` names every bad field (Chinese messages)::

        p = Fields(json_body())
        title = p.text("title", required=True, max_len=300)
        is_key = p.boolean("is_key")
        p.check()
    """

    REQUIRED = "此项为必填项"

    def __init__(self, data: dict):
        self.data = data
        self.errors: dict[str, str] = {}

    def has(self, name: str) -> bool:
        return name in self.data

    def _missing(self, name: str, required: bool) -> bool:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()) or value == []:
            if required:
                self.errors[name] = self.REQUIRED
            return True
        return False

    def text(self, name: str, *, required: bool = False, default: str = "",
             max_len: int | None = None) -> str:
        if self._missing(name, required):
            return default
        value = self.data[name]
        if not isinstance(value, str):
            self.errors[name] = "应为文本"
            return default
        if max_len is not None and len(value.strip()) > max_len:
            self.errors[name] = f"不能超过 {max_len} 个字符"
        return value

    def integer(self, name: str, *, required: bool = False) -> int | None:
        if self._missing(name, required):
            return None
        value = self.data[name]
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.errors[name] = "应为整数"
            return None
        try:
            return int(value)
        except ValueError:
            self.errors[name] = "应为整数"
            return None

    def boolean(self, name: str, *, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        self.errors[name] = "应为 true 或 false"
        return default

    def date(self, name: str, *, required: bool = False) -> dt.date | None:
        if self._missing(name, required):
            return None
        value = self.data[name]
        try:
            if not isinstance(value, str):
                raise ValueError
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            self.errors[name] = "日期格式应为 YYYY-MM-DD"
            return None

    def choice(self, name: str, allowed: type[StrEnum] | list[str], *, required: bool = False,
               message: str = "") -> str | None:
        if self._missing(name, required):
            return None
        values = [m.value for m in allowed] if isinstance(allowed, type) else list(allowed)
        value = self.data[name]
        if value not in values:
            self.errors[name] = message or ("取值不正确，可选值：" + "、".join(values))
            return None
        return value

    def objects(self, name: str, *, required: bool = False) -> list[dict] | None:
        """A list of JSON objects."""
        if self._missing(name, required):
            return None
        value = self.data[name]
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.errors[name] = "应为对象列表"
            return None
        return value

    def mapping(self, name: str) -> dict | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.errors[name] = "应为 JSON 对象"
            return None
        return value

    def only(self, allowed: set[str] | tuple[str, ...], message: str = "不能通过此接口修改") -> None:
        """Flag every key of the body that is not in ``allowed``."""
        for key in self.data:
            if key not in allowed:
                self.errors[key] = message

    def check(self) -> None:
        if self.errors:
            raise ValidationFailed(
                "提交的内容有误：" + "；".join(f"{k}：{v}" for k, v in self.errors.items()),
                fields=dict(self.errors),
            )


def rename_fields(exc: ValidationFailed, mapping: dict[str, str], prefix: str = "") -> ValidationFailed:
    """The service's field names in an error, renamed to the API's (e.g. handler_id → handler_user_id)."""
    exc.fields = {prefix + mapping.get(k, k): v for k, v in exc.fields.items()}
    return exc
