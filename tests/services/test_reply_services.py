"""Replies through the services: draft → sign-off → co-sign → office review → sent, returns,
permissions, optimistic locking, modes, re-handling rounds and attachments."""

from __future__ import annotations

import datetime as dt
import io
import threading
import zipfile

import pytest

from tracker.accounts import policy
from tracker.accounts.models import User
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import AssignmentStatus, ItemStatus, ReplyStatus, Role, Tier
from tracker.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from tracker.handling import services as handling
from tracker.items.models import Item
from tracker.items.workflow import Action
from tracker.reminders.models import Notification
from tracker.replies import attachments as reply_files
from tracker.replies import services as replies
from tracker.replies.models import Attachment, Commitment, Reply, ReplyCosign
from tracker.rules import services as rules
from tracker.rules.models import RuleProfile

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run in DOS mode"


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


class Setup:
    pass


def make(f, *, tier: str = Tier.OFFICE_SUPERVISED.value, co_units: int = 2, tag: str = "") -> Setup:
    """A lead+co item with two submitters who have accounts; every unit has signed for it.

    Each co unit has a handler (``co_users``: signs for the item, sends the 会办意见) and a leader
    (``co_leaders``: co-signs the lead's draft, 会签, as the lead unit's leader signs it off)."""
    s = Setup()
    s.office = f.office()
    p1, p2 = f.person("张代表" + tag), f.person("李代表" + tag)
    s.sub1 = f.user(Role.SUBMITTER, person=p1)
    s.sub2 = f.user(Role.SUBMITTER, person=p2)
    s.item = f.item(tier=tier, submitters=[{"name": p1.name, "role": "lead", "person_id": p1.id},
                                           {"name": p2.name, "role": "co", "person_id": p2.id}])
    s.lead_unit = f.unit("市住房和城乡建设局" + tag)
    s.handler = f.user(Role.UNIT_HANDLER, s.lead_unit)
    s.leader = f.user(Role.UNIT_LEADER, s.lead_unit)
    s.lead = f.assign(s.item, s.lead_unit, role="lead", handler=s.handler)
    assignments.receive(s.lead, actor=s.handler)
    s.cos, s.co_users, s.co_leaders = [], [], []
    for n in range(co_units):
        unit = f.unit(["市财政局", "市发展和改革委员会", "市自然资源局"][n] + tag)
        user = f.user(Role.UNIT_HANDLER, unit)
        co = f.assign(s.item, unit, role="co", handler=user)
        assignments.receive(co, actor=user)
        s.cos.append(co)
        s.co_users.append(user)
        s.co_leaders.append(f.user(Role.UNIT_LEADER, unit))
    s.outsider = f.user(Role.UNIT_HANDLER, f.unit("市教育局" + tag))
    return s


def draft(s: Setup, **kw) -> Reply:
    data = {"result_class": "B", "text": "经研究，现答复如下：……", "contact_name": "王科长",
            "contact_phone": "0571-87000000", "doc_number": "市住建函〔2026〕12号",
            "commitments": [{"text": "2027年6月底前完成加装电梯试点", "due_date": "2027-06-30"}]}
    data.update(kw)
    return replies.draft_reply(Assignment.get_by_id(s.lead.id), actor=s.handler, **data)


def fresh(reply: Reply) -> Reply:
    return Reply.get_by_id(reply.id)


def opinions_in(s: Setup) -> None:
    """Every co unit sends the lead its opinion (a co unit agrees to the draft only after)."""
    for co, user in zip(s.cos, s.co_users, strict=True):
        if Assignment.get_by_id(co.id).status == AssignmentStatus.HANDLING.value:
            handling.submit_co_opinion(Assignment.get_by_id(co.id), actor=user, text="同意主办单位意见")


def to_cosign(s: Setup) -> Reply:
    opinions_in(s)
    reply = draft(s, submit=True)
    replies.sign_off(fresh(reply), actor=s.leader)
    return fresh(reply)


def actions(item_id: int) -> list[str]:
    return [e.action for e in AuditEntry.select().where(AuditEntry.item_id == item_id).order_by(AuditEntry.id)]


