"""Unit pages (inbox, receipt, return request), the office desk (return decisions) and the
office's adjustments (调整交办, 移交经办任务)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import peewee as pw
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from tracker.accounts import policy
from tracker.accounts.models import User
from tracker.accounts.policy import Perm
from tracker.assignments import desk as desk_sections
from tracker.assignments import desk_returns
from tracker.assignments import services as assignment_services
from tracker.assignments.forms import (
    AdjustForm,
    ReceiveForm,
    ReturnRequestForm,
    TransferForm,
    handler_label,
    handlers_of,
)
from tracker.core import clock
from tracker.core.collector import collector_paused
from tracker.core.enums import AssignmentStatus, RequestStatus
from tracker.core.errors import DomainError, NotFound, PermissionDenied
from tracker.core.paging import page_bounds
from tracker.core.web import error_json, flash_error, next_target
from tracker.items import workflow
from tracker.items.forms import PER_PAGE
from tracker.items.models import Item
from tracker.items.views import CHECK_FORM, OWING, due_class, require
from tracker.items.workflow import Action
from tracker.units.models import Unit

bp = Blueprint("assignments", __name__)

# Inbox tabs, in the order a unit works through them.
TABS = [
    ("", _l("全部")),
    (assignment_services.AWAITING_ME, _l("待我签发、会签")),
    (AssignmentStatus.PENDING_RECEIPT.value, _l("待签收")),
    (AssignmentStatus.HANDLING.value, _l("办理中")),
    (AssignmentStatus.RETURN_REQUESTED.value, _l("申退中")),
    (AssignmentStatus.OPINION_SUBMITTED.value, _l("已提交会办意见")),
    (AssignmentStatus.REPLIED.value, _l("已答复")),
    (AssignmentStatus.REHANDLING.value, _l("重新办理")),
    (AssignmentStatus.DONE.value, _l("已办结")),
    (AssignmentStatus.RETURNED.value, _l("已退回")),
]


def _open_first(A):
    """Assignments the unit still owes an act on come before finished ones."""
    return pw.Case(None, [(A.status.in_(sorted(OWING)), 0)], 1)


INBOX_SORTS = {
    "due": lambda A: (_open_first(A), A.current_due, A.id),
    "-due": lambda A: (_open_first(A), A.current_due.desc(), A.id.desc()),
    "-assigned": lambda A: (A.assigned_on.desc(), A.id.desc()),
}


_back = next_target


# --- the unit's inbox -----------------------------------------------------------------------


@bp.get("/inbox")
@login_required
def inbox():
    require(policy.has(current_user, Perm.UNIT_INBOX))
    status = request.args.get("status", "")
    if status not in {value for value, _ in TABS}:
        status = ""
    sort = request.args.get("sort", "due")
    if sort not in INBOX_SORTS:
        sort = "due"
    from tracker.assignments.models import Assignment

    query = assignment_services.unit_inbox(current_user, status=status or None)
    total = query.count()
    pages = max(1, math.ceil(total / PER_PAGE))
    try:
        page = min(max(1, int(request.args.get("page", 1))), pages)
    except (TypeError, ValueError):
        page = 1
    rows = list(query.order_by(*INBOX_SORTS[sort](Assignment)).paginate(page, PER_PAGE))
    today = clock.today()
    actions = {}
    for a in rows:
        state = AssignmentStatus(a.status)
        actions[a.id] = {
            "receive": policy.can(current_user, Action.RECEIVE, a)
            and workflow.assignment_allows(state, Action.RECEIVE),
            "return": policy.can(current_user, Action.REQUEST_RETURN, a)
            and workflow.assignment_allows(state, Action.REQUEST_RETURN) and today <= a.return_due,
            "owing": a.status in OWING,
        }
    args = {k: v for k, v in (("status", status), ("sort", sort)) if v}
    return render_template(
        "assignments/inbox.html", rows=rows, actions=actions, tabs=TABS, status=status, sort=sort,
        counts=assignment_services.unit_inbox_counts(current_user), total=total, page=page,
        pages=pages, args=args, today=today, due_class=due_class, receive_form=ReceiveForm(),
    )


# --- receipt and return request -------------------------------------------------------------


@bp.post("/assignments/<int:assignment_id>/receive")
@login_required
def receive(assignment_id: int):
    a = assignment_services.get_assignment_for(current_user, assignment_id)
    require(policy.can(current_user, Action.RECEIVE, a))
    target = _back(url_for("items.show", item_id=a.item_id))
    try:
        assignment_services.receive(a, actor=current_user)
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        flash_error(exc)
        return redirect(target)
    flash(gettext("已签收：%(n)s号 %(title)s", n=a.item.number, title=a.item.title), "success")
    return redirect(target)


@bp.route("/assignments/<int:assignment_id>/return-request", methods=["GET", "POST"])
@login_required
def return_request(assignment_id: int):
    return _return_request_page(assignment_id, late=False)


@bp.route("/assignments/<int:assignment_id>/late-return", methods=["GET", "POST"])
@login_required
def late_return(assignment_id: int):
    """After the 申退 window the office may accept the unit's request (DOMAIN.md §3), then decides it."""
    return _return_request_page(assignment_id, late=True)


