"""The office desk at scale: each queue shows its most urgent rows, the full count and a link to
its own paginated page; the close-out counts are the same as the full facts give."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.closeout_support import replied_item, send_reply, submitter_account
from tracker.assignments import desk as desk_sections
from tracker.assignments import desk_returns
from tracker.assignments import services as assignments
from tracker.core import clock
from tracker.core.enums import Role
from tracker.handling import desk as handling_desk
from tracker.handling import services as handling
from tracker.items import merging
from tracker.items.models import Item
from tracker.replies import closeout, closeout_desk
from tracker.replies import desk as replies_desk
from tracker.replies.models import Reply

SAT = {"work": "satisfied", "result": "satisfied", "adoption": "adopted"}
BAD = {"work": "dissatisfied", "result": "dissatisfied", "adoption": "not_adopted", "comment": "未解决"}


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture()
def small_pages(monkeypatch):
    """Two rows a queue on the desk, two rows a page on the list pages."""
    for module in (desk_returns, replies_desk, closeout_desk, handling_desk):
        monkeypatch.setattr(module, "ROWS", 2)
    monkeypatch.setattr(desk_sections, "PER_PAGE", 2)


def _old_counts(today):
    """The desk's former computation: the full facts of every item after the reply."""
    items = list(Item.select().where(Item.status.in_(closeout.AFTER_REPLY_STATES)).order_by(Item.id))
    facts = closeout.closeout_many(items, today)
    expired = sorted((co for co in facts.values() if co.window_over and co.missing_raters),
                     key=lambda co: co.window_due)
    return {"expired": [co.item.id for co in expired],
            "dissatisfied": [i.id for i in items if facts[i.id].dissatisfied],
            "ready": [i.id for i in items if facts[i.id].closable]}


@pytest.fixture()
def closeout_world(f):
    today = clock.today()
    ready = [replied_item(names=(f"满意{n}",), unit_name=f"满意单位{n}") for n in range(3)]
    for s in ready:
        closeout.give_feedback(s.item, actor=s.office, submitter_name=s.item.submitters[0].name, **SAT)
    unhappy = [replied_item(names=(f"不满{n}", f"附议{n}"), unit_name=f"不满单位{n}") for n in range(3)]
    for s in unhappy:
        closeout.give_feedback(s.item, actor=s.office, submitter_name=f"不满{unhappy.index(s)}", **BAD)
    late = [replied_item(names=(f"逾期{n}",), unit_name=f"逾期单位{n}",
                         sent_on=today - dt.timedelta(days=40 + n)) for n in range(3)]
    promised = replied_item(names=("承诺代表",), unit_name="承诺单位",
                            commitments=[("年内完成改造", today + dt.timedelta(days=90))])
    closeout.give_feedback(promised.item, actor=promised.office, submitter_name="承诺代表", **SAT)
    waiting = replied_item(names=("等待代表",), unit_name="等待单位")
    late_promised = replied_item(names=("逾期承诺",), unit_name="逾期承诺单位", sent_on=today - dt.timedelta(days=60),
                                 commitments=[("次年完成", today + dt.timedelta(days=200))])
    return {"ready": ready, "unhappy": unhappy, "late": late, "promised": promised, "waiting": waiting,
            "late_promised": late_promised, "office": ready[0].office}


def test_a_merged_childs_submitter_keeps_an_item_with_an_open_commitment_in_the_expired_queue(f):
    """The pre-filter's path through a merged child: the parent's own submitter has rated, the
    child's has not, the window is over, and an open commitment keeps the item from closing."""
    today = clock.today()
    s = replied_item(names=("主件代表",), unit_name="并案单位", send=False)
    person, _user = submitter_account("并入委员")
    child = f.item(session=s.item.session, title="关于推进老旧小区加装电梯的建议",
                   submitters=[{"name": "并入委员", "role": "lead", "person_id": person.id}])
    merging.merge(child, s.item, actor=s.office)
    send_reply(s.a(), sent_on=today - dt.timedelta(days=60),
               commitments=[("次年完成", today + dt.timedelta(days=200))])
    closeout.give_feedback(s.item, actor=s.office, submitter_name="主件代表", **SAT)
    queues = closeout.office_queues(today)
    assert queues.expired == [s.item.id] and queues.ready == [] and queues.dissatisfied == []
    assert {q: getattr(queues, q) for q in closeout.DESK_QUEUES} == _old_counts(today)


def test_closeout_queue_counts_are_those_of_the_full_facts(closeout_world):
    today = clock.today()
    queues = closeout.office_queues(today)
    old = _old_counts(today)
    assert {q: getattr(queues, q) for q in closeout.DESK_QUEUES} == old
    # an over window counts as 未表态, so the late items without commitments may close too
    assert len(old["ready"]) == 6 and len(old["dissatisfied"]) == 3
    # the late item with an open commitment is still in the expired queue (oldest window first)
    assert closeout_world["late_promised"].item.id == old["expired"][0]
    assert len(old["expired"]) == 4
    rows = closeout.queue_rows(old["ready"][:2], today)
    assert [co.item.id for co in rows] == old["ready"][:2] and all(co.closable for co in rows)


