"""Configuration from environment variables (TRACKER_*). See README for the list."""

from __future__ import annotations

import os


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("TRACKER_SECRET_KEY", "dev-only-change-me")
    # Default (None): a SQLite file in the instance folder.
    DATABASE_URL = os.environ.get("TRACKER_DATABASE_URL") or None
    UPLOAD_DIR = os.environ.get("TRACKER_UPLOAD_DIR") or None
    # each uploaded file (reply attachments, import files), and one request in all (several files)
    MAX_FILE_BYTES = int(os.environ.get("TRACKER_MAX_UPLOAD_MB", "20")) * 1024 * 1024
    MAX_CONTENT_LENGTH = int(os.environ.get("TRACKER_MAX_REQUEST_MB", "100")) * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("TRACKER_SECURE_COOKIES")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("TRACKER_SECURE_COOKIES")
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BOOTSTRAP_SERVE_LOCAL = True
    API_TOKEN_HOURS = int(os.environ.get("TRACKER_API_TOKEN_HOURS", "12"))
    LOGIN_MAX_FAILURES = int(os.environ.get("TRACKER_LOGIN_MAX_FAILURES", "5"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("TRACKER_LOGIN_LOCK_MINUTES", "15"))
    RATELIMIT_STORAGE_URI = os.environ.get("TRACKER_RATELIMIT_STORAGE", "memory://")
    RATELIMIT_ENABLED = _bool("TRACKER_RATELIMIT", True)
    # Mail (SMTP). Empty host: mail is recorded as skipped, in-app notifications still work.
    SMTP_HOST = os.environ.get("TRACKER_SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("TRACKER_SMTP_PORT", "25"))
    SMTP_USER = os.environ.get("TRACKER_SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("TRACKER_SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("TRACKER_SMTP_STARTTLS")
    MAIL_FROM = os.environ.get("TRACKER_MAIL_FROM", "tracker@localhost")
    MAIL_MAX_ATTEMPTS = int(os.environ.get("TRACKER_MAIL_MAX_ATTEMPTS", "5"))  # then the row is "failed"
    # Text messages for supervision slips: "" off, "logging" (log only), or "package.module:Class".
    SMS_GATEWAY = os.environ.get("TRACKER_SMS_GATEWAY", "")
    # Only the holder of the scheduler lease runs jobs; a standby takes over when it expires.
    SCHEDULER_LEASE_SECONDS = int(os.environ.get("TRACKER_SCHEDULER_LEASE_SECONDS", "60"))
    BASE_URL = os.environ.get("TRACKER_BASE_URL", "http://127.0.0.1:5000")
    LOG_JSON = _bool("TRACKER_LOG_JSON", True)
    # Behind nginx: trust one proxy's X-Forwarded-* headers (scheme for Secure cookies, client IP).
    PROXY_FIX = _bool("TRACKER_PROXY_FIX")
