"""Hand-made records for the ledger, export and document tests: one item handled from start
to finish with every ledger column filled, written straight to the tables (so the expected
values are known exactly), plus small helpers for overdue and due-soon items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tests import factories as f
from tracker.assignments.models import Assignment, ReturnRequest
from tracker.core import clock
from tracker.core.enums import Role
from tracker.handling.models import Contact, CoOpinion, ProgressNote
from tracker.items.models import Item, Submitter
from tracker.replies.models import Commitment, Feedback, Reply

TODAY = dt.date(2026, 7, 1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A local (Asia/Shanghai) time on ``day`` as an aware UTC instant."""
    return dt.datetime.combine(day, dt.time(hour), clock.LOCAL_TZ).astimezone(dt.UTC)


@dataclass
class Handled:
    session: Any
    item: Any
    lead: Any
    co: Any
    reply: Any
    lead_unit: Any
    co_unit: Any
    handler: Any
    unit_leader: Any
    city_leader: Any
    commitment: Any
    submitters: list


def handled_item(*, number: str = "12", title: str = "关于发展社区嵌入式养老服务的建议") -> Handled:
    """A leader-led lead+co suggestion: received, a rejected return request from the co unit,
    co opinion, extension, two contacts, a sent A-class reply (published), one open
    commitment, feedback from two of its three submitters, a progress note."""
    session = f.session(name="市十七届人大四次会议", year=2026)
    lead_unit = f.unit("市民政局", short="民政局")
    co_unit = f.unit("市商务局", short="商务局")
    handler = f.user(Role.UNIT_HANDLER, lead_unit, name="李经办", phone="0571-87001234")
    unit_leader = f.user(Role.UNIT_LEADER, lead_unit, name="王局长")
    co_handler = f.user(Role.UNIT_HANDLER, co_unit, name="陈会办", phone="13900000002")
    f.user(Role.UNIT_LEADER, co_unit, name="孙副局长")
    city_leader = f.user(Role.LEADER, name="赵市长")
    item = f.item(session=session, number=number, title=title, tier="leader_led", leader_id=city_leader.id,
                  category="社会", is_key=True, note="列入年度重点督办",
                  submitters=[{"name": "王丽", "role": "lead"}, {"name": "张敏", "role": "co"},
                              {"name": "周斌", "role": "co"}])
    assigned = dt.date(2026, 3, 2)
    lead = f.assign(item, lead_unit, role="lead", handler=handler, assigned_on=assigned,
                    responsible_leader="王局长")
    co = f.assign(item, co_unit, role="co", handler=co_handler, assigned_on=assigned,
                  responsible_leader="孙副局长")
    ReturnRequest.create(assignment=co, reason="不属于本单位职责", status="rejected",
                         requested_at=at(dt.date(2026, 3, 4)), requested_by=co_handler.id,
                         decided_at=at(dt.date(2026, 3, 6)), decided_by=f.office().id,
                         decision_note="属于职责范围")
    Assignment.update(status="opinion_submitted", received_at=at(dt.date(2026, 3, 3), 9),
                      opinion_submitted_on=dt.date(2026, 3, 20)).where(Assignment.id == co.id).execute()
    CoOpinion.create(assignment=co, text="建议在商业综合体中配建养老服务设施。\n同意主办单位意见。",
                     author=co_handler.id, submitted_on=dt.date(2026, 3, 20), created_at=at(dt.date(2026, 3, 20)))
    Contact.create(assignment=lead, stage="before", method="phone", contact_on=dt.date(2026, 3, 10),
                   summary="了解诉求", author=handler.id, created_at=at(dt.date(2026, 3, 10)))
    Contact.create(assignment=lead, stage="after", method="meeting", contact_on=dt.date(2026, 6, 10),
                   summary="当面沟通答复内容", author=handler.id, created_at=at(dt.date(2026, 6, 10)))
    ProgressNote.create(assignment=lead, text="已完成选址调研", author=handler.id, created_at=at(dt.date(2026, 4, 1)))
    ProgressNote.create(assignment=lead, text="已制定建设方案并报市政府", author=handler.id,
                        created_at=at(dt.date(2026, 5, 8)))
    reply = Reply.create(assignment=lead, round=1, status="sent", result_class="A",
                         text="王丽代表：\n您提出的建议收悉，现答复如下。\n一、已新建社区养老服务站 3 个。",
                         contact_name="李经办", contact_phone="0571-87001234", publish="full",
                         doc_number="民函〔2026〕12号", created_by=handler.id, created_at=at(dt.date(2026, 6, 1)),
                         updated_at=at(dt.date(2026, 6, 15)), signed_off_by=unit_leader.id,
                         signed_off_at=at(dt.date(2026, 6, 12)), sent_at=at(dt.date(2026, 6, 15)),
                         sent_on=dt.date(2026, 6, 15), published_on=dt.date(2026, 6, 20))
    Assignment.update(status="replied", received_at=at(dt.date(2026, 3, 3), 10), replied_on=dt.date(2026, 6, 15),
                      first_contact_on=dt.date(2026, 3, 10), extended_due=dt.date(2026, 6, 30),
                      current_due=dt.date(2026, 6, 30)).where(Assignment.id == lead.id).execute()
    commitment = Commitment.create(reply=reply, assignment=lead, text="年底前再建社区养老服务站 5 个",
                                   due_on=dt.date(2026, 12, 31), status="open")
    subs = list(Submitter.select().where(Submitter.item == item.id).order_by(Submitter.position))
    Feedback.create(item=item, submitter=subs[0], round=1, work="satisfied", result="satisfied",
                    adoption="adopted", contacted=True, contact_method="meeting", comment="满意",
                    source="online", created_at=at(dt.date(2026, 6, 20)))
    Feedback.create(item=item, submitter=subs[1], round=1, work="basically_satisfied", result="satisfied",
                    adoption="partly_adopted", contacted=True, contact_method="phone", source="paper",
                    created_at=at(dt.date(2026, 6, 22)))
    Item.update(status="follow_up").where(Item.id == item.id).execute()
    return Handled(session=session, item=Item.get_by_id(item.id), lead=Assignment.get_by_id(lead.id),
                   co=Assignment.get_by_id(co.id), reply=Reply.get_by_id(reply.id), lead_unit=lead_unit,
                   co_unit=co_unit, handler=handler, unit_leader=unit_leader, city_leader=city_leader,
                   commitment=commitment, submitters=subs)


