"""The office desk's first section: return requests (申退) waiting for a decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from tracker.accounts import policy
from tracker.assignments import services
from tracker.assignments.desk import ROWS
from tracker.assignments.forms import DecisionForm, default_task, handler_choices_by_unit
from tracker.assignments.models import ReturnRequest
from tracker.core import clock


@dataclass
class PendingReturn:
    request: ReturnRequest
    form: DecisionForm | None
    overdue_days: int  # days past the office's decision date (0 when not late)


@dataclass
class DecisionChoices:
    """What every decision form of a page offers, read once for the page."""

    units: list
    scorecards: list
    handlers: list
    default_cards: dict[str, Any]

    @classmethod
    def load(cls) -> DecisionChoices:
        from tracker.assessment.services import active_scorecards, default_scorecard
        from tracker.units.models import Unit

        units = list(Unit.active_ordered())
        return cls(units=units, scorecards=list(active_scorecards()), handlers=handler_choices_by_unit(units),
                   default_cards={k: default_scorecard(k) for k in ("lead", "co")})


def decision_form(req: ReturnRequest, *, formdata: Any = None, choices: DecisionChoices | None = None) -> DecisionForm:
    """The approve/reject form of one request, prefixed so several fit on one page."""
    choices = choices or DecisionChoices.load()
    a = req.assignment
    if formdata is None:
        form = DecisionForm(prefix=f"rr{req.id}", formdata=None)
        form.task.data = default_task(a.role, a.item)
        preview = services.preview_dates(a.item, a.role)
        form.reply_due.data = _date(preview["reply_due"]["date"])
        card = choices.default_cards["co" if a.is_co else "lead"]
        form.scorecard_id.data = card.id if card else None
    else:
        form = DecisionForm(prefix=f"rr{req.id}", formdata=formdata)
    form.set_choices(units=choices.units, scorecards=choices.scorecards, exclude_unit_id=a.unit_id,
                     handlers=choices.handlers)
    return form


def _date(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


def pending(*, offset: int = 0, limit: int | None = None, forms: bool = False) -> list[PendingReturn]:
    """Pending return requests, oldest first (one query), with decision forms when asked."""
    today = clock.today()
    choices = DecisionChoices.load() if forms else None
    rows = []
    for req in services.pending_return_requests().offset(offset).limit(limit or ROWS):
        late = (today - req.decision_due).days if req.decision_due and req.decision_due < today else 0
        rows.append(PendingReturn(request=req, form=decision_form(req, choices=choices) if forms else None,
                                  overdue_days=late))
    return rows


def count() -> int:
    return services.pending_return_requests().order_by().count()


def desk_section(user: Any) -> dict | None:
    """The oldest pending return requests, each with its decision form, and how many wait."""
    if not policy.can(user, policy.Perm.OFFICE_DESK):
        return None
    return {"title": _l("申退待审核"), "rows": pending(forms=True), "count": count(),
            "list_endpoint": "assignments.desk_returns_list"}
