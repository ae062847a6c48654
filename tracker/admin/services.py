"""Administrator use cases: users, units, deputies/members, the rule profile, the working
calendar, the "3+1" checklist, settings, and reading the audit log.

Each function takes ``actor=`` and checks it; writes are one transaction with an audit entry.
Where a domain already has the service (accounts, units, rules) this module only adds the
administrator's guard rails and delegates.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from tracker.accounts import policy
from tracker.accounts import services as accounts
from tracker.accounts.models import Person, User
from tracker.assignments.deadlines import CLOCK_KEYS, CLOCK_LABELS, Clock, PeriodUnit
from tracker.audit import services as audit
from tracker.audit.labels import action_label, object_label
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.calendar import package_years
from tracker.core.db import contains_text, db, distinct_values
from tracker.core.enums import Body, ContactMethod, Role, Tier, label
from tracker.core.errors import Conflict, ValidationFailed, ensure
from tracker.core.i18n import N_
from tracker.rules import services as rules
from tracker.rules.checklist import REQUIREMENTS
from tracker.rules.models import CalendarDay, ChecklistEntry, RuleProfile
from tracker.units import services as units
from tracker.units.models import Unit

Perm = policy.Perm


def _fail(fields: dict[str, str], *, code: str | None = None) -> None:
    """Refuse with the fields' messages; a field whose message is empty has no problem."""
    fields = {k: v for k, v in fields.items() if v}
    if fields:
        raise ValidationFailed(next(iter(fields.values())), fields=fields, code=code)


# --- users ----------------------------------------------------------------------------------


def create_user_account(*, username: str, password: str, confirm: str, actor: Any,
                        **fields: Any) -> User:
    """Create an account from the administrator's form (password typed twice)."""
    ensure(policy.can(actor, Perm.MANAGE_USERS))
    errors: dict[str, str] = {}
    if password != confirm:
        errors["confirm"] = "两次输入的密码不一致"
    name = (username or "").strip()
    if name and not _USERNAME.match(name):
        errors["username"] = "用户名只能由字母、数字、汉字和 . _ - @ 组成，不含空格"
    errors.update(_contact_problems(fields))
    if fields.get("role") == Role.SUBMITTER.value and not fields.get("person_id"):
        errors["person_id"] = "代表委员账号须关联代表委员名录中的一人（否则登录后看不到任何件）"
    _fail(errors)
    return accounts.create_user(username=username, password=password, actor=actor, **fields)


def _contact_problems(fields: dict[str, Any]) -> dict[str, str]:
    errors = {}
    email = (fields.get("email") or "").strip()
    if email and not _EMAIL.match(email):
        errors["email"] = "电子邮箱格式不正确"
    phone = (fields.get("phone") or "").strip()
    if phone and not _PHONE.match(phone):
        errors["phone"] = "联系电话只能包含数字、空格和 + - ( ) 转，例如 0571-87000000 或 13800000000"
    return errors


# the code of a refusal because the user is still the named handler of open assignments
NAMED_HANDLER = "named_handler"


def _duties_problem(user: User, then: str) -> str:
    from tracker.assignments.services import open_duties_of

    duties = open_duties_of(user)
    if not duties:
        return ""
    numbers = "、".join(f"第{a.item.number}号" for a in duties[:3]) + ("等" if len(duties) > 3 else "")
    return (f"该用户是 {len(duties)} 项未办结承办任务的经办人（{numbers}），"
            f"请交办单位先通过“移交经办任务”更换经办人（也可在各件的“调整交办”中逐件更换），再{then}")


def set_user_active(user: User, active: bool, *, actor: Any) -> User:
    """Deactivate (which logs the user out everywhere) or reactivate an account."""
    ensure(policy.can(actor, Perm.MANAGE_USERS))
    if not active and user.id == actor.id:
        raise Conflict("不能停用自己正在使用的账号", code="self_deactivation")
    if not active and user.role == Role.ADMIN.value and _other_active_admins(user) == 0:
        raise Conflict("这是最后一个启用的管理员账号，不能停用", code="last_admin")
    problem = _duties_problem(user, "停用该账号") if not active and user.active else ""
    if problem:
        raise Conflict(problem, code=NAMED_HANDLER)
    if bool(user.active) == active:
        return user
    return accounts.update_user(user, actor=actor, active=active)


