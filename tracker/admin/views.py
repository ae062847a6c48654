"""Administrator pages (role admin only): users, units, deputies/members, the rule profile,
the working calendar, the "3+1" checklist, settings and the read-only audit log.

Thin views: form in → one service call → redirect; a DomainError re-renders the form with
what the user typed and the Chinese message.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user, login_required
from markupsafe import Markup

from tracker.accounts import policy
from tracker.accounts.models import Person, User
from tracker.admin import audit_changes, forms, services
from tracker.assignments.deadlines import CLOCK_ANCHOR_LABELS, CLOCK_KEYS, CLOCK_LABELS, REPLY_ANCHORS
from tracker.audit import labels
from tracker.core import clock
from tracker.core.calendar import STANDARD_DAY_NAMES, package_years
from tracker.core.enums import Role, Tier, choices
from tracker.core.errors import DomainError
from tracker.core.templating import has_endpoint
from tracker.core.web import flash_error
from tracker.rules import services as rules
from tracker.rules.checklist import REQUIREMENTS
from tracker.rules.models import ChecklistEntry
from tracker.units import services as unit_services
from tracker.units.models import Unit

bp = Blueprint("admin", __name__, url_prefix="/admin")
Perm = policy.Perm
PER_PAGE = 50


def requires(perm: Perm) -> Callable:
    """Logged in (else the login page) and holding ``perm`` (else 403)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any):
            if not policy.can(current_user, perm):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _get(model: Any, object_id: int) -> Any:
    obj = model.get_or_none(model.id == object_id)
    if obj is None:
        abort(404)
    return obj


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _paged(query: Any) -> tuple[list, int, int, int]:
    total = query.count()
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(_page(), pages)
    return list(query.paginate(page, PER_PAGE)), total, page, pages


def _args(*names: str) -> dict[str, str]:
    """The current filters (for the pager's links), without empty ones."""
    return {n: request.args[n] for n in names if request.args.get(n)}


# --- users ----------------------------------------------------------------------------------


@bp.get("/users")
@requires(Perm.MANAGE_USERS)
def users():
    role = request.args.get("role") or None
    unit_id = request.args.get("unit_id", type=int) or None
    status = request.args.get("status") or None
    q = request.args.get("q", "")
    query = services.users_list(role=role, unit_id=unit_id, q=q, status=status, actor=current_user)
    rows, total, page, pages = _paged(query)
    return render_template(
        "admin/users.html", rows=rows, total=total, page=page, pages=pages,
        args=_args("role", "unit_id", "status", "q"), roles=choices(Role),
        units=list(Unit.select().order_by(Unit.sort_order, Unit.id)),
        f={"role": role or "", "unit_id": unit_id, "status": status or "", "q": q},
    )


def _flash_transfer_hint(exc: DomainError, user: User) -> None:
    """After a refusal because ``user`` is still the named handler of open assignments, the way
    out: the page that moves them all at once to a colleague (移交经办任务) — a link for whoever may
    use it; for an administrator, who may not (it is the office's, as adjusting an assignment is),
    its address to pass on to the office."""
    if exc.code != services.NAMED_HANDLER or not has_endpoint("assignments.transfer"):
        return
    if policy.can(current_user, Perm.TRANSFER_DUTIES):
        url = url_for("assignments.transfer", **{"from": user.id})
        flash(Markup('<a class="alert-link" href="{}">{}</a>').format(url, gettext("移交经办任务")), "warning")
    else:
        url = url_for("assignments.transfer", _external=True, **{"from": user.id})
        flash(gettext("交办单位（督查室）可在“移交经办任务”页面一次更换该用户的全部经办任务，页面地址：%(url)s",
                      url=url), "info")