EXPECTED_FULL_ROW = {
    "seq": 1,
    "kind": "人大代表建议",
    "session": "市十七届人大四次会议",
    "number": "12",
    "title": "关于发展社区嵌入式养老服务的建议",
    "lead_submitter": "王丽",
    "co_submitter_count": 2,
    "category": "社会",
    "nature": "重点",
    "tier": "市领导领办",
    "leader": "赵市长",
    "mode": "主办+会办",
    "lead_units": "市民政局",
    "co_units": "市商务局",
    "responsible_leaders": "王局长",
    "handlers": "李经办",
    "phones": "0571-87001234",
    "assigned_on": dt.date(2026, 3, 2),
    "received_on": dt.date(2026, 3, 3),
    "returns": "市商务局 2026-03-04 申退，已驳回（属于职责范围）",
    "co_opinions": "市商务局：要求 {co_due}，实际 2026-03-20",
    "reply_due": None,  # filled in by the test from the assignment (computed by the rule profile)
    "extended_due": dt.date(2026, 6, 30),
    "contacts": "办前电话 2026-03-10、办后见面 2026-06-10",
    "replied_on": dt.date(2026, 6, 15),
    "doc_numbers": "民函〔2026〕12号",
    "result_class": "A",
    "adoption": "采纳、部分采纳",
    "commitments": "年底前再建社区养老服务站 5 个（2026-12-31前，未兑现）",
    "satisfaction_work": "满意 1、基本满意 1",
    "satisfaction_result": "满意 2",
    "rehandling": "",
    "publication": "全文公开（2026-06-20）",
    "progress": "承诺 1 项，已兑现 0 项；2026-05-08 已制定建设方案并报市政府",
    "closeout": "未销号",
    "note": "列入年度重点督办",
}


def owing_item(session: Any, unit: Any, *, number: str, reply_due: dt.date, title: str = "关于改善交通的建议",
               assigned_on: dt.date = dt.date(2026, 3, 2)) -> Any:
    """An item assigned (sole) and not yet replied, whose current due date is ``reply_due``."""
    item = f.item(session=session, number=number, title=title)
    a = f.assign(item, unit, role="sole", assigned_on=assigned_on)
    Assignment.update(status="handling", current_due=reply_due).where(Assignment.id == a.id).execute()
    return Item.get_by_id(item.id)
