"""The reminder schedule of DOMAIN.md §10, as data, and its evaluation. PURE: no database,
no Flask, no clock — today and the working calendar come in as arguments.

A rule watches one date of an assignment (its *event*: the receipt date, the reply date, a
commitment's date ...) and fires ``offset`` days before (negative) or after (positive) it, in
working days or calendar days. "N working days overdue" is the Nth working day after the
(inclusive) due date. A reminder is due on and after its trigger date (so a sweep that did
not run for a few days still creates it — once, because its key is (assignment or
commitment, rule, due date)); an early warning (negative offset) is only worth sending until
the date it warns about has passed, and of several plain reminders about the same date only
the latest step is sent (after a pause: "15 days left", not also "30 days left"); supervision
slips keep every step. A reminder stops when the act is done: receipt signed,
reply sent, co opinion submitted, contact recorded, feedback in, commitment kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from tracker.assignments.deadlines import add_months, add_working_days, window_over_from
from tracker.core.calendar import WorkCalendar
from tracker.core.enums import HandlingRole
from tracker.core.i18n import N_  # display labels below; pages translate them

# key, label, event, offset, offset_unit, recipients, slip, condition
DEFAULT_RULES: list[tuple[str, str, str, int, str, list[str], str, str]] = [
    ("assigned", "交办通知", "assigned_on", 0, "calendar_day", ["handler", "unit_leader"], "", ""),
    ("receipt_overdue", "催签", "receipt_due", 0, "working_day", ["handler"], "", ""),
    ("return_window", "申退期限提醒", "return_due", -2, "working_day", ["handler"], "", ""),
    ("co_due_5", "会办意见预警（5个工作日）", "co_opinion_due", -5, "working_day", ["handler"], "", ""),
    ("co_due_0", "会办意见今日到期", "co_opinion_due", 0, "working_day", ["handler"], "", ""),
    ("co_late_1", "会办意见逾期催办", "co_opinion_due", 1, "working_day", ["handler", "unit_leader"], "", ""),
    (
        "reply_due_30",
        "答复预警（30天）",
        "reply_due",
        -30,
        "calendar_day",
        ["handler", "unit_leader"],
        "",
        "",
    ),
    (
        "reply_due_15",
        "答复预警（15天）",
        "reply_due",
        -15,
        "calendar_day",
        ["handler", "unit_leader"],
        "",
        "",
    ),
    (
        "reply_due_5",
        "答复预警（5个工作日）",
        "reply_due",
        -5,
        "working_day",
        ["handler", "unit_leader"],
        "",
        "",
    ),
    ("overdue_1", "督办通知（蓝单）", "reply_due", 1, "working_day", ["unit_leader"], "blue", ""),
    ("overdue_5", "督办通知（橙单）", "reply_due", 5, "working_day", ["unit_leader", "office"], "orange", ""),
    ("overdue_10", "督办通知（红单）", "reply_due", 10, "working_day", ["city_leader", "office"], "red", ""),
    ("no_contact", "沟通提醒", "reply_due", -20, "calendar_day", ["handler"], "", "no_contact"),
    ("feedback_window", "征询意见期满", "feedback_due", 0, "working_day", ["office"], "", ""),
    ("commitment_15", "承诺事项到期提醒", "commitment_due", -15, "calendar_day", ["handler"], "", ""),
    (
        "commitment_overdue",
        "承诺事项逾期",
        "commitment_due",
        1,
        "calendar_day",
        ["handler", "unit_leader"],
        "",
        "",
    ),
]

# The dates a rule may watch, with the Chinese name of each.
EVENTS: dict[str, str] = {
    "assigned_on": N_("交办日"),
    "receipt_due": N_("签收期限"),
    "return_due": N_("申退期限"),
    "first_contact_due": N_("办前沟通期限"),
    "co_opinion_due": N_("会办意见期限"),
    "reply_due": N_("答复期限"),
    "feedback_due": N_("征询意见期限"),
    "commitment_due": N_("承诺事项期限"),
}

# Who a rule can tell.
RECIPIENTS: dict[str, str] = {
    "handler": N_("经办人"),
    "unit_handlers": N_("承办单位全部经办人"),
    "unit_leader": N_("承办单位领导"),
    "office": N_("交办单位（督查室）"),
    "city_leader": N_("领办或分管市领导"),
}

OFFSET_UNITS: dict[str, str] = {"working_day": N_("个工作日"), "calendar_day": N_("天")}

SLIP_COLORS: dict[str, str] = {"": N_("不发督办单"), "blue": N_("蓝单"), "orange": N_("橙单"), "red": N_("红单")}

# Extra conditions beyond "the act is not done yet".
CONDITIONS: dict[str, str] = {"": N_("（无）"), "no_contact": N_("尚未记录与代表委员的沟通")}

ANSWERING = frozenset(r.value for r in (HandlingRole.LEAD, HandlingRole.SEPARATE, HandlingRole.SOLE))


@dataclass(frozen=True)
class RuleSpec:
    """One rule of the schedule as the pure code sees it."""

    key: str
    label: str
    event: str
    offset: int
    unit: str = "working_day"
    recipients: tuple[str, ...] = ()
    slip: str = ""
    active: bool = True
    condition: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "recipients", tuple(self.recipients))
        if self.event not in EVENTS:
            raise ValueError(f"unknown reminder event {self.event!r}")
        if self.unit not in (*OFFSET_UNITS, "calendar_month"):
            raise ValueError(f"unknown offset unit {self.unit!r}")

    @property
    def when(self) -> str:
        """When the rule fires, in Chinese: "答复期限前 5 个工作日", "交办当日" ..."""
        return describe_when(self.event, self.offset, self.unit)


def describe_when(event: str, offset: int, unit: str) -> str:
    name = EVENTS.get(event, event)
    if offset == 0:
        if event == "feedback_due":
            return "征询意见期限次日"  # the last day is still the submitters' (trigger_date)
        return "交办当日" if event == "assigned_on" else f"{name}当日"
    amount = abs(offset)
    unit_text = "个月" if unit == "calendar_month" else OFFSET_UNITS.get(unit, unit)
    if offset < 0:
        return f"{name}前 {amount} {unit_text}"
    if unit == "working_day":
        return f"{name}后第 {amount} 个工作日（超期 {amount} 个工作日）"
    return f"{name}后 {amount} {unit_text}"


def default_specs() -> list[RuleSpec]:
    return [
        RuleSpec(key, label, event, offset, unit, tuple(recipients), slip, True, condition)
        for key, label, event, offset, unit, recipients, slip, condition in DEFAULT_RULES
    ]


class CommitmentFact(NamedTuple):
    id: int
    due_on: date
    kept: bool = False


@dataclass(slots=True)
class AssignmentFacts:
    """What the rules need to know about one assignment (plain values, no database)."""

    role: str
    status: str
    assigned_on: date
    receipt_due: date | None = None
    return_due: date | None = None
    first_contact_due: date | None = None
    co_opinion_due: date | None = None
    reply_due: date | None = None  # the reply date in force: re-handling > extension > original
    received: bool = False
    replied: bool = False
    opinion_submitted: bool = False
    return_requested: bool = False
    void: bool = False  # returned (申退 approved): nothing is owed any more
    has_contact: bool = False
    feedback_due: date | None = None  # end of the feedback window of the reply sent
    feedback_complete: bool = False  # every submitter answered (not merely 未表态 by expiry)
    commitments: tuple[CommitmentFact, ...] = field(default_factory=tuple)

    @property
    def answering(self) -> bool:
        return self.role in ANSWERING

    @property
    def is_co(self) -> bool:
        return self.role == HandlingRole.CO.value


@dataclass(frozen=True)
class DueReminder:
    """A reminder that is due: created once under :meth:`key`."""

    rule_key: str
    due_on: date  # the watched date (e.g. the reply date)
    recipients: tuple[str, ...]
    slip: str = ""
    fires_on: date | None = None  # the trigger date (on or after which it is due)
    commitment_id: int | None = None
    label: str = ""

    def key(self, assignment_id: int) -> str:
        """Unique key: (assignment or commitment, rule, due date)."""
        subject = f"c{self.commitment_id}" if self.commitment_id is not None else f"a{assignment_id}"
        return f"{subject}:{self.rule_key}:{self.due_on.isoformat()}"


def _watched(facts: AssignmentFacts, rule: RuleSpec) -> list[tuple[date, int | None]]:
    """The dates a rule watches for these facts, or [] when the act is done / not owed."""
    if facts.void:
        return []
    event = rule.event
    dates: list[tuple[date, int | None]] = []
    if event == "assigned_on":
        if not facts.received and not facts.return_requested:
            dates.append((facts.assigned_on, None))
    elif event == "receipt_due":
        if not facts.received and not facts.return_requested and facts.receipt_due:
            dates.append((facts.receipt_due, None))
    elif event == "return_due":
        done = facts.replied or facts.opinion_submitted or facts.return_requested
        if not done and facts.return_due:
            dates.append((facts.return_due, None))
    elif event == "first_contact_due":
        if facts.answering and not facts.has_contact and not facts.replied and facts.first_contact_due:
            dates.append((facts.first_contact_due, None))
    elif event == "co_opinion_due":
        if facts.is_co and not facts.opinion_submitted and facts.co_opinion_due:
            dates.append((facts.co_opinion_due, None))
    elif event == "reply_due":
        if facts.answering and not facts.replied and facts.reply_due:
            dates.append((facts.reply_due, None))
    elif event == "feedback_due":
        if facts.feedback_due and not facts.feedback_complete:
            dates.append((facts.feedback_due, None))
    elif event == "commitment_due":
        for c in facts.commitments:
            c = CommitmentFact(*c)
            if not c.kept:
                dates.append((c.due_on, c.id))
    if rule.condition == "no_contact" and facts.has_contact:
        return []
    return dates


@lru_cache(maxsize=1 << 16)
def _shift(day: date, offset: int, unit: str, cal: WorkCalendar) -> date:
    if offset == 0:
        return day
    if unit == "working_day":
        return add_working_days(day, offset, cal)
    if unit == "calendar_month":
        return add_months(day, offset)
    return day + timedelta(days=offset)


def trigger_date(due_on: date, rule: RuleSpec, cal: WorkCalendar) -> date:
    """The day on and after which the rule's reminder for ``due_on`` is due.

    The feedback window (``feedback_due``) is a period the submitters have, not an act owed by
    then: "征询意见期满" is the first day after its inclusive last day, when close-out records
    未表态 (deadlines.window_over); a rule on or after it fires no earlier. A rule set to warn
    before (negative offset) keeps its day."""
    fires = _shift(due_on, rule.offset, rule.unit, cal)
    if rule.event == "feedback_due" and rule.offset >= 0:
        return max(fires, window_over_from(due_on))
    return fires


def due_reminders(
    facts: AssignmentFacts, today: date, rules: Sequence[RuleSpec], cal: WorkCalendar
) -> list[DueReminder]:
    """Every reminder due for an assignment today (created once each by the sweep)."""
    due: list[DueReminder] = []
    watched_by: dict[tuple[str, str], list[tuple[date, int | None]]] = {}
    for rule in rules:
        if not rule.active:
            continue
        group = (rule.event, rule.condition)
        watched_dates = watched_by.get(group)
        if watched_dates is None:
            watched_dates = watched_by[group] = _watched(facts, rule)
        for watched, commitment_id in watched_dates:
            if rule.offset < 0:
                if today > watched:
                    continue  # an early warning about a date that has passed is stale
            elif today < watched:
                continue  # a reminder on or after the date cannot be due before it
            fires = trigger_date(watched, rule, cal)
            if today < fires:
                continue
            due.append(
                DueReminder(rule.key, watched, rule.recipients, rule.slip, fires, commitment_id, rule.label)
            )
    if len(due) > 1:
        due = _latest_of_each_series(due, {rule.key: rule for rule in rules})
        due.sort(key=lambda d: (d.fires_on or d.due_on, d.rule_key, d.commitment_id or 0))
    return due


def _latest_of_each_series(due: list[DueReminder], by_key: dict[str, RuleSpec]) -> list[DueReminder]:
    """Of the plain reminders about one date (e.g. "30 days left" and "15 days left"), only the
    most recent step is due: after a pause the sweep sends "15 days left", not both. Slips are
    kept, every step: they are records of escalation (counted per unit and in assessment)."""
    latest: dict[tuple, date] = {}
    for d in due:
        rule = by_key[d.rule_key]
        if not d.slip:
            series = (rule.event, rule.condition, d.due_on, d.commitment_id)
            latest[series] = max(latest.get(series, d.fires_on), d.fires_on)
    return [
        d
        for d in due
        if d.slip
        or d.fires_on
        == latest[(by_key[d.rule_key].event, by_key[d.rule_key].condition, d.due_on, d.commitment_id)]
    ]


def next_reminders(
    facts: AssignmentFacts, today: date, rules: Iterable[RuleSpec], cal: WorkCalendar, *, limit: int = 3
) -> list[DueReminder]:
    """The next reminders that will fire after today (for the item page's outlook)."""
    upcoming: list[DueReminder] = []
    for rule in rules:
        if not rule.active:
            continue
        for watched, commitment_id in _watched(facts, rule):
            fires = trigger_date(watched, rule, cal)
            if fires > today:
                upcoming.append(
                    DueReminder(
                        rule.key, watched, rule.recipients, rule.slip, fires, commitment_id, rule.label
                    )
                )
    upcoming.sort(key=lambda d: (d.fires_on, d.rule_key))
    return upcoming[:limit]


def overdue_days(due: date | None, today: date) -> int:
    """Calendar days past an inclusive due date (DOMAIN.md: days overdue count calendar days)."""
    if due is None or today <= due:
        return 0
    return (today - due).days


def validate_rule(
    *, label: str, offset: int | None, unit: str, recipients: Sequence[str], slip: str
) -> dict[str, str]:
    """Chinese field errors for an administrator's edit of a rule ({} when it is fine)."""
    errors: dict[str, str] = {}
    if not (label or "").strip():
        errors["label"] = "请填写提醒名称"
    elif len(label.strip()) > 100:
        errors["label"] = "提醒名称不能超过 100 个字符"
    if offset is None:
        errors["offset"] = "请填写提前或延后的天数"
    elif not -366 <= offset <= 366:
        errors["offset"] = "天数应在 -366 到 366 之间"
    if unit not in OFFSET_UNITS:
        errors["offset_unit"] = "单位须为工作日或自然日"
    if not recipients:
        errors["recipients"] = "请至少选择一类接收人"
    elif any(r not in RECIPIENTS for r in recipients):
        errors["recipients"] = "接收人类型不正确"
    if slip not in SLIP_COLORS:
        errors["slip"] = "督办单颜色不正确"
    return errors
