"""Reply pages as users meet them: draft with commitments and attachments, sign-off, co-sign,
office review with a class change, returns, permissions, stale versions, downloads."""

from __future__ import annotations

import io
import re

import pytest
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.test import EnvironBuilder, encode_multipart

from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core.enums import AssignmentStatus, ReplyStatus, Role, Tier
from tracker.handling import services as handling
from tracker.replies import services as replies
from tracker.replies.models import Attachment, Commitment, Reply

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture()
def s(f):
    class S:
        pass

    s = S()
    s.office = f.office()
    p1 = f.person("张代表")
    s.submitter = f.user(Role.SUBMITTER, person=p1)
    s.item = f.item(tier=Tier.OFFICE_SUPERVISED.value, title="关于加快老旧小区加装电梯的建议",
                    submitters=[{"name": "张代表", "role": "lead", "person_id": p1.id}])
    s.lead_unit = f.unit("市住房和城乡建设局")
    s.co_unit = f.unit("市财政局")
    s.handler = f.user(Role.UNIT_HANDLER, s.lead_unit, name="王经办")
    s.leader = f.user(Role.UNIT_LEADER, s.lead_unit, name="陈局长")
    s.co_handler = f.user(Role.UNIT_HANDLER, s.co_unit, name="赵会办")
    s.co_leader = f.user(Role.UNIT_LEADER, s.co_unit, name="钱局长")  # 会签 is the co unit leader's
    s.outsider = f.user(Role.UNIT_HANDLER, f.unit("市教育局"))
    s.lead = f.assign(s.item, s.lead_unit, role="lead", handler=s.handler)
    s.co = f.assign(s.item, s.co_unit, role="co", handler=s.co_handler)
    assignments.receive(s.lead, actor=s.handler)
    assignments.receive(s.co, actor=s.co_handler)
    return s


def reply_data(**overrides):
    data = {"result_class": "B", "text": "经研究，现将办理情况答复如下：……", "doc_number": "市住建函〔2026〕12号",
            "contact_name": "王经办", "contact_phone": "0571-87000000", "publish": "full",
            "commitments-0-text": "2027年6月底前完成试点", "commitments-0-due_date": "2027-06-30",
            "commitments-3-text": "年底前出台补助办法", "commitments-3-due_date": "2027-12-31",
            "save_submit": "1"}
    data.update(overrides)
    return data


def decide(client, reply, step, **data):
    r = Reply.get_by_id(reply.id)
    p = f"r{r.id}-"
    body = {p + "decision": "approve", p + "reason": "", p + "version": str(r.version)}
    body.update({p + k: v for k, v in data.items()})
    return client.post(f"/replies/{r.id}/{step}", data=body)