def test_desk_caps_closeout_queues_and_links_to_paginated_pages(closeout_world, small_pages, client, login_as):
    login_as(closeout_world["office"])
    page = text(client.get("/desk"))
    assert "查看全部 6 件" in page and "查看全部 4 件" in page and "查看全部 3 件" in page
    assert "/desk/closeout?queue=ready" in page and "/desk/closeout?queue=expired" in page
    first = text(client.get("/desk/closeout?queue=ready"))
    second = text(client.get("/desk/closeout?queue=ready&page=2"))
    ids = closeout.office_queues().ready
    numbers = {i: Item.get_by_id(i).number for i in ids}
    assert f"{numbers[ids[0]]}号" in first and f"{numbers[ids[2]]}号" not in first
    assert f"{numbers[ids[2]]}号" in second and f"{numbers[ids[0]]}号" not in second
    assert "记为未表态" in text(client.get("/desk/closeout?queue=expired&page=99"))
    assert client.get("/desk/closeout?queue=nonsense").status_code == 404


@pytest.fixture()
def many_returns(f):
    office = f.office()
    reqs = []
    for n in range(3):
        unit = f.unit(f"申退单位{n}")
        handler = f.user(Role.UNIT_HANDLER, unit)
        item = f.item(number=str(700 + n), title=f"关于申退测试{n}的建议")
        a = f.assign(item, unit, role="sole", handler=handler)
        reqs.append(assignments.request_return(a, actor=handler, reason=f"不属本单位职责{n}"))
    return {"office": office, "reqs": reqs}


def test_desk_caps_return_requests_and_pages_the_rest(many_returns, small_pages, f, client, login_as):
    login_as(many_returns["office"])
    page = text(client.get("/desk"))
    assert "不属本单位职责0" in page and "不属本单位职责1" in page and "不属本单位职责2" not in page
    assert page.count('data-handler-target="rr') == 2  # an inline form per row shown
    assert "查看全部 3 件" in page and "/desk/returns" in page
    first = text(client.get("/desk/returns"))
    assert "不属本单位职责0" in first and "不属本单位职责2" not in first
    second = text(client.get("/desk/returns?page=2"))
    assert "不属本单位职责2" in second and "不属本单位职责0" not in second
    assert f"/return-requests/{many_returns['reqs'][2].id}/decision" in second


def test_desk_caps_replies_and_pages_the_rest(f, small_pages, client, login_as):
    office = f.office()
    ids = []
    for n in range(3):
        s = replied_item(names=(f"答复代表{n}",), unit_name=f"答复单位{n}", send=False,
                         title=f"关于答复测试{n}的建议")
        now = clock.now() + dt.timedelta(minutes=n)
        ids.append(Reply.create(assignment=s.assignment, round=1, status="awaiting_office_review",
                                result_class="A", text="答复", created_by=s.handler_id if hasattr(s, "handler_id")
                                else s.handler.id, created_at=now, updated_at=now).id)
    login_as(office)
    page = text(client.get("/desk"))
    assert "关于答复测试0的建议" in page and "关于答复测试2的建议" not in page
    assert "查看全部 3 件" in page and "/desk/replies" in page
    second = text(client.get("/desk/replies?page=2"))
    assert "关于答复测试2的建议" in second and "关于答复测试0的建议" not in second
    assert f"/replies/{ids[2]}" in second


@pytest.fixture()
def many_extensions(f):
    office = f.office()
    reqs = []
    for n in range(3):
        unit = f.unit(f"延期单位{n}")
        handler = f.user(Role.UNIT_HANDLER, unit)
        a = f.assign(f.item(number=str(800 + n), title=f"关于延期测试{n}的建议"), unit, role="sole", handler=handler)
        assignments.receive(a, actor=handler)
        reqs.append(handling.request_extension(a, actor=handler, requested_due=a.reply_due + dt.timedelta(days=20 + n),
                                               reason=f"需跨部门协调{n}"))
    return {"office": office, "reqs": reqs}


def test_desk_caps_extension_requests_and_pages_the_rest(many_extensions, small_pages, client, login_as):
    """With more pending extensions than the desk shows, every one is reachable and decidable."""
    login_as(many_extensions["office"])
    page = text(client.get("/desk"))
    assert "需跨部门协调0" in page and "需跨部门协调1" in page and "需跨部门协调2" not in page
    assert "查看全部 3 件" in page and "/desk/extensions" in page
    first = text(client.get("/desk/extensions"))
    assert "需跨部门协调0" in first and "需跨部门协调2" not in first
    second = text(client.get("/desk/extensions?page=2"))
    assert "需跨部门协调2" in second and "需跨部门协调0" not in second
    last = many_extensions["reqs"][2]
    assert f"/extension-requests/{last.id}/decision" in second
    # deciding from the list page comes back to it, and the request leaves the queue
    prefix = handling_desk.forms.decision_prefix(last.id)
    response = client.post(f"/extension-requests/{last.id}/decision",
                           data={f"{prefix}-decision": "approve", f"{prefix}-next": "/desk/extensions?page=2"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/desk/extensions?page=2")
    assert handling_desk.count() == 2
    assert "需跨部门协调2" not in text(client.get("/desk/extensions?page=2"))


@pytest.mark.parametrize("path", ["/desk/returns", "/desk/extensions", "/desk/replies", "/desk/closeout?queue=ready"])
def test_queue_pages_are_office_only(path, f, client, login_as):
    unit = f.unit("某单位")
    for user in (f.user(Role.UNIT_HANDLER, unit), f.user(Role.LEADER)):
        login_as(user)
        assert client.get(path).status_code == 403
