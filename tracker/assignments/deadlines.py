"""Deadline arithmetic for the clocks of DOMAIN.md §3.

Pure: no database, no Flask, no clock (today always comes in as an argument).

Rules (民法典 arts. 201–203 as the rulebook applies them):

* the anchor day itself is not counted;
* "N working days from D" is the Nth working day after D (make-up workdays 调休
  count, holidays and weekends do not);
* "N calendar days from D" is D + N;
* "N months from D" keeps the day of month and clamps to the month's end
  (01-31 + 1 month = 02-28/29);
* if the profile's ``roll_forward`` is on and the last day is a rest day, the period
  ends on the next working day;
* a deadline is the inclusive last day on which the act is on time.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType

from tracker.core.calendar import WorkCalendar
from tracker.core.enums import HandlingRole
from tracker.core.i18n import N_  # labels: pages translate them (pure: no Flask)


class PeriodUnit(StrEnum):
    CALENDAR_DAY = "calendar_day"
    WORKING_DAY = "working_day"
    CALENDAR_MONTH = "calendar_month"


PERIOD_UNIT_LABELS: dict[PeriodUnit, str] = {
    PeriodUnit.CALENDAR_DAY: N_("自然日"),
    PeriodUnit.WORKING_DAY: N_("工作日"),
    PeriodUnit.CALENDAR_MONTH: N_("个月"),
}


@dataclass(frozen=True)
class Clock:
    """An amount of a period unit, e.g. ``Clock(2, PeriodUnit.WORKING_DAY)``."""

    amount: int
    unit: PeriodUnit

    def __post_init__(self) -> None:
        # Accept the stored string form ("working_day") from a rule profile.
        object.__setattr__(self, "unit", PeriodUnit(self.unit))
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError(f"clock amount must be an int, got {self.amount!r}")
        if self.amount < 0:
            raise ValueError(f"clock amount must not be negative, got {self.amount}")

    @property
    def label(self) -> str:
        """Chinese text such as "2 个工作日", "7 个自然日", "3 个月"."""
        if self.unit is PeriodUnit.CALENDAR_MONTH:
            return f"{self.amount} 个月"
        return f"{self.amount} 个{PERIOD_UNIT_LABELS[self.unit]}"

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Clock:
        """From the profile's JSON form ``{"amount": 2, "unit": "working_day"}``."""
        amount = data["amount"]
        if not isinstance(amount, int):
            raise TypeError(f"clock amount must be an int, got {amount!r}")
        return cls(amount, PeriodUnit(str(data["unit"])))

    def to_dict(self) -> dict[str, object]:
        return {"amount": self.amount, "unit": self.unit.value}


# The clocks of DOMAIN.md §3; keys are stable ids used in the database and the UI.
CLOCK_KEYS: tuple[str, ...] = (
    "receipt",
    "return_window",
    "return_decision",
    "first_contact",
    "co_opinion",
    "reply",
    "extension_notice",
    "reply_cap",
    "feedback_window",
    "rehandle",
    "publication",
    # 三书一函 (DOMAIN.md §14): each kind's default reply period; a deadline written in the
    # document wins over it (see reply_deadlines)
    "reply_procuratorial",
    "reply_judicial",
    "reply_supervisory",
    "reply_police",
)

CLOCK_LABELS: dict[str, str] = {
    "receipt": N_("签收"),
    "return_window": N_("申退"),
    "return_decision": N_("申退审核"),
    "first_contact": N_("办前沟通"),
    "co_opinion": N_("会办意见"),
    "reply": N_("答复"),
    "extension_notice": N_("延期申请提前"),
    "reply_cap": N_("最长办理期限"),
    "feedback_window": N_("征询意见"),
    "rehandle": N_("重新办理"),
    "publication": N_("公开"),
    "reply_procuratorial": N_("检察建议书回复"),
    "reply_judicial": N_("司法建议书回复"),
    "reply_supervisory": N_("监察建议书回复"),
    "reply_police": N_("公安提示函回复"),
}

