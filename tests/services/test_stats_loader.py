"""The facts loader (stats_queries.load_facts) on the records' edge cases: instants near the
local midnight, replies without a sent date, rounds of replies and of feedback, co opinions,
shared contacts and slips, filters, and the garbage collector left as it was found."""

from __future__ import annotations

import datetime as dt
import gc

import pytest

from tests import stats_builders as b
from tracker.assignments.models import Assignment
from tracker.core import clock
from tracker.core.enums import AssignmentStatus, ItemStatus, ReplyStatus
from tracker.ledger import stats
from tracker.ledger.stats_queries import StatsFilter, load_facts
from tracker.replies.models import Reply

D = dt.date
UTC = dt.UTC


def _sent_reply(a: Assignment, *, sent_at: dt.datetime, sent_on: dt.date | None, round: int = 1,
                result_class: str = "A", publish: str = "full", published_on: dt.date | None = None,
                status: str = ReplyStatus.SENT.value) -> Reply:
    return Reply.create(assignment=a, round=round, status=status, result_class=result_class, text="答复正文",
                        publish=publish, created_by=b.factories.office(), created_at=sent_at, updated_at=sent_at,
                        sent_at=sent_at, sent_on=sent_on, published_on=published_on)


@pytest.fixture()
def world(f):
    ns = type("World", (), {})()
    ns.u1 = f.unit("市住房和城乡建设局")
    ns.u2 = f.unit("市交通运输局")
    ns.session = f.session(name="市十七届人大四次会议", year=2026)
    s = ns.session

    # received 23:59 and 00:00 local time (15:59 / 16:00 UTC): two different local days
    ns.i1 = b.item(s, "1", submitters=("张代表", "李代表", "王代表"), is_key=True)
    ns.a1 = b.assignment(ns.i1, ns.u1, assigned_on=D(2026, 3, 1), reply_due=D(2026, 6, 1))
    ns.i2 = b.item(s, "2")
    ns.a2 = b.assignment(ns.i2, ns.u2, assigned_on=D(2026, 3, 1), reply_due=D(2026, 6, 1), extended_due=D(2026, 7, 1))
    Assignment.update(received_at=dt.datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)).where(
        Assignment.id == ns.a1.id).execute()
    Assignment.update(received_at=dt.datetime(2026, 3, 1, 16, 0, 0, tzinfo=UTC)).where(
        Assignment.id == ns.a2.id).execute()

    # a1: round 1 sent without a sent date (sent 00:30 local on 05-20), round 2 sent on 06-05
    # (class B, not published): replied on 05-20, class and publication from round 2
    _sent_reply(ns.a1, sent_at=dt.datetime(2026, 5, 19, 16, 30, tzinfo=UTC), sent_on=None, result_class="A",
                published_on=D(2026, 5, 25))
    _sent_reply(ns.a1, sent_at=dt.datetime(2026, 6, 5, 2, 0, tzinfo=UTC), sent_on=D(2026, 6, 5), round=2,
                result_class="B", publish="none")
    Assignment.update(status=AssignmentStatus.REPLIED.value, replied_on=D(2026, 6, 5)).where(
        Assignment.id == ns.a1.id).execute()
    # a draft reply and its commitment do not count
    draft = _sent_reply(ns.a2, sent_at=dt.datetime(2026, 5, 1, 2, 0, tzinfo=UTC), sent_on=D(2026, 5, 1),
                        status=ReplyStatus.DRAFT.value)
    b.commitment(draft, D(2026, 6, 1))
    # a2 marked replied on 05-30 but no sent reply on record: the recorded date counts
    Assignment.update(status=AssignmentStatus.DONE.value, replied_on=D(2026, 5, 30)).where(
        Assignment.id == ns.a2.id).execute()

    # feedback on item 1: 张 round 1 returned, round 2 window expired (no form); 李 round 1 window
    # expired, round 2 returned at 00:10 local on 06-10 (a form of 06-10); 王 round 1 returned
    b.feedback(ns.i1, "张代表", "satisfied", "satisfied", round=1, on=D(2026, 6, 1))
    b.feedback(ns.i1, "张代表", "no_opinion", "no_opinion", round=2, source="window_expired", on=D(2026, 6, 20))
    b.feedback(ns.i1, "李代表", "no_opinion", "no_opinion", round=1, source="window_expired", on=D(2026, 6, 1))
    late = b.feedback(ns.i1, "李代表", "basically_satisfied", "satisfied", round=2)
    late.created_at = dt.datetime(2026, 6, 9, 16, 10, tzinfo=UTC)
    late.save()
    b.feedback(ns.i1, "王代表", "dissatisfied", "basically_satisfied", round=1, on=D(2026, 6, 3))

    # equal contacts and slips on two assignments; contacts in date order
    b.contact(ns.a1, D(2026, 4, 2), "phone")
    b.contact(ns.a1, D(2026, 4, 1), "meeting")
    b.contact(ns.a2, D(2026, 4, 1), "meeting")
    b.slip(ns.a1, "blue", D(2026, 6, 2))
    b.slip(ns.a2, "blue", D(2026, 6, 2))

    # co on item 2: two opinions, the first on 04-03, the assignment's date a later one
    ns.c2 = b.assignment(ns.i2, ns.u1, role="co", assigned_on=D(2026, 3, 1), reply_due=D(2026, 6, 1),
                         co_opinion_due=D(2026, 4, 10))
    b.co_opinion(ns.c2, D(2026, 4, 3))
    b.co_opinion(ns.c2, D(2026, 4, 8))

    # item 3 merged: its assignment is void
    ns.i3 = b.item(s, "3")
    ns.a3 = b.assignment(ns.i3, ns.u2, assigned_on=D(2026, 3, 1), reply_due=D(2026, 6, 1), received=False)
    b.set_item_status(ns.i3, ItemStatus.MERGED)
    return ns


