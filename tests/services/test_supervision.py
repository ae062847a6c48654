"""三书一函 on the shared machinery: a 检察建议书 from registration to close-out, step by step, and
the rules each step keeps (the written deadline, objections, rectification, close-out, ledger,
import). Times are named moments in Asia/Shanghai, travelled to with time_machine."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import openpyxl
import pytest
import time_machine

from tests.xlsx import sheet_bytes
from tracker.assignments import deadlines
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.enums import ObjectionStatus, Role
from tracker.core.errors import Conflict, InvalidTransition, PermissionDenied, StaleVersion, ValidationFailed
from tracker.items.models import Item
from tracker.reminders.models import Notification, Reminder, Slip
from tracker.reminders.sweep import sweep
from tracker.replies import closeout
from tracker.replies import services as replies
from tracker.rules import services as rules
from tracker.supervision import ledger
from tracker.supervision import rules as sv_rules
from tracker.supervision import services as supervision
from tracker.supervision.importing import parse_date, parse_documents
from tracker.supervision.imports import import_documents
from tracker.supervision.models import Objection, Rectification, SupervisionDoc

ASSIGNED = dt.date(2026, 3, 2)  # a Monday
WRITTEN = dt.date(2026, 4, 30)  # the deadline written in the document (the rule would give 05-06)


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A local (Asia/Shanghai) moment as an aware UTC instant."""
    return dt.datetime.combine(day, dt.time(hour, minute), clock.LOCAL_TZ).astimezone(dt.UTC)


@pytest.fixture()
def w(f):
    unit = f.unit("市教育局")
    other = f.unit("市市场监管局")
    return SimpleNamespace(
        unit=unit, other=other,
        handler=f.user(Role.UNIT_HANDLER, unit, name="李经办"),
        leader=f.user(Role.UNIT_LEADER, unit, name="王局长"),
        other_handler=f.user(Role.UNIT_HANDLER, other, name="周经办"),
        office=f.user(Role.OFFICE, name="赵督查"),
        session=f.session(body="other", name="2026年三书一函"),
    )


def register(w, *, kind="procuratorial_suggestion", number="沪检建〔2026〕3号", written_due=WRITTEN, **kw):
    data = {"title": "关于加强校外培训机构消防安全管理的检察建议", "issuing_body": "市人民检察院",
            "issue_date": dt.date(2026, 2, 27), "case_name": "某培训机构重大责任事故案",
            "case_code": "（2025）沪0101刑初123号", "sectors": "校外培训、消防安全",
            "content": "建议开展校外培训机构消防安全专项排查整治。"}
    if kind == "supervisory_suggestion":
        data["case_code"] = ""
    data.update(kw)
    return supervision.register_document(actor=w.office, kind=kind, session_id=w.session.id, number=number,
                                         written_due=written_due, **data)


def assign(w, item, *, on=ASSIGNED, unit=None, handler=None, **kw):
    return assignments.assign(item, actor=w.office, unit_id=(unit or w.unit).id, role="sole",
                              task="调查核实并整改，按期书面回复", responsible_leader="王局长",
                              handler_id=(handler or w.handler).id, assigned_on=on, **kw)


def fresh(obj):
    return type(obj).get_by_id(obj.id)


def reminder_keys(a) -> set[str]:
    return {r.rule_key for r in Reminder.select().where(Reminder.assignment == a.id)}


def send_reply(w, a) -> None:
    """The reply (回复/整改情况报告) through the shared pipeline: draft, sign-off, office review."""
    reply = replies.draft_reply(a, actor=w.handler, result_class="A", submit=True,
                                text="经调查核实，我局已完成全市校外培训机构消防安全排查，现将整改情况回复如下……")
    assert reply.status == "awaiting_sign_off"
    replies.sign_off(reply, actor=w.leader)
    assert reply.status == "awaiting_office_review"  # the office always reviews a 三书一函's reply
    replies.review(reply, actor=w.office)
    assert reply.status == "sent"


# --- the whole story ---------------------------------------------------------------------------