# --- the whole flow -------------------------------------------------------------------------


def test_lead_co_flow_to_sent(f):
    s = make(f)
    today = s.lead.assigned_on
    handling.record_contact(s.lead, actor=s.handler, stage="before", method="meeting", contact_on=today,
                            summary="当面听取意见")
    for co, user in zip(s.cos, s.co_users, strict=True):
        handling.submit_co_opinion(co, actor=user, text="同意主办单位意见")
    reply = draft(s)
    assert reply.status == ReplyStatus.DRAFT.value and reply.round == 1
    assert replies.pipeline(reply) == [ReplyStatus.AWAITING_SIGN_OFF, ReplyStatus.AWAITING_COSIGN,
                                       ReplyStatus.AWAITING_OFFICE_REVIEW, ReplyStatus.SENT]
    replies.submit_reply(fresh(reply), actor=s.handler)
    assert fresh(reply).status == ReplyStatus.AWAITING_SIGN_OFF.value and fresh(reply).cycle == 1
    assert Notification.select().where((Notification.user == s.leader.id)
                                       & Notification.title.startswith("答复待签发")).exists()
    replies.sign_off(fresh(reply), actor=s.leader)
    r = fresh(reply)
    assert r.status == ReplyStatus.AWAITING_COSIGN.value and r.signed_off_by_id == s.leader.id
    # '答复待会签' reaches each co unit's leader, who co-signs, not its handler
    waiting = Notification.select().where(Notification.title.startswith("答复待会签"))
    assert sorted(n.user_id for n in waiting) == sorted(u.id for u in s.co_leaders)
    for handler in s.co_users:
        assert "cosign" not in replies.allowed_actions(handler, r)
        with pytest.raises(PermissionDenied):
            replies.cosign(fresh(reply), actor=handler)
    assert fresh(reply).version == r.version and not ReplyCosign.select().exists()
    assert all("cosign" in replies.allowed_actions(leader, r) for leader in s.co_leaders)
    replies.cosign(r, actor=s.co_leaders[0])
    r = fresh(reply)
    assert r.status == ReplyStatus.AWAITING_COSIGN.value  # still waiting for the second co unit
    status = replies.cosign_status(r)
    assert [row["cosign"] is not None for row in status] == [True, False]
    assert status[0]["cosign"].by_id == s.co_leaders[0].id
    replies.cosign(r, actor=s.co_leaders[1])
    r = fresh(reply)
    assert r.status == ReplyStatus.AWAITING_OFFICE_REVIEW.value
    assert Commitment.select().count() == 0  # nothing promised yet
    replies.review(r, actor=s.office, result_class="A", reason="已基本解决")
    r = fresh(reply)
    assert r.status == ReplyStatus.SENT.value and r.result_class == "A"
    assert r.sent_at is not None and r.sent_on == clock.today()
    a = Assignment.get_by_id(s.lead.id)
    assert a.status == AssignmentStatus.REPLIED.value and a.replied_on == r.sent_on
    assert [(c.text, c.due_on, c.status) for c in Commitment.select()] == [
        ("2027年6月底前完成加装电梯试点", dt.date(2027, 6, 30), "open")]
    assert Item.get_by_id(s.item.id).status == ItemStatus.REPLIED.value
    changed = AuditEntry.get(AuditEntry.action == "reply_reviewed")
    assert changed.before == {"result_class": "B"} and changed.after["result_class"] == "A"
    assert "由 B类 改为 A类" in changed.detail
    assert actions(s.item.id)[-8:] == ["co_opinion", "reply_drafted", "reply_submitted", "reply_signed_off",
                                       "reply_cosigned", "reply_cosigned", "reply_reviewed", "reply_sent"]
    for user in (s.office, s.sub1, s.sub2, *s.co_users, *s.co_leaders):
        assert Notification.select().where(Notification.user == user.id).exists(), user.username
    assert Notification.select().where((Notification.user == s.sub1.id)
                                       & Notification.title.contains("已收到答复")).exists()
    assert Notification.select().where((Notification.user == s.co_users[0].id)
                                       & Notification.title.startswith("答复抄送")).exists()


