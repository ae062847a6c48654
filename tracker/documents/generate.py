"""Word documents (.docx) from replaceable templates (DOMAIN.md §12).

Each document has a template ``<name>.docx`` (docxtpl/Jinja tags). The default lives in
``tracker/documents/templates/`` (built by ``build_templates.py``); an office replaces it
by putting a file with the same name into ``<instance>/document_templates/``. Templates
are rendered in a sandboxed Jinja environment with autoescaping, so text typed by users
(titles, reply bodies, opinions …) is always plain text in the document, and a replaced
template cannot reach into Python.

Every ``*_context`` function returns the plain dict a template receives; the matching
``*_docx`` function renders it to bytes. Read-only: nothing here writes to the database.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate, RichText
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from tracker.accounts.models import User
from tracker.assignments.models import Assignment, ExtensionRequest, ReturnRequest
from tracker.core import clock
from tracker.core.enums import (
    ANSWERING_ROLES,
    Adoption,
    AssignmentStatus,
    ContactMethod,
    HandlingRole,
    ItemKind,
    Rating,
    ReplyStatus,
    SlipColor,
    SubmitterRole,
    label,
)
from tracker.core.errors import NotFound, ValidationFailed
from tracker.items.models import Item, Submitter

DEFAULT_DIR = Path(__file__).resolve().parent / "templates"
OVERRIDE_FOLDER = "document_templates"
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# name -> Chinese title (also the download file name's prefix)
TEMPLATES: dict[str, str] = {
    "assignment_notice": "交办通知",
    "reply_letter": "答复函",
    "co_opinion_letter": "会办意见函",
    "feedback_form": "征询意见表",
    "urge_notice": "催办通知",
    "supervision_notice": "督办通知",
    "dispatch_report": "调度通报",
    "return_request": "申退申请",
    "extension_request": "延期申请",
}

SLIP_COLORS = {SlipColor.BLUE.value: "0B5ED7", SlipColor.ORANGE.value: "C55A11", SlipColor.RED.value: "C00000"}
SLIP_REQUIREMENTS = {
    SlipColor.BLUE.value: "请单位分管领导督促经办人员抓紧办理，尽快在系统中报告办理进展并答复代表委员。",
    SlipColor.ORANGE.value: "请单位主要负责同志亲自督办，书面说明超期原因和办理计划，尽快答复；本件列入定期调度通报。",
    SlipColor.RED.value: "已报请分管市领导督办，本件计入年度办理工作考核。请单位主要负责同志立即组织办理并书面报告。",
}
ORG_ENDINGS = ("会", "委", "组", "社", "党", "团", "界", "盟", "联", "协", "部", "局", "室", "所", "院",
               "中心", "公司", "学校", "支部", "小组", "联盟")
CHECKED, UNCHECKED = "☑", "□"


# --- rendering -------------------------------------------------------------------------------


def override_dir() -> Path | None:
    try:
        from flask import current_app

        return Path(current_app.instance_path) / OVERRIDE_FOLDER
    except RuntimeError:  # outside an app context: defaults only
        return None


def template_path(name: str) -> Path:
    """The office's replacement ``<instance>/document_templates/<name>.docx`` if present,
    else the default."""
    if name not in TEMPLATES:
        raise NotFound("文书模板不存在")
    folder = override_dir()
    if folder is not None:
        custom = folder / f"{name}.docx"
        if custom.is_file():
            return custom
    return DEFAULT_DIR / f"{name}.docx"


def render_docx(name: str, context: Mapping[str, Any]) -> bytes:
    """Fill the template ``name`` with ``context`` (escaped) and return the .docx bytes."""
    path = template_path(name)
    try:
        template = DocxTemplate(str(path))
        template.render(dict(context), jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
        buffer = io.BytesIO()
        template.save(buffer)
    except TemplateError as exc:
        message = f"文书模板“{TEMPLATES[name]}”（{path.name}）有误，请检查或删除替换的模板：{exc}"
        raise ValidationFailed(message) from None
    return buffer.getvalue()


def download_name(name: str, *parts: Any) -> str:
    extra = "_".join(str(p) for p in parts if p not in (None, ""))
    text = f"{TEMPLATES[name]}_{extra}" if extra else TEMPLATES[name]
    return "".join(ch for ch in text if ch not in '\\/:*?"<>|\r\n') + ".docx"


# --- shared pieces ---------------------------------------------------------------------------


def issuer() -> str:
    """The office's name on letterheads (setting ``office_name``)."""
    from tracker.rules.services import office_name

    return office_name()


