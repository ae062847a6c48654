"""The office desk's first section: return requests (申退) waiting for a decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from tracker.accounts import policy
from tracker.assignments import services
from tracker.assignments.forms import DecisionForm, default_task
from tracker.assignments.models import ReturnRequest
from tracker.core import clock


@dataclass
class PendingReturn:
    request: ReturnRequest
    form: DecisionForm
    overdue_days: int  # days past the office's decision date (0 when not late)


def decision_form(req: ReturnRequest, *, formdata: Any = None) -> DecisionForm:
    """The approve/reject form of one request, prefixed so several fit on one page."""
    from tracker.assessment.services import active_scorecards, default_scorecard
    from tracker.units.models import Unit

    a = req.assignment
    if formdata is None:
        form = DecisionForm(prefix=f"rr{req.id}", formdata=None)
        form.task.data = default_task(a.role, a.item)
        preview = services.preview_dates(a.item, a.role)
        form.reply_due.data = _date(preview["reply_due"]["date"])
        card = default_scorecard("co" if a.is_co else "lead")
        form.scorecard_id.data = card.id if card else None
    else:
        form = DecisionForm(prefix=f"rr{req.id}", formdata=formdata)
    form.set_choices(units=list(Unit.active_ordered()), scorecards=list(active_scorecards()),
                     exclude_unit_id=a.unit_id)
    return form


def _date(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


def desk_section(user: Any) -> dict | None:
    """Pending return requests, oldest first, each with its decision form."""
    if not policy.can(user, policy.Perm.OFFICE_DESK):
        return None
    today = clock.today()
    rows = []
    for req in services.pending_return_requests():
        late = (today - req.decision_due).days if req.decision_due and req.decision_due < today else 0
        rows.append(PendingReturn(request=req, form=decision_form(req), overdue_days=late))
    return {"title": _l("申退待审核"), "rows": rows, "count": len(rows)}
