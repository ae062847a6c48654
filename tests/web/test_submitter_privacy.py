"""What a joint item's submitter must not read of the others (DOMAIN.md: submitters see only their
own items and replies), on the pages and through the API alike: a co-signer's filled 征询意见表,
the office's note (备注) and the leaders' instructions (批示), and who among the co-signers was
dissatisfied when re-handling was ordered. The office keeps reading all of it."""

from __future__ import annotations

from tests.closeout_support import replied_item
from tests.docx_text import docx_lines
from tracker.items import instructions
from tracker.items.models import Item, Submitter
from tracker.replies import closeout
from tracker.replies.models import Feedback

UNIT = "市住房和城乡建设局"
NAMES = ("王代表", "叶秀英", "张敏")
UNHAPPY = {"work": "dissatisfied", "result": "dissatisfied", "adoption": "not_adopted"}
HAPPY = {"work": "satisfied", "result": "satisfied", "adoption": "adopted"}


def joint_item(**kw):
    """王代表 (lead), 叶秀英 and 张敏 (co-signers), the reply sent; 王代表 satisfied, 叶秀英 not."""
    s = replied_item(names=NAMES, unit_name=UNIT, **kw)
    closeout.give_feedback(s.item, actor=s.office, submitter_name="王代表", comment="王代表：答复很具体", **HAPPY)
    closeout.give_feedback(s.item, actor=s.office, submitter_name="叶秀英", comment="叶秀英：问题仍未解决",
                           **UNHAPPY)
    return s


def sub_id(s, name: str) -> int:
    return Submitter.get((Submitter.item == s.item.id) & (Submitter.name == name)).id


def form_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return "\n".join(docx_lines(response.get_data()))


# --- 1. the 征询意见表 ---------------------------------------------------------------------------


def test_a_submitter_downloads_only_their_own_feedback_form(f, login_as):
    s = joint_item()
    url = f"/documents/items/{s.item.id}/feedback-form.docx"
    zhang = login_as(s.people["张敏"][1])
    own = form_text(zhang.get(url))  # no parameter: their own form, not the lead's
    assert "张敏" in own and "王代表" not in own
    assert "王代表：答复很具体" not in own and "☑满意" not in own
    assert "□满意　□基本满意　□不满意" in own
    assert form_text(zhang.get(f"{url}?submitter={sub_id(s, '张敏')}")) == own
    for other in ("王代表", "叶秀英"):
        assert zhang.get(f"{url}?submitter={sub_id(s, other)}").status_code == 404, other
    assert zhang.get(f"{url}?submitter=abc").status_code == 404
    page = zhang.get(f"/items/{s.item.id}").get_data(as_text=True)
    assert f"feedback-form.docx?submitter={sub_id(s, '张敏')}" in page
    assert f"feedback-form.docx?submitter={sub_id(s, '叶秀英')}" not in page

    ye = login_as(s.people["叶秀英"][1])
    mine = form_text(ye.get(url))
    assert "叶秀英：问题仍未解决" in mine and "☑不满意" in mine
    assert ye.get(f"{url}?submitter={sub_id(s, '王代表')}").status_code == 404

    office = login_as(s.office)  # the office still chooses any submitter's form
    assert "王代表：答复很具体" in form_text(office.get(url))  # the lead's by default
    ye_form = form_text(office.get(f"{url}?submitter={sub_id(s, '叶秀英')}"))
    assert "叶秀英：问题仍未解决" in ye_form and "☑不满意" in ye_form
    page = office.get(f"/items/{s.item.id}").get_data(as_text=True)
    assert all(f"feedback-form.docx?submitter={sub_id(s, n)}" in page for n in NAMES)
    handler = login_as(s.handler)
    assert "叶秀英：问题仍未解决" in form_text(handler.get(f"{url}?submitter={sub_id(s, '叶秀英')}"))


