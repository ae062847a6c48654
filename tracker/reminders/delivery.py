"""Delivering the outbox: e-mail over SMTP (with retries and back-off), optional SMS.

Notifications are written by services and the sweep; this module only sends them. Each row
is *claimed* with a conditional UPDATE (``… SET email_status='sending' WHERE id=? AND
email_status='pending'``; one row changed = ours), so two deliverers never send the same row.
A claim carries a lease (``email_next_at``): a deliverer that dies mid-send leaves the row
claimable again once the lease has run out. Failures are recorded per row
(``email_attempts``, ``email_error``) and retried with exponential back-off until
``MAIL_MAX_ATTEMPTS``; then the row is ``failed``. With the ``mail_digest`` setting a person
gets at most one message a day, listing all their new notices. A notice older than the
``mail_max_age_days`` setting is not mailed at all (``skipped``; it stays in-app): a site that
turns mail on after months, or whose mail server was down for weeks, sends no backlog.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any, Protocol

from tracker.accounts.models import User
from tracker.core import clock
from tracker.reminders.models import Notification

logger = logging.getLogger("tracker.mail")

CLAIM_SECONDS = 300  # a claimed row is ours for 5 minutes
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 3600
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_DIGEST_HOUR = 8
DEFAULT_MAX_AGE_DAYS = 7  # setting ``mail_max_age_days``
MIN_MAX_AGE_DAYS = 2  # a daily digest carries notices up to a day old


@dataclass(frozen=True)
class MailSettings:
    host: str = ""
    port: int = 25
    user: str = ""
    password: str = ""
    starttls: bool = False
    mail_from: str = "tracker@localhost"
    base_url: str = "http://127.0.0.1:5000"
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Any) -> MailSettings:
        return cls(
            host=(config.get("SMTP_HOST") or "").strip(),
            port=int(config.get("SMTP_PORT") or 25),
            user=config.get("SMTP_USER") or "",
            password=config.get("SMTP_PASSWORD") or "",
            starttls=bool(config.get("SMTP_STARTTLS")),
            mail_from=config.get("MAIL_FROM") or "tracker@localhost",
            base_url=(config.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
            max_attempts=int(config.get("MAIL_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS),
            timeout=float(config.get("SMTP_TIMEOUT") or 10),
        )


@dataclass
class DeliveryResult:
    sent: int = 0  # notifications delivered (a digest counts each notification it carries)
    messages: int = 0  # e-mails handed to the server
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    expired: int = 0  # older than the cut-off: not mailed (skipped), still in-app
    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    postponed: int = 0
    sms_sent: int = 0
    sms_failed: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"邮件：发送 {self.messages} 封（含消息 {self.sent} 条），待重试 {self.retried} 条，"
            f"失败 {self.failed} 条，跳过 {self.skipped} 条，"
            + (f"超过 {self.max_age_days} 天未补发邮件 {self.expired} 条，" if self.expired else "")
            + f"延至每日汇总 {self.postponed} 条；"
            f"短信：发送 {self.sms_sent} 条，失败 {self.sms_failed} 条"
        )


# --- SMS ------------------------------------------------------------------------------------


class SmsGateway(Protocol):
    """A text-message gateway: plug a real provider in with ``SMS_GATEWAY = "pkg.mod:Class"``."""

    def send(self, phone: str, text: str) -> None: ...


class LoggingSmsGateway:
    """Writes each text message to the log (``SMS_GATEWAY = "logging"``): for set-ups without a
    provider, and to see what would be sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))
        logger.info("sms to %s: %s", phone, text)


def sms_gateway_from_config(config: Any) -> SmsGateway | None:
    name = (config.get("SMS_GATEWAY") or "").strip()
    if not name:
        return None
    if name == "logging":
        return LoggingSmsGateway()
    module_name, _, attr = name.partition(":")
    cls = getattr(importlib.import_module(module_name), attr or "Gateway")
    return cls()


# --- messages -------------------------------------------------------------------------------


def item_path(item_id: int) -> str:
    return f"/items/{item_id}"