def test_a_procuratorial_suggestion_from_registration_to_close_out(w):
    # 1. The office registers a 检察建议书 whose text sets a reply deadline.
    with time_machine.travel(at(ASSIGNED), tick=False):
        item = register(w)
    doc = SupervisionDoc.get(SupervisionDoc.item == item.id)
    assert (item.kind, item.number, item.status) == ("procuratorial_suggestion", "沪检建〔2026〕3号", "registered")
    assert (doc.issuing_body, doc.case_code, doc.written_due) == ("市人民检察院", "（2025）沪0101刑初123号", WRITTEN)
    assert list(item.submitters) == []  # the issuing body has no account: no submitters, no feedback

    # 2. It is assigned: the written date wins over the profile's default and says why.
    with time_machine.travel(at(ASSIGNED, 10), tick=False):
        a = assign(w, item)
    rule_default = deadlines.add_period(ASSIGNED, deadlines.DEFAULT_CLOCKS["reply_procuratorial"],
                                        rules.work_calendar()).due
    assert rule_default == dt.date(2026, 5, 6)  # 2 months → 05-02, a holiday: rolled forward
    assert a.reply_due == WRITTEN and a.current_due == WRITTEN and not a.reply_due_set_by_office
    why = assignments.explain_dates(a)["reply_due"]
    assert "文书载明的期限 2026-04-30" in why and "优先于规则默认期限" in why
    with time_machine.travel(at(ASSIGNED, 11), tick=False):
        sweep()
    assert "assigned" in reminder_keys(a)

    # 3. Not signed for by its receipt date: the sweep sends 催签 on that day, once.
    with time_machine.travel(at(a.receipt_due, 8), tick=False):
        sweep()
        sweep()
    assert Reminder.select().where((Reminder.assignment == a.id) & (Reminder.rule_key == "receipt_overdue")).count() == 1
    assert Notification.select().where((Notification.user == w.handler.id)
                                       & Notification.title.startswith("催签")).count() == 1
    with time_machine.travel(at(a.receipt_due, 10), tick=False):
        assignments.receive(fresh(a), actor=w.handler)

    # 4. The unit objects; the office is told, and close-out waits for the decision.
    with time_machine.travel(at(dt.date(2026, 3, 5)), tick=False):
        objection = supervision.raise_objection(fresh(a), actor=w.handler, reason="建议所涉培训机构不属于我局监管范围")
    assert objection.status == "pending"
    assert Notification.select().where((Notification.user == w.office.id)
                                       & Notification.title.startswith("异议待登记决定")).exists()
    unmet = closeout.conditions(fresh(item))
    assert "市教育局提出的异议尚待登记制发机关的决定" in unmet
    assert "市教育局尚未登记整改情况" in unmet and "市教育局尚未发送答复" in unmet

    # 5. The issuing body dismisses it; the office records that and handling continues.
    with time_machine.travel(at(dt.date(2026, 3, 10)), tick=False):
        supervision.decide_objection(fresh(objection), actor=w.office, decision="dismissed",
                                     issuer_decision="经复核，维持原检察建议（复函：沪检复〔2026〕1号）")
    assert fresh(objection).status == "dismissed" and fresh(objection).decided_by_id == w.office.id
    assert fresh(item).status == "in_progress" and fresh(a).current_due == WRITTEN
    assert Notification.select().where((Notification.user == w.handler.id)
                                       & Notification.title.startswith("异议不成立")).exists()

    # 6. Early warnings fire on schedule, counted back from the written date.
    with time_machine.travel(at(dt.date(2026, 3, 30)), tick=False):
        sweep()
    assert "reply_due_30" not in reminder_keys(a)
    with time_machine.travel(at(dt.date(2026, 3, 31)), tick=False):
        sweep()
    warning = Reminder.get((Reminder.assignment == a.id) & (Reminder.rule_key == "reply_due_30"))
    assert warning.due_on == WRITTEN
    with time_machine.travel(at(dt.date(2026, 4, 15)), tick=False):
        sweep()
    assert {"reply_due_30", "reply_due_15"} <= reminder_keys(a)

    # 7. The unit reports its rectification: measures, sector-wide governance, long-term mechanism.
    with time_machine.travel(at(dt.date(2026, 4, 20)), tick=False):
        rect = supervision.record_rectification(
            fresh(a), actor=w.handler, measures="排查校外培训机构 312 家，整改隐患 57 处",
            sector_governance=True, sector_governance_note="在全市教育系统开展消防安全专项治理",
            long_term_mechanism=True, long_term_mechanism_note="建立校外培训机构消防安全季度检查制度")
    assert (rect.sector_governance, rect.long_term_mechanism) == (True, True)
    assert "市教育局尚未登记整改情况" not in closeout.conditions(fresh(item))

    # 8. It replies through the shared pipeline: sign-off, office review, sent.
    with time_machine.travel(at(dt.date(2026, 4, 22)), tick=False):
        send_reply(w, fresh(a))
    a = fresh(a)
    assert (a.status, a.replied_on) == ("replied", dt.date(2026, 4, 22))
    assert fresh(item).status == "replied"  # no submitter feedback: never "evaluated"

    # 9. Nothing more fires: no overdue slips, no feedback window reminders.
    for day in (dt.date(2026, 5, 6), dt.date(2026, 5, 20), dt.date(2026, 6, 1)):
        with time_machine.travel(at(day), tick=False):
            sweep()
    # the generic schedule, nothing kind-specific: no contact was recorded 20 days before the date
    assert reminder_keys(a) == {"assigned", "receipt_overdue", "reply_due_30", "reply_due_15", "no_contact"}
    assert not Slip.select().where(Slip.assignment == a.id).exists()
    # ... worded for a document from the procuratorate, not for deputies and members
    no_contact = (Notification.select().join(Reminder, on=(Notification.reminder == Reminder.id))
                  .where((Reminder.assignment == a.id) & (Reminder.rule_key == "no_contact")).first())
    assert "尚未记录与制发机关的沟通" in no_contact.body and "代表委员" not in no_contact.body

    # 10. The office closes it out through the shared close-out.
    with time_machine.travel(at(dt.date(2026, 6, 2)), tick=False):
        assert closeout.conditions(fresh(item)) == []
        closeout.close_item(fresh(item), actor=w.office, note="整改到位，已回复市人民检察院")
    assert fresh(item).status == "closed"
    types = [e.action for e in AuditEntry.select().where(AuditEntry.item_id == item.id).order_by(AuditEntry.id)]
    for expected in ("registered", "document_registered", "assigned", "received", "objection_raised",
                     "objection_decided", "rectification_recorded", "reply_sent", "closed"):
        assert expected in types
    assert types.index("objection_raised") < types.index("objection_decided") < types.index("reply_sent")

    # 11. Its ledger row says it all.
    row = next(ledger.iter_rows(ledger.Filters(session_id=w.session.id)))
    assert row["kind"] == "检察建议书" and row["issuing_body"] == "市人民检察院"
    assert row["number"] == "沪检建〔2026〕3号" and row["case_code"] == "（2025）沪0101刑初123号"
    assert (row["assigned_on"], row["reply_due"], row["replied_on"]) == (ASSIGNED, WRITTEN, dt.date(2026, 4, 22))
    assert row["objections"].startswith("异议不成立")
    assert row["sector_governance"] == "是：在全市教育系统开展消防安全专项治理"
    assert row["long_term_mechanism"] == "是：建立校外培训机构消防安全季度检查制度"
    assert (row["status"], row["closed_on"], row["_flag"]) == ("已销号", dt.date(2026, 6, 2), None)