def reset_password(user: User, password: str, confirm: str, *, actor: Any) -> User:
    ensure(policy.can(actor, Perm.MANAGE_USERS))
    if password != confirm:
        _fail({"confirm": "两次输入的密码不一致"})
    if not password:
        _fail({"password": "请输入新密码"})
    return accounts.update_user(user, actor=actor, password=password)


def _other_active_admins(user: User) -> int:
    return (User.select().where((User.role == Role.ADMIN.value) & (User.active == True)  # noqa: E712
                                & (User.id != user.id)).count())


def update_user_profile(user: User, *, actor: Any, **changes: Any) -> User:
    """Edit a user's details; an administrator cannot take the admin role from the last admin."""
    ensure(policy.can(actor, Perm.MANAGE_USERS))
    if (user.role == Role.ADMIN.value and changes.get("role", user.role) != Role.ADMIN.value
            and _other_active_admins(user) == 0):
        _fail({"role": "这是最后一个管理员账号，不能改为其他角色"})
    _fail(_contact_problems(changes))
    # a named handler keeps their unit, unit role and account until the office re-staffs
    if user.role in accounts.UNIT_ROLES and (changes.get("role") or user.role) not in accounts.UNIT_ROLES:
        _fail({"role": _duties_problem(user, "更改其角色")}, code=NAMED_HANDLER)
    elif changes.get("unit_id") and int(changes["unit_id"]) != user.unit_id:
        _fail({"unit_id": _duties_problem(user, "调整其所属单位")}, code=NAMED_HANDLER)
    if changes.get("active") is False and user.active:
        _fail({"active": _duties_problem(user, "停用该账号")}, code=NAMED_HANDLER)
    return accounts.update_user(user, actor=actor, **changes)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+()\- 转]{5,30}$")
# letters (any script), digits and . _ - @; no spaces, quotes or markup
_USERNAME = re.compile(r"^[\w.@-]+$")


ROLE_ORDER = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.UNIT_LEADER, Role.UNIT_HANDLER, Role.SUBMITTER)


def users_list(*, role: str | None = None, unit_id: int | None = None, q: str | None = None,
               status: str | None = None, actor: Any) -> pw.ModelSelect:
    ensure(policy.can(actor, Perm.MANAGE_USERS))
    role_order = pw.Case(User.role, [(r.value, n) for n, r in enumerate(ROLE_ORDER)], len(ROLE_ORDER))
    query = (User.select(User, Unit, Person)
             .join_from(User, Unit, pw.JOIN.LEFT_OUTER)
             .join_from(User, Person, pw.JOIN.LEFT_OUTER)
             .order_by(role_order, Unit.sort_order, User.id))
    if role:
        query = query.where(User.role == role)
    if unit_id:
        query = query.where(User.unit == unit_id)
    if status == "active":
        query = query.where(User.active == True)  # noqa: E712
    elif status == "inactive":
        query = query.where(User.active == False)  # noqa: E712
    if q and q.strip():
        text = q.strip()
        query = query.where(contains_text(User.username, text) | contains_text(User.name, text)
                            | contains_text(User.phone, text))
    return query


# --- units ----------------------------------------------------------------------------------


def update_unit_details(unit: Unit, *, name: str, short_name: str, category: str, actor: Any,
                        city_leader_id: Any = ...) -> Unit:
    ensure(policy.can(actor, Perm.MANAGE_UNITS))
    if category not in UNIT_CATEGORIES:
        _fail({"category": "单位类别不正确"})
    # the names' uniqueness (full and short, across all units) is units.update_unit's rule
    return units.update_unit(unit, actor=actor, name=name, short_name=short_name, category=category,
                             active=unit.active, city_leader_id=city_leader_id)


def set_unit_active(unit: Unit, active: bool, *, actor: Any) -> Unit:
    ensure(policy.can(actor, Perm.MANAGE_UNITS))
    if bool(unit.active) == active:
        return unit
    return units.update_unit(unit, actor=actor, name=unit.name, short_name=unit.short_name,
                             category=unit.category, active=active)