def site_url(path: str, config: Any = None) -> str:
    """A page's full address (``BASE_URL`` + path), as the mails link it: for text that is mailed
    as it stands (a notification's body), where a relative path leads nowhere."""
    if config is None:
        from flask import current_app

        config = current_app.config
    return MailSettings.from_config(config).base_url + "/" + path.lstrip("/")


def _footer(settings: MailSettings) -> str:
    return (
        f"\n查看全部消息：{settings.base_url}/notifications\n\n"
        "—— 建议提案办理系统（系统自动发送，请勿直接回复本邮件）\n"
    )


def single_message(user: User, n: Notification, settings: MailSettings) -> EmailMessage:
    lines = [f"{user.display}，您好：", "", n.title]
    if n.body:
        lines += ["", n.body]
    if n.item_id:
        lines += ["", f"办理页面：{settings.base_url}{item_path(n.item_id)}"]
    return _envelope(
        user, f"【建议提案办理】{n.title}", "\n".join(lines) + "\n" + _footer(settings), settings
    )


def digest_message(
    user: User, rows: list[Notification], day: dt.date, settings: MailSettings
) -> EmailMessage:
    lines = [f"{user.display}，您好：", "", f"{day.isoformat()} 您有 {len(rows)} 条新的办理消息：", ""]
    for i, n in enumerate(rows, 1):
        lines.append(f"{i}. {n.title}")
        if n.body:
            lines.append(f"   {n.body}")
        if n.item_id:
            lines.append(f"   {settings.base_url}{item_path(n.item_id)}")
    subject = f"【建议提案办理】{day.isoformat()} 每日汇总（{len(rows)} 条）"
    return _envelope(user, subject, "\n".join(lines) + "\n" + _footer(settings), settings)


