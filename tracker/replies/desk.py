"""The office desk's section for replies waiting for the office's review (答复待审核)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from tracker.accounts import policy
from tracker.replies import services as replies


def desk_section(user: Any) -> dict | None:
    if not policy.has(user, policy.Perm.OFFICE_DESK):
        return None
    rows = list(replies.awaiting_review())
    return {"title": _l("答复待审核"), "rows": rows, "count": len(rows)}
