"""Rule profile, working calendar and settings: loading them for the pure rules, editing them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g, has_request_context, request

from tracker.assignments.deadlines import DEFAULT_CLOCKS, Clock, PeriodUnit, RuleSet
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.calendar import WorkCalendar, package_days, package_years
from tracker.core.db import db
from tracker.core.enums import DEFAULT_FACE_TO_FACE_METHODS, ContactMethod, Tier
from tracker.rules.models import CalendarDay, ChecklistEntry, RuleProfile, Setting

DEFAULT_PROFILE_NAME = "默认规则"

# The "3+1" checklist of DOMAIN.md §4: three contacts plus commitments delivered.
DEFAULT_CHECKLIST = [
    ("contact_before", "办前沟通"),
    ("contact_during", "办中沟通"),
    ("contact_after", "办后沟通"),
    ("commitments_kept", "承诺兑现"),
]
LEADER_LED_EXTRA = [("face_to_face", "与代表委员当面沟通（领办件必须）")]

DEFAULT_SETTINGS: dict[str, Any] = {
    "calendar_confirmed_years": [],
    "calendar_version": 1,
    "mail_digest": False,
    "mail_max_age_days": 7,  # older notices are not mailed (they stay in-app)
    "dispatch_weekday": 0,
    "dispatch_hour": 9,
    "dispatch_weekly": True,
    "urge_throttle_hours": 24,
    "result_classes": ["A", "B", "C", "D"],
    "face_to_face_methods": list(DEFAULT_FACE_TO_FACE_METHODS),
}


def clocks_to_json(clocks: dict[str, Clock]) -> dict[str, dict]:
    return {k: {"amount": c.amount, "unit": c.unit.value} for k, c in clocks.items()}


def clocks_from_json(data: dict[str, dict] | None) -> dict[str, Clock]:
    clocks = dict(DEFAULT_CLOCKS)
    for key, value in (data or {}).items():
        if key in clocks:
            clocks[key] = Clock(int(value["amount"]), PeriodUnit(value["unit"]))
    return clocks


def _memo() -> dict[str, Any] | None:
    """What this page request has already read of settings and rule profiles, or None.

    A page asks for them once per assignment row and panel (the item page: a dozen identical
    queries). Only GET requests keep a memo (``start_memo``, called before each one): they
    change no rule. It is tied to the request object, not to ``g`` alone (a test client may
    reuse an app context), and the writers below forget it all the same."""
    if not has_request_context():
        return None
    memo = g.get("_rules_memo")
    if memo is None or memo.get("_request") is not request._get_current_object():  # type: ignore[attr-defined]
        return None
    return memo


def start_memo() -> None:
    if request.method in ("GET", "HEAD"):
        g._rules_memo = {"_request": request._get_current_object()}  # type: ignore[attr-defined]


def forget_memo() -> None:
    memo = _memo()
    if memo is not None:
        for key in [k for k in memo if k != "_request"]:
            del memo[key]


def get_setting(key: str) -> Any:
    memo = _memo()
    if memo is not None:
        # a page reads several settings (calendar, reply classes, reminder throttle): the
        # table is a few rows, so the first read takes them all
        stored = memo.get("settings")
        if stored is None:
            stored = memo["settings"] = dict(Setting.select(Setting.key, Setting.value).tuples())
        return stored[key] if key in stored else DEFAULT_SETTINGS.get(key)
    row = Setting.get_or_none(Setting.key == key)
    return row.value if row is not None else DEFAULT_SETTINGS.get(key)


DEFAULT_OFFICE_NAME = "市人民政府办公室"


def office_name() -> str:
    """The office's name (setting ``office_name``): on letterheads, and for the office's steps
    where a submitter reads them."""
    return (get_setting("office_name") or DEFAULT_OFFICE_NAME).strip() or DEFAULT_OFFICE_NAME


def set_setting(key: str, value: Any, *, actor: Any = None) -> None:
    forget_memo()
    with db.atomic():
        old = get_setting(key)
        Setting.insert(key=key, value=value).on_conflict(
            conflict_target=[Setting.key], update={Setting.value: value}
        ).execute()
        if actor is not None:
            audit.record("setting_changed", None, actor=actor, before={key: old}, after={key: value})
    forget_memo()


def face_to_face_methods() -> frozenset[str]:
    """The contact methods that count as face-to-face (见面): the setting, known methods only."""
    stored = get_setting("face_to_face_methods")
    known = {m.value for m in ContactMethod}
    methods = frozenset(m for m in stored or () if m in known)
    return methods or frozenset(DEFAULT_FACE_TO_FACE_METHODS)


def default_profile() -> RuleProfile:
    memo = _memo()
    if memo is not None and "profile:default" in memo:
        return memo["profile:default"]
    profile = RuleProfile.get_or_none(RuleProfile.is_default == True)  # noqa: E712
    if profile is None:
        profile = ensure_profile()
    if memo is not None:
        memo["profile:default"] = profile
    return profile


def profile_for(session: Any = None) -> RuleProfile:
    if session is not None and session.profile_id:
        memo = _memo()
        if memo is None:
            return session.profile
        key = f"profile:{session.profile_id}"
        if key not in memo:
            memo[key] = session.profile
        return memo[key]
    return default_profile()


def rule_set(session: Any = None) -> RuleSet:
    """The rules of a session's items: its profile, its absolute reply date, and the reply
    clock's anchor (the session's 闭会日 when the profile counts from it; an item's 收到日 is
    added by ``assignments.services.rule_set_for``)."""
    profile = profile_for(session)
    anchor = getattr(profile, "reply_anchor", None) or "assigned"
    return RuleSet(
        clocks=clocks_from_json(profile.clocks),
        roll_forward=profile.roll_forward,
        absolute_reply_due=getattr(session, "reply_due_absolute", None) if session else None,
        reply_anchor=anchor,
        reply_anchor_date=(getattr(session, "closed_on", None) if session and anchor == "session_closed" else None),
        clocks_run_during_return=getattr(profile, "clocks_run_during_return", True) is not False,
    )


_calendar_cache: dict[str, Any] = {"version": None, "calendar": None}


def work_calendar() -> WorkCalendar:
    """The working calendar: package + administrator overrides, cached per calendar version."""
    version = get_setting("calendar_version")
    if _calendar_cache["version"] != version or _calendar_cache["calendar"] is None:
        admin_rows = list(CalendarDay.select().where(CalendarDay.source == "admin"))
        overrides = {row.day: row.is_workday for row in admin_rows}
        names = {row.day: row.name for row in admin_rows if row.name}
        confirmed = get_setting("calendar_confirmed_years") or []
        _calendar_cache["calendar"] = WorkCalendar(overrides, confirmed_years=confirmed, names=names)
        _calendar_cache["version"] = version
    return _calendar_cache["calendar"]


def clear_calendar_cache() -> None:
    _calendar_cache["version"] = None
    _calendar_cache["calendar"] = None


def _bump_calendar_version() -> None:
    version = int(get_setting("calendar_version") or 1) + 1
    Setting.insert(key="calendar_version", value=version).on_conflict(
        conflict_target=[Setting.key], update={Setting.value: version}
    ).execute()
    forget_memo()


def set_calendar_day(day: dt.date, is_workday: bool, reason: str, *, actor: Any,
                     name: str | None = None) -> CalendarDay:
    """An administrator's correction of one day. Open assignments' dates are recomputed.

    ``name`` (e.g. 国庆节) labels the day; None keeps the row's current name. The number of
    open assignments whose dates changed is left on the row as ``recomputed_count``.
    """
    from tracker.core.errors import ValidationFailed

    if not reason.strip():
        raise ValidationFailed("请填写调整原因", fields={"reason": "请填写调整原因"})
    with db.atomic():
        row = CalendarDay.get_or_none(CalendarDay.day == day)
        before = {"is_workday": row.is_workday, "source": row.source} if row else None
        if row is None:
            row = CalendarDay(day=day)
        row.is_workday = is_workday
        if name is not None:
            row.name = name.strip()[:50]
        row.source = "admin"
        row.reason = reason.strip()
        row.updated_by = actor.id
        row.updated_at = clock.now()
        row.save()
        _bump_calendar_version()
        audit.record(
            "calendar_changed", row, actor=actor, before=before,
            after={"day": day.isoformat(), "is_workday": is_workday, "reason": reason, "source": "admin"},
            detail=f"{day.isoformat()} 设为{'工作日' if is_workday else '休息日'}：{reason}",
        )
    clear_calendar_cache()
    from tracker.assignments.services import recompute_open_deadlines

    row.recomputed_count = recompute_open_deadlines(
        actor=actor, reason=f"工作日历调整（{day.isoformat()} 设为{'工作日' if is_workday else '休息日'}）")
    return row


def remove_calendar_override(day: dt.date, *, actor: Any) -> int:
    """Undo an administrator's correction; returns how many open assignments were recomputed."""
    with db.atomic():
        row = CalendarDay.get_or_none((CalendarDay.day == day) & (CalendarDay.source == "admin"))
        if row is None:
            return 0
        row.delete_instance()
        _bump_calendar_version()
        audit.record("calendar_changed", None, actor=actor,
                     before={"day": day.isoformat(), "is_workday": row.is_workday},
                     detail=f"撤销 {day.isoformat()} 的人工调整")
    clear_calendar_cache()
    from tracker.assignments.services import recompute_open_deadlines

    return recompute_open_deadlines(actor=actor, reason=f"撤销工作日历调整（{day.isoformat()}）")


