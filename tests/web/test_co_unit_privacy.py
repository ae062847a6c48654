"""What a co-handling unit (会办) reads of a lead + co item (DOMAIN.md §6: co units see only what
they need — the item, the lead's draft for 会签, the sent reply): its own assignment's records,
not the lead unit's progress notes, contacts with the submitter, return and extension requests,
slips, nor how the lead's reply was sent back, signed off and reviewed. On the item page, the
reply page, the timeline and the API alike; the office, the city leaders and the lead unit keep
reading all of it (policy.record_units)."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.core import clock
from tracker.core.enums import ReplyStatus, Role, Tier
from tracker.handling import services as handling
from tracker.reminders import services as reminders
from tracker.replies import services as replies
from tracker.replies.models import Reply

LEAD_NOTE = "已召开专题会研究加装电梯补贴方案"
LEAD_CONTACT = "电话联系张代表，介绍补贴测算思路"
LEAD_RETURN = "申退理由：加装电梯补贴不属本局职责"
LEAD_RETURN_NOTE = "驳回：补贴政策由住建局牵头"
LEAD_EXTENSION = "需等待财政预算批复，申请延期"
SLIP_REASON = "住建局办理进度滞后，请抓紧"
SEND_BACK = "请补充办理措施"
REPLY_TEXT = "张代表：经研究，现将加装电梯补贴办理情况答复如下。"
CO_NOTE = "交通局已完成小区周边道路踏勘"
CO_OPINION = "建议同步优化小区出入口公交接驳"
LEAD_INTERNAL = (LEAD_NOTE, LEAD_CONTACT, LEAD_RETURN, LEAD_RETURN_NOTE, LEAD_EXTENSION, SLIP_REASON,
                 SEND_BACK)


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture()
def s(f):
    """An office-supervised item led by 市住建局 with 市交通运输局 co-handling: the lead unit has
    recorded progress, a contact, a rejected return request, an extension request and got a
    slip; its leader sent the draft back once, then signed it off; it awaits the co unit's 会签."""
    class S:
        pass

    s = S()
    s.office = f.office()
    s.city_leader = f.user(Role.LEADER, name="李市长")
    p = f.person("张代表")
    s.submitter = f.user(Role.SUBMITTER, person=p, name="张代表")
    s.item = f.item(tier=Tier.OFFICE_SUPERVISED.value, title="关于加快老旧小区加装电梯的建议",
                    submitters=[{"name": "张代表", "role": "lead", "person_id": p.id}])
    lead_unit, co_unit = f.unit("市住房和城乡建设局"), f.unit("市交通运输局")
    s.handler = f.user(Role.UNIT_HANDLER, lead_unit, name="王经办")
    s.unit_leader = f.user(Role.UNIT_LEADER, lead_unit, name="陈局长")
    s.co_handler = f.user(Role.UNIT_HANDLER, co_unit, name="孙会办")
    s.co_leader = f.user(Role.UNIT_LEADER, co_unit, name="周局长")
    s.lead = f.assign(s.item, lead_unit, role="lead", handler=s.handler, task="牵头研究加装电梯补贴")
    s.co = f.assign(s.item, co_unit, role="co", handler=s.co_handler, task="配合优化周边交通")
    assignments.receive(s.lead, actor=s.handler)
    assignments.receive(s.co, actor=s.co_handler)
    lead = Assignment.get_by_id(s.lead.id)
    req = assignments.request_return(lead, actor=s.handler, reason=LEAD_RETURN)
    assignments.decide_return(req, actor=s.office, approve=False, note=LEAD_RETURN_NOTE)
    lead = Assignment.get_by_id(s.lead.id)
    handling.record_progress(lead, actor=s.handler, text=LEAD_NOTE)
    handling.record_contact(lead, actor=s.handler, stage="before", method="phone", contact_on=clock.today(),
                            summary=LEAD_CONTACT)
    handling.request_extension(lead, actor=s.handler, requested_due=lead.reply_due + dt.timedelta(days=20),
                               reason=LEAD_EXTENSION)
    reminders.urge(Assignment.get_by_id(s.lead.id), actor=s.office, reason=SLIP_REASON)
    co = Assignment.get_by_id(s.co.id)
    handling.record_progress(co, actor=s.co_handler, text=CO_NOTE)
    handling.submit_co_opinion(Assignment.get_by_id(s.co.id), actor=s.co_handler, text=CO_OPINION)
    reply = replies.draft_reply(Assignment.get_by_id(s.lead.id), actor=s.handler, result_class="B",
                                text=REPLY_TEXT, submit=True)
    replies.sign_off(Reply.get_by_id(reply.id), actor=s.unit_leader, decision="return", reason=SEND_BACK)
    replies.submit_reply(Reply.get_by_id(reply.id), actor=s.handler)
    replies.sign_off(Reply.get_by_id(reply.id), actor=s.unit_leader)
    s.reply = Reply.get_by_id(reply.id)
    assert s.reply.status == ReplyStatus.AWAITING_COSIGN.value
    return s


