"""The item page's supervision panel: slips per assignment, reminders sent, the next
reminders due, and the office's 催办 form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tracker.accounts import policy
from tracker.core import clock
from tracker.items.workflow import Action
from tracker.reminders import queries, rules, services
from tracker.reminders.forms import UrgeForm


@dataclass
class PanelRow:
    a: Any
    slips: list = field(default_factory=list)
    act: str = ""
    due: dt.date | None = None
    days_overdue: int = 0
    upcoming: list = field(default_factory=list)
    urge_form: Any = None
    last_urge: Any = None
    throttled_until: dt.datetime | None = None

    @property
    def act_label(self) -> str:
        return services.ACT_LABELS.get(self.act, "")


def urge_prefix(assignment_id: int) -> str:
    return f"urge{assignment_id}"


def item_panel(item: Any, user: Any, assignments: list[Any]) -> dict | None:
    if not policy.has(user, policy.Perm.LIST_ITEMS):
        return None  # submitters see replies, not the office's supervision
    visible = [a for a in assignments if policy.can_view_assignment(user, a) and not a.is_void]
    if not visible:
        return None
    today = clock.today()
    ids = [a.id for a in visible]
    slips = queries.item_slips(ids)
    outlook = _outlook(ids, today)
    hours = services.throttle_hours()
    rows = []
    for a in visible:
        row = PanelRow(a=a, slips=slips.get(a.id, []), upcoming=outlook.get(a.id, []))
        if a.status in services.URGEABLE:
            row.act, row.due = services.owed_act(a, today)
            row.days_overdue = rules.overdue_days(row.due, today)
        manual = [s for s in row.slips if s.issued_by_id]
        row.last_urge = manual[0] if manual else None
        if row.last_urge is not None and hours:
            until = row.last_urge.issued_at + dt.timedelta(hours=hours)
            row.throttled_until = until if until > clock.now() else None
        if a.status in services.URGEABLE and not item.is_read_only and policy.can(user, Action.ISSUE_SLIP, a):
            row.urge_form = UrgeForm(prefix=urge_prefix(a.id), formdata=None)
        rows.append(row)
    sent = queries.item_reminders(item.id, ids, limit=10)
    if not any(r.slips or r.urge_form or r.upcoming for r in rows) and not sent:
        return None
    units = {a.id: a.unit.name for a in visible}
    return {"item": item, "rows": rows, "sent": sent, "units": units, "today": today, "throttle_hours": hours}


def _outlook(assignment_ids: list[int], today: dt.date) -> dict[int, list[rules.DueReminder]]:
    from tracker.reminders.sweep import load_subjects
    from tracker.rules.services import work_calendar

    specs = [s for s in services.rule_specs() if s.active]
    cal = work_calendar()
    return {
        s.assignment_id: rules.next_reminders(s.facts, today, specs, cal, limit=2)
        for s in load_subjects(today, assignment_ids)
    }