# --- deadlines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "expected", "amount"), [
    ("procuratorial_suggestion", dt.date(2026, 5, 6), "2 个月"),  # 05-02 is in the Labour Day holiday
    ("judicial_suggestion", dt.date(2026, 5, 6), "2 个月"),
    ("supervisory_suggestion", dt.date(2026, 4, 2), "1 个月"),
    ("police_notice", dt.date(2026, 4, 2), "1 个月"),
])
def test_without_a_written_deadline_each_kind_uses_its_own_profile_clock(w, kind, expected, amount):
    with time_machine.travel(at(ASSIGNED), tick=False):
        a = assign(w, register(w, kind=kind, written_due=None))
    assert a.reply_due == expected
    why = assignments.explain_dates(a)["reply_due"]
    assert f"按 {amount.replace(' 个月', '')} 个月计算" in why and "文书载明" not in why


def test_the_reply_clock_of_a_kind_is_a_profile_setting(w):
    profile = rules.default_profile()
    clocks = rules.clocks_from_json(profile.clocks)
    clocks["reply_police"] = deadlines.Clock(15, deadlines.PeriodUnit.WORKING_DAY)
    rules.update_profile(profile, clocks=clocks, roll_forward=True, review_department_replies=False,
                         checklist_blocks_closeout=False, actor=w.office)
    with time_machine.travel(at(ASSIGNED), tick=False):
        a = assign(w, register(w, kind="police_notice", written_due=None))
        suggestion = assignments.assign(
            Item.get_by_id(_suggestion(w).id), actor=w.office, unit_id=w.unit.id, role="sole", task="办理",
            responsible_leader="王局长", handler_id=w.handler.id, assigned_on=ASSIGNED)
    assert a.reply_due == deadlines.add_working_days(ASSIGNED, 15, rules.work_calendar())
    assert suggestion.reply_due == dt.date(2026, 6, 2)  # suggestions keep the 3-month reply clock
    assert deadlines.reply_clock_key("police_notice") == "reply_police"
    assert deadlines.reply_clock_key("suggestion") == "reply"


