"""Registration rules that the page, the API and the Excel import share (the services hold them):
案号 normalised as the import does (full-width digits, spaces), the kind of the session's body,
a leader-led item's city leader; and the import's own checks of its number column. A refused
input changes nothing and the page keeps what was typed."""

from __future__ import annotations

import io
import re

import pytest

from tests.xlsx import xlsx_bytes
from tracker.audit.models import AuditEntry
from tracker.core.enums import Role
from tracker.items.models import Item, Submitter


def text(response) -> str:
    return response.get_data(as_text=True)


def counts() -> tuple[int, int, int]:
    return Item.select().count(), Submitter.select().count(), AuditEntry.select().count()


def register_data(session, **overrides):
    data = {
        "kind": "suggestion", "session_id": str(session.id), "number": "101",
        "title": "关于加快老旧小区加装电梯的建议", "content": "建议简化审批流程。", "category": "城乡建设",
        "tier": "department", "received_on": "2026-02-20", "lead_name": "张代表",
        "cosigners-0-name": "李代表",
    }
    data.update(overrides)
    return data


def field_errors(page: str, name: str) -> str:
    """The text of the block around a field (its label, control and error)."""
    start = page.index(f'name="{name}"')
    return page[max(0, start - 600):start + 1500]


def selected(page: str, name: str, value: str) -> bool:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, name
    return bool(re.search(rf'<option (?:selected value="{value}"|value="{value}" selected)', select.group(1)))


# --- 1. 案号 as the import normalises it ------------------------------------------------------


@pytest.mark.parametrize("typed", ["２６", " 26 ", "２６　", "第26号"])
def test_a_full_width_or_padded_number_is_the_same_number(f, client, login_as, typed):
    session = f.session()
    f.item(session=session, number="26")
    login_as(f.office())
    before = counts()
    response = client.post("/items/new", data=register_data(session, number=typed, title="另一条建议"))
    assert response.status_code == 422
    page = text(response)
    assert "该会次已有案号为“26”的建议，不能重复登记" in page
    assert f'value="{typed}"' in page and 'value="另一条建议"' in page and 'value="李代表"' in page
    assert counts() == before


def test_a_full_width_number_is_stored_in_ascii_digits(f, client, login_as, api):
    session = f.session()
    office = f.office()
    login_as(office)
    response = client.post("/items/new", data=register_data(session, number=" ２７ "))
    assert response.status_code == 302
    assert Item.get(Item.title == "关于加快老旧小区加装电梯的建议").number == "27"
    created = api(office).post("/items", json={
        "kind": "suggestion", "session_id": session.id, "number": "２８", "title": "关于增设公交线路的建议",
        "submitters": [{"name": "王代表", "role": "lead"}]})
    assert created.status_code == 201 and created.get_json()["number"] == "28"
    before = counts()
    refused = api(office).post("/items", json={
        "kind": "suggestion", "session_id": session.id, "number": " 27", "title": "关于重复案号的建议",
        "submitters": [{"name": "王代表", "role": "lead"}]})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"number": "该会次已有案号为“27”的建议，不能重复登记"}
    assert counts() == before


# --- 2. the kind of the session's body --------------------------------------------------------


@pytest.mark.parametrize(("body", "kind", "message"), [
    ("cppcc", "suggestion", "属于政协，不能登记人大代表建议"),
    ("npc", "proposal", "属于人大，不能登记政协提案"),
])
def test_the_form_refuses_a_kind_of_the_other_body(f, client, login_as, body, kind, message):
    session = f.session(body=body, name="市政协十四届四次会议" if body == "cppcc" else "市十七届人大四次会议")
    login_as(f.office())
    before = counts()
    response = client.post("/items/new", data=register_data(session, kind=kind))
    assert response.status_code == 422
    page = text(response)
    assert f"会次“{session.name}”{message}" in field_errors(page, "kind")
    assert selected(page, "kind", kind) and selected(page, "session_id", str(session.id))
    assert 'value="101"' in page and 'value="关于加快老旧小区加装电梯的建议"' in page
    assert counts() == before