def test_a_submitter_gets_the_reply_letter_addressed_to_themselves_only(f, login_as):
    s = joint_item()
    from tracker.replies.models import Reply

    reply = Reply.get(Reply.assignment == s.assignment.id)
    url = f"/documents/replies/{reply.id}/letter.docx"
    zhang = login_as(s.people["张敏"][1])
    own = form_text(zhang.get(url))
    assert "张敏代表：" in own and "王代表" not in own
    assert form_text(zhang.get(f"{url}?submitter={sub_id(s, '张敏')}")) == own
    for other in ("王代表", "叶秀英"):  # the letter to a co-signer is not theirs to take
        assert zhang.get(f"{url}?submitter={sub_id(s, other)}").status_code == 404, other
    office = login_as(s.office)  # the office addresses it to any of them, or to all
    assert "叶秀英代表：" in form_text(office.get(f"{url}?submitter={sub_id(s, '叶秀英')}"))
    assert "王代表、叶秀英、张敏代表：" in form_text(office.get(url))


# --- 2. the office's note and the leaders' instructions ---------------------------------------


def test_note_and_instructions_are_hidden_from_submitters_in_the_api_as_on_the_page(f, api, login_as):
    s = replied_item(names=NAMES, unit_name=UNIT, tier="leader_led")
    Item.update(note="督查室内部备注：该件需重点督办").where(Item.id == s.item.id).execute()
    leader = s.fresh().leader
    instructions.add_instruction(s.fresh(), actor=leader, text="市长批示：请住建局抓紧研究")

    zhang = api(s.people["张敏"][1])
    body = zhang.get(f"/items/{s.item.id}").get_json()
    assert "note" not in body
    assert body["instructions"] == []
    assert "督查室内部备注" not in str(body) and "市长批示" not in str(body)
    rows = zhang.get("/items").get_json()["items"]
    assert [r["id"] for r in rows] == [s.item.id]
    assert "督查室内部备注" not in str(rows) and "市长批示" not in str(rows)
    assert "note" not in rows[0] and "instructions" not in rows[0]
    page = login_as(s.people["张敏"][1]).get(f"/items/{s.item.id}").get_data(as_text=True)
    assert "督查室内部备注" not in page and "市长批示" not in page

    for user in (s.office, leader):
        body = api(user).get(f"/items/{s.item.id}").get_json()
        assert body["note"] == "督查室内部备注：该件需重点督办"
        assert [i["text"] for i in body["instructions"]] == ["市长批示：请住建局抓紧研究"]
    page = login_as(s.office).get(f"/items/{s.item.id}").get_data(as_text=True)
    assert "督查室内部备注" in page and "市长批示：请住建局抓紧研究" in page
    unit_body = api(s.handler).get(f"/items/{s.item.id}").get_json()  # the unit reads the instructions
    assert [i["text"] for i in unit_body["instructions"]] == ["市长批示：请住建局抓紧研究"]
    assert "note" not in unit_body  # the office's note: not on the unit's page either
    page = login_as(s.handler).get(f"/items/{s.item.id}").get_data(as_text=True)
    assert "督查室内部备注" not in page


# --- 3. the timeline of a re-handling order -----------------------------------------------------


def rehandle_detail(timeline: list[dict]) -> str:
    [detail] = [e["detail"] for e in timeline if e["type"] == "rehandle_ordered"]
    return detail


