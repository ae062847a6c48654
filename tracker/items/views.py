"""Item pages: the list, registration, the item page (the hub), editing, sessions, the
assignment desk form and the submitter's own list. Thin: form in → one service call → redirect."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from tracker.accounts import policy
from tracker.accounts.policy import Perm
from tracker.accounts.services import leaders
from tracker.assessment.services import active_scorecards
from tracker.assignments import services as assignment_services
from tracker.assignments.forms import AssignForm
from tracker.assignments.models import ReturnRequest
from tracker.audit.labels import event_label
from tracker.audit.services import item_entries
from tracker.core import clock
from tracker.core.db import distinct_values
from tracker.core.enums import (
    AssignmentStatus,
    HandlingMode,
    HandlingRole,
    RequestStatus,
    is_supervision_kind,
)
from tracker.core.errors import DomainError, PermissionDenied
from tracker.core.i18n import N_
from tracker.core.paging import page_bounds
from tracker.core.web import flash_error
from tracker.items import panels, withdrawal, workflow
from tracker.items import services as item_services
from tracker.items.forms import PER_PAGE, ItemEditForm, ItemFilterForm, ItemForm, SessionForm
from tracker.items.models import Item, Session
from tracker.items.queries import SORTS, list_rows
from tracker.items.workflow import Action
from tracker.units.models import Unit

bp = Blueprint("items", __name__)

DUE_SOON_DAYS = 7
DATE_LABELS = {"receipt_due": _l("签收期限"), "return_due": _l("申退期限"), "first_contact_due": _l("办前沟通期限"),
               "co_opinion_due": _l("会办意见期限"), "reply_due": _l("答复期限"), "reply_due_max": _l("最长办理期限"),
               "extended_due": _l("延期"), "rehandle_due": _l("重新办理期限")}
CHECK_FORM = N_("请检查标红的内容后重新提交")  # flash(gettext(CHECK_FORM), ...)
# Service field names that the page shows on another field.
FIELD_ALIASES = {"submitters": "lead_name"}


def require(allowed: bool) -> None:
    """Page guard: 403 unless the policy allows it."""
    if not allowed:
        raise PermissionDenied("您没有权限访问此页面")


def show_error(exc: DomainError, form: Any) -> None:
    flash_error(exc, form)
    for name, alias in FIELD_ALIASES.items():
        if name in exc.fields and hasattr(form, alias):
            field = getattr(form, alias)
            field.errors = [*list(field.errors or []), exc.fields[name]]


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except (TypeError, ValueError):
        return 1


def due_class(due: dt.date | None, today: dt.date) -> str:
    """'overdue' (red), 'soon' (amber, within 7 days) or '' for a deadline."""
    if due is None:
        return ""
    if due < today:
        return "overdue"
    if (due - today).days <= DUE_SOON_DAYS:
        return "soon"
    return ""


# --- the list -------------------------------------------------------------------------------


@bp.get("/items")
@login_required
def index():
    require(policy.has(current_user, Perm.LIST_ITEMS))
    form = ItemFilterForm(formdata=request.args)
    form.set_choices(item_services.sessions_ordered(), Unit.active_ordered())
    filters = form.search_kwargs()
    query = item_services.search(current_user, **filters)
    sort = form.sort.data if form.sort.data in SORTS else "number"
    total, page, page_items = item_services.list_page(query, sort, _page(), PER_PAGE, filters=filters)
    pages = page_bounds(total, page, PER_PAGE)[1]
    return render_template(
        "items/index.html", form=form, rows=list_rows(page_items), total=total, page=page,
        pages=pages, args=form.active_args(), sort=sort, today=clock.today(), due_class=due_class,
    )


@bp.get("/my-items")
@login_required
def mine():
    require(policy.has(current_user, Perm.MY_ITEMS))
    query = policy.visible_items(Item.select(Item, Session).join(Session), current_user)
    total = query.count()
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(_page(), pages)
    page_items = list(query.order_by(Item.registered_at.desc(), Item.id.desc()).paginate(page, PER_PAGE))
    return render_template("items/mine.html", rows=list_rows(page_items), total=total, page=page,
                           pages=pages, today=clock.today(), due_class=due_class)


# --- sessions -------------------------------------------------------------------------------


@bp.route("/sessions", methods=["GET", "POST"])
@login_required
def sessions():
    require(policy.has(current_user, Perm.CREATE_SESSIONS))
    form = SessionForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                session = item_services.create_session(
                    body=form.body.data, name=form.name.data, year=form.year.data,
                    opened_on=form.opened_on.data, closed_on=form.closed_on.data,
                    reply_due_absolute=form.reply_due_absolute.data, actor=current_user)
            except DomainError as exc:
                show_error(exc, form)
                status = exc.status
            else:
                flash(gettext("已新建会次：%(name)s", name=session.name), "success")
                return redirect(url_for("items.sessions"))
        else:
            flash(gettext(CHECK_FORM), "danger")
            status = 422
    elif not form.year.data:
        form.year.data = clock.today().year
    rows = item_services.sessions_ordered()
    counts = session_item_counts()
    return render_template("items/sessions.html", form=form, sessions=rows, counts=counts), status


def session_item_counts() -> dict[int, int]:
    from peewee import fn

    return {row.session_id: row.n for row in
            Item.select(Item.session, fn.COUNT(Item.id).alias("n")).group_by(Item.session)}


# --- register and edit ----------------------------------------------------------------------


def _categories() -> list[str]:
    """The categories in use (at most 200), for the form's suggestions."""
    return [c for c in distinct_values(Item.category) if c][:200]


