"""Pages of the handling record: progress, contacts, co opinions, extensions, leader instructions.

Each action has its own small page (GET shows the form, POST runs one service call and goes back
to the item page); the item page's panel posts to the same URLs, and on an error the user lands on
the action's page with what they typed and the Chinese message.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from tracker.accounts import policy
from tracker.accounts.policy import Perm
from tracker.assignments import services as assignment_services
from tracker.core import clock
from tracker.core.enums import RequestStatus, is_supervision_kind
from tracker.core.errors import DomainError, NotFound, PermissionDenied
from tracker.core.i18n import N_
from tracker.core.web import flash_error, next_target
from tracker.handling import forms
from tracker.handling import services as handling
from tracker.items import instructions
from tracker.items import services as item_services
from tracker.items.workflow import Action

bp = Blueprint("handling", __name__)

CHECK_FORM = N_("请检查标红的内容后重新提交")


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("您没有权限访问此页面")


def item_url(item_id: int, anchor: str = "") -> str:
    return url_for("items.show", item_id=item_id) + (f"#{anchor}" if anchor else "")


_back = next_target


def _run(form, call, success: str, target: str):
    """POST: validate, call the service, flash and redirect; else (form errors) the status code."""
    if not form.validate():
        flash(gettext(CHECK_FORM), "danger")
        return 422
    try:
        call()
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        flash_error(exc, form)
        return exc.status
    flash(success, "success")
    return redirect(target)


def _page(template: str, a, form, status: int = 200, **extra):
    return render_template(template, a=a, item=a.item, form=form, today=clock.today(), **extra), status


@bp.route("/assignments/<int:assignment_id>/progress", methods=["GET", "POST"])
@login_required
def progress(assignment_id: int):
    a = assignment_services.get_assignment_for(current_user, assignment_id)
    require(policy.can(current_user, Action.RECORD_PROGRESS, a))
    form = forms.ProgressForm(prefix=forms.prefix_for(a.id))
    status = 200
    if request.method == "POST":
        result = _run(form, lambda: handling.record_progress(a, actor=current_user, text=form.text.data),
                      gettext("已记录办理进展"), item_url(a.item_id, f"handling-{a.id}"))
        if not isinstance(result, int):
            return result
        status = result
    return _page("handling/progress.html", a, form, status, notes=handling.progress_notes(a))


@bp.route("/assignments/<int:assignment_id>/contacts", methods=["GET", "POST"])
@login_required
def contact(assignment_id: int):
    a = assignment_services.get_assignment_for(current_user, assignment_id)
    require(policy.can(current_user, Action.RECORD_CONTACT, a))
    form = forms.ContactForm(prefix=forms.prefix_for(a.id))
    if request.method == "GET" and not form.contact_on.data:
        form.contact_on.data = clock.today()
    status = 200
    if request.method == "POST":
        result = _run(form, lambda: handling.record_contact(
            a, actor=current_user, stage=form.stage.data, method=form.method.data,
            contact_on=form.contact_on.data, summary=form.summary.data, participants=form.participants.data or ""),
            gettext("已登记与制发机关的沟通情况") if is_supervision_kind(a.item.kind)
            else gettext("已登记与代表委员的沟通情况"), item_url(a.item_id, f"handling-{a.id}"))
        if not isinstance(result, int):
            return result
        status = result
    return _page("handling/contact.html", a, form, status, contacts=handling.contacts(a))


@bp.route("/assignments/<int:assignment_id>/co-opinion", methods=["GET", "POST"])
@login_required
def co_opinion(assignment_id: int):
    a = assignment_services.get_assignment_for(current_user, assignment_id)
    require(policy.can(current_user, Action.SUBMIT_OPINION, a))
    form = forms.CoOpinionForm(prefix=forms.prefix_for(a.id))
    status = 200
    if request.method == "POST":
        result = _run(form, lambda: handling.submit_co_opinion(a, actor=current_user, text=form.text.data),
                      gettext("会办意见已提交主办单位"), item_url(a.item_id, f"handling-{a.id}"))
        if not isinstance(result, int):
            return result
        status = result
        a = a.refresh()
    mine = [row for row in handling.co_opinion_rows(a.item) if row["assignment"].id == a.id]
    return _page("handling/co_opinion.html", a, form, status, opinions=mine)


@bp.route("/assignments/<int:assignment_id>/extension", methods=["GET", "POST"])
@login_required
def extension_request(assignment_id: int):
    a = assignment_services.get_assignment_for(current_user, assignment_id)
    require(policy.can(current_user, Action.REQUEST_EXTENSION, a))
    form = forms.ExtensionRequestForm(prefix=forms.prefix_for(a.id))
    status = 200
    if request.method == "POST":
        result = _run(form, lambda: handling.request_extension(
            a, actor=current_user, requested_due=form.requested_due.data, reason=form.reason.data),
            gettext("延期申请已提交，等待交办单位审核"), item_url(a.item_id, f"handling-{a.id}"))
        if not isinstance(result, int):
            return result
        status = result
    return _page("handling/extension.html", a, form, status, requests=handling.extension_requests(a),
                 request_by=handling.extension_deadline(a), window_open=handling.extension_window_open(a))


@bp.route("/extension-requests/<int:request_id>/decision", methods=["GET", "POST"])
@login_required
def decide_extension(request_id: int):
    require(policy.has(current_user, Perm.OFFICE_DESK))
    req = handling.get_extension_request_for(current_user, request_id)
    a = req.assignment
    require(policy.can(current_user, Action.DECIDE_EXTENSION, a))
    form = forms.ExtensionDecisionForm(prefix=forms.decision_prefix(req.id))
    status = 200
    if request.method == "POST":
        if req.status != RequestStatus.PENDING.value:
            flash(gettext("该延期申请已审核"), "warning")
            return redirect(_back(url_for("assignments.desk"), form.next.data))
        approve = form.decision.data == "approve"
        result = _run(form, lambda: handling.decide_extension(
            req, actor=current_user, approve=approve, reason=form.reason.data or ""),
            gettext("已同意延期") if approve else gettext("已驳回延期申请"), _back(url_for("assignments.desk"), form.next.data))
        if not isinstance(result, int):
            return result
        status = result
        req = req.refresh()
    timing, latest = handling.extension_request_timing(req)
    return _page("handling/extension_decision.html", a, form, status, req=req, timing=timing, latest=latest)


@bp.route("/items/<int:item_id>/instructions", methods=["GET", "POST"])
@login_required
def instruction(item_id: int):
    item = item_services.get_item_for(current_user, item_id)
    require(policy.can(current_user, Action.INSTRUCT, item))
    form = forms.InstructionForm()
    status = 200
    if request.method == "POST":
        result = _run(form, lambda: instructions.add_instruction(item, actor=current_user, text=form.text.data),
                      gettext("批示已记录，并已通知承办单位"), item_url(item.id, "instructions"))
        if not isinstance(result, int):
            return result
        status = result
    return render_template("handling/instruction.html", item=item, form=form,
                           existing=instructions.instructions_of(item)), status
