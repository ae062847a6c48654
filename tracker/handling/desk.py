"""The office desk's section for extension requests (延期待审核), and its own list page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

from tracker.accounts import policy
from tracker.assignments.desk import ROWS
from tracker.assignments.models import ExtensionRequest
from tracker.handling import forms
from tracker.handling import services as handling


@dataclass
class PendingExtension:
    request: ExtensionRequest
    form: forms.ExtensionDecisionForm | None
    beyond_cap: bool
    late: bool = False  # asked for on or after the day the reply was due (the demo's old data, an API client)
    after_notice: dt.date | None = None  # asked for after this day, the last one the rules allow


def pending(*, offset: int = 0, limit: int | None = None, back: str | None = None) -> list[PendingExtension]:
    """Pending extension requests, oldest first (one query); with ``back`` (the page to return
    to after deciding), each with its inline decision form."""
    rows = []
    for req in handling.pending_extensions().offset(offset).limit(limit or ROWS):
        form = None
        if back is not None:
            form = forms.ExtensionDecisionForm(prefix=forms.decision_prefix(req.id), formdata=None)
            form.next.data = back
        timing, latest = handling.extension_request_timing(req)
        rows.append(PendingExtension(request=req, form=form,
                                     beyond_cap=req.requested_due > req.assignment.reply_due_max,
                                     late=timing == "after_due",
                                     after_notice=latest if timing == "after_notice" else None))
    return rows


def count() -> int:
    return handling.pending_extensions().order_by().count()


def desk_section(user: Any) -> dict | None:
    """The oldest pending extension requests, each with its decision form, and how many wait."""
    if not policy.has(user, policy.Perm.OFFICE_DESK):
        return None
    rows = pending(back=url_for("assignments.desk") + "#desk-extensions")
    return {"title": _l("延期待审核"), "rows": rows, "count": len(rows) if len(rows) < ROWS else count(),
            "list_endpoint": "assignments.desk_extensions"}
