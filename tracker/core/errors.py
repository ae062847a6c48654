"""Domain errors. Services raise them; pages and the API turn them into messages and codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base: a request that cannot be carried out. ``message`` is Chinese, shown to users."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None,
                 details: list | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}
        self.details = details or []


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"

    def __init__(self, message: str = "您没有权限执行此操作", **kw):
        super().__init__(message, **kw)


class NotFound(DomainError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "未找到该记录，或您无权查看", **kw):
        super().__init__(message, **kw)


class Conflict(DomainError):
    status = 409
    code = "conflict"


class StaleVersion(Conflict):
    code = "stale_version"

    def __init__(self, message: str = "该记录已被他人修改，请刷新后重试", **kw):
        super().__init__(message, **kw)


class InvalidTransition(Conflict):
    code = "invalid_state"


def ensure(condition: bool, message: str = "您没有权限执行此操作") -> None:
    """Policy guard used by services: raise PermissionDenied unless condition holds."""
    if not condition:
        raise PermissionDenied(message)
