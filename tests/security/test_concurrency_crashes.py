"""Concurrency and crashes: optimistic locking (a stale version gets 409 and overwrites
nothing), two people acting on one assignment or reply at once (one wins, the other is told),
and a crash in the middle of an import or a close-out — injected, or a SIGKILL of the
process — leaves no partial change.

The deadline sweep has its own crash tests (tests/jobs/test_sweep.py: a failure injected on
the tenth reminder, and a sweep process killed with SIGKILL, both resumed exactly once).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import openpyxl
import pytest

from tests import closeout_support
from tests.security.matrix_runner import fingerprint
from tracker.accounts import services as accounts
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment, ReturnRequest
from tracker.audit.models import AuditEntry
from tracker.core.db import db
from tracker.core.enums import AssignmentStatus, ItemStatus, ReplyStatus, Role, Tier
from tracker.core.errors import StaleVersion
from tracker.items import services as items
from tracker.items.models import Item
from tracker.replies import closeout
from tracker.replies import services as replies
from tracker.replies.models import Reply

ROOT = Path(__file__).resolve().parents[2]
STALE = "该记录已被他人修改，请刷新后重试"
STALE_REPLY = "该答复已被他人处理或修改，请刷新后重试"


def bearer(user) -> dict:
    token, _ = accounts.issue_token(user)
    return {"Authorization": f"Bearer {token}"}


def at_once(app, calls: list[tuple[str, str, dict, dict]]) -> list:
    """Run API calls (method, path, headers, json) in threads that start together; each thread has
    its own database connection, as two gunicorn workers would."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    db.close()

    def worker(i: int, method: str, path: str, headers: dict, body: dict) -> None:
        client = app.test_client()
        barrier.wait()
        try:
            response = client.open(path, method=method, headers=headers, json=body)
            results[i] = (response.status_code, response.get_json())
        finally:
            if not db.is_closed():
                db.close()

    threads = [threading.Thread(target=worker, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.connect(reuse_if_open=True)
    return results


# --- optimistic locking ----------------------------------------------------------------------


def test_patching_an_item_with_a_stale_version_is_409_and_overwrites_nothing(f, api):
    office = f.office()
    item = f.item(title="原标题")
    client = api(office)
    first = client.patch(f"/items/{item.id}", json={"title": "甲改的标题", "version": item.version})
    assert first.status_code == 200 and first.get_json()["version"] == item.version + 1
    second = client.patch(f"/items/{item.id}", json={"title": "乙改的标题", "content": "乙的内容",
                                                     "version": item.version})
    assert second.status_code == 409
    assert second.get_json()["error"] == {"code": "stale_version", "message": STALE, "fields": {}}
    fresh = Item.get_by_id(item.id)
    assert fresh.title == "甲改的标题" and fresh.content != "乙的内容" and fresh.version == item.version + 1


def test_the_edit_page_refuses_a_stale_version(f, app):
    from tests.security.support import browser, form_fields

    office = f.office()
    item = f.item(title="原标题")
    client = browser(app, office)
    fields = form_fields(client.get(f"/items/{item.id}/edit").get_data(as_text=True))
    assert fields["version"] == str(item.version)
    items.edit_item(item, actor=office, title="别人先改了")  # meanwhile, somebody else saves
    page = client.post(f"/items/{item.id}/edit", data={**fields, "title": "我的修改"})
    assert page.status_code == 409 and STALE in page.get_data(as_text=True)
    assert "我的修改" in page.get_data(as_text=True)  # what the user typed is kept
    assert Item.get_by_id(item.id).title == "别人先改了"


def test_two_people_editing_one_item_at_once(f, app):
    office, other = f.office(), f.user(Role.OFFICE)
    item = f.item(title="原标题")
    results = at_once(app, [
        ("PATCH", f"/api/v1/items/{item.id}", bearer(office), {"title": "甲的标题", "version": item.version}),
        ("PATCH", f"/api/v1/items/{item.id}", bearer(other), {"title": "乙的标题", "version": item.version}),
    ])
    codes = sorted(code for code, _ in results)
    assert codes == [200, 409], results
    winner = next(body for code, body in results if code == 200)
    loser = next(body for code, body in results if code == 409)
    assert loser["error"]["message"] == STALE
    assert Item.get_by_id(item.id).title == winner["title"]
    assert AuditEntry.select().where((AuditEntry.action == "edited") & (AuditEntry.item_id == item.id)).count() == 1


def test_a_stale_assignment_version_is_409(f, api):
    unit = f.unit()
    handler = f.user(Role.UNIT_HANDLER, unit)
    a = f.assign(f.item(), unit, handler=handler)
    response = api(handler).post(f"/assignments/{a.id}/receive", json={"version": a.version + 5})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "stale_version"
    assert Assignment.get_by_id(a.id).status == AssignmentStatus.PENDING_RECEIPT.value


def test_two_handlers_signing_for_one_assignment_at_once(f, app):
    unit = f.unit()
    first, second = f.user(Role.UNIT_HANDLER, unit), f.user(Role.UNIT_HANDLER, unit)
    a = f.assign(f.item(), unit, handler=first)
    results = at_once(app, [("POST", f"/api/v1/assignments/{a.id}/receive", bearer(u), {}) for u in (first, second)])
    assert sorted(code for code, _ in results) == [200, 409], results
    assert Assignment.get_by_id(a.id).status == AssignmentStatus.HANDLING.value
    assert AuditEntry.select().where((AuditEntry.action == "received") & (AuditEntry.object_id == a.id)).count() == 1


def test_the_office_deciding_one_return_request_twice_at_once(f, app):
    office, other = f.office(), f.user(Role.OFFICE)
    unit = f.unit()
    handler = f.user(Role.UNIT_HANDLER, unit)
    a = f.assign(f.item(), unit, handler=handler)
    req = assignments.request_return(a, actor=handler, reason="不属于本单位职责")
    results = at_once(app, [
        ("POST", f"/api/v1/return-requests/{req.id}/decision", bearer(office), {"decision": "approve"}),
        ("POST", f"/api/v1/return-requests/{req.id}/decision", bearer(other), {"decision": "reject",
                                                                               "note": "属于本单位职责"}),
    ])
    assert sorted(code for code, _ in results) == [200, 409], results
    decided = ReturnRequest.get_by_id(req.id)
    a = Assignment.get_by_id(a.id)
    assert (decided.status, a.status) in {("approved", "returned"), ("rejected", "handling")}
    assert AuditEntry.select().where(AuditEntry.action == "return_decided").count() == 1


@pytest.fixture()
def review_ready(f):
    """An office-supervised reply waiting for the office's review."""
    s = closeout_support.replied_item(send=False, tier=Tier.OFFICE_SUPERVISED.value)
    reply = replies.draft_reply(s.a(), actor=s.handler, result_class="A", text="答复正文", submit=True)
    replies.sign_off(Reply.get_by_id(reply.id), actor=s.leader)
    assert Reply.get_by_id(reply.id).status == ReplyStatus.AWAITING_OFFICE_REVIEW.value
    s.reply = Reply.get_by_id(reply.id)
    return s


def test_two_reviewers_acting_on_one_reply_at_once(f, app, review_ready):
    other = f.user(Role.OFFICE)
    path = f"/api/v1/replies/{review_ready.reply.id}/review"
    results = at_once(app, [
        ("POST", path, bearer(review_ready.office), {"decision": "approve"}),
        ("POST", path, bearer(other), {"decision": "return", "reason": "请补充办理措施"}),
    ])
    assert sorted(code for code, _ in results) == [200, 409], results
    loser = next(body for code, body in results if code == 409)
    assert loser["error"]["code"] in ("stale_version", "invalid_state")
    assert loser["error"]["message"] in (STALE_REPLY, "答复当前状态为“已发送”，不能执行“审核”",
                                         "答复当前状态为“草稿”，不能执行“审核”")
    reply = Reply.get_by_id(review_ready.reply.id)
    steps = AuditEntry.select().where((AuditEntry.object_type == "reply") & (AuditEntry.object_id == reply.id)
                                      & AuditEntry.action.in_(["reply_reviewed", "reply_returned"]))
    assert steps.count() == 1
    if reply.status == ReplyStatus.SENT.value:
        assert Assignment.get_by_id(review_ready.assignment.id).status == AssignmentStatus.REPLIED.value
    else:
        assert reply.status == ReplyStatus.DRAFT.value and reply.return_reason == "请补充办理措施"


def test_a_stale_reply_version_is_refused_by_the_service(review_ready):
    reply = review_ready.reply
    with pytest.raises(StaleVersion) as caught:
        replies.review(reply, actor=review_ready.office, decision="approve", version=reply.version - 1)
    assert caught.value.message == STALE_REPLY and caught.value.status == 409
    assert Reply.get_by_id(reply.id).status == ReplyStatus.AWAITING_OFFICE_REVIEW.value


# --- crashes in the middle leave nothing half done -------------------------------------------


HEADER = ["建议号", "标题", "领衔代表", "主办单位", "会办单位"]


def workbook(rows: int, lead: str, co: str) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for n in range(1, rows + 1):
        sheet.append([str(n), f"关于第{n}件事的建议", f"代表{n}", lead, co])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture()
def import_world(f):
    s = closeout_support.Scenario.__new__(closeout_support.Scenario)
    s.office = f.office()
    s.session = f.session(name="市十七届人大五次会议")
    for name in ("市交通运输局", "市财政局"):
        unit = f.unit(name)
        f.user(Role.UNIT_HANDLER, unit)
        f.user(Role.UNIT_LEADER, unit)
    return s


def test_a_failure_on_row_n_of_an_import_leaves_nothing(import_world, monkeypatch):
    from tracker.items import imports

    real = imports._import_row
    calls = {"n": 0}

    def failing(*args, **kw):
        calls["n"] += 1
        if calls["n"] == 7:
            raise OSError("磁盘已满")
        return real(*args, **kw)

    before = fingerprint()
    monkeypatch.setattr(imports, "_import_row", failing)
    with pytest.raises(OSError):
        imports.import_items(workbook(10, "市交通运输局", "市财政局"), import_world.session, actor=import_world.office)
    assert calls["n"] == 7
    assert fingerprint() == before


def test_a_failure_in_the_middle_of_a_close_out_leaves_nothing(f, monkeypatch):
    """Close-out completes each assignment, then closes the item: a crash after the first
    assignment is completed rolls everything back."""
    office = f.office()
    _, sub = closeout_support.submitter_account("赵代表")
    person = sub.person
    item = f.item(submitters=[{"name": "赵代表", "role": "lead", "person_id": person.id}])
    units = [f.unit(), f.unit()]
    handlers = [f.user(Role.UNIT_HANDLER, u) for u in units]
    for unit, handler in zip(units, handlers, strict=True):
        a = f.assign(item, unit, role="separate", handler=handler)
        assignments.receive(a, actor=handler)
        closeout_support.send_reply(a)
    closeout.give_feedback(Item.get_by_id(item.id), actor=sub, work="satisfied", result="satisfied",
                           adoption="adopted")
    assert not closeout.conditions(Item.get_by_id(item.id))
    real = closeout.assignments.transition
    calls = {"n": 0}

    def crash_after_first(a, action):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("进程崩溃")
        return real(a, action)

    before = fingerprint()
    monkeypatch.setattr(closeout.assignments, "transition", crash_after_first)
    with pytest.raises(RuntimeError):
        closeout.close_item(Item.get_by_id(item.id), actor=office)
    assert calls["n"] == 2
    assert fingerprint() == before
    assert Item.get_by_id(item.id).status != ItemStatus.CLOSED.value
    assert all(a.status == AssignmentStatus.REPLIED.value for a in Assignment.select().where(Assignment.item == item.id))
    monkeypatch.undo()
    closeout.close_item(Item.get_by_id(item.id), actor=office)  # and then it closes normally
    assert Item.get_by_id(item.id).status == ItemStatus.CLOSED.value


KILL_SCRIPT = textwrap.dedent("""
    import sys
    import time
    from tracker import create_app
    from tracker.core.db import connection
    from tracker.items import imports
    from tracker.items.models import Session
    from tracker.accounts.models import User

    app = create_app({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SMTP_HOST": ""})
    real = imports._write_batch
    imports.BATCH_ROWS = 5  # the rows are written in batches, inside the import's transaction

    def slow(batch, *args, **kw):
        result = real(batch, *args, **kw)
        for _ in batch:
            print("row", flush=True)
        time.sleep(0.2)
        return result

    imports._write_batch = slow
    with app.test_request_context(), connection():
        office = User.get(User.username == sys.argv[2])
        report = imports.import_items(open(sys.argv[1], "rb").read(), Session.get_by_id(int(sys.argv[3])),
                                      actor=office)
        print("done", report.imported, flush=True)
""")


@pytest.mark.slow
def test_an_import_killed_with_sigkill_leaves_zero_rows_then_imports_all(import_world, database_url, tmp_path):
    path = tmp_path / "big.xlsx"
    path.write_bytes(workbook(300, "市交通运输局", "市财政局"))
    env = dict(os.environ, TRACKER_DATABASE_URL=database_url, TRACKER_LOG_JSON="0",
               TRACKER_UPLOAD_DIR=str(tmp_path / "uploads"))
    args = [sys.executable, "-c", KILL_SCRIPT, str(path), import_world.office.username, str(import_world.session.id)]
    before = fingerprint()
    db.close()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rows = 0
    deadline = time.monotonic() + 120
    while rows < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        rows += line.strip() == "row"
    assert rows == 40, proc.stderr.read()[-3000:]
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of the import's transaction
    proc.wait(30)
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    db.connect(reuse_if_open=True)
    assert Item.select().where(Item.session == import_world.session.id).count() == 0
    assert fingerprint() == before
    db.close()
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("done 300")
    db.connect(reuse_if_open=True)
    assert Item.select().where(Item.session == import_world.session.id).count() == 300
    assert Assignment.select().join(Item).where(Item.session == import_world.session.id).count() == 600


def test_one_bad_row_imports_nothing_at_all(import_world):
    """A file with one bad row imports nothing at all (no item of the good rows either)."""
    from tracker.items import imports

    data = workbook(5, "市交通运输局", "市财政局")
    book = openpyxl.load_workbook(io.BytesIO(data))
    book.active.cell(row=4, column=4, value="不存在的单位")
    buffer = io.BytesIO()
    book.save(buffer)
    before = fingerprint()
    report = imports.import_items(buffer.getvalue(), import_world.session, actor=import_world.office)
    assert not report.ok and report.imported == 0
    assert fingerprint() == before
    assert 4 in report.problem_rows  # the report names the row
