"""The item page's 三书一函 panel: the document's fields, and per answering unit its objection (with
the issuing body's decision) and its rectification report, with the forms the user may use now.

Receipt, the reply (回复/整改情况报告, through the shared reply pipeline), reminders and close-out
are the other panels of the item page; this one only adds what the documents have of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracker.accounts import policy
from tracker.assignments.models import Assignment
from tracker.core.enums import ObjectionStatus, is_supervision_kind
from tracker.items.workflow import Action
from tracker.supervision import forms, rules
from tracker.supervision import services as supervision
from tracker.supervision.models import Objection, Rectification


def prefix_for(assignment_id: int) -> str:
    return f"sv{assignment_id}"


@dataclass
class UnitRow:
    a: Assignment
    objections: list[Objection] = field(default_factory=list)
    rectification: Rectification | None = None
    objection_form: Any = None
    decision_form: Any = None
    pending: Objection | None = None
    rectification_form: Any = None


def rectification_form(a: Assignment, existing: Rectification | None, *, formdata: Any = None):
    form = forms.RectificationForm(prefix=prefix_for(a.id), formdata=formdata)
    if formdata is None and existing is not None:
        form.measures.data = existing.measures
        form.sector_governance.data = existing.sector_governance
        form.sector_governance_note.data = existing.sector_governance_note
        form.long_term_mechanism.data = existing.long_term_mechanism
        form.long_term_mechanism_note.data = existing.long_term_mechanism_note
        form.version.data = existing.version
    return form


def item_panel(item: Any, user: Any, assignments: list[Assignment]) -> dict | None:
    if not is_supervision_kind(item.kind):
        return None
    sees_all = policy.has(user, policy.Perm.VIEW_ALL_ITEMS)
    visible = [a for a in assignments
               if a.role in supervision.ANSWERING and not a.is_void and policy.can_view_assignment(user, a)]
    if not sees_all and not visible:
        return None
    writable = not item.is_read_only
    rows = []
    for a in visible:
        row = UnitRow(a=a, objections=supervision.objections_of(a), rectification=supervision.rectification_of(a))
        row.pending = next((o for o in row.objections if o.status == ObjectionStatus.PENDING.value), None)
        if supervision.can_raise_objection(user, a):
            row.objection_form = forms.ObjectionForm(prefix=prefix_for(a.id), formdata=None)
        if writable and row.pending is not None and policy.can(user, Action.DECIDE_OBJECTION, a):
            row.decision_form = forms.ObjectionDecisionForm(prefix=prefix_for(a.id), formdata=None)
            row.decision_form.version.data = row.pending.version
        if supervision.can_record_rectification(user, a):
            row.rectification_form = rectification_form(a, row.rectification)
        rows.append(row)
    doc = supervision.document_of(item)
    return {
        "item": item,
        "doc": doc,
        "has_case_code": rules.has_case_code(item.kind),
        "reply_noun": rules.REPLY_NOUN.get(item.kind, "回复"),
        "can_edit": writable and policy.can(user, Action.EDIT, item),
        "rows": rows,
        "sees_all": sees_all,
    }
