"""Pages of the 三书一函: the register form, the item page's panel (objection, the office's record of
the issuing body's decision, rectification), the reply wording, the list, the ledger and its .xlsx,
the Excel import — as the office and the units meet them, in Chinese."""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace

import openpyxl
import pytest
import time_machine

from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.core import clock
from tracker.core.enums import Role
from tracker.items.models import Item
from tracker.supervision import services as supervision
from tracker.supervision.models import Objection, Rectification, SupervisionDoc

TODAY = dt.date(2026, 3, 2)


def html(response) -> str:
    return response.get_data(as_text=True)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html(response)))


@pytest.fixture(autouse=True)
def _today():
    moment = dt.datetime.combine(TODAY, dt.time(10), clock.LOCAL_TZ)
    with time_machine.travel(moment, tick=False):
        yield


@pytest.fixture()
def w(f):
    unit = f.unit("市教育局")
    other = f.unit("市交通委")
    return SimpleNamespace(
        unit=unit, other=other,
        handler=f.user(Role.UNIT_HANDLER, unit, name="李经办"),
        leader=f.user(Role.UNIT_LEADER, unit, name="王局长"),
        other_handler=f.user(Role.UNIT_HANDLER, other, name="周经办"),
        office=f.user(Role.OFFICE, name="赵督查"),
        session=f.session(body="other", name="2026年三书一函"),
    )


def form(w, **overrides) -> dict:
    data = {"kind": "procuratorial_suggestion", "session_id": str(w.session.id), "number": "沪检建〔2026〕3号",
            "title": "关于加强校外培训机构消防安全管理的检察建议", "issuing_body": "市人民检察院",
            "issue_date": "2026-02-27", "written_due": "2026-04-30", "case_name": "某培训机构重大责任事故案",
            "case_code": "（2025）沪0101刑初123号", "sectors": "校外培训、消防安全", "content": "建议开展专项排查",
            "received_on": "2026-03-02", "category": "", "tier": "department", "leader_id": "", "note": ""}
    data.update(overrides)
    return data


def document(w, *, assigned=True, received=True):
    item = supervision.register_document(
        actor=w.office, kind="procuratorial_suggestion", session_id=w.session.id, number="沪检建〔2026〕3号",
        title="关于加强校外培训机构消防安全管理的检察建议", issuing_body="市人民检察院",
        issue_date=dt.date(2026, 2, 27), written_due=dt.date(2026, 4, 30), case_code="（2025）沪0101刑初123号")
    a = None
    if assigned:
        a = assignments.assign(item, actor=w.office, unit_id=w.unit.id, role="sole", task="调查核实并整改",
                               responsible_leader="王局长", handler_id=w.handler.id)
        if received:
            assignments.receive(a, actor=w.handler)
            a = Assignment.get_by_id(a.id)
    return item, a


# --- registration -------------------------------------------------------------------------------


def test_the_office_registers_a_document_on_its_own_form(client, login_as, w):
    login_as(w.office)
    page = html(client.get("/supervision/new"))
    for label in ("文书类别", "批次", "文书编号", "标题（事由）", "制发机关", "制发日期", "文书载明的答复期限",
                  "案件名称", "案号", "涉及领域", "主要内容"):
        assert f">{label}" in page
    assert "检察建议书 2 个月" in page and "监察建议书 1 个月" in page  # the profile's defaults
    assert 'data-show-when="kind=,judicial_suggestion,procuratorial_suggestion,police_notice"' in page
    r = client.post("/supervision/new", data=form(w, then="assign"))
    item = Item.get()
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/items/{item.id}/assign")
    doc = SupervisionDoc.get()
    assert (item.kind, item.number, doc.issuing_body, doc.written_due) == (
        "procuratorial_suggestion", "沪检建〔2026〕3号", "市人民检察院", dt.date(2026, 4, 30))
    # the assignment desk proposes the written date, explained
    page = text(client.post(f"/items/{item.id}/assign", data={
        "step": "choose", "tier": "department", "mode": "sole", "lead_unit_id": str(w.unit.id)}))
    assert "2026-04-30" in page