def unit_counts() -> dict[int, dict[str, int]]:
    """Per unit: active users and open assignments (for the list page), in two queries."""
    from tracker.assignments.models import Assignment
    from tracker.items.queries import OWING

    counts: dict[int, dict[str, int]] = {}
    for row in (User.select(User.unit, pw.fn.COUNT(User.id).alias("n"))
                .where(User.unit.is_null(False) & (User.active == True))  # noqa: E712
                .group_by(User.unit).dicts()):
        counts.setdefault(row["unit"], {"users": 0, "open": 0})["users"] = row["n"]
    for row in (Assignment.select(Assignment.unit, pw.fn.COUNT(Assignment.id).alias("n"))
                .where(Assignment.status.in_(OWING)).group_by(Assignment.unit).dicts()):
        counts.setdefault(row["unit"], {"users": 0, "open": 0})["open"] = row["n"]
    return counts


UNIT_CATEGORIES = {"department": N_("市直部门"), "district": N_("区（县）政府"), "other": N_("其他")}  # N_: pages translate


# --- persons (deputies and members) ---------------------------------------------------------

PERSON_FIELDS = ("name", "body", "delegation", "phone", "email")


def _clean_person(data: dict[str, Any], *, exclude_id: int | None = None) -> dict[str, str]:
    values = {k: (data.get(k) or "").strip() for k in PERSON_FIELDS}
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = "请填写姓名"
    elif len(values["name"]) > 100:
        errors["name"] = "姓名不能超过 100 个字符"
    if values["body"] not in {b.value for b in Body}:
        errors["body"] = "请选择人大代表或政协委员"
    if len(values["delegation"]) > 200:
        errors["delegation"] = "代表团或界别不能超过 200 个字符"
    if len(values["phone"]) > 50:
        errors["phone"] = "电话不能超过 50 个字符"
    if values["email"] and not _EMAIL.match(values["email"]):
        errors["email"] = "电子邮箱格式不正确"
    if not errors:
        dup = Person.select().where((Person.name == values["name"]) & (Person.body == values["body"])
                                    & (Person.delegation == values["delegation"]))
        if exclude_id is not None:
            dup = dup.where(Person.id != exclude_id)
        if dup.exists():
            errors["name"] = (f"{label(Body(values['body']))}“{values['delegation'] or '（未填代表团/界别）'}”"
                              f"中已有“{values['name']}”")
    _fail(errors)
    return values


def create_person(*, actor: Any, **data: Any) -> Person:
    ensure(policy.can(actor, Perm.MANAGE_USERS))
    values = _clean_person(data)
    with db.atomic():
        person = Person.create(**values)
        audit.record("person_created", person, actor=actor, after=values,
                     detail=f"新增{label(Body(values['body']))}{_person_noun(values['body'])}{values['name']}")
    return person


def update_person(person: Person, *, actor: Any, **data: Any) -> Person:
    ensure(policy.can(actor, Perm.MANAGE_USERS))
    values = _clean_person(data, exclude_id=person.id)
    with db.atomic():
        before = {k: getattr(person, k) for k in PERSON_FIELDS}
        for key, value in values.items():
            setattr(person, key, value)
        person.save()
        b, a = audit.changes(before, values)
        if a:
            audit.record("person_updated", person, actor=actor, before=b, after=a,
                         detail=f"修改{_person_noun(person.body)}{person.name}的信息")
    return person


def _person_noun(body: str) -> str:
    return {"npc": "代表", "cppcc": "委员"}.get(body, "")


def persons_list(*, body: str | None = None, q: str | None = None, actor: Any) -> pw.ModelSelect:
    ensure(policy.can(actor, Perm.MANAGE_USERS))
    body_order = pw.Case(Person.body, [(Body.NPC.value, 0), (Body.CPPCC.value, 1)], 2)
    query = Person.select().order_by(body_order, Person.delegation, Person.id)
    if body:
        query = query.where(Person.body == body)
    if q and q.strip():
        text = q.strip()
        query = query.where(contains_text(Person.name, text) | contains_text(Person.delegation, text)
                            | contains_text(Person.phone, text))
    return query


