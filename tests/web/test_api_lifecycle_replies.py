"""The JSON API of handling and replies (API.md): the whole lead+co flow, errors and permissions."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from tracker.assignments.models import Assignment, ExtensionRequest
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.enums import Role, Tier
from tracker.replies.models import Commitment, Reply

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture()
def s(f):
    class S:
        pass

    s = S()
    s.office = f.office()
    p1, p2 = f.person("张代表"), f.person("李代表")
    s.sub1, s.sub2 = f.user(Role.SUBMITTER, person=p1), f.user(Role.SUBMITTER, person=p2)
    s.item = f.item(tier=Tier.OFFICE_SUPERVISED.value,
                    submitters=[{"name": "张代表", "role": "lead", "person_id": p1.id},
                                {"name": "李代表", "role": "co", "person_id": p2.id}])
    s.lead_unit, s.co_unit = f.unit("市住房和城乡建设局"), f.unit("市财政局")
    s.handler = f.user(Role.UNIT_HANDLER, s.lead_unit)
    s.leader = f.user(Role.UNIT_LEADER, s.lead_unit)
    s.co_handler = f.user(Role.UNIT_HANDLER, s.co_unit)
    s.co_leader = f.user(Role.UNIT_LEADER, s.co_unit)  # 会签 is the co unit leader's
    s.outsider = f.user(Role.UNIT_HANDLER, f.unit("市教育局"))
    s.lead = f.assign(s.item, s.lead_unit, role="lead", handler=s.handler)
    s.co = f.assign(s.item, s.co_unit, role="co", handler=s.co_handler)
    return s


REPLY = {"result_class": "B", "text": "经研究，现答复如下：……", "contact_name": "王科长",
         "contact_phone": "0571-87000000", "publish": "summary", "doc_number": "市住建函〔2026〕12号",
         "commitments": [{"text": "2027年6月底前完成试点", "due_date": "2027-06-30"}]}


def test_lead_co_flow_through_the_api(s, api):
    h, co, boss, office = api(s.handler), api(s.co_handler), api(s.leader), api(s.office)
    co_boss = api(s.co_leader)
    assert h.post(f"/assignments/{s.lead.id}/receive", json={}).status_code == 200
    assert co.post(f"/assignments/{s.co.id}/receive", json={}).status_code == 200
    today = clock.today().isoformat()
    r = h.post(f"/assignments/{s.lead.id}/communications",
               json={"stage": "before", "method": "meeting", "date": today, "summary": "当面沟通",
                     "participants": "张代表"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["first_contact_on"] == today and r.get_json()["method"] == "meeting"
    r = h.post(f"/assignments/{s.lead.id}/progress", json={"text": "已现场调研"})
    assert r.status_code == 201 and r.get_json()["text"] == "已现场调研"
    r = co.post(f"/assignments/{s.co.id}/co-opinion", json={"text": "同意，建议列入年度计划"})
    assert r.status_code == 201
    assert r.get_json()["late_days"] == 0 and r.get_json()["assignment_status"] == "opinion_submitted"

    r = h.post(f"/assignments/{s.lead.id}/reply", json={**REPLY, "submit": True})
    assert r.status_code == 201, r.get_json()
    reply = r.get_json()
    assert reply["status"] == "awaiting_sign_off" and reply["round"] == 1 and reply["publish"] == "summary"
    assert reply["commitments"] == [{"id": None, "text": "2027年6月底前完成试点", "due_date": "2027-06-30",
                                     "status": None}]
    assert reply["pipeline"] == ["awaiting_sign_off", "awaiting_cosign", "awaiting_office_review", "sent"]
    rid = reply["id"]

    r = boss.post(f"/replies/{rid}/sign-off", json={"decision": "approve", "version": reply["version"]})
    assert r.status_code == 200 and r.get_json()["status"] == "awaiting_cosign"
    assert r.get_json()["cosigns"][0]["decision"] is None
    for decision in ({"decision": "approve"}, {"decision": "return", "reason": "数据有误"}):
        r = co.post(f"/replies/{rid}/cosign", json=decision)  # the co unit's handler does not co-sign
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden", r.get_json()
    assert co.get(f"/replies/{rid}").get_json()["status"] == "awaiting_cosign"
    assert not AuditEntry.select().where(AuditEntry.action == "reply_cosigned").exists()
    r = co_boss.post(f"/replies/{rid}/cosign", json={"decision": "approve"})
    assert r.status_code == 200 and r.get_json()["status"] == "awaiting_office_review"
    assert r.get_json()["cosigns"][0]["decision"] == "approve"
    r = office.post(f"/replies/{rid}/review", json={"decision": "approve", "result_class": "A"})
    assert r.status_code == 200
    sent = r.get_json()
    assert sent["status"] == "sent" and sent["result_class"] == "A" and sent["sent_at"]
    assert sent["commitments"][0]["status"] == "open" and sent["commitments"][0]["id"]
    assert Assignment.get_by_id(s.lead.id).status == "replied"
    assert AuditEntry.get(AuditEntry.action == "reply_reviewed").before == {"result_class": "B"}

    for sub in (s.sub1, s.sub2):
        r = api(sub).get(f"/replies/{rid}")
        assert r.status_code == 200 and r.get_json()["text"].startswith("经研究")
    timeline = [e["type"] for e in api(s.office).get(f"/items/{s.item.id}").get_json()["timeline"]]
    for kind in ("contact", "progress", "co_opinion", "reply_drafted", "reply_signed_off", "reply_cosigned",
                 "reply_reviewed", "reply_sent"):
        assert kind in timeline, kind


def _received(s, api):
    api(s.handler).post(f"/assignments/{s.lead.id}/receive", json={})
    api(s.co_handler).post(f"/assignments/{s.co.id}/receive", json={})


def test_returns_at_each_step(s, api):
    _received(s, api)
    h, co, boss, office = api(s.handler), api(s.co_leader), api(s.leader), api(s.office)
    rid = h.post(f"/assignments/{s.lead.id}/reply", json={**REPLY, "submit": True}).get_json()["id"]
    r = boss.post(f"/replies/{rid}/sign-off", json={"decision": "return"})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"reason": "退回修改须填写理由"}
    r = boss.post(f"/replies/{rid}/sign-off", json={"decision": "return", "reason": "请补充"})
    assert r.status_code == 200 and r.get_json()["status"] == "draft" and r.get_json()["return_reason"] == "请补充"
    assert h.post(f"/replies/{rid}/submit", json={}).get_json()["status"] == "awaiting_sign_off"
    boss.post(f"/replies/{rid}/sign-off", json={"decision": "approve"})
    r = api(s.co_handler).post(f"/replies/{rid}/cosign", json={"decision": "return", "reason": "数据有误"})
    assert r.status_code == 403  # sending the draft back at 会签 is the co unit leader's too
    r = co.post(f"/replies/{rid}/cosign", json={"decision": "return", "reason": "数据有误"})
    assert r.get_json()["status"] == "draft"
    h.post(f"/replies/{rid}/submit", json={})
    boss.post(f"/replies/{rid}/sign-off", json={"decision": "approve"})
    r = co.post(f"/replies/{rid}/cosign", json={"decision": "approve"})  # no opinion sent to the lead yet
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "no_opinion"
    # the opinion is still the co unit handler's to send
    assert api(s.co_handler).post(f"/assignments/{s.co.id}/co-opinion", json={"text": "同意"}).status_code == 201
    assert co.post(f"/replies/{rid}/cosign", json={"decision": "approve"}).get_json()["status"] == "awaiting_office_review"
    r = office.post(f"/replies/{rid}/review", json={"decision": "return", "reason": "格式不规范"})
    assert r.get_json()["status"] == "draft" and r.get_json()["cycle"] == 3
    assert AuditEntry.select().where(AuditEntry.action == "reply_returned").count() == 3


def test_permissions(s, api):
    _received(s, api)
    r = api(s.co_handler).post(f"/assignments/{s.co.id}/reply", json=REPLY)
    assert r.status_code == 403 and "会办单位不直接答复" in r.get_json()["error"]["message"]
    r = api(s.outsider).post(f"/assignments/{s.lead.id}/reply", json=REPLY)
    assert r.status_code == 404
    rid = api(s.handler).post(f"/assignments/{s.lead.id}/reply", json={**REPLY, "submit": True}).get_json()["id"]
    r = api(s.handler).post(f"/replies/{rid}/sign-off", json={"decision": "approve"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    assert api(s.outsider).get(f"/replies/{rid}").status_code == 404
    assert api(s.sub1).get(f"/replies/{rid}").status_code == 404
    assert api(s.outsider).post(f"/assignments/{s.lead.id}/progress", json={"text": "x"}).status_code == 404
    assert api(s.handler).post(f"/assignments/{s.co.id}/co-opinion", json={"text": "x"}).status_code == 404
    assert api(s.handler).post(f"/assignments/{s.lead.id}/co-opinion", json={"text": "x"}).status_code == 403
    assert Reply.get_by_id(rid).status == "awaiting_sign_off"


def test_validation_and_malformed_json(s, api):
    _received(s, api)
    h = api(s.handler)
    r = h.post(f"/assignments/{s.lead.id}/reply", json={"result_class": "Z", "text": ""})
    assert r.status_code == 422
    assert set(r.get_json()["error"]["fields"]) >= {"text"}
    r = h.post(f"/assignments/{s.lead.id}/reply", json={**REPLY, "commitments": [{"text": "x"}]})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"commitments": "第 1 项承诺事项缺少完成时限"}
    r = h.post(f"/assignments/{s.lead.id}/reply", data="{not json", content_type="application/json")
    assert r.status_code == 400
    r = h.post(f"/assignments/{s.lead.id}/communications", json={"stage": "soon", "method": "phone"})
    assert r.status_code == 422
    assert set(r.get_json()["error"]["fields"]) == {"stage", "date", "summary"}
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    r = h.post(f"/assignments/{s.lead.id}/communications",
               json={"stage": "before", "method": "phone", "date": tomorrow, "summary": "x"})
    assert r.status_code == 422 and "date" in r.get_json()["error"]["fields"]
    assert Reply.select().count() == 0


def test_stale_version_and_concurrent_sign_off(s, api, f):
    _received(s, api)
    h = api(s.handler)
    reply = h.post(f"/assignments/{s.lead.id}/reply", json=REPLY).get_json()
    r = h.patch(f"/replies/{reply['id']}", json={"text": "第二稿", "version": reply["version"]})
    assert r.status_code == 200 and r.get_json()["version"] == reply["version"] + 1
    r = h.patch(f"/replies/{reply['id']}", json={"text": "旧版本上的修改", "version": reply["version"]})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "stale_version"
    r = h.patch(f"/replies/{reply['id']}", json={"status": "sent"})
    assert r.status_code == 422
    current = h.post(f"/replies/{reply['id']}/submit", json={}).get_json()
    other_leader = f.user(Role.UNIT_LEADER, s.lead_unit)
    one = api(s.leader).post(f"/replies/{reply['id']}/sign-off",
                             json={"decision": "approve", "version": current["version"]})
    two = api(other_leader).post(f"/replies/{reply['id']}/sign-off",
                                 json={"decision": "return", "reason": "x", "version": current["version"]})
    assert (one.status_code, two.status_code) == (200, 409)
    assert Reply.get_by_id(reply["id"]).status == "awaiting_cosign"


def test_assignment_writes_check_a_version_sent_with_them(s, api):
    """API.md: writes to an assignment may send ``version``; a stale one gets 409, a bad one 422."""
    from tracker.assignments.models import Assignment
    from tracker.handling.models import Contact, CoOpinion, ProgressNote

    _received(s, api)
    h, co = api(s.handler), api(s.co_handler)
    current = Assignment.get_by_id(s.lead.id).version
    stale = current - 1
    today = clock.today().isoformat()
    writes = [
        (h, f"/assignments/{s.lead.id}/progress", {"text": "已现场调研"}),
        (h, f"/assignments/{s.lead.id}/communications",
         {"stage": "before", "method": "phone", "date": today, "summary": "电话沟通"}),
        (h, f"/assignments/{s.lead.id}/extension-request",
         {"new_due": (Assignment.get_by_id(s.lead.id).current_due + dt.timedelta(days=20)).isoformat(),
          "reason": "需协调"}),
        (co, f"/assignments/{s.co.id}/co-opinion", {"text": "同意"}),
    ]
    for client, path, body in writes:
        version = stale if "/co-opinion" not in path else Assignment.get_by_id(s.co.id).version - 1
        r = client.post(path, json={**body, "version": version})
        assert r.status_code == 409 and r.get_json()["error"]["code"] == "stale_version", path
        r = client.post(path, json={**body, "version": "abc"})
        assert r.status_code == 422 and "version" in r.get_json()["error"]["fields"], path
    assert ProgressNote.select().count() == Contact.select().count() == CoOpinion.select().count() == 0
    r = h.post(f"/assignments/{s.lead.id}/progress", json={"text": "已现场调研", "version": current})
    assert r.status_code == 201
    assert h.post(f"/assignments/{s.lead.id}/progress", json={"text": "无版本号也可"}).status_code == 201


def test_extensions_through_the_api(s, api):
    _received(s, api)
    a = Assignment.get_by_id(s.lead.id)
    h, office = api(s.handler), api(s.office)
    r = h.post(f"/assignments/{a.id}/extension-request",
               json={"new_due": (a.reply_due_max + dt.timedelta(days=1)).isoformat(), "reason": "x"})
    assert r.status_code == 422 and "new_due" in r.get_json()["error"]["fields"]
    r = h.post(f"/assignments/{a.id}/extension-request", json={"new_due": a.reply_due.isoformat(), "reason": "x"})
    assert r.status_code == 422 and "必须晚于当前答复期限" in r.get_json()["error"]["fields"]["new_due"]
    new_due = a.reply_due + dt.timedelta(days=15)
    r = h.post(f"/assignments/{a.id}/extension-request",
               json={"requested_due": new_due.isoformat(), "reason": "需协调多部门"})
    assert r.status_code == 201 and r.get_json()["status"] == "pending"
    req_id = r.get_json()["id"]
    assert api(s.co_handler).post(f"/assignments/{s.co.id}/extension-request",
                                  json={"new_due": new_due.isoformat(), "reason": "x"}).status_code == 403
    assert h.post(f"/extension-requests/{req_id}/decision", json={"decision": "approve"}).status_code == 403
    r = office.post(f"/extension-requests/{req_id}/decision", json={"decision": "reject"})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"reason": "驳回延期申请须填写理由"}
    r = office.post(f"/extension-requests/{req_id}/decision", json={"decision": "approve"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "approved" and body["assignment"]["extended_due"] == new_due.isoformat()
    assert body["assignment"]["reply_due"] == a.reply_due.isoformat()
    assert body["assignment"]["current_due"] == new_due.isoformat()
    r = office.post(f"/extension-requests/{req_id}/decision", json={"decision": "approve"})
    assert r.status_code == 409
    assert ExtensionRequest.get_by_id(req_id).status == "approved"


def test_separate_mode_through_the_api(f, api):
    office = f.office()
    item = f.item(tier=Tier.DEPARTMENT.value)
    ids = []
    for _ in range(2):
        unit = f.unit()
        h, b = f.user(Role.UNIT_HANDLER, unit), f.user(Role.UNIT_LEADER, unit)
        a = f.assign(item, unit, role="separate", handler=h, actor=office)
        api(h).post(f"/assignments/{a.id}/receive", json={})
        rid = api(h).post(f"/assignments/{a.id}/reply", json={**REPLY, "submit": True}).get_json()["id"]
        r = api(b).post(f"/replies/{rid}/sign-off", json={"decision": "approve"})
        assert r.get_json()["status"] == "sent" and r.get_json()["cosigns"] == []
        ids.append(rid)
    assert Commitment.select().count() == 2
    assert api(office).get(f"/items/{item.id}").get_json()["status"] == "replied"


def test_attachments_through_the_api(s, api):
    _received(s, api)
    h = api(s.handler)
    rid = h.post(f"/assignments/{s.lead.id}/reply", json=REPLY).get_json()["id"]
    r = h.post(f"/replies/{rid}/attachments", data={"file": (io.BytesIO(PDF), "答复函.pdf")},
               content_type="multipart/form-data")
    assert r.status_code == 201
    att = r.get_json()["attachments"][0]
    assert att["content_type"] == "application/pdf" and att["size"] == len(PDF)
    r = h.post(f"/replies/{rid}/attachments", data={"file": (io.BytesIO(EXE), "setup.pdf")},
               content_type="multipart/form-data")
    assert r.status_code == 422 and "不是允许的文件类型" in r.get_json()["error"]["message"]
    assert h.get(f"/replies/{rid}").get_json()["attachments"] == [att]
    download = h.get(f"/attachments/{att['id']}")
    body = download.get_data()
    download.close()
    assert download.status_code == 200 and body == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    assert api(s.outsider).get(f"/attachments/{att['id']}").status_code == 404
    assert api(s.sub1).get(f"/attachments/{att['id']}").status_code == 404


def test_instructions_through_the_api(s, api, f):
    city = f.user(Role.LEADER)
    r = api(city).post(f"/items/{s.item.id}/instructions", json={"text": "请抓紧办理"})
    assert r.status_code == 201 and r.get_json()["text"] == "请抓紧办理"
    assert api(s.handler).post(f"/items/{s.item.id}/instructions", json={"text": "x"}).status_code == 403
    assert api(city).post(f"/items/{s.item.id}/instructions", json={}).status_code == 422
    timeline = api(s.office).get(f"/items/{s.item.id}").get_json()["timeline"]
    assert timeline[-1]["type"] == "instruction"


def test_openapi_lists_the_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/assignments/{assignment_id}/reply", "/replies/{reply_id}/sign-off",
                 "/replies/{reply_id}/cosign", "/replies/{reply_id}/review",
                 "/assignments/{assignment_id}/communications", "/assignments/{assignment_id}/co-opinion",
                 "/assignments/{assignment_id}/extension-request", "/extension-requests/{request_id}/decision",
                 "/items/{item_id}/instructions"):
        assert any(p.endswith(path) for p in spec["paths"]), path
