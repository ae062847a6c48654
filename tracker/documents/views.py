"""Downloads of the Word documents (交办通知, 答复函, 会办意见函, 征询意见表, 催办/督办通知,
申退/延期申请, 调度通报), each with the visibility of the record it comes from."""

from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user, login_required

from tracker.assignments.models import Assignment, ExtensionRequest, ReturnRequest
from tracker.core import clock
from tracker.core.enums import ItemKind, display_label, label
from tracker.documents import generate
from tracker.documents import policy as may
from tracker.items.models import Item, Session, Submitter

bp = Blueprint("documents", __name__, url_prefix="/documents")


def _send(data: bytes, name: str):
    return send_file(io.BytesIO(data), mimetype=generate.DOCX_MIMETYPE, as_attachment=True,
                     download_name=name)


def _get(model, object_id: int):
    obj = model.get_or_none(model.id == object_id)
    if obj is None:
        abort(404)
    return obj


def _contact() -> str:
    phone = f" {current_user.phone}" if current_user.phone else ""
    return f"{current_user.display}{phone}"


def _submitter(item: Item) -> Submitter | None:
    value = request.args.get("submitter", "")
    if not value:
        return None
    sub = Submitter.get_or_none((Submitter.id == int(value)) & (Submitter.item == item.id)) if value.isdigit() else None
    if sub is None:
        abort(404)
    return sub


def _addressee(item: Item) -> Submitter | None:
    """Whom a letter or form is for: ``?submitter=`` (any of the item's, for the office and units);
    a submitter gets their own only, never a co-signer's (404), and their own when none is named."""
    submitter = _submitter(item)
    own = may.own_addressees(current_user, item)
    if own is not None:
        if submitter is None:
            submitter = own[0] if own else None
        if submitter is None or submitter.id not in {s.id for s in own}:
            abort(404)
    return submitter


@bp.get("/")
@login_required
def index():
    """The office's page for batch documents: 交办通知 per session and day, 调度通报."""
    if not may.batch_notice(current_user):
        abort(403)
    from tracker.items.services import sessions_ordered
    from tracker.units.models import Unit

    sessions = list(sessions_ordered())
    session_id = request.args.get("session_id", "")
    session = next((s for s in sessions if str(s.id) == session_id), sessions[0] if sessions else None)
    days = []
    if session is not None:
        import peewee as pw

        days = list(Assignment.select(Assignment.assigned_on, pw.fn.COUNT(pw.fn.DISTINCT(Assignment.item)).alias("n"))
                    .join(Item, on=(Assignment.item == Item.id))
                    .where(Item.session == session.id)
                    .group_by(Assignment.assigned_on).order_by(Assignment.assigned_on.desc()).tuples())
    units = list(Unit.select().order_by(Unit.sort_order, Unit.id))
    return render_template("documents/index.html", sessions=sessions, session=session, days=days,
                           units=units, kinds=[(k.value, display_label(k)) for k in (ItemKind.SUGGESTION, ItemKind.PROPOSAL)],
                           templates=generate.TEMPLATES)


@bp.get("/assignment-notice.docx")
@login_required
def batch_notice():
    if not may.batch_notice(current_user):
        abort(403)
    session = _get(Session, request.args.get("session_id", type=int) or 0)
    try:
        day = dt.date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        abort(404)
    unit_id = request.args.get("unit_id", type=int)
    rows = generate.notice_assignments(session.id, day, unit_id)
    data = generate.assignment_notice_docx(rows, contact=_contact(), on=day)
    return _send(data, generate.download_name("assignment_notice", session.name, day.isoformat()))


@bp.get("/assignments/<int:assignment_id>/notice.docx")
@login_required
def assignment_notice(assignment_id: int):
    a = _get(Assignment, assignment_id)
    if not may.assignment_document(current_user, a):
        abort(404)
    data = generate.assignment_notice_docx([a], on=a.assigned_on)
    return _send(data, generate.download_name("assignment_notice", a.item.number, a.unit.name))


@bp.get("/assignments/<int:assignment_id>/urge.docx")
@login_required
def urge_notice(assignment_id: int):
    a = _get(Assignment, assignment_id)
    if not may.assignment_document(current_user, a):
        abort(404)
    data = generate.urge_notice_docx(a, today=clock.today())
    return _send(data, generate.download_name("urge_notice", a.item.number, a.unit.name))


@bp.get("/assignments/<int:assignment_id>/co-opinion.docx")
@login_required
def co_opinion_letter(assignment_id: int):
    a = _get(Assignment, assignment_id)
    if not may.co_opinion_letter(current_user, a):
        abort(404)
    data = generate.co_opinion_letter_docx(a)
    return _send(data, generate.download_name("co_opinion_letter", a.item.number, a.unit.name))


@bp.get("/replies/<int:reply_id>/letter.docx")
@login_required
def reply_letter(reply_id: int):
    from tracker.replies.models import Reply

    reply = _get(Reply, reply_id)
    if not may.reply_letter(current_user, reply):
        abort(404)
    item = reply.assignment.item
    data = generate.reply_letter_docx(reply, submitter=_addressee(item))
    return _send(data, generate.download_name("reply_letter", item.number, reply.assignment.unit.name))


@bp.get("/items/<int:item_id>/feedback-form.docx")
@login_required
def feedback_form(item_id: int):
    from tracker.items.services import get_item_for

    item = get_item_for(current_user, item_id)
    if not may.feedback_form(current_user, item):
        abort(404)
    submitter = _addressee(item)
    data = generate.feedback_form_docx(item, submitter=submitter)
    return _send(data, generate.download_name("feedback_form", item.number, submitter.name if submitter else ""))


@bp.get("/slips/<int:slip_id>.docx")
@login_required
def supervision_notice(slip_id: int):
    from tracker.reminders.models import Slip

    slip = _get(Slip, slip_id)
    if not may.assignment_document(current_user, slip.assignment):
        abort(404)
    data = generate.supervision_notice_docx(slip)
    return _send(data, generate.download_name("supervision_notice", slip.assignment.item.number,
                                              label_of_slip(slip.color)))


def label_of_slip(color: str) -> str:
    from tracker.core.enums import SlipColor

    try:
        return label(SlipColor(color))
    except ValueError:
        return ""


@bp.get("/return-requests/<int:request_id>.docx")
@login_required
def return_request(request_id: int):
    rr = _get(ReturnRequest, request_id)
    if not may.assignment_document(current_user, rr.assignment):
        abort(404)
    data = generate.return_request_docx(rr)
    return _send(data, generate.download_name("return_request", rr.assignment.item.number,
                                              rr.assignment.unit.name))


@bp.get("/extension-requests/<int:request_id>.docx")
@login_required
def extension_request(request_id: int):
    er = _get(ExtensionRequest, request_id)
    if not may.assignment_document(current_user, er.assignment):
        abort(404)
    data = generate.extension_request_docx(er)
    return _send(data, generate.download_name("extension_request", er.assignment.item.number,
                                              er.assignment.unit.name))