# The event each clock counts from, as explain() names it.
CLOCK_ANCHOR_LABELS: dict[str, str] = {
    "receipt": N_("交办日"),
    "return_window": N_("交办日"),
    "return_decision": N_("申退提出日"),
    "first_contact": N_("交办日"),
    "co_opinion": N_("交办日"),
    "reply": N_("交办日"),
    "extension_notice": N_("答复期限"),
    "reply_cap": N_("交办日"),
    "feedback_window": N_("答复日"),
    "rehandle": N_("重新交办日"),
    "publication": N_("答复日"),
    "reply_procuratorial": N_("交办日"),
    "reply_judicial": N_("交办日"),
    "reply_supervisory": N_("交办日"),
    "reply_police": N_("交办日"),
}

DEFAULT_CLOCKS: Mapping[str, Clock] = MappingProxyType(
    {
        "receipt": Clock(2, PeriodUnit.WORKING_DAY),
        "return_window": Clock(7, PeriodUnit.WORKING_DAY),
        "return_decision": Clock(7, PeriodUnit.CALENDAR_DAY),
        "first_contact": Clock(15, PeriodUnit.WORKING_DAY),
        "co_opinion": Clock(1, PeriodUnit.CALENDAR_MONTH),
        "reply": Clock(3, PeriodUnit.CALENDAR_MONTH),
        "extension_notice": Clock(5, PeriodUnit.WORKING_DAY),
        "reply_cap": Clock(6, PeriodUnit.CALENDAR_MONTH),
        "feedback_window": Clock(15, PeriodUnit.WORKING_DAY),
        "rehandle": Clock(1, PeriodUnit.CALENDAR_MONTH),
        "publication": Clock(20, PeriodUnit.WORKING_DAY),
        # 检察建议: reply within two months of receipt (人民检察院检察建议工作规定);
        # 司法建议: courts usually ask for a reply within two months;
        # 监察建议: one month (监察法实施条例: 自收到监察建议书之日起一个月内书面回复);
        # 公安提示函: no national rule, one month is the common local practice.
        "reply_procuratorial": Clock(2, PeriodUnit.CALENDAR_MONTH),
        "reply_judicial": Clock(2, PeriodUnit.CALENDAR_MONTH),
        "reply_supervisory": Clock(1, PeriodUnit.CALENDAR_MONTH),
        "reply_police": Clock(1, PeriodUnit.CALENDAR_MONTH),
    }
)
"""Read-only; build a profile with ``{**DEFAULT_CLOCKS, "reply": Clock(...)}``."""

HANDLING_ROLES: tuple[str, ...] = tuple(role.value for role in HandlingRole)

# The reply clock of each item kind; kinds not listed (suggestions, proposals) use "reply".
KIND_REPLY_CLOCKS: Mapping[str, str] = MappingProxyType(
    {
        "procuratorial_suggestion": "reply_procuratorial",
        "judicial_suggestion": "reply_judicial",
        "supervisory_suggestion": "reply_supervisory",
        "police_notice": "reply_police",
    }
)


def reply_clock_key(kind: str | None) -> str:
    """The profile clock that sets the default reply date of an item of ``kind`` (the one rule)."""
    return KIND_REPLY_CLOCKS.get(kind or "", "reply")


@dataclass(frozen=True)
class RuleSet:
    """The rule profile as the pure code sees it."""

    clocks: Mapping[str, Clock] = field(default_factory=lambda: DEFAULT_CLOCKS)
    # A period whose last day is a rest day ends on the next working day.
    roll_forward: bool = True
    # A session may set an absolute reply date, which wins (still capped).
    absolute_reply_due: date | None = None
    # The clock of the item's kind (see reply_clock_key) for the default reply date.
    reply_clock: str = "reply"
    # A reply deadline written in the document itself (三书一函 文书载明的期限): it wins over
    # the session's date and the clock, and the cap never shortens it.
    written_reply_due: date | None = None
    # What the reply clock counts from (REPLY_ANCHORS) and that day for the item at hand; None:
    # the assignment day (also when the session's 闭会日 or the item's 收到日 is not recorded).
    reply_anchor: str = "assigned"
    reply_anchor_date: date | None = None
    # Off: a unit's clocks stop while its return request (申退) is pending; the office's
    # rejection moves the dates by the days it took (apply_pauses).
    clocks_run_during_return: bool = True

    def clock(self, key: str) -> Clock:
        """The profile's clock; the default one for a key the profile lacks."""
        found = self.clocks.get(key)
        if found is not None:
            return found
        if key in DEFAULT_CLOCKS:
            return DEFAULT_CLOCKS[key]
        raise KeyError(f"unknown clock {key!r}")


