"""The upload → preview → confirm → result pages of the Excel import (office only)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.test import EnvironBuilder, encode_multipart

from tests.xlsx import xlsx_bytes
from tracker.core.enums import Role
from tracker.items.models import Item

HEADER = ["建议号", "标题", "领衔代表", "附议代表", "主办单位", "会办单位"]
GOOD = [["1", "关于发展社区嵌入式养老服务的建议", "王丽", "张敏", "市民政局", ""],
        ["2", "关于完善夜间经济配套设施的建议", "刘强", "", "市民政局", ""]]


def workbook(rows) -> bytes:
    return xlsx_bytes(rows, HEADER, caption="市十七届人大四次会议代表建议清单")


@pytest.fixture()
def world(f):
    unit = f.unit("市民政局")
    f.user(Role.UNIT_HANDLER, unit, name="李经办")
    f.user(Role.UNIT_LEADER, unit, name="王局长")
    return {"session": f.session(name="市十七届人大四次会议"), "office": f.office(), "unit": unit}


def upload(client, session, data: bytes, name: str = "清单.xlsx"):
    return client.post("/imports/", data={"session_id": str(session.id), "kind": "",
                                          "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def token_of(response) -> str:
    match = re.search(r"/imports/([0-9a-f]{32})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def test_upload_preview_confirm_result(world, login_as, app):
    client = login_as(world["office"])
    page = client.get("/imports/")
    assert page.status_code == 200
    assert "从 Excel 导入建议提案" in page.get_data(as_text=True)
    response = upload(client, world["session"], workbook(GOOD))
    assert response.status_code == 302
    token = token_of(response)
    stored = Path(app.config["UPLOAD_DIR"]) / "imports" / f"{token}.xlsx"
    assert stored.is_file()
    preview = client.get(f"/imports/{token}")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "关于发展社区嵌入式养老服务的建议" in html and "清单.xlsx" in html
    assert "可导入 2 行" in html and "确认导入 2 件" in html
    assert "市民政局（独办）" in html
    assert f'value="{token}"' in html  # the token travels in the form
    assert Item.select().count() == 0
    done = client.post("/imports/confirm", data={"token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/imports/{token}/result")
    assert Item.select().count() == 2
    assert not stored.exists()
    result = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已导入 2 件" in result
    # Confirming twice (a double click) imports nothing more.
    again = client.post("/imports/confirm", data={"token": token})
    assert again.status_code == 302
    assert Item.select().count() == 2


def test_preview_highlights_problem_rows_and_confirm_imports_nothing(world, login_as):
    client = login_as(world["office"])
    rows = [*GOOD, ["3", "关于增设公交线路的建议", "赵敏", "", "市不存在局", ""]]
    token = token_of(upload(client, world["session"], workbook(rows)))
    html = client.get(f"/imports/{token}").get_data(as_text=True)
    assert "第 5 行：主办单位“市不存在局”不存在" in html
    assert 'class="table-danger" data-problem="1"' in html
    assert "确认导入" not in html
    assert "存在问题，未导入任何数据" in html
    forced = client.post("/imports/confirm", data={"token": token})
    assert forced.status_code == 409
    assert "第 5 行：主办单位“市不存在局”不存在" in forced.get_data(as_text=True)
    assert Item.select().count() == 0


def test_xls_and_missing_file_are_refused_with_the_form_kept(world, login_as, app):
    client = login_as(world["office"])
    folder = Path(app.config["UPLOAD_DIR"]) / "imports"
    before = set(folder.glob("*")) if folder.exists() else set()
    response = upload(client, world["session"], b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "暂不支持 .xls 格式，请在 Excel 中另存为 .xlsx 后再导入" in html
    assert f'<option selected value="{world["session"].id}"' in html or \
        f'value="{world["session"].id}" selected' in html
    assert (set(folder.glob("*")) if folder.exists() else set()) == before  # nothing stored
    empty = client.post("/imports/", data={"session_id": str(world["session"].id)},
                        content_type="multipart/form-data")
    assert empty.status_code == 422
    assert "请选择要导入的 Excel 文件" in empty.get_data(as_text=True)


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_stored(world, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_FILE_BYTES", 1024 * 1024)
    client = login_as(world["office"])
    folder = Path(app.config["UPLOAD_DIR"]) / "imports"
    before = set(folder.glob("*")) if folder.exists() else set()
    form = client.get("/imports/").get_data(as_text=True)
    assert 'data-max-bytes="1048576"' in form and "文件最大 1 MB" in form
    # the body built in memory: the test client would spool a large one to a file it never closes
    builder = EnvironBuilder(method="POST", data={"session_id": str(world["session"].id), "kind": "",
                                                  "file": (io.BytesIO(b"PK" + b"0" * (1024 * 1024 + 1)), "清单.xlsx")})
    boundary, body = encode_multipart(CombinedMultiDict([builder.form, builder.files]))
    builder.close()
    response = client.post("/imports/", data=body, content_type=f'multipart/form-data; boundary="{boundary}"')
    assert response.status_code == 422 and "文件超过 1 MB，请拆分后分批导入" in response.get_data(as_text=True)
    assert (set(folder.glob("*")) if folder.exists() else set()) == before  # nothing stored
    assert Item.select().count() == 0


def test_a_token_belongs_to_its_uploader(world, login_as, f):
    client = login_as(world["office"])
    token = token_of(upload(client, world["session"], workbook(GOOD)))
    other = login_as(f.user(Role.OFFICE))
    assert other.get(f"/imports/{token}").status_code == 404
    assert other.post("/imports/confirm", data={"token": token}).status_code == 404
    assert other.get("/imports/../../etc").status_code == 404
    assert other.post("/imports/confirm", data={"token": "../x"}).status_code == 404
    assert Item.select().count() == 0


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.UNIT_LEADER, Role.LEADER, Role.SUBMITTER, Role.ADMIN])
def test_only_the_office_may_import(world, login_as, f, role):
    user = f.user(role, world["unit"] if role in (Role.UNIT_HANDLER, Role.UNIT_LEADER) else None)
    client = login_as(user)
    assert client.get("/imports/").status_code == 403
    assert upload(client, world["session"], workbook(GOOD)).status_code == 403
    assert Item.select().count() == 0


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/imports/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
