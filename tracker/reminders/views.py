"""Pages: overdue and due-soon lists, the notification centre, supervision slips, 催办, and the
administrators' reminder-rule table. Thin: arguments in, one service or query call, out."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user, login_required

from tracker.accounts import policy
from tracker.core import clock
from tracker.core.enums import HandlingRole, ItemKind, SlipColor, Tier, choices, display_label
from tracker.core.errors import DomainError, ensure
from tracker.core.templating import english_page, local_date
from tracker.core.web import flash_error, next_target
from tracker.items.services import sessions_ordered
from tracker.items.workflow import Action
from tracker.reminders import export, queries, rules, services
from tracker.reminders.forms import FilterForm, ReminderRuleForm, UrgeForm, options
from tracker.reminders.panels import urge_prefix
from tracker.units.models import Unit

bp = Blueprint("reminders", __name__)

PER_PAGE = 50


def item_url(item_id: int | None) -> str | None:
    """The item page, when the items module provides one."""
    if not item_id:
        return None
    from flask import current_app

    for endpoint in ("items.detail", "items.show", "items.view"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, item_id=item_id)
    return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# --- overdue and due soon -------------------------------------------------------------------


ORDER_CHOICES = [
    ("due.asc", _l("期限由早到晚")),
    ("due.desc", _l("期限由晚到早")),
    ("unit.asc", _l("承办单位")),
    ("number.asc", _l("案号")),
    ("tier.asc", _l("办理层级")),
    ("act.asc", _l("事项")),
]


def filters_from_args(args) -> queries.OverdueFilters:
    due_soon = args.get("tab") == "due_soon" or args.get("due_soon") in ("1", "true")
    within = _int(args.get("within"))
    sort, direction = args.get("sort"), args.get("dir")
    if args.get("order"):  # the phone-friendly select: "unit.asc"
        sort, _, direction = args["order"].partition(".")
    return queries.OverdueFilters(
        session_id=_int(args.get("session_id")),
        kind=args.get("kind") or None,
        unit_id=_int(args.get("unit_id")),
        tier=args.get("tier") or None,
        act=args.get("act") if args.get("act") in queries.ACTS else None,
        due_soon=due_soon,
        within=min(366, max(0, within if within is not None else 7)),
        sort=sort if sort in queries.SORTS else "due",
        desc=direction == "desc",
    )


def _filter_form(args) -> FilterForm:
    form = FilterForm(args)
    form.session_id.choices = options([("", _l("全部会次"))] + [(str(s.id), s.name) for s in sessions_ordered()])
    form.kind.choices = options([("", _l("全部类别"))] + choices(ItemKind)[:2])
    form.unit_id.choices = options([("", _l("全部单位"))] + [(str(u.id), u.name) for u in Unit.active_ordered()])
    form.tier.choices = options([("", _l("全部层级"))] + choices(Tier))
    form.act.choices = options([("", _l("全部事项"))] + [(k, _l(v)) for k, v in queries.ACTS.items()])
    return form


class ShownRow(NamedTuple):
    """An overdue / due-soon row as the page shows it: its words, dates and link ready to print."""

    number: str
    url: str | None
    title: str
    session_name: str
    act: str
    commitment_text: str
    unit_name: str
    role: str
    tier: str
    leader: str
    handler: str
    handler_phone: str
    due: str
    extended: bool
    rehandling: bool
    original_due: str
    days: str
    slips: list[tuple[str, str]]  # (colour, "红单 2")


def shown_rows(rows: list[queries.OverdueRow], *, due_soon: bool) -> list[ShownRow]:
    """The page's rows with every label, date, day count and link made once per distinct value:
    fifty rows repeat the same few acts, roles, tiers, dates and day counts, and formatting each
    in the template (a filter or gettext call per cell) was most of the page's rendering."""
    words: dict[tuple[str, Any], str] = {}

    def once(kind: str, value: Any, make: Any) -> str:
        key = (kind, value)
        found = words.get(key)
        if found is None:
            found = words[key] = make(value)
        return found

    number_format = gettext("%(n)s号", n="{n}")  # the translated pattern, filled per row
    url_prefix = _item_url_prefix(rows[0].item_id) if rows else None
    out = []
    for r in rows:
        if due_soon:
            days = once("left", r.days_left, lambda n: gettext("今天到期") if n == 0
                        else ngettext("剩 %(num)s 天", "剩 %(num)s 天", n))
        else:
            days = once("overdue", r.days_overdue, lambda n: ngettext("超期 %(num)s 天", "超期 %(num)s 天", n))
        out.append(ShownRow(
            number=number_format.replace("{n}", r.number),
            url=url_prefix + str(r.item_id) if url_prefix else item_url(r.item_id),
            title=r.title,
            session_name=r.session_name,
            act=once("act", r.act_label, gettext),
            commitment_text=r.commitment_text,
            unit_name=r.unit_name,
            role=once("role", r.role, lambda v: display_label(v, HandlingRole)),
            tier=once("tier", r.tier, lambda v: display_label(v, Tier)),
            leader=r.leader,
            handler=r.handler,
            handler_phone=r.handler_phone,
            due=once("date", r.due_on, local_date),
            extended=r.extended,
            rehandling=r.rehandling,
            original_due=once("date", r.original_due, local_date) if r.original_due else "",
            days=days,
            slips=[(color, once("slip", color, lambda v: display_label(v, SlipColor)) + f" {r.slips[color]}")
                   for color in queries.SLIP_ORDER if r.slips.get(color)],
        ))
    return out