# The reply clock's anchors (DOMAIN.md §3) and how explain() names them.
REPLY_ANCHORS: dict[str, str] = {
    "assigned": N_("交办日"),
    "session_closed": N_("闭会日"),
    "received": N_("收到日"),
}


@dataclass(frozen=True)
class Deadline:
    """A computed deadline and everything needed to say why it is that date."""

    due: date
    anchor: date
    clock: Clock | None
    key: str
    counted_to: date  # the date before roll-forward / capping
    skipped: tuple[date, ...] = ()  # rest days skipped while counting working days
    rolled_from: date | None = None  # set when roll-forward moved the date
    capped_from: date | None = None  # set when the cap reduced it
    extended_from: date | None = None  # set when an approved extension moved it
    absolute: bool = False  # the session's absolute date was used
    written: bool = False  # the deadline written in the document (三书一函) was used
    # years touched by the computation that the calendar does not confirm
    unconfirmed_years: tuple[int, ...] = ()
    # For explain(): make-up workdays counted, names of the holidays involved, whether
    # the period ended on a rest day that was not rolled forward (roll-forward off).
    makeup_days: tuple[date, ...] = ()
    day_names: tuple[tuple[date, str], ...] = ()
    ends_on_rest_day: bool = False
    anchor_label: str = ""  # what ``anchor`` is, when not the clock's usual anchor (e.g. 闭会日)
    # set when the clock stopped while a return request was pending (with_pauses): the date
    # before, and the calendar days added
    paused_from: date | None = None
    paused_days: int = 0

    @property
    def overridden(self) -> bool:
        """The date was set by the office rather than computed from a clock."""
        return self.clock is None and not self.absolute and not self.written

    def explain(self) -> str:
        """Why this date, in Chinese, for the deadline's tooltip and detail page."""
        names = dict(self.day_names)
        before_extension = self.extended_from or self.due
        before_pause = self.paused_from or before_extension
        before_cap = self.capped_from or before_pause
        parts: list[str] = [self._explain_basis()]

        skipped_text = _describe_skipped(self.skipped, names)
        if skipped_text:
            gap = " " if skipped_text[0].isdigit() else ""
            parts.append(f"期间跳过{gap}{skipped_text}")
        if self.makeup_days:
            days = "、".join(_fmt(d) for d in self.makeup_days)
            parts.append(f"{days} 为调休上班日，计入工作日")
        if self.rolled_from is not None:
            reason = _rest_reason(self.rolled_from, names)
            parts.append(
                f"最后一日 {_fmt(self.rolled_from)} 为休息日（{reason}），"
                f"顺延至下一工作日 {_fmt(before_cap)}"
            )
        elif self.ends_on_rest_day:
            reason = _rest_reason(self.counted_to, names)
            parts.append(
                f"最后一日 {_fmt(self.counted_to)} 为休息日（{reason}），按规则不顺延"
            )
        if self.capped_from is not None:
            parts.append(
                f"受最长办理期限 {_fmt(before_pause)} 限制"
                f"（原为 {_fmt(self.capped_from)}）"
            )
        if self.paused_from is not None:
            parts.append(
                f"申退审核期间暂停计时 {self.paused_days} 天，"
                f"期限由 {_fmt(self.paused_from)} 顺延至 {_fmt(before_extension)}"
            )
        if self.extended_from is not None:
            parts.append(
                f"已批准延期，原期限 {_fmt(self.extended_from)}，延至 {_fmt(self.due)}"
            )
        parts.append(f"截止日为 {_fmt(self.due)}（含当日）")
        text = "；".join(parts) + "。"
        if self.unconfirmed_years:
            years = "、".join(str(y) for y in self.unconfirmed_years)
            text += (
                f"注意：{years} 年的工作日历尚未确认，"
                "暂按管理员录入的日期及周一至周五工作计算，请核对。"
            )
        return text

    def _explain_basis(self) -> str:
        if self.absolute:
            return f"按会次统一规定的答复日期 {_fmt(self.counted_to)}"
        if self.written:
            late = "，早于交办日期" if self.counted_to < self.anchor else ""
            return f"按文书载明的期限 {_fmt(self.counted_to)}（文书载明的期限优先于规则默认期限{late}）"
        if self.clock is None:
            return f"由交办单位指定为 {_fmt(self.counted_to)}"
        label = self.anchor_label or CLOCK_ANCHOR_LABELS.get(self.key, "起算日")
        anchor = f"自{label} {_fmt(self.anchor)} 起（当日不计）"
        n = self.clock.amount
        end = self.counted_to
        if self.clock.unit is PeriodUnit.WORKING_DAY:
            return f"{anchor}按 {n} 个工作日计算，第 {n} 个工作日为 {_fmt(end)}"
        if self.clock.unit is PeriodUnit.CALENDAR_DAY:
            return f"{anchor}按 {n} 个自然日计算，期满日为 {_fmt(end)}"
        if end.day != self.anchor.day:
            return (
                f"{anchor}按 {n} 个月计算，{end.year} 年 {end.month} 月无对应日，"
                f"期满日为该月最后一日 {_fmt(end)}"
            )
        return f"{anchor}按 {n} 个月计算，期满日为对应日 {_fmt(end)}"


