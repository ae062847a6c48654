"""Reply pages: draft and edit (with commitments and attachments), the reply page with the
sign-off / co-sign / review forms, and the permission-checked attachment download."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from tracker.accounts import policy
from tracker.assignments import services as assignment_services
from tracker.core import clock
from tracker.core.enums import HandlingRole, ReplyStatus, is_supervision_kind
from tracker.core.errors import DomainError, NotFound, PermissionDenied
from tracker.core.i18n import N_
from tracker.core.web import flash_error, next_target
from tracker.handling import services as handling
from tracker.items.workflow import Action
from tracker.replies import attachments as reply_files
from tracker.replies import forms, publication
from tracker.replies import services as replies

bp = Blueprint("replies", __name__)

CHECK_FORM = N_("请检查标红的内容后重新提交")
STEP_MESSAGES = {
    ReplyStatus.AWAITING_SIGN_OFF.value: N_("已提交本单位领导签发"),
    ReplyStatus.AWAITING_COSIGN.value: N_("已送会办单位会签"),
    ReplyStatus.AWAITING_OFFICE_REVIEW.value: N_("已送督查室审核"),
    ReplyStatus.SENT.value: N_("答复已发送，代表委员可以查看"),  # 三书一函: SENT_TO_ISSUER
    ReplyStatus.DRAFT.value: N_("已退回修改"),
}

SENT_TO_ISSUER = N_("答复已发送")


def _step_message(reply) -> str:
    """What the step just done means (a 三书一函 reply goes to its issuing organ, not to deputies)."""
    if reply.status == ReplyStatus.SENT.value and is_supervision_kind(reply.assignment.item.kind):
        return SENT_TO_ISSUER
    return STEP_MESSAGES.get(reply.status, N_("已处理"))


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("您没有权限访问此页面")


def reply_anchor(reply) -> str:
    return url_for("items.show", item_id=reply.assignment.item_id) + f"#reply-{reply.id}"


_back = next_target


def _uploads(form) -> list[tuple[str, bytes]]:
    return [(f.filename or "", f.read()) for f in (form.files.data or []) if f and f.filename]


def _reply_form(reply=None) -> forms.ReplyForm:
    form = forms.ReplyForm()
    form.result_class.choices = forms.options([("", _l("请选择分类标识")), *replies.class_choices()])
    if reply is not None and request.method == "GET":
        form.result_class.data = reply.result_class
        form.text.data = reply.text
        form.doc_number.data = reply.doc_number
        form.contact_name.data = reply.contact_name
        form.contact_phone.data = reply.contact_phone
        form.publish.data = reply.publish
        form.version.data = str(reply.version)
        rows = replies.commitments_of(reply)
        while len(form.commitments.entries) < len(rows):
            form.commitments.append_entry()
        for entry, row in zip(form.commitments.entries, rows, strict=False):
            entry.form.text.data = row["text"]
            entry.form.due_date.data = row["due_date"]
    return form


def _editor(template_args: dict, status: int = 200):
    a = template_args["a"]
    form = template_args["form"]
    # a browser cannot put chosen files back into the form it shows again: say so
    dropped = [f.filename for f in (form.files.data or []) if f and getattr(f, "filename", "")] if status >= 400 else []
    if dropped:
        form.files.errors = [*form.files.errors, gettext("所选附件“%(names)s”尚未上传，请重新选择后再提交",
                                                          names=gettext("、").join(dropped))]
    opinions, missing = [], []
    if a.role == HandlingRole.LEAD.value:
        opinions = handling.co_opinion_rows(a.item)
        answered = {row["assignment"].id for row in opinions}
        missing = [co for co in handling.co_assignments(a.item) if co.id not in answered]
    return render_template("replies/form.html", opinions=opinions, co_missing=missing, today=clock.today,
                           **template_args), status


@bp.route("/assignments/<int:assignment_id>/reply/new", methods=["GET", "POST"])
@login_required
def new(assignment_id: int):
    a = assignment_services.get_assignment_for(current_user, assignment_id)
    if a.is_co and current_user.unit_id == a.unit_id:
        raise PermissionDenied(replies.CO_CANNOT_REPLY)
    require(policy.can(current_user, Action.DRAFT_REPLY, a))
    existing = replies.reply_of_round(a)
    if existing is not None:
        flash(gettext("第 %(n)s 轮答复已起草，请在原稿上修改", n=a.round), "info")
        return redirect(url_for("replies.edit", reply_id=existing.id) if existing.status == ReplyStatus.DRAFT.value
                        else reply_anchor(existing))
    form = _reply_form()
    status = 200
    if form.is_submitted():
        if not form.validate():
            flash(gettext(CHECK_FORM), "danger")
            status = 422
        else:
            try:
                reply = replies.draft_reply(
                    a, actor=current_user, result_class=form.result_class.data, text=form.text.data,
                    commitments=form.commitment_rows(), contact_name=form.contact_name.data or "",
                    contact_phone=form.contact_phone.data or "", publish=form.publish.data,
                    doc_number=form.doc_number.data or "", submit=bool(form.save_submit.data),
                    files=_uploads(form))
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                flash_error(exc, form)
                status = exc.status
            else:
                flash(gettext("答复稿已保存，并提交本单位领导签发") if form.save_submit.data else gettext("答复稿已保存"), "success")
                return redirect(reply_anchor(reply))
    elif not form.contact_name.data:
        handler = a.handler
        form.contact_name.data = handler.display if handler else ""
        form.contact_phone.data = a.handler_phone or (handler.phone if handler else "")
    return _editor({"a": a, "item": a.item, "form": form, "reply": None}, status)


@bp.route("/replies/<int:reply_id>/edit", methods=["GET", "POST"])
@login_required
def edit(reply_id: int):
    reply = replies.get_reply_for(current_user, reply_id)
    require(policy.can(current_user, Action.DRAFT_REPLY, reply))
    a = reply.assignment
    if reply.status != ReplyStatus.DRAFT.value:
        flash(gettext("答复已提交，不能再修改；如需修改，请由签发、会签或审核人退回"), "warning")
        return redirect(url_for("replies.show", reply_id=reply.id))
    form = _reply_form(reply)
    status = 200
    if form.is_submitted():
        if not form.validate():
            flash(gettext(CHECK_FORM), "danger")
            status = 422
        else:
            try:
                replies.edit_reply(
                    reply, actor=current_user, version=form.version.data,
                    result_class=form.result_class.data, text=form.text.data,
                    commitments=form.commitment_rows(), contact_name=form.contact_name.data or "",
                    contact_phone=form.contact_phone.data or "", publish=form.publish.data,
                    doc_number=form.doc_number.data or "", files=_uploads(form),
                    submit=bool(form.save_submit.data))
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                flash_error(exc, form)
                status = exc.status
                reply = reply.refresh()
            else:
                flash(gettext("答复稿已保存，并提交本单位领导签发") if form.save_submit.data else gettext("答复稿已保存"), "success")
                return redirect(reply_anchor(reply))
    return _editor({"a": a, "item": a.item, "form": form, "reply": reply,
                    "attachments": reply_files.attachments_of(reply)}, status)


# --- the reply page and its decisions -------------------------------------------------------


def _show(reply, *, form=None, publication_form=None, status: int = 200):
    from tracker.replies.panels import reply_view

    view = reply_view(reply, current_user, decision=form, publication_form=publication_form)
    return render_template("replies/show.html", r=view, reply=reply, a=reply.assignment,
                           item=reply.assignment.item), status


@bp.get("/replies/<int:reply_id>")
@login_required
def show(reply_id: int):
    return _show(replies.get_reply_for(current_user, reply_id))


def _decide(reply_id: int, service, *, with_class: bool = False):
    reply = replies.get_reply_for(current_user, reply_id)
    form = forms.decision_form_for(reply, formdata=request.form)
    if not form.validate():
        flash(gettext(CHECK_FORM), "danger")
        return _show(reply, form=form, status=422)
    kwargs = {"decision": form.decision.data, "reason": form.reason.data or "", "version": form.version.data}
    if with_class:
        kwargs["result_class"] = form.result_class.data or None
    try:
        service(reply, actor=current_user, **kwargs)
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        flash_error(exc, form)
        return _show(reply.refresh(), form=form, status=exc.status)
    flash(gettext(_step_message(reply)), "success")
    return redirect(_back(reply_anchor(reply)))


@bp.post("/replies/<int:reply_id>/sign-off")
@login_required
def sign_off(reply_id: int):
    return _decide(reply_id, replies.sign_off)


@bp.post("/replies/<int:reply_id>/cosign")
@login_required
def cosign(reply_id: int):
    return _decide(reply_id, replies.cosign)


@bp.post("/replies/<int:reply_id>/review")
@login_required
def review(reply_id: int):
    return _decide(reply_id, replies.review, with_class=True)


@bp.post("/replies/<int:reply_id>/submit")
@login_required
def submit(reply_id: int):
    reply = replies.get_reply_for(current_user, reply_id)
    form = forms.SubmitForm(prefix=forms.decision_prefix(reply.id))
    try:
        replies.submit_reply(reply, actor=current_user, version=form.version.data)
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        flash_error(exc)
        return _show(reply.refresh(), status=exc.status)
    flash(gettext(_step_message(reply)), "success")
    return redirect(_back(reply_anchor(reply)))


@bp.post("/replies/<int:reply_id>/publication")
@login_required
def record_publication(reply_id: int):
    """公开: the answering unit (or the office) records the day the sent reply was published."""
    reply = replies.get_reply_for(current_user, reply_id)
    require(policy.can(current_user, Action.RECORD_PUBLICATION, reply))
    form = forms.publication_form_for(reply, formdata=request.form)
    if not form.validate():
        flash(gettext(CHECK_FORM), "danger")
        return _show(reply, publication_form=form, status=422)
    try:
        publication.record(reply, actor=current_user, published_on=form.published_on.data, version=form.version.data)
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        flash_error(exc, form)
        return _show(reply.refresh(), publication_form=form, status=exc.status)
    flash(gettext("已登记公开日期"), "success")
    return redirect(_back(reply_anchor(reply)))


# --- attachments ----------------------------------------------------------------------------


@bp.post("/replies/<int:reply_id>/attachments")
@login_required
def upload(reply_id: int):
    reply = replies.get_reply_for(current_user, reply_id)
    form = forms.AttachmentForm()
    files = _uploads(form)
    if not files:
        flash(gettext("请选择要上传的文件"), "danger")
        return redirect(url_for("replies.edit", reply_id=reply.id))
    try:
        for name, data in files:
            reply_files.add_attachment(reply, actor=current_user, filename=name, data=data)
    except NotFound:
        raise
    except DomainError as exc:
        flash_error(exc)
        return redirect(url_for("replies.edit", reply_id=reply.id))
    flash(gettext("已上传 %(n)s 个附件", n=len(files)), "success")
    return redirect(url_for("replies.edit", reply_id=reply.id))


@bp.post("/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(attachment_id: int):
    att = reply_files.get_attachment_for(current_user, attachment_id)
    reply_id = att.reply_id
    try:
        reply_files.remove_attachment(att, actor=current_user)
    except NotFound:
        raise
    except DomainError as exc:
        flash_error(exc)
    else:
        flash(gettext("已删除附件“%(name)s”", name=att.filename), "success")
    return redirect(url_for("replies.edit", reply_id=reply_id))


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    att = reply_files.get_attachment_for(current_user, attachment_id)
    path = reply_files.path_of(att)
    if not path.is_file():
        raise NotFound("附件文件已丢失，请联系管理员")
    response = send_file(path, mimetype=att.content_type, as_attachment=True, download_name=att.filename,
                         max_age=0, etag=att.sha256)
    response.headers["Cache-Control"] = "private, no-store"
    return response
