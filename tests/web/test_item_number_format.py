"""The format of a 案号 (items.services.number_problem, next to clean_number): digits, with
letters, Chinese characters and hyphens or dashes, at most 20 characters. Path-like or
punctuated text ("abc/../1", shown as "第abc/../1号" in notices and Word file names) is refused
by the page, the API and the Excel import alike, in Chinese, and nothing is written."""

from __future__ import annotations

import io

import pytest

from tests.xlsx import xlsx_bytes
from tracker.audit.models import AuditEntry
from tracker.core.enums import Role
from tracker.items import services as items
from tracker.items.models import Item, Submitter

FORMAT = "案号只能包含数字、字母、汉字和连字符"
REFUSED = [
    ("abc/../1", FORMAT), ("12/1", FORMAT), ("12\\1", FORMAT), ("12.5", FORMAT), ("12 3", FORMAT),
    ("第12 3号", FORMAT), ("'12'", FORMAT), ('"12"', FORMAT), ("“12”", FORMAT), ("12;1", FORMAT),
    ("<b>12</b>", FORMAT), ("〔2026〕12", FORMAT), ("12、13", FORMAT), ("A_12", FORMAT),
    ("abc", "案号须包含数字"), ("建议", "案号须包含数字"),
    ("1" * 21, "案号不能超过 20 个字符"), ("1" * 25, "案号不能超过 20 个字符"),
    ("1" * 35, "案号不能超过 20 个字符"),
]
ACCEPTED = [
    ("12", "12"), ("0012", "0012"), ("A12", "A12"), ("12-1", "12-1"), ("建001", "建001"),
    ("12—1", "12—1"), ("12－1", "12-1"), ("１２", "12"), (" 12 ", "12"), ("第 12 号", "12"),
    ("1" * 20, "1" * 20),
]


def counts() -> tuple[int, int, int]:
    return Item.select().count(), Submitter.select().count(), AuditEntry.select().count()


def register_data(session, number: str) -> dict:
    return {"kind": "suggestion", "session_id": str(session.id), "number": number,
            "title": "关于加快老旧小区加装电梯的建议", "content": "建议简化审批流程。", "category": "城乡建设",
            "tier": "department", "received_on": "", "lead_name": "张代表"}


@pytest.mark.parametrize(("number", "message"), REFUSED)
def test_the_form_refuses_a_number_of_another_form(f, client, login_as, number, message):
    session = f.session()
    login_as(f.office())
    before = counts()
    response = client.post("/items/new", data=register_data(session, number))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert counts() == before


def test_the_form_names_the_cap_of_the_kind_chosen(f, client, login_as):
    """A 三书一函's 文书编号 may have 30 characters; past that the form names 30, not 20, and
    spaces the number loses when stored do not count."""
    session = f.session()
    login_as(f.office())
    data = register_data(session, "沪检建〔2026〕" + "1" * 22 + "号")
    data["kind"] = "procuratorial_suggestion"
    before = counts()
    response = client.post("/items/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "案号不能超过 30 个字符" in page and "20 个字符" not in page
    assert counts() == before
    spaced = register_data(session, "   " + "1" * 20 + "   ")
    response = client.post("/items/new", data=spaced)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert Item.get().number == "1" * 20


@pytest.mark.parametrize(("typed", "stored"), ACCEPTED)
def test_the_form_takes_numbers_as_lists_write_them(f, client, login_as, typed, stored):
    session = f.session()
    login_as(f.office())
    response = client.post("/items/new", data=register_data(session, typed))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert Item.get().number == stored


@pytest.mark.parametrize(("number", "message"), REFUSED)
def test_the_api_refuses_a_number_of_another_form(f, api, number, message):
    session = f.session()
    office = api(f.office())
    before = counts()
    response = office.post("/items", json={
        "kind": "suggestion", "session_id": session.id, "number": number, "title": "关于加装电梯的建议",
        "submitters": [{"name": "张代表", "role": "lead"}]})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and error["fields"] == {"number": message}
    assert counts() == before


def test_the_api_takes_a_number_with_letters_chinese_and_a_hyphen(f, api):
    session = f.session()
    response = api(f.office()).post("/items", json={
        "kind": "suggestion", "session_id": session.id, "number": "建００１－２", "title": "关于加装电梯的建议",
        "submitters": [{"name": "张代表", "role": "lead"}]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["number"] == "建001-2"


def test_the_excel_import_refuses_the_rows_and_imports_nothing(f, client, login_as):
    unit = f.unit("市教育局")
    f.user(Role.UNIT_HANDLER, unit)
    f.user(Role.UNIT_LEADER, unit)
    session = f.session(name="市十七届人大四次会议")
    login_as(f.office())
    before = counts()
    data = xlsx_bytes([["1", "关于发展社区嵌入式养老服务的建议", "王丽", "市教育局"],
                       ["abc/../1", "关于完善夜间经济配套设施的建议", "刘强", "市教育局"],
                       ["12 3", "关于增设公交线路的建议", "赵敏", "市教育局"]], ["建议号", "标题", "领衔代表", "主办单位"])
    response = client.post("/imports/", data={"session_id": str(session.id), "kind": "",
                                              "file": (io.BytesIO(data), "清单.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"第 3 行：{FORMAT}" in page and f"第 4 行：{FORMAT}" in page
    assert "确认导入" not in page
    assert counts() == before


def test_the_shared_rule(f):
    for number, message in REFUSED:
        assert items.number_problem("suggestion", items.clean_number("suggestion", number)) == message, number
    for typed, stored in ACCEPTED:
        assert items.clean_number("proposal", typed) == stored
        assert items.number_problem("proposal", stored) is None, typed
    # a 三书一函's 文书编号 keeps its own form
    assert items.number_problem("procuratorial_suggestion", "沪检建〔2026〕3号") is None