def test_department_tier_is_sent_on_sign_off_unless_the_profile_asks_for_review(f):
    s = make(f, tier=Tier.DEPARTMENT.value, co_units=0)
    Assignment.update(role="sole").where(Assignment.id == s.lead.id).execute()
    reply = draft(s, submit=True)
    replies.sign_off(fresh(reply), actor=s.leader)
    assert fresh(reply).status == ReplyStatus.SENT.value

    s2 = make(f, tier=Tier.DEPARTMENT.value, co_units=0, tag="（二）")
    RuleProfile.update(review_department_replies=True).where(RuleProfile.is_default == True).execute()  # noqa: E712
    reply2 = draft(s2, submit=True)
    replies.sign_off(fresh(reply2), actor=s2.leader)
    assert fresh(reply2).status == ReplyStatus.AWAITING_OFFICE_REVIEW.value


def test_leader_led_item_is_reviewed(f):
    leader = f.user(Role.LEADER)
    office = f.office()
    item = f.item(tier=Tier.LEADER_LED.value, leader_id=leader.id)
    unit = f.unit()
    handler, boss = f.user(Role.UNIT_HANDLER, unit), f.user(Role.UNIT_LEADER, unit)
    a = f.assign(item, unit, role="sole", handler=handler, actor=office)
    assignments.receive(a, actor=handler)
    reply = replies.draft_reply(Assignment.get_by_id(a.id), actor=handler, result_class="C", text="答复",
                                submit=True)
    replies.sign_off(fresh(reply), actor=boss)
    assert fresh(reply).status == ReplyStatus.AWAITING_OFFICE_REVIEW.value


# --- returns --------------------------------------------------------------------------------


def test_sign_off_return_needs_a_reason_and_goes_back_to_draft(f):
    s = make(f)
    reply = draft(s, submit=True)
    with pytest.raises(ValidationFailed) as exc:
        replies.sign_off(fresh(reply), actor=s.leader, decision="return", reason="  ")
    assert exc.value.fields == {"reason": "退回修改须填写理由"}
    assert fresh(reply).status == ReplyStatus.AWAITING_SIGN_OFF.value
    replies.sign_off(fresh(reply), actor=s.leader, decision="return", reason="请补充资金安排")
    r = fresh(reply)
    assert r.status == ReplyStatus.DRAFT.value and r.return_reason == "请补充资金安排"
    assert Notification.select().where((Notification.user == s.handler.id)
                                       & Notification.title.startswith("答复被退回")).exists()
    replies.edit_reply(r, actor=s.handler, text="补充后的答复")
    replies.submit_reply(fresh(reply), actor=s.handler)
    r = fresh(reply)
    assert r.return_reason == "" and r.cycle == 2
    assert [e.detail for e in replies.return_history(r)] == ["单位领导签发时退回答复稿（市住房和城乡建设局）：请补充资金安排"]


def test_cosign_return_restarts_cosigning_in_a_new_cycle(f):
    s = make(f)
    reply = to_cosign(s)
    replies.cosign(reply, actor=s.co_leaders[0])
    with pytest.raises(PermissionDenied):  # sending the draft back at 会签 is the co unit leader's too
        replies.cosign(fresh(reply), actor=s.co_users[1], decision="return", reason="资金来源表述不准确")
    assert fresh(reply).status == ReplyStatus.AWAITING_COSIGN.value
    replies.cosign(fresh(reply), actor=s.co_leaders[1], decision="return", reason="资金来源表述不准确")
    r = fresh(reply)
    assert r.status == ReplyStatus.DRAFT.value and r.return_reason == "资金来源表述不准确"
    assert ReplyCosign.get(ReplyCosign.decision == "return").reason == "资金来源表述不准确"
    replies.submit_reply(r, actor=s.handler)
    replies.sign_off(fresh(reply), actor=s.leader)
    r = fresh(reply)
    assert r.cycle == 2 and [row["cosign"] for row in replies.cosign_status(r)] == [None, None]
    replies.cosign(r, actor=s.co_leaders[1])
    assert fresh(reply).status == ReplyStatus.AWAITING_COSIGN.value  # the first unit must agree again
    replies.cosign(fresh(reply), actor=s.co_leaders[0])
    assert fresh(reply).status == ReplyStatus.AWAITING_OFFICE_REVIEW.value


