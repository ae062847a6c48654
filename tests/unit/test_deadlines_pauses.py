"""The return-request pause (DOMAIN.md §3, clocks_run_during_return off): pure date shifting.

2026: Sat 06-06, Sun 06-07; Oct 1–7 off (National Day), Sat Oct 10 worked.
"""

from __future__ import annotations

from datetime import date

from tracker.assignments.deadlines import (
    DEFAULT_CLOCKS,
    RuleSet,
    add_period,
    apply_pauses,
    fixed_keys,
    pause_date,
    reply_deadlines,
    with_pauses,
)
from tracker.core.calendar import WorkCalendar

D = date
CAL = WorkCalendar()


def test_a_pause_adds_its_calendar_days():
    # Tue 06-02 + 2 days = Thu 06-04, a working day
    assert pause_date(D(2026, 6, 2), [(D(2026, 3, 6), D(2026, 3, 8))], CAL) == D(2026, 6, 4)


def test_a_pause_ending_on_a_rest_day_rolls_forward_over_the_weekend():
    pause = [(D(2026, 3, 6), D(2026, 3, 11))]  # 5 days
    assert pause_date(D(2026, 6, 2), pause, CAL) == D(2026, 6, 8)  # Sun 06-07 → Mon 06-08
    assert pause_date(D(2026, 6, 2), pause, CAL, roll_forward=False) == D(2026, 6, 7)


def test_a_pause_rolls_over_a_holiday():
    # Mon 09-28 + 3 = Thu 10-01 (National Day) → Thu 10-08
    assert pause_date(D(2026, 9, 28), [(D(2026, 9, 1), D(2026, 9, 4))], CAL) == D(2026, 10, 8)


def test_dates_already_passed_when_the_request_was_made_do_not_move():
    pause = [(D(2026, 3, 6), D(2026, 3, 11))]
    assert pause_date(D(2026, 3, 4), pause, CAL) == D(2026, 3, 4)
    # the request day itself has not passed (a deadline is the inclusive last day)
    assert pause_date(D(2026, 3, 6), pause, CAL) == D(2026, 3, 11)


def test_a_zero_day_pause_changes_nothing():
    sat = D(2026, 6, 6)  # even a rest day is not rolled when nothing moved
    assert pause_date(sat, [(D(2026, 3, 6), D(2026, 3, 6))], CAL) == sat


def test_pauses_apply_in_order_of_their_start():
    pauses = [(D(2026, 5, 1), D(2026, 5, 3)), (D(2026, 3, 2), D(2026, 3, 4))]
    # 05-29 (Fri) + 2 = 05-31 (Sun) → 06-01; + 2 = 06-03 (Wed)
    assert pause_date(D(2026, 5, 29), pauses, CAL) == D(2026, 6, 3)


def test_apply_pauses_moves_the_units_own_dates_only():
    dates = {"receipt_due": D(2026, 3, 4), "return_due": D(2026, 3, 11), "first_contact_due": D(2026, 3, 23),
             "co_opinion_due": None, "reply_due": D(2026, 6, 2), "reply_due_max": D(2026, 9, 2),
             "extended_due": D(2026, 7, 1)}
    out = apply_pauses(dates, [(D(2026, 3, 6), D(2026, 3, 11))], CAL)
    assert out == {**dates, "first_contact_due": D(2026, 3, 30), "reply_due": D(2026, 6, 8),
                   "reply_due_max": D(2026, 9, 7)}


def test_with_pauses_says_why_in_the_explanation():
    reply = add_period(D(2026, 3, 2), DEFAULT_CLOCKS["reply"], CAL, key="reply")
    moved = with_pauses(reply, [(D(2026, 3, 6), D(2026, 3, 11))], CAL)
    assert (moved.due, moved.paused_from, moved.paused_days) == (D(2026, 6, 8), D(2026, 6, 2), 5)
    assert "申退审核期间暂停计时 5 天，期限由 2026-06-02 顺延至 2026-06-08" in moved.explain()
    assert moved.explain().endswith("截止日为 2026-06-08（含当日）。")
    assert with_pauses(reply, [(D(2026, 3, 6), D(2026, 3, 6))], CAL) is reply


def test_fixed_dates_are_no_clocks_and_do_not_pause():
    pause = [(D(2026, 3, 6), D(2026, 3, 11))]
    absolute = RuleSet(absolute_reply_due=D(2026, 6, 30))
    reply, cap = reply_deadlines(D(2026, 3, 2), absolute, CAL)
    assert reply.absolute and with_pauses(reply, pause, CAL) is reply
    assert with_pauses(cap, pause, CAL).due == D(2026, 9, 7)  # the cap is the profile's clock
    written, _ = reply_deadlines(D(2026, 3, 2), RuleSet(written_reply_due=D(2026, 4, 30)), CAL)
    assert written.written and with_pauses(written, pause, CAL) is written
    assert fixed_keys({"reply_due": reply, "reply_due_max": cap}) == {"reply_due"}
    dates = {"reply_due": D(2026, 6, 30), "reply_due_max": D(2026, 9, 2)}
    assert apply_pauses(dates, pause, CAL, fixed={"reply_due"}) == {"reply_due": D(2026, 6, 30),
                                                                     "reply_due_max": D(2026, 9, 7)}
