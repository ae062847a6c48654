"""The commitments page (/commitments): by default the commitments still followed up (open or
carried over, of every year); ``?status=`` (全部状态) every status, kept over the pager; the
count and the order match the rows."""

from __future__ import annotations

import datetime as dt

from tests.closeout_support import replied_item
from tracker.core import clock
from tracker.replies import closeout
from tracker.replies.models import Commitment


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _world():
    today = clock.today()
    s1 = replied_item(commitments=[("甲项承诺", today - dt.timedelta(days=5)),
                                   ("乙项承诺", today + dt.timedelta(days=20)),
                                   ("丙项承诺", today - dt.timedelta(days=400))])
    Commitment.update(status="kept", fulfilled_on=today, evidence="已完成").where(
        Commitment.text == "乙项承诺").execute()
    Commitment.update(status="carried_over", carry_reason="明年完成").where(Commitment.text == "丙项承诺").execute()
    s2 = replied_item(commitments=[("丁项承诺", today + dt.timedelta(days=3))], unit_name="市教育局")
    return s1, s2


def test_default_shows_the_commitments_still_followed_up_of_every_year(client, login_as):
    s1, s2 = _world()
    login_as(s1.office)
    page = html(client.get("/commitments"))
    assert "甲项承诺" in page and "丙项承诺" in page and "丁项承诺" in page and "乙项承诺" not in page
    assert "共 3 项" in page
    assert '<option selected value="pending">' in page
    # open first (by due date), then carried over
    assert page.index("甲项承诺") < page.index("丁项承诺") < page.index("丙项承诺")
    page = html(client.get("/commitments?status="))
    assert "共 4 项" in page and "乙项承诺" in page
    assert page.index("丁项承诺") < page.index("丙项承诺") < page.index("乙项承诺")
    page = html(client.get("/commitments?status=kept"))
    assert "共 1 项" in page and "乙项承诺" in page and "甲项承诺" not in page
    page = html(client.get("/commitments?status=pending&overdue=1"))
    assert "共 1 项" in page and "甲项承诺" in page and "丁项承诺" not in page


def test_unit_users_see_their_own_commitments_only(client, login_as):
    s1, s2 = _world()
    login_as(s2.handler)
    page = html(client.get("/commitments"))
    assert "丁项承诺" in page and "甲项承诺" not in page and "共 1 项" in page
    page = html(client.get(f"/commitments?status=&unit_id={s1.unit.id}"))  # unit_id ignored for units
    assert "丁项承诺" in page and "甲项承诺" not in page and "共 1 项" in page


def test_the_pager_keeps_the_every_status_choice(client, login_as, monkeypatch):
    s1, _ = _world()
    login_as(s1.office)
    page = html(client.get("/commitments?status=&page=1"))
    assert "page=2" not in page  # one page only
    # with more rows than a page, the links keep status= (every status), not the default
    from tracker.replies import closeout_views

    original = closeout_views.render_template
    seen = {}

    def capture(name, **context):
        seen.update(context)
        return original(name, **context)

    monkeypatch.setattr(closeout_views, "render_template", capture)
    html(client.get("/commitments?status="))
    assert seen["args"] == {"status": ""}
    html(client.get("/commitments"))
    assert seen["args"] == {}


def test_the_count_matches_the_rows_for_every_filter(login_as):
    s1, s2 = _world()
    today = clock.today()
    for user in (s1.office, s1.handler, s2.handler):
        for kw in ({}, {"status": closeout.PENDING}, {"status": "kept"}, {"status": "open", "overdue": True},
                   {"unit_id": s2.unit.id}, {"item_id": s1.item.id}):
            rows = list(closeout.commitments_for(user, today=today, **kw))
            assert closeout.count_commitments_for(user, today=today, **kw) == len(rows), (user.username, kw)
    rows = [c.text for c in closeout.commitments_for(s1.office, today=today)]
    assert rows == ["甲项承诺", "丁项承诺", "丙项承诺", "乙项承诺"]


def test_a_refused_fulfilment_on_the_list_shows_the_list_again_with_what_was_typed(client, login_as):
    s1, _ = _world()
    login_as(s1.handler)
    c = Commitment.get(Commitment.text == "甲项承诺")
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    here = "/commitments?status=pending&overdue=1"
    response = client.post(f"/commitments/{c.id}/fulfil", data={
        f"cf{c.id}-evidence": "道路已完工通车", f"cf{c.id}-fulfilled_on": tomorrow, "next": here})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "兑现日期不能晚于今天" in page
    assert "共 1 项" in page and "丁项承诺" not in page  # the list, with its filters: not the item's page
    assert "道路已完工通车" in page and f'value="{tomorrow}"' in page  # what was typed
    assert '<details open>\n          <summary class="btn btn-sm btn-outline-primary">' in page
    assert f'name="next" value="{here}"' in page.replace("&amp;", "&")  # the list again after a retry
    assert Commitment.get_by_id(c.id).status == "open"
    # fixed and sent again from that page: kept, back to the list
    response = client.post(f"/commitments/{c.id}/fulfil", data={
        f"cf{c.id}-evidence": "道路已完工通车", f"cf{c.id}-fulfilled_on": clock.today().isoformat(), "next": here})
    assert response.status_code == 302 and response.headers["Location"] == here
    assert Commitment.get_by_id(c.id).status == "kept"


def test_a_refused_fulfilment_from_the_items_page_still_shows_the_items_close_out_page(client, login_as):
    s1, _ = _world()
    login_as(s1.handler)
    c = Commitment.get(Commitment.text == "甲项承诺")
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    response = client.post(f"/commitments/{c.id}/fulfil", data={
        f"cf{c.id}-evidence": "道路已完工通车", f"cf{c.id}-fulfilled_on": tomorrow})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "兑现日期不能晚于今天" in page and "道路已完工通车" in page and "共 1 项" not in page
