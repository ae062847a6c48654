"""Pages of close-out: feedback, re-handling, commitments, 3+1, 对账销号, archive, 并案, 对账.

Each POST runs one service call and goes back to the item page; on an error the user lands on
the item's close-out page (/items/<id>/closeout) with what they typed and the Chinese message
(for close-out, the list of unmet conditions).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from tracker.accounts import policy
from tracker.accounts.policy import Perm
from tracker.assignments import services as assignment_services
from tracker.core import clock
from tracker.core.collector import collector_paused
from tracker.core.enums import CommitmentStatus, choices
from tracker.core.errors import DomainError, NotFound, PermissionDenied
from tracker.core.i18n import N_
from tracker.core.paging import page_bounds
from tracker.core.web import attachment, flash_error, next_target
from tracker.items import merging, similarity, withdrawal
from tracker.items import services as item_services
from tracker.items.models import Session
from tracker.items.workflow import Action
from tracker.replies import closeout
from tracker.replies import closeout_forms as forms
from tracker.replies.checklist import BLOCKERS
from tracker.replies.closeout_panels import item_panel
from tracker.units.models import Unit

bp = Blueprint("closeout", __name__)

CHECK_FORM = N_("请检查标红的内容后重新提交")
RECONCILE_PER_PAGE = 50  # not-closable items a page on the reconciliation page
CLOSABLE_SHOWN = 150  # closable items shown as numbers there; the Excel list has every one


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("您没有权限访问此页面")


def item_url(item_id: int, anchor: str = "") -> str:
    return url_for("items.show", item_id=item_id) + (f"#{anchor}" if anchor else "")


_back = next_target


def _closeout_page(item, given: dict | None = None, status: int = 200):
    assignments = assignment_services.item_assignments(item)
    p = item_panel(item, current_user, assignments, given or {})
    return render_template("closeout/item.html", item=item, p=p), status


def _run(item, form, key, call, success: str, target: str, error_page=None):
    """Validate, call the service, flash and redirect; on an error show the page the form was on
    again (``error_page(given, status)``; by default the item's close-out page)."""
    if error_page is None:
        def error_page(given, status):
            return _closeout_page(item.refresh(), given, status)
    if form is not None and not form.validate():
        flash(gettext(CHECK_FORM), "danger")
        return error_page({key: form}, 422)
    try:
        call()
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        flash_error(exc, form)
        return error_page({key: form} if form is not None else {}, exc.status)
    flash(success, "success")
    return redirect(target)


def _list_page_for_errors():
    """For a form posted from the commitments list (its ``next``): that list again, with its
    filters and page, showing the form with what was typed and its errors."""
    target = urlsplit(_back(""))
    if target.path != url_for("closeout.commitments"):
        return None
    query = MultiDict(parse_qsl(target.query, keep_blank_values=True))
    return lambda given, status: _commitments_page(status=status, query=query, given=given)


@bp.get("/items/<int:item_id>/closeout")
@login_required
def item(item_id: int):
    it = item_services.get_item_for(current_user, item_id)
    return _closeout_page(it)


# --- feedback -------------------------------------------------------------------------------


@bp.post("/items/<int:item_id>/feedback")
@login_required
def feedback(item_id: int):
    it = item_services.get_item_for(current_user, item_id)
    require(policy.can(current_user, Action.FEEDBACK, it))
    form = forms.FeedbackForm(prefix="fb")
    form.submitter_id.choices = forms.options([(form.submitter_id.data, "")] if form.submitter_id.data else [])

    def call():
        closeout.give_feedback(
            it, actor=current_user, submitter_id=form.submitter_id.data, work=form.work.data,
            result=form.result.data, adoption=form.adoption.data, comment=form.comment.data,
            contacted=form.contacted_value(), contact_method=form.contact_method.data,
        )

    return _run(it, form, "feedback", call, gettext("评价已记录，谢谢！") if policy.role_of(current_user) == "submitter"
                else gettext("已录入纸质征询意见"), item_url(it.id, "feedback"))


@bp.post("/items/<int:item_id>/feedback/expire")
@login_required
def expire_feedback(item_id: int):
    it = item_services.get_item_for(current_user, item_id)
    require(policy.has(current_user, Perm.OFFICE_DESK))
    return _run(it, None, None, lambda: closeout.record_expired_for_item(it, actor=current_user),
                gettext("已将逾期未反馈的提出人记为未表态"), _back(item_url(it.id, "feedback")))


@bp.post("/feedback/<int:feedback_id>/resolve")
@login_required
def resolve(feedback_id: int):
    fb = closeout.get_feedback_for(current_user, feedback_id)
    it = item_services.get_item_for(current_user, fb.item_id)
    require(policy.can(current_user, Action.REHANDLE, it))
    form = forms.ResolveForm(prefix=f"rs{fb.id}")
    return _run(it, form, ("resolve", fb.id),
                lambda: closeout.resolve_dissatisfaction(fb, actor=current_user, reason=form.reason.data),
                gettext("已记录不重新办理的决定"), item_url(it.id, "feedback"))


@bp.post("/items/<int:item_id>/rehandle")
@login_required
def rehandle(item_id: int):
    it = item_services.get_item_for(current_user, item_id)
    require(policy.can(current_user, Action.REHANDLE, it))
    form = forms.RehandleForm(prefix="rh")
    return _run(it, form, "rehandle",
                lambda: closeout.order_rehandling(it, actor=current_user, reason=form.reason.data,
                                                  reply_due=form.reply_due.data),
                gettext("已要求承办单位重新办理，并通知了承办单位"), item_url(it.id))


# --- commitments ----------------------------------------------------------------------------


@bp.post("/commitments/<int:commitment_id>/fulfil")
@login_required
def fulfil(commitment_id: int):
    c = closeout.get_commitment_for(current_user, commitment_id)
    require(policy.can(current_user, Action.FULFIL_COMMITMENT, c))
    it = c.assignment.item
    form = forms.FulfilForm(prefix=f"cf{c.id}")
    return _run(it, form, ("fulfil", c.id),
                lambda: closeout.fulfil_commitment(c, actor=current_user, evidence=form.evidence.data,
                                                   fulfilled_on=form.fulfilled_on.data),
                gettext("已登记承诺兑现"), _back(item_url(it.id, f"commitment-{c.id}")), _list_page_for_errors())


@bp.post("/commitments/<int:commitment_id>/carry-over")
@login_required
def carry_over(commitment_id: int):
    c = closeout.get_commitment_for(current_user, commitment_id)
    require(policy.can(current_user, Action.CARRY_OVER_COMMITMENT, c))
    it = c.assignment.item
    form = forms.CarryOverForm(prefix=f"cc{c.id}")
    return _run(it, form, ("carry", c.id),
                lambda: closeout.carry_over_commitment(c, actor=current_user, reason=form.reason.data),
                gettext("承诺事项已结转下年"), _back(item_url(it.id, f"commitment-{c.id}")), _list_page_for_errors())


@bp.get("/commitments")
@login_required
def commitments():
    require(policy.has(current_user, Perm.LIST_ITEMS))
    return _commitments_page()


def _commitments_page(year_form=None, status: int = 200, *, query: MultiDict | None = None,
                      given: dict | None = None):
    """The commitments list; ``query`` its filters when not this request's (a form posted from it),
    ``given`` the forms posted from it, keyed ("fulfil"|"carry", commitment id): shown open."""
    today = clock.today()
    query = request.args if query is None else query
    given = given or {}
    flt = forms.CommitmentFilterForm(query)
    flt.unit_id.choices = forms.options([(u.id, u.name) for u in Unit.active_ordered()], blank=_l("全部单位"))
    flt.status.choices = forms.options([(closeout.PENDING, _l("跟踪中（未兑现、结转下年）")), *choices(CommitmentStatus)],
                                       blank=_l("全部状态"))
    if "status" not in query:  # by default the commitments still followed up, of every year
        flt.status.data = closeout.PENDING
    unit_view = policy.role_of(current_user) in policy.UNIT
    scope = {"unit_id": None if unit_view else flt.unit_id.data, "status": flt.status.data or None,
             "overdue": flt.overdue.data == "1", "today": today}
    found = closeout.commitments_for(current_user, **scope)
    page = max(1, query.get("page", 1, type=int) or 1)
    per_page = 50
    total = closeout.count_commitments_for(current_user, **scope)
    rows = []
    for c in found.paginate(page, per_page):
        overdue = (today - c.due_on).days if c.status == CommitmentStatus.OPEN.value and c.due_on < today else 0
        fulfil_form = carry_form = None
        writable = not c.assignment.item.is_read_only
        if writable and c.status != CommitmentStatus.KEPT.value and policy.can(current_user, Action.FULFIL_COMMITMENT, c):
            fulfil_form = given.get(("fulfil", c.id)) or forms.FulfilForm(prefix=f"cf{c.id}", formdata=None)
        if (writable and c.status == CommitmentStatus.OPEN.value
                and policy.can(current_user, Action.CARRY_OVER_COMMITMENT, c)
                and closeout.carry_over_allowed(c.due_on, today)):
            carry_form = given.get(("carry", c.id)) or forms.CarryOverForm(prefix=f"cc{c.id}", formdata=None)
        rows.append({"c": c, "overdue": overdue, "fulfil_form": fulfil_form, "carry_form": carry_form,
                     "fulfil_open": ("fulfil", c.id) in given, "carry_open": ("carry", c.id) in given})
    year_form = year_form
    if year_form is None and policy.has(current_user, Perm.OFFICE_DESK):
        year_form = forms.CarryOverYearForm(formdata=None)
    if year_form is not None:
        year_form.year.choices = forms.options([(y, gettext("%(year)s 年", year=y)) for y in (today.year, today.year - 1)])
        if year_form.year.data is None:
            year_form.year.data = today.year if today.month == 12 else today.year - 1
    pages = page_bounds(total, page, per_page)[1]
    # an empty status is a choice (every status), not the default: kept for the pager
    args = {k: v for k, v in query.items() if k != "page" and (v or k == "status")}
    here = url_for("closeout.commitments", **query.to_dict())  # where the rows' forms come back to
    return render_template("closeout/commitments.html", rows=rows, flt=flt, total=total, page=page, pages=pages,
                           args=args, unit_view=unit_view, year_form=year_form, today=today, here=here), status


@bp.post("/commitments/carry-over")
@login_required
def carry_over_year():
    require(policy.has(current_user, Perm.OFFICE_DESK))
    form = forms.CarryOverYearForm()
    form.year.choices = forms.options([(form.year.data, "")])
    try:
        n = closeout.carry_over_year(form.year.data, actor=current_user, reason=form.reason.data)
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        flash_error(exc, form)
        return _commitments_page(form, exc.status)
    flash(gettext("已将 %(n)s 项未兑现的承诺事项结转下年", n=n), "success")
    return redirect(url_for("closeout.commitments"))


# --- close-out, archive ---------------------------------------------------------------------


@bp.post("/items/<int:item_id>/close")
@login_required
def close(item_id: int):
    it = item_services.get_item_for(current_user, item_id)
    require(policy.can(current_user, Action.CLOSE, it))
    form = forms.CloseForm(prefix="close")
    return _run(it, form, "close", lambda: closeout.close_item(it, actor=current_user, note=form.note.data),
                gettext("已销号"), item_url(it.id, "closeout"))


@bp.post("/items/<int:item_id>/archive")
@login_required
def archive(item_id: int):
    it = item_services.get_item_for(current_user, item_id)
    require(policy.can(current_user, Action.ARCHIVE, it))
    return _run(it, None, None, lambda: closeout.archive_item(it, actor=current_user), gettext("已归档"),
                item_url(it.id, "closeout"))


# --- merging and similar items --------------------------------------------------------------


@bp.post("/items/<int:item_id>/merge")
@login_required
def merge(item_id: int):
    child = item_services.get_item_for(current_user, item_id)
    require(policy.can(current_user, Action.MERGE, child))
    form = forms.MergeForm(prefix="mg")

    def call():
        parent = merging.find_parent(child, parent_id=form.parent_id.data, number=form.parent_number.data)
        merging.merge(child, parent, actor=current_user, note=form.note.data or "")

    return _run(child, form, "merge", call, gettext("已并案，该件随主件办理"), item_url(child.id))


@bp.post("/items/<int:item_id>/unmerge")
@login_required
def unmerge(item_id: int):
    child = item_services.get_item_for(current_user, item_id)
    require(policy.can(current_user, Action.UNMERGE, child))
    form = forms.UnmergeForm(prefix=f"um{child.id}")
    return _run(child, form, ("unmerge", child.id),
                lambda: merging.unmerge(child, actor=current_user, reason=form.reason.data or ""),
                gettext("已撤销并案，该件恢复单独办理"), item_url(child.id))


# --- withdrawal (撤回) ------------------------------------------------------------------------


@bp.post("/items/<int:item_id>/withdraw")
@login_required
def withdraw(item_id: int):
    it = item_services.get_item_for(current_user, item_id)
    require(policy.can(current_user, Action.WITHDRAW, it))
    form = forms.WithdrawForm(prefix="wd")
    return _run(it, form, "withdraw",
                lambda: withdrawal.withdraw(it, actor=current_user, requested_on=form.requested_on.data,
                                            reason=form.reason.data, consent=bool(form.consent.data),
                                            version=form.version.data),
                gettext("已撤回，各承办单位的办理已结束"), item_url(it.id))


@bp.get("/items/<int:item_id>/similar")
@login_required
def similar_to(item_id: int):
    it = item_services.get_item_for(current_user, item_id)
    require(policy.has(current_user, Perm.VIEW_ALL_ITEMS))
    limit = max(1, min(20, request.args.get("limit", 8, type=int) or 8))
    found = similarity.similar_to(it, limit=limit)
    return jsonify({"items": [dict(s.as_dict(), url=url_for("items.show", item_id=s.item_id)) for s in found]})


@bp.get("/items/similar")
@login_required
def similar():
    """For the register form: likely duplicates of a title (and content) being typed."""
    require(policy.has(current_user, Perm.VIEW_ALL_ITEMS))
    title = (request.args.get("title") or "").strip()
    content = request.args.get("content") or ""
    session = Session.get_or_none(Session.id == request.args.get("session_id", type=int)) \
        if request.args.get("session_id") else None
    limit = max(1, min(20, request.args.get("limit", 8, type=int) or 8))
    if len(similarity.normalise(title)) < 2:
        return jsonify({"items": []})
    found = similarity.similar(title=title, content=content, year=session.year if session else None,
                               session_id=session.id if session else None, limit=limit)
    return jsonify({"items": [dict(s.as_dict(), url=url_for("items.show", item_id=s.item_id)) for s in found]})


# --- reconciliation -------------------------------------------------------------------------


def _reconciled_session(session_id: int) -> Session:
    """The session to reconcile, for the office only (404 when there is none)."""
    require(policy.has(current_user, Perm.OFFICE_DESK))
    session = Session.get_or_none(Session.id == session_id)
    if session is None:
        raise NotFound()
    return session


@bp.get("/reconcile")
@login_required
def reconcile_index():
    require(policy.has(current_user, Perm.OFFICE_DESK))
    return render_template("closeout/reconcile_index.html", sessions=closeout.sessions_for_reconcile())


@bp.route("/sessions/<int:session_id>/reconcile", methods=["GET", "POST"])
@login_required
@collector_paused
def reconcile(session_id: int):
    session = _reconciled_session(session_id)
    form = forms.ReconcileForm()
    documents = closeout.holds_documents(session)  # a list of 三书一函 names them by 文书编号
    result = None
    status = 200
    if request.method == "POST":
        from tracker.items.importing import ImportFileError

        numbers: list[str] = []
        problems: list[str] = []
        try:
            upload = request.files.get("file")
            if upload is not None and upload.filename:
                numbers.extend(closeout.numbers_from_xlsx(upload.read(), documents=documents))
            pasted, problems = closeout.parse_numbers(form.numbers.data or "", closeout.session_number_keys(session))
            numbers.extend(pasted)
            result = closeout.reconcile(session, numbers, actor=current_user, problems=problems)
        except ImportFileError as exc:
            form.file.errors = [exc.message]
            flash(exc.message, "danger")
            status = 422
        except (PermissionDenied, NotFound):
            raise
        except DomainError as exc:
            flash_error(exc, form)
            status = exc.status
    overview = result.overview if result is not None else closeout.session_overview(session)
    why = request.args.get("why") if result is None else None
    why = why if why in BLOCKERS else None
    shown = overview.blocked_by(why)
    page, pages = page_bounds(len(shown), request.args.get("page", 1, type=int) or 1, RECONCILE_PER_PAGE)
    start = (page - 1) * RECONCILE_PER_PAGE
    return render_template(
        "closeout/reconcile.html", session=session, form=form, result=result, overview=overview, why=why,
        documents=documents,
        blockers=BLOCKERS, rows=shown[start:start + RECONCILE_PER_PAGE], shown=len(shown), page=page, pages=pages,
        closable_shown=CLOSABLE_SHOWN), status


@bp.get("/sessions/<int:session_id>/reconcile.xlsx")
@login_required
@collector_paused
def reconcile_export(session_id: int):
    """The session's close-out standing as .xlsx: every open item, closable or not, and why not."""
    session = _reconciled_session(session_id)
    from tracker.core.excel import XLSX_MIMETYPE
    from tracker.replies.reconcile_export import workbook

    name = f"销号情况_{session.name}_{clock.today().isoformat()}.xlsx"
    return Response(workbook(session.name, closeout.session_overview(session)), mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": attachment(name, f"reconcile-{session.id}.xlsx")})