def _item_url_prefix(item_id: int) -> str | None:
    """The item pages' URL up to the id (``/items/``), when it ends with the id; else None."""
    url = item_url(item_id)
    tail = str(item_id)
    return url[: -len(tail)] if url and url.endswith("/" + tail) else None


@bp.get("/overdue")
@login_required
def overdue():
    ensure(policy.has(current_user, policy.Perm.VIEW_OVERDUE))
    f = filters_from_args(request.args)
    page = max(1, _int(request.args.get("page")) or 1)
    today = clock.today()
    rows, total, other_total = queries.overdue_page_with_counts(f, today, page=page, per_page=PER_PAGE)
    counts = {
        "overdue": other_total if f.due_soon else total,
        "due_soon": total if f.due_soon else other_total,
    }
    args = {k: v for k, v in request.args.items() if k != "page" and v not in ("", None)}
    tab_args = {
        k: v for k, v in args.items() if k not in ("tab", "due_soon", "sort", "dir", "within", "order")
    }
    header_args = {k: v for k, v in args.items() if k != "order"}
    return render_template(
        "reminders/overdue.html",
        rows=shown_rows(rows, due_soon=f.due_soon),
        total=total,
        page=page,
        tab_args=tab_args,
        header_args=header_args,
        order_choices=ORDER_CHOICES,
        pages=max(1, math.ceil(total / PER_PAGE)),
        f=f,
        form=_filter_form(request.args),
        counts=counts,
        args=args,
        today=today,
        sort_labels=queries.SORT_LABELS,
    )


@bp.get("/overdue.xlsx")
@login_required
def overdue_export():
    ensure(policy.has(current_user, policy.Perm.VIEW_OVERDUE))
    f = filters_from_args(request.args)
    today = clock.today()
    data = export.workbook(queries.all_overdue(f, today), today=today, due_soon=f.due_soon)
    name = f"{'due-soon' if f.due_soon else 'overdue'}-{today.isoformat()}.xlsx"
    return Response(
        data,
        headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Content-Disposition": f"attachment; filename={name}",
        },
    )


# --- notification centre --------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def notifications():
    unread_only = request.args.get("unread") == "1"
    page = max(1, _int(request.args.get("page")) or 1)
    query = queries.for_user(current_user, unread_only=unread_only)
    total = query.count()
    rows = list(query.paginate(page, PER_PAGE))
    args = {"unread": "1"} if unread_only else {}
    return render_template(
        "reminders/notifications.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PER_PAGE)),
        unread_only=unread_only,
        args=args,
        item_url=item_url,
        unread=queries.unread_count(current_user),
    )


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    n = services.get_notification_for(current_user, notification_id)
    services.mark_read(n, actor=current_user)
    if request.form.get("open") and item_url(n.item_id):
        return redirect(item_url(n.item_id))
    return redirect(_back(url_for("reminders.notifications")))


@bp.post("/notifications/read-all")
@login_required
def mark_all_read():
    count = services.mark_all_read(actor=current_user)
    flash(gettext("已将 %(n)s 条消息标为已读", n=count) if count else gettext("没有未读消息"), "success")
    return redirect(url_for("reminders.notifications"))


_back = next_target


# --- supervision slips ----------------------------------------------------------------------


@bp.get("/slips")
@login_required
def slips():
    ensure(policy.has(current_user, policy.Perm.VIEW_OVERDUE))
    session_id = _int(request.args.get("session_id"))
    unit_id = _int(request.args.get("unit_id"))
    color = request.args.get("color") if request.args.get("color") in {c.value for c in SlipColor} else None
    page = max(1, _int(request.args.get("page")) or 1)
    query = queries.slips_list(session_id=session_id, unit_id=unit_id, color=color)
    total = query.count()
    rows = list(query.paginate(page, PER_PAGE))
    per_unit = queries.slip_counts_by_unit(session_id=session_id, unit_id=unit_id)
    totals = {c: sum(u.get(c, 0) for u in per_unit) for c in queries.SLIP_ORDER}
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "reminders/slips.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PER_PAGE)),
        per_unit=per_unit,
        totals=totals,
        args=args,
        sessions=list(sessions_ordered()),
        units=list(Unit.active_ordered()),
        session_id=session_id,
        unit_id=unit_id,
        color=color,
        colors=queries.SLIP_ORDER,
        item_url=item_url,
    )


