"""Error pages (Chinese, no stack traces), JSON errors for the API, and view helpers."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, flash, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from tracker.core.errors import DomainError
from tracker.core.i18n import N_

logger = logging.getLogger("tracker")

HTTP_MESSAGES = {
    400: N_("请求格式不正确"),
    401: N_("请先登录"),
    403: N_("您没有权限访问此页面"),
    404: N_("未找到该页面或记录，或您无权查看"),
    405: N_("不支持该请求方式"),
    409: N_("操作与当前状态冲突"),
    413: N_("上传内容过大"),
    422: N_("提交的内容有误"),
    429: N_("操作过于频繁，请稍后再试"),
    500: N_("系统内部错误，请稍后再试或联系管理员"),
}


# The domain's stock messages (tracker.core.errors and the views' guards): a page shows them in
# the user's language. Other domain messages name the case at hand and stay Chinese, as the API
# gives them.
STOCK_MESSAGES = frozenset({
    N_("您没有权限执行此操作"), N_("您没有权限访问此页面"), N_("未找到该记录，或您无权查看"),
    N_("该记录已被他人修改，请刷新后重试"),
})


def page_message(message: str) -> str:
    """A domain error's message as a page shows it."""
    return gettext(message) if message in STOCK_MESSAGES else message


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_json(status: int, code: str, message: str, fields: dict | None = None,
               details: list | None = None):
    body: dict[str, Any] = {"error": {"code": code, "message": message, "fields": fields or {}}}
    if details:
        body["error"]["details"] = details
    return jsonify(body), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        if wants_json():
            return error_json(exc.status, exc.code, exc.message, exc.fields, exc.details)
        return render_template("errors/error.html", status=exc.status, message=page_message(exc.message),
                               details=exc.details), exc.status

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        message = N_("页面已过期或缺少安全令牌，请刷新页面后重新提交")
        if wants_json():
            return error_json(400, "csrf_failed", message)
        return render_template("errors/error.html", status=400, message=gettext(message)), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        message = HTTP_MESSAGES.get(status, exc.description or "请求失败")
        if wants_json():
            code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                    405: "method_not_allowed", 413: "too_large", 429: "too_many_requests"}.get(
                status, "http_error")
            if status == 429:
                message = "请求过于频繁，请稍后再试"
            return error_json(status, code, message)
        if status == 429:
            message = N_("尝试次数过多，请稍后再试")
        return render_template("errors/error.html", status=status, message=gettext(message)), status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if app.debug or app.testing and app.config.get("PROPAGATE_EXCEPTIONS"):
            raise exc
        logger.exception("unhandled error")
        if wants_json():
            return error_json(500, "internal_error", HTTP_MESSAGES[500])
        return render_template("errors/error.html", status=500, message=gettext(HTTP_MESSAGES[500])), 500


def flash_error(exc: DomainError, form: Any = None) -> None:
    """Show a domain error on a page; put field messages on the form's fields."""
    flash(page_message(exc.message), "danger")
    if form is not None:
        for name, message in exc.fields.items():
            field = getattr(form, name, None)
            if field is not None and hasattr(field, "errors"):
                errors = list(field.errors) if field.errors else []
                if message not in errors:
                    errors.append(message)
                field.errors = errors


def next_target(default: str, candidate: str | None = None) -> str:
    """Where to go after a form: a same-site ``next`` (form or query) or the candidate, else default."""
    from tracker.core.security import is_local_url

    target = candidate or request.form.get("next") or request.args.get("next")
    return target if target and is_local_url(target) else default


def attachment(name: str, fallback: str) -> str:
    """The Content-Disposition of a download named ``name`` (Chinese, RFC 5987), with an
    ASCII ``fallback`` name for clients that cannot read the encoded one."""
    from urllib.parse import quote

    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