def send(s) -> Reply:
    """The co unit's leader agrees (会签), the office reviews it and changes its class: the reply is sent."""
    replies.cosign(Reply.get_by_id(s.reply.id), actor=s.co_leader)
    replies.review(Reply.get_by_id(s.reply.id), actor=s.office, result_class="A", reason="措施已落实")
    reply = Reply.get_by_id(s.reply.id)
    assert reply.status == ReplyStatus.SENT.value
    return reply


def by_unit(body: dict, role: str) -> dict:
    [row] = [a for a in body["assignments"] if a["role"] == role]
    return row


def test_the_co_unit_page_shows_the_draft_to_cosign_but_not_the_lead_units_records(s, login_as):
    cosign_form = f'action="/replies/{s.reply.id}/cosign"'
    for user in (s.co_handler, s.co_leader):
        client = login_as(user)
        page = text(client.get(f"/items/{s.item.id}"))
        assert REPLY_TEXT in page  # the draft it must agree to
        # only the co unit's leader is offered the 会签 form; its handler reads the draft
        leads = user is s.co_leader
        assert ("提交会签意见" in page, cosign_form in page) == (leads, leads), user.name
        assert CO_NOTE in page and CO_OPINION in page  # its own records
        assert "配合优化周边交通" in page and "牵头研究加装电梯补贴" not in page  # its own five fixes
        for secret in LEAD_INTERNAL:
            assert secret not in page, (user.name, secret)
        assert "陈局长" not in page  # who signed the draft off
        assert "送本单位领导签发" not in page and "reply-steps" not in page
        reply_page = text(client.get(f"/replies/{s.reply.id}"))
        assert REPLY_TEXT in reply_page and SEND_BACK not in reply_page and "陈局长" not in reply_page
        assert ("提交会签意见" in reply_page, cosign_form in reply_page) == (leads, leads), user.name

    reply = send(s)
    page = text(login_as(s.co_handler).get(f"/items/{s.item.id}"))
    assert REPLY_TEXT in page and "已发送" in page
    assert "市住房和城乡建设局答复已发送" in page  # the timeline tells it the reply went out
    assert "分类标识由" not in page and "措施已落实" not in page  # the office's review
    assert "督查室审核" not in page and "陈局长" not in page
    assert "周局长" in page  # its own 会签, by its leader
    for secret in LEAD_INTERNAL:
        assert secret not in page, secret
    assert reply.result_class == "A"


def test_the_co_unit_api_gives_its_own_records_and_the_leads_reply_without_its_workflow(s, api):
    co_api = api(s.co_handler)
    body = co_api.get(f"/items/{s.item.id}").get_json()
    dump = str(body)
    for secret in LEAD_INTERNAL:
        assert secret not in dump, secret
    lead = by_unit(body, "lead")
    assert lead["return_requests"] == [] and lead["extension_requests"] == []
    for key in ("task", "responsible_leader", "handler", "first_contact_on"):
        assert key not in lead, key
    assert lead["deadline_explanations"] == {} and lead["status"] == "handling"
    [draft] = lead["replies"]
    assert draft["text"] == REPLY_TEXT and draft["status"] == "awaiting_cosign"
    for key in ("return_reason", "signed_off_at", "reviewed_at"):
        assert key not in draft, key
    co = by_unit(body, "co")
    assert co["task"] == "配合优化周边交通" and co["handler"]["name"] == "孙会办"
    types = {e["type"] for e in body["timeline"]}
    assert "progress" in types  # its own note
    assert not {"contact", "extension_requested", "return_requested", "return_decided", "slip_issued",
                "reply_returned", "reply_signed_off", "reply_submitted", "reply_drafted"} & types, types

    one = co_api.get(f"/replies/{s.reply.id}").get_json()
    assert one["text"] == REPLY_TEXT and "pipeline" not in one and "return_reason" not in one
    assert [c["unit_name"] for c in one["cosigns"]] == ["市交通运输局"]
    assert SEND_BACK not in str(one) and "陈局长" not in str(one)
    # the lead unit's assignment, requests and records are not the co unit's to fetch
    assert co_api.get(f"/assignments/{s.lead.id}").status_code == 404
    assert co_api.get(f"/assignments/{s.co.id}").status_code == 200
    assert co_api.get(f"/return-requests?item_id={s.item.id}").get_json()["items"] == []

    send(s)
    body = co_api.get(f"/items/{s.item.id}").get_json()
    [sent] = by_unit(body, "lead")["replies"]
    assert sent["status"] == "sent" and sent["result_class"] == "A"
    assert "reviewed_at" not in sent and "signed_off_at" not in sent
    # sent by the lead unit — not by whoever approved it last (here the office's reviewer)
    assert [e["actor"] for e in body["timeline"] if e["type"] == "reply_sent"] == ["市住房和城乡建设局"]
    assert not {"reply_reviewed", "reply_signed_off"} & {e["type"] for e in body["timeline"]}
    assert "措施已落实" not in str(body) and "分类标识由" not in str(body)


