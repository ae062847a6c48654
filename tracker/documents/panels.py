"""The item page's "文书下载" panel: the Word documents this user may download for the item."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext, pgettext

from tracker.accounts import policy
from tracker.core.enums import HandlingRole, ReplyStatus, SlipColor, display_label
from tracker.core.i18n import N_
from tracker.documents import policy as may
from tracker.documents.generate import SLIP_COLORS as SLIP_NOTICE_COLORS
from tracker.documents.generate import feedback_form_refusal
from tracker.items.queries import OWING
from tracker.items.workflow import Action


def item_panel(item: Any, user: Any, assignments: list[Any]) -> dict | None:
    from tracker.assignments.models import ExtensionRequest, ReturnRequest
    from tracker.handling.models import CoOpinion
    from tracker.items.models import Submitter
    from tracker.reminders.models import Slip
    from tracker.replies.models import Reply

    links: list[dict[str, str]] = []
    active = [a for a in assignments if not a.is_void]
    visible = [a for a in assignments if may.assignment_document(user, a)]
    ids = [a.id for a in assignments] or [0]
    by_id = {a.id: a for a in assignments}

    sent = list(Reply.select().where(Reply.assignment.in_(ids) & (Reply.status == ReplyStatus.SENT.value))
                .order_by(Reply.round, Reply.id))
    for reply in sent:
        reply.assignment = by_id[reply.assignment_id]
        if may.reply_letter(user, reply):
            text = (gettext("答复函（%(unit)s，第 %(n)s 轮）", unit=reply.assignment.unit.name, n=reply.round)
                    if reply.round > 1 else gettext("答复函（%(unit)s）", unit=reply.assignment.unit.name))
            links.append({"group": "答复", "text": text,
                          "url": url_for("documents.reply_letter", reply_id=reply.id)})
    if sent and may.feedback_form(user, item) and feedback_form_refusal(item) is None:
        subs = may.own_addressees(user, item)
        if subs is None:
            subs = list(Submitter.select().where(Submitter.item == item.id)
                        .order_by(Submitter.position, Submitter.id))
        for sub in subs:
            links.append({"group": "答复", "text": gettext("征询意见表（%(name)s）", name=sub.name),
                          "url": url_for("documents.feedback_form", item_id=item.id, submitter=sub.id)})
    for a in visible:
        if a.is_void:
            continue
        links.append({"group": "交办", "text": gettext("交办通知（%(unit)s，%(role)s）", unit=a.unit.name,
                                                       role=display_label(HandlingRole(a.role))),
                      "url": url_for("documents.assignment_notice", assignment_id=a.id)})
        if a.status in OWING and policy.can(user, Action.ISSUE_SLIP, a):
            links.append({"group": "督办", "text": gettext("催办通知（%(unit)s）", unit=a.unit.name),
                          "url": url_for("documents.urge_notice", assignment_id=a.id)})
    co_with_opinion = {o.assignment_id for o in CoOpinion.select(CoOpinion.assignment)
                       .where(CoOpinion.assignment.in_([a.id for a in active if a.is_co] or [0]))}
    for a in active:
        if a.id in co_with_opinion and may.co_opinion_letter(user, a):
            links.append({"group": "交办", "text": gettext("会办意见函（%(unit)s）", unit=a.unit.name),
                          "url": url_for("documents.co_opinion_letter", assignment_id=a.id)})
    visible_ids = [a.id for a in visible] or [0]
    for slip in Slip.select().where(Slip.assignment.in_(visible_ids)).order_by(Slip.issued_on, Slip.id):
        color = display_label(SlipColor(slip.color)) if slip.color in {c.value for c in SlipColor} else slip.color
        notice = N_("督办通知（%(unit)s，%(color)s，%(day)s）") if slip.color in SLIP_NOTICE_COLORS \
            else N_("催办通知（%(unit)s，%(color)s，%(day)s）")
        links.append({"group": "督办", "text": gettext(notice, unit=by_id[slip.assignment_id].unit.name, color=color,
                                                       day=slip.issued_on.isoformat()),
                      "url": url_for("documents.supervision_notice", slip_id=slip.id)})
    for rr in ReturnRequest.select().where(ReturnRequest.assignment.in_(visible_ids)).order_by(ReturnRequest.id):
        links.append({"group": "交办", "text": gettext("申退申请（%(unit)s）", unit=by_id[rr.assignment_id].unit.name),
                      "url": url_for("documents.return_request", request_id=rr.id)})
    for er in (ExtensionRequest.select().where(ExtensionRequest.assignment.in_(visible_ids))
               .order_by(ExtensionRequest.id)):
        links.append({"group": "交办", "text": gettext("延期申请（%(unit)s）", unit=by_id[er.assignment_id].unit.name),
                      "url": url_for("documents.extension_request", request_id=er.id)})
    if not links:
        return None
    groups: dict[str, list[dict[str, str]]] = {}
    for link in links:
        groups.setdefault(link["group"], []).append(link)
    titles = {"交办": pgettext("documents", "交办"), "答复": pgettext("documents", "答复"),
              "督办": pgettext("documents", "督办")}
    return {"item": item, "groups": [(titles[name], groups[name]) for name in ("交办", "答复", "督办") if name in groups]}