@bp.route("/items/new", methods=["GET", "POST"])
@login_required
def new():
    require(policy.can(current_user, Action.REGISTER))
    sessions_list = list(item_services.sessions_ordered())
    form = ItemForm()
    form.set_sessions(sessions_list)
    form.set_leaders(leaders())
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                item = item_services.register_item(actor=current_user, **form.service_kwargs())
            except DomainError as exc:
                show_error(exc, form)
                status = exc.status
            else:
                flash(gettext("已登记第 %(n)s 号：%(title)s", n=item.number, title=item.title), "success")
                if request.form.get("then") == "assign" and policy.can(current_user, Action.ASSIGN, item):
                    return redirect(url_for("items.assign", item_id=item.id))
                return redirect(url_for("items.show", item_id=item.id))
        else:
            flash(gettext(CHECK_FORM), "danger")
            status = 422
    else:
        form.received_on.data = clock.today()
        if sessions_list:
            form.session_id.data = sessions_list[0].id
    return render_template("items/new.html", form=form, categories=_categories(),
                           has_sessions=bool(sessions_list)), status


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id: int):
    item = item_services.get_item_for(current_user, item_id)
    require(policy.can(current_user, Action.EDIT, item))
    if is_supervision_kind(item.kind) and "supervision.edit" in current_app.view_functions:
        return redirect(url_for("supervision.edit", item_id=item.id))  # 三书一函: the document's own form
    if request.method == "GET":
        form = ItemEditForm(formdata=None, data={
            "title": item.title, "content": item.content, "category": item.category, "tier": item.tier,
            "is_key": item.is_key, "received_on": item.received_on, "leader_id": item.leader_id,
            "note": item.note, "version": item.version})
        form.fill_submitters(item_services.submitters_of(item))
    else:
        form = ItemEditForm()
    form.set_leaders(leaders())
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                item_services.edit_item(item, actor=current_user, **form.service_kwargs())
            except DomainError as exc:
                show_error(exc, form)
                status = exc.status
            else:
                flash(gettext("已保存修改"), "success")
                return redirect(url_for("items.show", item_id=item.id))
        else:
            flash(gettext(CHECK_FORM), "danger")
            status = 422
    return render_template("items/edit.html", form=form, item=item, categories=_categories()), status


# --- the item page --------------------------------------------------------------------------


class AssignmentRow:
    """What the item page shows for one assignment; ``full`` when the user may see its details."""

    def __init__(self, a: Any, user: Any, today: dt.date):
        self.a = a
        self.full = policy.can_view_assignment(user, a)
        self.explain = assignment_services.explain_dates(a) if self.full and not a.is_void else {}
        status = AssignmentStatus(a.status)
        # an unconfirmed calendar matters while the unit still owes something, not once it is done
        years = (assignment_services.unconfirmed_years(a)
                 if self.full and not a.is_void and status.value in OWING else [])
        self.warning = gettext("注意：%(years)s 年的工作日历尚未确认，相关日期按周一至周五计算，请管理员核对节假日安排。",
                               years=gettext("、").join(str(y) for y in years)) if years else None
        self.can_receive = (policy.can(user, Action.RECEIVE, a)
                            and workflow.assignment_allows(status, Action.RECEIVE))
        may_return = (policy.can(user, Action.REQUEST_RETURN, a)
                      and workflow.assignment_allows(status, Action.REQUEST_RETURN))
        self.can_request_return = may_return and today <= a.return_due
        self.return_window_closed = may_return and today > a.return_due
        self.can_adjust = (policy.can(user, Action.EDIT_ASSIGNMENT, a)
                           and assignment_services.adjust_blocker(a) is None)
        self.can_accept_late_return = (policy.can(user, Action.ACCEPT_LATE_RETURN, a) and today > a.return_due
                                       and workflow.assignment_allows(status, Action.REQUEST_RETURN))
        self.due_class = due_class(a.current_due, today) if status.value in OWING else ""
        self.pending_return = None
        if status == AssignmentStatus.RETURN_REQUESTED and self.full:
            self.pending_return = (ReturnRequest.select()
                                   .where((ReturnRequest.assignment == a.id)
                                          & (ReturnRequest.status == RequestStatus.PENDING.value))
                                   .first())
        self.can_decide = self.pending_return is not None and policy.can(user, Action.APPROVE_RETURN, a)


OWING = {AssignmentStatus.PENDING_RECEIPT.value, AssignmentStatus.HANDLING.value,
         AssignmentStatus.RETURN_REQUESTED.value, AssignmentStatus.REHANDLING.value}


