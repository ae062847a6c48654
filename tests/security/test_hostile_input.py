"""Hostile input: markup is escaped on every page, text never becomes an Excel formula or
breaks a Word document, uploads are limited in size and checked by content, stored outside
static/ under random names and served as attachments; oversized bodies get 413, malformed JSON
400 — in Chinese, and nothing is changed by a refused request."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

from tests.docx_text import docx_lines
from tests.security import world as world_module
from tests.security.matrix_runner import Runner, fingerprint, is_api, routes
from tests.security.support import PageScan, browser
from tracker.assignments import services as assignments
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import ReplyStatus, Role
from tracker.handling import services as handling
from tracker.items.models import Item
from tracker.replies import services as replies
from tracker.replies.models import Attachment

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run"

SCRIPT_TITLE = '<script>alert("t")</script>关于<b>加装</b>电梯 & "老旧"小区的建议'
CONTENT = '<img src=x onerror=alert(1)>建议内容 <a href="javascript:alert(2)">点我</a>'
SUBMITTER = '"><svg onload=alert(3)>王代表'
PROGRESS = "<iframe src=javascript:alert(4)></iframe>已召开协调会"
REPLY_TEXT = "经研究 A & B <C> </w:t></w:r><w:r><w:t>注入 ]]> {{ 7*7 }} {% raw %}"
FORMULAS = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(1,2)", "=cmd|' /C calc'!A0"]
TRIGGERS = ("=", "+", "-", "@")


class Hostile:
    pass


@pytest.fixture()
def hostile(f):
    """Items with hostile titles, overdue at unit A; a reply with hostile text sent."""
    h = Hostile()
    h.office = f.office()
    h.unit = f.unit("市<i>斜体</i>局")
    h.handler = f.user(Role.UNIT_HANDLER, h.unit)
    h.leader = f.user(Role.UNIT_LEADER, h.unit)
    h.admin = f.user(Role.ADMIN)
    long_ago = clock.today() - dt.timedelta(days=120)
    h.session = f.session()
    h.item = f.item(session=h.session, title=SCRIPT_TITLE, content=CONTENT,
                    submitters=[{"name": SUBMITTER, "role": "lead"}])
    h.assignment = f.assign(h.item, h.unit, handler=h.handler, assigned_on=long_ago)
    assignments.receive(h.assignment, actor=h.handler)
    handling.record_progress(h.assignment, actor=h.handler, text=PROGRESS)
    h.formula_items = [f.item(session=h.session, title=title) for title in FORMULAS]
    for it in h.formula_items:
        f.assign(it, h.unit, handler=h.handler, assigned_on=long_ago)
    h.reply = replies.draft_reply(assignments.Assignment.get_by_id(h.assignment.id), actor=h.handler,
                                  result_class="A", text=REPLY_TEXT, submit=True)
    reply = world_module.run_pipeline(h.reply, {"unit_handler:own": h.handler, "unit_leader:own": h.leader,
                                                "office": h.office}, ReplyStatus.SENT)
    h.reply = reply
    return h


def assert_inert(html: str, where: str) -> None:
    scan = PageScan()
    scan.feed(html)
    assert not scan.problems, (where, scan.problems)
    for raw in ("<script>alert", "<img src=x", "<svg onload", "<iframe src", "<b>加装</b>", "<i>斜体</i>",
                'href="javascript:'):
        assert raw not in html, (where, raw)


def test_markup_in_user_text_is_escaped_on_every_page(hostile, app):
    office = browser(app, hostile.office)
    handler = browser(app, hostile.handler)
    admin = browser(app, hostile.admin)
    pages = [
        (office, f"/items/{hostile.item.id}"),
        (office, "/items"),
        (office, "/items?q=" + "<script>alert(9)</script>"),
        (office, "/ledger/"),
        (office, "/overdue"),
        (office, f"/items/{hostile.item.id}/closeout"),
        (office, f"/replies/{hostile.reply.id}"),
        (handler, "/inbox"),
        (handler, "/notifications"),
        (handler, f"/items/{hostile.item.id}"),
        (admin, "/admin/audit"),
        (admin, "/admin/units"),
    ]
    shown = 0
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert_inert(html, url)
        shown += "&lt;script&gt;alert(" in html
    assert shown >= 6  # the hostile title is really on the pages, as text
    item_page = office.get(f"/items/{hostile.item.id}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in item_page
    assert "&#34;&gt;&lt;svg onload=alert(3)&gt;王代表" in item_page or "&quot;&gt;&lt;svg" in item_page


def test_markup_in_the_api_is_returned_as_plain_json_text(hostile, api):
    body = api(hostile.office).get(f"/items/{hostile.item.id}").get_json()
    assert body["title"] == SCRIPT_TITLE and body["content"] == CONTENT


def _xlsx_cells(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


def _check_no_formula(data: bytes, where: str) -> int:
    found = 0
    for cell in _xlsx_cells(data):
        value = cell.value
        if not isinstance(value, str):
            continue
        text = value.lstrip("'")
        if any(text.startswith(f) or f in text for f in FORMULAS) or "<script>" in text:
            found += 1
            assert cell.data_type != "f", (where, cell.coordinate, value)
            assert not value.startswith(TRIGGERS), (where, cell.coordinate, value)
    return found


def test_excel_exports_never_turn_text_into_formulas(hostile, app):
    office = browser(app, hostile.office)
    exports = ["/ledger/export.xlsx", "/overdue.xlsx"]
    for url in exports:
        response = office.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Disposition"].startswith("attachment")
        found = _check_no_formula(response.get_data(), url)
        response.close()
        assert found >= len(FORMULAS), (url, found)  # the titles are in it, as text


def test_the_excel_helper_neutralises_every_trigger():
    from tracker.core.excel import safe_text

    for text in [*FORMULAS, "\t=1", "\r=1"]:
        assert safe_text(text).startswith("'")
    assert safe_text("正常标题") == "正常标题"
    assert safe_text(12) == "12"


def _docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        ElementTree.fromstring(archive.read("word/document.xml"))  # noqa: S314 (our own file): well-formed
    return "\n".join(docx_lines(data))


def test_word_documents_show_markup_literally(hostile, app):
    office = browser(app, hostile.office)
    response = office.get(f"/documents/replies/{hostile.reply.id}/letter.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = _docx_text(response.get_data())
    assert "A & B <C> </w:t></w:r><w:r><w:t>注入" in text
    # no template injection: the text stays as typed (not "49" — which the factories' session and
    # item numbers may well contain elsewhere in the letter)
    assert "注入 ]]> {{ 7*7 }} {% raw %}" in text
    response = office.get(f"/documents/items/{hostile.item.id}/feedback-form.docx")
    assert response.status_code == 200
    assert '<script>alert("t")</script>关于<b>加装</b>电梯 & "老旧"小区的建议' in _docx_text(response.get_data())
    response = office.get(f"/documents/assignments/{hostile.assignment.id}/notice.docx")
    assert response.status_code == 200 and "<script>alert" in _docx_text(response.get_data())


# --- uploads ---------------------------------------------------------------------------------


@pytest.fixture()
def draft(f):
    s = Hostile()
    s.unit = f.unit()
    s.handler = f.user(Role.UNIT_HANDLER, s.unit)
    s.item = f.item()
    a = f.assign(s.item, s.unit, handler=s.handler)
    assignments.receive(a, actor=s.handler)
    s.reply = replies.draft_reply(assignments.Assignment.get_by_id(a.id), actor=s.handler, result_class="A",
                                  text="答复草稿")
    return s


def _stored_files(app) -> set[str]:
    folder = Path(app.config["UPLOAD_DIR"])
    return {p.name for p in folder.iterdir() if p.is_file()} if folder.exists() else set()


def test_an_exe_renamed_pdf_is_refused_by_its_content(draft, app, api):
    client, handler_api = browser(app, draft.handler), api(draft.handler)
    before_files, before = _stored_files(app), fingerprint()
    response = client.post(f"/replies/{draft.reply.id}/attachments", data={"files": (io.BytesIO(EXE), "合同.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "不是允许的文件类型，只能上传PDF、Word（.doc/.docx）或图片（JPG/PNG/GIF）（按文件内容识别）" in \
        response.get_data(as_text=True)
    response = handler_api.post(f"/replies/{draft.reply.id}/attachments",
                                data={"file": (io.BytesIO(EXE), "scan.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "不是允许的文件类型" in response.get_json()["error"]["fields"]["files"]
    assert fingerprint() == before and _stored_files(app) == before_files
    assert Attachment.select().count() == 0


def test_uploads_are_stored_outside_static_under_random_names_and_served_as_attachments(draft, app):
    client = browser(app, draft.handler)
    response = client.post(f"/replies/{draft.reply.id}/attachments",
                           data={"files": (io.BytesIO(PDF), "../../static/js/app.js")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    att = Attachment.get(Attachment.reply == draft.reply.id)
    assert att.filename == "app.js.pdf"  # no path, the real type's extension
    assert len(att.stored_name) == 32 and all(c in "0123456789abcdef" for c in att.stored_name)
    stored = Path(app.config["UPLOAD_DIR"]) / att.stored_name
    assert stored.read_bytes() == PDF
    assert ROOT / "static" not in stored.resolve().parents
    assert (ROOT / "static" / "js" / "app.js").read_bytes() != PDF
    download = client.get(f"/attachments/{att.id}")
    assert download.status_code == 200 and download.get_data() == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"
    download.close()
    assert client.get(f"/static/{att.stored_name}").status_code == 404


def test_an_upload_over_the_limit_is_refused_with_413_in_chinese(draft, app, api, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    big = PDF + b"0" * (100 * 1024)
    client, handler_api = browser(app, draft.handler), api(draft.handler)
    before_files, before = _stored_files(app), fingerprint()
    response = client.post(f"/replies/{draft.reply.id}/attachments", data={"files": (io.BytesIO(big), "大.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "上传内容过大" in response.get_data(as_text=True)
    response = handler_api.post(f"/replies/{draft.reply.id}/attachments",
                                data={"file": (io.BytesIO(big), "大.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.get_json()["error"] == {"code": "too_large", "message": "上传内容过大", "fields": {}}
    assert fingerprint() == before and _stored_files(app) == before_files


def test_the_service_refuses_files_over_20_mb_whatever_the_request_limit(draft):
    from tracker.core.errors import ValidationFailed
    from tracker.replies import attachments

    with pytest.raises(ValidationFailed) as caught:
        attachments.check_upload("大.pdf", PDF + b"0" * attachments.MAX_BYTES)
    assert "超过 20 MB" in caught.value.message


def test_a_request_body_over_the_limit_is_413(f, app, api, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    office = f.office()
    session = f.session()
    before = Item.select().count()
    response = api(office).post("/items", json={"kind": "suggestion", "session_id": session.id, "number": "1",
                                                 "title": "大", "content": "很" * 100_000,
                                                 "submitters": [{"name": "王代表", "role": "lead"}]})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    form = browser(app, office).post("/items/new", data={"title": "大", "content": "很" * 100_000})
    assert form.status_code == 413 and "上传内容过大" in form.get_data(as_text=True)
    assert Item.select().count() == before


@pytest.fixture()
def security_world(app):
    with app.test_request_context():
        db.connect(reuse_if_open=True)
        built = world_module.build()
        db.close()
    built.ids["import_token"] = world_module.upload_import(app, built)
    return built


BODYLESS = {"api.notifications_read_all", "api.notification_read", "api.revoke", "api.upload_attachments"}


def test_malformed_json_is_a_400_on_every_api_write_and_changes_nothing(app, security_world):
    """Every POST/PATCH of /api/v1, as the office and as unit A's handler, with a broken body."""
    runner = Runner(app, security_world)
    checked = 0
    for rule in routes(app):
        if not is_api(rule) or rule.endpoint in BODYLESS:
            continue
        for method in ("POST", "PATCH"):
            if method not in (rule.methods or set()):
                continue
            for subject in ("office", "unit_handler:own", "anon"):
                for raw in (b"{not json", b"[1, 2]", b"\xff\xfe", b'{"a": '):
                    o = runner.request(rule, method, subject, raw_body=(raw, "application/json"))
                    assert not o.changed, (o.url, subject, raw)
                    assert o.status in (400, 401, 403, 404), (o.url, subject, raw, o.status, o.body)
                    if o.status == 400:
                        checked += 1
                        assert '"code":"malformed_json"' in o.body.replace(" ", "") or "bad_request" in o.body, o.body
    assert checked > 60