def _user_fields(form: forms.UserFormBase) -> dict[str, Any]:
    return {
        "name": form.name.data or "", "role": form.role.data, "unit_id": form.unit_id.data or None,
        "phone": form.phone.data or "", "email": form.email.data or "", "title": form.title.data or "",
        "person_id": (form.person_id.data or None) if form.role.data == Role.SUBMITTER.value else None,
    }


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Perm.MANAGE_USERS)
def user_new():
    form = forms.UserCreateForm()
    form.load_choices()
    if request.method == "GET":
        form.role.data = request.args.get("role") or Role.UNIT_HANDLER.value
        form.unit_id.data = request.args.get("unit_id", type=int) or forms.NONE
        person_id = request.args.get("person_id", type=int)
        person = Person.get_or_none(Person.id == person_id) if person_id else None
        if person is not None:  # "为其创建账号" on a deputy's or member's page: their account, filled in
            form.role.data = Role.SUBMITTER.value
            form.person_id.data = person.id
            form.name.data, form.phone.data, form.email.data = person.name, person.phone, person.email
    if form.validate_on_submit():
        try:
            user = services.create_user_account(
                username=form.username.data, password=form.password.data, confirm=form.confirm.data,
                actor=current_user, **_user_fields(form))
        except DomainError as exc:
            flash_error(exc, form)
        else:
            flash(gettext("已创建用户“%(username)s”（%(name)s）", username=user.username, name=user.display), "success")
            return redirect(url_for("admin.users"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/user_form.html", form=form, user=None), status


def _render_user_edit(user: User, form: forms.UserEditForm, pw_form: forms.PasswordForm, status: int = 200):
    return render_template("admin/user_form.html", form=form, pw_form=pw_form, user=user), status


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires(Perm.MANAGE_USERS)
def user_edit(user_id: int):
    user = _get(User, user_id)
    form = forms.UserEditForm(obj=None if request.method == "POST" else user)
    form.load_choices(user.unit_id)
    if request.method == "GET":
        form.unit_id.data = user.unit_id or forms.NONE
        form.person_id.data = user.person_id or forms.NONE
    if form.validate_on_submit():
        try:
            services.update_user_profile(user, actor=current_user, **_user_fields(form))
        except DomainError as exc:
            flash_error(exc, form)
            _flash_transfer_hint(exc, user)
        else:
            flash(gettext("已保存用户“%(username)s”", username=user.username), "success")
            return redirect(url_for("admin.users"))
    return _render_user_edit(user, form, forms.PasswordForm(formdata=None),
                             422 if request.method == "POST" else 200)


@bp.post("/users/<int:user_id>/password")
@requires(Perm.MANAGE_USERS)
def user_password(user_id: int):
    user = _get(User, user_id)
    pw_form = forms.PasswordForm()
    if pw_form.validate_on_submit():
        try:
            services.reset_password(user, pw_form.password.data, pw_form.confirm.data, actor=current_user)
        except DomainError as exc:
            flash_error(exc, pw_form)
        else:
            flash(gettext("已重置“%(username)s”的密码；该用户的登录会话已全部失效，请将新密码告知本人",
                          username=user.username), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    form = forms.UserEditForm(formdata=None, obj=user)
    form.load_choices(user.unit_id)
    form.unit_id.data = user.unit_id or forms.NONE
    form.person_id.data = user.person_id or forms.NONE
    return _render_user_edit(user, form, pw_form, 422)


@bp.post("/users/<int:user_id>/active")
@requires(Perm.MANAGE_USERS)
def user_active(user_id: int):
    user = _get(User, user_id)
    active = request.form.get("active") == "1"
    try:
        services.set_user_active(user, active, actor=current_user)
    except DomainError as exc:
        flash_error(exc)
        _flash_transfer_hint(exc, user)
    else:
        flash(gettext("已启用“%(name)s”", name=user.username) if active
              else gettext("已停用“%(name)s”，其登录会话已全部失效", name=user.username), "success")
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/admin/")
                    else url_for("admin.users"))


# --- units ----------------------------------------------------------------------------------


@bp.get("/units")
@requires(Perm.MANAGE_UNITS)
def units():
    status = request.args.get("status") or ""
    query = Unit.select().order_by(Unit.active.desc(), Unit.sort_order, Unit.id)
    if status == "active":
        query = query.where(Unit.active == True)  # noqa: E712
    elif status == "inactive":
        query = query.where(Unit.active == False)  # noqa: E712
    return render_template("admin/units.html", rows=list(query), counts=services.unit_counts(),
                           categories=services.UNIT_CATEGORIES, status=status)


@bp.route("/units/new", methods=["GET", "POST"])
@requires(Perm.MANAGE_UNITS)
def unit_new():
    form = forms.UnitForm()
    if form.validate_on_submit():
        try:
            unit = unit_services.create_unit(name=form.name.data, short_name=form.short_name.data or "",
                                     category=form.category.data, actor=current_user)
        except DomainError as exc:
            flash_error(exc, form)
        else:
            flash(gettext("已创建承办单位“%(name)s”", name=unit.name), "success")
            return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=None), \
        422 if request.method == "POST" else 200


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@requires(Perm.MANAGE_UNITS)
def unit_edit(unit_id: int):
    unit = _get(Unit, unit_id)
    form = forms.UnitForm(obj=None if request.method == "POST" else unit).with_leaders()
    if request.method == "GET":
        form.city_leader_id.data = str(unit.city_leader_id or "")
    if form.validate_on_submit():
        try:
            services.update_unit_details(unit, name=form.name.data, short_name=form.short_name.data or "",
                                         category=form.category.data, actor=current_user,
                                         city_leader_id=(form.city_leader_id.data if "city_leader_id" in request.form
                                                         else ...))  # not sent: unchanged
        except DomainError as exc:
            flash_error(exc, form)
        else:
            flash(gettext("已保存承办单位“%(name)s”", name=unit.name), "success")
            return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=unit,
                           counts=services.unit_counts().get(unit.id, {"users": 0, "open": 0})), \
        422 if request.method == "POST" else 200