def _suggestion(w):
    from tests import factories

    return factories.item(actor=w.office)


def test_a_written_deadline_beyond_the_cap_is_kept_and_becomes_the_cap(w):
    with time_machine.travel(at(ASSIGNED), tick=False):
        a = assign(w, register(w, written_due=dt.date(2026, 12, 31)))
    assert a.reply_due == a.reply_due_max == dt.date(2026, 12, 31)
    assert "文书载明的期限 2026-12-31" in assignments.explain_dates(a)["reply_due_max"]


def test_a_written_deadline_before_the_assignment_must_be_replaced_by_the_office(w):
    with time_machine.travel(at(dt.date(2026, 5, 11)), tick=False):
        item = register(w, written_due=dt.date(2026, 5, 8))
        with pytest.raises(ValidationFailed) as exc:
            assign(w, item, on=dt.date(2026, 5, 11))
        assert exc.value.fields["reply_due"] == "文书载明的期限 2026-05-08 早于交办日期 2026-05-11，请指定答复期限"
        assert not Assignment.select().exists()
        a = assign(w, item, on=dt.date(2026, 5, 11), reply_due=dt.date(2026, 5, 29))
    assert a.reply_due == dt.date(2026, 5, 29) and a.reply_due_set_by_office


def test_changing_the_written_deadline_moves_the_open_assignment_and_tells_the_unit(w):
    with time_machine.travel(at(ASSIGNED), tick=False):
        item = register(w)
        a = assign(w, item)
        supervision.edit_document(fresh(item), actor=w.office, written_due=dt.date(2026, 5, 15))
    a = fresh(a)
    assert a.reply_due == a.current_due == dt.date(2026, 5, 15)
    assert Notification.select().where((Notification.user == w.handler.id)
                                       & (Notification.title == "办理期限已调整")).exists()
    entry = AuditEntry.get(AuditEntry.action == "document_edited")
    assert entry.before == {"written_due": "2026-04-30"} and entry.after == {"written_due": "2026-05-15"}


def test_an_overdue_document_gets_the_blue_and_orange_slips_on_schedule(w):
    due = dt.date(2026, 6, 10)  # a Wednesday; 06-19 is the Dragon Boat Festival
    with time_machine.travel(at(ASSIGNED), tick=False):
        a = assign(w, register(w, kind="police_notice", number="公提〔2026〕8号", written_due=due))
        assignments.receive(fresh(a), actor=w.handler)
    with time_machine.travel(at(dt.date(2026, 6, 10), 20), tick=False):
        sweep()
    assert not Slip.select().where(Slip.assignment == a.id).exists()
    with time_machine.travel(at(dt.date(2026, 6, 11)), tick=False):
        sweep()
    assert [s.color for s in Slip.select().where(Slip.assignment == a.id)] == ["blue"]
    with time_machine.travel(at(dt.date(2026, 6, 17)), tick=False):
        sweep()
    assert sorted(s.color for s in Slip.select().where(Slip.assignment == a.id)) == ["blue", "orange"]
    row = next(ledger.iter_rows(ledger.Filters(), today=dt.date(2026, 6, 17)))
    assert row["_flag"] == "overdue" and row["kind"] == "公安提示函"


# --- registration ------------------------------------------------------------------------------