def test_a_co_unit_agrees_to_the_draft_only_after_signing_for_the_item_and_sending_its_opinion(f):
    s = make(f, co_units=2)
    late_unit = f.unit("市交通运输局")
    late = f.assign(s.item, late_unit, role="co")  # not signed for yet
    late_user = User.get_by_id(late.handler_id)
    late_leader = f.user(Role.UNIT_LEADER, late_unit)
    reply = draft(s, submit=True)
    replies.sign_off(fresh(reply), actor=s.leader)
    reply = fresh(reply)
    assert reply.status == ReplyStatus.AWAITING_COSIGN.value

    with pytest.raises(Conflict, match="尚未签收本件") as refused:
        replies.cosign(reply, actor=late_leader)
    assert refused.value.code == "not_received"
    assert "cosign" not in replies.allowed_actions(late_leader, reply)
    assert "尚未签收本件" in replies.cosign_note(late_leader, reply)

    with pytest.raises(Conflict, match="尚未提交会办意见") as refused:
        replies.cosign(reply, actor=s.co_leaders[0])
    assert refused.value.code == "no_opinion"
    assert "cosign" in replies.allowed_actions(s.co_leaders[0], reply)  # it may still send the draft back
    # the handler is no co-signer, but sends the opinion the 会签 waits for: told so, in their words
    assert "cosign" not in replies.allowed_actions(s.co_users[0], reply)
    assert replies.cosign_note(s.co_users[0], reply) == (
        "市财政局尚未提交会办意见，请先提交会办意见，再由本单位领导会签主办单位的答复稿")
    assert [row["readiness"] for row in replies.cosign_status(reply)] == ["no_opinion", "no_opinion", "not_received"]
    assert fresh(reply).status == ReplyStatus.AWAITING_COSIGN.value and not ReplyCosign.select().exists()

    for co, user in zip(s.cos, s.co_users, strict=True):
        handling.submit_co_opinion(Assignment.get_by_id(co.id), actor=user, text="同意")
    assignments.receive(Assignment.get_by_id(late.id), actor=late_user)
    handling.submit_co_opinion(Assignment.get_by_id(late.id), actor=late_user, text="无补充意见")
    for user in (*s.co_users, late_user):
        assert replies.cosign_note(user, fresh(reply)) == ""  # their part is done
        with pytest.raises(PermissionDenied):
            replies.cosign(fresh(reply), actor=user)
    for user in (*s.co_leaders, late_leader):
        assert replies.cosign_note(user, fresh(reply)) == ""
        replies.cosign(fresh(reply), actor=user)
    assert fresh(reply).status == ReplyStatus.AWAITING_OFFICE_REVIEW.value


def test_a_co_unit_without_its_opinion_may_still_send_the_draft_back(f):
    s = make(f, co_units=1)
    reply = draft(s, submit=True)
    replies.sign_off(fresh(reply), actor=s.leader)
    with pytest.raises(PermissionDenied):
        replies.cosign(fresh(reply), actor=s.co_users[0], decision="return", reason="请写明我局的会办意见")
    assert fresh(reply).status == ReplyStatus.AWAITING_COSIGN.value
    replies.cosign(fresh(reply), actor=s.co_leaders[0], decision="return", reason="请写明我局的会办意见")
    assert fresh(reply).status == ReplyStatus.DRAFT.value