def test_the_api_refuses_a_kind_of_the_other_body_but_takes_the_right_one(f, api):
    cppcc = f.session(body="cppcc", name="市政协十四届四次会议")
    other = f.session(body="other", name="2026 年闭会期间批次")
    office = api(f.office())
    body = {"kind": "suggestion", "session_id": cppcc.id, "number": "1", "title": "关于增设公交线路的建议",
            "submitters": [{"name": "王代表", "role": "lead"}]}
    before = counts()
    refused = office.post("/items", json=body)
    assert refused.status_code == 422
    message = "会次“市政协十四届四次会议”属于政协，不能登记人大代表建议"
    assert refused.get_json()["error"]["fields"] == {"kind": message}
    assert counts() == before
    assert office.post("/items", json={**body, "kind": "proposal"}).status_code == 201
    # A session of another body (闭会期间 batches) takes either kind.
    assert office.post("/items", json={**body, "session_id": other.id}).status_code == 201


# --- 3. a leader-led item names its city leader -----------------------------------------------


def test_the_form_refuses_a_leader_led_item_without_its_leader(f, client, login_as):
    session = f.session()
    login_as(f.office())
    before = counts()
    response = client.post("/items/new", data=register_data(session, tier="leader_led", leader_id=""))
    assert response.status_code == 422
    page = text(response)
    assert "市领导领办件须指定领办领导" in field_errors(page, "leader_id")
    assert selected(page, "tier", "leader_led")
    assert 'value="101"' in page and 'value="李代表"' in page and "建议简化审批流程。" in page
    assert counts() == before


def test_editing_cannot_leave_a_leader_led_item_without_its_leader(f, client, login_as):
    leader = f.user(Role.LEADER, name="王市长")
    item = f.item(tier="leader_led", leader_id=leader.id)
    plain = f.item()
    login_as(f.office())
    before = counts()
    for target, data in ((item, {"tier": "leader_led", "leader_id": ""}),
                         (plain, {"tier": "leader_led", "leader_id": ""})):
        response = client.post(f"/items/{target.id}/edit", data={
            "version": str(target.version), "title": "改过的标题", "content": "改过的内容", "lead_name": "张代表",
            **data})
        assert response.status_code == 422
        page = text(response)
        assert "市领导领办件须指定领办领导" in field_errors(page, "leader_id")
        assert 'value="改过的标题"' in page and "改过的内容" in page and selected(page, "tier", "leader_led")
    assert counts() == before
    assert Item.get_by_id(item.id).leader_id == leader.id and Item.get_by_id(item.id).title == item.title
    assert Item.get_by_id(plain.id).tier == "department"
    # Leaving the tier lifts the rule.
    response = client.post(f"/items/{item.id}/edit", data={
        "version": str(item.version), "title": item.title, "lead_name": "张代表", "tier": "department",
        "leader_id": ""})
    assert response.status_code == 302 and Item.get_by_id(item.id).tier == "department"


def test_the_api_refuses_a_leader_led_item_without_its_leader(f, api):
    session = f.session()
    leader = f.user(Role.LEADER, name="王市长")
    office = api(f.office())
    body = {"kind": "suggestion", "session_id": session.id, "number": "1", "title": "关于增设公交线路的建议",
            "submitters": [{"name": "王代表", "role": "lead"}], "tier": "leader_led"}
    before = counts()
    refused = office.post("/items", json=body)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"leader_id": "市领导领办件须指定领办领导"}
    assert counts() == before
    item = office.post("/items", json={**body, "leader_id": leader.id}).get_json()
    plain = f.item(session=session, number="2")
    before = counts()
    for target, patch in ((item["id"], {"leader_id": None}), (plain.id, {"tier": "leader_led"})):
        refused = office.patch(f"/items/{target}", json=patch)
        assert refused.status_code == 422
        assert refused.get_json()["error"]["fields"] == {"leader_id": "市领导领办件须指定领办领导"}
    assert counts() == before
    assert Item.get_by_id(item["id"]).leader_id == leader.id and Item.get_by_id(plain.id).tier == "department"
    assert office.patch(f"/items/{plain.id}", json={"tier": "leader_led", "leader_id": leader.id}).status_code == 200