def test_a_bad_registration_keeps_what_was_typed_and_says_what_is_wrong(client, login_as, w):
    login_as(w.office)
    r = client.post("/supervision/new", data=form(w, issuing_body=""))
    assert r.status_code == 422
    assert "请填写制发机关" in text(r)
    assert "关于加强校外培训机构消防安全管理的检察建议" in html(r)  # input kept
    r = client.post("/supervision/new", data=form(w, written_due="2026-02-01", issue_date="2026-03-09"))
    assert r.status_code == 422
    page = text(r)
    assert "文书载明的答复期限 2026-02-01 不能早于制发日期 2026-03-09" in page
    assert "制发日期 2026-03-09 不能晚于今天" in page
    assert not Item.select().exists()
    # a hidden case code is not sent for a 监察建议书: the page drops it
    r = client.post("/supervision/new", data=form(w, kind="supervisory_suggestion", number="沪监建1号"))
    assert r.status_code == 302 and SupervisionDoc.get().case_code == ""


def test_only_the_office_registers(client, login_as, w):
    login_as(w.handler)
    assert client.get("/supervision/new").status_code == 403
    assert client.post("/supervision/new", data=form(w)).status_code == 403
    assert not Item.select().exists()


def test_the_generic_edit_page_sends_a_document_to_its_own_form(client, login_as, w):
    item, _ = document(w, assigned=False)
    login_as(w.office)
    r = client.get(f"/items/{item.id}/edit")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/supervision/items/{item.id}/document")
    page = html(client.get(f"/supervision/items/{item.id}/document"))
    assert "修改文书信息" in page and "市人民检察院" in page
    data = form(w, issuing_body="市人民检察院第一分院", written_due="2026-05-15", version=str(item.version))
    r = client.post(f"/supervision/items/{item.id}/document", data=data)
    assert r.status_code == 302
    assert SupervisionDoc.get().issuing_body == "市人民检察院第一分院"


# --- the item page ------------------------------------------------------------------------------


def test_the_item_page_shows_the_document_and_offers_the_unit_its_forms(client, login_as, w):
    item, a = document(w)
    login_as(w.handler)
    page = html(client.get(f"/items/{item.id}"))
    assert "文书信息（检察建议书）" in page and "市人民检察院" in page and "（2025）沪0101刑初123号" in page
    assert "2026-04-30" in page and "优先于规则默认期限" in page
    assert "按文书载明的期限 2026-04-30" in page  # why this date
    assert "提出异议" in page and "登记整改情况" in page
    assert "回复（整改情况报告）" in page  # the reply panel speaks of a 回复
    assert ">领衔人<" not in page and "征询意见（满意度测评）" not in page and "“3+1”办理清单" not in page
    # another unit does not even see the item
    login_as(w.other_handler)
    assert client.get(f"/items/{item.id}").status_code == 404
    assert client.post(f"/supervision/assignments/{a.id}/objection",
                       data={f"sv{a.id}-reason": "异议"}).status_code == 404


def test_contact_with_the_issuing_body_is_called_so(client, login_as, w):
    item, a = document(w)
    login_as(w.handler)
    page = html(client.get(f"/items/{item.id}"))
    assert "与制发机关沟通" in page and "与代表委员沟通" not in page
    p = f"a{a.id}-"
    response = client.post(f"/assignments/{a.id}/contacts", data={
        p + "stage": "before", p + "method": "phone", p + "contact_on": "2026-03-02",
        p + "participants": "市检察院承办检察官", p + "summary": "电话核实建议所涉问题"}, follow_redirects=True)
    assert response.status_code == 200
    page = html(response)
    assert "已登记与制发机关的沟通情况" in page and "电话核实建议所涉问题" in page


