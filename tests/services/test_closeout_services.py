"""Feedback, re-handling, commitments, the 3+1 checklist, close-out, merging and reconciliation."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.closeout_support import replied_item, send_reply, submitter_account
from tests.xlsx import sheet_bytes
from tracker.assignments import deadlines
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.enums import AssignmentStatus, ItemStatus, Role
from tracker.core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from tracker.handling import services as handling
from tracker.items import merging
from tracker.items import services as items
from tracker.items.models import Item
from tracker.replies import closeout
from tracker.replies.checklist import (
    ChecklistFacts,
    CloseoutFacts,
    OpenCommitment,
    UnitReply,
    closeout_conditions,
    closeout_warnings,
    evaluate_checklist,
    unmet_conditions,
)
from tracker.replies.models import Commitment, Feedback
from tracker.rules import services as rules
from tracker.rules.models import RuleProfile

SAT = {"work": "satisfied", "result": "satisfied", "adoption": "adopted"}
BAD = {"work": "satisfied", "result": "dissatisfied", "adoption": "not_adopted", "comment": "问题没有解决"}


def audit_types(item_id: int) -> list[str]:
    return [e.action for e in AuditEntry.select().where(AuditEntry.item_id == item_id).order_by(AuditEntry.id)]


# --- pure rules -----------------------------------------------------------------------------

ENTRIES = [("contact_before", "办前沟通"), ("contact_during", "办中沟通"), ("contact_after", "办后沟通"),
           ("commitments_kept", "承诺兑现"), ("face_to_face", "当面沟通"), ("leader_instruction", "领导批示"),
           ("something_new", "新要求")]


def test_checklist_evaluation_from_plain_facts():
    facts = ChecklistFacts(contact_stages=frozenset({"before", "after"}), face_to_face=False,
                           commitments_total=2, commitments_kept=1, commitments_carried=1)
    results = {r.requirement: r for r in evaluate_checklist(ENTRIES, facts)}
    assert results["contact_before"].met and results["contact_after"].met
    assert results["contact_during"].met is False
    assert results["commitments_kept"].met is False
    assert results["commitments_kept"].note == "1 项未兑现（其中 1 项已结转下年）"
    assert results["face_to_face"].met is False  # only phone calls: no 见面
    assert results["leader_instruction"].met is False
    assert results["something_new"].met is None  # unknown: judged by a person, not counted missing
    met = evaluate_checklist(ENTRIES[:6], ChecklistFacts(
        contact_stages=frozenset({"before", "during", "after"}), face_to_face=True,
        has_instruction=True))
    assert all(r.met for r in met)
    assert met[3].note == "答复无承诺事项"
    unsent = {r.requirement: r for r in evaluate_checklist(ENTRIES, ChecklistFacts(reply_sent=False))}
    assert unsent["commitments_kept"].met is False and unsent["commitments_kept"].note == "尚未发送答复"


def test_closeout_conditions_lists_exactly_what_is_missing():
    facts = CloseoutFacts(
        status="in_progress",
        answering=(UnitReply("市住建局", True), UnitReply("市交通局", False),
                   UnitReply("市水务局", False, rehandling=True, round=2)),
        round=2, raters=("张代表", "李代表", "王代表"), rated=frozenset({"张代表"}),
        window_due=dt.date(2026, 6, 1), dissatisfied_unresolved=("张代表",),
        open_commitments=(OpenCommitment("年底前完成加装电梯 30 部", "市住建局", dt.date(2026, 12, 31)),),
        checklist_missing=("办中沟通",), checklist_blocks=True,
    )
    assert closeout_conditions(facts) == [
        "市交通局尚未发送答复",
        "市水务局正在重新办理，尚未发送第 2 轮答复",
        "尚未收到李代表、王代表对第 2 轮答复的反馈意见（征询期至 2026-06-01，逾期记为未表态）",
        "张代表对答复不满意，尚未重新办理，也未由交办单位作出处理决定",
        "承诺事项“年底前完成加装电梯 30 部”（市住建局，2026-12-31 到期）尚未兑现或结转",
        "“3+1”清单未完成：办中沟通",
    ]
    assert [kind for kind, _text in unmet_conditions(facts)] == [
        "reply", "reply", "feedback", "dissatisfied", "commitment", "checklist"]
    assert unmet_conditions(CloseoutFacts(status="registered", extra=("督办函未答复",))) == [
        ("unassigned", "尚未交办承办单位"), ("other", "督办函未答复")]
    assert unmet_conditions(CloseoutFacts(status="merged", merged_into="第12号"))[0][0] == "state"
    assert closeout_warnings(facts) == []
    relaxed = CloseoutFacts(status="evaluated", answering=(UnitReply("市住建局", True),), raters=("张代表",),
                            rated=frozenset({"张代表"}), checklist_missing=("办后沟通",))
    assert closeout_conditions(relaxed) == []
    assert closeout_warnings(relaxed) == ["“3+1”清单未完成：办后沟通（按规则配置不影响销号）"]
    assert closeout_conditions(CloseoutFacts(status="registered")) == ["尚未交办承办单位"]
    # the window ran out: silence counts as 未表态 (recorded at close-out)
    over = CloseoutFacts(status="replied", answering=(UnitReply("市住建局", True),), raters=("张代表",),
                         window_due=dt.date(2026, 6, 1), window_over=True)
    assert closeout_conditions(over) == []
    assert closeout_conditions(CloseoutFacts(status="merged", merged_into="第12号")) == [
        "该件已并入第12号，随主件办理，不单独销号"]


# --- feedback -------------------------------------------------------------------------------


def test_feedback_only_after_the_reply_is_sent(f):
    s = replied_item(send=False)
    _, user = s.people["张代表"]
    with pytest.raises(Conflict, match="答复尚未发送，暂不能评价"):
        closeout.give_feedback(s.item, actor=user, **SAT)
    assert Feedback.select().count() == 0


def test_a_separate_items_feedback_opens_once_every_unit_has_replied(f, client, login_as):
    """分办: each unit replies; the rating is given on the item, so it waits for every reply."""
    person, user = submitter_account("张代表")
    item = f.item(submitters=[{"name": "张代表", "role": "lead", "person_id": person.id}])
    first, second = f.unit("市生态环境局"), f.unit("经开区管委会")
    a1 = f.assign(item, first, role="separate", handler=f.user(Role.UNIT_HANDLER, first))
    a2 = f.assign(item, second, role="separate", handler=f.user(Role.UNIT_HANDLER, second))
    for a in (a1, a2):
        assignments.receive(a, actor=a.handler)
    send_reply(a1)
    with pytest.raises(Conflict, match="经开区管委会尚未发送答复，各承办单位答复后方可评价"):
        closeout.give_feedback(Item.get_by_id(item.id), actor=user, **SAT)
    login_as(user)
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert "经开区管委会尚未发送答复；各承办单位答复后，提出人方可评价。" in page
    assert 'name="fb-work"' not in page and "评价本轮答复" not in page
    assert Feedback.select().count() == 0
    send_reply(a2)
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert "尚未发送答复；各承办单位" not in page
    fb = closeout.give_feedback(Item.get_by_id(item.id), actor=user, **SAT)
    assert fb.round == 1 and Item.get_by_id(item.id).status == ItemStatus.EVALUATED.value


def test_online_feedback_by_the_submitter(f):
    s = replied_item()
    _, user = s.people["张代表"]
    fb = closeout.give_feedback(s.item, actor=user, contacted=True, contact_method="meeting",
                                comment="办理认真", **SAT)
    assert (fb.source, fb.entered_by_id, fb.round, fb.submitter.name) == ("online", user.id, 1, "张代表")
    assert fb.contacted is True and fb.contact_method == "meeting"
    assert s.fresh().status == ItemStatus.EVALUATED.value
    assert "feedback" in audit_types(s.item.id)
    entry = AuditEntry.get(AuditEntry.action == "feedback")
    assert entry.detail == "张代表（网上反馈）评价第 1 轮答复：办理工作满意，办理结果满意，采纳"


def test_a_submitter_rates_only_as_themselves(f):
    s = replied_item(names=("张代表", "李代表"))
    _, zhang = s.people["张代表"]
    with pytest.raises(PermissionDenied, match="您只能以本人名义评价"):
        closeout.give_feedback(s.item, actor=zhang, submitter_name="李代表", **SAT)
    li_sub = next(x for x in items.submitters_of(s.item) if x.name == "李代表")
    with pytest.raises(PermissionDenied, match="您只能以本人名义评价"):
        closeout.give_feedback(s.item, actor=zhang, submitter_id=li_sub.id, **SAT)
    other = replied_item(names=("赵代表",), unit_name="市教育局")
    with pytest.raises(PermissionDenied):
        closeout.give_feedback(other.item, actor=zhang, **SAT)
    assert Feedback.select().count() == 0
    # rating as themselves works, and the item waits for the co-signer
    closeout.give_feedback(s.item, actor=zhang, submitter_name="张代表", **SAT)
    assert s.fresh().status == ItemStatus.REPLIED.value


def test_paper_feedback_entered_by_the_office_for_the_submitter_it_picks(f):
    s = replied_item(names=("张代表", "李代表"))
    fb = closeout.give_feedback(s.item, actor=s.office, submitter_name="李代表", **SAT)
    assert (fb.source, fb.entered_by_id, fb.submitter.name) == ("paper", s.office.id, "李代表")
    with pytest.raises(ValidationFailed) as exc:
        closeout.give_feedback(s.item, actor=s.office, submitter_name="钱代表", **SAT)
    assert exc.value.fields == {"submitter": "“钱代表”不是本件（含并案件）的领衔人或附议人"}
    with pytest.raises(ValidationFailed, match="请选择提出评价的领衔人或附议人"):
        closeout.give_feedback(s.item, actor=s.office, **SAT)
    with pytest.raises(PermissionDenied):
        closeout.give_feedback(s.item, actor=s.handler, submitter_name="张代表", **SAT)


def test_one_feedback_per_submitter_and_round(f):
    s = replied_item()
    _, user = s.people["张代表"]
    closeout.give_feedback(s.item, actor=user, **SAT)
    with pytest.raises(Conflict, match="张代表已对本轮答复作出评价，不能重复提交"):
        closeout.give_feedback(s.item, actor=s.office, submitter_name="张代表", **BAD)
    assert Feedback.select().count() == 1
    assert Feedback.get().result == "satisfied"


def test_feedback_values_are_checked_and_bad_input_changes_nothing(f):
    s = replied_item()
    _, user = s.people["张代表"]
    with pytest.raises(ValidationFailed) as exc:
        closeout.give_feedback(s.item, actor=user, work="great", result="", adoption="")
    assert exc.value.fields == {"work": "“great”不是有效的选项", "result": "请选择对办理结果的评价",
                                "adoption": "请选择采纳情况"}
    with pytest.raises(ValidationFailed) as exc:
        closeout.give_feedback(s.item, actor=user, **{**BAD, "comment": " "})
    assert exc.value.fields == {"comment": "评价为不满意的，请填写意见和理由"}
    with pytest.raises(ValidationFailed) as exc:
        closeout.give_feedback(s.item, actor=user, contacted=False, contact_method="phone", **SAT)
    assert exc.value.fields == {"contact_method": "未沟通时不填沟通方式"}
    assert Feedback.select().count() == 0
    assert s.fresh().status == ItemStatus.REPLIED.value


def test_window_expiry_records_no_opinion(f):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=clock.LOCAL_TZ), tick=False):
        s = replied_item(names=("张代表", "李代表"))
        closeout.give_feedback(s.item, actor=s.people["张代表"][1], **SAT)
        due = closeout.closeout_for(s.fresh()).window_due
    expected = deadlines.add_period(dt.date(2026, 3, 2), deadlines.DEFAULT_CLOCKS["feedback_window"],
                                    rules.work_calendar()).due
    assert due == expected == dt.date(2026, 3, 23)  # 15 working days
    assert closeout.record_expired_feedback(due) == 0  # the last day is still on time
    assert s.fresh().status == ItemStatus.REPLIED.value
    with time_machine.travel(dt.datetime(2026, 3, 24, 9, tzinfo=clock.LOCAL_TZ), tick=False):
        assert closeout.record_expired_feedback() == 1
        assert closeout.record_expired_feedback() == 0  # idempotent
        fb = Feedback.get(Feedback.source == "window_expired")
        assert (fb.submitter.name, fb.work, fb.result, fb.round) == ("李代表", "no_opinion", "no_opinion", 1)
        assert s.fresh().status == ItemStatus.EVALUATED.value
        entry = AuditEntry.select().where(AuditEntry.action == "feedback").order_by(AuditEntry.id.desc()).get()
        assert entry.detail == "李代表在征询期（至 2026-03-23）内未反馈，记为未表态"
        # a late paper form replaces the 未表态
        late = closeout.give_feedback(s.item, actor=s.office, submitter_name="李代表", **SAT)
        assert late.id == fb.id and late.source == "paper"
        assert Feedback.select().count() == 2


def test_office_records_no_opinion_for_one_item_only_after_the_window(f):
    s = replied_item()
    with pytest.raises(Conflict, match="征询期尚未届满"):
        closeout.record_expired_for_item(s.item, actor=s.office)
    with time_machine.travel(clock.now() + dt.timedelta(days=40), tick=False):
        assert closeout.record_expired_for_item(s.item, actor=s.office) == 1
    assert s.fresh().status == ItemStatus.EVALUATED.value


# --- re-handling ----------------------------------------------------------------------------


def test_dissatisfied_rehandle_new_round_rereply_rerate(f):
    s = replied_item(names=("张代表",))
    _, user = s.people["张代表"]
    with pytest.raises(Conflict, match="不满意"):
        closeout.order_rehandling(s.item, actor=s.office, reason="再研究")
    closeout.give_feedback(s.item, actor=user, **BAD)
    assert "张代表对答复不满意" in closeout.conditions(s.fresh())[0]
    with pytest.raises(ValidationFailed, match="请填写重新办理的理由"):
        closeout.order_rehandling(s.item, actor=s.office, reason="  ")
    with pytest.raises(PermissionDenied):
        closeout.order_rehandling(s.item, actor=s.handler, reason="再研究")
    today = clock.today()
    reopened = closeout.order_rehandling(s.item, actor=s.office, reason="代表认为问题未解决，请再研究")
    a = s.a()
    expected = deadlines.add_period(today, deadlines.DEFAULT_CLOCKS["rehandle"], rules.work_calendar()).due
    assert [x.id for x in reopened] == [a.id]
    assert (a.status, a.round, a.rehandle_due, a.current_due) == ("rehandling", 2, expected, expected)
    assert s.fresh().status == ItemStatus.REHANDLING.value
    assert "rehandle_ordered" in audit_types(s.item.id)
    # round 1 stays; round 2 cannot be rated before its reply
    assert Feedback.select().where(Feedback.round == 1).count() == 1
    with pytest.raises(Conflict, match="第 2 轮答复尚未发送，暂不能评价"):
        closeout.give_feedback(s.item, actor=user, **SAT)
    assert closeout.conditions(s.fresh())[0] == f"{s.unit.name}正在重新办理，尚未发送第 2 轮答复"
    send_reply(a, result_class="B")
    assert s.fresh().status == ItemStatus.REPLIED.value
    fb2 = closeout.give_feedback(s.item, actor=user, **SAT)
    assert fb2.round == 2
    assert s.fresh().status == ItemStatus.EVALUATED.value
    assert closeout.conditions(s.fresh()) == []


def test_rehandle_date_given_by_the_office_is_capped(f):
    s = replied_item()
    closeout.give_feedback(s.item, actor=s.people["张代表"][1], **BAD)
    today = clock.today()
    with pytest.raises(ValidationFailed) as exc:
        closeout.order_rehandling(s.item, actor=s.office, reason="再研究", reply_due=today)
    assert exc.value.fields == {"reply_due": "重新办理期限须晚于今天"}
    _, cap = closeout.rehandle_dates(s.item, today)
    with pytest.raises(ValidationFailed, match=f"重新办理期限不能晚于 {cap.isoformat()}"):
        closeout.order_rehandling(s.item, actor=s.office, reason="再研究", reply_due=cap + dt.timedelta(days=1))
    assert s.a().status == AssignmentStatus.REPLIED.value and s.a().round == 1
    given = today + dt.timedelta(days=20)
    closeout.order_rehandling(s.item, actor=s.office, reason="再研究", reply_due=given)
    assert (s.a().rehandle_due, s.a().current_due) == (given, given)


def test_the_rehandling_rounds_cap_counts_from_the_re_assignment(f, client, login_as):
    today = clock.today()
    s = replied_item(assigned_on=today - dt.timedelta(days=150))  # round 1's cap is a month away
    first_cap = s.a().reply_due_max
    closeout.give_feedback(s.item, actor=s.people["张代表"][1], **BAD)
    _, cap = closeout.rehandle_dates(s.item, today)
    assert cap > first_cap
    closeout.order_rehandling(s.item, actor=s.office, reason="再研究", reply_due=cap)
    assert (s.a().rehandle_due, s.a().reply_due_max) == (cap, cap)
    login_as(s.office)
    page = client.get(f"/items/{s.item.id}").get_data(as_text=True)
    assert f"（最长不超过 {cap.isoformat()}）" in page and f"最长不超过 {first_cap.isoformat()}" not in page


def test_office_decision_without_rehandling_resolves_the_dissatisfaction(f):
    s = replied_item()
    fb = closeout.give_feedback(s.item, actor=s.people["张代表"][1], **BAD)
    with pytest.raises(ValidationFailed, match="请填写不重新办理的决定及理由"):
        closeout.resolve_dissatisfaction(fb, actor=s.office, reason="")
    with pytest.raises(PermissionDenied):
        closeout.resolve_dissatisfaction(fb, actor=s.handler, reason="受政策限制")
    closeout.resolve_dissatisfaction(fb, actor=s.office, reason="受国家政策限制，已向代表当面说明")
    assert Feedback.get_by_id(fb.id).resolution == "受国家政策限制，已向代表当面说明"
    with pytest.raises(Conflict, match="已对该不满意意见作出处理决定"):
        closeout.resolve_dissatisfaction(Feedback.get_by_id(fb.id), actor=s.office, reason="再次")
    assert closeout.conditions(s.fresh()) == []
    closeout.close_item(s.item, actor=s.office)
    assert s.fresh().status == ItemStatus.CLOSED.value


def test_the_submitters_are_told_of_the_offices_decision_after_dissatisfaction(f):
    """重新办理: every submitter gets the new round's reply and rates it again; 不重新办理: the
    dissatisfied submitter hears the decision and its reason."""
    from tracker.reminders.models import Notification

    def told(user) -> list[tuple[str, str]]:
        return [(n.title, n.body) for n in Notification.select().where(Notification.user == user.id)
                .order_by(Notification.id) if "反馈" not in n.title]

    s = replied_item(names=("张代表", "李代表"), unit_name="市住建局")
    zhang, li = s.people["张代表"][1], s.people["李代表"][1]
    closeout.give_feedback(s.item, actor=zhang, **BAD)
    closeout.give_feedback(s.item, actor=li, **SAT)
    closeout.order_rehandling(s.item, actor=s.office, reason="请进一步落实")
    due = s.a().rehandle_due.isoformat()
    expected = (f"您的建议将重新办理：{s.item.number}号 {s.item.title}",
                f"因对第 1 轮答复不满意，交办单位已要求市住建局重新办理，答复期限 {due}。新的答复发送后，请再次评价。")
    assert told(zhang) == told(li) == [expected]

    other = replied_item(names=("王代表",), unit_name="市教育局")
    wang = other.people["王代表"][1]
    fb = closeout.give_feedback(other.item, actor=wang, **BAD)
    closeout.resolve_dissatisfaction(fb, actor=other.office, reason="受国家政策限制，已向代表当面说明")
    assert told(wang) == [(f"交办单位已对您的不满意意见作出决定：{other.item.number}号 {other.item.title}",
                           "经研究，不再要求重新办理：受国家政策限制，已向代表当面说明")]


def test_an_undecided_dissatisfaction_is_not_shown_as_commitment_follow_up(f):
    s = replied_item(commitments=[("年底前完成 30 部电梯加装", clock.today() + dt.timedelta(days=60))])
    fb = closeout.give_feedback(s.item, actor=s.people["张代表"][1], **BAD)
    assert s.fresh().status == ItemStatus.EVALUATED.value  # the office has yet to decide
    closeout.resolve_dissatisfaction(fb, actor=s.office, reason="受国家政策限制，已向代表当面说明")
    assert s.fresh().status == ItemStatus.FOLLOW_UP.value  # now the promise is followed up


def test_migration_013_moves_items_stored_as_follow_up_with_an_undecided_dissatisfaction_back(f):
    """Items stored before the rule as 承诺跟踪 with an undecided 不满意 are 已测评 after the upgrade;
    a decided one, and a satisfied one, stay 承诺跟踪 (the migration's SQL on either database)."""
    import runpy

    from tracker.core.db import db
    from tracker.core.migrations import MIGRATIONS_DIR

    migration = runpy.run_path(str(MIGRATIONS_DIR / "013_dissatisfied_items_stay_evaluated.py"))
    promise = [("年底前完成 30 部电梯加装", clock.today() + dt.timedelta(days=60))]
    undecided, decided, happy = (replied_item(commitments=promise) for _ in range(3))
    closeout.give_feedback(undecided.item, actor=undecided.people["张代表"][1], **BAD)
    fb = closeout.give_feedback(decided.item, actor=decided.people["张代表"][1], **BAD)
    closeout.resolve_dissatisfaction(fb, actor=decided.office, reason="已当面说明")
    closeout.give_feedback(happy.item, actor=happy.people["张代表"][1], **SAT)
    stored_before_the_rule = Item.update(status=ItemStatus.FOLLOW_UP.value).where(Item.id == undecided.item.id)
    stored_before_the_rule.execute()
    version = undecided.fresh().version
    for sql in migration["UP"]:
        db.execute_sql(sql)
    assert undecided.fresh().status == ItemStatus.EVALUATED.value and undecided.fresh().version == version + 1
    assert decided.fresh().status == ItemStatus.FOLLOW_UP.value
    assert happy.fresh().status == ItemStatus.FOLLOW_UP.value
    assert items.refresh_status(undecided.fresh()) == ItemStatus.EVALUATED  # what the rules give it


# --- commitments ----------------------------------------------------------------------------


def test_unit_fulfils_a_commitment_with_evidence(f):
    due = clock.today() + dt.timedelta(days=60)
    s = replied_item(commitments=[("年底前完成 30 部电梯加装", due)])
    closeout.give_feedback(s.item, actor=s.people["张代表"][1], **SAT)
    assert s.fresh().status == ItemStatus.FOLLOW_UP.value
    c = Commitment.get()
    other_unit_user = f.user(Role.UNIT_HANDLER, f.unit())
    with pytest.raises(PermissionDenied):
        closeout.fulfil_commitment(c, actor=other_unit_user, evidence="已完成")
    with pytest.raises(PermissionDenied):
        closeout.fulfil_commitment(c, actor=s.office, evidence="已完成")
    with pytest.raises(ValidationFailed, match="请填写兑现情况及佐证"):
        closeout.fulfil_commitment(c, actor=s.handler, evidence=" ")
    with pytest.raises(ValidationFailed, match="兑现日期不能晚于今天"):
        closeout.fulfil_commitment(c, actor=s.handler, evidence="已完成",
                                   fulfilled_on=clock.today() + dt.timedelta(days=1))
    sent_on = c.reply.sent_on
    with pytest.raises(ValidationFailed, match=f"兑现日期不能早于作出承诺的答复发送日期（{sent_on.isoformat()}）"):
        closeout.fulfil_commitment(c, actor=s.handler, evidence="已完成", fulfilled_on=sent_on - dt.timedelta(days=1))
    assert Commitment.get().status == "open"
    closeout.fulfil_commitment(c, actor=s.handler, evidence="已完成 32 部，验收报告见附件")
    c = Commitment.get()
    assert (c.status, c.fulfilled_on, c.fulfilled_by_id) == ("kept", clock.today(), s.handler.id)
    assert s.fresh().status == ItemStatus.EVALUATED.value
    assert "commitment_fulfilled" in audit_types(s.item.id)
    with pytest.raises(InvalidTransition):
        closeout.fulfil_commitment(c, actor=s.handler, evidence="再次")


def test_open_commitments_carry_over_at_year_end_with_a_reason(f):
    with time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=clock.LOCAL_TZ), tick=False):
        s = replied_item(commitments=[("完成改造方案", dt.date(2026, 11, 30))])
        closeout.give_feedback(s.item, actor=s.people["张代表"][1], **SAT)
        c = Commitment.get()
        with pytest.raises(Conflict, match="须在 2026 年 12 月 1 日起（年末）方可结转下年"):
            closeout.carry_over_commitment(c, actor=s.office, reason="资金未到位")
    with time_machine.travel(dt.datetime(2026, 12, 5, 9, tzinfo=clock.LOCAL_TZ), tick=False):
        assert closeout.conditions(s.fresh()) == [
            f"承诺事项“完成改造方案”（{s.unit.name}，2026-11-30 到期）尚未兑现或结转"]
        with pytest.raises(PermissionDenied):
            closeout.carry_over_commitment(c, actor=s.handler, reason="资金未到位")
        with pytest.raises(ValidationFailed, match="请填写结转理由"):
            closeout.carry_over_commitment(c, actor=s.office, reason="")
        closeout.carry_over_commitment(c, actor=s.office, reason="专项资金明年一季度到位")
        c = Commitment.get()
        assert (c.status, c.carry_reason) == ("carried_over", "专项资金明年一季度到位")
        assert closeout.conditions(s.fresh()) == []
        assert "commitment_carried_over" in audit_types(s.item.id)
        # a carried-over commitment is still kept later
        closeout.fulfil_commitment(c, actor=s.handler, evidence="方案已印发")
        assert Commitment.get().status == "kept"