@pytest.mark.parametrize("who", ["office", "city_leader", "handler", "unit_leader"])
def test_the_office_leaders_and_the_lead_unit_still_read_everything(s, api, login_as, who):
    user = getattr(s, who)
    page = text(login_as(user).get(f"/items/{s.item.id}"))
    for secret in (LEAD_NOTE, LEAD_CONTACT, LEAD_EXTENSION, SEND_BACK, CO_OPINION):
        assert secret in page, (who, secret)
    assert "reply-steps" in page and "陈局长" in page
    body = api(user).get(f"/items/{s.item.id}").get_json()
    lead = by_unit(body, "lead")
    assert [r["reason"] for r in lead["return_requests"]] == [LEAD_RETURN]
    assert [r["reason"] for r in lead["extension_requests"]] == [LEAD_EXTENSION]
    assert lead["task"] == "牵头研究加装电梯补贴" and lead["handler"]["name"] == "王经办"
    [draft] = lead["replies"]
    assert "return_reason" in draft and draft["signed_off_at"]
    co = by_unit(body, "co")
    assert co["task"] == "配合优化周边交通"
    types = {e["type"] for e in body["timeline"]}
    assert {"contact", "extension_requested", "return_requested", "reply_returned", "reply_signed_off",
            "slip_issued"} <= types, types
    one = api(user).get(f"/replies/{s.reply.id}").get_json()
    assert "pipeline" in one and "return_reason" in one and one["signed_off_at"]
    assert [c["unit_name"] for c in one["cosigns"]] == ["市交通运输局"]


def test_a_co_unit_sees_its_own_send_back_but_not_another_co_units_cosign(s, f, api, login_as):
    """With two co units: each reads its own 会签 (and its own reason for sending the draft
    back), not the other's."""
    other_unit = f.unit("市财政局")
    other = f.user(Role.UNIT_HANDLER, other_unit, name="钱会办")
    other_leader = f.user(Role.UNIT_LEADER, other_unit, name="吴局长")
    # a second co unit joins before the draft goes round again
    replies.cosign(Reply.get_by_id(s.reply.id), actor=s.co_leader, decision="return", reason="公交接驳表述不准确")
    extra = f.assign(s.item, other_unit, role="co", handler=other, task="测算补贴资金")
    assignments.receive(extra, actor=other)
    handling.submit_co_opinion(Assignment.get_by_id(extra.id), actor=other, text="财政局意见：资金可统筹")
    replies.submit_reply(Reply.get_by_id(s.reply.id), actor=s.handler)
    replies.sign_off(Reply.get_by_id(s.reply.id), actor=s.unit_leader)
    replies.cosign(Reply.get_by_id(s.reply.id), actor=other_leader, decision="approve", reason="财政局同意")

    page = text(login_as(s.co_handler).get(f"/items/{s.item.id}"))
    assert "公交接驳表述不准确" in page  # its own send-back
    assert "市财政局会签同意" not in page and "财政局同意" not in page and "测算补贴资金" not in page
    assert "吴局长" not in page
    assert "市财政局签收" in page  # what is public on the item: another unit signed for it
    assert SEND_BACK not in page
    one = api(s.co_handler).get(f"/replies/{s.reply.id}").get_json()
    assert [c["unit_name"] for c in one["cosigns"]] == ["市交通运输局"]
    office = api(s.office).get(f"/replies/{s.reply.id}").get_json()
    assert {c["unit_name"] for c in office["cosigns"]} == {"市交通运输局", "市财政局"}


def test_the_close_out_panel_gives_a_co_unit_no_checklist_of_the_lead(s, api, login_as):
    """Which "3+1" steps the lead unit has done is read off its contacts and commitments: the
    co unit learns that the lead's list is unfinished, not which steps are missing."""
    send(s)
    office = api(s.office).get(f"/items/{s.item.id}/closeout").get_json()
    [lead_list] = office["checklist"]
    assert lead_list["unit"] == "市住房和城乡建设局" and lead_list["entries"]
    unmet = [e["label"] for e in lead_list["entries"] if e["met"] is False]
    assert unmet  # e.g. the talk during handling
    assert api(s.handler).get(f"/items/{s.item.id}/closeout").get_json() == office
    co = api(s.co_handler).get(f"/items/{s.item.id}/closeout").get_json()
    assert co["checklist"] == [] and co["closable"] is False
    said = " ".join(co["conditions"] + co["warnings"])
    assert "市住房和城乡建设局的办理清单" in said
    for label in unmet:
        assert label not in said, label
    assert [c for c in co["conditions"] if "3+1" not in c] == [c for c in office["conditions"] if "3+1" not in c]
    for user in (s.co_handler, s.co_leader):
        page = text(login_as(user).get(f"/items/{s.item.id}"))
        assert 'id="checklist"' not in page and "市住房和城乡建设局的办理清单" in page
        for label in unmet:
            assert label not in page.split('id="closeout')[-1], label
    page = text(login_as(s.handler).get(f"/items/{s.item.id}"))
    assert 'id="checklist"' in page
