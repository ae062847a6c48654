"""The JSON API for 三书一函: POST /items with a ``document``, the document in GET /items/{id},
objections and decisions, rectification, the reply and close-out through the shared endpoints,
the ledger rows and the statistics filtered by kind."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine

from tracker.assignments.models import Assignment
from tracker.core import clock
from tracker.core.enums import Role
from tracker.items.models import Item
from tracker.supervision.models import Objection, Rectification, SupervisionDoc

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(10), clock.LOCAL_TZ), tick=False):
        yield


@pytest.fixture()
def w(f, api):
    unit = f.unit("市教育局")
    s = SimpleNamespace(
        unit=unit,
        handler=f.user(Role.UNIT_HANDLER, unit, name="李经办"),
        leader=f.user(Role.UNIT_LEADER, unit, name="王局长"),
        other=f.user(Role.UNIT_HANDLER, f.unit("市交通委"), name="周经办"),
        office=f.user(Role.OFFICE, name="赵督查"),
        city_leader=f.user(Role.LEADER, name="陈副市长"),
        session=f.session(body="other", name="2026年三书一函"),
    )
    s.api_office, s.api_handler, s.api_leader = api(s.office), api(s.handler), api(s.leader)
    return s


def body(w, **overrides) -> dict:
    data = {"kind": "procuratorial_suggestion", "session_id": w.session.id, "number": "沪检建〔2026〕3号",
            "title": "关于加强校外培训机构消防安全管理的检察建议", "content": "建议开展专项排查",
            "document": {"issuing_body": "市人民检察院", "issue_date": "2026-02-27", "case_name": "某案",
                         "case_code": "（2025）沪0101刑初123号", "sectors": "校外培训", "written_due": "2026-04-30"}}
    data.update(overrides)
    return data


def registered_and_assigned(w) -> tuple[int, int]:
    r = w.api_office.post("/items", json=body(w))
    assert r.status_code == 201, r.get_json()
    item_id = r.get_json()["id"]
    r = w.api_office.post(f"/items/{item_id}/assignments", json={
        "unit_id": w.unit.id, "role": "sole", "task": "调查核实并整改", "responsible_leader": "王局长",
        "handler_user_id": w.handler.id})
    assert r.status_code == 201, r.get_json()
    a = r.get_json()
    assert a["reply_due"] == "2026-04-30"
    assert "文书载明的期限 2026-04-30" in a["deadline_explanations"]["reply_due"]
    assert w.api_handler.post(f"/assignments/{a['id']}/receive").status_code == 200
    return item_id, a["id"]


def test_post_items_registers_a_document_and_get_shows_it(w):
    r = w.api_office.post("/items", json=body(w))
    assert r.status_code == 201
    data = r.get_json()
    assert (data["kind"], data["number"], data["submitters"]) == ("procuratorial_suggestion", "沪检建〔2026〕3号", [])
    assert data["document"] == {
        "issuing_body": "市人民检察院", "doc_number": "沪检建〔2026〕3号", "issue_date": "2026-02-27",
        "case_name": "某案", "case_code": "（2025）沪0101刑初123号", "sectors": "校外培训",
        "written_due": "2026-04-30", "objections": [], "rectifications": []}
    assert [e["type"] for e in data["timeline"]] == ["registered", "document_registered"]
    # doc_number alone is enough as the number
    r = w.api_office.post("/items", json=body(w, number=None, document={
        "issuing_body": "市公安局", "issue_date": "2026-02-28", "doc_number": "沪公提〔2026〕8号"},
        kind="police_notice"))
    assert r.status_code == 201 and r.get_json()["number"] == "沪公提〔2026〕8号"
    suggestion = w.api_office.post("/items", json={"kind": "suggestion", "session_id": w.session.id, "number": "1",
                                                   "title": "建议", "submitters": [{"name": "张代表", "role": "lead"}]})
    assert suggestion.status_code == 201 and suggestion.get_json()["document"] is None


@pytest.mark.parametrize(("change", "fields"), [
    ({"document": None}, {"document": "三书一函须附 document（制发机关、制发日期等）"}),
    ({"document": {"issue_date": "2026-02-30"}}, {"document.issuing_body": "此项为必填项",
                                                  "document.issue_date": "日期格式应为 YYYY-MM-DD"}),
    ({"submitters": [{"name": "市人民检察院", "role": "lead"}]},
     {"submitters": "三书一函没有领衔人、附议人（制发机关填在 document.issuing_body）"}),
    ({"document": {"issuing_body": "市人民检察院", "issue_date": "2026-02-27", "doc_number": "别的编号"}},
     {"document.doc_number": "与 number（文书编号）不一致"}),
    ({"document": {"issuing_body": "市人民检察院", "issue_date": "2026-02-27", "bogus": 1}},
     {"document.bogus": "document 中没有此字段"}),
    ({"kind": "supervisory_suggestion"}, {"case_code": "监察建议书没有案号，请勿填写"}),
])
def test_post_items_refuses_a_bad_document_in_chinese_and_writes_nothing(w, change, fields):
    r = w.api_office.post("/items", json=body(w, **change))
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "validation_failed"
    for key, message in fields.items():
        assert error["fields"][key] == message
    assert not Item.select().exists() and not SupervisionDoc.select().exists()


def test_only_the_office_registers_documents(w):
    assert w.api_handler.post("/items", json=body(w)).status_code == 403
    assert not Item.select().exists()


def test_objection_decision_rectification_reply_and_close_out(w):
    item_id, aid = registered_and_assigned(w)
    r = w.api_handler.post(f"/assignments/{aid}/objection", json={"reason": "不属于我局监管"})
    assert r.status_code == 201 and r.get_json()["status"] == "pending"
    objection = r.get_json()
    r = w.api_handler.post(f"/assignments/{aid}/objection", json={"reason": "再次"})
    assert r.status_code == 409 and "不能重复提出" in r.get_json()["error"]["message"]
    r = w.api_handler.post(f"/assignments/{aid}/objection/decision",
                           json={"decision": "dismissed", "issuer_decision": "维持"})
    assert r.status_code == 403
    r = w.api_office.post(f"/assignments/{aid}/objection/decision", json={"decision": "maybe"})
    assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"decision", "issuer_decision"}
    r = w.api_office.post(f"/assignments/{aid}/objection/decision",
                          json={"decision": "dismissed", "issuer_decision": "经复核，维持原检察建议",
                                "version": objection["version"]})
    assert r.status_code == 200 and r.get_json()["status"] == "dismissed"
    r = w.api_office.post(f"/assignments/{aid}/objection/decision",
                          json={"decision": "upheld", "issuer_decision": "撤回"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "no_pending_objection"

    r = w.api_handler.post(f"/assignments/{aid}/rectification",
                           json={"measures": "排查 312 家", "sector_governance": True})
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"] == {"sector_governance_note": "已开展系统治理（行业治理）的，请说明开展情况"}
    r = w.api_handler.post(f"/assignments/{aid}/rectification", json={
        "measures": "排查 312 家", "sector_governance": True, "sector_governance_note": "专项治理",
        "long_term_mechanism": True, "long_term_mechanism_note": "季度检查制度"})
    assert r.status_code == 200
    rect = r.get_json()
    assert (rect["sector_governance"], rect["long_term_mechanism_note"], rect["version"]) == (True, "季度检查制度", 1)
    r = w.api_handler.post(f"/assignments/{aid}/rectification", json={"measures": "覆盖", "version": 7})
    assert r.status_code == 409 and Rectification.get().measures == "排查 312 家"

    # close-out waits for the reply; the reply goes through the shared pipeline
    r = w.api_office.post(f"/items/{item_id}/close", json={})
    assert r.status_code == 409 and "市教育局尚未发送答复" in r.get_json()["error"]["details"]
    r = w.api_handler.post(f"/assignments/{aid}/reply", json={"result_class": "A", "text": "整改情况报告……",
                                                             "submit": True})
    assert r.status_code == 201, r.get_json()
    reply_id = r.get_json()["id"]
    assert w.api_leader.post(f"/replies/{reply_id}/sign-off", json={"decision": "approve"}).get_json()["status"] \
        == "awaiting_office_review"
    assert w.api_office.post(f"/replies/{reply_id}/review", json={"decision": "approve"}).get_json()["status"] == "sent"
    detail = w.api_office.get(f"/items/{item_id}").get_json()
    assert detail["status"] == "replied" and detail["feedback"] == []
    assert [o["status"] for o in detail["document"]["objections"]] == ["dismissed"]
    assert detail["document"]["rectifications"][0]["measures"] == "排查 312 家"
    r = w.api_office.post(f"/items/{item_id}/close", json={"note": "整改到位"})
    assert r.status_code == 200, r.get_json()
    assert Item.get_by_id(item_id).status == "closed"


def test_an_upheld_objection_through_the_api_withdraws_the_item(w):
    item_id, aid = registered_and_assigned(w)
    w.api_handler.post(f"/assignments/{aid}/objection", json={"reason": "不属于我局监管"})
    r = w.api_office.post(f"/assignments/{aid}/objection/decision",
                          json={"decision": "upheld", "issuer_decision": "制发机关撤回"})
    assert r.status_code == 200 and r.get_json()["status"] == "upheld"
    detail = w.api_office.get(f"/items/{item_id}").get_json()
    assert detail["status"] == "withdrawn" and detail["timeline"][-1]["type"] == "withdrawn"


def test_other_units_cannot_see_or_touch_the_document(w, api):
    item_id, aid = registered_and_assigned(w)
    other = api(w.other)
    assert other.get(f"/items/{item_id}").status_code == 404
    assert other.post(f"/assignments/{aid}/objection", json={"reason": "x"}).status_code == 404
    assert other.post(f"/assignments/{aid}/rectification", json={"measures": "x"}).status_code == 404
    assert w.api_office.post(f"/assignments/{aid}/rectification", json={"measures": "x"}).status_code == 403
    assert not Objection.select().exists() and not Rectification.select().exists()


def test_patch_document_moves_the_open_assignments_date(w):
    item_id, aid = registered_and_assigned(w)
    r = w.api_office.patch(f"/items/{item_id}/document", json={"written_due": "2026-05-15", "sectors": "消防"})
    assert r.status_code == 200
    assert (r.get_json()["written_due"], r.get_json()["sectors"]) == ("2026-05-15", "消防")
    assert Assignment.get_by_id(aid).reply_due == dt.date(2026, 5, 15)
    r = w.api_office.patch(f"/items/{item_id}/document", json={"issue_date": "2026-06-01"})
    assert r.status_code == 422 and r.get_json()["error"]["fields"]["issue_date"] == "制发日期 2026-06-01 不能晚于今天"
    r = w.api_office.patch(f"/items/{item_id}/document", json={"number": "x"})
    assert r.status_code == 422 and "number" in r.get_json()["error"]["fields"]
    suggestion = w.api_office.post("/items", json={"kind": "suggestion", "session_id": w.session.id, "number": "1",
                                                   "title": "建议", "submitters": [{"name": "张代表"}]}).get_json()
    r = w.api_office.patch(f"/items/{suggestion['id']}/document", json={"sectors": "x"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "not_supervision_document"


def test_ledger_rows_and_statistics_by_kind(w, api):
    item_id, aid = registered_and_assigned(w)
    r = w.api_office.get("/supervision-ledger?kind=procuratorial_suggestion")
    assert r.status_code == 200
    data = r.get_json()
    assert data["total"] == 1 and data["columns"][3] == {"key": "number", "header": "文书编号"}
    row = data["items"][0]
    assert (row["item_id"], row["issuing_body"], row["reply_due"], row["status"]) == (
        item_id, "市人民检察院", "2026-04-30", "办理中")
    assert w.api_office.get("/supervision-ledger?kind=suggestion").status_code == 422
    assert w.api_handler.get("/supervision-ledger").status_code == 403

    stats = api(w.city_leader).get("/stats?kind=procuratorial_suggestion")
    assert stats.status_code == 200
    overall = stats.get_json()["overall"]
    assert (overall["assigned"], overall["replied"], overall["reply_rate"]) == (1, 0, 0)
    assert stats.get_json()["by_unit"][0]["unit_id"] == w.unit.id
    none = api(w.city_leader).get("/stats?kind=police_notice").get_json()["overall"]
    assert (none["assigned"], none["reply_rate"]) == (0, None)


def test_the_openapi_document_lists_the_supervision_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, method in [("/items/{item_id}/document", "patch"), ("/assignments/{assignment_id}/objection", "post"),
                         ("/assignments/{assignment_id}/objection/decision", "post"),
                         ("/assignments/{assignment_id}/rectification", "post"), ("/supervision-ledger", "get")]:
        op = doc["paths"][path][method]
        assert op["summary"] and "supervision" in op["tags"]
    assert "document" in doc["components"]["schemas"]["ItemDetail"]["properties"]
    assert "三书一函" in doc["paths"]["/items"]["post"]["description"]
