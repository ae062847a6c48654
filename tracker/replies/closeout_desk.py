"""The office desk's close-out section: feedback windows run out, 不满意 to decide, items ready to close."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from tracker.accounts import policy
from tracker.core import clock
from tracker.items.models import Item
from tracker.replies import closeout

LIMIT = 50


def desk_section(user: Any) -> dict | None:
    """Three queues for the office, each newest-due first and capped at ``LIMIT`` rows."""
    if not policy.has(user, policy.Perm.OFFICE_DESK):
        return None
    today = clock.today()
    candidates = list(Item.select().where(Item.status.in_(closeout.AFTER_REPLY_STATES)).order_by(Item.id))
    facts = closeout.closeout_many(candidates, today)
    expired, dissatisfied, ready = [], [], []
    for item in candidates:
        co = facts[item.id]
        if co.window_over and co.missing_raters:
            expired.append(co)
        if co.dissatisfied:
            dissatisfied.append(co)
        if co.closable:
            ready.append(co)
    expired.sort(key=lambda co: co.window_due)
    return {
        "title": _l("征询意见与销号"),
        "expired": expired[:LIMIT], "expired_count": len(expired),
        "dissatisfied": dissatisfied[:LIMIT], "dissatisfied_count": len(dissatisfied),
        "ready": ready[:LIMIT], "ready_count": len(ready),
        "count": len(expired) + len(dissatisfied) + len(ready),
        "limit": LIMIT,
    }