def test_registration_reports_every_problem_at_once_and_writes_nothing(w):
    with pytest.raises(ValidationFailed) as exc:
        supervision.register_document(actor=w.office, kind="supervisory_suggestion", session_id=w.session.id,
                                      number="", title="", issuing_body="", issue_date=None,
                                      case_code="（2026）沪01刑终1号")
    fields = exc.value.fields
    assert fields["number"] == "请填写文书编号"
    assert fields["title"] == "请填写标题"
    assert fields["issuing_body"] == "请填写制发机关"
    assert fields["issue_date"] == "请填写制发日期"
    assert fields["case_code"] == "监察建议书没有案号，请勿填写"
    assert not Item.select().exists() and not SupervisionDoc.select().exists()


def test_registration_refuses_a_duplicate_number_a_future_date_and_a_deadline_before_issue(w):
    with time_machine.travel(at(ASSIGNED), tick=False):
        register(w)
        with pytest.raises(ValidationFailed) as exc:
            register(w, issue_date=dt.date(2026, 3, 9), written_due=dt.date(2026, 3, 1))
    fields = exc.value.fields
    assert fields["number"] == "该会次已有文书编号为“沪检建〔2026〕3号”的检察建议书，不能重复登记"
    assert fields["issue_date"] == "制发日期 2026-03-09 不能晚于今天"
    assert fields["written_due"] == "文书载明的答复期限 2026-03-01 不能早于制发日期 2026-03-09"
    assert Item.select().count() == 1


def test_only_the_office_registers_and_a_suggestion_kind_is_not_a_document(w):
    with pytest.raises(PermissionDenied):
        supervision.register_document(actor=w.handler, kind="police_notice", session_id=w.session.id,
                                      number="1", title="x", issuing_body="市公安局", issue_date=ASSIGNED)
    with pytest.raises(ValidationFailed) as exc:
        supervision.register_document(actor=w.office, kind="suggestion", session_id=w.session.id,
                                      number="1", title="x", issuing_body="市公安局", issue_date=ASSIGNED)
    assert exc.value.fields["kind"].startswith("请选择文书类别")
    assert not Item.select().exists()


# --- objections ----------------------------------------------------------------------------------


@pytest.fixture()
def handling(w):
    with time_machine.travel(at(ASSIGNED), tick=False):
        item = register(w)
        a = assign(w, item)
    return item, a


def test_an_objection_needs_receipt_a_reason_and_the_own_unit(w, handling):
    item, a = handling
    with pytest.raises(Conflict, match="请先签收，再提出异议"):
        supervision.raise_objection(a, actor=w.handler, reason="不属于我局职责")
    assignments.receive(fresh(a), actor=w.handler)
    with pytest.raises(ValidationFailed, match="请填写异议理由"):
        supervision.raise_objection(fresh(a), actor=w.handler, reason="  ")
    with pytest.raises(PermissionDenied, match="只有承办该文书的单位可以提出异议"):
        supervision.raise_objection(fresh(a), actor=w.other_handler, reason="不属于我局职责")
    with pytest.raises(PermissionDenied):
        supervision.raise_objection(fresh(a), actor=w.office, reason="不属于我局职责")
    assert not Objection.select().exists()
    supervision.raise_objection(fresh(a), actor=w.handler, reason="不属于我局职责")
    with pytest.raises(Conflict, match="已对该文书提出过异议（待制发机关决定），不能重复提出"):
        supervision.raise_objection(fresh(a), actor=w.leader, reason="再次异议")
    assert Objection.select().count() == 1


def test_an_objection_on_a_suggestion_is_refused(w, f):
    item = f.item(actor=w.office)
    a = f.assign(item, w.unit, handler=w.handler, actor=w.office)
    assignments.receive(a, actor=w.handler)
    with pytest.raises(Conflict, match="该件不是三书一函"):
        supervision.raise_objection(fresh(a), actor=w.handler, reason="异议")