@bp.post("/units/<int:unit_id>/active")
@requires(Perm.MANAGE_UNITS)
def unit_active(unit_id: int):
    unit = _get(Unit, unit_id)
    active = request.form.get("active") == "1"
    try:
        services.set_unit_active(unit, active, actor=current_user)
    except DomainError as exc:
        flash_error(exc)
    else:
        flash(gettext("已启用“%(name)s”", name=unit.name) if active
              else gettext("已停用“%(name)s”：不能再向其交办，已交办的件照常办理", name=unit.name), "success")
    return redirect(url_for("admin.units"))


# --- persons --------------------------------------------------------------------------------


@bp.get("/persons")
@requires(Perm.MANAGE_USERS)
def persons():
    body = request.args.get("body") or None
    q = request.args.get("q", "")
    rows, total, page, pages = _paged(services.persons_list(body=body, q=q, actor=current_user))
    return render_template("admin/persons.html", rows=rows, total=total, page=page, pages=pages,
                           counts=services.lead_counts([p.id for p in rows]),
                           args=_args("body", "q"), f={"body": body or "", "q": q})


def _person_fields(form: forms.PersonForm) -> dict[str, str]:
    return {k: getattr(form, k).data or "" for k in services.PERSON_FIELDS}


@bp.route("/persons/new", methods=["GET", "POST"])
@requires(Perm.MANAGE_USERS)
def person_new():
    form = forms.PersonForm()
    if form.validate_on_submit():
        try:
            person = services.create_person(actor=current_user, **_person_fields(form))
        except DomainError as exc:
            flash_error(exc, form)
        else:
            flash(gettext("已新增“%(name)s”", name=person.name), "success")
            return redirect(url_for("admin.persons"))
    return render_template("admin/person_form.html", form=form, person=None), \
        422 if request.method == "POST" else 200