def lead_counts(person_ids: list[int]) -> dict[int, int]:
    """How many items each person leads or co-signs (one query)."""
    from tracker.items.models import Submitter

    if not person_ids:
        return {}
    rows = (Submitter.select(Submitter.person, pw.fn.COUNT(Submitter.id).alias("n"))
            .where(Submitter.person.in_(person_ids)).group_by(Submitter.person).dicts())
    return {row["person"]: row["n"] for row in rows}


# --- the rule profile -----------------------------------------------------------------------

# The largest amount an administrator may set, per unit (a sanity bound, not a rule).
MAX_AMOUNT = {PeriodUnit.WORKING_DAY: 250, PeriodUnit.CALENDAR_DAY: 366, PeriodUnit.CALENDAR_MONTH: 24}


@dataclass
class ProfileChange:
    profile: RuleProfile
    recomputed: int


def save_profile(profile: RuleProfile, *, clocks: dict[str, tuple[Any, Any]], roll_forward: bool,
                 review_department_replies: bool, checklist_blocks_closeout: bool,
                 actor: Any, reply_anchor: str | None = None,
                 clocks_run_during_return: bool | None = None) -> ProfileChange:
    """Validate the clocks ``{key: (amount, unit)}`` and save; open assignments are recomputed."""
    ensure(policy.can(actor, Perm.MANAGE_RULES))
    errors: dict[str, str] = {}
    parsed: dict[str, Clock] = {}
    for key in CLOCK_KEYS:
        amount, unit = clocks.get(key, (None, None))
        name = CLOCK_LABELS[key]
        try:
            unit = PeriodUnit(unit)
        except ValueError:
            errors[f"{key}_unit"] = f"“{name}”的期限单位不正确"
            continue
        try:
            amount = int(amount)
        except (TypeError, ValueError):
            errors[f"{key}_amount"] = f"“{name}”的期限须为整数"
            continue
        if amount < 1 or amount > MAX_AMOUNT[unit]:
            errors[f"{key}_amount"] = f"“{name}”的期限须在 1 到 {MAX_AMOUNT[unit]} 之间"
            continue
        parsed[key] = Clock(amount, unit)
    if not errors and "reply" in parsed and "reply_cap" in parsed:
        start = dt.date(2001, 1, 1)  # any date: compare the two periods by their length
        if _rough_days(parsed["reply_cap"], start) < _rough_days(parsed["reply"], start):
            errors["reply_cap_amount"] = "最长办理期限不能短于答复期限"
    if not errors and "reply" in parsed and "extension_notice" in parsed:
        start = dt.date(2001, 1, 1)
        if _rough_days(parsed["extension_notice"], start) >= _rough_days(parsed["reply"], start):
            errors["extension_notice_amount"] = ("延期申请的提前量须短于答复期限，否则任何承办单位都无法申请延期")
    from tracker.assignments.deadlines import REPLY_ANCHORS

    if reply_anchor is not None and reply_anchor not in REPLY_ANCHORS:
        errors["reply_anchor"] = "答复期限的起算日只能是交办日、闭会日或收到日"
    _fail(errors)
    updated = rules.update_profile(profile, clocks=parsed, roll_forward=bool(roll_forward),
                                   review_department_replies=bool(review_department_replies),
                                   checklist_blocks_closeout=bool(checklist_blocks_closeout),
                                   actor=actor, reply_anchor=reply_anchor,
                                   clocks_run_during_return=clocks_run_during_return)
    return ProfileChange(updated, int(getattr(updated, "recomputed_count", 0) or 0))


def _rough_days(c: Clock, start: dt.date) -> int:
    if c.unit is PeriodUnit.CALENDAR_MONTH:
        from tracker.assignments.deadlines import add_months

        return (add_months(start, c.amount) - start).days
    if c.unit is PeriodUnit.WORKING_DAY:
        return c.amount * 7 // 5
    return c.amount


# --- the working calendar -------------------------------------------------------------------

MIN_YEAR, MAX_YEAR = 2000, 2100