def _envelope(user: User, subject: str, text: str, settings: MailSettings) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = formataddr(("建议提案办理系统", settings.mail_from))
    msg["To"] = formataddr((user.display, user.email))
    msg["Date"] = format_datetime(clock.to_local(clock.now()))  # RFC 5322: when it is handed over
    msg["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or "tracker")
    msg.set_content(text, charset="utf-8")
    return msg


# --- claiming and recording -----------------------------------------------------------------


def _claim(notification_id: int, now: dt.datetime) -> bool:
    """Atomically take one row; False when another deliverer has it (or it is done)."""
    lease = now + dt.timedelta(seconds=CLAIM_SECONDS)
    stale = (Notification.email_status == "sending") & (Notification.email_next_at < now)
    rows = (
        Notification.update(email_status="sending", email_next_at=lease)
        .where((Notification.id == notification_id) & ((Notification.email_status == "pending") | stale))
        .execute()
    )
    return rows == 1


def backoff(attempts: int) -> dt.timedelta:
    """Exponential back-off after the n-th failed attempt: 1, 2, 4, 8 … minutes, capped at 6 h."""
    seconds = BACKOFF_BASE_SECONDS * (2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def _mark_sent(ids: list[int], now: dt.datetime) -> None:
    Notification.update(
        email_status="sent", emailed_at=now, email_error="", email_attempts=Notification.email_attempts + 1
    ).where(Notification.id.in_(ids) & (Notification.email_status == "sending")).execute()


def _mark_failed(
    rows: list[Notification], error: str, now: dt.datetime, settings: MailSettings, result: DeliveryResult
) -> None:
    for n in rows:
        attempts = n.email_attempts + 1
        if attempts >= settings.max_attempts:
            status, next_at = "failed", None
            result.failed += 1
        else:
            status, next_at = "pending", now + backoff(attempts)
            result.retried += 1
        Notification.update(
            email_status=status, email_attempts=attempts, email_next_at=next_at, email_error=error[:1000]
        ).where((Notification.id == n.id) & (Notification.email_status == "sending")).execute()
    logger.warning("mail delivery failed for %d notification(s): %s", len(rows), error)


class _Connection:
    """One SMTP connection per run, opened on first use."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def send(self, msg: EmailMessage) -> None:
        if self.smtp is None:
            s = self.settings
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            try:
                if s.starttls:
                    smtp.starttls()
                if s.user:
                    smtp.login(s.user, s.password)
            except Exception:
                smtp.close()
                raise
            self.smtp = smtp
        self.smtp.send_message(msg)

    def reset(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def _digest_enabled() -> bool:
    from tracker.rules.services import get_setting

    return bool(get_setting("mail_digest"))


def _digest_hour() -> int:
    from tracker.rules.services import get_setting

    value = get_setting("mail_digest_hour")
    try:
        return min(23, max(0, int(value))) if value is not None else DEFAULT_DIGEST_HOUR
    except (TypeError, ValueError):
        return DEFAULT_DIGEST_HOUR


def max_age_days() -> int:
    """Notices older than this many days are not mailed (setting ``mail_max_age_days``)."""
    from tracker.rules.services import get_setting

    value = get_setting("mail_max_age_days")
    try:
        return max(MIN_MAX_AGE_DAYS, int(value)) if value is not None else DEFAULT_MAX_AGE_DAYS
    except (TypeError, ValueError):
        return DEFAULT_MAX_AGE_DAYS


def _skip_stale(now: dt.datetime, days: int) -> int:
    """Mark the notices older than ``days`` that are still to be mailed as not mailed: one
    conditional UPDATE over exactly the rows the job would take (pending, or a claim whose lease
    ran out), so a row another deliverer holds is left to it: nothing is sent twice, and a row
    is either mailed or recorded as skipped (it stays in the notification centre)."""
    cutoff = now - dt.timedelta(days=days)
    to_mail = (Notification.email_status == "pending") | (
        (Notification.email_status == "sending") & (Notification.email_next_at < now)
    )
    count = (
        Notification.update(email_status="skipped", email_next_at=None,
                            email_error=f"消息产生已超过 {days} 天，未补发邮件（站内消息仍可查看）")
        .where((Notification.created_at < cutoff) & to_mail)
        .execute()
    )
    if count:
        logger.warning("outbox: %d notification(s) older than %d days not mailed (kept in-app)", count, days)
    return count


def _next_digest_at(today: dt.date, hour: int) -> dt.datetime:
    start = clock.start_of_local_day(today + dt.timedelta(days=1))
    return start + dt.timedelta(hours=hour)


# --- the job --------------------------------------------------------------------------------


def deliver_outbox(
    now: dt.datetime | None = None,
    limit: int = 200,
    *,
    settings: MailSettings | None = None,
    sms: SmsGateway | None = None,
    digest: bool | None = None,
) -> DeliveryResult:
    """Send pending e-mails (and text messages); safe to run in several processes at once."""
    from flask import current_app

    now = now or clock.now()
    config = current_app.config
    settings = settings or MailSettings.from_config(config)
    result = DeliveryResult()
    if sms is None:
        sms = sms_gateway_from_config(config)
    _deliver_sms(now, limit, sms, result)
    if not settings.host:
        result.skipped = (
            Notification.update(email_status="skipped", email_error="未配置邮件服务器（SMTP_HOST）")
            .where(Notification.email_status == "pending")
            .execute()
        )
        return result
    result.max_age_days = max_age_days()
    result.expired = _skip_stale(now, result.max_age_days)
    digest = _digest_enabled() if digest is None else digest
    due = (
        Notification.select(Notification.id, Notification.user)
        .where(
            (
                (Notification.email_status == "pending")
                & (Notification.email_next_at.is_null() | (Notification.email_next_at <= now))
            )
            | ((Notification.email_status == "sending") & (Notification.email_next_at < now))
        )
        .order_by(Notification.id)
        .limit(limit)
        .tuples()
    )
    candidates = list(due)
    if not candidates:
        return result
    conn = _Connection(settings)
    try:
        if digest:
            _send_digests(candidates, now, settings, conn, result)
        else:
            _send_singles(candidates, now, settings, conn, result)
    finally:
        conn.reset()
    logger.info("outbox: %s", result.summary())
    return result


def _users(ids: set[int]) -> dict[int, User]:
    return {u.id: u for u in User.select().where(User.id.in_(list(ids)))} if ids else {}


def _send_singles(candidates, now, settings, conn, result) -> None:
    users = _users({uid for _, uid in candidates})
    for nid, uid in candidates:
        if not _claim(nid, now):
            continue
        n = Notification.get_by_id(nid)
        user = users.get(uid)
        if user is None or not user.email or not user.active:
            Notification.update(email_status="skipped", email_error="收件人无邮箱或已停用").where(
                Notification.id == nid
            ).execute()
            result.skipped += 1
            continue
        try:
            conn.send(single_message(user, n, settings))
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            conn.reset()
            _mark_failed([n], f"{type(exc).__name__}: {exc}", now, settings, result)
            continue
        _mark_sent([nid], now)
        result.sent += 1
        result.messages += 1


def _send_digests(candidates, now, settings, conn, result) -> None:
    today = clock.local_date(now)
    hour = _digest_hour()
    by_user: dict[int, list[int]] = defaultdict(list)
    for nid, uid in candidates:
        by_user[uid].append(nid)
    users = _users(set(by_user))
    start_today = clock.start_of_local_day(today)
    send_from = start_today + dt.timedelta(hours=hour)
    for uid in by_user:
        ids = [
            nid
            for (nid,) in Notification.select(Notification.id)
            .where(
                (Notification.user == uid)
                & (Notification.email_status == "pending")
                & (Notification.email_next_at.is_null() | (Notification.email_next_at <= now))
            )
            .tuples()
        ]
        ids = sorted(set(ids) | set(by_user[uid]))
        user = users.get(uid)
        if user is None or not user.email or not user.active:
            result.skipped += (
                Notification.update(email_status="skipped", email_error="收件人无邮箱或已停用")
                .where(Notification.id.in_(ids) & (Notification.email_status == "pending"))
                .execute()
            )
            continue
        already = (
            Notification.select()
            .where(
                (Notification.user == uid)
                & (Notification.email_status == "sent")
                & (Notification.emailed_at >= start_today)
            )
            .exists()
        )
        if already or now < send_from:
            later = _next_digest_at(today, hour) if already else send_from
            result.postponed += (
                Notification.update(email_next_at=later)
                .where(Notification.id.in_(ids) & (Notification.email_status == "pending"))
                .execute()
            )
            continue
        claimed = [nid for nid in ids if _claim(nid, now)]
        if not claimed:
            continue
        rows = list(Notification.select().where(Notification.id.in_(claimed)).order_by(Notification.id))
        try:
            conn.send(digest_message(user, rows, today, settings))
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            conn.reset()
            _mark_failed(rows, f"{type(exc).__name__}: {exc}", now, settings, result)
            continue
        _mark_sent(claimed, now)
        result.sent += len(claimed)
        result.messages += 1


def _deliver_sms(now: dt.datetime, limit: int, gateway: SmsGateway | None, result: DeliveryResult) -> None:
    pending = list(
        Notification.select(Notification.id, Notification.user, Notification.title)
        .where(Notification.sms_status == "pending")
        .order_by(Notification.id)
        .limit(limit)
    )
    if not pending:
        return
    if gateway is None:
        Notification.update(sms_status="skipped").where(
            Notification.id.in_([n.id for n in pending]) & (Notification.sms_status == "pending")
        ).execute()
        return
    users = _users({n.user_id for n in pending})
    for n in pending:
        claimed = (
            Notification.update(sms_status="sending")
            .where((Notification.id == n.id) & (Notification.sms_status == "pending"))
            .execute()
        )
        if claimed != 1:
            continue
        user = users.get(n.user_id)
        phone = (user.phone or "").strip() if user else ""
        if not phone:
            Notification.update(sms_status="skipped").where(Notification.id == n.id).execute()
            continue
        try:
            gateway.send(phone, f"【建议提案办理】{n.title}")
        except Exception as exc:  # noqa: BLE001 - any gateway failure is recorded, never fatal
            logger.warning("sms to user %s failed: %s", n.user_id, exc)
            Notification.update(sms_status="failed").where(Notification.id == n.id).execute()
            result.sms_failed += 1
            continue
        Notification.update(sms_status="sent").where(Notification.id == n.id).execute()
        result.sms_sent += 1
