"""The state machines of DOMAIN.md §6: table tests and properties (hypothesis)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.core.enums import AssignmentStatus as A
from tracker.core.enums import ItemStatus as I
from tracker.core.enums import ReplyStatus as R
from tracker.core.errors import InvalidTransition
from tracker.items import workflow as wf
from tracker.items.workflow import Action


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        (A.PENDING_RECEIPT, Action.RECEIVE, A.HANDLING),
        (A.HANDLING, Action.REQUEST_RETURN, A.RETURN_REQUESTED),
        (A.RETURN_REQUESTED, Action.APPROVE_RETURN, A.RETURNED),
        (A.RETURN_REQUESTED, Action.REJECT_RETURN, A.HANDLING),
        (A.HANDLING, Action.SUBMIT_OPINION, A.OPINION_SUBMITTED),
        (A.HANDLING, Action.SEND_REPLY, A.REPLIED),
        (A.REPLIED, Action.REHANDLE, A.REHANDLING),
        (A.REHANDLING, Action.SEND_REPLY, A.REPLIED),
        (A.REPLIED, Action.COMPLETE, A.DONE),
    ],
)
def test_assignment_transitions(status, action, expected):
    assert wf.assignment_next(status, action) == expected


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (A.RETURNED, Action.RECEIVE),
        (A.PENDING_RECEIPT, Action.SEND_REPLY),
        (A.DONE, Action.SEND_REPLY),
        (A.REPLIED, Action.REQUEST_RETURN),
    ],
)
def test_refused_assignment_transitions_say_why_in_chinese(status, action):
    with pytest.raises(InvalidTransition) as exc:
        wf.assignment_next(status, action)
    assert "当前状态" in exc.value.message
    assert exc.value.status == 409


@pytest.mark.parametrize(
    ("cosign", "review", "path"),
    [
        (False, False, [R.AWAITING_SIGN_OFF, R.SENT]),
        (True, False, [R.AWAITING_SIGN_OFF, R.AWAITING_COSIGN, R.SENT]),
        (False, True, [R.AWAITING_SIGN_OFF, R.AWAITING_OFFICE_REVIEW, R.SENT]),
        (True, True, [R.AWAITING_SIGN_OFF, R.AWAITING_COSIGN, R.AWAITING_OFFICE_REVIEW, R.SENT]),
    ],
)
def test_reply_pipeline(cosign, review, path):
    assert wf.reply_pipeline(needs_cosign=cosign, needs_review=review) == path
    status = wf.reply_next(R.DRAFT, Action.SUBMIT, needs_cosign=cosign, needs_review=review)
    walked = [status]
    step_action = {R.AWAITING_SIGN_OFF: Action.SIGN_OFF, R.AWAITING_COSIGN: Action.COSIGN,
                   R.AWAITING_OFFICE_REVIEW: Action.REVIEW}
    while status != R.SENT:
        status = wf.reply_next(status, step_action[status], needs_cosign=cosign, needs_review=review)
        walked.append(status)
    assert walked == path


@pytest.mark.parametrize("status", [R.AWAITING_SIGN_OFF, R.AWAITING_COSIGN, R.AWAITING_OFFICE_REVIEW])
def test_any_reviewer_may_return_to_draft(status):
    assert wf.reply_next(status, Action.RETURN, needs_cosign=True, needs_review=True) == R.DRAFT


def test_sent_reply_cannot_be_returned():
    with pytest.raises(InvalidTransition):
        wf.reply_next(R.SENT, Action.RETURN, needs_cosign=True, needs_review=True)


@pytest.mark.parametrize(
    ("answering", "feedback", "commitments", "expected"),
    [
        ([], False, False, I.ASSIGNED),
        ([A.PENDING_RECEIPT], False, False, I.ASSIGNED),
        ([A.PENDING_RECEIPT, A.HANDLING], False, False, I.IN_PROGRESS),
        ([A.REPLIED, A.HANDLING], False, False, I.IN_PROGRESS),
        ([A.REPLIED], False, False, I.REPLIED),
        ([A.REPLIED], True, True, I.FOLLOW_UP),
        ([A.REPLIED, A.DONE], True, False, I.EVALUATED),
        ([A.REHANDLING, A.REPLIED], True, False, I.REHANDLING),
        ([A.RETURNED], False, False, I.ASSIGNED),
    ],
)
def test_item_status_is_derived(answering, feedback, commitments, expected):
    assert wf.derive_item_status(I.IN_PROGRESS, answering, has_assignments=True,
                                 all_feedback_in=feedback, open_commitments=commitments) == expected


def test_an_unresolved_dissatisfaction_keeps_the_item_evaluated_until_the_office_decides():
    def derive(dissatisfied: bool, commitments: bool) -> I:
        return wf.derive_item_status(I.IN_PROGRESS, [A.REPLIED], has_assignments=True, all_feedback_in=True,
                                     open_commitments=commitments, dissatisfied_unresolved=dissatisfied)

    assert derive(True, True) == I.EVALUATED  # not 承诺跟踪 while re-handling is undecided
    assert derive(False, True) == I.FOLLOW_UP  # decided (no re-handling): the commitments are followed
    assert derive(True, False) == I.EVALUATED


def test_unassigned_item_is_registered():
    assert wf.derive_item_status(I.REGISTERED, [], has_assignments=False, all_feedback_in=False,
                                 open_commitments=False) == I.REGISTERED


# --- properties --------------------------------------------------------------------------------

assignment_actions = st.sampled_from([a for a in Action])


@settings(deadline=None, max_examples=300, database=None)
@given(st.lists(assignment_actions, max_size=30))
def test_any_action_sequence_stays_inside_the_machine(actions):
    """Random actions never reach an unknown state; refused actions leave the state unchanged."""
    status = A.PENDING_RECEIPT
    for action in actions:
        if wf.assignment_allows(status, action):
            status = wf.assignment_next(status, action)
        else:
            with pytest.raises(InvalidTransition):
                wf.assignment_next(status, action)
        assert status in set(A)
    if status == A.RETURNED:
        assert not any(wf.assignment_allows(A.RETURNED, a) for a in Action)


@settings(deadline=None, max_examples=300, database=None)
@given(st.lists(st.sampled_from([Action.SUBMIT, Action.SIGN_OFF, Action.COSIGN, Action.REVIEW, Action.RETURN]),
                max_size=30), st.booleans(), st.booleans())
def test_reply_reaches_sent_only_through_every_required_step(actions, cosign, review):
    status = R.DRAFT
    seen = []
    for action in actions:
        if status == R.SENT:
            break
        if wf.reply_allows(status, action):
            status = wf.reply_next(status, action, needs_cosign=cosign, needs_review=review)
            seen.append(status)
    if status == R.SENT:
        # the steps since the last return to draft are exactly the pipeline
        last_draft = max((i for i, s in enumerate(seen) if s == R.DRAFT), default=-1)
        assert seen[last_draft + 1:] == wf.reply_pipeline(needs_cosign=cosign, needs_review=review)


@settings(deadline=None, max_examples=300, database=None)
@given(st.lists(st.sampled_from(list(A)), max_size=6), st.booleans(), st.booleans(),
       st.sampled_from(sorted(wf.ITEM_TERMINAL)))
def test_terminal_item_states_are_never_overridden(answering, feedback, commitments, terminal):
    assert wf.derive_item_status(terminal, answering, has_assignments=True, all_feedback_in=feedback,
                                 open_commitments=commitments) == terminal
