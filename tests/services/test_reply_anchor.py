"""The reply clock's anchor (DOMAIN.md §3: "anchor may be 交办日, 闭会日 or 收到日"), a setting
of the rule profile: the reply date counts from the session's 闭会日 or the item's 收到日; the
cap still counts from the assignment; without the date (or when it would be due before the
assignment) the usual clock applies."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.admin import services as admin
from tracker.assignments import deadlines
from tracker.assignments import services as assignments
from tracker.core.calendar import WorkCalendar
from tracker.core.errors import ValidationFailed
from tracker.rules import services as rules
from tracker.rules.models import RuleProfile

D = dt.date


def _rules(anchor: str, day: dt.date | None) -> deadlines.RuleSet:
    return deadlines.RuleSet(reply_anchor=anchor, reply_anchor_date=day)


def test_the_reply_counts_from_the_session_close():
    cal = WorkCalendar()
    reply, cap = deadlines.reply_deadlines(D(2026, 3, 2), _rules("session_closed", D(2026, 1, 20)), cal)
    assert reply.due == D(2026, 4, 20) and reply.anchor == D(2026, 1, 20)
    assert cap.due == D(2026, 9, 2)  # the cap still counts from the assignment
    assert "自闭会日 2026-01-20 起" in reply.explain()


def test_without_a_later_date_the_assignment_day_is_the_anchor():
    cal = WorkCalendar()
    usual, _ = deadlines.reply_deadlines(D(2026, 3, 2), deadlines.RuleSet(), cal)
    assert usual.due == D(2026, 6, 2)
    # no 闭会日 recorded
    assert deadlines.reply_deadlines(D(2026, 3, 2), _rules("session_closed", None), cal)[0].due == usual.due
    # a session closed long ago would make the reply due before the assignment
    old, _ = deadlines.reply_deadlines(D(2026, 3, 2), _rules("session_closed", D(2025, 1, 20)), cal)
    assert old.due == usual.due and "交办日" in old.explain()
    # a 三书一函 kind has its own clock, not anchored
    other = deadlines.RuleSet(reply_anchor="received", reply_anchor_date=D(2026, 2, 1), reply_clock="reply_judicial")
    assert "收到日" not in deadlines.reply_deadlines(D(2026, 3, 2), other, cal)[0].explain()


def _set_anchor(anchor: str, actor) -> None:
    profile = rules.default_profile()
    clocks = {k: (c.amount, c.unit.value) for k, c in rules.clocks_from_json(profile.clocks).items()}
    admin.save_profile(profile, clocks=clocks, roll_forward=True, review_department_replies=False,
                       checklist_blocks_closeout=False, actor=actor, reply_anchor=anchor)


def test_the_profile_setting_reaches_assignments_and_recomputes_open_ones(f):
    from tracker.core.enums import Role

    admin_user = f.user(Role.ADMIN)
    session = f.session(closed_on=D(2026, 1, 20))
    unit = f.unit()
    item = f.item(session=session)
    a = f.assign(item, unit, assigned_on=D(2026, 3, 2))
    assert a.reply_due == D(2026, 6, 2)

    _set_anchor("session_closed", admin_user)
    assert RuleProfile.get(RuleProfile.is_default == True).reply_anchor == "session_closed"  # noqa: E712
    assert a.refresh().reply_due == D(2026, 4, 20)  # the open assignment was recomputed
    later = f.assign(f.item(session=session), unit, assigned_on=D(2026, 3, 5))
    assert later.reply_due == D(2026, 4, 20)
    assert "自闭会日" in assignments.explain_dates(later)["reply_due"]

    _set_anchor("received", admin_user)
    received = f.item(session=session, received_on=D(2026, 2, 10))
    assert f.assign(received, unit, assigned_on=D(2026, 3, 2)).reply_due == D(2026, 5, 11)  # 05-10 is a Sunday
    assert f.assign(f.item(session=session), unit, assigned_on=D(2026, 3, 2)).reply_due == D(2026, 6, 2)  # no 收到日


def test_an_unknown_anchor_is_refused(f):
    from tracker.core.enums import Role

    with pytest.raises(ValidationFailed) as refused:
        _set_anchor("tomorrow", f.user(Role.ADMIN))
    assert "reply_anchor" in refused.value.fields
    assert rules.default_profile().reply_anchor == "assigned"


def test_the_rules_page_sets_and_shows_the_anchor(f, client, login_as):
    from tracker.core.enums import Role

    admin_user = f.user(Role.ADMIN)
    login_as(admin_user)
    page = client.get("/admin/rules").get_data(as_text=True)
    assert '<option selected value="assigned">' in page or 'value="assigned" selected' in page
    profile = rules.default_profile()
    data = {f"{k}_amount": str(c.amount) for k, c in rules.clocks_from_json(profile.clocks).items()}
    data.update({f"{k}_unit": c.unit.value for k, c in rules.clocks_from_json(profile.clocks).items()})
    data.update({"roll_forward": "y", "reply_anchor": "session_closed"})
    response = client.post("/admin/rules", data=data, follow_redirects=True)
    assert response.status_code == 200 and "已保存规则配置" in response.get_data(as_text=True)
    assert rules.default_profile().reply_anchor == "session_closed"
    assert "自闭会日起" in client.get("/admin/rules").get_data(as_text=True)
