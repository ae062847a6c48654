"""The office desk's section for replies waiting for the office's review (答复待审核)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from tracker.accounts import policy
from tracker.assignments.desk import ROWS
from tracker.replies import services as replies
from tracker.replies.models import Reply


def rows_of(ids: list[int]) -> list:
    """Those replies with their assignment, item and unit (one query), in the order given."""
    if not ids:
        return []
    by_id = {r.id: r for r in replies.awaiting_review().where(Reply.id.in_(ids))}
    return [by_id[i] for i in ids if i in by_id]


def desk_section(user: Any) -> dict | None:
    if not policy.has(user, policy.Perm.OFFICE_DESK):
        return None
    ids = replies.awaiting_review_ids()
    return {"title": _l("答复待审核"), "rows": rows_of(ids[:ROWS]), "count": len(ids),
            "list_endpoint": "assignments.desk_replies"}