def set_day(day: dt.date | None, *, is_workday: Any, name: str = "", reason: str = "",
            actor: Any) -> CalendarDay:
    """Set one day as a working day or a rest day (an administrator's override)."""
    ensure(policy.can(actor, Perm.MANAGE_RULES))
    errors: dict[str, str] = {}
    if day is None:
        errors["day"] = "请选择日期"
    elif not MIN_YEAR <= day.year <= MAX_YEAR:
        errors["day"] = f"日期须在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间"
    if is_workday not in ("workday", "rest"):
        errors["is_workday"] = "请选择设为工作日还是休息日"
    if len((name or "").strip()) > 50:
        errors["name"] = "名称不能超过 50 个字符"
    if not (reason or "").strip():
        errors["reason"] = "请填写调整原因"
    elif len(reason.strip()) > 200:
        errors["reason"] = "调整原因不能超过 200 个字符"
    _fail(errors)
    return rules.set_calendar_day(day, is_workday == "workday", reason.strip(), actor=actor,
                                  name=(name or "").strip())


def remove_day(day: dt.date, *, actor: Any) -> int:
    ensure(policy.can(actor, Perm.MANAGE_RULES))
    if CalendarDay.get_or_none((CalendarDay.day == day) & (CalendarDay.source == "admin")) is None:
        raise ValidationFailed(f"{day.isoformat()} 没有人工调整，无需撤销", fields={"day": "该日没有人工调整"})
    return rules.remove_calendar_override(day, actor=actor)


def confirmed_years() -> list[int]:
    return sorted(int(y) for y in (rules.get_setting("calendar_confirmed_years") or []))


def set_year_confirmed(year: int, confirmed: bool, *, actor: Any) -> list[int]:
    """Mark a year the package does not know as checked by the administrator (or undo it)."""
    ensure(policy.can(actor, Perm.MANAGE_RULES))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed("年份不正确", fields={"year": "年份不正确"})
    if year in package_years():
        raise Conflict(f"{year} 年的节假日安排已由 chinese-calendar 软件包提供，无需人工确认",
                       code="year_known")
    problem = rules.confirm_problem(year) if confirmed else ""
    if problem:
        raise Conflict(problem, code="no_holidays")
    before = confirmed_years()
    after = sorted(set(before) | {year}) if confirmed else [y for y in before if y != year]
    if after == before:
        return before
    with db.atomic():
        rules.set_setting("calendar_confirmed_years", after, actor=None)
        version = int(rules.get_setting("calendar_version") or 1) + 1
        rules.set_setting("calendar_version", version, actor=None)  # other workers reload
        audit.record("setting_changed", None, actor=actor,
                     before={"calendar_confirmed_years": before},
                     after={"calendar_confirmed_years": after},
                     detail=(f"管理员确认 {year} 年工作日历" if confirmed
                             else f"撤销 {year} 年工作日历的确认"))
    rules.clear_calendar_cache()
    return after


DAY_KINDS = {"workday": N_("工作日"), "weekend": N_("周末"), "holiday": N_("节假日"), "makeup": N_("调休上班"),
             "rest": N_("休息日")}  # N_: the calendar page translates them


@dataclass
class DayCell:
    day: dt.date
    kind: str  # workday / weekend / holiday / makeup / rest (an unnamed rest day)
    name: str = ""
    override: bool = False
    reason: str = ""
    today: bool = False

    @property
    def kind_text(self) -> str:
        return DAY_KINDS[self.kind]


@dataclass
class DayRun:
    """Consecutive days of the same kind and name (e.g. 国庆节 10-01 to 10-08), for the list."""

    first: dt.date
    last: dt.date
    kind: str
    name: str
    override: bool


@dataclass
class MonthView:
    year: int
    month: int
    weeks: list[list[DayCell | None]] = field(default_factory=list)
    notes: list[DayRun] = field(default_factory=list)  # named or overridden days, listed

    def add_note(self, cell: DayCell) -> None:
        last = self.notes[-1] if self.notes else None
        if (last is not None and last.last + dt.timedelta(days=1) == cell.day and last.kind == cell.kind
                and last.name == cell.name and last.override == cell.override):
            last.last = cell.day
            return
        self.notes.append(DayRun(cell.day, cell.day, cell.kind, cell.name or cell.kind_text, cell.override))


