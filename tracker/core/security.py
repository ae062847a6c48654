"""Login sessions, CSRF, rate limits, security headers and password rules."""

from __future__ import annotations

import hashlib
import re
import secrets

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.core.i18n import N_

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# A message, not a password; N_ marks it for the English catalog (forms show it with lazy_gettext).
PASSWORD_RULE = N_("密码至少 8 位，且须同时包含字母和数字")  # noqa: S105


def hash_password(password: str) -> str:
    method = "pbkdf2:sha256:600000"
    try:
        from flask import current_app

        method = current_app.config.get("PASSWORD_HASH_METHOD", method)
    except RuntimeError:
        pass
    return generate_password_hash(password, method=method)


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def password_problem(password: str) -> str | None:
    """Chinese message if the password breaks the rules, else None."""
    if len(password) < 8 or not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return PASSWORD_RULE
    return None


def is_local_url(target: str) -> bool:
    """Whether a redirect target stays on this site: a path ("/items?x=1") or a URL of this host.

    Browsers read "//evil.example" and "/\\evil.example" as another site, and ignore tabs and
    newlines inside URLs, so those are not local.
    """
    from urllib.parse import urlsplit

    if not target or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return False
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return parts.scheme in ("http", "https") and parts.netloc == request.host
    return not target.startswith("//")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_nonce() -> str:
    return secrets.token_hex(16)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "warning"
    from flask_babel import gettext

    login_manager.localize_callback = gettext  # "请先登录" in the page's language
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    limiter.init_app(app)

    @login_manager.user_loader
    def _load_user(user_id: str):
        from tracker.accounts.models import User

        try:
            raw_id, nonce = user_id.split(":", 1)
            user = User.get_or_none(User.id == int(raw_id))
        except (ValueError, TypeError):
            return None
        if user is None or not user.active or user.session_nonce != nonce:
            return None
        return user

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        location = response.headers.get("Location")
        if location is not None and 300 <= response.status_code < 400 and not is_local_url(location):
            # Defence in depth against open redirects (a ``next=`` that points elsewhere).
            response.headers["Location"] = "/"
        return response
