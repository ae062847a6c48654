"""Queueing notifications (outbox rows). Sending them is the delivery job's work."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tracker.accounts.models import User
from tracker.core import clock
from tracker.core.enums import Role
from tracker.reminders.models import Notification, ReminderRule
from tracker.reminders.rules import DEFAULT_RULES


def ensure_default_rules() -> None:
    if ReminderRule.select().exists():
        return
    for key, label, event, offset, unit, recipients, slip in DEFAULT_RULES:
        ReminderRule.create(key=key, label=label, event=event, offset=offset, offset_unit=unit,
                            recipients=recipients, slip=slip)


def notify(users: Iterable[Any], title: str, body: str = "", *, item: Any = None,
           kind: str = "event", reminder: Any = None) -> int:
    """Queue one notification per distinct active user (in-app now, e-mail by the outbox job)."""
    seen: set[int] = set()
    rows = []
    now = clock.now()
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        rows.append({
            "user": user.id, "kind": kind, "title": title[:200], "body": body,
            "item": getattr(item, "id", item), "reminder": getattr(reminder, "id", reminder),
            "created_at": now, "email_status": "pending" if user.email else "skipped",
            "email_next_at": now,
        })
    if rows:
        Notification.insert_many(rows).execute()
    return len(rows)


def unit_users(unit_id: int, roles: Iterable[Role] = (Role.UNIT_HANDLER, Role.UNIT_LEADER)):
    return list(User.select().where(
        (User.unit == unit_id) & (User.role.in_([r.value for r in roles])) & (User.active == True)  # noqa: E712
    ))


def office_users():
    return list(User.select().where((User.role == Role.OFFICE.value) & (User.active == True)))  # noqa: E712
