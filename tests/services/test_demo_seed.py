"""The demo data of ``tracker seed-demo``: realistic volume, every state reachable today, real logins."""

from __future__ import annotations

import pytest

from tracker.accounts.models import Person, User
from tracker.assignments.models import Assignment, ReturnRequest
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.enums import AssignmentStatus, ItemKind, ItemStatus, Role, Tier
from tracker.items.models import Item, Session, Submitter
from tracker.units.models import Unit


@pytest.fixture()
def seeded(ctx):
    from tracker.demo import seed

    return seed(), None


def test_seed_creates_a_city_with_two_sessions_and_200_items(seeded):
    logins, _ = seeded
    assert Item.select().count() >= 200
    assert Unit.select().count() >= 30
    assert Unit.get(Unit.name == "市住房和城乡建设局").short_name == "市住建局"
    assert Person.select().count() >= 55
    names = {s.name: s for s in Session.select()}
    assert names["市十七届人大四次会议"].body == "npc"
    assert names["市政协十四届四次会议"].body == "cppcc"
    assert {i.kind for i in Item.select(Item.kind)} == {ItemKind.SUGGESTION.value, ItemKind.PROPOSAL.value}
    # titles differ and read like the real thing
    titles = [i.title for i in Item.select(Item.title)]
    assert len(set(titles)) == len(titles)
    assert all(t.startswith("关于") and t.endswith(("的建议", "的提案")) for t in titles)
    # one user per role, and every unit can be assigned to (a handler and a leader each)
    for role in Role:
        assert User.select().where(User.role == role.value).exists(), role
    for unit in Unit.select():
        roles = {u.role for u in User.select().where(User.unit == unit.id)}
        assert {Role.UNIT_HANDLER.value, Role.UNIT_LEADER.value} <= roles, unit.name

    # -- spread over the states, modes and tiers --
    item_states = {i.status for i in Item.select(Item.status)}
    assert {ItemStatus.REGISTERED.value, ItemStatus.ASSIGNED.value, ItemStatus.IN_PROGRESS.value} <= item_states
    assignment_states = {a.status for a in Assignment.select(Assignment.status)}
    assert {AssignmentStatus.PENDING_RECEIPT.value, AssignmentStatus.HANDLING.value,
            AssignmentStatus.RETURN_REQUESTED.value, AssignmentStatus.RETURNED.value} <= assignment_states
    # a returned assignment was reassigned to another unit
    returned = Assignment.select().where(Assignment.status == AssignmentStatus.RETURNED.value)
    for a in returned:
        assert Assignment.select().where(Assignment.reassigned_from == a.id).exists()
    assert ReturnRequest.select().where(ReturnRequest.status == "rejected").exists()
    assert {i.handling_mode for i in Item.select(Item.handling_mode)} >= {"sole", "separate", "lead_co"}
    tiers = {i.tier for i in Item.select(Item.tier)}
    assert tiers == {t.value for t in Tier}
    for item in Item.select().where(Item.tier == Tier.LEADER_LED.value):
        assert item.leader_id is not None
    assert Item.select().where(Item.is_key == True).exists()  # noqa: E712
    counts = [Submitter.select().where(Submitter.item == i.id).count() for i in Item.select()]
    assert min(counts) >= 1 and max(counts) <= 6 and len(set(counts)) >= 4
    # overdue by different amounts, and some due soon
    today = clock.today()
    owing = Assignment.select().where(Assignment.status.in_(["pending_receipt", "handling", "return_requested"]))
    late = sorted((today - a.current_due).days for a in owing if a.current_due < today)
    assert len(late) >= 10 and late[0] <= 14 and late[-1] >= 30
    assert any(0 <= (a.current_due - today).days <= 15 for a in owing)

    # -- made through the services, so the timeline is real --
    item = Item.select().where(Item.status == ItemStatus.IN_PROGRESS.value).first()
    actions = [e.action for e in AuditEntry.select().where(AuditEntry.item_id == item.id)]
    assert actions[:1] == ["registered"] and "assigned" in actions and "received" in actions
    assert AuditEntry.select().where(AuditEntry.action == "user_created").count() >= 60

    # -- the deputy's account leads several items --
    deputy = User.get(User.username == "deputy")
    assert deputy.role == Role.SUBMITTER.value and deputy.person_id
    led = Submitter.select().where((Submitter.person == deputy.person_id) & (Submitter.role == "lead")).count()
    assert led >= 3

    # -- the later stages, as far as their services are installed --
    from tracker import demo

    if demo._has(demo.handling, "record_contact", "submit_co_opinion", "request_extension"):
        from tracker.assignments.models import ExtensionRequest
        from tracker.handling.models import Contact, CoOpinion

        assert Contact.select().where(Contact.method == "meeting").exists()
        assert CoOpinion.select().count() >= 10
        assert {r.status for r in ExtensionRequest.select()} >= {"approved", "pending"}
        # the demo's units ask in time: none of its requests is flagged as late on the desk
        from tracker.handling.services import extension_request_timing

        assert {extension_request_timing(r)[0] for r in ExtensionRequest.select()} == {"on_time"}
    if demo._has(demo.replies, "draft_reply", "submit_reply", "sign_off", "cosign", "review"):
        from tracker.core.enums import ReplyStatus
        from tracker.replies.models import Reply

        assert {r.status for r in Reply.select(Reply.status)} == {s.value for s in ReplyStatus}
        assert ItemStatus.REPLIED.value in {i.status for i in Item.select(Item.status)}
    if demo._has(demo.closeout, "give_feedback", "order_rehandling", "fulfil_commitment", "close_item"):
        from tracker.replies.models import Commitment, Feedback

        states = {i.status for i in Item.select(Item.status)}
        assert {"evaluated", "follow_up", "rehandling", "closed"} <= states
        assert {f.source for f in Feedback.select(Feedback.source)} == {"online", "paper"}
        assert Feedback.select().where(Feedback.result == "dissatisfied").exists()
        assert {c.status for c in Commitment.select(Commitment.status)} >= {"open", "kept"}
        assert AssignmentStatus.REHANDLING.value in {a.status for a in Assignment.select(Assignment.status)}


def test_seed_runs_once_every_printed_login_works_and_force_tells_the_same_story(seeded, app):
    from tracker.demo import seed

    logins, _ = seeded
    assert seed() is None
    usernames = {u for u, _, _ in logins}
    assert {"admin", "office", "handler", "unitlead", "cohandler", "coleader", "leader", "deputy"} <= usernames
    assert ("handler", "Handler#2026") in {(u, p) for u, p, _ in logins}
    assert User.get(User.username == "handler").unit.name == "市住房和城乡建设局"
    assert User.get(User.username == "cohandler").unit.name == "市交通运输局"
    assert User.get(User.username == "leader").title == "副市长"
    for username, password, role_label in logins:
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, (username, role_label)
        assert client.get("/me").status_code == 200

    first = [(i.kind, i.title, i.status) for i in Item.select().order_by(Item.id)]
    logins = seed(force=True)
    assert logins is not None and Unit.select().count() == 33  # units and users are reused
    again = [(i.kind, i.title, i.status) for i in Item.select().order_by(Item.id)][len(first):]
    assert [t for _, t, _ in again] == [t for _, t, _ in first]
    numbers = [(i.session_id, i.kind, i.number) for i in Item.select()]
    assert len(numbers) == len(set(numbers))
