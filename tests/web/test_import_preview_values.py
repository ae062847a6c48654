"""The import preview shows what the file said for a value it refuses (not the default it would
have used), and its summary counts a problem of the whole file as no row's."""

from __future__ import annotations

import io
import re

import pytest

from tests.xlsx import xlsx_bytes
from tracker.core.enums import Role
from tracker.items.imports import import_items
from tracker.items.models import Item

HEADER = ["建议号", "标题", "领衔代表", "主办单位", "分级"]


@pytest.fixture()
def world(f):
    unit = f.unit("市民政局")
    f.user(Role.UNIT_HANDLER, unit, name="李经办")
    f.user(Role.UNIT_LEADER, unit, name="王局长")
    return {"session": f.session(name="市十七届人大四次会议"), "office": f.office(), "unit": unit}


def preview(client, session, data: bytes) -> str:
    response = client.post("/imports/", data={"session_id": str(session.id), "kind": "",
                                              "file": (io.BytesIO(data), "清单.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def tier_cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r'<td data-label="分级">(.*?)</td>', html)]


def test_a_refused_tier_is_shown_as_the_file_wrote_it(world, login_as):
    rows = [["1", "关于发展社区嵌入式养老服务的建议", "王丽", "市民政局", "超级办理"],
            ["2", "关于完善夜间经济配套设施的建议", "刘强", "市民政局", "政府办督办"],
            ["3", "关于加强社区食堂建设的建议", "陈东", "市民政局", ""]]
    report = import_items(xlsx_bytes(rows, HEADER), world["session"], actor=world["office"], dry_run=True)
    assert [(row.tier, row.tier_invalid) for row in report.rows] == [
        ("超级办理", True), ("office_supervised", False), ("department", False)]
    html = preview(login_as(world["office"]), world["session"], xlsx_bytes(rows, HEADER))
    assert "第 2 行：分级“超级办理”无法识别" in html
    assert tier_cells(html) == ["超级办理（无法识别）", "政府办督办", "部门办理"]


def test_a_file_with_only_a_header_has_a_file_problem_and_no_problem_rows(world, login_as):
    report = import_items(xlsx_bytes([], HEADER), world["session"], actor=world["office"], dry_run=True)
    assert report.problems == [(1, "表头（第 1 行）下方没有任何数据行")]
    assert report.rows == [] and report.problem_rows == []
    assert report.summary().startswith("共读取 0 行：可导入 0 行，已存在跳过 0 行，有问题 0 行。存在问题")
    html = preview(login_as(world["office"]), world["session"], xlsx_bytes([], HEADER))
    assert "有问题 0 行" in html and "有问题 1 行" not in html
    assert "表头（第 1 行）下方没有任何数据行" in html
    assert "确认导入" not in html and Item.select().count() == 0