@bp.route("/persons/<int:person_id>/edit", methods=["GET", "POST"])
@requires(Perm.MANAGE_USERS)
def person_edit(person_id: int):
    person = _get(Person, person_id)
    form = forms.PersonForm(obj=None if request.method == "POST" else person)
    if form.validate_on_submit():
        try:
            services.update_person(person, actor=current_user, **_person_fields(form))
        except DomainError as exc:
            flash_error(exc, form)
        else:
            flash(gettext("已保存“%(name)s”", name=person.name), "success")
            return redirect(url_for("admin.persons"))
    accounts_linked = list(User.select().where(User.person == person.id))
    return render_template("admin/person_form.html", form=form, person=person,
                           accounts_linked=accounts_linked), 422 if request.method == "POST" else 200


# --- the rule profile -----------------------------------------------------------------------


@bp.route("/rules", methods=["GET", "POST"])
@requires(Perm.MANAGE_RULES)
def profile():
    prof = rules.default_profile()
    form_class = forms.profile_form_class()
    form = form_class()
    if request.method == "GET":
        clocks = rules.clocks_from_json(prof.clocks)
        for key in CLOCK_KEYS:
            getattr(form, f"{key}_amount").data = clocks[key].amount
            getattr(form, f"{key}_unit").data = clocks[key].unit.value
        form.roll_forward.data = prof.roll_forward
        form.review_department_replies.data = prof.review_department_replies
        form.checklist_blocks_closeout.data = prof.checklist_blocks_closeout
        form.clocks_run_during_return.data = prof.clocks_run_during_return
        form.reply_anchor.data = prof.reply_anchor
    if form.validate_on_submit():
        try:
            change = services.save_profile(
                prof,
                clocks={k: (getattr(form, f"{k}_amount").data, getattr(form, f"{k}_unit").data)
                        for k in CLOCK_KEYS},
                roll_forward=form.roll_forward.data,
                review_department_replies=form.review_department_replies.data,
                checklist_blocks_closeout=form.checklist_blocks_closeout.data,
                clocks_run_during_return=form.clocks_run_during_return.data,
                reply_anchor=form.reply_anchor.data or None,  # not sent: unchanged
                actor=current_user,
            )
        except DomainError as exc:
            flash_error(exc, form)
        else:
            flash(gettext("已保存规则配置；按新规则重新计算了 %(n)s 个未办结承办任务的期限", n=change.recomputed), "success")
            return redirect(url_for("admin.profile"))
    elif request.method == "POST":
        flash(gettext("提交的内容有误，请按提示修改"), "danger")
    clocks_rows = [(key, gettext(CLOCK_LABELS[key]), CLOCK_HELP.get(key, ""), _anchor_text(key, prof.reply_anchor),
                    getattr(form, f"{key}_amount"), getattr(form, f"{key}_unit")) for key in CLOCK_KEYS]
    return render_template("admin/profile.html", form=form, profile=prof, clocks_rows=clocks_rows), \
        422 if request.method == "POST" else 200


# What each clock governs (DOMAIN.md §3), shown beside it.
CLOCK_HELP = {
    "receipt": _l("承办单位签收交办件"),
    "return_window": _l("承办单位可申请退回（申退）的期限"),
    "return_decision": _l("交办单位审核申退申请"),
    "first_contact": _l("首次与代表委员沟通（办前沟通）"),
    "co_opinion": _l("会办单位向主办单位提交会办意见"),
    "reply": _l("答复代表委员（法定为三个月）"),
    "extension_notice": _l("申请延期须在答复期限前提出"),
    "reply_cap": _l("含延期在内的最长办理期限（法定为六个月）"),
    "feedback_window": _l("代表委员反馈意见，逾期记为未表态"),
    "rehandle": _l("不满意件重新办理并再次答复"),
    "publication": _l("答复内容公开"),
    # 三书一函: used when the document itself sets no deadline (a written one wins)
    "reply_procuratorial": _l("检察建议书未载明期限时的回复期限（通常为两个月）"),
    "reply_judicial": _l("司法建议书未载明期限时的回复期限"),
    "reply_supervisory": _l("监察建议书未载明期限时的回复期限（通常为一个月）"),
    "reply_police": _l("公安提示函未载明期限时的回复期限"),
}