def test_an_upheld_objection_withdraws_the_item_and_stops_the_reminders(w, handling):
    item, a = handling
    assignments.receive(fresh(a), actor=w.handler)
    objection = supervision.raise_objection(fresh(a), actor=w.handler, reason="不属于我局职责")
    with pytest.raises(ValidationFailed) as exc:
        supervision.decide_objection(objection, actor=w.office, decision="maybe", issuer_decision="")
    assert exc.value.fields == {"decision": "请选择制发机关的决定：异议成立或异议不成立",
                                "issuer_decision": "请填写制发机关的决定内容"}
    with pytest.raises(PermissionDenied):
        supervision.decide_objection(objection, actor=w.handler, decision="upheld", issuer_decision="撤回")
    assert fresh(objection).status == "pending"
    supervision.decide_objection(objection, actor=w.office, decision="upheld",
                                 issuer_decision="经复核，该建议应向市市场监管局提出，予以撤回")
    item = fresh(item)
    assert item.status == "withdrawn" and item.is_read_only
    assert fresh(a).status == "done"  # the unit's part ends: its inbox no longer lists it as open
    entry = AuditEntry.get(AuditEntry.action == "withdrawn")
    assert entry.detail == "制发机关采纳异议，撤回检察建议书：经复核，该建议应向市市场监管局提出，予以撤回"
    with pytest.raises(InvalidTransition, match="该异议已有决定（异议成立），不能再次登记"):
        sv_rules.objection_next(ObjectionStatus.UPHELD, "dismissed")
    with time_machine.travel(at(dt.date(2026, 5, 8)), tick=False):  # long past the written date
        sweep()
    assert not Slip.select().exists()
    assert closeout.conditions(item) == ["该件已撤回，无需销号"]


def test_a_stale_decision_is_refused(w, handling):
    item, a = handling
    assignments.receive(fresh(a), actor=w.handler)
    objection = supervision.raise_objection(fresh(a), actor=w.handler, reason="不属于我局职责")
    stale = fresh(objection)
    supervision.decide_objection(objection, actor=w.office, decision="dismissed", issuer_decision="维持")
    with pytest.raises((StaleVersion, InvalidTransition)):
        supervision.decide_objection(stale, actor=w.office, decision="upheld", issuer_decision="撤回",
                                     version=stale.version)
    assert fresh(objection).status == "dismissed" and fresh(item).status == "in_progress"


# --- rectification -------------------------------------------------------------------------------


def test_rectification_needs_measures_and_says_what_each_yes_was(w, handling):
    item, a = handling
    with pytest.raises(Conflict, match="请先签收，再登记整改情况"):
        supervision.record_rectification(a, actor=w.handler, measures="已整改")
    assignments.receive(fresh(a), actor=w.handler)
    with pytest.raises(ValidationFailed) as exc:
        supervision.record_rectification(fresh(a), actor=w.handler, measures="", sector_governance=True,
                                         long_term_mechanism=True)
    assert exc.value.fields == {
        "measures": "请填写整改措施",
        "sector_governance_note": "已开展系统治理（行业治理）的，请说明开展情况",
        "long_term_mechanism_note": "已建立长效机制的，请写明机制名称或内容",
    }
    with pytest.raises(PermissionDenied, match="只有承办该文书的单位可以登记整改情况"):
        supervision.record_rectification(fresh(a), actor=w.other_handler, measures="已整改")
    assert not Rectification.select().exists()
    first = supervision.record_rectification(fresh(a), actor=w.handler, measures="已整改",
                                             long_term_mechanism_note="不会保存：未建立")
    assert (first.long_term_mechanism, first.long_term_mechanism_note) == (False, "")
    updated = supervision.record_rectification(fresh(a), actor=w.leader, measures="已整改并复查",
                                               version=first.version)
    assert (updated.measures, updated.version, updated.updated_by_id) == ("已整改并复查", 2, w.leader.id)
    with pytest.raises(StaleVersion):
        supervision.record_rectification(fresh(a), actor=w.handler, measures="覆盖", version=first.version)
    assert Rectification.get().measures == "已整改并复查"
    assert [e.action for e in AuditEntry.select().where(AuditEntry.action.startswith("rectification"))
            .order_by(AuditEntry.id)] == ["rectification_recorded", "rectification_updated"]


def test_close_out_waits_for_rectification_and_the_decision_but_not_for_feedback(w, handling):
    item, a = handling
    assignments.receive(fresh(a), actor=w.handler)
    send_reply(w, fresh(a))
    assert closeout.conditions(fresh(item)) == ["市教育局尚未登记整改情况"]
    with pytest.raises(Conflict) as exc:
        closeout.close_item(fresh(item), actor=w.office)
    assert exc.value.details == ["市教育局尚未登记整改情况"]
    supervision.record_rectification(fresh(a), actor=w.handler, measures="已整改")
    co = closeout.closeout_for(fresh(item))
    assert co.conditions == [] and co.raters == [] and co.checklist == []
    closeout.close_item(fresh(item), actor=w.office)
    assert fresh(item).status == "closed"