def _fmt(d: date) -> str:
    return d.isoformat()


def _rest_reason(d: date, names: Mapping[date, str]) -> str:
    name = names.get(d)
    if name:
        return name
    return "周末" if d.weekday() >= 5 else "休息日"


def _runs(days: Iterable[date]) -> list[list[date]]:
    """Group sorted days into runs of consecutive days."""
    runs: list[list[date]] = []
    for d in sorted(days):
        if runs and d - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(d)
        else:
            runs.append([d])
    return runs


def _describe_skipped(skipped: Iterable[date], names: Mapping[date, str]) -> str:
    """E.g. "2025-10-01 至 2025-10-08 国庆节、中秋节假期（8 天），周末 2 天"."""
    pieces: list[str] = []
    weekend_days = 0
    other_days: list[date] = []
    for run in _runs(skipped):
        holiday_names: list[str] = []
        for d in run:
            name = names.get(d)
            if name and name not in holiday_names:
                holiday_names.append(name)
        if holiday_names:
            span = (
                _fmt(run[0]) if len(run) == 1 else f"{_fmt(run[0])} 至 {_fmt(run[-1])}"
            )
            pieces.append(f"{span} {'、'.join(holiday_names)}假期（{len(run)} 天）")
            continue
        for d in run:
            if d.weekday() >= 5:
                weekend_days += 1
            else:
                other_days.append(d)
    if weekend_days:
        pieces.append(f"周末 {weekend_days} 天")
    if other_days:
        pieces.append(f"其他休息日 {'、'.join(_fmt(d) for d in other_days)}")
    return "，".join(pieces)


# --- date arithmetic ---------------------------------------------------------------


def add_months(d: date, months: int) -> date:
    """Same day of month ``months`` later (or earlier), clamped to the month's end."""
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    last_day = _stdlib_calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last_day))


def add_working_days(d: date, n: int, cal: WorkCalendar) -> date:
    """The nth working day after ``d`` (n > 0), before it (n < 0), or ``d`` (n == 0)."""
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        d += step
        if cal.is_workday(d):
            remaining -= 1
    return d


def working_days_before(d: date, n: int, cal: WorkCalendar) -> date:
    """The date ``n`` working days before ``d``."""
    return add_working_days(d, -n, cal)


def working_days_between(start: date, end: date, cal: WorkCalendar) -> int:
    """Working days after ``start`` up to and including ``end``.

    Negative (the count from ``end`` to ``start``) when ``end < start``.
    """
    if end < start:
        return -working_days_between(end, start, cal)
    count = 0
    d = start
    while d < end:
        d += timedelta(days=1)
        if cal.is_workday(d):
            count += 1
    return count