def cn_date(value: dt.date | None) -> str:
    """2026-03-05 -> "2026年3月5日" (the form official letters use)."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def noun(kind: str) -> str:
    from tracker.items.services import noun as item_noun

    return item_noun(kind)


def person_suffix(kind: str) -> str:
    return "委员" if kind == ItemKind.PROPOSAL.value else "代表"


def is_organisation(name: str) -> bool:
    return len(name) > 4 or name.endswith(ORG_ENDINGS)


def addressee(names: Sequence[str], kind: str) -> str:
    """"王丽、张敏代表" for people; organisations keep their own names ("民盟市委会")."""
    names = [n for n in names if n]
    if not names:
        return ""
    suffix = person_suffix(kind)
    if not any(is_organisation(n) for n in names):
        return "、".join(names) + suffix
    return "、".join(n if is_organisation(n) else n + suffix for n in names)


def paragraphs(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]


# A salutation a unit typed at the top of its reply ("万建国代表：", "尊敬的各位委员：").
SALUTATION = re.compile(r"^(尊敬的)?[^，。；！？,.;!?：:\s]{1,60}?(代表|委员|同志|先生|女士)们?\s*[：:]\s*")


def letter_body(text: str | None, names: Sequence[str] = ()) -> list[str]:
    """The reply's paragraphs for a letter that prints its own addressee line: a salutation the
    unit typed at the top is left out, else the letter would greet twice (and a co-signer's copy
    would greet the lead submitter). ``names``: the item's submitters, for a salutation that
    names an organisation ("民盟市委会：")."""
    body = paragraphs(text)
    if not body:
        return body
    first = body[0]
    found = SALUTATION.match(first)
    if found:
        rest = first[found.end():].strip()
        return ([rest] if rest else []) + body[1:]
    if first[-1:] in "：:" and names:
        parts = [p.strip() for p in re.split(r"[、，,]", first[:-1].removeprefix("尊敬的"))]
        if all(p in names for p in parts):
            return body[1:]
    return body


def _item_title(item: Item) -> str:
    return f"{item.session.name}第{item.number}号{noun(item.kind)}"


def _answering(item_id: int) -> list[Assignment]:
    return list(Assignment.select().where(
        (Assignment.item == item_id) & (Assignment.status != AssignmentStatus.RETURNED.value)
        & Assignment.role.in_([r.value for r in ANSWERING_ROLES])).order_by(Assignment.id))


def _co(item_id: int) -> list[Assignment]:
    return list(Assignment.select().where(
        (Assignment.item == item_id) & (Assignment.status != AssignmentStatus.RETURNED.value)
        & (Assignment.role == HandlingRole.CO.value)).order_by(Assignment.id))


def _submitters(item: Item) -> list[Submitter]:
    return list(Submitter.select().where(Submitter.item == item.id).order_by(Submitter.position, Submitter.id))


# --- 交办通知 ----------------------------------------------------------------------------------


def notice_assignments(session_id: int, assigned_on: dt.date, unit_id: int | None = None) -> list[Assignment]:
    """The assignments made in a session on one day (optionally for one unit), in case order."""
    import peewee as pw

    query = (Assignment.select(Assignment, Item)
             .join(Item, on=(Assignment.item == Item.id))
             .where((Item.session == session_id) & (Assignment.assigned_on == assigned_on)
                    & (Assignment.status != AssignmentStatus.RETURNED.value)))
    if unit_id:
        query = query.where(Assignment.unit == unit_id)
    return list(query.order_by(Item.kind, pw.fn.LENGTH(Item.number), Item.number, Assignment.id))


def assignment_notice_context(assignments: Sequence[Assignment], *, contact: str = "",
                              on: dt.date | None = None) -> dict[str, Any]:
    """交办通知: one row per item with its units (and roles) and dates."""
    if not assignments:
        raise NotFound("没有符合条件的交办记录")
    by_item: dict[int, list[Assignment]] = {}
    for a in assignments:
        by_item.setdefault(a.item_id, []).append(a)
    units = {a.unit_id for a in assignments}
    items = [group[0].item for group in by_item.values()]
    sessions = {i.session.name for i in items}
    kinds = {i.kind for i in items}
    what = "、".join(sorted(noun(k) for k in kinds))
    session_text = "、".join(sorted(sessions))
    rows = []
    for seq, group in enumerate(by_item.values(), start=1):
        item = group[0].item
        lead = next((s.name for s in _submitters(item) if s.role == SubmitterRole.LEAD.value), "")
        answering = [a for a in group if a.is_answering]
        rows.append({
            "seq": seq, "number": item.number, "title": item.title, "lead_submitter": lead,
            "units": "、".join(f"{a.unit.name}（{label(HandlingRole(a.role))}）" for a in group),
            "assigned_on": _iso(min(a.assigned_on for a in group)),
            "receipt_due": _iso(min(a.receipt_due for a in group)),
            "reply_due": (_iso(min(a.reply_due for a in answering)) if answering
                          else "会办意见 " + _iso(min((a.co_opinion_due for a in group if a.co_opinion_due),
                                                       default=None))),
        })
    single_unit = assignments[0].unit.name if len(units) == 1 else None
    return {
        "issuer": issuer(),
        "title": f"关于交办{session_text}{what}的通知",
        "addressee": single_unit or "各承办单位",
        "intro": [f"现将{session_text}{what}{len(rows)}件交由"
                  f"{'你单位' if single_unit else '各承办单位'}办理（明细见下表）。"],
        "rows": rows,
        "closing": [
            "请按照“五定”要求（定任务、定责任、定人员、定时限、定考核办法）认真办理：在签收期限前在系统中签收；"
            "如认为不属于本单位职责，请在申退期限内提出申退申请，不得自行转办。",
            "主办（独办、分办）单位须在答复期限前答复代表委员，答复前应与代表委员沟通；会办单位须在期限内向主办单位提出会办意见。",
        ],
        "date": cn_date(on or clock.today()),
        "contact": contact,
    }


def assignment_notice_docx(assignments: Sequence[Assignment], **kw: Any) -> bytes:
    return render_docx("assignment_notice", assignment_notice_context(assignments, **kw))


# --- 答复函 ------------------------------------------------------------------------------------


def reply_letter_context(reply: Any, *, submitter: Submitter | None = None) -> dict[str, Any]:
    """答复函: class mark top right, number, title, addressee, body, signer, contact, copy-to."""
    if reply.status != ReplyStatus.SENT.value:
        raise NotFound("答复尚未发送")
    a = reply.assignment
    item = a.item
    subs = [submitter] if submitter is not None else _submitters(item)
    copy_to = [c.unit.name for c in _co(item.id)] if a.role == HandlingRole.LEAD.value else []
    signer = reply.signed_off_by.display if reply.signed_off_by_id and reply.signed_off_by else ""
    return {
        "result_class": reply.result_class,
        "unit_name": a.unit.name,
        "doc_number": reply.doc_number,
        "title": f"关于{_item_title(item)}的答复",
        "addressee": addressee([s.name for s in subs], item.kind),
        "paragraphs": letter_body(reply.text, [s.name for s in _submitters(item)]),
        "signer": signer or a.responsible_leader,
        "date": cn_date(reply.sent_on or (clock.local_date(reply.sent_at) if reply.sent_at else None)),
        "contact_name": reply.contact_name or (a.handler.display if a.handler_id and a.handler else ""),
        "contact_phone": reply.contact_phone or a.handler_phone,
        "copy_to": "、".join(copy_to),
    }


def reply_letter_docx(reply: Any, **kw: Any) -> bytes:
    return render_docx("reply_letter", reply_letter_context(reply, **kw))


# --- 会办意见函 --------------------------------------------------------------------------------


def co_opinion_letter_context(a: Assignment) -> dict[str, Any]:
    from tracker.handling.models import CoOpinion

    if a.role != HandlingRole.CO.value:
        raise NotFound("只有会办单位才有会办意见函")
    opinion = (CoOpinion.select().where(CoOpinion.assignment == a.id)
               .order_by(CoOpinion.id.desc()).first())
    if opinion is None:
        raise NotFound("该会办单位尚未提交会办意见")
    item = a.item
    leads = _answering(item.id)
    return {
        "unit_name": a.unit.name,
        "title": f"关于{_item_title(item)}的会办意见",
        "lead_unit": "、".join(x.unit.name for x in leads) or "主办单位",
        "intro": (f"你单位主办的{_item_title(item)}《{item.title}》已收悉。"
                  "我单位作为会办单位，经认真研究，现提出会办意见如下："),
        "paragraphs": paragraphs(opinion.text),
        "date": cn_date(opinion.submitted_on),
        "contact_name": a.handler.display if a.handler_id and a.handler else "",
        "contact_phone": a.handler_phone,
    }


def co_opinion_letter_docx(a: Assignment) -> bytes:
    return render_docx("co_opinion_letter", co_opinion_letter_context(a))


# --- 征询意见表 --------------------------------------------------------------------------------


def _boxes(options: Iterable[tuple[str, str]], chosen: Any) -> str:
    return "　".join(f"{CHECKED if value == chosen else UNCHECKED}{text}" for value, text in options)


def _feedback_closeout(item: Item, today: dt.date | None = None) -> Any:
    """The close-out facts of the item whose reply the submitters rate (a merged child's parent)."""
    from tracker.items import merging
    from tracker.replies import closeout

    return closeout.closeout_for(merging.handling_item(item), today)


def _feedback_form_refusal(co: Any) -> str | None:
    """Why there is no 征询意见表 yet, or None: the form asks the submitters to rate this round's
    reply, so it exists once feedback is open (every answering unit has sent its reply of the
    round, closeout.Closeout.feedback_open), as online feedback does."""
    if not co.reply_sent:
        return "答复尚未发送，暂无征询意见表" if co.round == 1 else f"第 {co.round} 轮答复尚未发送，暂无征询意见表"
    if not co.feedback_open:
        return f"{'、'.join(co.awaiting)}尚未发送答复，各承办单位答复后方有征询意见表"
    return None


def feedback_form_refusal(item: Item, today: dt.date | None = None) -> str | None:
    """Why the item's 征询意见表 cannot be had yet (Chinese), or None when it can (the item page
    links it only then; the download refuses with the same words)."""
    return _feedback_form_refusal(_feedback_closeout(item, today))


def feedback_form_context(item: Item, *, submitter: Submitter | None = None,
                          today: dt.date | None = None) -> dict[str, Any]:
    """征询意见表 for one submitter (the lead by default) on the current round's replies, with the
    last day of the feedback window; an answer already given in the round is ticked. NotFound
    until every answering unit has sent this round's reply (:func:`feedback_form_refusal`)."""
    from tracker.replies.models import Feedback, Reply

    co = _feedback_closeout(item, today)
    refusal = _feedback_form_refusal(co)
    if refusal:
        raise NotFound(refusal)
    subs = _submitters(item)
    if submitter is None:
        submitter = next((s for s in subs if s.role == SubmitterRole.LEAD.value), subs[0] if subs else None)
    answering = co.answering
    sent = list(Reply.select().where(Reply.assignment.in_([a.id for a in answering] or [0])
                                     & (Reply.status == ReplyStatus.SENT.value) & (Reply.round == co.round))
                .order_by(Reply.id))
    latest: dict[int, Any] = {}
    for r in sent:
        latest[r.assignment_id] = r
    feedback = None
    if submitter is not None:
        feedback = Feedback.get_or_none((Feedback.item == co.item.id) & (Feedback.submitter == submitter.id)
                                        & (Feedback.round == co.round))
    ratings = [(r.value, label(r)) for r in (Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.DISSATISFIED)]
    replied = [r.sent_on for r in latest.values() if r.sent_on]
    kind_suffix = person_suffix(item.kind)
    due = f"最迟于{cn_date(co.window_due)}" if co.window_due else "在收到答复后按规定期限"
    return {
        "title": f"{noun(item.kind)}办理情况征询意见表",
        "session_name": item.session.name,
        "number": item.number,
        "item_title": item.title,
        "submitter_label": kind_suffix,
        "submitter": submitter.name if submitter else "",
        "units": "、".join(a.unit.name for a in answering),
        "replied_on": cn_date(max(replied)) if replied else "",
        "result_class": "/".join(latest[a.id].result_class for a in answering if a.id in latest),
        "feedback_due": cn_date(co.window_due),
        "work_boxes": _boxes(ratings, feedback.work if feedback else None),
        "result_boxes": _boxes(ratings, feedback.result if feedback else None),
        "adoption_boxes": _boxes([(a.value, label(a)) for a in Adoption], feedback.adoption if feedback else None),
        "contacted_boxes": _boxes([(True, "是"), (False, "否")], feedback.contacted if feedback else None),
        "method_boxes": _boxes([(m.value, label(m)) for m in ContactMethod],
                               feedback.contact_method if feedback else None),
        "comment": feedback.comment if feedback else "",
        "note": (f"请{kind_suffix}{due}填写本表并反馈{issuer()}；"
                 "也可登录系统在线评价。逾期未反馈的，视为未表态。"),
    }


def feedback_form_docx(item: Item, **kw: Any) -> bytes:
    return render_docx("feedback_form", feedback_form_context(item, **kw))


# --- 催办通知 / 督办通知 ------------------------------------------------------------------------


def _owed(a: Assignment) -> tuple[str, dt.date]:
    """(what the unit owes, its due date)."""
    if a.role == HandlingRole.CO.value and a.co_opinion_due:
        return "提交会办意见", a.co_opinion_due
    if a.status == AssignmentStatus.PENDING_RECEIPT.value and a.receipt_due < a.current_due:
        return "签收并答复", a.current_due
    return "答复", a.current_due


def urge_notice_context(a: Assignment, *, today: dt.date | None = None, contact: str = "") -> dict[str, Any]:
    today = today or clock.today()
    item = a.item
    act, due = _owed(a)
    days = (today - due).days
    state = (f"截至{cn_date(today)}，已超过期限{days}天，尚未{act}。" if days > 0
             else f"截至{cn_date(today)}，距期限还有{-days}天，尚未{act}。" if days < 0
             else f"今天（{cn_date(today)}）是办理期限的最后一天，尚未{act}。")
    return {
        "issuer": issuer(),
        "title": "催办通知",
        "unit_name": a.unit.name,
        "paragraphs": [
            f"你单位{label(HandlingRole(a.role))}的{_item_title(item)}《{item.title}》，"
            f"交办日期为{cn_date(a.assigned_on)}，{act}期限为{cn_date(due)}。{state}",
            f"请抓紧办理，按时{act}，并及时在系统中更新办理进展。如有困难，请及时与我们联系。",
        ],
        "date": cn_date(today),
        "contact": contact,
    }


def urge_notice_docx(a: Assignment, **kw: Any) -> bytes:
    return render_docx("urge_notice", urge_notice_context(a, **kw))


def red_slip_leader(item: Item, unit: Any) -> tuple[str, User | None]:
    """Whom a red slip goes to (as the sweep sends it, DOMAIN §10): the item's leading city leader
    (领办市领导), else the unit's city leader in charge (分管市领导) while active; None when nobody
    is named."""
    if item.leader_id and item.leader:
        return "领办市领导", item.leader
    leader = unit.city_leader if unit.city_leader_id else None
    return "分管市领导", leader if leader is not None and leader.active else None


def supervision_notice_context(slip: Any) -> dict[str, Any]:
    """督办通知 for a slip (blue/orange/red); the heading takes the slip's colour."""
    color = slip.color if slip.color in SLIP_COLORS else SlipColor.BLUE.value
    a = slip.assignment
    item = a.item
    act, due = _owed(a)
    days = max(0, (slip.issued_on - due).days)
    heading = RichText(f"督办通知（{label(SlipColor(color))}）", color=SLIP_COLORS[color], bold=True,
                       size=44, font="宋体")
    body = [f"你单位{label(HandlingRole(a.role))}的{_item_title(item)}《{item.title}》，{act}期限为{cn_date(due)}，"
            f"截至{cn_date(slip.issued_on)}已超过期限{days}天，尚未{act}。"]
    if slip.reason and slip.key is None:  # the office's own words; an automatic slip's reason is
        body.append(slip.reason)          # the reminder rule's name, for the slip list, not the letter
    requirement = SLIP_REQUIREMENTS[color]
    copy_to = ""
    if color == SlipColor.RED.value:
        title, leader = red_slip_leader(item, a.unit)
        copy_to = f"{title}{leader.display if leader else ''}"
        requirement = requirement.replace("分管市领导", title)
    body.append(requirement)
    return {
        "issuer": issuer(),
        "heading": heading,
        "slip_number": f"{slip.issued_on.year}-{slip.id:04d}",
        "unit_name": a.unit.name,
        "paragraphs": body,
        "number": item.number,
        "item_title": item.title,
        "role": label(HandlingRole(a.role)),
        "assigned_on": cn_date(a.assigned_on),
        "due": cn_date(due),
        "days_overdue": f"{days} 天",
        "requirement": requirement,
        "date": cn_date(slip.issued_on),
        "copy_to": copy_to,
        "color": color,
    }


def supervision_notice_docx(slip: Any) -> bytes:
    """督办通知 for a blue/orange/red slip; a manual 催办 slip gives the 催办通知 of its day."""
    if slip.color not in SLIP_COLORS:
        return urge_notice_docx(slip.assignment, today=slip.issued_on)
    return render_docx("supervision_notice", supervision_notice_context(slip))


# --- 申退申请 / 延期申请 ------------------------------------------------------------------------


def _requester_contact(user: User | None, a: Assignment) -> tuple[str, str]:
    if user is not None:
        return user.display, user.phone or a.handler_phone
    return (a.handler.display if a.handler_id and a.handler else ""), a.handler_phone


def return_request_context(rr: ReturnRequest) -> dict[str, Any]:
    a = rr.assignment
    item = a.item
    name, phone = _requester_contact(rr.requested_by, a)
    return {
        "issuer": issuer(),
        "unit_name": a.unit.name,
        "title": f"关于申请退回{_item_title(item)}的函",
        "intro": (f"{cn_date(a.assigned_on)}交由我单位{label(HandlingRole(a.role))}的{_item_title(item)}"
                  f"《{item.title}》，经研究，不属于我单位职责范围，现申请退回，理由如下："),
        "paragraphs": paragraphs(rr.reason) + ["请予审核。"],
        "date": cn_date(clock.local_date(rr.requested_at)),
        "contact_name": name,
        "contact_phone": phone,
    }


def return_request_docx(rr: ReturnRequest) -> bytes:
    return render_docx("return_request", return_request_context(rr))


def extension_request_context(er: ExtensionRequest) -> dict[str, Any]:
    a = er.assignment
    item = a.item
    name, phone = _requester_contact(er.requested_by, a)
    return {
        "issuer": issuer(),
        "unit_name": a.unit.name,
        "title": f"关于{_item_title(item)}延期答复的申请",
        "intro": (f"我单位{label(HandlingRole(a.role))}的{_item_title(item)}《{item.title}》，答复期限为"
                  f"{cn_date(er.old_due)}。因以下原因，申请延期至{cn_date(er.requested_due)}答复："),
        "paragraphs": paragraphs(er.reason) + ["请予审批。"],
        "date": cn_date(clock.local_date(er.requested_at)),
        "contact_name": name,
        "contact_phone": phone,
    }


def extension_request_docx(er: ExtensionRequest) -> bytes:
    return render_docx("extension_request", extension_request_context(er))


# --- 调度通报 ----------------------------------------------------------------------------------


def _rate(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    return str(value)


def _slips(value: Any) -> str:
    if isinstance(value, Mapping):
        parts = [f"{label(SlipColor(c))}{int(value.get(c) or 0)}" for c in (s.value for s in SlipColor)
                 if value.get(c)]
        return "、".join(parts) or "—"
    return str(value) if value not in (None, "") else "—"


def dispatch_context(report_data: Mapping[str, Any]) -> dict[str, Any]:
    """The template context from ``report_data`` (see :func:`render_dispatch_docx`)."""
    day = report_data.get("date")
    if isinstance(day, dt.date):
        day = cn_date(day)
    units = []
    for index, row in enumerate(report_data.get("units") or [], start=1):
        units.append({
            "rank": row.get("rank", index),
            "unit": row.get("unit", ""),
            "assigned": row.get("assigned", 0),
            "received": row.get("received", 0),
            "replied": row.get("replied", 0),
            "overdue": row.get("overdue", 0),
            "reply_rate": _rate(row.get("reply_rate")),
            "slips": _slips(row.get("slips")),
        })
    return {
        "issuer": report_data.get("issuer") or issuer(),
        "title": report_data.get("title") or "建议提案办理工作调度通报",
        "subtitle": report_data.get("subtitle", ""),
        "summary": [str(p) for p in report_data.get("summary") or []],
        "rows": units,
        "notes": [str(p) for p in report_data.get("notes") or []],
        "date": day or cn_date(clock.today()),
    }


def render_dispatch_docx(report_data: Mapping[str, Any]) -> bytes:
    """定期调度通报 as .docx. ``report_data``::

        {"title": "…调度通报" (optional), "subtitle": "…" (optional), "date": date or text,
         "summary": ["paragraph", …], "notes": ["paragraph", …] (optional),
         "units": [{"rank", "unit", "assigned", "received", "replied", "overdue",
                    "reply_rate": 0.85 (or text), "slips": {"blue": 1, "red": 0} (or text)}, …]}

    Units are listed in the order given (rank defaults to the position).
    """
    return render_docx("dispatch_report", dispatch_context(report_data))