def test_an_item_of_a_document_kind_without_its_fields_cannot_close_until_they_are_added(w, f):
    item = f.item(actor=w.office, kind="police_notice", session=w.session)  # registered on the generic form
    a = f.assign(item, w.unit, handler=w.handler, actor=w.office)
    assignments.receive(a, actor=w.handler)
    assert "尚未登记文书信息（制发机关、制发日期等）" in closeout.conditions(fresh(item))
    supervision.edit_document(fresh(item), actor=w.office, issuing_body="市公安局", issue_date=ASSIGNED)
    assert "尚未登记文书信息（制发机关、制发日期等）" not in closeout.conditions(fresh(item))


# --- statistics ---------------------------------------------------------------------------------


def test_the_generic_statistics_count_a_kind(w, handling):
    from tracker.ledger import stats
    from tracker.ledger.stats_queries import StatsFilter, load_facts

    item, a = handling
    assignments.receive(fresh(a), actor=w.handler)
    send_reply(w, fresh(a))
    overall = stats.summary(load_facts(StatsFilter(kind="procuratorial_suggestion")), clock.today())["overall"]
    assert (overall["assigned"], overall["replied"], overall["reply_rate"]) == (1, 1, 1.0)
    other = stats.summary(load_facts(StatsFilter(kind="police_notice")), clock.today())["overall"]
    assert (other["assigned"], other["reply_rate"]) == (0, None)


# --- ledger -------------------------------------------------------------------------------------


def test_the_ledger_workbook_has_its_own_columns_dates_and_colours(w, handling, tmp_path):
    item, a = handling
    path = tmp_path / "ledger.xlsx"
    with time_machine.travel(at(dt.date(2026, 5, 6)), tick=False):  # overdue: not even signed for
        count = ledger.write_workbook(path, ledger.Filters())
    assert count == 1
    book = openpyxl.load_workbook(path)
    sheet = book["三书一函台账"]
    assert [c.value for c in sheet[1]] == ledger.HEADERS
    assert ledger.HEADERS == ["序号", "文书类别", "制发机关", "文书编号", "制发日期", "案件名称", "案号", "涉及领域",
                              "主要内容", "承办单位", "经办人", "联系电话", "交办日期", "签收日期", "回复期限",
                              "延期至", "异议情况", "整改措施", "系统治理", "长效机制", "回复日期", "办理状态",
                              "销号日期", "备注"]
    assert sheet.freeze_panes == "E2"
    values = {h: c for h, c in zip(ledger.HEADERS, sheet[2], strict=True)}
    assert values["制发日期"].value == dt.datetime(2026, 2, 27) and values["制发日期"].number_format == "yyyy-mm-dd"
    assert values["回复期限"].value == dt.datetime(2026, 4, 30)
    assert values["文书编号"].value == "沪检建〔2026〕3号" and values["经办人"].value == "李经办"
    assert values["异议情况"].value == "无" and values["系统治理"].value is None
    assert values["序号"].fill.fgColor.rgb.endswith("FFC7CE")  # overdue red


def test_the_ledger_export_command_writes_this_ledger_for_a_session_of_documents(w, handling, runner, tmp_path):
    path = tmp_path / "out.xlsx"
    result = runner.invoke(args=["ledger", "export", "--session", str(w.session.id), "--output", str(path)])
    assert result.exit_code == 0, result.output
    assert "已导出三书一函台账 1 行" in result.output
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]][:4] == ["序号", "文书类别", "制发机关", "文书编号"]
    by_kind = tmp_path / "by-kind.xlsx"
    result = runner.invoke(args=["ledger", "export", "--kind", "procuratorial_suggestion", "--output", str(by_kind)])
    assert result.exit_code == 0 and "三书一函台账 1 行" in result.output


def test_the_ledger_query_count_does_not_grow_with_rows(w):
    from playhouse.test_utils import count_queries

    with time_machine.travel(at(ASSIGNED), tick=False):
        for n in range(3):
            assign(w, register(w, number=f"检建{n}"))
    with count_queries() as small:
        list(ledger.iter_rows(ledger.Filters(), limit=1))
    with count_queries() as big:
        list(ledger.iter_rows(ledger.Filters()))
    assert big.count == small.count


