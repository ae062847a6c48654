"""The item page's reply panel, and the view of one reply (also used by the reply page): per
assignment and round the replies this user may see, with their cosign state, attachments,
commitments and return reasons, and the forms of the actions the user may take now."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracker.accounts import policy
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core.enums import ReplyStatus
from tracker.replies import attachments as reply_files
from tracker.replies import forms, publication
from tracker.replies import services as replies
from tracker.replies.models import Attachment, Reply


@dataclass
class ReplyView:
    reply: Reply
    actions: set[str]
    steps: list[ReplyStatus]
    commitments: list[dict]
    attachments: list[Attachment]
    cosigns: list[dict]
    returns: list[AuditEntry]
    class_changes: list[AuditEntry]
    decision: Any = None
    submit: Any = None
    publication: Any = None  # publication.PublicationState of a sent reply
    publication_form: Any = None
    cosign_note: str = ""  # why this co unit cannot agree to the draft yet
    unmet_before_reply: list[str] = field(default_factory=list)  # "3+1" entries to check before sending
    internal: bool = True  # the reader reads the replying unit's records: its workflow, who signed

    @property
    def status(self) -> ReplyStatus:
        return ReplyStatus(self.reply.status)

    def step_state(self, step: ReplyStatus) -> str:
        """done / current / todo, for the progress strip."""
        order = [ReplyStatus.DRAFT, *self.steps]
        here = order.index(self.status)
        there = order.index(step)
        if there < here or self.status == ReplyStatus.SENT:
            return "done"
        return "current" if there == here else "todo"


def reply_view(reply: Reply, user: Any, *, decision: Any = None, publication_form: Any = None) -> ReplyView:
    """Everything a page shows about one reply for this user (``decision``, ``publication_form``:
    a form with errors)."""
    actions = replies.allowed_actions(user, reply)
    view = ReplyView(
        reply=reply, actions=actions, steps=replies.pipeline(reply),
        commitments=replies.commitments_of(reply), attachments=reply_files.attachments_of(reply),
        cosigns=replies.cosign_status_for(user, reply), returns=replies.return_history(reply),
        class_changes=[e for e in AuditEntry.select().where(
            (AuditEntry.object_type == "reply") & (AuditEntry.object_id == reply.id)
            & (AuditEntry.action == "reply_reviewed")).order_by(AuditEntry.id) if e.before],
    )
    view.internal = policy.sees_records_of(user, reply.assignment)
    if not view.internal:
        _outsider_view(view, user)
    view.cosign_note = replies.cosign_note(user, reply)
    if actions & {"sign_off", "cosign", "review"}:
        view.decision = decision or forms.decision_form_for(reply)
    if actions & {"sign_off", "review"}:
        from tracker.replies import closeout

        view.unmet_before_reply = closeout.unmet_before_reply(reply.assignment)
    if "submit" in actions:
        view.submit = forms.submit_form_for(reply)
    view.publication = publication.state(reply)
    if view.publication is not None and publication.can_record(user, reply) and not reply.assignment.item.is_read_only:
        view.publication_form = publication_form or forms.publication_form_for(reply)
    return view


def _outsider_view(view: ReplyView, user: Any) -> None:
    """What a reader who does not read the replying unit's records (a co unit, a submitter) sees of
    a reply: its text, class, commitments and attachments — not the steps it went through, who
    signed it off or reviewed it, the send-back reasons or class changes; a co unit its own
    send-backs only (policy.record_units; its own co-signature: replies.cosign_status_for)."""
    view.steps, view.class_changes = [], []
    unit_id = user.unit_id if policy.role_of(user) in policy.UNIT else None
    if unit_id is None or not view.returns:
        view.returns = []
        return
    from tracker.accounts.models import User

    own = {i for (i,) in User.select(User.id).where(User.unit == unit_id).tuples()}
    view.returns = [e for e in view.returns if e.actor_id in own]


@dataclass
class AssignmentReplies:
    a: Assignment
    views: list[ReplyView] = field(default_factory=list)
    can_start: bool = False


def item_panel(item: Any, user: Any, assignments: list[Assignment]) -> dict | None:
    rows = []
    for a in assignments:
        if a.is_co or a.is_void:
            continue
        views = [reply_view(r, user) for r in replies.visible_replies(user, a)]
        can_start = replies.can_start_reply(user, a)
        if views or can_start or policy.can_view_assignment(user, a):
            rows.append(AssignmentReplies(a=a, views=views, can_start=can_start))
    if not rows:
        return None
    return {"item": item, "rows": rows, "classes": dict(replies.class_choices())}