def test_year_end_carry_over_of_all_open_commitments(f):
    with time_machine.travel(dt.datetime(2026, 12, 10, 9, tzinfo=clock.LOCAL_TZ), tick=False):
        s1 = replied_item(commitments=[("事项一", dt.date(2026, 10, 1)), ("事项二", dt.date(2027, 3, 1))])
        replied_item(commitments=[("事项三", dt.date(2026, 12, 31))], unit_name="市教育局")
        with pytest.raises(ValidationFailed, match="2027 年的承诺事项须在该年 12 月 1 日起方可结转"):
            closeout.carry_over_year(2027, actor=s1.office, reason="年末结转")
        assert closeout.carry_over_year(2026, actor=s1.office, reason="年末结转") == 2
        assert sorted(c.text for c in Commitment.select().where(Commitment.status == "carried_over")) == [
            "事项一", "事项三"]
        with pytest.raises(Conflict, match="2026 年没有需要结转的未兑现承诺事项"):
            closeout.carry_over_year(2026, actor=s1.office, reason="年末结转")


def test_commitment_lists_are_scoped_to_the_unit(f):
    due = clock.today() - dt.timedelta(days=3)
    s1 = replied_item(commitments=[("事项一", due)])
    s2 = replied_item(commitments=[("事项二", due + dt.timedelta(days=30))], unit_name="市教育局")
    assert [c.text for c in closeout.commitments_for(s1.handler)] == ["事项一"]
    assert [c.text for c in closeout.commitments_for(s2.leader)] == ["事项二"]
    assert [c.text for c in closeout.commitments_for(s1.office)] == ["事项一", "事项二"]
    assert [c.text for c in closeout.commitments_for(s1.office, unit_id=s2.unit.id)] == ["事项二"]
    assert [c.text for c in closeout.commitments_for(s1.office, overdue=True)] == ["事项一"]
    with pytest.raises(PermissionDenied):
        closeout.commitments_for(s1.people["张代表"][1])