def _anchor_text(key: str, reply_anchor: str = "assigned") -> str:
    if key == "extension_notice":
        return gettext("答复期限前至少")
    if key == "reply" and reply_anchor != "assigned":  # the profile's anchor (see below the table)
        return gettext("自%(anchor)s起", anchor=gettext(REPLY_ANCHORS[reply_anchor]))
    return gettext("自%(anchor)s起", anchor=gettext(CLOCK_ANCHOR_LABELS[key]))


# --- the working calendar -------------------------------------------------------------------


def _year() -> int:
    year = request.values.get("year", type=int)
    if year is None or not services.MIN_YEAR <= year <= services.MAX_YEAR:
        return clock.today().year
    return year


# The month grids' column heads, Monday first, and the days' full names (the heads' tooltips).
WEEKDAY_HEADS = (_lp("weekday", "一"), _lp("weekday", "二"), _lp("weekday", "三"), _lp("weekday", "四"),
                 _lp("weekday", "五"), _lp("weekday", "六"), _lp("weekday", "日"))
WEEKDAY_NAMES = (_l("星期一"), _l("星期二"), _l("星期三"), _l("星期四"), _l("星期五"), _l("星期六"), _l("星期日"))
# Day names a calendar page shows in the reader's language; an administrator's own name (e.g.
# 春节调休) is shown as entered.
_TRANSLATED_DAY_NAMES = STANDARD_DAY_NAMES | frozenset(services.DAY_KINDS.values())


def day_label(name: str) -> str:
    """A calendar day's name or kind as the page shows it: “国庆节”, “周末” — or “National Day”,
    “Weekend” under ?lang=en."""
    return gettext(name) if name in _TRANSLATED_DAY_NAMES else name


def _render_calendar(year: int, form: forms.CalendarDayForm, status: int = 200):
    cal = rules.work_calendar()
    known = year in package_years()
    return render_template(
        "admin/calendar.html", year=year, months=services.year_view(year), form=form,
        overrides=services.overrides_of(year), known=known, confirmed=cal.is_confirmed(year),
        admin_confirmed=year in services.confirmed_years(), weekdays=[str(w) for w in WEEKDAY_HEADS],
        weekday_names=[str(w) for w in WEEKDAY_NAMES], day_label=day_label, package_range=package_years(),
    ), status


@bp.get("/calendar")
@requires(Perm.MANAGE_RULES)
def calendar():
    year = _year()
    form = forms.CalendarDayForm(formdata=None)
    return _render_calendar(year, form)


@bp.post("/calendar/day")
@requires(Perm.MANAGE_RULES)
def calendar_day():
    year = _year()
    form = forms.CalendarDayForm()
    if form.validate_on_submit():
        try:
            row = services.set_day(form.day.data, is_workday=form.is_workday.data, name=form.name.data,
                                   reason=form.reason.data, actor=current_user)
        except DomainError as exc:
            flash_error(exc, form)
        else:
            flash(gettext("已将 %(day)s 设为工作日；重新计算了 %(n)s 个未办结承办任务的期限", day=row.day.isoformat(),
                          n=getattr(row, "recomputed_count", 0)) if row.is_workday else
                  gettext("已将 %(day)s 设为休息日；重新计算了 %(n)s 个未办结承办任务的期限", day=row.day.isoformat(),
                          n=getattr(row, "recomputed_count", 0)), "success")
            return redirect(url_for("admin.calendar", year=row.day.year))
    else:
        flash(gettext("提交的内容有误，请按提示修改"), "danger")
    typed = form.day.data.year if form.day.data else year
    # a refused day may lie outside the years the calendar shows (e.g. 9999-12-31): show the year asked for
    return _render_calendar(typed if services.MIN_YEAR <= typed <= services.MAX_YEAR else year, form, 422)


