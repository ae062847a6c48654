"""Handling record: progress, contacts, co opinions, extensions, leader instructions (services)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment, ExtensionRequest
from tracker.audit.models import AuditEntry
from tracker.core.enums import AssignmentStatus, Role
from tracker.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tracker.handling import services as handling
from tracker.handling.models import Contact, CoOpinion, ProgressNote
from tracker.items import instructions
from tracker.items.models import Instruction
from tracker.reminders.models import Notification

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int = 10):
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


@pytest.fixture()
def lc(f):
    """A lead+co item, both units signed for it."""

    class S:
        pass

    s = S()
    s.office = f.office()
    s.item = f.item()
    s.lead_unit, s.co_unit, s.other_unit = f.unit("市住房和城乡建设局"), f.unit("市财政局"), f.unit("市教育局")
    s.handler = f.user(Role.UNIT_HANDLER, s.lead_unit)
    s.leader = f.user(Role.UNIT_LEADER, s.lead_unit)
    s.co_handler = f.user(Role.UNIT_HANDLER, s.co_unit)
    s.outsider = f.user(Role.UNIT_HANDLER, s.other_unit)
    s.lead = f.assign(s.item, s.lead_unit, role="lead", handler=s.handler)
    s.co = f.assign(s.item, s.co_unit, role="co", handler=s.co_handler)
    assignments.receive(s.lead, actor=s.handler)
    assignments.receive(s.co, actor=s.co_handler)
    return s


def fresh(a: Assignment) -> Assignment:
    return Assignment.get_by_id(a.id)


# --- progress and contacts ------------------------------------------------------------------


def test_progress_note_is_recorded_on_the_timeline(lc):
    note = handling.record_progress(lc.lead, actor=lc.handler, text="已赴现场调研，形成初步方案")
    assert ProgressNote.get_by_id(note.id).text == "已赴现场调研，形成初步方案"
    entry = AuditEntry.get(AuditEntry.action == "progress")
    assert entry.item_id == lc.item.id and "已赴现场调研" in entry.detail


def test_progress_needs_text_and_the_own_unit(lc):
    with pytest.raises(ValidationFailed) as exc:
        handling.record_progress(lc.lead, actor=lc.handler, text="   ")
    assert exc.value.fields == {"text": "请填写办理进展"}
    with pytest.raises(PermissionDenied):
        handling.record_progress(lc.lead, actor=lc.outsider, text="x")
    with pytest.raises(PermissionDenied):
        handling.record_progress(lc.lead, actor=lc.office, text="x")
    assert ProgressNote.select().count() == 0


def test_progress_before_receipt_is_refused(f, lc):
    unit = f.unit()
    handler = f.user(Role.UNIT_HANDLER, unit)
    item = f.item()
    a = f.assign(item, unit, role="sole", handler=handler)
    with pytest.raises(Conflict, match="请先签收"):
        handling.record_progress(a, actor=handler, text="进展")


def test_first_contact_sets_first_contact_on_and_logs_contact(lc):
    today = lc.lead.assigned_on
    c = handling.record_contact(lc.lead, actor=lc.handler, stage="before", method="meeting",
                                contact_on=today, summary="与张代表当面沟通办理思路", participants="张代表、王科长")
    assert Contact.get_by_id(c.id).participants == "张代表、王科长"
    assert fresh(lc.lead).first_contact_on == today
    entry = AuditEntry.get(AuditEntry.action == "contact")
    assert "办前沟通（见面" in entry.detail and entry.after["stage"] == "before"


def test_the_same_note_or_contact_resent_at_once_is_not_saved_twice(lc):
    from tracker.core.errors import Conflict
    from tracker.handling.models import Contact, ProgressNote

    start = lc.lead.assigned_on
    moment = at(start + dt.timedelta(days=5))
    contact = {"stage": "during", "method": "phone", "contact_on": start + dt.timedelta(days=4),
               "summary": "电话通报进展"}
    with time_machine.travel(moment, tick=False):
        handling.record_progress(lc.lead, actor=lc.handler, text="已召开协调会")
        handling.record_contact(lc.lead, actor=lc.handler, **contact)
        with pytest.raises(Conflict, match="刚刚已记录过相同的办理进展，未重复保存"):
            handling.record_progress(lc.lead, actor=lc.handler, text="已召开协调会")
        with pytest.raises(Conflict, match="刚刚已登记过相同的沟通记录，未重复保存"):
            handling.record_contact(lc.lead, actor=lc.handler, **contact)
        handling.record_contact(lc.lead, actor=lc.handler, **{**contact, "summary": "再次电话沟通"})  # news
    assert ProgressNote.select().count() == 1 and Contact.select().count() == 2
    with time_machine.travel(moment + dt.timedelta(hours=2), tick=False):  # later the same words are news
        handling.record_progress(lc.lead, actor=lc.handler, text="已召开协调会")
    assert ProgressNote.select().count() == 2


def test_a_later_contact_keeps_the_first_date(lc):
    start = lc.lead.assigned_on
    with time_machine.travel(at(start + dt.timedelta(days=5)), tick=False):
        handling.record_contact(lc.lead, actor=lc.handler, stage="before", method="phone",
                                contact_on=start + dt.timedelta(days=2), summary="电话沟通")
        handling.record_contact(lc.lead, actor=lc.handler, stage="during", method="visit",
                                contact_on=start + dt.timedelta(days=4), summary="走访")
    assert fresh(lc.lead).first_contact_on == start + dt.timedelta(days=2)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"stage": "later"}, "stage", "请选择沟通阶段（办前、办中或办后）"),
        ({"method": "fax"}, "method", "请选择沟通方式"),
        ({"contact_on": None}, "contact_on", "请填写沟通日期"),
        ({"summary": ""}, "summary", "请填写沟通情况摘要"),
    ],
)
def test_contact_validation(lc, changes, field, message):
    data = {"stage": "before", "method": "phone", "contact_on": lc.lead.assigned_on, "summary": "电话沟通"}
    data.update(changes)
    with pytest.raises(ValidationFailed) as exc:
        handling.record_contact(lc.lead, actor=lc.handler, **data)
    assert exc.value.fields[field] == message
    assert Contact.select().count() == 0
    assert fresh(lc.lead).first_contact_on is None


def test_an_after_reply_contact_follows_a_sent_reply(lc):
    from tests.closeout_support import send_reply

    today = lc.lead.assigned_on
    data = {"stage": "after", "method": "phone", "contact_on": today, "summary": "答复后回访"}
    for a, user in ((lc.lead, lc.handler), (lc.co, lc.co_handler)):
        with pytest.raises(ValidationFailed) as exc:
            handling.record_contact(fresh(a), actor=user, today=today, **data)
        assert exc.value.fields == {"stage": "尚未发送答复，不能登记办后沟通（答复发送后再登记）"}
    with time_machine.travel(dt.datetime.combine(today + dt.timedelta(days=20), dt.time(10)), tick=False):
        sent_on = today + dt.timedelta(days=14)
        send_reply(fresh(lc.lead), sent_on=sent_on)
        later = sent_on + dt.timedelta(days=3)
        with pytest.raises(ValidationFailed) as exc:
            handling.record_contact(fresh(lc.lead), actor=lc.handler,
                                    **{**data, "contact_on": sent_on - dt.timedelta(days=1)})
        assert exc.value.fields == {"contact_on": f"办后沟通日期不能早于答复发送日期 {sent_on.isoformat()}"}
        assert Contact.select().count() == 0
        handling.record_contact(fresh(lc.lead), actor=lc.handler, **{**data, "contact_on": later})
        # a co unit follows the lead unit's reply
        handling.record_contact(fresh(lc.co), actor=lc.co_handler, **{**data, "contact_on": sent_on})
    assert Contact.select().where(Contact.stage == "after").count() == 2


def test_contact_date_not_in_future_nor_before_assignment(lc):
    today = lc.lead.assigned_on
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        handling.record_contact(lc.lead, actor=lc.handler, stage="before", method="phone",
                                contact_on=today + dt.timedelta(days=1), summary="x", today=today)
    with pytest.raises(ValidationFailed, match="不能早于交办日期"):
        handling.record_contact(lc.lead, actor=lc.handler, stage="before", method="phone",
                                contact_on=today - dt.timedelta(days=1), summary="x", today=today)


# --- co opinions ----------------------------------------------------------------------------


def test_co_opinion_goes_to_the_lead(lc):
    handling.submit_co_opinion(lc.co, actor=lc.co_handler, text="建议从专项资金中安排补助")
    co = fresh(lc.co)
    assert co.status == AssignmentStatus.OPINION_SUBMITTED.value
    assert co.opinion_submitted_on == co.assigned_on
    titles = [n.title for n in Notification.select().where(Notification.user == lc.handler.id)]
    assert any(t.startswith("会办意见") for t in titles)
    assert not Notification.select().where(
        (Notification.user == lc.outsider.id) & (Notification.title.startswith("会办意见"))).exists()
    rows = handling.co_opinion_rows(lc.item)
    assert [r["opinion"].text for r in rows] == ["建议从专项资金中安排补助"] and rows[0]["late_days"] == 0


def test_co_opinion_may_be_revised_and_keeps_first_date(lc):
    handling.submit_co_opinion(lc.co, actor=lc.co_handler, text="初步意见")
    first = fresh(lc.co).opinion_submitted_on
    later = first + dt.timedelta(days=3)
    with time_machine.travel(at(later), tick=False):
        handling.submit_co_opinion(fresh(lc.co), actor=lc.co_handler, text="修改后的意见")
    assert fresh(lc.co).opinion_submitted_on == first
    rows = handling.co_opinion_rows(lc.item)
    assert [r["current"] for r in rows] == [False, True]
    last = AuditEntry.select().where(AuditEntry.action == "co_opinion").order_by(AuditEntry.id.desc()).first()
    assert "修改会办意见" in last.detail


def test_late_co_opinion_shows_days_overdue(lc):
    due = lc.co.co_opinion_due
    with time_machine.travel(at(due + dt.timedelta(days=4)), tick=False):
        handling.submit_co_opinion(lc.co, actor=lc.co_handler, text="迟交的意见")
    rows = handling.co_opinion_rows(lc.item)
    assert rows[0]["late_days"] == 4
    assert "逾期 4 天" in AuditEntry.get(AuditEntry.action == "co_opinion").detail


def test_an_opinion_sent_on_time_and_revised_after_the_due_date_is_not_shown_late(lc):
    """Timeliness is the first submission's (as the ledger, statistics and assessment count it):
    a revision after the due date does not turn an on-time opinion into 逾期 for the lead."""
    handling.submit_co_opinion(lc.co, actor=lc.co_handler, text="初步意见")
    due = fresh(lc.co).co_opinion_due
    with time_machine.travel(at(due + dt.timedelta(days=10)), tick=False):
        handling.submit_co_opinion(fresh(lc.co), actor=lc.co_handler, text="补充完善后的意见")
    rows = handling.co_opinion_rows(lc.item)
    assert [(r["current"], r["late_days"]) for r in rows] == [(False, 0), (True, 0)]
    last = AuditEntry.select().where(AuditEntry.action == "co_opinion").order_by(AuditEntry.id.desc()).first()
    assert "修改会办意见" in last.detail and "逾期" not in last.detail
    told = Notification.select().where((Notification.user == lc.handler.id)
                                       & Notification.title.startswith("会办意见")).order_by(Notification.id.desc()).first()
    assert "修改会办意见" in told.body and "逾期" not in told.body


def test_a_late_opinion_revised_stays_late_by_its_first_date(lc):
    due = lc.co.co_opinion_due
    with time_machine.travel(at(due + dt.timedelta(days=2)), tick=False):
        handling.submit_co_opinion(lc.co, actor=lc.co_handler, text="迟交的意见")
    with time_machine.travel(at(due + dt.timedelta(days=9)), tick=False):
        handling.submit_co_opinion(fresh(lc.co), actor=lc.co_handler, text="再次修改的意见")
    assert [r["late_days"] for r in handling.co_opinion_rows(lc.item)] == [2, 2]


def test_only_co_units_give_opinions(lc):
    with pytest.raises(PermissionDenied):
        handling.submit_co_opinion(lc.lead, actor=lc.handler, text="x")
    with pytest.raises(PermissionDenied):
        handling.submit_co_opinion(lc.co, actor=lc.handler, text="x")
    with pytest.raises(ValidationFailed):
        handling.submit_co_opinion(lc.co, actor=lc.co_handler, text="")
    assert CoOpinion.select().count() == 0
    assert fresh(lc.co).status == AssignmentStatus.HANDLING.value


# --- extensions -----------------------------------------------------------------------------


def test_extension_approved_sets_extended_due_and_keeps_reply_due(lc):
    a = fresh(lc.lead)
    new_due = a.reply_due + dt.timedelta(days=30)
    req = handling.request_extension(a, actor=lc.handler, requested_due=new_due, reason="涉及多部门协调")
    assert req.old_due == a.reply_due and req.status == "pending"
    assert AuditEntry.get(AuditEntry.action == "extension_requested").unit_id == lc.lead_unit.id
    assert Notification.select().where(Notification.user == lc.office.id).exists()
    handling.decide_extension(req, actor=lc.office, approve=True)
    a2 = fresh(lc.lead)
    assert a2.extended_due == new_due and a2.current_due == new_due and a2.reply_due == a.reply_due
    assert ExtensionRequest.get_by_id(req.id).status == "approved"
    entry = AuditEntry.get(AuditEntry.action == "extension_decided")
    assert entry.before["current_due"] == a.reply_due.isoformat() and entry.after["extended_due"] == new_due.isoformat()


def test_extension_rejected_needs_a_reason_and_changes_nothing(lc):
    a = fresh(lc.lead)
    req = handling.request_extension(a, actor=lc.handler, requested_due=a.reply_due + dt.timedelta(days=10),
                                     reason="需要更多时间")
    with pytest.raises(ValidationFailed) as exc:
        handling.decide_extension(req, actor=lc.office, approve=False, reason=" ")
    assert exc.value.fields == {"reason": "驳回延期申请须填写理由"}
    assert ExtensionRequest.get_by_id(req.id).status == "pending"
    handling.decide_extension(ExtensionRequest.get_by_id(req.id), actor=lc.office, approve=False,
                              reason="可在期限内完成")
    a2 = fresh(lc.lead)
    assert a2.extended_due is None and a2.current_due == a.reply_due
    with pytest.raises(Conflict, match="已审核"):
        handling.decide_extension(ExtensionRequest.get_by_id(req.id), actor=lc.office, approve=True)


def test_extension_beyond_the_cap_is_refused(lc):
    a = fresh(lc.lead)
    with pytest.raises(ValidationFailed) as exc:
        handling.request_extension(a, actor=lc.handler, requested_due=a.reply_due_max + dt.timedelta(days=1),
                                   reason="x")
    assert "不得超过最长办理期限" in exc.value.fields["requested_due"]
    assert ExtensionRequest.select().count() == 0


def test_extension_must_be_later_than_current_due(lc):
    a = fresh(lc.lead)
    with pytest.raises(ValidationFailed, match="必须晚于当前答复期限"):
        handling.request_extension(a, actor=lc.handler, requested_due=a.reply_due, reason="x")


def test_extension_requested_too_late(lc):
    a = fresh(lc.lead)
    with time_machine.travel(at(a.reply_due - dt.timedelta(days=1)), tick=False):
        with pytest.raises(ValidationFailed) as exc:
            handling.request_extension(a, actor=lc.handler, requested_due=a.reply_due + dt.timedelta(days=20),
                                       reason="x")
    assert "现已超过申请时限" in exc.value.fields["requested_due"]


def test_extension_rules_of_who(lc):
    a = fresh(lc.lead)
    new_due = a.reply_due + dt.timedelta(days=10)
    with pytest.raises(PermissionDenied):
        handling.request_extension(fresh(lc.co), actor=lc.co_handler, requested_due=new_due, reason="x")
    with pytest.raises(PermissionDenied):
        handling.request_extension(a, actor=lc.outsider, requested_due=new_due, reason="x")
    req = handling.request_extension(a, actor=lc.handler, requested_due=new_due, reason="x")
    with pytest.raises(Conflict, match="待审核的延期申请"):
        handling.request_extension(a, actor=lc.handler, requested_due=new_due, reason="x")
    with pytest.raises(PermissionDenied):
        handling.decide_extension(req, actor=lc.leader, approve=True)
    with pytest.raises(NotFound):
        handling.get_extension_request_for(lc.outsider, req.id)
    assert [r.id for r in handling.pending_extensions()] == [req.id]


# --- leader instructions --------------------------------------------------------------------


def test_leader_instruction_notifies_the_units(f, lc):
    city_leader = f.user(Role.LEADER)
    ins = instructions.add_instruction(lc.item, actor=city_leader, text="请市住建局牵头，月底前拿出方案")
    assert Instruction.get_by_id(ins.id).author_id == city_leader.id
    entry = AuditEntry.get(AuditEntry.action == "instruction")
    assert entry.item_id == lc.item.id and "月底前拿出方案" in entry.detail
    for user in (lc.handler, lc.leader, lc.co_handler):
        assert Notification.select().where((Notification.user == user.id)
                                           & (Notification.title.startswith("领导批示"))).exists()
    assert not Notification.select().where(Notification.user == lc.outsider.id).exists()
    assert [i.text for i in instructions.instructions_of(lc.item)] == ["请市住建局牵头，月底前拿出方案"]


def test_only_city_leaders_instruct(lc):
    for user in (lc.office, lc.handler, lc.leader):
        with pytest.raises(PermissionDenied):
            instructions.add_instruction(lc.item, actor=user, text="x")
    assert Instruction.select().count() == 0


# --- a request left undecided ---------------------------------------------------------------


def test_an_undecided_extension_lapses_when_the_reply_goes_out_and_cannot_move_a_later_round(f):
    from tests.closeout_support import replied_item
    from tracker.replies import services as replies

    s = replied_item(send=False)  # a department item: the leader's sign-off sends it
    a = fresh(s.assignment)
    req = handling.request_extension(a, actor=s.handler, requested_due=a.reply_due + dt.timedelta(days=60),
                                     reason="需要更多时间")
    reply = replies.draft_reply(a, actor=s.handler, result_class="A", text="已解决。", submit=True)
    assert replies.sign_off(reply, actor=s.leader).status == "sent"
    lapsed = ExtensionRequest.get_by_id(req.id)
    assert (lapsed.status, lapsed.decision_note) == ("lapsed", "答复已发送")
    assert list(handling.pending_extensions()) == []  # off the office's desk
    entry = AuditEntry.get(AuditEntry.action == "extension_lapsed")
    assert entry.unit_id == s.unit.id and "未经审核，已失效" in entry.detail
    with pytest.raises(Conflict, match="已审核"):
        handling.decide_extension(lapsed, actor=s.office, approve=True)
    assert fresh(s.assignment).extended_due is None


def test_an_extension_asked_against_a_due_date_that_changed_cannot_be_approved(lc):
    a = fresh(lc.lead)
    req = handling.request_extension(a, actor=lc.handler, requested_due=a.reply_due + dt.timedelta(days=30),
                                     reason="需要更多时间")
    moved = a.reply_due + dt.timedelta(days=7)  # e.g. the office set another date meanwhile
    Assignment.update(reply_due=moved, current_due=moved).where(Assignment.id == a.id).execute()
    with pytest.raises(Conflict) as exc:
        handling.decide_extension(ExtensionRequest.get_by_id(req.id), actor=lc.office, approve=True)
    assert exc.value.code == "stale_request" and "请驳回后由承办单位按现期限重新申请" in str(exc.value)
    assert fresh(lc.lead).extended_due is None
    handling.decide_extension(ExtensionRequest.get_by_id(req.id), actor=lc.office, approve=False, reason="期限已调整")
    assert ExtensionRequest.get_by_id(req.id).status == "rejected"


def test_an_undecided_extension_lapses_when_the_return_is_approved(lc):
    a = fresh(lc.lead)
    req = handling.request_extension(a, actor=lc.handler, requested_due=a.reply_due + dt.timedelta(days=30),
                                     reason="需要更多时间")
    ret = assignments.request_return(fresh(lc.lead), actor=lc.handler, reason="不属于本单位职责")
    assignments.decide_return(ret, actor=lc.office, approve=True)
    assert ExtensionRequest.get_by_id(req.id).status == "lapsed"
    assert ExtensionRequest.get_by_id(req.id).decision_note == "承办任务已退回"
