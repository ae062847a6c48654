from __future__ import annotations

from typing import Any

from tracker.reminders.models import Notification


def unread_count(user: Any) -> int:
    return (
        Notification.select()
        .where((Notification.user == user.id) & (Notification.read_at.is_null()))
        .count()
    )


def for_user(user: Any, *, unread_only: bool = False):
    query = Notification.select().where(Notification.user == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_null())
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())
