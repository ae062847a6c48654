"""Pages of the 三书一函: the list, registration, editing the document's fields, objections and the
issuing body's decision, the rectification report, the ledger (page and .xlsx) and the import.

Thin: form in → one service call → redirect (POST/redirect/GET); on a DomainError the form is shown
again with what the user typed and the Chinese message. Receipt, replies, reminders and close-out
are the shared pages.
"""

from __future__ import annotations

import base64
import binascii
import math
import tempfile
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from tracker.accounts import policy
from tracker.accounts.policy import Perm
from tracker.accounts.services import leaders
from tracker.assignments import services as assignment_services
from tracker.core import clock
from tracker.core.enums import ItemKind, ItemStatus, choices, display_label, is_supervision_kind
from tracker.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from tracker.core.excel import XLSX_MIMETYPE
from tracker.core.i18n import N_
from tracker.core.web import attachment, flash_error
from tracker.items import services as item_services
from tracker.items.models import Session
from tracker.items.workflow import Action
from tracker.supervision import forms, imports, panels, rules
from tracker.supervision import ledger as supervision_ledger
from tracker.supervision import services as supervision
from tracker.units.models import Unit

bp = Blueprint("supervision", __name__, url_prefix="/supervision")

CHECK_FORM = N_("请检查标红的内容后重新提交")
PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_IMPORT_BYTES = 10 * 1024 * 1024


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("您没有权限访问此页面")


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _page_arg() -> int:
    return max(1, _int_arg("page") or 1)


def item_url(item_id: int, anchor: str = "") -> str:
    return url_for("items.show", item_id=item_id) + (f"#{anchor}" if anchor else "")


def _sessions() -> list[Session]:
    """Batches for 三书一函 (body "other") first, then the others."""
    rows = list(item_services.sessions_ordered())
    return sorted(rows, key=lambda s: s.body != "other")


# --- the list -------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    require(policy.has(current_user, Perm.LIST_ITEMS))
    kind = request.args.get("kind") if request.args.get("kind") in supervision.KINDS else None
    status = request.args.get("status") if request.args.get("status") in {s.value for s in ItemStatus} else None
    q = (request.args.get("q") or "").strip() or None
    session_id = _int_arg("session_id")
    query = supervision.documents_query(current_user, kind=kind, session_id=session_id, status=status, q=q,
                                        overdue=request.args.get("overdue") == "1")
    total = query.count()
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(_page_arg(), pages)
    rows = list(query.paginate(page, PER_PAGE))
    from tracker.items.queries import list_rows

    by_id = {r.item.id: r for r in list_rows(rows)}
    args = {k: v for k, v in (("kind", kind), ("status", status), ("q", q), ("session_id", session_id)) if v}
    return render_template(
        "supervision/index.html", rows=[(item, by_id[item.id]) for item in rows], total=total, page=page,
        pages=pages, args=args, kinds=supervision.kind_choices(), statuses=choices(ItemStatus),
        sessions=[(s.id, s.name) for s in _sessions()], filters={"kind": kind, "status": status, "q": q or "",
                                                                 "session_id": session_id},
        today=clock.today(), can_register=policy.can(current_user, Action.REGISTER),
        can_ledger=policy.has(current_user, Perm.OFFICE_DESK),
    )


# --- registration and editing ---------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(policy.can(current_user, Action.REGISTER))
    sessions_list = _sessions()
    form = forms.DocumentForm()
    form.set_choices(sessions_list, leaders())
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                item = supervision.register_document(actor=current_user, **form.service_kwargs())
            except DomainError as exc:
                flash_error(exc, form)
                status = exc.status
            else:
                flash(gettext("已登记%(kind)s：%(n)s %(title)s", kind=display_label(item.kind, ItemKind), n=item.number,
                              title=item.title), "success")
                if request.form.get("then") == "assign" and policy.can(current_user, Action.ASSIGN, item):
                    return redirect(url_for("items.assign", item_id=item.id))
                return redirect(url_for("items.show", item_id=item.id))
        else:
            flash(gettext(CHECK_FORM), "danger")
            status = 422
    else:
        form.received_on.data = clock.today()
        form.kind.data = request.args.get("kind") if request.args.get("kind") in supervision.KINDS else ""
        other = [s for s in sessions_list if s.body == "other"]
        if other:
            form.session_id.data = other[0].id
    return render_template("supervision/new.html", form=form, has_sessions=bool(sessions_list),
                           default_periods=supervision.default_reply_periods(),
                           has_other=any(s.body == "other" for s in sessions_list),
                           no_case_code=sorted(rules.NO_CASE_CODE),
                           case_code_kinds=[k for k in supervision.KINDS if rules.has_case_code(k)]), status


