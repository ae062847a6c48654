"""The item page's handling panel: leader instructions, and per assignment the user may see its
progress notes, contacts, co opinions and extension requests, with the forms the user may use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for

from tracker.accounts import policy
from tracker.assignments import deadlines
from tracker.assignments.models import Assignment, ExtensionRequest
from tracker.core import clock
from tracker.core.enums import AssignmentStatus, HandlingRole, RequestStatus
from tracker.handling import forms
from tracker.handling import services as handling
from tracker.handling.models import Contact, ProgressNote
from tracker.items import instructions, workflow
from tracker.items.workflow import Action


@dataclass
class HandlingRow:
    a: Assignment
    notes: list[ProgressNote]
    contacts: list[Contact]
    extensions: list[ExtensionRequest]
    opinions: list[dict] = field(default_factory=list)
    pending_extension: ExtensionRequest | None = None
    progress_form: Any = None
    contact_form: Any = None
    opinion_form: Any = None
    extension_form: Any = None
    decision_form: Any = None
    extension_request_by: Any = None
    opinion_overdue_days: int = 0
    extension_closed: bool = False

    @property
    def has_forms(self) -> bool:
        return any((self.progress_form, self.contact_form, self.opinion_form, self.extension_form,
                    self.extension_closed))


def _row(a: Assignment, user: Any, item: Any, today, lead_sent: bool, record: tuple[dict, dict, dict]) -> HandlingRow:
    writable = not item.is_read_only
    status = AssignmentStatus(a.status)
    notes, contacts, extension_requests = record
    extensions = extension_requests[a.id]
    pending = next((r for r in extensions if r.status == RequestStatus.PENDING.value), None)
    row = HandlingRow(a=a, notes=notes[a.id], contacts=contacts[a.id],
                      extensions=extensions, pending_extension=pending)
    prefix = forms.prefix_for(a.id)
    recording = writable and status in handling.RECORDING_STATES
    if recording and policy.can(user, Action.RECORD_PROGRESS, a):
        row.progress_form = forms.ProgressForm(prefix=prefix, formdata=None)
    if recording and policy.can(user, Action.RECORD_CONTACT, a):
        row.contact_form = forms.ContactForm(prefix=prefix, formdata=None)
        row.contact_form.contact_on.data = today
    if (writable and not lead_sent and policy.can(user, Action.SUBMIT_OPINION, a)
            and workflow.assignment_allows(status, Action.SUBMIT_OPINION)):
        row.opinion_form = forms.CoOpinionForm(prefix=prefix, formdata=None)
    if (writable and pending is None and status in handling.EXTENSION_STATES
            and policy.can(user, Action.REQUEST_EXTENSION, a)):
        row.extension_request_by = handling.extension_deadline(a)
        if handling.extension_window_open(a, today):
            row.extension_form = forms.ExtensionRequestForm(prefix=prefix, formdata=None)
        else:  # the server would refuse it: say so instead of offering the form
            row.extension_closed = True
    if writable and pending is not None and policy.can(user, Action.DECIDE_EXTENSION, a):
        row.decision_form = forms.ExtensionDecisionForm(prefix=forms.decision_prefix(pending.id), formdata=None)
        row.decision_form.next.data = url_for("items.show", item_id=item.id) + f"#handling-{a.id}"
    if a.is_co and a.opinion_submitted_on is None and status != AssignmentStatus.RETURNED:
        row.opinion_overdue_days = deadlines.days_overdue(a.co_opinion_due, today)
    return row


def _sees_co_opinions(user: Any, assignments: list[Assignment]) -> bool:
    """The office, leaders and the lead unit see every co unit's opinion."""
    if policy.has(user, policy.Perm.VIEW_ALL_ITEMS):
        return True
    return any(a.role == HandlingRole.LEAD.value and not a.is_void and user.unit_id == a.unit_id
               for a in assignments)


def item_panel(item: Any, user: Any, assignments: list[Assignment]) -> dict | None:
    sees_all = policy.has(user, policy.Perm.VIEW_ALL_ITEMS)
    visible = [a for a in assignments if not a.is_void and policy.can_view_assignment(user, a)]
    if not sees_all and not visible:
        return None  # submitters: the handling record is internal
    today = clock.today()
    lead_sent = handling.lead_reply_sent(item)
    record = handling.record_of([a.id for a in visible])
    rows = [_row(a, user, item, today, lead_sent, record) for a in visible]
    all_opinions = handling.co_opinion_rows(item)
    for row in rows:
        row.opinions = [o for o in all_opinions if o["assignment"].id == row.a.id]
    instruction_form = None
    if policy.can(user, Action.INSTRUCT, item) and not item.is_read_only:
        instruction_form = forms.InstructionForm(formdata=None)
    co_rows = [a for a in assignments if a.is_co and not a.is_void]
    return {
        "item": item,
        "rows": rows,
        "instructions": instructions.instructions_of(item),
        "instruction_form": instruction_form,
        "co_opinions": all_opinions if _sees_co_opinions(user, assignments) else [],
        "co_assignments": co_rows if _sees_co_opinions(user, assignments) else [],
        "today": today,
    }