def test_review_return_and_a_unit_cannot_cosign_twice(f):
    s = make(f, co_units=1)
    reply = to_cosign(s)
    replies.cosign(reply, actor=s.co_leaders[0])
    with pytest.raises(InvalidTransition):
        replies.cosign(fresh(reply), actor=s.co_leaders[0])
    replies.review(fresh(reply), actor=s.office, decision="return", reason="答复格式不规范", result_class="D")
    r = fresh(reply)
    assert r.status == ReplyStatus.DRAFT.value and r.result_class == "B" and r.return_reason == "答复格式不规范"
    assert "督查室审核时退回" in AuditEntry.get(AuditEntry.action == "reply_returned").detail


def test_bad_decision_is_refused(f):
    s = make(f)
    reply = draft(s, submit=True)
    with pytest.raises(ValidationFailed):
        replies.sign_off(fresh(reply), actor=s.leader, decision="maybe")
    assert fresh(reply).status == ReplyStatus.AWAITING_SIGN_OFF.value


# --- who may ---------------------------------------------------------------------------------


def test_a_co_unit_cannot_reply(f):
    s = make(f)
    with pytest.raises(PermissionDenied, match="会办单位不直接答复"):
        replies.draft_reply(s.cos[0], actor=s.co_users[0], result_class="A", text="答复")
    assert Reply.select().count() == 0
    assert not policy.can(s.co_users[0], Action.DRAFT_REPLY, s.cos[0])


def test_a_handler_cannot_sign_off(f):
    s = make(f)
    reply = draft(s, submit=True)
    with pytest.raises(PermissionDenied, match="只有本单位领导可以签发"):
        replies.sign_off(fresh(reply), actor=s.handler)
    for user in (s.office, s.co_users[0], s.co_leaders[0], s.outsider):
        with pytest.raises(PermissionDenied):
            replies.sign_off(fresh(reply), actor=user)
    assert fresh(reply).status == ReplyStatus.AWAITING_SIGN_OFF.value


def test_only_the_office_reviews_and_only_co_unit_leaders_cosign(f):
    s = make(f, co_units=1)
    reply = to_cosign(s)
    outside_leader = f.user(Role.UNIT_LEADER, f.unit("市民政局"))
    for user in (s.handler, s.leader, s.outsider, outside_leader, s.office, s.co_users[0]):
        assert not policy.can(user, Action.COSIGN, fresh(reply)), user.username
        assert not policy.can(user, Action.RETURN, fresh(reply)), user.username
        for decision, reason in (("approve", ""), ("return", "请修改")):
            with pytest.raises(PermissionDenied):
                replies.cosign(fresh(reply), actor=user, decision=decision, reason=reason)
    assert fresh(reply).status == ReplyStatus.AWAITING_COSIGN.value and not ReplyCosign.select().exists()
    assert policy.can(s.co_leaders[0], Action.COSIGN, fresh(reply))
    assert policy.can(s.co_leaders[0], Action.RETURN, fresh(reply))
    replies.cosign(fresh(reply), actor=s.co_leaders[0])
    assert fresh(reply).status == ReplyStatus.AWAITING_OFFICE_REVIEW.value
    for user in (s.handler, s.leader, s.co_users[0], s.co_leaders[0]):
        with pytest.raises(PermissionDenied):
            replies.review(fresh(reply), actor=user)


def test_visibility_of_drafts_and_sent_replies(f):
    s = make(f, co_units=1)
    reply = draft(s)
    assert replies.get_reply_for(s.handler, reply.id).id == reply.id
    assert replies.get_reply_for(s.office, reply.id).id == reply.id
    for user in (s.co_users[0], s.sub1, s.outsider):
        with pytest.raises(NotFound):
            replies.get_reply_for(user, reply.id)
    replies.submit_reply(fresh(reply), actor=s.handler)
    assert replies.get_reply_for(s.co_users[0], reply.id).id == reply.id  # for 会签
    with pytest.raises(NotFound):
        replies.get_reply_for(s.sub1, reply.id)
    replies.sign_off(fresh(reply), actor=s.leader)
    opinions_in(s)
    assert replies.get_reply_for(s.co_leaders[0], reply.id).id == reply.id
    replies.cosign(fresh(reply), actor=s.co_leaders[0])
    replies.review(fresh(reply), actor=s.office)
    assert replies.get_reply_for(s.sub1, reply.id).id == reply.id
    assert replies.get_reply_for(s.sub2, reply.id).id == reply.id
    with pytest.raises(NotFound):
        replies.get_reply_for(s.outsider, reply.id)