# --- import -------------------------------------------------------------------------------------



HEADER = ["序号", "文书类别", "文书编号", "事由", "制发机关", "制发日期", "案件名称", "案号", "涉及领域", "主要内容",
          "回复期限", "承办单位"]


def test_import_maps_document_columns_and_is_all_or_nothing(w):
    assert w.leader and w.handler  # the unit has a leader and a handler: rows are assigned
    data = sheet_bytes([
        ["2026年三书一函清单"],
        HEADER,
        [1, "检察建议书", "沪检建〔2026〕5号", "关于规范网约车管理的检察建议", "市人民检察院", dt.datetime(2026, 2, 10),
         "某网约车平台案", "（2025）沪01行初9号", "交通运输", "建议加强监管", "2026-04-10", "市教育局"],
        [2, "监察建议", "沪监建〔2026〕1号", "关于加强公务用车管理的监察建议", "市监察委员会", "2026年2月12日",
         "", "", "公务用车", "", "", "市教育局"],
    ])
    with time_machine.travel(at(ASSIGNED), tick=False):
        preview = import_documents(data, w.session.id, actor=w.office, dry_run=True)
        assert preview.ok and preview.importable == 2 and not Item.select().exists()
        report = import_documents(data, w.session.id, actor=w.office)
    assert report.imported == 2
    docs = {d.item.number: d for d in SupervisionDoc.select()}
    first = docs["沪检建〔2026〕5号"]
    assert (first.item.kind, first.case_code, first.written_due) == ("procuratorial_suggestion", "（2025）沪01行初9号",
                                                                     dt.date(2026, 4, 10))
    assert docs["沪监建〔2026〕1号"].issue_date == dt.date(2026, 2, 12)
    a = Assignment.get(Assignment.item == first.item_id)
    assert (a.reply_due, a.role) == (dt.date(2026, 4, 10), "sole")
    again = import_documents(data, w.session.id, actor=w.office)
    assert again.imported == 0 and again.skipped == [3, 4]


def test_import_reports_each_rows_problems_in_chinese_and_writes_nothing(w):
    data = sheet_bytes([
        HEADER,
        [1, "检察建议书", "沪检建〔2026〕6号", "标题", "市人民检察院", "2026-02-10", "", "", "", "", "", "市教育局"],
        [2, "表扬信", "X1", "标题", "市人民检察院", "2026/2/10", "", "", "", "", "", ""],
        [3, "监察建议书", "X2", "标题", "", "昨天", "", "（2026）1号", "", "", "2026-01-01", "不存在的局"],
    ])
    report = import_documents(data, w.session.id, actor=w.office)
    assert not report.ok and report.imported == 0 and not Item.select().exists()
    messages = [m for _n, m in report.problems]
    assert "第 3 行：文书类别“表扬信”无法识别（可填：司法建议书、检察建议书、监察建议书、公安提示函）" in messages
    assert "第 4 行：制发机关为空" in messages
    assert "第 4 行：制发日期“昨天”无法识别（应为 2026-03-05 这样的日期）" in messages
    assert "第 4 行：监察建议书没有案号，请清空“案号”列或核对文书类别" in messages
    assert "第 4 行：承办单位“不存在的局”不存在" in messages


def test_the_parser_finds_the_header_and_reads_dates_in_common_shapes():
    assert parse_date("2026年3月5日") == (dt.date(2026, 3, 5), True)
    assert parse_date("2026.3.5") == (dt.date(2026, 3, 5), True)
    assert parse_date(dt.datetime(2026, 3, 5, 0, 0)) == (dt.date(2026, 3, 5), True)
    assert parse_date("三月") == (None, False)
    result = parse_documents([["无关的标题行"], ["文号", "标题", "制发机关", "发文日期", "类别"],
                              ["检建1", "标题一", "区检察院", "2026-01-05", "检察建议"],
                              ["制表：张三"]], default_kind=None)
    assert result.ok and result.header_row == 2
    assert [(r.kind, r.number, r.issuing_body) for r in result.rows] == [("procuratorial_suggestion", "检建1", "区检察院")]
