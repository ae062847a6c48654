"""The statistics formulas of DOMAIN.md §8 (pure): tables of facts → figures, zero denominators."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.ledger import stats
from tracker.ledger.stats import (
    AssignmentFacts,
    CommitmentFact,
    ContactFact,
    FormFact,
    SlipFact,
)

D = dt.date
TODAY = D(2026, 6, 15)
_ids = iter(range(1, 10_000))


def fact(**kw) -> AssignmentFacts:
    n = next(_ids)
    base = dict(assignment_id=n, item_id=n, item_number=str(n), item_title=f"第{n}号", session_id=1,
                kind="suggestion", tier="department", unit_id=1, unit_name="市住建局", role="sole",
                status="handling", assigned_on=D(2026, 3, 1), due_on=D(2026, 6, 1), current_due=D(2026, 6, 1))
    base.update(kw)
    if "current_due" not in kw:
        base["current_due"] = base["due_on"]
    if base.get("replied_on") and "owing" not in kw:
        base["owing"] = False
    return AssignmentFacts(**base)


def replied(on: dt.date, **kw) -> AssignmentFacts:
    return fact(**{"replied_on": on, "status": "replied", **kw})


def m(*facts: AssignmentFacts, today: dt.date = TODAY) -> dict:
    return stats.metrics(list(facts), today)


def test_nothing_at_all_every_rate_is_none():
    result = m()
    for rate in stats.RATES:
        assert result[rate.key] is None, rate.key
    assert result["assigned"] == 0
    assert result["class_counts"] == {"A": 0, "B": 0, "C": 0, "D": 0}
    assert result["class_shares"] == {"A": None, "B": None, "C": None, "D": None}


@pytest.mark.parametrize(("facts", "reply_rate"), [
    ([fact()], 0.0),
    ([replied(D(2026, 5, 1))], 1.0),
    ([replied(D(2026, 5, 1)), fact(), fact()], 1 / 3),
    # void (returned, or item withdrawn/merged) and co assignments are not in N
    ([replied(D(2026, 5, 1)), fact(void=True), fact(role="co")], 1.0),
    ([fact(void=True)], None),
    ([fact(role="co")], None),
    # lead and separate answer like sole
    ([replied(D(2026, 5, 1), role="lead"), fact(role="separate")], 0.5),
])
def test_reply_rate(facts, reply_rate):
    assert m(*facts)["reply_rate"] == (pytest.approx(reply_rate) if reply_rate is not None else None)


@pytest.mark.parametrize(("facts", "on_time", "due"), [
    # not replied, not due yet: not in the denominator
    ([fact(due_on=D(2026, 7, 1))], 0, 0),
    # due today is not "passed"
    ([fact(due_on=TODAY)], 0, 0),
    # not replied, due passed: late
    ([fact(due_on=D(2026, 6, 14))], 0, 1),
    # replied on the due date: on time
    ([replied(D(2026, 6, 1), due_on=D(2026, 6, 1))], 1, 1),
    # replied the day after: late
    ([replied(D(2026, 6, 2), due_on=D(2026, 6, 1))], 0, 1),
    # replied early although not yet due: counted and on time
    ([replied(D(2026, 5, 2), due_on=D(2026, 7, 1))], 1, 1),
    # the approved (extended) date is what counts
    ([replied(D(2026, 6, 12), due_on=D(2026, 6, 20), original_due=D(2026, 6, 1))], 1, 1),
])
def test_on_time_rate_counts_and_denominator(facts, on_time, due):
    result = m(*facts)
    assert (result["replied_on_time"], result["on_time_due"]) == (on_time, due)
    assert result["on_time_rate"] == (on_time / due if due else None)


def test_face_to_face_and_contact_rates_only_count_contacts_before_the_reply():
    f1 = replied(D(2026, 5, 1), contacts=(ContactFact(D(2026, 4, 1), "meeting", in_person=True),))
    f2 = replied(D(2026, 5, 1), contacts=(ContactFact(D(2026, 5, 2), "meeting", in_person=True),))  # after the reply
    f3 = replied(D(2026, 5, 1), contacts=(ContactFact(D(2026, 5, 1), "phone"),))  # same day: before
    f4 = fact(contacts=(ContactFact(D(2026, 6, 10), "meeting", in_person=True),))  # not replied: any contact so far
    f5 = fact(contacts=(ContactFact(D(2026, 4, 1), "visit"),))  # a visit: a contact, by default not a 见面
    result = m(f1, f2, f3, f4, f5)
    assert (result["face_to_face"], result["contacted"], result["assigned"]) == (2, 4, 5)
    assert result["face_to_face_rate"] == pytest.approx(2 / 5)
    assert result["contact_rate"] == pytest.approx(4 / 5)


def test_satisfaction_per_dimension_over_forms_returned():
    forms = (
        FormFact("甲", "satisfied", "satisfied"),
        FormFact("乙", "basically_satisfied", "dissatisfied"),
        FormFact("丙", "no_opinion", "basically_satisfied"),  # returned, although 未表态 on work
        FormFact("丁", "dissatisfied", "dissatisfied"),
    )
    result = m(replied(D(2026, 5, 1), forms=forms))
    assert result["feedback_forms"] == 4
    assert result["satisfaction_rate_work"] == pytest.approx(2 / 4)
    assert result["satisfaction_rate_result"] == pytest.approx(2 / 4)
    assert result["satisfied_only_rate_work"] == pytest.approx(1 / 4)
    assert result["satisfied_only_rate_result"] == pytest.approx(1 / 4)


@pytest.mark.parametrize(("facts", "expected"), [
    ([fact()], None),  # nothing replied
    ([replied(D(2026, 5, 1))], 0.0),  # replied, no form yet
    ([replied(D(2026, 5, 1), forms=(FormFact("甲", "satisfied", "satisfied"),
                                    FormFact("乙", "satisfied", "satisfied"))), replied(D(2026, 5, 1))], 0.5),
])
def test_feedback_rate_is_replies_with_a_form_over_replies(facts, expected):
    result = m(*facts)
    assert result["feedback_rate"] == expected
    if not any(f.forms for f in facts):
        assert result["satisfaction_rate_work"] is None and result["satisfaction_rate_result"] is None


def test_solved_rates_class_counts_and_shares():
    facts = [replied(D(2026, 5, 1), result_class=c) for c in "AABCD"] + [fact(), fact(void=True, result_class="A")]
    result = m(*facts)
    assert result["class_counts"] == {"A": 2, "B": 1, "C": 1, "D": 1}
    assert result["solved_rate"] == pytest.approx(2 / 6)
    assert result["solved_or_planned_rate"] == pytest.approx(3 / 6)
    assert result["class_shares"]["A"] == pytest.approx(2 / 5)


def test_publish_rate_needs_a_publication_date():
    facts = [
        replied(D(2026, 5, 1), published_on=D(2026, 5, 20)),
        replied(D(2026, 5, 1)),  # decided full/summary but not yet published
        fact(published_on=None),  # not replied: not in the denominator
    ]
    result = m(*facts)
    assert (result["published"], result["replied"]) == (1, 2)
    assert result["publish_rate"] == 0.5


def test_commitment_kept_rate():
    commitments = (
        CommitmentFact(1, "按期兑现", D(2026, 6, 1), "kept", D(2026, 5, 30)),
        CommitmentFact(2, "逾期兑现", D(2026, 6, 1), "kept", D(2026, 6, 3)),
        CommitmentFact(3, "到期未兑现", D(2026, 6, 1), "open"),
        CommitmentFact(4, "结转", D(2026, 6, 1), "carried_over"),
        CommitmentFact(5, "未到期", D(2026, 12, 31), "open"),
        CommitmentFact(6, "提前兑现", D(2026, 12, 31), "kept", D(2026, 6, 10)),
    )
    result = m(replied(D(2026, 5, 1), commitments=commitments))
    assert (result["commitments_kept"], result["commitments_due"]) == (2, 5)
    assert result["commitment_kept_rate"] == pytest.approx(2 / 5)
    assert m(replied(D(2026, 5, 1), commitments=commitments[4:5]))["commitment_kept_rate"] is None


def test_co_opinion_on_time_rate_is_counted_apart_from_answering_units():
    facts = [
        fact(role="co", due_on=D(2026, 4, 1), opinion_on=D(2026, 3, 30), owing=False),  # on time
        fact(role="co", due_on=D(2026, 4, 1), opinion_on=D(2026, 4, 5), owing=False),  # late
        fact(role="co", due_on=D(2026, 5, 1)),  # due, missing: late and overdue
        fact(role="co", due_on=D(2026, 7, 1)),  # not due
        fact(role="co", due_on=D(2026, 5, 1), void=True),  # returned
    ]
    result = m(*facts)
    assert (result["co_assigned"], result["co_submitted"], result["co_opinion_due"],
            result["co_opinion_on_time"], result["co_overdue"]) == (4, 2, 3, 1, 1)
    assert result["co_opinion_on_time_rate"] == pytest.approx(1 / 3)
    assert result["assigned"] == 0 and result["reply_rate"] is None


def test_overdue_uses_the_current_due_date_and_what_is_still_owed():
    assert m(fact(due_on=D(2026, 6, 1)))["overdue"] == 1
    assert m(fact(due_on=D(2026, 6, 1), current_due=D(2026, 6, 20)))["overdue"] == 0  # extended
    assert m(replied(D(2026, 6, 10)))["overdue"] == 0
    # re-handling after 不满意: owed again, against the re-handling date
    rehandling = replied(D(2026, 5, 1), status="rehandling", owing=True, current_due=D(2026, 6, 10))
    assert m(rehandling)["overdue"] == 1 and m(rehandling)["replied"] == 1
    assert fact(due_on=D(2026, 6, 1)).days_overdue(TODAY) == 14


def test_summary_shape_and_unit_grouping():
    facts = [replied(D(2026, 5, 1)), fact(unit_id=2, unit_name="市交通局"), fact(unit_id=1, unit_name="市住建局")]
    result = stats.summary(facts, TODAY)
    assert set(stats.API_KEYS) <= set(result["overall"])
    assert [(r["unit_id"], r["unit_name"], r["assigned"], r["replied"]) for r in result["by_unit"]] == [
        (1, "市住建局", 2, 1), (2, "市交通局", 1, 0)]


def test_members_match_each_figure_exactly():
    a = replied(D(2026, 5, 1), forms=(FormFact("甲", "satisfied", "satisfied"),
                                      FormFact("乙", "dissatisfied", "satisfied")))
    b = fact()
    c = fact(void=True)
    facts = [a, b, c]
    for key in [*(k.key for k in stats.COUNTS), *(r.key for r in stats.RATES)]:
        for part in ("num", "den"):
            count_key = stats.figure_count_key(key, part)
            total = sum(n for _f, n in stats.members(facts, key, TODAY, part))
            assert total == stats.counts(facts, TODAY)[count_key], (key, part)
    assert [f for f, _n in stats.members(facts, "reply_rate", TODAY, "den")] == [a, b]
    assert stats.members(facts, "satisfaction_rate_work", TODAY, "num") == [(a, 1)]
    assert stats.members(facts, "class_counts.A", TODAY) == []
    with pytest.raises(KeyError):
        stats.figure("no_such_figure")


def test_as_of_forgets_what_happened_later():
    f = replied(D(2026, 5, 20), result_class="A", published_on=D(2026, 5, 30), received_on=D(2026, 3, 2),
                contacts=(ContactFact(D(2026, 3, 10), "meeting", in_person=True), ContactFact(D(2026, 5, 25), "phone")),
                forms=(FormFact("甲", "satisfied", "satisfied", on=D(2026, 6, 1)),),
                commitments=(CommitmentFact(1, "改造", D(2026, 6, 10), "kept", D(2026, 6, 5)),),
                slips=(SlipFact("blue", D(2026, 5, 1)), SlipFact("red", D(2026, 6, 10))))
    later = fact(assigned_on=D(2026, 6, 1))
    on_0525 = stats.as_of([f, later], D(2026, 5, 25))
    assert len(on_0525) == 1
    g = on_0525[0]
    assert g.replied_on == D(2026, 5, 20) and g.published_on is None and g.forms == ()
    assert g.commitments[0].status == "open" and g.commitments[0].fulfilled_on is None
    assert [s.color for s in g.slips] == ["blue"]
    assert len(g.contacts) == 2
    on_0301 = stats.as_of([f], D(2026, 3, 1))[0]
    assert on_0301.replied_on is None and on_0301.owing and on_0301.received_on is None
    assert on_0301.result_class is None and on_0301.contacts == ()
    assert stats.as_of([f], TODAY) == [f]


def test_trend_counts_assignments_and_first_replies_per_week_and_month():
    facts = [
        replied(D(2026, 6, 10), assigned_on=D(2026, 6, 8)),  # week of 06-08 both
        replied(D(2026, 6, 2), assigned_on=D(2026, 5, 1)),  # replied week of 06-01; assigned long ago
        fact(assigned_on=D(2026, 6, 14)),  # Sunday: week of 06-08
        fact(assigned_on=D(2026, 6, 9), void=True),  # void: not counted
    ]
    weeks = stats.trend(facts, TODAY, "week", 3)
    # 2026-06-15 is a Monday: the current week starts today
    assert weeks == [(D(2026, 6, 1), 0, 1), (D(2026, 6, 8), 2, 1), (D(2026, 6, 15), 0, 0)]
    months = stats.trend(facts, TODAY, "month", 2)
    assert months == [(D(2026, 5, 1), 1, 0), (D(2026, 6, 1), 2, 2)]
    assert stats.trend(facts, D(2026, 1, 15), "month", 2)[0][0] == D(2025, 12, 1)
    with pytest.raises(ValueError):
        stats.trend(facts, TODAY, "year")


def test_overdue_by_unit_counts_replies_and_co_opinions():
    facts = [
        fact(unit_id=1, unit_name="甲局"), fact(unit_id=1, unit_name="甲局", role="co"),
        fact(unit_id=2, unit_name="乙局"), fact(unit_id=2, unit_name="乙局"),
        fact(unit_id=3, unit_name="丙局", due_on=D(2026, 7, 1)),
    ]
    assert stats.overdue_by_unit(facts, TODAY) == [("乙局", 2, 0), ("甲局", 1, 1)]


def test_dispatch_content_ranks_units_and_lists_overdue():
    facts = [
        replied(D(2026, 5, 1), unit_id=1, unit_name="甲局"),
        fact(unit_id=1, unit_name="甲局", slips=(SlipFact("red", D(2026, 6, 12)), SlipFact("blue", D(2026, 6, 2)))),
        replied(D(2026, 5, 1), unit_id=2, unit_name="乙局"),
        replied(D(2026, 5, 1), unit_id=3, unit_name="丙局"),
        fact(unit_id=4, unit_name="丁局", role="co", due_on=D(2026, 5, 1)),
    ]
    content = stats.dispatch_content(facts, TODAY)
    ranking = [(u["rank"], u["unit_name"]) for u in content["units"]]
    assert ranking == [(1, "丙局"), (1, "乙局"), (3, "甲局"), (4, "丁局")]
    first = next(u for u in content["units"] if u["unit_name"] == "甲局")
    assert first["slips"] == {"blue": 1, "orange": 0, "red": 1}
    assert (first["assigned"], first["replied"], first["overdue"]) == (2, 1, 1)
    assert [(o["unit_name"], o["what"], o["days_overdue"], o["slip"]) for o in content["overdue"]] == [
        ("丁局", "会办意见", 45, ""), ("甲局", "答复", 14, "red")]
    assert content["totals"]["slips"]["red"] == 1


def test_facts_are_values_built_from_a_row_and_changed_by_replace():
    a = replied(D(2026, 5, 1), forms=(FormFact("甲", "satisfied", "satisfied"),),
                contacts=(ContactFact(D(2026, 4, 1), "meeting", in_person=True),))
    built = AssignmentFacts._make(tuple(a))
    assert built == a and hash(built) == hash(a) and stats.counts([built], TODAY) == stats.counts([a], TODAY)
    with pytest.raises(TypeError):
        AssignmentFacts._make(tuple(a)[:-1])
    with pytest.raises(AttributeError):
        a.replied_on = None  # type: ignore[misc]
    assert a._replace(replied_on=None).replied_on is None and a.replied_on == D(2026, 5, 1)
    assert FormFact("乙", "satisfied", "dissatisfied", 2) == FormFact("乙", "satisfied", "dissatisfied", 2, None)


def test_each_count_is_its_place_in_the_contributions():
    facts = [replied(D(2026, 5, 1)), fact(), fact(role="co", opinion_on=D(2026, 5, 1)), fact(void=True)]
    for count in stats.COUNTS:
        assert sum(count.fn(f, TODAY) for f in facts) == stats.counts(facts, TODAY)[count.key], count.key