def test_the_whole_flow_through_pages(s, client, login_as):
    login_as(s.handler)
    page = text(client.get(f"/items/{s.item.id}"))
    assert "起草答复" in page
    form = text(client.get(f"/assignments/{s.lead.id}/reply/new"))
    assert 'data-add-row="commitment-rows"' in form and "答复正文" in form and "王经办" in form
    data = reply_data(files=[(io.BytesIO(PDF), "答复函.pdf")])
    response = client.post(f"/assignments/{s.lead.id}/reply/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, text(response)[:2000]
    reply = Reply.get()
    assert response.headers["Location"].endswith(f"/items/{s.item.id}#reply-{reply.id}")
    assert reply.status == ReplyStatus.AWAITING_SIGN_OFF.value
    assert reply.planned_commitments == [{"text": "2027年6月底前完成试点", "due_date": "2027-06-30"},
                                         {"text": "年底前出台补助办法", "due_date": "2027-12-31"}]
    assert Attachment.get().filename == "答复函.pdf"
    page = text(client.get(f"/items/{s.item.id}"))
    assert "待领导签发" in page and "签发意见" not in page  # the handler has no sign-off form

    login_as(s.leader)
    page = text(client.get(f"/items/{s.item.id}"))
    assert "提交签发意见" in page
    response = decide(client, reply, "sign-off")
    assert response.status_code == 302
    assert Reply.get_by_id(reply.id).status == ReplyStatus.AWAITING_COSIGN.value

    cosign_form = f'action="/replies/{reply.id}/cosign"'
    login_as(s.co_leader)
    page = text(client.get(f"/items/{s.item.id}"))
    assert "经研究，现将办理情况答复如下" in page and "提交会签意见" in page and cosign_form in page
    assert "市财政局尚未提交会办意见，请先提交会办意见，再同意主办单位的答复稿" in page
    refused = decide(client, reply, "cosign", reason="同意")
    assert refused.status_code == 409 and "尚未提交会办意见" in text(refused)
    assert re.search(rf'name="r{reply.id}-reason"[^>]*>\s*同意</textarea>', text(refused))  # kept
    assert Reply.get_by_id(reply.id).status == ReplyStatus.AWAITING_COSIGN.value

    login_as(s.co_handler)  # reads the draft and sends the opinion; 会签 is its leader's
    page = text(client.get(f"/items/{s.item.id}"))
    assert "经研究，现将办理情况答复如下" in page
    assert "提交会签意见" not in page and cosign_form not in page
    assert "提交会签意见" not in text(client.get(f"/replies/{reply.id}"))
    assert decide(client, reply, "cosign").status_code == 403
    assert decide(client, reply, "cosign", decision="return", reason="请修改").status_code == 403
    r = Reply.get_by_id(reply.id)
    assert r.status == ReplyStatus.AWAITING_COSIGN.value and r.return_reason == ""
    opinion = client.post(f"/assignments/{s.co.id}/co-opinion", data={f"a{s.co.id}-text": "建议从住房维修资金中列支"})
    assert opinion.status_code == 302

    login_as(s.co_leader)
    page = text(client.get(f"/items/{s.item.id}"))
    assert "尚未提交会办意见" not in page and "提交会签意见" in page
    assert decide(client, reply, "cosign").status_code == 302
    assert Reply.get_by_id(reply.id).status == ReplyStatus.AWAITING_OFFICE_REVIEW.value

    login_as(s.office)
    desk = text(client.get("/desk"))
    assert "答复待审核" in desk and f"/replies/{reply.id}" in desk
    page = text(client.get(f"/replies/{reply.id}"))
    assert "调整分类标识" in page and "市财政局" in page
    response = decide(client, reply, "review", result_class="A")
    assert response.status_code == 302
    sent = Reply.get_by_id(reply.id)
    assert sent.status == ReplyStatus.SENT.value and sent.result_class == "A"
    assert Assignment.get_by_id(s.lead.id).status == AssignmentStatus.REPLIED.value
    assert Commitment.select().count() == 2
    entry = AuditEntry.get(AuditEntry.action == "reply_reviewed")
    assert entry.before == {"result_class": "B"} and entry.after["result_class"] == "A"

    login_as(s.submitter)
    page = text(client.get(f"/items/{s.item.id}"))
    assert "经研究，现将办理情况答复如下" in page and "已发送" in page and "答复函.pdf" in page
    download = client.get(f"/attachments/{Attachment.get().id}")
    body = download.get_data()
    download.close()
    assert download.status_code == 200 and body == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Type"] == "application/pdf"


def test_a_submitter_does_not_see_drafts(s, client, login_as):
    reply = replies.draft_reply(Assignment.get_by_id(s.lead.id), actor=s.handler, result_class="A", text="草稿正文")
    login_as(s.submitter)
    assert "草稿正文" not in text(client.get(f"/items/{s.item.id}"))
    assert client.get(f"/replies/{reply.id}").status_code == 404


def test_returns_need_a_reason(s, client, login_as):
    reply = replies.draft_reply(Assignment.get_by_id(s.lead.id), actor=s.handler, result_class="B",
                                text="答复稿", submit=True)
    login_as(s.leader)
    response = decide(client, reply, "sign-off", decision="return", reason="")
    assert response.status_code == 422 and "退回修改须填写理由" in text(response)
    assert Reply.get_by_id(reply.id).status == ReplyStatus.AWAITING_SIGN_OFF.value
    response = decide(client, reply, "sign-off", decision="return", reason="请补充资金来源")
    assert response.status_code == 302
    login_as(s.handler)
    page = text(client.get(f"/items/{s.item.id}"))
    assert "已退回修改" in page and "请补充资金来源" in page and "修改答复稿" in page
    edit = text(client.get(f"/replies/{reply.id}/edit"))
    assert "请补充资金来源" in edit and "答复稿" in edit


def test_cosign_and_review_returns_through_pages(s, client, login_as):
    reply = replies.draft_reply(Assignment.get_by_id(s.lead.id), actor=s.handler, result_class="B",
                                text="答复稿", submit=True)
    replies.sign_off(Reply.get_by_id(reply.id), actor=s.leader)
    login_as(s.co_handler)  # sending the draft back at 会签 is the co unit leader's, as agreeing is
    assert decide(client, reply, "cosign", decision="return", reason="资金表述不准确").status_code == 403
    assert Reply.get_by_id(reply.id).status == ReplyStatus.AWAITING_COSIGN.value
    login_as(s.co_leader)
    assert decide(client, reply, "cosign", decision="return", reason="资金表述不准确").status_code == 302
    assert Reply.get_by_id(reply.id).return_reason == "资金表述不准确"
    replies.submit_reply(Reply.get_by_id(reply.id), actor=s.handler)
    replies.sign_off(Reply.get_by_id(reply.id), actor=s.leader)
    handling.submit_co_opinion(Assignment.get_by_id(s.co.id), actor=s.co_handler, text="同意")
    replies.cosign(Reply.get_by_id(reply.id), actor=s.co_leader)
    login_as(s.office)
    assert decide(client, reply, "review", decision="return", reason="格式不规范").status_code == 302
    r = Reply.get_by_id(reply.id)
    assert r.status == ReplyStatus.DRAFT.value and r.return_reason == "格式不规范"


def test_a_co_unit_cannot_draft_and_a_handler_cannot_sign_off(s, client, login_as):
    login_as(s.co_handler)
    response = client.get(f"/assignments/{s.co.id}/reply/new")
    assert response.status_code == 403 and "会办单位不直接答复" in text(response)
    assert client.post(f"/assignments/{s.co.id}/reply/new", data=reply_data()).status_code == 403
    assert Reply.select().count() == 0
    reply = replies.draft_reply(Assignment.get_by_id(s.lead.id), actor=s.handler, result_class="B",
                                text="答复稿", submit=True)
    login_as(s.handler)
    response = decide(client, reply, "sign-off")
    assert response.status_code == 403 and "只有本单位领导可以签发" in text(response)
    assert Reply.get_by_id(reply.id).status == ReplyStatus.AWAITING_SIGN_OFF.value


def test_another_units_user_gets_404(s, client, login_as):
    reply = replies.draft_reply(Assignment.get_by_id(s.lead.id), actor=s.handler, result_class="B",
                                text="答复稿", files=[("a.pdf", PDF)])
    login_as(s.outsider)
    for path in (f"/replies/{reply.id}", f"/replies/{reply.id}/edit", f"/assignments/{s.lead.id}/reply/new",
                 f"/attachments/{Attachment.get().id}"):
        assert client.get(path).status_code == 404, path
    assert decide(client, reply, "sign-off").status_code == 404


def test_validation_keeps_what_was_typed(s, client, login_as):
    login_as(s.handler)
    response = client.post(f"/assignments/{s.lead.id}/reply/new",
                           data=reply_data(**{"commitments-0-due_date": "", "text": "我的答复正文"}))
    assert response.status_code == 422
    page = text(response)
    assert "第 1 项承诺事项缺少完成时限" in page and "我的答复正文" in page and "2027年6月底前完成试点" in page
    assert Reply.select().count() == 0


def test_an_exe_renamed_pdf_is_refused_by_content(s, client, login_as):
    login_as(s.handler)
    data = reply_data(files=[(io.BytesIO(EXE), "答复函.pdf")], text="保留的正文")
    response = client.post(f"/assignments/{s.lead.id}/reply/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    page = text(response)
    assert "“答复函.pdf”不是允许的文件类型" in page and "保留的正文" in page
    assert Reply.select().count() == 0 and Attachment.select().count() == 0


def test_a_refused_reply_form_says_the_chosen_attachment_must_be_chosen_again(s, client, login_as):
    login_as(s.handler)
    data = reply_data(files=[(io.BytesIO(PDF), "答复函.pdf")], result_class="")
    response = client.post(f"/assignments/{s.lead.id}/reply/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "所选附件“答复函.pdf”尚未上传，请重新选择后再提交" in text(response)
    assert Reply.select().count() == 0 and Attachment.select().count() == 0
    response = client.post(f"/assignments/{s.lead.id}/reply/new", data=reply_data(result_class=""),
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "尚未上传" not in text(response)  # nothing chosen: nothing said


def test_stale_version_on_the_edit_page_is_409_and_keeps_input(s, client, login_as):
    reply = replies.draft_reply(Assignment.get_by_id(s.lead.id), actor=s.handler, result_class="B", text="第一稿")
    login_as(s.handler)
    page = text(client.get(f"/replies/{reply.id}/edit"))
    assert 'name="version" type="hidden" value="1"' in page or 'value="1"' in page
    replies.edit_reply(Reply.get_by_id(reply.id), actor=s.handler, text="别人改的第二稿")
    data = reply_data(text="我基于第一稿的修改", version="1")
    data.pop("save_submit")
    data["save"] = "1"
    response = client.post(f"/replies/{reply.id}/edit", data=data)
    assert response.status_code == 409
    assert "已被他人处理或修改" in text(response) and "我基于第一稿的修改" in text(response)
    assert Reply.get_by_id(reply.id).text == "别人改的第二稿"


def test_concurrent_sign_off_requests_one_200_one_409(s, f, client, login_as):
    reply = replies.draft_reply(Assignment.get_by_id(s.lead.id), actor=s.handler, result_class="B",
                                text="答复稿", submit=True)
    version = Reply.get_by_id(reply.id).version
    login_as(s.leader)
    p = f"r{reply.id}-"
    body = {p + "decision": "approve", p + "reason": "", p + "version": str(version)}
    first = client.post(f"/replies/{reply.id}/sign-off", data=body)
    second = client.post(f"/replies/{reply.id}/sign-off", data=body)
    assert first.status_code == 302 and second.status_code == 409
    assert "已被他人处理或修改" in text(second)


def test_edit_upload_and_delete_attachments(s, client, login_as):
    reply = replies.draft_reply(Assignment.get_by_id(s.lead.id), actor=s.handler, result_class="B", text="答复稿")
    login_as(s.handler)
    response = client.post(f"/replies/{reply.id}/attachments", data={"files": [(io.BytesIO(PDF), "补充材料.pdf")]},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    att = Attachment.get()
    assert "补充材料.pdf" in text(client.get(f"/replies/{reply.id}/edit"))
    response = client.post(f"/replies/{reply.id}/attachments", data={"files": [(io.BytesIO(EXE), "x.pdf")]},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and Attachment.select().count() == 1
    assert client.post(f"/attachments/{att.id}/delete").status_code == 302
    assert Attachment.select().count() == 0


@pytest.mark.parametrize(("kind", "expected"), [("suggestion", "答复已发送，代表委员可以查看"),
                                                ("procuratorial_suggestion", "答复已发送")])
def test_the_sent_message_names_who_reads_the_reply(kind, expected):
    """A 三书一函 reply goes to the issuing organ: the message after sending does not mention deputies."""
    from types import SimpleNamespace

    from tracker.replies.views import _step_message

    reply = SimpleNamespace(status=ReplyStatus.SENT.value,
                            assignment=SimpleNamespace(item=SimpleNamespace(kind=kind)))
    assert _step_message(reply) == expected
    reply.status = ReplyStatus.AWAITING_SIGN_OFF.value
    assert _step_message(reply) == "已提交本单位领导签发"


def test_the_submitter_sees_the_co_unit_as_helping_not_with_a_reply_deadline(s, client, login_as):
    login_as(s.submitter)
    page = text(client.get(f"/items/{s.item.id}"))
    row = page.split("市财政局", 1)[1].split("</tr>", 1)[0]
    assert "协助主办单位办理" in row and "答复期限" not in row
    lead_row = page.split("市住房和城乡建设局", 1)[1].split("</tr>", 1)[0]
    assert "答复期限" in lead_row


def awaiting_me_tab(client, login_as, user) -> tuple[int, str]:
    """The inbox's '待我签发、会签' count for ``user`` and the page listing them."""
    login_as(user)
    page = text(client.get("/inbox"))
    found = re.search(r'status=awaiting_me[^"]*">待我签发、会签 <span class="badge text-bg-danger">(\d+)</span>', page)
    listed = text(client.get("/inbox?status=awaiting_me"))
    return (int(found.group(1)) if found else 0), listed


def test_the_inbox_lists_the_drafts_waiting_for_my_sign_off_or_co_signature(s, client, login_as):
    def tab(user) -> tuple[int, str]:
        return awaiting_me_tab(client, login_as, user)

    reply = replies.draft_reply(Assignment.get_by_id(s.lead.id), actor=s.handler, result_class="B",
                                text="答复稿", submit=True)
    n, listed = tab(s.leader)
    assert n == 1 and "关于加快老旧小区加装电梯的建议" in listed
    assert tab(s.handler)[0] == 0 and tab(s.co_handler)[0] == 0  # a handler does not sign off
    assert tab(s.co_leader)[0] == 0  # nor does another unit's leader
    replies.sign_off(Reply.get_by_id(reply.id), actor=s.leader)
    assert tab(s.leader)[0] == 0
    n, listed = tab(s.co_leader)  # 会签 is the co unit leader's
    assert n == 1 and "关于加快老旧小区加装电梯的建议" in listed
    handling.submit_co_opinion(Assignment.get_by_id(s.co.id), actor=s.co_handler, text="同意")
    replies.cosign(Reply.get_by_id(reply.id), actor=s.co_leader)
    assert tab(s.co_leader)[0] == 0
    assert "关于加快老旧小区加装电梯的建议" not in tab(s.co_leader)[1].split("<tbody", 1)[-1]


def test_the_inbox_does_not_ask_a_co_units_handler_to_co_sign(s, client, login_as):
    reply = replies.draft_reply(Assignment.get_by_id(s.lead.id), actor=s.handler, result_class="B",
                                text="答复稿", submit=True)
    replies.sign_off(Reply.get_by_id(reply.id), actor=s.leader)
    assert awaiting_me_tab(client, login_as, s.co_leader)[0] == 1
    n, listed = awaiting_me_tab(client, login_as, s.co_handler)
    assert n == 0 and "关于加快老旧小区加装电梯的建议" not in listed.split("<tbody", 1)[-1]


def test_several_files_each_under_the_limit_go_through_together(s, client, login_as):
    login_as(s.handler)
    form = text(client.get(f"/assignments/{s.lead.id}/reply/new"))
    assert 'data-max-bytes="20971520"' in form and 'data-max-total="104857600"' in form
    assert "每个不超过 20 MB，可多选，一次合计不超过 100 MB" in form
    twelve_mb = PDF + b"0" * (12 * 1024 * 1024)
    data = reply_data(files=[(io.BytesIO(twelve_mb), "附件一.pdf"), (io.BytesIO(twelve_mb), "附件二.pdf")])
    # the body built in memory: the test client would spool a large one to a file it never closes
    builder = EnvironBuilder(method="POST", data=data)
    boundary, body = encode_multipart(CombinedMultiDict([builder.form, builder.files]))
    builder.close()
    response = client.post(f"/assignments/{s.lead.id}/reply/new", data=body,
                           content_type=f'multipart/form-data; boundary="{boundary}"')
    assert response.status_code == 302, text(response)[:500]
    assert sorted(a.filename for a in Attachment.select()) == ["附件一.pdf", "附件二.pdf"]


def test_sign_off_and_review_pages_name_the_checklist_steps_missing_before_the_reply(f, login_as, client):
    from tests.closeout_support import replied_item
    from tracker.core import clock
    from tracker.handling import services as handling
    from tracker.replies import services as replies

    s = replied_item(tier="leader_led", send=False)
    a = Assignment.get_by_id(s.assignment.id)
    reply = replies.draft_reply(a, actor=s.handler, result_class="A", text="已解决。", submit=True)
    login_as(s.leader)
    page = client.get(f"/replies/{reply.id}").get_data(as_text=True)
    assert "答复发出前请核实：本单位“3+1”清单中以下事项尚无记录：办前沟通、办中沟通、与代表委员当面沟通（领办件必须）。" in page
    handling.record_contact(Assignment.get_by_id(a.id), actor=s.handler, stage="before", method="meeting",
                            contact_on=clock.today(), summary="登门当面听取意见")
    page = client.get(f"/replies/{reply.id}").get_data(as_text=True)
    assert "以下事项尚无记录：办中沟通。" in page  # a meeting before handling is both
    replies.sign_off(Reply.get_by_id(reply.id), actor=s.leader)
    login_as(s.office)  # a leader-led reply waits for the office's review: the same warning
    assert "以下事项尚无记录：办中沟通。" in client.get(f"/replies/{reply.id}").get_data(as_text=True)
    login_as(s.handler)  # the handler, who cannot send it, is not warned here
    assert "答复发出前请核实" not in client.get(f"/replies/{reply.id}").get_data(as_text=True)