def holidays_of(year: int) -> list[dt.date]:
    """The statutory holidays the calendar has for ``year``: its rest days that fall on a weekday
    (a holiday always gives some; a Saturday or Sunday set as a rest day changes nothing), from the
    chinese-calendar package or entered by an administrator."""
    days = (CalendarDay.select(CalendarDay.day)
            .where(CalendarDay.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31))
                   & (CalendarDay.is_workday == False))  # noqa: E712
            .order_by(CalendarDay.day).tuples())
    return [day for (day,) in days if day.weekday() < 5]


def confirm_problem(year: int) -> str:
    """Why an administrator may not (yet) confirm the working calendar of a year the package does
    not know ("" when nothing): a confirmed year is computed as entered, and a year without a single
    holiday entered would count every holiday as a working day, silently."""
    if not holidays_of(year):
        return (f"{year} 年尚未录入任何法定节假日，不能确认该年日历：请先依据国务院办公厅发布的 {year} 年"
                "部分节假日安排通知，逐日录入放假日（设为休息日）和调休上班日（设为工作日），再确认")
    return ""


def update_profile(profile: RuleProfile, *, clocks: dict[str, Clock], roll_forward: bool,
                   review_department_replies: bool, checklist_blocks_closeout: bool,
                   actor: Any, reply_anchor: str | None = None,
                   clocks_run_during_return: bool | None = None) -> RuleProfile:
    """Save the profile's clocks and switches (audited) and recompute open assignments' dates.
    ``reply_anchor`` or ``clocks_run_during_return`` None leaves it as it is."""
    from tracker.assignments.deadlines import REPLY_ANCHORS
    from tracker.core.errors import ValidationFailed

    reply_anchor = reply_anchor or profile.reply_anchor or "assigned"
    if reply_anchor not in REPLY_ANCHORS:
        raise ValidationFailed("答复期限的起算日只能是交办日、闭会日或收到日", fields={"reply_anchor": "取值不正确"})
    forget_memo()
    with db.atomic():
        before = {
            "clocks": profile.clocks, "roll_forward": profile.roll_forward,
            "review_department_replies": profile.review_department_replies,
            "checklist_blocks_closeout": profile.checklist_blocks_closeout,
            "reply_anchor": profile.reply_anchor,
            "clocks_run_during_return": profile.clocks_run_during_return,
        }
        if clocks_run_during_return is None:
            clocks_run_during_return = profile.clocks_run_during_return
        profile.clocks = clocks_to_json(clocks)
        profile.roll_forward = roll_forward
        profile.review_department_replies = review_department_replies
        profile.checklist_blocks_closeout = checklist_blocks_closeout
        profile.reply_anchor = reply_anchor
        profile.clocks_run_during_return = bool(clocks_run_during_return)
        profile.updated_at = clock.now()
        profile.save()
        after = {
            "clocks": profile.clocks, "roll_forward": roll_forward,
            "review_department_replies": review_department_replies,
            "checklist_blocks_closeout": checklist_blocks_closeout,
            "reply_anchor": reply_anchor,
            "clocks_run_during_return": bool(clocks_run_during_return),
        }
        b, a = audit.changes(before, after)
        audit.record("profile_changed", profile, actor=actor, before=b, after=a,
                     detail=f"修改规则配置“{profile.name}”")
    forget_memo()
    from tracker.assignments.services import recompute_open_deadlines

    # How many open assignments got new dates (shown to the administrator).
    profile.recomputed_count = recompute_open_deadlines(actor=actor, reason=f"规则配置“{profile.name}”调整")
    return profile


