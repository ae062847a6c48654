"""The state machines of items, assignments and replies (DOMAIN.md §6). PURE: no database.

Transitions are data. Services call :func:`transition` to get the next state; it raises
:class:`InvalidTransition` (409) with a Chinese message when the action is not allowed now.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from tracker.core.enums import (
    AssignmentStatus as A,
)
from tracker.core.enums import CommitmentStatus, label
from tracker.core.enums import (
    ItemStatus as I,
)
from tracker.core.enums import (
    ReplyStatus as R,
)
from tracker.core.errors import InvalidTransition


class Action(StrEnum):
    # item
    REGISTER = "register"
    EDIT = "edit"
    ASSIGN = "assign"
    CLOSE = "close"
    ARCHIVE = "archive"
    WITHDRAW = "withdraw"
    MERGE = "merge"
    INSTRUCT = "instruct"
    REHANDLE = "rehandle"
    FEEDBACK = "feedback"
    UNMERGE = "unmerge"
    # assignment
    RECEIVE = "receive"
    REQUEST_RETURN = "request_return"
    APPROVE_RETURN = "approve_return"
    REJECT_RETURN = "reject_return"
    RECORD_PROGRESS = "record_progress"
    RECORD_CONTACT = "record_contact"
    SUBMIT_OPINION = "submit_opinion"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    DRAFT_REPLY = "draft_reply"
    SEND_REPLY = "send_reply"
    COMPLETE = "complete"
    FULFIL_COMMITMENT = "fulfil_commitment"
    RECORD_PUBLICATION = "record_publication"
    ACCEPT_LATE_RETURN = "accept_late_return"
    CARRY_OVER_COMMITMENT = "carry_over_commitment"
    # reply
    SUBMIT = "submit"
    SIGN_OFF = "sign_off"
    COSIGN = "cosign"
    REVIEW = "review"
    RETURN = "return"
    # office on an assignment
    ISSUE_SLIP = "issue_slip"
    EDIT_ASSIGNMENT = "edit_assignment"
    # 三书一函 (tracker.supervision): the unit objects and reports rectification, the office
    # records the issuing body's decision on the objection and edits the document's fields
    RAISE_OBJECTION = "raise_objection"
    DECIDE_OBJECTION = "decide_objection"
    RECORD_RECTIFICATION = "record_rectification"


ACTION_LABELS = {
    Action.RECEIVE: "签收",
    Action.REQUEST_RETURN: "申请退回",
    Action.APPROVE_RETURN: "同意退回",
    Action.REJECT_RETURN: "驳回申退",
    Action.SUBMIT_OPINION: "提交会办意见",
    Action.SEND_REPLY: "发送答复",
    Action.SUBMIT: "提交领导签发",
    Action.SIGN_OFF: "签发",
    Action.COSIGN: "会签",
    Action.REVIEW: "审核",
    Action.RETURN: "退回修改",
    Action.CLOSE: "销号",
    Action.ARCHIVE: "归档",
    Action.WITHDRAW: "撤回",
    Action.MERGE: "并案",
    Action.UNMERGE: "撤销并案",
    Action.FULFIL_COMMITMENT: "兑现承诺",
    Action.RECORD_PUBLICATION: "登记公开",
    Action.ACCEPT_LATE_RETURN: "受理逾期申退",
    Action.CARRY_OVER_COMMITMENT: "结转下年",
    Action.REHANDLE: "重新办理",
    Action.COMPLETE: "办结",
    Action.RAISE_OBJECTION: "提出异议",
    Action.DECIDE_OBJECTION: "登记异议决定",
    Action.RECORD_RECTIFICATION: "登记整改情况",
}

# A marker for "the next step of the reply's pipeline" (depends on mode and tier).
NEXT = "next"

ASSIGNMENT_TRANSITIONS: dict[tuple[A, Action], A] = {
    (A.PENDING_RECEIPT, Action.RECEIVE): A.HANDLING,
    (A.PENDING_RECEIPT, Action.REQUEST_RETURN): A.RETURN_REQUESTED,
    (A.HANDLING, Action.REQUEST_RETURN): A.RETURN_REQUESTED,
    (A.RETURN_REQUESTED, Action.APPROVE_RETURN): A.RETURNED,
    (A.RETURN_REQUESTED, Action.REJECT_RETURN): A.HANDLING,
    (A.HANDLING, Action.SUBMIT_OPINION): A.OPINION_SUBMITTED,
    (A.OPINION_SUBMITTED, Action.SUBMIT_OPINION): A.OPINION_SUBMITTED,
    (A.HANDLING, Action.SEND_REPLY): A.REPLIED,
    (A.REHANDLING, Action.SEND_REPLY): A.REPLIED,
    (A.REPLIED, Action.COMPLETE): A.DONE,
    (A.OPINION_SUBMITTED, Action.COMPLETE): A.DONE,
    (A.HANDLING, Action.COMPLETE): A.DONE,  # a co unit that gave no opinion, at close-out
    (A.REPLIED, Action.REHANDLE): A.REHANDLING,
    (A.DONE, Action.REHANDLE): A.REHANDLING,
    # the item is withdrawn (撤回): every unit's part that is still open ends
    (A.PENDING_RECEIPT, Action.WITHDRAW): A.DONE,
    (A.HANDLING, Action.WITHDRAW): A.DONE,
    (A.RETURN_REQUESTED, Action.WITHDRAW): A.DONE,
    (A.REHANDLING, Action.WITHDRAW): A.DONE,
    (A.OPINION_SUBMITTED, Action.WITHDRAW): A.DONE,
    (A.REPLIED, Action.WITHDRAW): A.DONE,
}

def status_for_submitter(status: str) -> str:
    """An assignment's status as its item's submitter reads it (page and API alike). A unit's
    request to return the item is between the unit and the office: until the office decides,
    the submitter sees the item still being handled (办理中)."""
    return A.HANDLING.value if status == A.RETURN_REQUESTED.value else status


# States in which a unit may still work on the assignment (progress, contacts, drafts).
ASSIGNMENT_WORKING = frozenset({A.HANDLING, A.RETURN_REQUESTED, A.REHANDLING, A.OPINION_SUBMITTED})
ASSIGNMENT_ACTIVE = frozenset(set(A) - {A.RETURNED})
# A co unit agrees to the lead's draft (会签) only once it has sent the lead its opinion (DOMAIN
# §2, §5: the lead's reply states the co units' opinions); it may send a draft back once it has
# signed for the item.
CO_MAY_APPROVE_DRAFT = frozenset({A.OPINION_SUBMITTED, A.DONE})
CO_MAY_RETURN_DRAFT = frozenset({A.HANDLING, A.OPINION_SUBMITTED, A.DONE})

REPLY_TRANSITIONS: dict[tuple[R, Action], R | str] = {
    (R.DRAFT, Action.SUBMIT): R.AWAITING_SIGN_OFF,
    (R.AWAITING_SIGN_OFF, Action.SIGN_OFF): NEXT,
    (R.AWAITING_COSIGN, Action.COSIGN): NEXT,
    (R.AWAITING_OFFICE_REVIEW, Action.REVIEW): NEXT,
    (R.AWAITING_SIGN_OFF, Action.RETURN): R.DRAFT,
    (R.AWAITING_COSIGN, Action.RETURN): R.DRAFT,
    (R.AWAITING_OFFICE_REVIEW, Action.RETURN): R.DRAFT,
}

ITEM_TRANSITIONS: dict[tuple[I, Action], I] = {
    (I.EVALUATED, Action.CLOSE): I.CLOSED,
    (I.FOLLOW_UP, Action.CLOSE): I.CLOSED,
    (I.REPLIED, Action.CLOSE): I.CLOSED,
    (I.CLOSED, Action.ARCHIVE): I.ARCHIVED,
    (I.REGISTERED, Action.WITHDRAW): I.WITHDRAWN,
    (I.ASSIGNED, Action.WITHDRAW): I.WITHDRAWN,
    (I.IN_PROGRESS, Action.WITHDRAW): I.WITHDRAWN,
    (I.REGISTERED, Action.MERGE): I.MERGED,
    (I.ASSIGNED, Action.MERGE): I.MERGED,
    (I.IN_PROGRESS, Action.MERGE): I.MERGED,
    (I.MERGED, Action.UNMERGE): I.REGISTERED,  # then derived from its assignments
}

# Item statuses from which the item may be withdrawn (before it is answered).
ITEM_WITHDRAWABLE = frozenset(s for (s, action) in ITEM_TRANSITIONS if action == Action.WITHDRAW)

# Item statuses that the derivation never overrides (set only by explicit transitions).
ITEM_TERMINAL = frozenset({I.CLOSED, I.ARCHIVED, I.WITHDRAWN, I.MERGED})
# Closed and later: read-only.
ITEM_READ_ONLY = frozenset({I.CLOSED, I.ARCHIVED, I.WITHDRAWN, I.MERGED})


def _refuse(obj_label: str, status: StrEnum, action: Action) -> InvalidTransition:
    act = ACTION_LABELS.get(action, action.value)
    return InvalidTransition(f"{obj_label}当前状态为“{label(status)}”，不能执行“{act}”")


def assignment_next(status: A, action: Action) -> A:
    try:
        return ASSIGNMENT_TRANSITIONS[(A(status), action)]
    except KeyError:
        raise _refuse("承办任务", A(status), action) from None


def assignment_allows(status: A, action: Action) -> bool:
    return (A(status), action) in ASSIGNMENT_TRANSITIONS


def item_next(status: I, action: Action) -> I:
    try:
        return ITEM_TRANSITIONS[(I(status), action)]
    except KeyError:
        raise _refuse("该件", I(status), action) from None


def item_allows(status: I, action: Action) -> bool:
    return (I(status), action) in ITEM_TRANSITIONS


def reply_pipeline(*, needs_cosign: bool, needs_review: bool) -> list[R]:
    """The ordered states a reply passes through after drafting, ending with SENT."""
    steps = [R.AWAITING_SIGN_OFF]
    if needs_cosign:
        steps.append(R.AWAITING_COSIGN)
    if needs_review:
        steps.append(R.AWAITING_OFFICE_REVIEW)
    steps.append(R.SENT)
    return steps


def reply_next(status: R, action: Action, *, needs_cosign: bool, needs_review: bool) -> R:
    try:
        target = REPLY_TRANSITIONS[(R(status), action)]
    except KeyError:
        raise _refuse("答复", R(status), action) from None
    if target != NEXT:
        return R(target)
    pipeline = reply_pipeline(needs_cosign=needs_cosign, needs_review=needs_review)
    return pipeline[pipeline.index(R(status)) + 1]


def reply_allows(status: R, action: Action) -> bool:
    return (R(status), action) in REPLY_TRANSITIONS


def derive_item_status(
    current: I,
    answering: Iterable[A],
    *,
    has_assignments: bool,
    all_feedback_in: bool,
    open_commitments: bool,
    feedback_applies: bool = True,
    dissatisfied_unresolved: bool = False,
) -> I:
    """The item's status from its answering assignments (DOMAIN.md §6).

    ``answering`` are the statuses of the lead/sole/separate assignments that are not void.
    Terminal statuses (closed, archived, withdrawn, merged) are kept as they are. Where
    feedback does not apply (三书一函), a replied item stays ``replied`` (``follow_up`` while
    commitments are open): it is never ``evaluated``. An item rated 不满意 stays ``evaluated``
    until the office re-handles it or decides not to (``dissatisfied_unresolved``), open
    commitments or not: follow-up comes after that decision.
    """
    if current in ITEM_TERMINAL:
        return current
    statuses = [A(s) for s in answering if A(s) != A.RETURNED]
    if not statuses:
        return I.ASSIGNED if has_assignments else I.REGISTERED
    if any(s == A.REHANDLING for s in statuses):
        return I.REHANDLING
    if all(s == A.PENDING_RECEIPT for s in statuses):
        return I.ASSIGNED
    if not all(s in (A.REPLIED, A.DONE) for s in statuses):
        return I.IN_PROGRESS
    if not feedback_applies:
        return I.FOLLOW_UP if open_commitments else I.REPLIED
    if not all_feedback_in:
        return I.REPLIED
    if open_commitments and not dissatisfied_unresolved:
        return I.FOLLOW_UP
    return I.EVALUATED


# Commitments (承诺事项): open until kept; open ones at year end may be carried over with a reason.
COMMITMENT_TRANSITIONS: dict[tuple[CommitmentStatus, Action], CommitmentStatus] = {
    (CommitmentStatus.OPEN, Action.FULFIL_COMMITMENT): CommitmentStatus.KEPT,
    (CommitmentStatus.CARRIED_OVER, Action.FULFIL_COMMITMENT): CommitmentStatus.KEPT,
    (CommitmentStatus.OPEN, Action.CARRY_OVER_COMMITMENT): CommitmentStatus.CARRIED_OVER,
}


def commitment_next(status: CommitmentStatus, action: Action) -> CommitmentStatus:
    try:
        return COMMITMENT_TRANSITIONS[(CommitmentStatus(status), action)]
    except KeyError:
        raise _refuse("承诺事项", CommitmentStatus(status), action) from None


def commitment_allows(status: CommitmentStatus, action: Action) -> bool:
    return (CommitmentStatus(status), action) in COMMITMENT_TRANSITIONS
