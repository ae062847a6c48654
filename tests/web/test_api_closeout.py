"""API: feedback, re-handling, commitments, close-out with 409 details, archive, merging, 对账."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.closeout_support import replied_item, send_reply
from tracker.core import clock
from tracker.core.enums import Role
from tracker.handling import services as handling
from tracker.items import similarity
from tracker.items.models import Item
from tracker.replies.models import Commitment, Feedback

SAT = {"work": "satisfied", "result": "satisfied", "adoption": "adopted"}


@pytest.fixture(autouse=True)
def _fresh_index():
    similarity.invalidate()


def test_feedback_online_paper_and_permissions(api, f):
    s = replied_item(names=("张代表", "李代表"))
    zhang = api(s.people["张代表"][1])
    r = zhang.post(f"/items/{s.item.id}/feedback", json={"submitter": "李代表", **SAT})
    assert r.status_code == 403
    assert r.get_json()["error"]["message"] == "您只能以本人名义评价"
    r = zhang.post(f"/items/{s.item.id}/feedback",
                   json={"submitter": "张代表", "contacted": True, "contact_method": "phone", **SAT})
    assert r.status_code == 201
    body = r.get_json()
    assert (body["submitter"], body["source"], body["round"], body["contact_method"]) == ("张代表", "online", 1,
                                                                                           "phone")
    r = zhang.post(f"/items/{s.item.id}/feedback", json=SAT)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "feedback_exists"
    other = replied_item(names=("赵代表",), unit_name="市教育局")
    assert zhang.post(f"/items/{other.item.id}/feedback", json=SAT).status_code == 404
    office = api(s.office)
    r = office.post(f"/items/{s.item.id}/feedback", json={"submitter": "李代表", "work": "dissatisfied",
                                                         "result": "basically_satisfied",
                                                         "adoption": "partly_adopted"})
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"] == {"comment": "评价为不满意的，请填写意见和理由"}
    r = office.post(f"/items/{s.item.id}/feedback", json={"submitter": "李代表", "work": "good", "adoption": 3})
    assert r.status_code == 422
    assert set(r.get_json()["error"]["fields"]) == {"work", "result", "adoption"}
    r = office.post(f"/items/{s.item.id}/feedback", data="{bad", content_type="application/json")
    assert r.status_code == 400
    assert Feedback.select().count() == 1
    r = office.post(f"/items/{s.item.id}/feedback", json={"submitter": "李代表", "comment": "基本解决", **SAT})
    assert r.status_code == 201 and r.get_json()["source"] == "paper"
    handler = api(s.handler)
    assert handler.post(f"/items/{s.item.id}/feedback", json={"submitter": "李代表", **SAT}).status_code == 403
    detail = office.get(f"/items/{s.item.id}").get_json()
    assert detail["status"] == "evaluated"
    assert [fb["submitter"] for fb in detail["feedback"]] == ["张代表", "李代表"]
    assert [e["type"] for e in detail["timeline"]].count("feedback") == 2
    handling.record_progress(s.a(), actor=s.handler, text="局内研究经费安排")  # unit-internal
    detail = office.get(f"/items/{s.item.id}").get_json()
    assert "progress" in {e["type"] for e in detail["timeline"]}
    # a co-signer reads what the item page shows them: public steps, their own rating only
    own = zhang.get(f"/items/{s.item.id}").get_json()
    assert [fb["submitter"] for fb in own["feedback"]] == ["张代表"]
    rated = [e["detail"] for e in own["timeline"] if e["type"] == "feedback"]
    assert len(rated) == 1 and rated[0].startswith("张代表")
    assert "progress" not in {e["type"] for e in own["timeline"]}
    assert all(a["return_requests"] == [] and a["extension_requests"] == [] for a in own["assignments"])


def test_rehandle_after_dissatisfaction_then_rerate(api, f):
    s = replied_item()
    zhang = api(s.people["张代表"][1])
    office = api(s.office)
    r = office.post(f"/items/{s.item.id}/rehandle", json={"reason": "再研究"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "no_dissatisfaction"
    zhang.post(f"/items/{s.item.id}/feedback", json={"work": "dissatisfied", "result": "dissatisfied",
                                                     "adoption": "not_adopted", "comment": "没有解决"})
    assert office.post(f"/items/{s.item.id}/rehandle", json={}).status_code == 422
    assert api(s.handler).post(f"/items/{s.item.id}/rehandle", json={"reason": "x"}).status_code == 403
    due = (clock.today() + dt.timedelta(days=20)).isoformat()
    r = office.post(f"/items/{s.item.id}/rehandle", json={"reason": "请重新办理", "reply_due": due})
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "rehandling"
    [a] = body["assignments"]
    assert (a["status"], a["round"], a["rehandle_due"], a["current_due"]) == ("rehandling", 2, due, due)
    assert "rehandle_ordered" in [e["type"] for e in body["timeline"]]
    assert zhang.post(f"/items/{s.item.id}/feedback", json=SAT).status_code == 409
    send_reply(s.a())
    r = zhang.post(f"/items/{s.item.id}/feedback", json=SAT)
    assert r.status_code == 201 and r.get_json()["round"] == 2
    r = office.get(f"/items/{s.item.id}/closeout")
    assert r.get_json()["closable"] is True and r.get_json()["round"] == 2


def test_resolution_without_rehandling(api, f):
    s = replied_item()
    api(s.people["张代表"][1]).post(f"/items/{s.item.id}/feedback", json={
        "work": "dissatisfied", "result": "dissatisfied", "adoption": "not_adopted", "comment": "没有解决"})
    fb = Feedback.get()
    office = api(s.office)
    assert office.post(f"/feedback/{fb.id}/resolution", json={}).status_code == 422
    r = office.post(f"/feedback/{fb.id}/resolution", json={"reason": "受条件限制，已当面说明"})
    assert r.status_code == 200 and r.get_json()["resolution"] == "受条件限制，已当面说明"
    assert office.post(f"/items/{s.item.id}/close", json={}).status_code == 200


def test_commitments_list_fulfil_and_carry_over(api, f):
    today = clock.today()
    s = replied_item(commitments=[("建成口袋公园", today - dt.timedelta(days=2))])
    s2 = replied_item(commitments=[("完成学校改造", today + dt.timedelta(days=30))], unit_name="市教育局")
    handler = api(s.handler)
    r = handler.get("/commitments")
    assert r.status_code == 200
    [row] = r.get_json()["items"]
    assert (row["text"], row["status"], row["days_overdue"], row["unit_id"]) == ("建成口袋公园", "open", 2, s.unit.id)
    office = api(s.office)
    assert office.get("/commitments").get_json()["total"] == 2
    assert office.get(f"/commitments?unit_id={s2.unit.id}").get_json()["items"][0]["text"] == "完成学校改造"
    assert office.get("/commitments?overdue=1").get_json()["total"] == 1
    assert office.get("/commitments?status=nope").status_code == 422
    c2 = Commitment.get(Commitment.text == "完成学校改造")
    assert handler.post(f"/commitments/{c2.id}/fulfil", json={"evidence": "x"}).status_code == 404
    c = Commitment.get(Commitment.text == "建成口袋公园")
    assert office.post(f"/commitments/{c.id}/fulfil", json={"evidence": "x"}).status_code == 403
    r = handler.post(f"/commitments/{c.id}/fulfil", json={})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"evidence": "此项为必填项"}
    r = handler.post(f"/commitments/{c.id}/fulfil", json={"evidence": "公园已开放", "fulfilled_on": today.isoformat()})
    assert r.status_code == 200
    assert (r.get_json()["status"], r.get_json()["fulfilled_on"]) == ("kept", today.isoformat())
    r = office.post(f"/commitments/{c2.id}/carry-over", json={"reason": "明年完成"})
    if today.month == 12:
        assert r.status_code == 200
    else:
        assert r.status_code == 409 and r.get_json()["error"]["code"] == "carry_over_too_early"
    assert api(s2.handler).post(f"/commitments/{c2.id}/carry-over", json={"reason": "x"}).status_code == 403


def test_close_answers_409_with_details_then_closes(api, f):
    s = replied_item(names=("张代表", "李代表"), send=False)
    office = api(s.office)
    r = office.post(f"/items/{s.item.id}/close", json={"note": "销号"})
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert error["code"] == "closeout_conditions_unmet"
    assert error["details"] == [f"{s.unit.name}尚未发送答复", "尚未收到张代表、李代表的反馈意见"]
    assert api(s.handler).post(f"/items/{s.item.id}/close", json={}).status_code == 403
    r = office.get(f"/items/{s.item.id}/closeout")
    assert r.get_json()["conditions"] == error["details"]
    assert [e["label"] for e in r.get_json()["checklist"][0]["entries"]][:3] == ["办前沟通", "办中沟通", "办后沟通"]
    assert api(s.people["张代表"][1]).get(f"/items/{s.item.id}/closeout").status_code == 403
    send_reply(s.a())
    for name in ("张代表", "李代表"):
        office.post(f"/items/{s.item.id}/feedback", json={"submitter": name, **SAT})
    r = office.post(f"/items/{s.item.id}/close", json={"note": "对账无误"})
    assert r.status_code == 200
    body = r.get_json()
    assert (body["status"], body["close_note"]) == ("closed", "对账无误")
    assert body["assignments"][0]["status"] == "done"
    assert body["timeline"][-1]["type"] == "closed"
    r = office.patch(f"/items/{s.item.id}", json={"title": "新标题", "version": body["version"]})
    assert r.status_code == 409 and r.get_json()["error"]["message"] == "该件已销号，不能再修改"
    assert Item.get_by_id(s.item.id).title != "新标题"
    r = office.post(f"/items/{s.item.id}/close", json={})
    assert r.status_code == 409
    r = office.post(f"/items/{s.item.id}/archive")
    assert r.status_code == 200 and r.get_json()["status"] == "archived"


def test_merge_unmerge_and_similar(api, f):
    s = replied_item(send=False, title="关于加快老旧小区加装电梯的建议")
    child = f.item(session=s.item.session, title="关于推进老旧小区加装电梯工作的建议",
                   submitters=[{"name": "孙委员", "role": "lead"}])
    office = api(s.office)
    r = office.get(f"/items/{child.id}/similar")
    assert r.status_code == 200 and r.get_json()["items"][0]["id"] == s.item.id
    assert api(s.handler).get(f"/items/{s.item.id}/similar").status_code == 403
    assert api(s.handler).post(f"/items/{child.id}/merge", json={"parent_id": s.item.id}).status_code == 404
    r = office.post(f"/items/{s.item.id}/merge", json={"parent_id": child.id})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "merge_assigned"
    r = office.post(f"/items/{child.id}/merge", json={"parent_number": s.item.number, "note": "同一事项"})
    assert r.status_code == 200
    assert (r.get_json()["status"], r.get_json()["merged_into_id"]) == ("merged", s.item.id)
    other = f.item(session=s.item.session, title="关于加装电梯的建议")
    assert office.post(f"/items/{other.id}/merge", json={"parent_id": s.item.id}).status_code == 200
    # the child's submitter rates the parent's reply
    send_reply(s.a())
    r = office.post(f"/items/{s.item.id}/feedback", json={"submitter": "孙委员", **SAT})
    assert r.status_code == 201 and r.get_json()["submitter"] == "孙委员"
    assert office.post(f"/items/{child.id}/unmerge", json={}).status_code == 409
    r = office.post(f"/items/{other.id}/unmerge", json={"reason": "误并"})
    assert r.status_code == 200 and r.get_json()["status"] == "registered"
    # once the parent's reply is out, no item joins it any more
    r = office.post(f"/items/{other.id}/merge", json={"parent_id": s.item.id})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "parent_replied"


def test_reconcile_endpoint(api, f):
    s = replied_item(number="1")
    f.item(session=s.item.session, number="2")
    office = api(s.office)
    r = office.post(f"/sessions/{s.item.session.id}/reconcile", json={"numbers": ["1", 3], "text": "4-5"})
    assert r.status_code == 200
    body = r.get_json()
    assert (body["ours"], body["theirs"], body["both"], body["matched"]) == (2, 4, 1, False)
    assert body["only_theirs"] == ["3", "4", "5"]
    assert [i["number"] for i in body["only_ours"]] == ["2"]
    assert body["status_counts"] == {"registered": 1, "replied": 1}
    assert office.post(f"/sessions/{s.item.session.id}/reconcile", json={}).status_code == 422
    assert office.post(f"/sessions/{s.item.session.id}/reconcile", json={"numbers": "1"}).status_code == 422
    assert office.post("/sessions/999999/reconcile", json={"numbers": ["1"]}).status_code == 404
    assert api(s.handler).post(f"/sessions/{s.item.session.id}/reconcile",
                               json={"numbers": ["1"]}).status_code == 403


def test_the_endpoints_are_documented(api, f):
    user = f.user(Role.OFFICE)
    spec = api(user).get("/openapi.json").get_json()
    for path in ("/items/{item_id}/feedback", "/items/{item_id}/rehandle", "/commitments/{commitment_id}/fulfil",
                 "/items/{item_id}/close", "/items/{item_id}/archive", "/sessions/{session_id}/reconcile"):
        assert path in spec["paths"], path