def ensure_profile() -> RuleProfile:
    profile = RuleProfile.get_or_none(RuleProfile.is_default == True)  # noqa: E712
    if profile is None:
        profile = RuleProfile.create(
            name=DEFAULT_PROFILE_NAME, is_default=True, clocks=clocks_to_json(DEFAULT_CLOCKS),
            roll_forward=True, updated_at=clock.now(),
        )
    return profile


def seed_calendar() -> int:
    """Load the package's holidays and make-up workdays; keeps administrator rows."""
    existing = {row.day for row in CalendarDay.select(CalendarDay.day)}
    rows = []
    for year in package_years():
        for day, is_workday, name in package_days(year):
            if day not in existing:
                rows.append({"day": day, "is_workday": is_workday, "name": name or "",
                             "source": "package"})
    with db.atomic():
        for start in range(0, len(rows), 200):
            CalendarDay.insert_many(rows[start:start + 200]).execute()
    return len(rows)


def ensure_checklist() -> None:
    if ChecklistEntry.select().exists():
        return
    rows = []
    for tier in Tier:
        entries = list(DEFAULT_CHECKLIST)
        if tier == Tier.LEADER_LED:
            entries = entries + LEADER_LED_EXTRA
        for pos, (req, text) in enumerate(entries):
            rows.append({"tier": tier.value, "requirement": req, "label": text, "position": pos})
    ChecklistEntry.insert_many(rows).execute()


def ensure_defaults() -> None:
    """Baseline data every database needs (idempotent): profile, calendar, checklist, ..."""
    with db.atomic():
        ensure_profile()
        seed_calendar()
        ensure_checklist()
        from tracker.assessment.services import ensure_default_scorecards
        from tracker.reminders.services import ensure_default_rules

        ensure_default_scorecards()
        ensure_default_rules()