# --- 4 and 5. the Excel import ------------------------------------------------------------------


def workbook(header, rows) -> bytes:
    return xlsx_bytes(rows, header, caption="市十七届人大四次会议代表建议清单")


@pytest.fixture()
def world(f):
    education = f.unit("市教育局")
    for unit in (education, f.unit("市民政局")):
        f.user(Role.UNIT_HANDLER, unit)
        f.user(Role.UNIT_LEADER, unit)
    return {"session": f.session(name="市十七届人大四次会议"), "office": f.office()}


def upload(client, session, data: bytes):
    return client.post("/imports/", data={"session_id": str(session.id), "kind": "",
                                          "file": (io.BytesIO(data), "清单.xlsx")},
                       content_type="multipart/form-data")


def preview(client, response) -> str:
    assert response.status_code == 302, text(response)
    return text(client.get(response.headers["Location"]))


def test_a_serial_number_column_is_not_taken_as_the_number(world, client, login_as, f):
    f.item(session=world["session"], number="1", title="关于完善城市停车设施的建议")
    login_as(world["office"])
    before = counts()
    data = workbook(["序号", "名称", "领衔代表"], [[1, "关于发展社区嵌入式养老服务的建议", "王丽"],
                                            [2, "关于完善夜间经济配套设施的建议", "刘强"]])
    response = upload(client, world["session"], data)
    assert response.status_code == 422
    page = text(response)
    assert "表头中没有案号列：案号列的表头须为“案号”“建议号”“提案号”或“编号”" in page
    assert "“序号”是表格的行号，不作为案号" in page
    assert selected(page, "session_id", str(world["session"].id))
    assert counts() == before


def test_an_existing_number_with_another_title_is_a_problem_and_nothing_is_imported(world, client, login_as, f):
    f.item(session=world["session"], number="2", title="关于完善城市停车设施的建议")
    f.item(session=world["session"], number="3", title="关于增设公交线路的建议")
    login_as(world["office"])
    before = counts()
    data = workbook(["建议号", "标题", "领衔代表"], [["1", "关于发展社区嵌入式养老服务的建议", "王丽"],
                                              ["2", "关于完善夜间经济配套设施的建议", "刘强"],
                                              ["3", "关于增设公交线路的建议", "赵敏"]])
    response = upload(client, world["session"], data)
    page = preview(client, response)
    assert "第 4 行：案号“2”已存在，但标题与已登记的“关于完善城市停车设施的建议”不同，请核对" in page
    assert "已存在跳过 1 行，有问题 1 行" in page and "存在问题，未导入任何数据" in page
    assert "确认导入" not in page
    token = re.search(r"/imports/([0-9a-f]{32})$", response.headers["Location"]).group(1)
    assert client.post("/imports/confirm", data={"token": token}).status_code == 409
    assert counts() == before


def test_one_problem_gets_one_message(world, client, login_as):
    login_as(world["office"])
    before = counts()
    long_title = "关于" + "加" * 483 + "的建议"
    data = workbook(["建议号", "标题", "领衔代表", "主办单位", "会办单位"], [
        ["1", "关于发展社区嵌入式养老服务的建议", "王丽", "市教育局", "市民政局、市教育局"],
        ["2", long_title, "刘强", "市民政局", ""]])
    page = preview(client, upload(client, world["session"], data))
    assert "第 3 行：“市教育局”同时列为主办单位和会办单位" in page
    assert "已交办" not in page
    assert f"第 4 行：标题过长（共 {len(long_title)} 字，最多 300 字）" in page
    assert "标题不能超过" not in page
    row3 = re.search(r'<td data-label="行号">3</td>(.*?)</tr>', page, re.S).group(1)
    row4 = re.search(r'<td data-label="行号">4</td>(.*?)</tr>', page, re.S).group(1)
    assert row3.count("<li>") == 1 and row4.count("<li>") == 1
    assert counts() == before