@bp.route("/items/<int:item_id>/document", methods=["GET", "POST"])
@login_required
def edit(item_id: int):
    item = item_services.get_item_for(current_user, item_id)
    require(policy.can(current_user, Action.EDIT, item))
    if not is_supervision_kind(item.kind):
        flash(gettext("该件不是三书一函，请在建议提案页面修改"), "danger")
        return redirect(url_for("items.show", item_id=item.id))
    doc = supervision.document_of(item)
    if request.method == "GET":
        data = {"title": item.title, "content": item.content, "category": item.category, "tier": item.tier,
                "is_key": item.is_key, "received_on": item.received_on, "leader_id": item.leader_id,
                "note": item.note, "version": item.version}
        if doc is not None:
            data.update({k: getattr(doc, k) for k in supervision.DOC_FIELDS})
        form = forms.DocumentEditForm(formdata=None, data=data)
    else:
        form = forms.DocumentEditForm()
    form.set_leaders(leaders())
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                supervision.edit_document(item, actor=current_user, version=form.version.data,
                                          **form.item_kwargs(), **form.document_kwargs(item.kind))
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                flash_error(exc, form)
                status = exc.status
            else:
                flash(gettext("已保存文书信息"), "success")
                return redirect(item_url(item.id, "supervision-doc"))
        else:
            flash(gettext(CHECK_FORM), "danger")
            status = 422
    return render_template("supervision/edit.html", form=form, item=item, doc=doc,
                           has_case_code=rules.has_case_code(item.kind)), status


# --- objections and rectification -----------------------------------------------------------


def _run(form, call, success: str, target: str):
    """POST: validate, call the service, flash and redirect; else the status code to re-render."""
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


def _not_a_document(a: Any):
    flash(gettext("该件不是三书一函，没有异议和整改情况"), "danger")
    return redirect(url_for("items.show", item_id=a.item_id))


@bp.route("/assignments/<int:assignment_id>/objection", methods=["GET", "POST"])
@login_required
def objection(assignment_id: int):
    a = assignment_services.get_assignment_for(current_user, assignment_id)
    require(policy.can(current_user, Action.RAISE_OBJECTION, a))
    if not is_supervision_kind(a.item.kind):
        return _not_a_document(a)
    form = forms.ObjectionForm(prefix=panels.prefix_for(a.id))
    status = 200
    if request.method == "POST":
        result = _run(form, lambda: supervision.raise_objection(a, actor=current_user, reason=form.reason.data),
                      gettext("已提出异议，督查室将转制发机关复核"), item_url(a.item_id, f"supervision-{a.id}"))
        if not isinstance(result, int):
            return result
        status = result
    return render_template("supervision/objection.html", a=a, item=a.item, form=form,
                           objections=supervision.objections_of(a), doc=supervision.document_of(a.item)), status


@bp.route("/assignments/<int:assignment_id>/objection/decision", methods=["GET", "POST"])
@login_required
def decide_objection(assignment_id: int):
    a = assignment_services.get_assignment_for(current_user, assignment_id)
    require(policy.can(current_user, Action.DECIDE_OBJECTION, a))
    if not is_supervision_kind(a.item.kind):
        return _not_a_document(a)
    pending = supervision.pending_objection(a)
    form = forms.ObjectionDecisionForm(prefix=panels.prefix_for(a.id))
    status = 200
    if pending is None:
        if request.method == "POST":
            flash_error(Conflict("该承办单位没有待决定的异议（可能已由他人登记）"))
            return redirect(item_url(a.item_id, f"supervision-{a.id}"))
    elif request.method == "POST":
        def call():
            supervision.decide_objection(pending, actor=current_user, decision=form.decision.data,
                                         issuer_decision=form.issuer_decision.data, version=form.version.data)

        success = (gettext("已登记制发机关的决定：异议成立，本件已撤回") if form.decision.data == rules.UPHOLD
                   else gettext("已登记制发机关的决定：异议不成立，承办单位继续办理"))
        result = _run(form, call, success, item_url(a.item_id, f"supervision-{a.id}"))
        if not isinstance(result, int):
            return result
        status = result
    else:
        form.version.data = pending.version
    return render_template("supervision/decision.html", a=a, item=a.item, form=form, pending=pending,
                           objections=supervision.objections_of(a), doc=supervision.document_of(a.item)), status


@bp.route("/assignments/<int:assignment_id>/rectification", methods=["GET", "POST"])
@login_required
def rectification(assignment_id: int):
    a = assignment_services.get_assignment_for(current_user, assignment_id)
    require(policy.can(current_user, Action.RECORD_RECTIFICATION, a))
    if not is_supervision_kind(a.item.kind):
        return _not_a_document(a)
    existing = supervision.rectification_of(a)
    if request.method == "POST":
        form = panels.rectification_form(a, existing, formdata=request.form)
        result = _run(form, lambda: supervision.record_rectification(a, actor=current_user, **form.service_kwargs()),
                      gettext("已保存整改情况"), item_url(a.item_id, f"supervision-{a.id}"))
        if not isinstance(result, int):
            return result
        status = result
    else:
        form = panels.rectification_form(a, existing)
        status = 200
    return render_template("supervision/rectification.html", a=a, item=a.item, form=form,
                           existing=existing), status


# --- the ledger -----------------------------------------------------------------------------


def _ledger_filters() -> supervision_ledger.Filters:
    kind = request.args.get("kind")
    status = request.args.get("status")
    return supervision_ledger.Filters(
        session_id=_int_arg("session_id"), kind=kind if kind in supervision.KINDS else None,
        status=status if status in {s.value for s in ItemStatus} else None, unit_id=_int_arg("unit_id"))