def year_view(year: int) -> list[MonthView]:
    """Twelve month grids (weeks start on Monday) with each day's kind, name and override."""
    cal = rules.work_calendar()
    overrides = {row.day: row for row in CalendarDay.select().where(
        (CalendarDay.source == "admin") & (CalendarDay.day >= dt.date(year, 1, 1))
        & (CalendarDay.day <= dt.date(year, 12, 31)))}
    today = clock.today()
    months = []
    for month in range(1, 13):
        view = MonthView(year, month)
        for week in _stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row: list[DayCell | None] = []
            for d in week:
                if d.month != month:
                    row.append(None)
                    continue
                cell = _cell(d, cal, overrides.get(d), today)
                row.append(cell)
                if cell.name or cell.override:
                    view.add_note(cell)
            view.weeks.append(row)
        months.append(view)
    return months


def _cell(d: dt.date, cal: Any, override: CalendarDay | None, today: dt.date) -> DayCell:
    workday = cal.is_workday(d)
    weekend = d.weekday() >= 5
    name = cal.day_name(d) or ""
    if workday:
        kind = "makeup" if weekend else "workday"
        if kind == "makeup" and not name:
            name = "调休上班"
    elif name:
        kind = "holiday"
    else:
        kind = "weekend" if weekend else "rest"
    return DayCell(d, kind, name=name, override=override is not None,
                   reason=override.reason if override else "", today=d == today)


def overrides_of(year: int) -> list[CalendarDay]:
    return list(CalendarDay.select().where(
        (CalendarDay.source == "admin") & (CalendarDay.day >= dt.date(year, 1, 1))
        & (CalendarDay.day <= dt.date(year, 12, 31))).order_by(CalendarDay.day))


# --- the "3+1" checklist --------------------------------------------------------------------


def _clean_entry(tier: str, requirement: str, text: str, *, exclude_id: int | None = None) -> dict:
    errors: dict[str, str] = {}
    if tier not in {t.value for t in Tier}:
        errors["tier"] = "办理层级不正确"
    if requirement not in REQUIREMENTS:
        errors["requirement"] = "请选择考核要求"
    text = (text or "").strip()
    if not text:
        errors["label"] = "请填写清单项名称"
    elif len(text) > 100:
        errors["label"] = "清单项名称不能超过 100 个字符"
    if not errors:
        dup = ChecklistEntry.select().where((ChecklistEntry.tier == tier)
                                            & (ChecklistEntry.requirement == requirement)
                                            & (ChecklistEntry.active == True))  # noqa: E712
        if exclude_id is not None:
            dup = dup.where(ChecklistEntry.id != exclude_id)
        if dup.exists():
            errors["requirement"] = f"“{label(Tier(tier))}”的清单中已有“{REQUIREMENTS[requirement]}”"
    _fail(errors)
    return {"tier": tier, "requirement": requirement, "label": text}


def checklist(tier: str) -> list[ChecklistEntry]:
    return list(ChecklistEntry.select().where(ChecklistEntry.tier == tier)
                .order_by(ChecklistEntry.active.desc(), ChecklistEntry.position, ChecklistEntry.id))


def add_checklist_entry(*, tier: str, requirement: str, label_text: str, actor: Any) -> ChecklistEntry:
    ensure(policy.can(actor, Perm.MANAGE_RULES))
    values = _clean_entry(tier, requirement, label_text)
    with db.atomic():
        last = (ChecklistEntry.select(pw.fn.MAX(ChecklistEntry.position))
                .where(ChecklistEntry.tier == tier).scalar())
        entry = ChecklistEntry.create(**values, position=(last if last is not None else -1) + 1)
        audit.record("checklist_changed", entry, actor=actor, after=values,
                     detail=f"“{label(Tier(tier))}”3+1清单新增：{values['label']}")
    return entry