@bp.post("/calendar/day/remove")
@requires(Perm.MANAGE_RULES)
def calendar_day_remove():
    try:
        day = dt.date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        abort(400)
    try:
        count = services.remove_day(day, actor=current_user)
    except DomainError as exc:
        flash_error(exc)
    else:
        flash(gettext("已撤销 %(day)s 的人工调整；重新计算了 %(n)s 个未办结承办任务的期限", day=day.isoformat(), n=count),
              "success")
    return redirect(url_for("admin.calendar", year=day.year))


@bp.post("/calendar/confirm")
@requires(Perm.MANAGE_RULES)
def calendar_confirm():
    year = _year()
    confirmed = request.form.get("confirmed") == "1"
    try:
        services.set_year_confirmed(year, confirmed, actor=current_user)
    except DomainError as exc:
        flash_error(exc)
    else:
        flash(gettext("已确认 %(year)s 年工作日历", year=year) if confirmed
              else gettext("已撤销 %(year)s 年工作日历的确认", year=year), "success")
    return redirect(url_for("admin.calendar", year=year))


# --- the "3+1" checklist --------------------------------------------------------------------


def _render_checklist(add_forms: dict[str, forms.ChecklistEntryForm] | None = None, status: int = 200):
    add_forms = add_forms or {}
    tiers = []
    for tier in Tier:
        form = add_forms.get(tier.value) or forms.ChecklistEntryForm(formdata=None, tier=tier.value,
                                                                    prefix=tier.value)
        tiers.append((tier, services.checklist(tier.value), form))
    return render_template("admin/checklist.html", tiers=tiers, requirements=REQUIREMENTS), status


@bp.get("/checklist")
@requires(Perm.MANAGE_RULES)
def checklist():
    return _render_checklist()


@bp.post("/checklist")
@requires(Perm.MANAGE_RULES)
def checklist_add():
    tier = request.form.get("tier", "")
    if tier not in {t.value for t in Tier}:
        abort(400)
    form = forms.ChecklistEntryForm(prefix=tier)
    if form.validate_on_submit():
        try:
            entry = services.add_checklist_entry(tier=tier, requirement=form.requirement.data,
                                                 label_text=form.label.data, actor=current_user)
        except DomainError as exc:
            flash_error(exc, form)
        else:
            flash(gettext("已添加清单项“%(name)s”", name=entry.label), "success")
            return redirect(url_for("admin.checklist") + f"#tier-{tier}")
    return _render_checklist({tier: form}, 422)