def test_drafting_rules(f):
    s = make(f)
    unit = f.unit()
    handler = f.user(Role.UNIT_HANDLER, unit)
    other = f.assign(f.item(), unit, role="sole", handler=handler)
    with pytest.raises(Conflict, match="请先签收"):
        replies.draft_reply(other, actor=handler, result_class="A", text="x")
    with pytest.raises(PermissionDenied):
        replies.draft_reply(Assignment.get_by_id(s.lead.id), actor=s.outsider, result_class="A", text="x")
    draft(s)
    with pytest.raises(Conflict, match="请在原稿上修改"):
        draft(s)
    assert Reply.select().count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"result_class": "E"}, "result_class", "请选择分类标识（A类、B类、C类、D类）"),
        ({"text": " "}, "text", "请填写答复正文"),
        ({"publish": "secret"}, "publish", "公开属性须为全文公开、摘要公开或不公开"),
        ({"contact_phone": "call me"}, "contact_phone", "联系电话格式不正确，请只填写数字、空格、“-”或“转”"),
        ({"commitments": [{"text": "完成改造", "due_date": ""}]}, "commitments", "第 1 项承诺事项缺少完成时限"),
        ({"commitments": [{"text": "", "due_date": "2027-01-01"}]}, "commitments", "第 1 项承诺事项缺少内容"),
        ({"commitments": [{"text": "x", "due_date": "2020-01-01"}]}, "commitments",
         "第 1 项承诺事项的完成时限 2020-01-01 不能早于今天"),
        ({"commitments": [{"text": "x", "due_date": "2027-13-01"}]}, "commitments",
         "第 1 项承诺事项的完成时限格式应为 YYYY-MM-DD"),
    ],
)
def test_draft_validation_changes_nothing(f, changes, field, message):
    s = make(f, co_units=0)
    with pytest.raises(ValidationFailed) as exc:
        draft(s, **changes)
    assert exc.value.fields[field] == message
    assert Reply.select().count() == 0
    assert not AuditEntry.select().where(AuditEntry.action == "reply_drafted").exists()


def test_result_classes_follow_the_setting(f):
    s = make(f, co_units=0)
    rules.set_setting("result_classes", ["A", "B", "C"])
    with pytest.raises(ValidationFailed) as exc:
        draft(s, result_class="D")
    assert exc.value.fields["result_class"] == "请选择分类标识（A类、B类、C类）"
    assert replies.class_choices()[-1][0] == "C"


def test_empty_commitment_rows_are_dropped_and_submit_at_once(f):
    s = make(f, co_units=0)
    reply = draft(s, commitments=[{"text": "", "due_date": ""}, {"text": "年底前完工", "due_date": "2027-12-31"}],
                  submit=True)
    r = fresh(reply)
    assert r.status == ReplyStatus.AWAITING_SIGN_OFF.value
    assert r.planned_commitments == [{"text": "年底前完工", "due_date": "2027-12-31"}]


def test_edit_only_while_draft(f):
    s = make(f, co_units=0)
    reply = draft(s)
    replies.edit_reply(fresh(reply), actor=s.handler, result_class="C", text="修改稿")
    r = fresh(reply)
    assert (r.result_class, r.text, r.version) == ("C", "修改稿", 2)
    entry = AuditEntry.get(AuditEntry.action == "reply_edited")
    assert entry.before["result_class"] == "B" and entry.after["result_class"] == "C"
    replies.submit_reply(r, actor=s.handler)
    with pytest.raises(Conflict, match="答复已提交，不能再修改"):
        replies.edit_reply(fresh(reply), actor=s.handler, text="再改")
    with pytest.raises(ValidationFailed):
        replies.edit_reply(fresh(reply), actor=s.handler, status="sent")


# --- optimistic locking ---------------------------------------------------------------------