def _by_id(facts):
    return {f.assignment_id: f for f in facts}


def test_each_field_from_the_records(world):
    facts = _by_id(load_facts(StatsFilter(session_id=world.session.id)))
    a1, a2, c2, a3 = facts[world.a1.id], facts[world.a2.id], facts[world.c2.id], facts[world.a3.id]

    assert a1.received_on == D(2026, 3, 1) and a2.received_on == D(2026, 3, 2)
    assert a3.received_on is None
    assert a1.replied_on == D(2026, 5, 20)  # round 1's sending day (local), not the round 2 date
    assert (a1.result_class, a1.published_on) == ("B", None)  # the latest sent reply: not published
    assert a2.replied_on == D(2026, 5, 30) and a2.result_class is None and a2.commitments == ()
    assert (a1.due_on, a1.original_due, a2.due_on, a2.original_due) == (
        D(2026, 6, 1), D(2026, 6, 1), D(2026, 7, 1), D(2026, 6, 1))
    assert (c2.due_on, c2.original_due, c2.opinion_on, c2.replied_on) == (D(2026, 4, 10), None, D(2026, 4, 3), None)
    assert c2.forms == () and not c2.owing

    assert [(x.submitter, x.work, x.result, x.round, x.on) for x in a1.forms] == [
        ("李代表", "basically_satisfied", "satisfied", 2, D(2026, 6, 10)),
        ("王代表", "dissatisfied", "basically_satisfied", 1, D(2026, 6, 3)),
    ]  # each submitter's latest round unless 逾期未表态, submitters in order
    assert [(c.on, c.method) for c in a1.contacts] == [(D(2026, 4, 1), "meeting"), (D(2026, 4, 2), "phone")]
    assert a1.contacts[0] == a2.contacts[0] and a1.slips == a2.slips
    assert a1.is_key is True and a2.is_key is False
    assert (a1.void, a2.void, c2.void, a3.void) == (False, False, False, True)
    assert (a1.owing, a3.owing) == (False, True)
    assert (a1.unit_name, a1.session_name, a1.item_number) == ("市住房和城乡建设局", "市十七届人大四次会议", "1")


def test_facts_equal_the_facts_built_field_by_field(world):
    for fact in load_facts(StatsFilter(session_id=world.session.id)):
        rebuilt = stats.AssignmentFacts(**{name: getattr(fact, name) for name in stats.AssignmentFacts._fields})
        assert fact == rebuilt and hash(fact) == hash(rebuilt)


def test_unit_filter_keeps_the_forms_of_its_items(world):
    facts = load_facts(StatsFilter(unit_id=world.u1.id))
    assert sorted(f.assignment_id for f in facts) == sorted([world.a1.id, world.c2.id])
    assert {x.submitter for x in _by_id(facts)[world.a1.id].forms} == {"李代表", "王代表"}


def test_units_in_display_order_then_session_and_number(world):
    facts = load_facts(StatsFilter(session_id=world.session.id))
    assert [(f.unit_id, f.item_number) for f in facts] == [
        (world.u1.id, "1"), (world.u1.id, "2"), (world.u2.id, "2"), (world.u2.id, "3")]


@pytest.mark.parametrize("chunk", [1, 2, 20_000])
def test_a_filter_selects_the_same_facts_as_reading_everything(world, f, monkeypatch, chunk):
    """On PostgreSQL a filtered load gives each table the facts' ids (in chunks of ``chunk``),
    where an unfiltered one joins the tables (SQLite joins both): the facts are the same."""
    from tracker.ledger import stats_queries

    other = f.session(name="市政协十三届四次会议", year=2026)
    b.contact(b.assignment(b.item(other, "1", submitters=("赵委员",)), world.u2, assigned_on=D(2026, 3, 1),
                           reply_due=D(2026, 6, 1)), D(2026, 4, 1), "visit")
    monkeypatch.setattr(stats_queries, "ID_CHUNK", chunk)
    everything = load_facts(StatsFilter())
    assert {x.session_id for x in everything} == {world.session.id, other.id}
    for flt, keep in [(StatsFilter(session_id=world.session.id), lambda x: x.session_id == world.session.id),
                      (StatsFilter(unit_id=world.u1.id), lambda x: x.unit_id == world.u1.id),
                      (StatsFilter(year=2026), lambda x: True)]:
        for details in (True, False):
            expected = [x for x in load_facts(StatsFilter(), details=details) if keep(x)]
            assert load_facts(flt, details=details) == expected
    assert any(x.contacts and x.forms for x in everything) and any(x.slips for x in everything)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_found(world, enabled):
    today = clock.today()
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        stats.summary(load_facts(StatsFilter(session_id=world.session.id)), today)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