def days_overdue(due: date | None, today: date) -> int:
    """Calendar days past the (inclusive) due date; 0 if not overdue or no due date."""
    if due is None or today <= due:
        return 0
    return (today - due).days


def feedback_window_anchor(answering: Iterable[tuple[bool, date | None]]) -> date | None:
    """The day an item's feedback window (征询意见期) counts from (DOMAIN.md §3, §5, §7).

    Feedback is on the item, so the window runs once every answering unit (主办, 分办, 独办) has
    sent its reply of the current round, from the latest of those replies: a 分办 item's window
    is the one of its last unit's reply. ``answering``: per answering unit, (its reply of the
    round is sent, the day it was sent). None while any has not replied, or none answers."""
    days: list[date] = []
    for replied, sent_on in answering:
        if not replied:
            return None
        if sent_on is not None:
            days.append(sent_on)
    return max(days) if days else None


def feedback_window_due(anchor: date, rules: RuleSet, cal: WorkCalendar) -> date:
    """The last day of the feedback window that counts from ``anchor`` (the profile's clock)."""
    return add_period(anchor, rules.clock("feedback_window"), cal, key="feedback_window",
                      roll_forward=rules.roll_forward).due


def window_over(due: date | None, today: date) -> bool:
    """Whether a window whose inclusive last day is ``due`` is over: from the next day on."""
    return due is not None and today > due


def window_over_from(due: date) -> date:
    """The first day on which a window whose inclusive last day is ``due`` is over."""
    return due + timedelta(days=1)


def _unconfirmed(cal: WorkCalendar, days: Iterable[date]) -> tuple[int, ...]:
    return tuple(sorted({d.year for d in days if not cal.is_confirmed(d.year)}))


def add_period(
    anchor: date,
    clock: Clock,
    cal: WorkCalendar,
    *,
    key: str = "",
    roll_forward: bool = True,
) -> Deadline:
    """The last day of ``clock`` counted from ``anchor`` (anchor day not counted)."""
    skipped: list[date] = []
    makeup: list[date] = []
    looked_at: list[date] = []  # days whose working status the result depends on
    if clock.unit is PeriodUnit.WORKING_DAY:
        d = anchor
        remaining = clock.amount
        while remaining:
            d += timedelta(days=1)
            looked_at.append(d)
            if cal.is_workday(d):
                remaining -= 1
                if d.weekday() >= 5:
                    makeup.append(d)
            else:
                skipped.append(d)
        counted_to = d
    elif clock.unit is PeriodUnit.CALENDAR_DAY:
        counted_to = anchor + timedelta(days=clock.amount)
    else:
        counted_to = add_months(anchor, clock.amount)

    due = counted_to
    rolled_from: date | None = None
    ends_on_rest_day = False
    if clock.unit is not PeriodUnit.WORKING_DAY or clock.amount == 0:
        # Only the last day's status matters, and only for roll-forward.
        if roll_forward:
            looked_at.append(counted_to)
            if not cal.is_workday(counted_to):
                due = cal.next_workday(counted_to)
                rolled_from = counted_to
                looked_at.append(due)
        elif not cal.is_workday(counted_to):
            ends_on_rest_day = True  # told in explain(); the date does not depend on it

    name_days = [*skipped]
    if rolled_from is not None or ends_on_rest_day:
        name_days.append(counted_to)
    day_names = tuple((d, name) for d in name_days if (name := cal.day_name(d)))
    return Deadline(
        due=due,
        anchor=anchor,
        clock=clock,
        key=key,
        counted_to=counted_to,
        skipped=tuple(skipped),
        rolled_from=rolled_from,
        absolute=False,
        unconfirmed_years=_unconfirmed(cal, looked_at),
        makeup_days=tuple(makeup),
        day_names=day_names,
        ends_on_rest_day=ends_on_rest_day,
    )


