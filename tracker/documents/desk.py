"""The office desk's "交办通知" section: the latest assignment days, each with its batch notice."""

from __future__ import annotations

from typing import Any

import peewee as pw
from flask_babel import lazy_gettext as _l

from tracker.documents import policy as may

RECENT_DAYS = 6


def desk_section(user: Any) -> dict | None:
    if not may.batch_notice(user):
        return None
    from tracker.assignments.models import Assignment
    from tracker.items.models import Item, Session

    # The 6 latest (session, day) groups lie within the 6 latest days: find those days on the
    # assignments alone (an index, migration 010), then group only their rows (grouping every
    # assignment joined with its item and session took ~260 ms at 300,000 assignments). The
    # days as a list, not ">= the earliest": SQLite cannot tell how few rows a range on a
    # parameter holds and walked every item instead of the index (355 -> 8 ms).
    days = [d for (d,) in Assignment.select(Assignment.assigned_on).distinct()
            .order_by(Assignment.assigned_on.desc()).limit(RECENT_DAYS).tuples()]
    if not days:
        return None
    rows = list(
        Assignment.select(Item.session, Session.name, Assignment.assigned_on,
                          pw.fn.COUNT(pw.fn.DISTINCT(Assignment.item)).alias("n"))
        .join(Item, on=(Assignment.item == Item.id))
        .join(Session, on=(Item.session == Session.id))
        .where(Assignment.assigned_on.in_(days))
        .group_by(Item.session, Session.name, Assignment.assigned_on)
        .order_by(Assignment.assigned_on.desc(), Item.session.desc())
        .limit(RECENT_DAYS)
        .tuples()
    )
    if not rows:
        return None
    return {"title": _l("交办通知"), "rows": [{"session_id": sid, "session": name, "day": day, "count": n}
                                          for sid, name, day, n in rows]}
