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


def test_seed_tells_each_story_in_time(seeded):
    """Each step of the story happened at its own moment in the past (clock.frozen_at), not all
    at the minute the seed ran."""
    import datetime as dt

    from tracker.reminders.models import Notification

    now = clock.now()
    today = clock.today()
    # nothing later than the real now; the story's last day is before today
    assert not AuditEntry.select().where(AuditEntry.at > now).exists()
    assert not Notification.select().where(Notification.created_at > now).exists()
    item_entries = AuditEntry.select().where(AuditEntry.item_id.is_null(False))
    assert all(clock.local_date(e.at) < today for e in item_entries)
    # steps in office hours, in the order they were written, spread over days
    by_item: dict[int, list[AuditEntry]] = {}
    for e in item_entries.order_by(AuditEntry.id):
        by_item.setdefault(e.item_id, []).append(e)
        local = clock.to_local(e.at)
        assert dt.time(9, 0) <= local.time() < dt.time(20, 0), (e.action, local)  # office hours (or a bit late)
    for entries in by_item.values():
        assert [e.at for e in entries] == sorted(e.at for e in entries), entries[0].item_id
    handled = [i.id for i in Item.select().where(Item.status != ItemStatus.REGISTERED.value)]
    spread = [len({clock.local_date(e.at) for e in by_item[i]}) for i in handled]
    assert sum(1 for n in spread if n >= 3) >= len(handled) * 0.6 and max(spread) >= 10
    for item_id, entries in by_item.items():  # registered before assigned before signed for
        actions = [e.action for e in entries]
        if "received" in actions:
            days = {a: clock.local_date(next(e.at for e in entries if e.action == a))
                    for a in ("registered", "assigned", "received")}
            assert days["registered"] <= days["assigned"] <= days["received"], item_id
    for item in Item.select():
        registered_on = clock.local_date(item.registered_at)
        assert item.received_on <= registered_on < today, item.id
    # 签收: most units sign within the 2 working days, a few late
    receipts = [e.detail for e in AuditEntry.select().where(AuditEntry.action == "received")]
    late = [d for d in receipts if "逾期签收" in d]
    assert receipts and 1 <= len(late) <= len(receipts) * 0.2
    for a in Assignment.select().where(Assignment.received_at.is_null(False)):
        assert clock.local_date(a.received_at) >= a.assigned_on

    from tracker import demo

    if not demo._has(demo.replies, "draft_reply", "submit_reply", "sign_off"):
        return
    from tracker.replies.models import Reply

    sent = list(Reply.select().where(Reply.sent_on.is_null(False)))
    assert sent
    for r in sent:
        a = r.assignment
        assert a.assigned_on < r.sent_on < today and clock.local_date(r.sent_at) == r.sent_on, r.id
        assert clock.local_date(r.created_at) <= r.sent_on
    assert len({r.sent_on for r in sent}) >= len(sent) // 3  # sent on many different days
    # replies still in the pipeline are recent
    for r in Reply.select().where(Reply.sent_on.is_null()):
        assert (today - clock.local_date(r.created_at)).days <= 31, r.id
    if not demo._has(demo.closeout, "give_feedback", "office_queues"):
        return
    from tracker.replies import closeout
    from tracker.replies.models import Commitment, Feedback

    # a few sent replies nobody rated in time: the office's "征询期已过" queue
    assert closeout.office_queues().expired
    # every rating after the reply, inside the feedback window
    for fb in Feedback.select().where(Feedback.round == 1):
        co = closeout.closeout_for(fb.item)
        rated_on = clock.local_date(fb.created_at)
        firsts = [r.sent_on for r in Reply.select().join(Assignment).where(
            (Assignment.item == fb.item_id) & (Reply.round == 1) & Reply.sent_on.is_null(False))]
        assert max(firsts) <= rated_on, fb.id
        if co.round == 1 and co.window_due:
            assert rated_on <= co.window_due, fb.id
    # some evaluated items were sent long enough ago that their window has passed
    assert any(closeout.closeout_for(i).window_over for i in Item.select().where(
        Item.status.in_([ItemStatus.EVALUATED.value, ItemStatus.CLOSED.value, ItemStatus.ARCHIVED.value])))
    for c in Commitment.select():
        assert c.due_on > c.reply.sent_on
        if c.fulfilled_on:
            assert c.reply.sent_on <= c.fulfilled_on < today
    for item in Item.select().where(Item.closed_at.is_null(False)):
        last_rating = max(clock.local_date(f.created_at) for f in Feedback.select().where(Feedback.item == item.id))
        assert last_rating <= clock.local_date(item.closed_at) < today


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