def _given_date(
    key: str, anchor: date, due: date, *, absolute: bool, written: bool = False
) -> Deadline:
    """A deadline set as a date (the session's absolute date, the office's edit, or the
    deadline written in the document)."""
    return Deadline(
        due=due,
        anchor=anchor,
        clock=None,
        key=key,
        counted_to=due,
        absolute=absolute,
        written=written,
    )


def _cap(d: Deadline, cap: Deadline) -> Deadline:
    if d.due <= cap.due:
        return d
    years = tuple(sorted({*d.unconfirmed_years, *cap.unconfirmed_years}))
    return replace(d, due=cap.due, capped_from=d.due, unconfirmed_years=years)


def reply_deadlines(
    assigned_on: date,
    rules: RuleSet,
    cal: WorkCalendar,
    *,
    reply_due: date | None = None,
) -> tuple[Deadline, Deadline]:
    """(reply_due, reply_due_max) for an assignment; the reply never passes the cap.

    Precedence: the office's edit ``reply_due``, then the deadline written in the document
    (``rules.written_reply_due``, 三书一函), then the session's absolute date (ignored when
    it is not after ``assigned_on``: an item assigned after the session's date gets the
    normal clock), then the kind's reply clock (``rules.reply_clock``). A written deadline
    is never shortened by the cap: when it is later, it is also ``reply_due_max``.
    """
    cap = add_period(
        assigned_on,
        rules.clock("reply_cap"),
        cal,
        key="reply_cap",
        roll_forward=rules.roll_forward,
    )
    if reply_due is not None:
        if reply_due < assigned_on:
            raise ValueError(
                f"reply_due {reply_due} is before assigned_on {assigned_on}"
            )
        reply = _given_date("reply", assigned_on, reply_due, absolute=False)
    elif rules.written_reply_due is not None:
        written = rules.written_reply_due
        reply = _given_date("reply", assigned_on, written, absolute=False, written=True)
        if written > cap.due:
            cap = _given_date("reply_cap", assigned_on, written, absolute=False, written=True)
        return reply, cap
    elif (
        rules.absolute_reply_due is not None and rules.absolute_reply_due > assigned_on
    ):
        reply = _given_date(
            "reply", assigned_on, rules.absolute_reply_due, absolute=True
        )
    else:
        reply = _anchored_reply(assigned_on, rules, cal) or add_period(
            assigned_on,
            rules.clock(rules.reply_clock),
            cal,
            key=rules.reply_clock,
            roll_forward=rules.roll_forward,
        )
    return _cap(reply, cap), cap


def _anchored_reply(assigned_on: date, rules: RuleSet, cal: WorkCalendar) -> Deadline | None:
    """The reply date counted from the profile's anchor (闭会日 or 收到日) instead of the
    assignment day; None when the anchor is the assignment day, its date is not recorded, or
    the date it gives is not after the assignment day (then the usual clock applies)."""
    anchor = rules.reply_anchor_date
    if rules.reply_anchor == "assigned" or anchor is None or rules.reply_clock != "reply":
        return None
    reply = add_period(anchor, rules.clock("reply"), cal, key="reply", roll_forward=rules.roll_forward)
    if reply.due <= assigned_on:
        return None
    return replace(reply, anchor_label=REPLY_ANCHORS.get(rules.reply_anchor, ""))


def assignment_deadlines(
    assigned_on: date,
    role: str,
    rules: RuleSet,
    cal: WorkCalendar,
    *,
    reply_due: date | None = None,
) -> dict[str, Deadline]:
    """All deadlines of one unit's assignment, keyed by the ``*_due`` fields.

    Keys: receipt_due, return_due, first_contact_due, co_opinion_due (role "co" only),
    reply_due, reply_due_max. A co unit does not reply itself; its reply_due is the
    lead's date computed the same way (informative), its own clock is co_opinion_due.
    """
    if role not in HANDLING_ROLES:
        raise ValueError(
            f"unknown handling role {role!r}; expected one of {HANDLING_ROLES}"
        )

    def period(clock_key: str) -> Deadline:
        return add_period(
            assigned_on,
            rules.clock(clock_key),
            cal,
            key=clock_key,
            roll_forward=rules.roll_forward,
        )

    result: dict[str, Deadline] = {
        "receipt_due": period("receipt"),
        "return_due": period("return_window"),
        "first_contact_due": period("first_contact"),
    }
    if role == HandlingRole.CO:
        result["co_opinion_due"] = period("co_opinion")
    result["reply_due"], result["reply_due_max"] = reply_deadlines(
        assigned_on, rules, cal, reply_due=reply_due
    )
    return result