def test_objection_then_the_issuing_bodys_decision_through_the_pages(client, login_as, w):
    item, a = document(w)
    login_as(w.handler)
    r = client.post(f"/supervision/assignments/{a.id}/objection", data={f"sv{a.id}-reason": ""})
    assert r.status_code == 422 and "请填写异议理由" in text(r)
    r = client.post(f"/supervision/assignments/{a.id}/objection",
                    data={f"sv{a.id}-reason": "所涉机构不属于我局监管"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/items/{item.id}#supervision-{a.id}")
    page = html(client.get(f"/items/{item.id}"))
    assert "待制发机关决定" in page and "所涉机构不属于我局监管" in page
    assert f'action="/supervision/assignments/{a.id}/objection"' not in page  # once only
    r = client.post(f"/supervision/assignments/{a.id}/objection", data={f"sv{a.id}-reason": "再次"})
    assert r.status_code == 409 and "不能重复提出" in text(r)
    assert client.post(f"/supervision/assignments/{a.id}/objection/decision",
                       data={f"sv{a.id}-decision": "upheld"}).status_code == 403

    login_as(w.office)
    page = html(client.get(f"/items/{item.id}"))
    assert "登记决定" in page and "异议成立（制发机关撤回文书，本件撤回）" in page
    r = client.post(f"/supervision/assignments/{a.id}/objection/decision",
                    data={f"sv{a.id}-decision": "dismissed", f"sv{a.id}-issuer_decision": ""})
    assert r.status_code == 422 and "请填写制发机关的决定内容" in text(r)
    objection = Objection.get()
    r = client.post(f"/supervision/assignments/{a.id}/objection/decision",
                    data={f"sv{a.id}-decision": "dismissed", f"sv{a.id}-version": str(objection.version),
                          f"sv{a.id}-issuer_decision": "经复核，维持原检察建议"}, follow_redirects=True)
    assert "已登记制发机关的决定：异议不成立，承办单位继续办理" in text(r)
    assert Objection.get().status == "dismissed"
    assert "异议不成立" in text(r) and "经复核，维持原检察建议" in text(r)
    r = client.post(f"/supervision/assignments/{a.id}/objection/decision",
                    data={f"sv{a.id}-decision": "upheld", f"sv{a.id}-issuer_decision": "撤回"})
    assert r.status_code == 302 and Item.get_by_id(item.id).status == "in_progress"


def test_an_upheld_objection_on_the_page_withdraws_the_item(client, login_as, w):
    item, a = document(w)
    supervision.raise_objection(a, actor=w.handler, reason="不属于我局职责")
    login_as(w.office)
    r = client.post(f"/supervision/assignments/{a.id}/objection/decision",
                    data={f"sv{a.id}-decision": "upheld", f"sv{a.id}-issuer_decision": "制发机关撤回该建议"},
                    follow_redirects=True)
    assert "异议成立，本件已撤回" in text(r) and "已撤回" in text(r)
    assert Item.get_by_id(item.id).status == "withdrawn"


def test_rectification_through_the_page_and_its_mistakes(client, login_as, w):
    item, a = document(w)
    login_as(w.handler)
    page = html(client.get(f"/supervision/assignments/{a.id}/rectification"))
    assert "整改措施" in page and "已开展系统治理（行业治理）" in page and "已建立长效机制" in page
    p = f"sv{a.id}-"
    r = client.post(f"/supervision/assignments/{a.id}/rectification",
                    data={p + "measures": "排查 312 家", p + "sector_governance": "y", p + "long_term_mechanism": "y",
                          p + "long_term_mechanism_note": "季度检查制度"})
    assert r.status_code == 422
    assert "已开展系统治理（行业治理）的，请说明开展情况" in text(r) and "排查 312 家" in html(r)
    assert not Rectification.select().exists()
    r = client.post(f"/supervision/assignments/{a.id}/rectification",
                    data={p + "measures": "排查 312 家", p + "sector_governance": "y",
                          p + "sector_governance_note": "全市教育系统专项治理", p + "long_term_mechanism": "y",
                          p + "long_term_mechanism_note": "季度检查制度"}, follow_redirects=True)
    assert "已保存整改情况" in text(r)
    page = text(r)
    assert "全市教育系统专项治理" in page and "季度检查制度" in page and "已建立" in page
    assert Rectification.get().sector_governance is True
    login_as(w.office)
    assert client.get(f"/supervision/assignments/{a.id}/rectification").status_code == 403


def test_the_reply_form_speaks_of_a_reply_report(client, login_as, w):
    item, a = document(w)
    login_as(w.handler)
    page = html(client.get(f"/assignments/{a.id}/reply/new"))
    assert "起草回复（整改情况报告）" in page


# --- list and ledger ----------------------------------------------------------------------------


def test_the_list_shows_documents_by_role(client, login_as, w, f):
    item, a = document(w)
    f.item(actor=w.office, title="一条人大代表建议")
    login_as(w.office)
    page = text(client.get("/supervision/"))
    assert "沪检建〔2026〕3号" in page and "市人民检察院" in page and "一条人大代表建议" not in page
    assert "三书一函" in html(client.get("/supervision/"))  # the navigation link
    login_as(w.other_handler)
    assert "沪检建〔2026〕3号" not in text(client.get("/supervision/"))
    login_as(w.handler)
    assert "沪检建〔2026〕3号" in text(client.get("/supervision/?kind=procuratorial_suggestion"))
    assert "沪检建〔2026〕3号" not in text(client.get("/supervision/?kind=police_notice"))


def test_the_ledger_page_and_its_workbook(client, login_as, w):
    item, a = document(w)
    supervision.record_rectification(a, actor=w.handler, measures="排查 312 家", sector_governance=True,
                                     sector_governance_note="专项治理")
    login_as(w.office)
    r = client.get("/supervision/ledger")
    assert r.status_code == 200
    page = text(r)
    for header in ("序号", "文书类别", "制发机关", "文书编号", "制发日期", "案件名称", "案号", "涉及领域", "主要内容",
                   "承办单位", "经办人", "联系电话", "交办日期", "签收日期", "回复期限", "延期至", "异议情况",
                   "整改措施", "系统治理", "长效机制", "回复日期", "办理状态", "销号日期", "备注"):
        assert header in page
    assert "是：专项治理" in page and "排查 312 家" in page and "李经办" in page
    r = client.get("/supervision/ledger.xlsx?kind=procuratorial_suggestion")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(r.get_data()))["三书一函台账"]
    assert sheet["D1"].value == "文书编号" and sheet["D2"].value == "沪检建〔2026〕3号"
    assert sheet["O2"].value == dt.datetime(2026, 4, 30) and sheet.freeze_panes == "E2"
    login_as(w.handler)
    assert client.get("/supervision/ledger").status_code == 403
    assert client.get("/supervision/ledger.xlsx").status_code == 403


# --- import -------------------------------------------------------------------------------------


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_upload_preview_and_confirm(client, login_as, w):
    data = _xlsx([["文书类别", "文书编号", "事由", "制发机关", "制发日期", "回复期限", "承办单位"],
                  ["公安提示函", "沪公提〔2026〕8号", "关于校园周边交通秩序的提示函", "市公安局", "2026-02-28",
                   "2026-03-31", "市教育局"]])
    login_as(w.office)
    r = client.post("/supervision/import", data={"session_id": str(w.session.id), "kind": "",
                                                 "file": (io.BytesIO(data), "清单.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 200
    page = text(r)
    assert "可导入 1 行" in page and "预览，未写入任何数据" in page and "确认导入 1 件" in page
    assert not Item.select().exists()
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', html(r)).group(1)
    r = client.post("/supervision/import/confirm", data={"payload": payload, "session_id": str(w.session.id),
                                                         "kind": "", "filename": "清单.xlsx"}, follow_redirects=True)
    assert "导入完成：共导入 1 件" in text(r)
    item = Item.get()
    assert (item.kind, item.number) == ("police_notice", "沪公提〔2026〕8号")
    assert Assignment.get().reply_due == dt.date(2026, 3, 31)
    bad = _xlsx([["文书编号", "事由", "制发机关", "制发日期"], ["X1", "标题", "市公安局", "2026-02-28"]])
    r = client.post("/supervision/import", data={"session_id": str(w.session.id), "kind": "",
                                                 "file": (io.BytesIO(bad), "b.xlsx")}, content_type="multipart/form-data")
    assert "第 2 行：未填写文书类别，请在表格中增加“文书类别”列或在导入时选择类别" in text(r)
    assert "确认导入" not in text(r)
    r = client.post("/supervision/import", data={"session_id": str(w.session.id), "kind": "",
                                                 "file": (io.BytesIO(b"not a workbook"), "x.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "文件不是 Excel 工作簿" in text(r)
    assert Item.select().count() == 1