# --- the 3+1 checklist and close-out --------------------------------------------------------


def test_checklist_is_evaluated_from_contacts_commitments_and_instructions(f):
    s = replied_item(tier="leader_led", commitments=[("事项", clock.today() + dt.timedelta(days=9))])
    [uc] = closeout.checklist_for(s.fresh())
    assert [(r.requirement, r.met) for r in uc.results] == [
        ("contact_before", False), ("contact_during", False), ("contact_after", False),
        ("commitments_kept", False), ("face_to_face", False)]
    today = clock.today()
    handling.record_contact(s.a(), actor=s.handler, stage="before", method="meeting", contact_on=today,
                            summary="当面听取意见")
    handling.record_contact(s.a(), actor=s.handler, stage="during", method="phone", contact_on=today,
                            summary="电话通报进展")
    [uc] = closeout.checklist_for(s.fresh())
    assert [r.met for r in uc.results] == [True, True, False, False, True]


def test_a_visit_meets_the_face_to_face_requirement_only_where_the_setting_counts_it(f):
    s = replied_item(tier="leader_led")
    handling.record_contact(s.a(), actor=s.handler, stage="before", method="visit", contact_on=clock.today(),
                            summary="走访代表听取意见")
    [uc] = closeout.checklist_for(s.fresh())
    face = {r.requirement: r for r in uc.results}["face_to_face"]
    assert (face.met, face.note) == (False, "尚无见面沟通记录")  # by default only 见面 counts
    rules.set_setting("face_to_face_methods", ["meeting", "visit"])
    [uc] = closeout.checklist_for(s.fresh())
    assert {r.requirement: r for r in uc.results}["face_to_face"].met is True