def test_the_timeline_does_not_tell_a_submitter_who_was_dissatisfied(f, api, login_as):
    s = joint_item()
    closeout.order_rehandling(s.fresh(), actor=s.office, reason="叶秀英代表认为答复未回应加装补贴问题")
    due = s.a().rehandle_due.isoformat()
    neutral = f"要求{UNIT}重新办理（第 2 轮），期限 {due}"

    zhang = api(s.people["张敏"][1]).get(f"/items/{s.item.id}").get_json()
    assert rehandle_detail(zhang["timeline"]) == neutral
    assert not any("叶秀英" in e["detail"] or "王代表" in e["detail"] for e in zhang["timeline"])
    assert zhang["feedback"] == []
    page = login_as(s.people["张敏"][1]).get(f"/items/{s.item.id}").get_data(as_text=True)
    assert neutral in page
    assert "叶秀英不满意" not in page and "答复未回应加装补贴问题" not in page

    wang = api(s.people["王代表"][1]).get(f"/items/{s.item.id}").get_json()  # rated, but not the one unhappy
    assert rehandle_detail(wang["timeline"]) == neutral
    assert [e["detail"][:3] for e in wang["timeline"] if e["type"] == "feedback"] == ["王代表"]

    ye = api(s.people["叶秀英"][1]).get(f"/items/{s.item.id}").get_json()  # the order is about them alone
    assert rehandle_detail(ye["timeline"]).startswith(f"因叶秀英不满意，要求{UNIT}重新办理（第 2 轮）")

    office = api(s.office).get(f"/items/{s.item.id}").get_json()
    assert rehandle_detail(office["timeline"]).startswith("因叶秀英不满意，")
    assert "答复未回应加装补贴问题" in rehandle_detail(office["timeline"])
    page = login_as(s.office).get(f"/items/{s.item.id}").get_data(as_text=True)
    assert "因叶秀英不满意" in page
    from tracker.audit.models import AuditEntry  # the stored entry is unchanged (append-only)

    stored = AuditEntry.get((AuditEntry.item_id == s.item.id) & (AuditEntry.action == "rehandle_ordered"))
    assert stored.detail.startswith("因叶秀英不满意，")


def test_two_dissatisfied_co_signers_do_not_read_each_others_names(f, api):
    s = replied_item(names=NAMES, unit_name=UNIT)
    closeout.give_feedback(s.item, actor=s.office, submitter_name="叶秀英", comment="未解决", **UNHAPPY)
    closeout.give_feedback(s.item, actor=s.office, submitter_name="张敏", comment="未解决", **UNHAPPY)
    closeout.order_rehandling(s.fresh(), actor=s.office, reason="请重新研究")
    for name in ("叶秀英", "张敏", "王代表"):
        detail = rehandle_detail(api(s.people[name][1]).get(f"/items/{s.item.id}").get_json()["timeline"])
        assert detail.startswith(f"要求{UNIT}重新办理（第 2 轮）"), (name, detail)
    assert rehandle_detail(api(s.office).get(f"/items/{s.item.id}").get_json()["timeline"]).startswith(
        "因叶秀英、张敏不满意")


def test_a_decision_on_another_co_signers_dissatisfaction_is_not_shown_to_submitters(f, api, login_as):
    s = joint_item()
    fb = Feedback.get((Feedback.item == s.item.id) & (Feedback.submitter == sub_id(s, "叶秀英")))
    closeout.resolve_dissatisfaction(fb, actor=s.office, reason="受规划条件限制，已当面说明")
    for name in ("张敏", "王代表", "叶秀英"):
        timeline = api(s.people[name][1]).get(f"/items/{s.item.id}").get_json()["timeline"]
        assert "feedback_resolved" not in {e["type"] for e in timeline}, name
        assert all("受规划条件限制" not in e["detail"] for e in timeline), name
        if name != "叶秀英":
            assert all("叶秀英" not in e["detail"] for e in timeline), name
    page = login_as(s.people["张敏"][1]).get(f"/items/{s.item.id}").get_data(as_text=True)
    assert "受规划条件限制" not in page and "对叶秀英的不满意意见" not in page
    office = api(s.office).get(f"/items/{s.item.id}").get_json()["timeline"]
    assert any(e["type"] == "feedback_resolved" and "对叶秀英的不满意意见" in e["detail"] for e in office)



# --- 4. the reply's internal workflow ------------------------------------------------------------