def test_stale_version_is_409(f):
    s = make(f, co_units=0)
    reply = draft(s)
    replies.edit_reply(fresh(reply), actor=s.handler, text="第二稿", version=1)
    with pytest.raises(StaleVersion):
        replies.edit_reply(fresh(reply), actor=s.handler, text="基于旧版本的修改", version=1)
    assert fresh(reply).text == "第二稿"
    stale = fresh(reply)
    replies.submit_reply(fresh(reply), actor=s.handler)
    with pytest.raises(StaleVersion):
        replies.submit_reply(stale, actor=s.handler)  # loaded before the other submission


def test_same_version_twice_one_wins(f):
    s = make(f, co_units=0)
    reply = draft(s, submit=True)
    v = fresh(reply).version
    replies.sign_off(fresh(reply), actor=s.leader, version=v)
    with pytest.raises((StaleVersion, InvalidTransition)):
        replies.sign_off(fresh(reply), actor=s.leader, version=v)


def test_concurrent_sign_off_one_wins_one_409(f, app):
    s = make(f, co_units=1)
    second_leader = f.user(Role.UNIT_LEADER, s.lead_unit)
    reply = draft(s, submit=True)
    copies = [fresh(reply), fresh(reply)]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def act(i: int, user) -> None:
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                barrier.wait(timeout=5)
                replies.sign_off(copies[i], actor=user, decision="approve" if i == 0 else "return",
                                 reason="" if i == 0 else "退回")
                results[i] = "ok"
            except StaleVersion:
                results[i] = 409
            finally:
                db.close()

    threads = [threading.Thread(target=act, args=(i, u)) for i, u in enumerate((s.leader, second_leader))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results, key=str) == [409, "ok"]
    r = fresh(reply)
    assert r.version == copies[0].version or r.version == copies[1].version
    assert r.status in (ReplyStatus.AWAITING_COSIGN.value, ReplyStatus.DRAFT.value)
    assert AuditEntry.select().where(AuditEntry.action.in_(["reply_signed_off", "reply_returned"])).count() == 1


# --- modes and rounds -----------------------------------------------------------------------


def test_separate_mode_each_unit_replies_on_its_own(f):
    office = f.office()
    item = f.item(tier=Tier.DEPARTMENT.value)
    units = [f.unit(), f.unit()]
    people = []
    for unit in units:
        h, b = f.user(Role.UNIT_HANDLER, unit), f.user(Role.UNIT_LEADER, unit)
        a = f.assign(item, unit, role="separate", handler=h, actor=office)
        assignments.receive(a, actor=h)
        people.append((a, h, b))
    sent = []
    for n, (a, h, b) in enumerate(people):
        reply = replies.draft_reply(Assignment.get_by_id(a.id), actor=h, result_class="A", text=f"第{n}部分答复",
                                    submit=True)
        assert replies.pipeline(reply) == [ReplyStatus.AWAITING_SIGN_OFF, ReplyStatus.SENT]
        replies.sign_off(fresh(reply), actor=b)
        sent.append(fresh(reply))
        expected = ItemStatus.IN_PROGRESS if n == 0 else ItemStatus.REPLIED
        assert Item.get_by_id(item.id).status == expected.value
    assert all(r.status == ReplyStatus.SENT.value for r in sent)
    # a separate unit sees the other's reply once sent, never its drafts
    assert replies.get_reply_for(people[0][1], sent[1].id)


def test_co_opinion_closed_once_the_lead_sent(f):
    s = make(f, co_units=1)
    reply = to_cosign(s)
    replies.cosign(reply, actor=s.co_leaders[0])
    replies.review(fresh(reply), actor=s.office)
    with pytest.raises(Conflict, match="主办单位已发送答复"):
        handling.submit_co_opinion(Assignment.get_by_id(s.cos[0].id), actor=s.co_users[0], text="补充意见")