def _return_request_page(assignment_id: int, *, late: bool):
    """申退: the unit asks within the window; ``late``: the office accepts it after the window
    and goes on to decide it."""
    a = assignment_services.get_assignment_for(current_user, assignment_id)
    require(policy.can(current_user, Action.ACCEPT_LATE_RETURN if late else Action.REQUEST_RETURN, a))
    form = ReturnRequestForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                req = assignment_services.request_return(a, actor=current_user, reason=form.reason.data, late=late)
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                flash_error(exc, form)
                status = exc.status
                a = a.refresh()
            else:
                if late:
                    flash(gettext("已受理逾期申退，请审核"), "success")
                    return redirect(url_for("assignments.decide_return", request_id=req.id))
                flash(gettext("已提交申请退回，等待交办单位审核"), "success")
                return redirect(url_for("items.show", item_id=a.item_id))
        else:
            flash(gettext(CHECK_FORM), "danger")
            status = 422
    today = clock.today()
    return render_template(
        "assignments/return_request.html", a=a, item=a.item, form=form, today=today, late=late,
        window_open=today <= a.return_due,
        state_allows=workflow.assignment_allows(AssignmentStatus(a.status), Action.REQUEST_RETURN),
    ), status


@bp.route("/assignments/<int:assignment_id>/adjust", methods=["GET", "POST"])
@login_required
def adjust(assignment_id: int):
    """调整交办: the office changes an open assignment's task, leader, handler or reply date."""
    a = assignment_services.get_assignment_for(current_user, assignment_id)
    require(policy.can(current_user, Action.EDIT_ASSIGNMENT, a))
    form = AdjustForm().prepare(a, fill=request.method == "GET")
    status = 200
    if request.method == "POST":
        if not form.validate():
            flash(gettext(CHECK_FORM), "danger")
            status = 422
        else:
            try:
                assignment_services.adjust_assignment(
                    a, actor=current_user, task=form.task.data, responsible_leader=form.responsible_leader.data,
                    handler_id=form.handler_id.data, handler_phone=form.handler_phone.data,
                    reply_due=form.reply_due.data, note=form.note.data, version=form.version.data)
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                flash_error(exc, form)
                status = exc.status
            else:
                flash(gettext("已调整%(unit)s的交办内容", unit=a.unit.name), "success")
                return redirect(url_for("items.show", item_id=a.item_id))
    return render_template("assignments/adjust.html", a=a, item=a.item, form=form,
                           blocker=assignment_services.adjust_blocker(a),
                           date_editable=assignment_services.reply_due_adjustable(a)), status


@bp.route("/assignments/transfer", methods=["GET", "POST"])
@login_required
def transfer():
    """移交经办任务 (?from=<user id>): the office names a colleague of the same unit the handler of
    every open assignment of a user (or of those ticked) at once — e.g. before the user moves to
    another unit or leaves, which the administrator refuses while they are a named handler."""
    require(policy.has(current_user, Perm.TRANSFER_DUTIES))
    from_id = request.args.get("from", type=int)
    from_user = User.get_or_none(User.id == from_id) if from_id else None
    if from_user is None:
        raise NotFound()
    duties = assignment_services.open_duties_of(from_user)
    candidates = assignment_services.transfer_candidates(from_user)
    form = TransferForm().prepare(duties, candidates, fill=request.method == "GET")
    status = 200
    if request.method == "POST":
        if not form.validate():
            flash(gettext(CHECK_FORM), "danger")
            status = 422
        else:
            try:
                moved = assignment_services.transfer_duties(
                    from_user, actor=current_user, to_user_id=form.to_user_id.data,
                    assignment_ids=form.assignment_ids.data or [], note=form.note.data)
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                flash_error(exc, form)
                status = exc.status
            else:
                flash(gettext("已将 %(n)s 项承办任务的经办人由%(old)s改为%(new)s", n=len(moved),
                              old=from_user.display, new=moved[0].handler.display), "success")
                return redirect(url_for("assignments.transfer", **{"from": from_user.id}))
    today = clock.today()
    return render_template("assignments/transfer.html", from_user=from_user, duties=duties, form=form,
                           candidates=candidates, chosen=form.chosen(), today=today,
                           due_classes={a.id: due_class(a.current_due, today) if a.status in OWING else ""
                                        for a in duties}), status


# --- the office desk ------------------------------------------------------------------------


@bp.get("/desk")
@login_required
@collector_paused
def desk():
    require(policy.has(current_user, Perm.OFFICE_DESK))
    return render_template("assignments/desk.html", sections=desk_sections.collect(current_user))


def _queue_page(template: str, count: int, rows_of: Callable[[int, int, int], list], **context: Any):
    """One page of a desk queue: ``rows_of(offset, limit, page)`` gives the rows of the page asked
    for (clamped to the last one), PER_PAGE a page."""
    per_page = desk_sections.PER_PAGE
    page, pages = page_bounds(count, request.args.get("page", 1, type=int) or 1, per_page)
    return render_template(template, rows=rows_of((page - 1) * per_page, per_page, page), count=count,
                           page=page, pages=pages, **context)