@bp.post("/assignments/<int:assignment_id>/urge")
@login_required
def urge(assignment_id: int):
    from tracker.assignments.services import get_assignment_for

    a = get_assignment_for(current_user, assignment_id)
    ensure(policy.can(current_user, Action.ISSUE_SLIP, a))
    form = UrgeForm(prefix=urge_prefix(assignment_id))
    back = _back(item_url(a.item_id) or url_for("reminders.overdue"))
    if not form.validate_on_submit():
        message = (
            gettext("请选择催办单或督办单颜色")
            if form.color.errors
            else gettext("；").join(str(e) for errors in form.errors.values() for e in errors)
        )
        flash(message or gettext("提交的内容有误"), "danger")
        return redirect(back)
    try:
        slip = services.urge(a, actor=current_user, color=form.color.data, reason=form.reason.data or "")
    except DomainError as exc:
        flash_error(exc)
        return redirect(back)
    from tracker.core.enums import display_label

    flash(gettext("已向%(unit)s发出%(slip)s", unit=a.unit.name, slip=display_label(SlipColor(slip.color))), "success")
    return redirect(back)


# --- the reminder-rule table (administrators) -----------------------------------------------


# The dates a rule watches, as a sentence names them ("5 working days before the reply deadline");
# rules.EVENTS are the same names as headings and labels.
WHEN_EVENTS = {
    "assigned_on": _lp("reminder rule", "交办日"),
    "receipt_due": _lp("reminder rule", "签收期限"),
    "return_due": _lp("reminder rule", "申退期限"),
    "first_contact_due": _lp("reminder rule", "办前沟通期限"),
    "co_opinion_due": _lp("reminder rule", "会办意见期限"),
    "reply_due": _lp("reminder rule", "答复期限"),
    "feedback_due": _lp("reminder rule", "征询意见期限"),
    "commitment_due": _lp("reminder rule", "承诺事项期限"),
}


def describe_when(event: str, offset: int, unit: str) -> str:
    """When a rule fires, as the rule table says it: ``rules.describe_when`` (“答复期限前 5 个工作日”,
    the audit log's wording too), or its English under ?lang=en (“5 working days before the reply
    deadline”)."""
    if not english_page():
        return rules.describe_when(event, offset, unit)
    return when_text(event, offset, unit)


def when_text(event: str, offset: int, unit: str) -> str:
    """``rules.describe_when``'s sentence through the catalogue: its very Chinese in Chinese (the
    tests compare the two), English under ?lang=en. An offset unit the pages do not offer reads
    as ``rules.describe_when`` says."""
    if unit not in ("working_day", "calendar_day", "calendar_month"):
        return rules.describe_when(event, offset, unit)
    name = str(WHEN_EVENTS.get(event, event))
    if offset == 0:
        if event == "feedback_due":  # the window's last day is still the submitters'
            return gettext("征询意见期限次日")
        return gettext("交办当日") if event == "assigned_on" else gettext("%(event)s当日", event=name)
    n = abs(offset)
    if offset < 0:
        if unit == "working_day":
            return ngettext("%(event)s前 %(num)s 个工作日", "%(event)s前 %(num)s 个工作日", n, event=name)
        if unit == "calendar_day":
            return ngettext("%(event)s前 %(num)s 天", "%(event)s前 %(num)s 天", n, event=name)
        return ngettext("%(event)s前 %(num)s 个月", "%(event)s前 %(num)s 个月", n, event=name)
    if unit == "working_day":
        return ngettext("%(event)s后第 %(num)s 个工作日（超期 %(num)s 个工作日）",
                        "%(event)s后第 %(num)s 个工作日（超期 %(num)s 个工作日）", n, event=name)
    if unit == "calendar_day":
        return ngettext("%(event)s后 %(num)s 天", "%(event)s后 %(num)s 天", n, event=name)
    return ngettext("%(event)s后 %(num)s 个月", "%(event)s后 %(num)s 个月", n, event=name)


@bp.get("/admin/reminder-rules")
@login_required
def rules_index():
    ensure(policy.has(current_user, policy.Perm.MANAGE_RULES))
    return render_template(
        "reminders/rules.html",
        rows=list(services.rules_ordered()),
        recipients=rules.RECIPIENTS,
        slips=rules.SLIP_COLORS,
        describe=describe_when,
        events=rules.EVENTS,
    )


@bp.route("/admin/reminder-rules/<int:rule_id>", methods=["GET", "POST"])
@login_required
def edit_rule(rule_id: int):
    ensure(policy.has(current_user, policy.Perm.MANAGE_RULES))
    row = services.get_rule(rule_id)
    form = ReminderRuleForm(obj=row if request.method == "GET" else None)
    if request.method == "GET":
        form.recipients.data = list(row.recipients or [])
    if form.validate_on_submit():
        try:
            services.update_rule(
                row,
                actor=current_user,
                label=form.label.data,
                offset=form.offset.data,
                offset_unit=form.offset_unit.data,
                recipients=form.recipients.data or [],
                slip=form.slip.data,
                active=form.active.data,
            )
        except DomainError as exc:
            flash_error(exc, form)
        else:
            flash(gettext("已保存提醒规则“%(name)s”", name=form.label.data.strip()), "success")
            return redirect(url_for("reminders.rules_index"))
    return render_template("reminders/rule_form.html", form=form, row=row, events=rules.EVENTS), (
        422 if form.errors else 200
    )