def test_send_refused_while_a_return_request_is_pending(f):
    s = make(f, tier=Tier.DEPARTMENT.value, co_units=0)
    reply = draft(s, submit=True)
    assignments.request_return(Assignment.get_by_id(s.lead.id), actor=s.handler, reason="不属于本单位职责")
    with pytest.raises(InvalidTransition):
        replies.sign_off(fresh(reply), actor=s.leader)
    assert fresh(reply).status == ReplyStatus.AWAITING_SIGN_OFF.value
    assert Commitment.select().count() == 0


def test_rehandling_round_drafts_a_new_reply_and_keeps_the_first(f):
    s = make(f, tier=Tier.DEPARTMENT.value, co_units=0)
    first = draft(s, submit=True)
    replies.sign_off(fresh(first), actor=s.leader)
    a = Assignment.get_by_id(s.lead.id)
    assignments.transition(a, Action.REHANDLE)
    Assignment.update(round=2, rehandle_due=a.reply_due).where(Assignment.id == a.id).execute()
    a = Assignment.get_by_id(a.id)
    assert replies.can_start_reply(s.handler, a)
    second = replies.draft_reply(a, actor=s.handler, result_class="A", text="重新办理后的答复", submit=True)
    assert second.round == 2
    replies.sign_off(fresh(second), actor=s.leader)
    assert [r.round for r in replies.visible_replies(s.sub1, a)] == [1, 2]
    assert Assignment.get_by_id(a.id).status == AssignmentStatus.REPLIED.value


# --- attachments ----------------------------------------------------------------------------


def test_attachments_by_content_and_download_permission(f, app):
    s = make(f, co_units=0)
    reply = draft(s, files=[("答复函.pdf", PDF), ("附件.docx", docx_bytes())])
    atts = reply_files.attachments_of(reply)
    assert [(a.filename, a.content_type) for a in atts] == [
        ("答复函.pdf", "application/pdf"), ("附件.docx", reply_files.DOCX_MIME)]
    stored = reply_files.path_of(atts[0])
    assert stored.read_bytes() == PDF and stored.name == atts[0].stored_name and "." not in stored.name
    assert str(stored).startswith(app.config["UPLOAD_DIR"])
    with pytest.raises(ValidationFailed, match="不是允许的文件类型"):
        reply_files.add_attachment(fresh(reply), actor=s.handler, filename="setup.pdf", data=EXE)
    assert Attachment.select().count() == 2
    with pytest.raises(ValidationFailed, match="不是允许的文件类型"):
        replies.edit_reply(fresh(reply), actor=s.handler, text="新稿", files=[("a.pdf", EXE)])
    assert fresh(reply).text != "新稿"
    assert reply_files.get_attachment_for(s.handler, atts[0].id).id == atts[0].id
    for user in (s.outsider, s.sub1):
        with pytest.raises(NotFound):
            reply_files.get_attachment_for(user, atts[0].id)
    with pytest.raises(PermissionDenied):
        reply_files.add_attachment(fresh(reply), actor=s.outsider, filename="x.pdf", data=PDF)
    reply_files.remove_attachment(atts[1], actor=s.handler)
    assert Attachment.select().count() == 1


def test_attachment_size_limit_and_names(f):
    s = make(f, co_units=0)
    reply = draft(s)
    with pytest.raises(ValidationFailed, match="超过 20 MB"):
        reply_files.add_attachment(reply, actor=s.handler, filename="big.pdf",
                                   data=PDF + b"0" * reply_files.MAX_BYTES)
    att = reply_files.add_attachment(reply, actor=s.handler, filename="../../etc/报告", data=PDF)
    assert att.filename == "报告.pdf"
    assert reply_files.detect(b"\x89PNG\r\n\x1a\n....") == ("png", "image/png")
    assert reply_files.detect(b"\xff\xd8\xff\xe0JFIF") == ("jpg", "image/jpeg")
    assert reply_files.detect(b"PK\x03\x04 not a zip") is None
    replies.submit_reply(fresh(reply), actor=s.handler)
    with pytest.raises(Conflict, match="不能再增删附件"):
        reply_files.add_attachment(fresh(reply), actor=s.handler, filename="x.pdf", data=PDF)
