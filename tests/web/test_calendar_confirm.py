"""A year the chinese-calendar package does not know can be confirmed only once its statutory
holidays have been entered: confirming an empty year would hide the "日历未确认" warning while
every holiday still counts as a working day."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.core.enums import Role
from tracker.rules import services as rules

REFUSAL = ("2028 年尚未录入任何法定节假日，不能确认该年日历：请先依据国务院办公厅发布的 2028 年"
           "部分节假日安排通知，逐日录入放假日（设为休息日）和调休上班日（设为工作日），再确认")


@pytest.fixture()
def as_admin(f, login_as):
    return login_as(f.user(Role.ADMIN, username="root", name="管理员甲"))


def text(response) -> str:
    return response.get_data(as_text=True)


def set_day(client, day: str, kind: str, name: str = "") -> None:
    response = client.post("/admin/calendar/day", data={"year": day[:4], "day": day, "is_workday": kind,
                                                        "name": name, "reason": "依据国务院办公厅通知"})
    assert response.status_code == 302


def confirm(client, year: int, confirmed: str = "1"):
    return client.post("/admin/calendar/confirm", data={"year": str(year), "confirmed": confirmed},
                       follow_redirects=True)


def test_a_year_without_any_holiday_entered_cannot_be_confirmed(as_admin):
    body = text(confirm(as_admin, 2028))
    assert REFUSAL in body
    assert "注意：2028 年的工作日历尚未确认" in body and "已确认 2028 年工作日历" not in body
    assert rules.get_setting("calendar_confirmed_years") == []
    assert not rules.work_calendar().is_confirmed(2028)
    # a make-up workday or a weekend set as a rest day is no holiday
    set_day(as_admin, "2028-09-30", "workday")
    set_day(as_admin, "2028-10-01", "rest", "国庆节")  # a Sunday
    assert REFUSAL in text(confirm(as_admin, 2028))
    assert rules.get_setting("calendar_confirmed_years") == []


def test_a_year_with_its_holidays_entered_can_be_confirmed_and_unconfirmed(as_admin):
    set_day(as_admin, "2028-10-02", "rest", "国庆节")  # a Monday
    assert rules.holidays_of(2028) == [dt.date(2028, 10, 2)]
    body = text(confirm(as_admin, 2028))
    assert "已确认 2028 年工作日历" in body and "尚未确认" not in body
    assert rules.get_setting("calendar_confirmed_years") == [2028]
    body = text(confirm(as_admin, 2028, "0"))
    assert "已撤销 2028 年工作日历的确认" in body
    assert rules.get_setting("calendar_confirmed_years") == []


def test_holidays_of_a_package_year_come_from_the_package(f):
    assert dt.date(2026, 10, 1) in rules.holidays_of(2026)
    assert rules.confirm_problem(2026) == ""
