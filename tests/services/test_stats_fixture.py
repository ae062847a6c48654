"""DOMAIN.md §8 statistics on a hand-built session, every figure computed by hand.

Today is 2026-06-15. The records (tests/stats_builders.build_fixture_session):

| item | unit | role | due (approved) | reply | class | contacts before reply | forms | other |
| 1 | U1 | sole | 06-01 | 05-20 on time | A, published 05-30 | meeting 04-01 (phone 05-25 after) | 张 满意/满意, 李 基本满意/不满意 | commitment due 06-10 kept 06-05 |
| 2 | U1 | lead | 06-20 (extended) | 06-12 on time | B, not published | phone 03-10 | — | commitments due 06-01 open, 07-01 open |
| 2 | U3 | co | opinion 04-01 | opinion 03-25 on time | | | | |
| 3 | U1 | sole | 06-01 | — overdue 14 days | | — | | blue 06-02, red 06-10 |
| 4 | U2 | lead | 07-01 | — not due | | meeting 04-10 | | |
| 4 | U3 | co | opinion 05-01 | — overdue 45 days | | | | |
| 5 | U2 | separate | 06-01 | 06-05 late | C, summary but no date | visit 03-05 | window expired (not returned) | |
| 5 | U1 | separate | returned (void) | | | | | |
| 6 | U2 | sole | item withdrawn (void) | | | | | |
| 8 | U2 | sole | 06-01 | 05-15 on time | D, published | — | 张 round 1 不满意, round 2 基本满意/基本满意 (latest) | re-handling, due 07-15 |
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from tests.stats_builders import TODAY, build_fixture_session
from tracker.ledger import stats
from tracker.ledger.stats_queries import StatsFilter, load_facts


def approx(frac):
    return None if frac is None else pytest.approx(float(Fraction(frac)))


EXPECTED_U1 = {
    "assigned": 3, "replied": 2, "reply_rate": "2/3", "on_time_due": 3, "replied_on_time": 2,
    "on_time_rate": "2/3", "overdue": 1, "face_to_face_rate": "1/3", "contact_rate": "2/3",
    "feedback_forms": 2, "satisfaction_rate_work": "1", "satisfaction_rate_result": "1/2",
    "satisfied_only_rate_work": "1/2", "satisfied_only_rate_result": "1/2", "feedback_rate": "1/2",
    "solved_rate": "1/3", "solved_or_planned_rate": "2/3", "publish_rate": "1/2",
    "commitments_due": 2, "commitments_kept": 1, "commitment_kept_rate": "1/2",
    "class_counts": {"A": 1, "B": 1, "C": 0, "D": 0},
    "co_assigned": 0, "co_opinion_on_time_rate": None,
}
EXPECTED_U2 = {
    "assigned": 3, "replied": 2, "reply_rate": "2/3", "on_time_due": 2, "replied_on_time": 1,
    "on_time_rate": "1/2", "overdue": 0, "face_to_face_rate": "1/3", "contact_rate": "2/3",
    "feedback_forms": 1, "satisfaction_rate_work": "1", "satisfaction_rate_result": "1",
    "satisfied_only_rate_work": "0", "satisfied_only_rate_result": "0", "feedback_rate": "1/2",
    "solved_rate": "0", "solved_or_planned_rate": "0", "publish_rate": "1/2",
    "commitments_due": 0, "commitment_kept_rate": None,
    "class_counts": {"A": 0, "B": 0, "C": 1, "D": 1},
    "co_assigned": 0, "co_opinion_on_time_rate": None,
}
EXPECTED_U3 = {  # co only: nothing to answer, every answering rate has a zero denominator
    "assigned": 0, "replied": 0, "reply_rate": None, "on_time_rate": None, "face_to_face_rate": None,
    "contact_rate": None, "satisfaction_rate_work": None, "satisfaction_rate_result": None,
    "feedback_rate": None, "solved_rate": None, "solved_or_planned_rate": None, "publish_rate": None,
    "commitment_kept_rate": None, "class_counts": {"A": 0, "B": 0, "C": 0, "D": 0},
    "co_assigned": 2, "co_submitted": 1, "co_opinion_due": 2, "co_opinion_on_time": 1,
    "co_opinion_on_time_rate": "1/2", "co_overdue": 1,
}
EXPECTED_OVERALL = {
    "assigned": 6, "replied": 4, "reply_rate": "4/6", "on_time_due": 5, "replied_on_time": 3,
    "on_time_rate": "3/5", "overdue": 1, "face_to_face_rate": "2/6", "contact_rate": "4/6",
    "feedback_forms": 3, "satisfaction_rate_work": "1", "satisfaction_rate_result": "2/3",
    "satisfied_only_rate_work": "1/3", "satisfied_only_rate_result": "1/3", "feedback_rate": "2/4",
    "solved_rate": "1/6", "solved_or_planned_rate": "2/6", "publish_rate": "2/4",
    "commitment_kept_rate": "1/2", "class_counts": {"A": 1, "B": 1, "C": 1, "D": 1},
    "co_assigned": 2, "co_opinion_on_time_rate": "1/2", "co_overdue": 1,
}


def _check(actual: dict, expected: dict) -> None:
    for key, value in expected.items():
        if key == "class_counts":
            assert actual[key] == value, key
        elif key in stats.RATE_BY_KEY:
            if value is None:
                assert actual[key] is None, key
            else:
                assert actual[key] == approx(value), key
        else:
            assert actual[key] == value, key


@pytest.fixture()
def world(f):
    return build_fixture_session()


def test_each_unit_matches_the_hand_computed_figures(world):
    facts = load_facts(StatsFilter(session_id=world.session.id))
    by_unit = {row["unit_id"]: row for row in stats.by_unit(facts, TODAY)}
    assert list(by_unit) == [world.u1.id, world.u2.id, world.u3.id]
    _check(by_unit[world.u1.id], EXPECTED_U1)
    _check(by_unit[world.u2.id], EXPECTED_U2)
    _check(by_unit[world.u3.id], EXPECTED_U3)


def test_overall_is_the_sum_of_the_units(world):
    facts = load_facts(StatsFilter(session_id=world.session.id))
    _check(stats.metrics(facts, TODAY), EXPECTED_OVERALL)


def test_filters_by_unit_tier_key_and_kind(world):
    only_u2 = stats.metrics(load_facts(StatsFilter(unit_id=world.u2.id)), TODAY)
    _check(only_u2, EXPECTED_U2)
    leader_led = stats.metrics(load_facts(StatsFilter(tier="leader_led")), TODAY)
    assert (leader_led["assigned"], leader_led["co_assigned"], leader_led["co_overdue"]) == (1, 1, 1)
    assert leader_led["reply_rate"] == 0 and leader_led["on_time_rate"] is None
    assert stats.metrics(load_facts(StatsFilter(is_key=True)), TODAY)["assigned"] == 1
    assert load_facts(StatsFilter(kind="proposal")) == []
    assert stats.metrics([], TODAY)["reply_rate"] is None
    assert len(load_facts(StatsFilter(year=2026))) == 10
    assert load_facts(StatsFilter(year=2025)) == []


def test_nothing_replied_yet_and_no_feedback_yet_give_none(world):
    """The session as it stood on 03-02: assignments made, no reply, no form, nothing due."""
    facts = stats.as_of(load_facts(StatsFilter(session_id=world.session.id)), dt.date(2026, 3, 2))
    m = stats.metrics(facts, dt.date(2026, 3, 2))
    assert m["assigned"] == 5  # item 4 was assigned in April; the returned and withdrawn stay out
    assert m["replied"] == 0 and m["reply_rate"] == 0
    assert m["on_time_rate"] is None  # nothing due, nothing replied
    assert m["feedback_rate"] is None  # no reply sent
    assert m["satisfaction_rate_work"] is None and m["satisfaction_rate_result"] is None
    assert m["publish_rate"] is None
    assert m["commitment_kept_rate"] is None
    assert m["contact_rate"] == 0 and m["face_to_face_rate"] == 0
    assert m["co_opinion_on_time_rate"] is None  # the co opinion is neither due nor in
    assert m["class_counts"] == {"A": 0, "B": 0, "C": 0, "D": 0}


def test_replies_in_but_no_feedback_yet(world):
    """On 05-21: items 1 and 8 replied; no form has come back yet."""
    day = dt.date(2026, 5, 21)
    m = stats.metrics(stats.as_of(load_facts(StatsFilter(session_id=world.session.id)), day), day)
    assert m["replied"] == 2
    assert m["feedback_forms"] == 0 and m["feedback_rate"] == 0
    assert m["satisfaction_rate_result"] is None
    assert m["publish_rate"] == pytest.approx(0.5)  # item 8 published 05-20, item 1 only on 05-30
    assert m["on_time_rate"] == 1  # both replied before their dates; none else is due
    assert m["co_opinion_on_time_rate"] == pytest.approx(0.5)  # item 2's in on time, item 4's late


def test_drill_down_lists_exactly_the_counted_assignments(world):
    facts = load_facts(StatsFilter(session_id=world.session.id))
    ids = lambda key, part="num": sorted(f.assignment_id for f, _n in stats.members(facts, key, TODAY, part))  # noqa: E731
    assert ids("reply_rate") == sorted([world.a1.id, world.a2.id, world.a5.id, world.a8.id])
    assert ids("reply_rate", "den") == sorted([world.a1.id, world.a2.id, world.a3.id, world.a4.id, world.a5.id,
                                               world.a8.id])
    assert ids("on_time_rate") == sorted([world.a1.id, world.a2.id, world.a8.id])
    assert ids("on_time_rate", "den") == sorted([world.a1.id, world.a2.id, world.a3.id, world.a5.id, world.a8.id])
    assert ids("overdue") == [world.a3.id]
    assert ids("co_overdue") == [world.c4.id]
    assert ids("face_to_face_rate") == sorted([world.a1.id, world.a4.id])
    assert ids("class_counts.C") == [world.a5.id]
    forms = {f.assignment_id: n for f, n in stats.members(facts, "satisfaction_rate_work", TODAY, "den")}
    assert forms == {world.a1.id: 2, world.a8.id: 1}


def test_loading_takes_a_fixed_number_of_queries(world):
    from tracker.core.db import db

    class Counter:
        def __init__(self):
            self.n = 0

    counter = Counter()
    original = db.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        counter.n += 1
        return original(sql, params, *args, **kwargs)

    db.obj.execute_sql = counting
    try:
        facts = load_facts(StatsFilter(session_id=world.session.id))
    finally:
        del db.obj.execute_sql
    assert len(facts) == 10
    assert counter.n <= 9  # a query per table, and the setting of which contacts are 见面