def test_checklist_warns_or_blocks_as_the_profile_says(f):
    s = replied_item()
    closeout.give_feedback(s.item, actor=s.people["张代表"][1], **SAT)
    co = closeout.closeout_for(s.fresh())
    assert co.conditions == []
    assert co.warnings == ["“3+1”清单未完成：办前沟通、办中沟通、办后沟通（按规则配置不影响销号）"]
    RuleProfile.update(checklist_blocks_closeout=True).where(RuleProfile.is_default == True).execute()  # noqa: E712
    with pytest.raises(Conflict) as exc:
        closeout.close_item(s.item, actor=s.office)
    assert exc.value.details == ["“3+1”清单未完成：办前沟通、办中沟通、办后沟通"]
    for stage in ("before", "during", "after"):
        handling.record_contact(s.a(), actor=s.handler, stage=stage, method="phone", contact_on=clock.today(),
                                summary="沟通")
    closeout.close_item(s.item, actor=s.office)
    assert s.fresh().status == ItemStatus.CLOSED.value


def test_close_out_lists_each_unmet_condition(f):
    due = clock.today() + dt.timedelta(days=30)
    s = replied_item(names=("张代表", "李代表"), send=False)
    unit = s.unit.name
    with pytest.raises(Conflict) as exc:
        closeout.close_item(s.item, actor=s.office)
    assert exc.value.code == "closeout_conditions_unmet"
    assert exc.value.details == [f"{unit}尚未发送答复", "尚未收到张代表、李代表的反馈意见"]
    send_reply(s.a(), commitments=[("完成加装", due)])
    window = closeout.closeout_for(s.fresh()).window_due
    closeout.give_feedback(s.item, actor=s.people["张代表"][1], **BAD)
    with pytest.raises(Conflict) as exc:
        closeout.close_item(s.item, actor=s.office)
    assert exc.value.details == [
        f"尚未收到李代表的反馈意见（征询期至 {window.isoformat()}，逾期记为未表态）",
        "张代表对答复不满意，尚未重新办理，也未由交办单位作出处理决定",
        f"承诺事项“完成加装”（{unit}，{due.isoformat()} 到期）尚未兑现或结转",
    ]
    assert s.fresh().status == ItemStatus.REPLIED.value
    with pytest.raises(PermissionDenied):
        closeout.close_item(s.item, actor=s.handler)