SEND_BACK = "请补充办理措施"
REVIEW_REASON = "措施已落实，调整为 A 类"
REPLY_TEXT = "张敏代表：经研究，现将加装电梯办理情况答复如下。"


def reviewed_item(f):
    """An office-supervised item led by 市住建局 with 市交通运输局 co-handling, filed by 张敏: the
    lead's draft was sent back once by its leader 陈局长, signed off, co-signed by 孙会办 and
    reviewed by 陈静 of the office, who changed its class from B to A — then sent, with a
    commitment and an attachment."""
    import datetime as dt

    from tracker.assignments import services as assignments
    from tracker.core import clock
    from tracker.core.enums import Role, Tier
    from tracker.handling import services as handling
    from tracker.replies import services as replies
    from tracker.replies.models import Reply

    registrar = f.office()  # registers and assigns (public steps); 陈静 reviews the reply
    office = f.user(Role.OFFICE, name="陈静")
    person = f.person("张敏")
    deputy = f.user(Role.SUBMITTER, person=person, name="张敏")
    item = f.item(tier=Tier.OFFICE_SUPERVISED.value, actor=registrar,
                  submitters=[{"name": "张敏", "role": "lead", "person_id": person.id}])
    lead_unit, co_unit = f.unit(UNIT), f.unit("市交通运输局")
    handler = f.user(Role.UNIT_HANDLER, lead_unit, name="王经办")
    unit_leader = f.user(Role.UNIT_LEADER, lead_unit, name="陈局长")
    co_handler = f.user(Role.UNIT_HANDLER, co_unit, name="孙会办")
    co_leader = f.user(Role.UNIT_LEADER, co_unit, name="周局长")  # 会签 is the co unit leader's
    lead = f.assign(item, lead_unit, role="lead", handler=handler, actor=registrar)
    co = f.assign(item, co_unit, role="co", handler=co_handler, actor=registrar)
    assignments.receive(lead, actor=handler)
    assignments.receive(co, actor=co_handler)
    handling.submit_co_opinion(co.refresh(), actor=co_handler, text="同意")
    due = (clock.today() + dt.timedelta(days=90)).isoformat()
    reply = replies.draft_reply(lead.refresh(), actor=handler, result_class="B", text=REPLY_TEXT, submit=True,
                                commitments=[{"text": "明年6月底前完成加装", "due_date": due}],
                                files=[("答复函.pdf", b"%PDF-1.4\n%%EOF\n")])
    replies.sign_off(Reply.get_by_id(reply.id), actor=unit_leader, decision="return", reason=SEND_BACK)
    replies.submit_reply(Reply.get_by_id(reply.id), actor=handler)
    replies.sign_off(Reply.get_by_id(reply.id), actor=unit_leader)
    replies.cosign(Reply.get_by_id(reply.id), actor=co_leader)
    replies.review(Reply.get_by_id(reply.id), actor=office, result_class="A", reason=REVIEW_REASON)
    reply = Reply.get_by_id(reply.id)
    assert reply.status == "sent" and reply.result_class == "A"
    return item, reply, deputy, office


# who signed it off, co-signed it (周局长; 孙会办 signing for receipt is public) and reviewed it;
# why it was sent back; the class change; the steps
INTERNAL_WORDS = ("陈局长", "陈静", "周局长", "会签同意", "同意</span> · 周局长", SEND_BACK, REVIEW_REASON, "分类标识由",
                  "督查室审核", "待领导签发", "待会签", "reply-steps", "退回记录")