def update_checklist_entry(entry: ChecklistEntry, *, requirement: str, label_text: str,
                           actor: Any) -> ChecklistEntry:
    ensure(policy.can(actor, Perm.MANAGE_RULES))
    values = _clean_entry(entry.tier, requirement, label_text,
                          exclude_id=entry.id if entry.active else None)
    with db.atomic():
        before = {"requirement": entry.requirement, "label": entry.label}
        entry.requirement, entry.label = values["requirement"], values["label"]
        entry.save()
        b, a = audit.changes(before, {"requirement": entry.requirement, "label": entry.label})
        if a:
            audit.record("checklist_changed", entry, actor=actor, before=b, after=a,
                         detail=f"“{label(Tier(entry.tier))}”3+1清单修改：{entry.label}")
    return entry


def set_checklist_entry_active(entry: ChecklistEntry, active: bool, *, actor: Any) -> ChecklistEntry:
    ensure(policy.can(actor, Perm.MANAGE_RULES))
    if bool(entry.active) == active:
        return entry
    if active:
        _clean_entry(entry.tier, entry.requirement, entry.label, exclude_id=entry.id)
    with db.atomic():
        entry.active = active
        entry.save()
        audit.record("checklist_changed", entry, actor=actor, before={"active": not active},
                     after={"active": active},
                     detail=f"“{label(Tier(entry.tier))}”3+1清单{'启用' if active else '停用'}：{entry.label}")
    return entry


def move_checklist_entry(entry: ChecklistEntry, direction: str, *, actor: Any) -> None:
    """Swap the entry with its neighbour among the tier's active entries."""
    ensure(policy.can(actor, Perm.MANAGE_RULES))
    if direction not in ("up", "down"):
        raise ValidationFailed("移动方向不正确")
    rows = [e for e in checklist(entry.tier) if e.active]
    ids = [e.id for e in rows]
    if entry.id not in ids:
        raise Conflict("已停用的清单项不能调整顺序", code="inactive_entry")
    index = ids.index(entry.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rows):
        return
    rows[index], rows[other] = rows[other], rows[index]
    with db.atomic():
        before = [e.label for e in checklist(entry.tier) if e.active]
        for pos, row in enumerate(rows):
            if row.position != pos:
                ChecklistEntry.update(position=pos).where(ChecklistEntry.id == row.id).execute()
        after = [row.label for row in rows]
        audit.record("checklist_changed", entry, actor=actor, before={"order": before},
                     after={"order": after},
                     detail=f"“{label(Tier(entry.tier))}”3+1清单调整顺序：{'、'.join(after)}")


# --- settings -------------------------------------------------------------------------------

WEEKDAYS = (N_("周一"), N_("周二"), N_("周三"), N_("周四"), N_("周五"), N_("周六"), N_("周日"))  # Monday first
RESULT_CLASS_SETS = {"ABCD": ["A", "B", "C", "D"], "ABC": ["A", "B", "C"]}
SETTING_LABELS = {
    "mail_digest": N_("邮件摘要（每日汇总一封）"),
    "mail_digest_hour": N_("邮件摘要发送时间（时）"),
    "mail_max_age_days": N_("邮件补发时限（天）"),
    "dispatch_weekly": N_("每周定期调度通报"),
    "dispatch_weekday": N_("调度通报星期"),
    "dispatch_hour": N_("调度通报时间（时）"),
    "urge_throttle_hours": N_("手动催办间隔（小时）"),
    "result_classes": N_("使用的答复分类"),
    "calendar_confirmed_years": N_("管理员确认的日历年份"),
    "calendar_version": N_("工作日历版本"),
    "face_to_face_methods": N_("计为见面沟通的方式"),
}


_METHOD_ORDER = [m.value for m in ContactMethod]
DEFAULT_DIGEST_HOUR = 8  # as tracker.reminders.delivery, which reads ``mail_digest_hour``


def current_settings() -> dict[str, Any]:
    values = {key: rules.get_setting(key) for key in (
        "mail_digest", "mail_digest_hour", "mail_max_age_days", "dispatch_weekly", "dispatch_weekday",
        "dispatch_hour", "urge_throttle_hours", "result_classes")}
    values["face_to_face_methods"] = sorted(rules.face_to_face_methods(), key=_METHOD_ORDER.index)
    if values["mail_digest_hour"] is None:
        values["mail_digest_hour"] = DEFAULT_DIGEST_HOUR
    return values