def test_close_out_records_silence_after_the_window_and_closes(f):
    s = replied_item(names=("张代表", "李代表"))
    closeout.give_feedback(s.item, actor=s.people["张代表"][1], **SAT)
    with time_machine.travel(clock.now() + dt.timedelta(days=40), tick=False):
        item = closeout.close_item(s.item, actor=s.office, note="已对账")
    assert Feedback.get(Feedback.source == "window_expired").submitter.name == "李代表"
    assert (item.status, item.close_note) == ("closed", "已对账")
    assert item.closed_at is not None


def test_closing_completes_the_assignments_and_makes_the_item_read_only(f):
    s = replied_item(commitments=[("完成加装", clock.today() + dt.timedelta(days=9))])
    closeout.give_feedback(s.item, actor=s.people["张代表"][1], **SAT)
    closeout.fulfil_commitment(Commitment.get(), actor=s.handler, evidence="已完成")
    closeout.close_item(s.item, actor=s.office, note="对账无误")
    item = s.fresh()
    assert item.status == ItemStatus.CLOSED.value
    assert s.a().status == AssignmentStatus.DONE.value
    assert audit_types(item.id)[-1] == "closed"
    with pytest.raises(Conflict, match="该件已销号，不能再修改"):
        items.edit_item(item, actor=s.office, title="改标题")
    with pytest.raises(Conflict, match="该件已销号，不能再修改"):
        closeout.give_feedback(item, actor=s.office, submitter_name="张代表", **SAT)
    with pytest.raises(InvalidTransition):
        closeout.close_item(item, actor=s.office)
    with pytest.raises(PermissionDenied):
        closeout.archive_item(item, actor=s.handler)
    archived = closeout.archive_item(item, actor=s.office)
    assert archived.status == ItemStatus.ARCHIVED.value and archived.archived_at is not None
    assert audit_types(item.id)[-1] == "archived"