@bp.get("/desk/returns")
@login_required
def desk_returns_list():
    """Every pending return request, oldest first, a page at a time (each links to its decision page)."""
    require(policy.has(current_user, Perm.OFFICE_DESK))
    return _queue_page("assignments/desk_returns_list.html", desk_returns.count(),
                       lambda offset, limit, _page: desk_returns.pending(offset=offset, limit=limit))


@bp.get("/desk/extensions")
@login_required
def desk_extensions():
    """Every pending extension request, oldest first, a page at a time, each with its decision form
    (which comes back to the same page)."""
    require(policy.has(current_user, Perm.OFFICE_DESK))
    from tracker.handling import desk as handling_desk

    def rows_of(offset: int, limit: int, page: int) -> list:
        back = url_for("assignments.desk_extensions", **({"page": page} if page > 1 else {}))
        return handling_desk.pending(offset=offset, limit=limit, back=back)

    return _queue_page("handling/desk_list.html", handling_desk.count(), rows_of)


@bp.get("/desk/replies")
@login_required
def desk_replies():
    """Every reply waiting for the office's review, longest waiting first, a page at a time."""
    require(policy.has(current_user, Perm.OFFICE_DESK))
    from tracker.replies import desk as replies_desk
    from tracker.replies import services as replies_services

    ids = replies_services.awaiting_review_ids()
    return _queue_page("replies/desk_list.html", len(ids),
                       lambda offset, limit, _page: replies_desk.rows_of(ids[offset:offset + limit]))


@bp.get("/desk/closeout")
@login_required
@collector_paused
def desk_closeout():
    """One close-out queue (?queue=expired|dissatisfied|ready) in full, a page at a time."""
    require(policy.has(current_user, Perm.OFFICE_DESK))
    from tracker.replies import closeout, closeout_desk

    queue = request.args.get("queue", "ready")
    if queue not in closeout_desk.QUEUES:
        raise NotFound()
    today = clock.today()
    ids = getattr(closeout.office_queues(today), queue)
    return _queue_page("closeout/desk_list.html", len(ids),
                       lambda offset, limit, _page: closeout.queue_rows(ids[offset:offset + limit], today),
                       queue=queue, title=closeout_desk.QUEUE_TITLES[queue],
                       queues=[(q, closeout_desk.QUEUE_TITLES[q]) for q in closeout_desk.QUEUES])


@bp.route("/return-requests/<int:request_id>/decision", methods=["GET", "POST"])
@login_required
def decide_return(request_id: int):
    require(policy.has(current_user, Perm.OFFICE_DESK))
    req = assignment_services.get_return_request_for(current_user, request_id)
    a = req.assignment
    require(policy.can(current_user, Action.APPROVE_RETURN, a))
    pending = req.status == RequestStatus.PENDING.value
    form = desk_returns.decision_form(req, formdata=request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not pending:
            flash(gettext("该申退申请已处理"), "warning")
            return redirect(url_for("assignments.desk"))
        approve, reject = bool(form.approve.data), bool(form.reject.data)
        if not form.validate() or not form.check_reassign() or not (approve or reject):
            flash(gettext(CHECK_FORM), "danger")
            status = 422
        else:
            try:
                assignment_services.decide_return(
                    req, actor=current_user, approve=approve, note=form.note.data or "",
                    reassign_to=form.reassign_spec() if approve else None)
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                flash_error(exc, form)
                status = exc.status
                req = req.refresh()
            else:
                if approve and form.reassign.data:
                    flash(gettext("已同意退回，并改交%(unit)s", unit=Unit.get_by_id(form.unit_id.data).name), "success")
                elif approve:
                    flash(gettext("已同意退回。请为该件重新指定承办单位。"), "success")
                    return redirect(url_for("items.assign", item_id=a.item_id))
                else:
                    flash(gettext("已驳回申退，该单位继续办理"), "success")
                return redirect(_back(url_for("assignments.desk")))
    item = Item.get_by_id(a.item_id)
    return render_template("assignments/decision.html", req=req, a=a, item=item, form=form,
                           pending=pending, today=clock.today(),
                           item_assignments=assignment_services.item_assignments(item)), status


@bp.get("/assignments/unit-users/<int:unit_id>")
@login_required
def unit_users(unit_id: int):
    """A unit's possible handlers (定人员) for the desk forms' handler select (office only)."""
    require(policy.has(current_user, Perm.OFFICE_DESK))
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None or not unit.active:
        return error_json(404, "not_found", "承办单位不存在或已停用")
    users = [{"id": u.id, "name": u.display, "title": u.title, "phone": u.phone, "role": u.role,
              "label": handler_label(u)} for u in handlers_of(unit.id)]
    prompt = gettext("请选择经办人") if users else gettext("该单位暂无可选人员")  # in the page's language
    return jsonify({"unit_id": unit.id, "unit": unit.name, "users": users, "prompt": prompt})