@bp.get("/items/<int:item_id>")
@login_required
def show(item_id: int):
    item = item_services.get_item_for(current_user, item_id)
    assignments = assignment_services.item_assignments(item)
    today = clock.today()
    rows = [AssignmentRow(a, current_user, today) for a in assignments]
    sees_all = policy.has(current_user, Perm.VIEW_ALL_ITEMS)
    submitter_view = policy.sees_as_submitter(current_user, item)
    timeline = list(item_entries(item.id, public_only=submitter_view,
                                 for_person=current_user.person_id if submitter_view else None,
                                 units=policy.record_units(current_user, item.id, assignments)))
    warnings: dict[str, list[str]] = {}  # one alert per distinct calendar warning
    for row in rows:
        if row.warning:
            warnings.setdefault(row.warning, []).append(row.a.unit.name)
    return render_template(
        "items/show.html", item=item, submitters=item_services.submitters_of(item), rows=rows,
        assignments=assignments, panels=panels.collect(item, current_user, assignments),
        timeline=timeline, today=today, sees_all=sees_all, date_labels=DATE_LABELS, warnings=warnings,
        submitter_view=submitter_view, withdrawal=withdrawal.last_withdrawal(item),
        has_actions=any(r.can_receive or r.can_request_return or r.return_window_closed or r.pending_return
                        or r.can_accept_late_return or r.can_adjust for r in rows),
        event_label=event_label,
        can_assign=policy.can(current_user, Action.ASSIGN, item) and not item.is_read_only,
        can_edit=policy.can(current_user, Action.EDIT, item) and not item.is_read_only,
    )


# --- the assignment desk form ---------------------------------------------------------------


def _default_mode(active: list[Any]) -> str:
    roles = {a.role for a in active}
    if HandlingRole.SEPARATE.value in roles:
        return HandlingMode.SEPARATE.value
    if roles & {HandlingRole.LEAD.value, HandlingRole.CO.value}:
        return HandlingMode.LEAD_CO.value
    return HandlingMode.SOLE.value


@bp.route("/items/<int:item_id>/assign", methods=["GET", "POST"])
@login_required
def assign(item_id: int):
    item = item_services.get_item_for(current_user, item_id)
    require(policy.can(current_user, Action.ASSIGN, item))
    item_services.ensure_writable(item)
    existing = assignment_services.item_assignments(item)
    active = [a for a in existing if not a.is_void]
    has_lead = any(a.role == HandlingRole.LEAD.value for a in active)
    if request.method == "GET":
        form = AssignForm(formdata=None, data={
            "tier": item.tier, "leader_id": item.leader_id, "mode": _default_mode(active)})
    else:
        form = AssignForm()
    form.set_choices(leaders=leaders(), units=list(Unit.active_ordered()),
                     scorecards=list(active_scorecards()))
    status = 200
    step = "choose"
    if form.is_submitted():
        pairs = form.chosen(has_lead=has_lead)
        if request.form.get("back"):
            step = "choose"  # back to the units; the step-one choices are kept
        elif not pairs:
            flash(gettext(CHECK_FORM), "danger")
            status = 422
        elif form.step.data != "fixes":
            form.fill_units(pairs, item=item, reply_due_for=lambda role: _preview_reply_due(item, role))
            step = "fixes"
        else:
            step = "fixes"
            if not form.validate():
                flash(gettext(CHECK_FORM), "danger")
                status = 422
            else:
                try:
                    created = assignment_services.assign_many(
                        item, actor=current_user, tier=form.tier.data, leader_id=form.leader_id.data,
                        units=form.specs())
                except DomainError as exc:
                    show_error(exc, form)
                    for index, fields in getattr(exc, "unit_errors", {}).items():
                        if index < len(form.units.entries):
                            flash_error_fields(form.units.entries[index].form, fields)
                    status = exc.status
                    item = Item.get_by_id(item.id)  # the in-memory copy may carry rolled-back changes
                else:
                    names = gettext("、").join(a.unit.name for a in created)
                    flash(gettext("已交办：%(names)s", names=names), "success")
                    return redirect(url_for("items.show", item_id=item.id))
    form.step.data = step
    previews = {role: assignment_services.preview_dates(item, role)
                for role in {e.form.role.data for e in form.units.entries} if role}
    return render_template(
        "assignments/assign.html", item=item, form=form, step=step, existing=existing,
        previews=previews, has_lead=has_lead, today=clock.today(), date_labels=DATE_LABELS,
    ), status


def _preview_reply_due(item: Item, role: str) -> dt.date:
    return dt.date.fromisoformat(assignment_services.preview_dates(item, role)["reply_due"]["date"])


def flash_error_fields(form: Any, fields: dict[str, str]) -> None:
    """Put a service's field messages on a sub-form's fields (one unit of the desk form)."""
    for name, message in fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            errors = list(field.errors or [])
            if message not in errors:
                errors.append(message)
            field.errors = errors
