"""Who may download which document: the same visibility as the record it is made from."""

from __future__ import annotations

from typing import Any

from tracker.accounts import policy
from tracker.core.enums import ANSWERING_ROLES, AssignmentStatus, HandlingRole, ReplyStatus

_ANSWERING = {r.value for r in ANSWERING_ROLES}


def reply_letter(user: Any, reply: Any) -> bool:
    """答复函: sent replies the user may read."""
    return reply.status == ReplyStatus.SENT.value and policy.can_view_reply(user, reply)


def feedback_form(user: Any, item: Any) -> bool:
    """征询意见表: a merged item's is on its parent's reply (and a submitter's rating of it), read by
    those who read the parent's handling (policy.reads_handling_of)."""
    return policy.can_view_item(user, item) and policy.reads_handling_of(user, item)


def own_addressees(user: Any, item: Any) -> list[Any] | None:
    """For whom the user may download an item's 征询意见表 or 答复函: a submitter only their own (their
    rows among the item's submitters); None for those who may choose any submitter (office, units)."""
    if not policy.sees_as_submitter(user, item):
        return None
    from tracker.items.models import Submitter

    return list(Submitter.select()
                .where((Submitter.item == item.id) & (Submitter.person == user.person_id))
                .order_by(Submitter.position, Submitter.id))


def assignment_document(user: Any, assignment: Any) -> bool:
    """交办通知, 催办通知, 督办通知, 申退/延期申请 of one assignment."""
    return policy.can_view_assignment(user, assignment)


def co_opinion_letter(user: Any, assignment: Any) -> bool:
    """会办意见函: the office and leaders, the co unit itself and the item's answering units."""
    if policy.can_view_assignment(user, assignment):
        return True
    if policy.role_of(user) not in policy.UNIT or user.unit_id is None:
        return False
    from tracker.assignments.models import Assignment

    return (Assignment.select()
            .where((Assignment.item == assignment.item_id) & (Assignment.unit == user.unit_id)
                   & Assignment.role.in_(list(_ANSWERING))
                   & (Assignment.status != AssignmentStatus.RETURNED.value))
            .exists())


def batch_notice(user: Any) -> bool:
    return policy.has(user, policy.Perm.OFFICE_DESK)


def dispatch_report(user: Any) -> bool:
    return policy.has(user, policy.Perm.VIEW_STATS)


def is_co(assignment: Any) -> bool:
    return assignment.role == HandlingRole.CO.value