@bp.route("/checklist/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(Perm.MANAGE_RULES)
def checklist_edit(entry_id: int):
    entry = _get(ChecklistEntry, entry_id)
    form = forms.ChecklistEntryForm(obj=None if request.method == "POST" else entry)
    if form.validate_on_submit():
        try:
            services.update_checklist_entry(entry, requirement=form.requirement.data,
                                            label_text=form.label.data, actor=current_user)
        except DomainError as exc:
            flash_error(exc, form)
        else:
            flash(gettext("已保存清单项“%(name)s”", name=entry.label), "success")
            return redirect(url_for("admin.checklist") + f"#tier-{entry.tier}")
    return render_template("admin/checklist_form.html", form=form, entry=entry), \
        422 if request.method == "POST" else 200


@bp.post("/checklist/<int:entry_id>/active")
@requires(Perm.MANAGE_RULES)
def checklist_active(entry_id: int):
    entry = _get(ChecklistEntry, entry_id)
    active = request.form.get("active") == "1"
    try:
        services.set_checklist_entry_active(entry, active, actor=current_user)
    except DomainError as exc:
        flash_error(exc)
    else:
        flash(gettext("已启用清单项“%(name)s”", name=entry.label) if active
              else gettext("已停用清单项“%(name)s”", name=entry.label), "success")
    return redirect(url_for("admin.checklist") + f"#tier-{entry.tier}")


@bp.post("/checklist/<int:entry_id>/move")
@requires(Perm.MANAGE_RULES)
def checklist_move(entry_id: int):
    entry = _get(ChecklistEntry, entry_id)
    try:
        services.move_checklist_entry(entry, request.form.get("direction", ""), actor=current_user)
    except DomainError as exc:
        flash_error(exc)
    return redirect(url_for("admin.checklist") + f"#tier-{entry.tier}")


# --- settings -------------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@requires(Perm.MANAGE_RULES)
def settings():
    form = forms.SettingsForm()
    if request.method == "GET":
        current = services.current_settings()
        for key in ("mail_digest", "mail_digest_hour", "mail_max_age_days", "dispatch_weekly",
                    "dispatch_weekday", "dispatch_hour", "urge_throttle_hours"):
            getattr(form, key).data = current[key]
        form.result_classes.data = "".join(current["result_classes"] or []) or "ABCD"
        form.face_to_face_methods.data = current["face_to_face_methods"]
    if form.validate_on_submit():
        try:
            changed = services.save_settings(
                actor=current_user, mail_digest=form.mail_digest.data,
                mail_digest_hour=form.mail_digest_hour.data, mail_max_age_days=form.mail_max_age_days.data,
                dispatch_weekly=form.dispatch_weekly.data, dispatch_weekday=form.dispatch_weekday.data,
                dispatch_hour=form.dispatch_hour.data, urge_throttle_hours=form.urge_throttle_hours.data,
                result_classes=form.result_classes.data,
                face_to_face_methods=form.face_to_face_methods.data or [],
            )
        except DomainError as exc:
            flash_error(exc, form)
        else:
            if changed:
                flash(gettext("已保存：%(names)s", names=gettext("、").join(
                    gettext(services.SETTING_LABELS.get(k, k)) for k in changed)), "success")
            else:
                flash(gettext("设置没有变化"), "info")
            return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form), 422 if request.method == "POST" else 200


# --- the audit log (read only: there is no route that changes it) ---------------------------

NO_OBJECT = "_"  # filter value for entries without an object (settings)


@bp.get("/audit")
@requires(Perm.VIEW_AUDIT)
def audit():
    form = forms.AuditFilterForm(request.args)
    actions, objects = services.audit_choices()
    form.action.choices = forms.options([("", _l("全部操作")), *actions])
    form.object_type.choices = forms.options([("", _l("全部对象")), *[(o or NO_OBJECT, text) for o, text in objects]])
    valid = form.validate()
    filters = services.AuditFilters()
    if valid:
        object_type = form.object_type.data or None
        filters = services.AuditFilters(
            actor=form.actor.data or "", actor_id=request.args.get("actor_id", type=int),
            action=form.action.data or "",
            object_type="" if object_type == NO_OBJECT else object_type,
            item_id=form.item_id.data, date_from=form.date_from.data, date_to=form.date_to.data,
        )
        if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
            form.date_to.errors = [gettext("截止日期不能早于起始日期")]
            valid = False
    if not valid:
        filters = services.AuditFilters(item_id=-1)  # show nothing until the filters are fixed
    rows, total, page, pages = _paged(services.audit_entries(filters, actor=current_user))
    actor_user = User.get_or_none(User.id == filters.actor_id) if filters.actor_id else None
    return render_template(
        "admin/audit.html", form=form, rows=rows, total=total, page=page, pages=pages,
        args=_args("actor", "actor_id", "action", "object_type", "item_id", "date_from", "date_to"),
        action_label=labels.action_label, object_label=labels.object_label, actor_user=actor_user,
        change_rows=audit_changes.change_rows,
    ), 200 if valid else 422