@bp.get("/ledger")
@login_required
def ledger():
    require(policy.has(current_user, Perm.OFFICE_DESK))
    filters = _ledger_filters()
    today = clock.today()
    per_page = min(MAX_PER_PAGE, max(1, _int_arg("per_page") or PER_PAGE))
    total = supervision_ledger.count(filters, today)
    pages = max(1, math.ceil(total / per_page))
    page = min(_page_arg(), pages)
    rows = list(supervision_ledger.iter_rows(filters, today=today, start=(page - 1) * per_page, limit=per_page))
    args = filters.as_args()
    if per_page != PER_PAGE:
        args["per_page"] = per_page
    options = {
        "sessions": [(s.id, s.name) for s in _sessions()],
        "kinds": supervision.kind_choices(),
        "statuses": choices(ItemStatus),
        "units": [(u.id, u.name) for u in Unit.select().order_by(Unit.sort_order, Unit.id)],
    }
    return render_template("supervision/ledger.html", rows=rows, columns=supervision_ledger.COLUMNS,
                           filters=filters, total=total, page=page, pages=pages, args=args, options=options,
                           summary_chars=supervision_ledger.SUMMARY_CHARS, wrap=supervision_ledger.WRAP)


@bp.get("/ledger.xlsx")
@login_required
def ledger_download():
    require(policy.has(current_user, Perm.OFFICE_DESK))
    filters = _ledger_filters()
    session = Session.get_or_none(Session.id == filters.session_id) if filters.session_id else None
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by _stream
    try:
        supervision_ledger.write_workbook(handle, filters)
        size = handle.tell()
    except BaseException:
        handle.close()
        raise
    name = supervision_ledger.filename(session.name if session else None)
    return Response(_stream(handle), mimetype=XLSX_MIMETYPE, headers={
        "Content-Disposition": attachment(name, "supervision-ledger.xlsx"), "Content-Length": str(size)})


def _stream(handle, chunk_size: int = 64 * 1024):
    try:
        handle.seek(0)
        while chunk := handle.read(chunk_size):
            yield chunk
    finally:
        handle.close()


# --- the import: upload → preview (a dry run) → confirm (the same import, for real) ----------


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_upload():
    require(policy.can(current_user, Action.REGISTER))
    form = forms.ImportForm()
    sessions_list = _sessions()
    form.set_choices(sessions_list)
    if request.method == "GET":
        form.session_id.data = next((s.id for s in sessions_list if s.body == "other"), None)
        return render_template("supervision/import.html", form=form)
    if not form.validate():
        flash(gettext(CHECK_FORM), "danger")
        return render_template("supervision/import.html", form=form), 422
    data = form.file.data.read(MAX_IMPORT_BYTES + 1)
    filename = (form.file.data.filename or "")[-200:]
    return _preview(form, data, form.session_id.data, form.kind.data or None, filename)


def _preview(form, data: bytes, session_id: Any, kind: str | None, filename: str):
    if len(data) > MAX_IMPORT_BYTES:
        exc = ValidationFailed("文件过大（最大 10 MB）", fields={"file": "文件过大（最大 10 MB）"})
        flash_error(exc, form)
        return render_template("supervision/import.html", form=form), 422
    try:
        report = imports.import_documents(data, session_id, kind, actor=current_user, dry_run=True)
    except ValidationFailed as exc:
        flash_error(exc, form)
        return render_template("supervision/import.html", form=form), 422
    confirm = forms.ConfirmImportForm(formdata=None, data={
        "payload": base64.b64encode(data).decode("ascii"), "session_id": str(report.session_id),
        "kind": kind or "", "filename": filename})
    return render_template("supervision/import_preview.html", report=report, confirm=confirm, filename=filename)


@bp.post("/import/confirm")
@login_required
def import_confirm():
    require(policy.can(current_user, Action.REGISTER))
    form = forms.ConfirmImportForm()
    upload = forms.ImportForm(formdata=None)
    upload.set_choices(_sessions())
    if not form.validate():
        flash(gettext("导入请求不完整，请重新上传文件"), "danger")
        return render_template("supervision/import.html", form=upload), 400
    try:
        data = base64.b64decode(form.payload.data.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        flash(gettext("导入请求已损坏，请重新上传文件"), "danger")
        return render_template("supervision/import.html", form=upload), 400
    kind = form.kind.data or None
    try:
        report = imports.import_documents(data, form.session_id.data, kind, actor=current_user)
    except DomainError as exc:
        if isinstance(exc, PermissionDenied | NotFound):
            raise
        flash_error(exc, upload)
        return render_template("supervision/import.html", form=upload), exc.status
    if not report.ok:
        flash(gettext("导入前检查发现问题，未导入任何数据。请处理下列问题后重新上传。"), "danger")
        return render_template("supervision/import_preview.html", report=report, confirm=form,
                               filename=form.filename.data), 409
    flash(gettext("导入完成：共导入 %(n)s 件。", n=report.imported), "success")
    return redirect(url_for("supervision.index", session_id=report.session_id))