def test_archive_only_after_close(f):
    s = replied_item()
    with pytest.raises(InvalidTransition, match="不能执行“归档”"):
        closeout.archive_item(s.item, actor=s.office)


def test_lead_and_co_item_closes_with_the_co_assignment_done(f):
    s = replied_item(send=False)
    co_unit = f.unit("市财政局")
    Assignment.update(role="lead").where(Assignment.id == s.assignment.id).execute()
    co = f.assign(s.item, co_unit, role="co")
    from tracker.assignments import services as assignments

    assignments.receive(co, actor=co.handler)
    handling.submit_co_opinion(Assignment.get_by_id(co.id), actor=co.handler, text="同意主办单位意见")
    send_reply(s.a())
    closeout.give_feedback(s.item, actor=s.people["张代表"][1], **SAT)
    closeout.close_item(s.item, actor=s.office)
    assert Assignment.get_by_id(co.id).status == AssignmentStatus.DONE.value


# --- merging --------------------------------------------------------------------------------


def test_merge_then_each_submitter_of_the_child_rates_the_parents_reply(f):
    s = replied_item(names=("张代表",), send=False)
    sub_person, sub_user = submitter_account("孙委员")
    child = f.item(session=s.item.session, title="关于推进老旧小区加装电梯的建议",
                   submitters=[{"name": "孙委员", "role": "lead", "person_id": sub_person.id}])
    with pytest.raises(PermissionDenied):
        merging.merge(child, s.item, actor=s.handler)
    merging.merge(child, s.item, actor=s.office, note="内容相同")
    child = Item.get_by_id(child.id)
    assert (child.status, child.merged_into_id) == ("merged", s.item.id)
    assert audit_types(child.id)[-1] == "merged" and audit_types(s.item.id)[-1] == "merged"
    assert [x.name for x in merging.group_submitters(s.fresh())] == ["张代表", "孙委员"]
    assert closeout.closeout_many([child])[child.id].conditions == ["该件已并入第" + s.item.number
                                                                   + "号，随主件办理，不单独销号"]
    send_reply(s.a())
    closeout.give_feedback(s.item, actor=s.people["张代表"][1], **SAT)
    assert s.fresh().status == ItemStatus.REPLIED.value  # the child's submitter has not rated yet
    assert closeout.conditions(s.fresh()) == ["尚未收到孙委员的反馈意见（征询期至 "
                                              f"{closeout.closeout_for(s.fresh()).window_due.isoformat()}，逾期记为未表态）"]
    fb = closeout.give_feedback(child, actor=sub_user, **SAT)  # rates through their own (child) item
    assert (fb.item_id, fb.submitter.item_id) == (s.item.id, child.id)
    assert s.fresh().status == ItemStatus.EVALUATED.value
    with pytest.raises(Conflict, match="已对主件答复作出评价，不能撤销并案"):
        merging.unmerge(child, actor=s.office)
    closeout.close_item(s.item, actor=s.office)