def save_settings(*, actor: Any, mail_digest: Any, mail_digest_hour: Any, dispatch_weekly: Any,
                  dispatch_weekday: Any, dispatch_hour: Any, urge_throttle_hours: Any,
                  result_classes: Any, face_to_face_methods: Any = None,
                  mail_max_age_days: Any = None) -> list[str]:
    """Validate and store the settings; returns the keys that changed (each audited).
    ``face_to_face_methods`` or ``mail_max_age_days`` None leaves that setting as it is."""
    ensure(policy.can(actor, Perm.MANAGE_RULES))
    errors: dict[str, str] = {}

    def as_int(name: str, value: Any, low: int, high: int, message: str) -> int | None:
        try:
            number = int(value)
        except (TypeError, ValueError):
            errors[name] = message
            return None
        if not low <= number <= high:
            errors[name] = message
            return None
        return number

    values = {
        "mail_digest": bool(mail_digest),
        "mail_digest_hour": as_int("mail_digest_hour", mail_digest_hour, 0, 23, "时间须为 0 到 23 之间的整数"),
        "dispatch_weekly": bool(dispatch_weekly),
        "dispatch_weekday": as_int("dispatch_weekday", dispatch_weekday, 0, 6, "请选择星期几"),
        "dispatch_hour": as_int("dispatch_hour", dispatch_hour, 0, 23, "时间须为 0 到 23 之间的整数"),
        "urge_throttle_hours": as_int("urge_throttle_hours", urge_throttle_hours, 1, 720,
                                      "催办间隔须为 1 到 720 之间的整数（小时）"),
    }
    if mail_max_age_days is not None:  # from 2: a daily digest carries notices up to a day old
        values["mail_max_age_days"] = as_int("mail_max_age_days", mail_max_age_days, 2, 365,
                                             "邮件补发时限须为 2 到 365 之间的整数（天）")
    if result_classes not in RESULT_CLASS_SETS:
        errors["result_classes"] = "请选择答复分类（A–D 或 A–C）"
    else:
        values["result_classes"] = RESULT_CLASS_SETS[result_classes]
    if face_to_face_methods is not None:
        picked = set(face_to_face_methods)
        if not picked:
            errors["face_to_face_methods"] = "请至少选择一种计为见面沟通的方式"
        elif not picked <= set(_METHOD_ORDER):
            errors["face_to_face_methods"] = "沟通方式无效，请从列表中选择"
        else:
            values["face_to_face_methods"] = [m for m in _METHOD_ORDER if m in picked]
    _fail(errors)
    changed = []
    with db.atomic():
        current = current_settings()
        for key, value in values.items():
            if current.get(key) != value:
                rules.set_setting(key, value, actor=actor)
                changed.append(key)
    return changed


# --- the audit log (read only) --------------------------------------------------------------

@dataclass
class AuditFilters:
    actor: str = ""
    actor_id: int | None = None
    action: str = ""
    object_type: str | None = None
    item_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_entries(filters: AuditFilters, *, actor: Any) -> pw.ModelSelect:
    ensure(policy.can(actor, Perm.VIEW_AUDIT))
    query = AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if filters.actor_id:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.actor.strip():
        text = filters.actor.strip()
        if text == audit.SYSTEM:
            query = query.where(AuditEntry.actor_id.is_null())
        else:
            query = query.where(contains_text(AuditEntry.actor_name, text))
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.object_type is not None:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.item_id:
        query = query.where(AuditEntry.item_id == filters.item_id)
    if filters.date_from:
        query = query.where(AuditEntry.at >= clock.start_of_local_day(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEntry.at < clock.start_of_local_day(filters.date_to + dt.timedelta(days=1)))
    return query


def audit_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(action, label) and (object type, label) pairs that occur in the log, for the filters."""
    actions = distinct_values(AuditEntry.action)
    objects = distinct_values(AuditEntry.object_type)
    return (sorted(((a, action_label(a)) for a in actions), key=lambda pair: pair[1]),
            sorted(((o, object_label(o)) for o in objects), key=lambda pair: pair[1]))