def validate_reply_due(
    proposed: date, assigned_on: date, rules: RuleSet, cal: WorkCalendar,
    stored_cap: date | None = None,
) -> str | None:
    """Chinese error if the date is before assignment or past the cap; else None.

    ``stored_cap``: an existing assignment's maximum as stored, which a return request's pause
    (apply_pauses) may have moved past the computed one; the later of the two applies."""
    if proposed < assigned_on:
        return f"答复期限 {_fmt(proposed)} 不能早于交办日期 {_fmt(assigned_on)}。"
    cap_clock = rules.clock("reply_cap")
    cap = add_period(
        assigned_on, cap_clock, cal, key="reply_cap", roll_forward=rules.roll_forward
    )
    if rules.written_reply_due is not None and proposed <= rules.written_reply_due:
        return None  # up to the deadline written in the document, even past the cap
    if stored_cap is not None and stored_cap > cap.due:
        if proposed > stored_cap:
            return (
                f"答复期限 {_fmt(proposed)} 超过最长办理期限 {_fmt(stored_cap)}"
                f"（自交办之日起 {cap_clock.label}，含申退审核期间暂停计时 {(stored_cap - cap.due).days} 天）。"
            )
        return None
    if proposed > cap.due:
        return (
            f"答复期限 {_fmt(proposed)} 超过最长办理期限 {_fmt(cap.due)}"
            f"（自交办之日起 {cap_clock.label}）。"
        )
    return None


def period_before(d: date, clock: Clock, cal: WorkCalendar) -> date:
    """The date ``clock`` before ``d`` (no roll-forward).

    Used for "at least N before": the latest day that is still early enough.
    """
    if clock.unit is PeriodUnit.WORKING_DAY:
        return working_days_before(d, clock.amount, cal)
    if clock.unit is PeriodUnit.CALENDAR_DAY:
        return d - timedelta(days=clock.amount)
    return add_months(d, -clock.amount)


def extension_request_deadline(
    current_due: date, rules: RuleSet, cal: WorkCalendar
) -> date:
    """The last day on which an extension of ``current_due`` may be requested."""
    return period_before(current_due, rules.clock("extension_notice"), cal)


def validate_extension(
    requested: date,
    current_due: date,
    reply_due_max: date,
    today: date,
    rules: RuleSet,
    cal: WorkCalendar,
) -> list[str]:
    """Chinese reasons why an extension request is not allowed ([] when it is)."""
    errors: list[str] = []
    if requested <= current_due:
        errors.append(
            f"延期后的答复期限 {_fmt(requested)} "
            f"必须晚于当前答复期限 {_fmt(current_due)}。"
        )
    if requested > reply_due_max:
        errors.append(
            f"延期后的答复期限 {_fmt(requested)} "
            f"不得超过最长办理期限 {_fmt(reply_due_max)}。"
        )
    notice = rules.clock("extension_notice")
    latest = period_before(current_due, notice, cal)
    if today > latest:
        errors.append(
            f"延期申请须在答复期限 {_fmt(current_due)} 前至少 {notice.label}提出，"
            f"即最迟 {_fmt(latest)}，现已超过申请时限。"
        )
    return errors


# The dates that stop while a return request is pending (clocks_run_during_return off): the
# unit's own clocks; not the return window, and not an extension the office granted.
PAUSABLE_KEYS: tuple[str, ...] = (
    "receipt_due", "first_contact_due", "co_opinion_due", "reply_due", "reply_due_max",
)

Pause = tuple[date, date]  # (local day the return request was made, local day it was decided)


