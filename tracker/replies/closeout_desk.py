"""The office desk's close-out section: feedback windows run out, 不满意 to decide, items ready to close."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from tracker.accounts import policy
from tracker.assignments.desk import ROWS
from tracker.core import clock
from tracker.replies import closeout

QUEUES = closeout.DESK_QUEUES
QUEUE_TITLES = {"expired": _l("征询期已满、尚未反馈"), "dissatisfied": _l("不满意待决定"), "ready": _l("可以销号")}


def desk_section(user: Any) -> dict | None:
    """Three queues for the office, each most urgent first and capped at ``ROWS`` rows."""
    if not policy.has(user, policy.Perm.OFFICE_DESK):
        return None
    today = clock.today()
    queues = closeout.office_queues(today)
    shown = {q: getattr(queues, q)[:ROWS] for q in QUEUES}
    rows = {co.item.id: co for co in closeout.queue_rows([i for q in QUEUES for i in shown[q]], today)}
    context: dict[str, Any] = {"title": _l("征询意见与销号"), "limit": ROWS}
    for q in QUEUES:
        context[q] = [rows[i] for i in shown[q] if i in rows]
        context[f"{q}_count"] = queues.count(q)
    context["count"] = sum(queues.count(q) for q in QUEUES)
    return context