def test_merge_rules_and_unmerge(f):
    s = replied_item(send=False)
    assigned = replied_item(send=False, unit_name="市教育局", number="900")
    child = f.item(session=s.item.session, title="关于加装电梯的建议")
    with pytest.raises(Conflict, match="不能并入他件"):
        merging.merge(assigned.item, s.item, actor=s.office)
    with pytest.raises(ValidationFailed, match="不能将一件并入其自身"):
        merging.merge(child, child, actor=s.office)
    proposal = f.item(kind="proposal", number="P1")  # in a 政协 session: the kind decides it
    with pytest.raises(ValidationFailed, match="只能并入同类别的件"):
        merging.merge(child, proposal, actor=s.office)
    merging.merge(child, s.item, actor=s.office)
    other = f.item(session=s.item.session)
    with pytest.raises(Conflict, match="已并案"):
        merging.merge(Item.get_by_id(child.id), other, actor=s.office)
    merging.unmerge(Item.get_by_id(child.id), actor=s.office, reason="误并")
    child = Item.get_by_id(child.id)
    assert (child.status, child.merged_into_id) == ("registered", None)
    assert audit_types(child.id)[-1] == "unmerged"
    with pytest.raises(Conflict, match="该件未并入他件"):
        merging.unmerge(child, actor=s.office)
    assert merging.find_parent(child, number=s.item.number).id == s.item.id
    with pytest.raises(ValidationFailed, match="该会次没有第999号"):
        merging.find_parent(child, number="999")


def test_an_item_is_not_merged_into_one_already_answered(f):
    """Its submitters would never be sent that reply, and the feedback window already runs."""
    s = replied_item(names=("张代表",), unit_name="市住建局")
    child = f.item(session=s.item.session, title="关于推进老旧小区加装电梯的建议")
    with pytest.raises(Conflict, match=f"主件第{s.item.number}号已由市住建局答复，不能再并入；请将本件单独交办办理"):
        merging.merge(child, s.item, actor=s.office)
    assert Item.get_by_id(child.id).status == ItemStatus.REGISTERED.value
    assert [x.name for x in merging.group_submitters(s.fresh())] == ["张代表"]


def test_the_childs_submitters_are_told_of_the_merge_and_of_its_undoing(f):
    from tracker.reminders.models import Notification

    s = replied_item(names=("张代表",), send=False)
    person, user = submitter_account("孙委员")
    child = f.item(session=s.item.session, title="关于推进老旧小区加装电梯的建议",
                   submitters=[{"name": "孙委员", "role": "lead", "person_id": person.id}])
    merging.merge(child, s.item, actor=s.office)
    merging.unmerge(Item.get_by_id(child.id), actor=s.office, reason="误并")
    told = [(n.title, n.body) for n in Notification.select().where(Notification.user == user.id)
            .order_by(Notification.id)]
    assert told == [
        (f"您的建议已并案办理：{child.number}号 {child.title}",
         f"已并入第{s.item.number}号《{s.item.title}》，随主件办理。主件的答复同样答复您，您可对其评价。"),
        (f"已撤销并案：{child.number}号 {child.title}", f"本件不再随第{s.item.number}号办理，恢复单独办理。"),
    ]
    assert not Notification.select().where(Notification.user == s.people["张代表"][1].id).exists()


def test_unmerge_refused_once_the_parent_is_closed(f):
    s = replied_item(send=False)
    child = f.item(session=s.item.session)
    merging.merge(child, s.item, actor=s.office)
    send_reply(s.a())
    closeout.give_feedback(s.item, actor=s.office, submitter_name="张代表", **SAT)
    with time_machine.travel(clock.now() + dt.timedelta(days=40), tick=False):
        closeout.close_item(s.item, actor=s.office)
    with pytest.raises(Conflict, match="不能撤销并案"):
        merging.unmerge(Item.get_by_id(child.id), actor=s.office)