def pause_date(
    due: date, pauses: Iterable[Pause], cal: WorkCalendar, roll_forward: bool = True
) -> date:
    """``due`` after the clock stopped for each pause, in order of their start.

    A pause moves a date that had not passed when it started (``due >= start``: a deadline is
    the inclusive last day) later by its calendar days (``end - start``; 0: no change), to
    the next working day when ``roll_forward`` is on and that day is a rest day.
    """
    return _paused(due, pauses, cal, roll_forward)[0]


def _paused(
    due: date, pauses: Iterable[Pause], cal: WorkCalendar, roll_forward: bool
) -> tuple[date, int]:
    """(the date after the pauses, the calendar days they added)."""
    added = 0
    for start, end in sorted(pauses):
        days = (end - start).days
        if days <= 0 or due < start:
            continue
        added += days
        due += timedelta(days=days)
        if roll_forward and not cal.is_workday(due):
            due = cal.next_workday(due)
    return due, added


def fixed_keys(computed: Mapping[str, Deadline]) -> frozenset[str]:
    """The keys of ``computed`` that are fixed dates rather than clocks: the session's absolute
    date and the deadline written in the document (三书一函, DOMAIN.md §14: it wins). A pause
    does not move them."""
    return frozenset(key for key, d in computed.items() if d.absolute or d.written)


def apply_pauses(
    dates: Mapping[str, date | None],
    pauses: Iterable[Pause],
    cal: WorkCalendar,
    roll_forward: bool = True,
    fixed: Iterable[str] = (),
) -> dict[str, date | None]:
    """The ``*_due`` dates after the pauses (pause_date); keys not in PAUSABLE_KEYS, the
    ``fixed`` ones (:func:`fixed_keys`) and None dates are unchanged."""
    pauses = list(pauses)
    fixed = frozenset(fixed)
    return {
        key: pause_date(d, pauses, cal, roll_forward)
        if d is not None and key in PAUSABLE_KEYS and key not in fixed else d
        for key, d in dates.items()
    }


def with_pauses(
    d: Deadline, pauses: Iterable[Pause], cal: WorkCalendar, roll_forward: bool = True
) -> Deadline:
    """The deadline after the pauses (pause_date), saying so in explain(); ``d`` itself when
    none moved it. The caller decides which deadlines pause (PAUSABLE_KEYS).

    Only a clock stops: a fixed date (the session's absolute date, the deadline written in a
    三书一函 document) is no clock and stays where it is (:func:`fixed_keys`)."""
    if d.absolute or d.written:
        return d
    due, days = _paused(d.due, pauses, cal, roll_forward)
    if due == d.due:
        return d
    years = set(d.unconfirmed_years)
    if not cal.is_confirmed(due.year):
        years.add(due.year)
    return replace(
        d, due=due, paused_from=d.due, paused_days=days, unconfirmed_years=tuple(sorted(years))
    )


def with_extension(
    d: Deadline, new_due: date, cal: WorkCalendar | None = None
) -> Deadline:
    """The deadline after an approved extension; ``extended_from`` keeps the old date.

    Pass ``cal`` to add the new date's year to ``unconfirmed_years`` when the calendar
    does not confirm it.
    """
    years = set(d.unconfirmed_years)
    if cal is not None and not cal.is_confirmed(new_due.year):
        years.add(new_due.year)
    return replace(
        d, due=new_due, extended_from=d.due, unconfirmed_years=tuple(sorted(years))
    )


__all__ = [
    "CLOCK_ANCHOR_LABELS",
    "CLOCK_KEYS",
    "CLOCK_LABELS",
    "DEFAULT_CLOCKS",
    "HANDLING_ROLES",
    "KIND_REPLY_CLOCKS",
    "PAUSABLE_KEYS",
    "PERIOD_UNIT_LABELS",
    "Clock",
    "Deadline",
    "PeriodUnit",
    "RuleSet",
    "add_months",
    "add_period",
    "add_working_days",
    "apply_pauses",
    "fixed_keys",
    "assignment_deadlines",
    "days_overdue",
    "extension_request_deadline",
    "pause_date",
    "period_before",
    "reply_clock_key",
    "reply_deadlines",
    "validate_extension",
    "validate_reply_due",
    "with_extension",
    "working_days_before",
    "with_pauses",
    "working_days_between",
]