def test_a_submitter_reads_the_sent_reply_without_its_internal_workflow(f, api, login_as):
    item, reply, deputy, office = reviewed_item(f)
    client = login_as(deputy)
    for url in (f"/items/{item.id}", f"/replies/{reply.id}"):
        page = client.get(url).get_data(as_text=True)
        assert REPLY_TEXT in page and "已发送" in page and "答复函.pdf" in page, url
        assert "明年6月底前完成加装" in page and "A类" in page, url
        for word in INTERNAL_WORDS:
            assert word not in page, (url, word)

    deputy_api = api(deputy)
    body = deputy_api.get(f"/items/{item.id}").get_json()
    [lead] = [a for a in body["assignments"] if a["role"] == "lead"]
    [sent] = lead["replies"]
    assert sent["text"] == REPLY_TEXT and sent["result_class"] == "A" and sent["status"] == "sent"
    assert [c["text"] for c in sent["commitments"]] == ["明年6月底前完成加装"]
    for key in ("return_reason", "signed_off_at", "reviewed_at"):
        assert key not in sent, key
    for key in ("handler", "task", "responsible_leader"):  # the unit's five fixes are the unit's
        assert key not in lead, key
    assert lead["return_requests"] == [] and lead["extension_requests"] == []
    assert {e["type"] for e in body["timeline"]} & {
        "reply_drafted", "reply_submitted", "reply_signed_off", "reply_returned", "reply_cosigned",
        "reply_reviewed"} == set()
    for word in ("陈局长", "陈静", "周局长", SEND_BACK, REVIEW_REASON, "分类标识由", "会签同意"):
        assert word not in str(body), word
    one = deputy_api.get(f"/replies/{reply.id}").get_json()
    assert one["text"] == REPLY_TEXT and [a["filename"] for a in one["attachments"]] == ["答复函.pdf"]
    assert one["cosigns"] == [] and "pipeline" not in one and "reviewed_at" not in one
    for word in ("陈局长", "陈静", "孙会办", "周局长", SEND_BACK, REVIEW_REASON):
        assert word not in str(one), word
    assert [e["actor"] for e in body["timeline"] if e["type"] == "reply_sent"] == [UNIT]  # not its reviewer

    # the office reads the whole workflow, on the page and through the API
    page = login_as(office).get(f"/items/{item.id}").get_data(as_text=True)
    assert "督查室审核" in page and "陈静" in page and "分类标识由 B 类改为 A 类" in page
    assert "reply-steps" in page and SEND_BACK in page and "陈局长" in page
    one = api(office).get(f"/replies/{reply.id}").get_json()
    assert one["reviewed_at"] and one["signed_off_at"] and one["pipeline"][-1] == "sent"
    assert [c["by"] for c in one["cosigns"]] == ["周局长"]


def test_a_submitter_reads_which_body_took_each_step_not_the_staff_member(f, api, login_as):
    """The public steps name the office (its configured name) and the unit, not the member of
    staff who registered, assigned, signed for or talked: the office and the unit read names."""
    s = joint_item()
    office_staff = s.office.display
    handler = s.handler.display
    deputy = s.people["王代表"][1]
    timeline = api(deputy).get(f"/items/{s.item.id}").get_json()["timeline"]
    actors = {entry["type"]: entry["actor"] for entry in timeline}
    assert actors["registered"] == "市人民政府办公室" and actors["assigned"] == "市人民政府办公室"
    assert actors["received"] == UNIT
    assert actors["feedback"] == "市人民政府办公室"  # the paper form the office entered for 王代表
    everyone = {entry["actor"] for entry in timeline}
    assert office_staff not in everyone and handler not in everyone
    page = login_as(deputy).get(f"/items/{s.item.id}").get_data(as_text=True)
    assert office_staff not in page
    full = {entry["type"]: entry["actor"] for entry in api(s.office).get(f"/items/{s.item.id}").get_json()["timeline"]}
    assert full["registered"] == office_staff
    from tracker.rules import services as rules

    rules.set_setting("office_name", "临江市人民政府办公室", actor=s.office)
    timeline = api(deputy).get(f"/items/{s.item.id}").get_json()["timeline"]
    assert {e["type"]: e["actor"] for e in timeline}["registered"] == "临江市人民政府办公室"