# --- reconciliation -------------------------------------------------------------------------


def test_pasted_numbers_with_ranges():
    numbers, problems = closeout.parse_numbers("1-5\n７，8、9\n\n第10号\n20-18\n1-999999")
    assert numbers == ["1", "2", "3", "4", "5", "7", "8", "9", "第10号"]
    assert problems == ["第 5 行：范围“20-18”的起号大于止号", "第 6 行：范围“1-999999”过大（最多 20000 个号）"]
    assert closeout.number_key("第０１２号") == "12" == closeout.number_key(12.0)



def test_numbers_from_an_uploaded_list():
    data = sheet_bytes([["市十七届人大四次会议代表建议清单"], ["序号", "建议号", "标题", "领衔代表"],
                  [1, 1, "关于甲的建议", "张三"], [2, "2", "关于乙的建议", "李四"], [3, 3.0, "关于丙", "王五"],
                  [None, "合计 3 件", None, None]])
    assert closeout.numbers_from_xlsx(data) == ["1", "2", "3"]
    only_numbers = sheet_bytes([["案号"], ["0012"], ["13"]])
    assert closeout.numbers_from_xlsx(only_numbers) == ["12", "13"]
    from tracker.items.importing import ImportFileError

    with pytest.raises(ImportFileError, match="未找到案号列"):
        closeout.numbers_from_xlsx(sheet_bytes([["姓名", "电话"], ["张三", "1"]]))


def test_reconcile_shows_numbers_in_one_list_but_not_the_other(f):
    s = replied_item(number="1")
    session = s.item.session
    for n in ("2", "3", "5"):
        f.item(session=session, number=n)
    closeout.give_feedback(s.item, actor=s.office, submitter_name="张代表", **SAT)
    numbers, _ = closeout.parse_numbers("1-4\n3")
    r = closeout.reconcile(session, numbers, actor=s.office)
    assert (r.ours, r.theirs, r.both) == (4, 4, 3)
    assert [i.number for i in r.only_ours] == ["5"]
    assert r.only_theirs == ["4"]
    assert r.duplicates_theirs == ["3"]
    assert dict(r.status_counts) == {"registered": 3, "evaluated": 1}
    assert [i.number for i in r.closable] == ["1"]
    assert [(n.item.number, n.conditions, n.kinds) for n in r.not_closable][0] == ("2", ["尚未交办承办单位"],
                                                                                 ("unassigned",))
    assert AuditEntry.select().where(AuditEntry.action == "reconciled").count() == 1
    with pytest.raises(PermissionDenied):
        closeout.reconcile(session, numbers, actor=s.handler)
    with pytest.raises(ValidationFailed, match="请上传清单或粘贴案号"):
        closeout.reconcile(session, [], actor=s.office)


def test_with_the_real_reply_pipeline(f):
    """Draft → sign-off sends the reply (department tier): feedback, commitment and close-out follow."""
    from tracker.replies import services as replies

    s = replied_item(send=False)
    due = clock.today() + dt.timedelta(days=30)
    reply = replies.draft_reply(s.a(), actor=s.handler, result_class="A", text="经研究，已解决。",
                                commitments=[{"text": "下月完成验收", "due_date": due.isoformat()}], submit=True)
    replies.sign_off(reply.refresh(), actor=s.leader)
    if reply.refresh().status != "sent":  # the profile may ask the office to review
        replies.review(reply.refresh(), actor=s.office)
    assert reply.refresh().status == "sent"
    closeout.give_feedback(s.item, actor=s.people["张代表"][1], **SAT)
    assert s.fresh().status == ItemStatus.FOLLOW_UP.value
    closeout.fulfil_commitment(Commitment.get(), actor=s.handler, evidence="已验收")
    closeout.close_item(s.item, actor=s.office)
    assert s.fresh().status == ItemStatus.CLOSED.value


def test_a_separate_unit_reads_its_own_checklist_and_only_that_the_others_is_unfinished(f, api):
    """分办: each unit's "3+1" list is read off its own contacts and commitments (its internal
    records, policy.record_units); another answering unit sees its own list and that the other's
    is unfinished, not which steps; the office sees both."""
    item = f.item(tier="office_supervised")
    first, second = f.unit("市生态环境局"), f.unit("经开区管委会")
    h1, h2 = f.user(Role.UNIT_HANDLER, first), f.user(Role.UNIT_HANDLER, second)
    a1 = f.assign(item, first, role="separate", handler=h1)
    a2 = f.assign(item, second, role="separate", handler=h2)
    for a in (a1, a2):
        assignments.receive(a, actor=a.handler)
    handling.record_contact(Assignment.get_by_id(a1.id), actor=h1, stage="before", method="phone",
                            contact_on=clock.today(), summary="电话沟通")
    office = api(f.office()).get(f"/items/{item.id}/closeout").get_json()
    assert [c["unit"] for c in office["checklist"]] == ["市生态环境局", "经开区管委会"]
    mine = api(h1).get(f"/items/{item.id}/closeout").get_json()
    assert [c["unit"] for c in mine["checklist"]] == ["市生态环境局"]
    said = " ".join(mine["conditions"] + mine["warnings"])
    assert "经开区管委会的办理清单" in said and "办前沟通（经开区管委会）" not in said
    assert "办前沟通（市生态环境局）" not in said  # it had its talk before handling
    assert "办前沟通（经开区管委会）" in " ".join(office["conditions"] + office["warnings"])
    theirs = api(h2).get(f"/items/{item.id}/closeout").get_json()
    assert [c["unit"] for c in theirs["checklist"]] == ["经开区管委会"]
    assert "办前沟通（经开区管委会）" in " ".join(theirs["conditions"] + theirs["warnings"])
