"""Dashboard, statistics pages with drill-down, GET /api/v1/stats and the charts."""

from __future__ import annotations

import datetime as dt
import gc
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from flask import template_rendered

from tests.stats_builders import build_fixture_session
from tracker.core.enums import Role
from tracker.ledger import charts, stats

NOON_0615 = dt.datetime(2026, 6, 15, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai


@pytest.fixture()
def world(f):
    with time_machine.travel(NOON_0615, tick=False):
        ns = build_fixture_session()
        ns.office = f.office()
        ns.handler = f.user(Role.UNIT_HANDLER, ns.u1)
        ns.admin = f.user(Role.ADMIN)
        ns.submitter = f.user(Role.SUBMITTER)
    return ns


@pytest.fixture()
def at_0615():
    with time_machine.travel(NOON_0615, tick=False):
        yield


# --- the API ------------------------------------------------------------------------------------


def test_the_face_to_face_rate_counts_the_methods_the_setting_names(world, api, login_as, at_0615):
    from tracker.rules import services as rules

    def rate() -> float:
        return api(world.office).get(f"/stats?session_id={world.session.id}").get_json()["overall"][
            "face_to_face_rate"]

    assert rate() == pytest.approx(2 / 6, abs=1e-4)  # I5's visit is a contact, not a 见面
    page = login_as(world.office).get(f"/stats?session_id={world.session.id}").get_data(as_text=True)
    assert "见面沟通指方式为“见面”的沟通记录" in page
    rules.set_setting("face_to_face_methods", ["meeting", "visit"])
    assert rate() == pytest.approx(3 / 6, abs=1e-4)
    page = login_as(world.office).get(f"/stats?session_id={world.session.id}").get_data(as_text=True)
    assert "见面沟通指方式为“见面”、“走访”的沟通记录" in page



def test_api_stats_shape_and_hand_computed_values(world, api, at_0615):
    response = api(world.office).get(f"/stats?session_id={world.session.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["as_of"] == "2026-06-15"
    assert body["filters"] == {"session_id": world.session.id}
    overall = body["overall"]
    for key in stats.API_KEYS:
        assert key in overall, key
    assert overall["assigned"] == 6 and overall["replied"] == 4
    assert overall["reply_rate"] == pytest.approx(4 / 6, abs=1e-4)
    assert overall["on_time_rate"] == pytest.approx(3 / 5, abs=1e-4)
    assert overall["face_to_face_rate"] == pytest.approx(2 / 6, abs=1e-4)
    assert overall["contact_rate"] == pytest.approx(4 / 6, abs=1e-4)
    assert overall["satisfaction_rate_work"] == 1
    assert overall["satisfaction_rate_result"] == pytest.approx(2 / 3, abs=1e-4)
    assert overall["feedback_rate"] == 0.5
    assert overall["solved_rate"] == pytest.approx(1 / 6, abs=1e-4)
    assert overall["solved_or_planned_rate"] == pytest.approx(2 / 6, abs=1e-4)
    assert overall["class_counts"] == {"A": 1, "B": 1, "C": 1, "D": 1}
    assert overall["commitment_kept_rate"] == 0.5
    assert overall["co_opinion_on_time_rate"] == 0.5
    units = {row["unit_id"]: row for row in body["by_unit"]}
    assert [row["unit_name"] for row in body["by_unit"]] == ["市住房和城乡建设局", "市交通运输局", "市教育局"]
    u3 = units[world.u3.id]
    assert u3["assigned"] == 0 and u3["reply_rate"] is None and u3["satisfaction_rate_work"] is None
    assert u3["co_assigned"] == 2 and u3["co_opinion_on_time_rate"] == 0.5
    assert set(stats.API_KEYS) | {"unit_id", "unit_name"} <= set(u3)


def test_api_stats_filters(world, api, at_0615):
    client = api(world.leader)
    only_u2 = client.get(f"/stats?unit_id={world.u2.id}").get_json()
    assert [r["unit_id"] for r in only_u2["by_unit"]] == [world.u2.id]
    assert only_u2["overall"]["on_time_rate"] == 0.5
    leader_led = client.get("/stats?tier=leader_led").get_json()["overall"]
    assert (leader_led["assigned"], leader_led["on_time_rate"], leader_led["co_assigned"]) == (1, None, 1)
    empty = client.get("/stats?kind=proposal").get_json()
    assert empty["overall"]["assigned"] == 0 and empty["overall"]["reply_rate"] is None
    assert empty["by_unit"] == []


@pytest.mark.parametrize(("query", "field"), [
    ("session_id=abc", "session_id"), ("kind=motion", "kind"), ("tier=city", "tier"), ("is_key=yes", "is_key"),
    ("unit_id=1.5", "unit_id"),
])
def test_api_stats_rejects_bad_filters(world, api, query, field):
    response = api(world.office).get(f"/stats?{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["fields"]
    assert error["message"].startswith("筛选条件有误")


@pytest.mark.parametrize(("who", "status"), [
    ("office", 200), ("leader", 200), ("handler", 403), ("admin", 403), ("submitter", 403),
])
def test_api_stats_permissions(world, api, client, who, status):
    response = api(getattr(world, who)).get("/stats")
    assert response.status_code == status
    if status == 403:
        assert response.get_json()["error"]["message"] == "只有交办单位和市领导可以查看统计"


def test_api_stats_needs_a_token(client):
    assert client.get("/api/v1/stats").status_code == 401


def test_api_stats_is_described_in_openapi(world, client):
    spec = client.get("/api/v1/openapi.json")
    if spec.status_code == 404:
        pytest.skip("the OpenAPI document is not served yet")
    paths = spec.get_json()["paths"]
    assert "/api/v1/stats" in paths or "/stats" in paths


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/dashboard", "/stats", "/stats/items?metric=reply_rate", "/dispatch"])
@pytest.mark.parametrize(("who", "status"), [
    ("office", 200), ("leader", 200), ("handler", 403), ("admin", 403), ("submitter", 403),
])
def test_pages_are_for_office_and_leaders(world, login_as, path, who, status):
    response = login_as(getattr(world, who)).get(path)
    assert response.status_code == status
    if status == 403:
        assert "您没有权限" in response.get_data(as_text=True)


def test_pages_need_login(client):
    assert client.get("/dashboard").status_code == 302
    assert client.get("/stats").status_code == 302


@pytest.mark.parametrize("who", ["office", "leader"])
def test_office_and_leaders_land_on_the_dashboard(world, login_as, who):
    response = login_as(getattr(world, who)).get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")


def test_dashboard_shows_rates_charts_and_key_items(world, login_as, at_0615):
    page = login_as(world.leader).get(f"/dashboard?session_id={world.session.id}").get_data(as_text=True)
    assert "66.7%" in page  # 办复率 4/6
    assert "60.0%" in page  # 按期办复率 3/5
    assert page.count("<svg") == 3
    assert "<script" not in page.split("<svg", 1)[1].rsplit("</svg>", 1)[0]
    assert "http" not in "".join(re.findall(r"<svg.*?</svg>", page, re.S))
    assert "市住房和城乡建设局" in page  # overdue bar
    assert "A类：1 件（25%）" in page  # class pie legend
    assert "关于第4号事项的建议" in page  # leader-led, key item
    assert "/stats/charts.css" in page
    assert f"/stats/items?metric=overdue&amp;session_id={world.session.id}" in page


def test_dashboard_defaults_to_the_latest_year_and_switches_trend(world, login_as, at_0615):
    client = login_as(world.office)
    page = client.get("/dashboard").get_data(as_text=True)
    assert '<option value="2026" selected>' in page
    monthly = client.get("/dashboard?trend=month&year=").get_data(as_text=True)
    assert "2026-06" in monthly and '<option value="2026" selected>' not in monthly


def test_chart_css_is_served_scoped_and_without_urls(client):
    response = client.get("/stats/charts.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    assert ".pygal-chart.pg-main .axis" in css and "http" not in css
    assert all(rule.startswith(".pygal-chart") for rule in css.strip().splitlines())


def test_charts_contain_no_script_style_or_external_url():
    outputs = [
        charts.overdue_bar([("市住建局", 3, 1), ("<script>alert(1)</script>", 1, 0)]),
        charts.overdue_bar([]),
        charts.class_pie({"A": 3, "B": 1, "C": 0, "D": 0}),
        charts.class_pie({"A": 0, "B": 0, "C": 0, "D": 0}),
        charts.trend_line([(dt.date(2026, 6, 1), 2, 1), (dt.date(2026, 6, 8), 0, 3)], "week"),
        charts.trend_line([(dt.date(2026, 5, 1), 0, 0)], "month"),
    ]
    for svg in outputs:
        assert svg.startswith("<svg") and "viewBox" in svg
        assert "http" not in svg
        assert "<script" not in svg and "<style" not in svg and "style=" not in svg
        assert " id=" not in svg and "<!--" not in svg
        assert 'role="img"' in svg and "<title>" in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in outputs[0]
    assert "http" not in charts.stylesheet()


def test_stats_page_links_every_figure_to_its_items(world, login_as, at_0615):
    page = login_as(world.office).get(f"/stats?session_id={world.session.id}").get_data(as_text=True)
    assert "市住房和城乡建设局" in page and "市教育局" in page
    links = re.findall(r'href="(/stats/items\?[^"]+)"', page)
    assert links
    for metric in ("reply_rate", "on_time_rate", "face_to_face_rate", "satisfaction_rate_work", "publish_rate",
                   "commitment_kept_rate", "co_opinion_on_time_rate", "class_A"):
        assert any(f"metric={metric}" in link for link in links), metric
    u1_reply = f"/stats/items?metric=reply_rate&amp;part=num&amp;session_id={world.session.id}&amp;unit_id={world.u1.id}"
    assert u1_reply in page
    assert "—" in page  # 市教育局 answers nothing: its answering rates have no denominator


@pytest.mark.parametrize("group", ["tier", "kind", "session"])
def test_stats_page_groups(world, login_as, at_0615, group):
    page = login_as(world.office).get(f"/stats?group={group}&year=2026").get_data(as_text=True)
    expected = {"tier": "市领导领办", "kind": "人大代表建议", "session": "市十七届人大四次会议"}[group]
    assert expected in page


def test_bad_filters_on_a_page_are_reported_in_chinese(world, login_as):
    response = login_as(world.office).get("/stats?tier=nonsense")
    assert response.status_code == 200
    assert "筛选条件有误" in response.get_data(as_text=True)


def _numbers(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1]
    return re.findall(r'data-label="案号">(?:<a href="[^"]*">)?([^<]+)<', body)


def test_drill_down_lists_exactly_the_counted_items(world, login_as, at_0615):
    client = login_as(world.office)
    base = f"/stats/items?session_id={world.session.id}"
    num = client.get(base + f"&metric=reply_rate&part=num&unit_id={world.u1.id}").get_data(as_text=True)
    assert sorted(_numbers(num)) == ["1", "2"]
    assert "已答复：<strong>2</strong> 件" in num
    den = client.get(base + f"&metric=reply_rate&part=den&unit_id={world.u1.id}").get_data(as_text=True)
    assert sorted(_numbers(den)) == ["1", "2", "3"]  # the returned part of item 5 is not in N
    overdue = client.get(base + "&metric=overdue").get_data(as_text=True)
    assert _numbers(overdue) == ["3"] and "超期 14 天" in overdue
    co_late = client.get(base + "&metric=co_overdue").get_data(as_text=True)
    assert _numbers(co_late) == ["4"]
    forms = client.get(base + "&metric=satisfaction_rate_work&part=den").get_data(as_text=True)
    assert sorted(_numbers(forms)) == ["1", "8"] and "收回测评表：<strong>3</strong> 份" in forms
    assert "涉及 2 件" in forms
    cls = client.get(base + "&metric=class_counts.C").get_data(as_text=True)
    assert _numbers(cls) == ["5"]
    none = client.get(base + f"&metric=reply_rate&unit_id={world.u3.id}").get_data(as_text=True)
    assert "没有符合条件的件" in none


def test_drill_down_of_an_unknown_figure_is_404(world, login_as):
    assert login_as(world.office).get("/stats/items?metric=nope").status_code == 404


def test_drill_down_paginates(world, login_as, at_0615, monkeypatch):
    from tracker.ledger import stats_views

    monkeypatch.setattr(stats_views, "DRILL_PER_PAGE", 2)
    client = login_as(world.office)
    first = client.get(f"/stats/items?metric=reply_rate&part=den&session_id={world.session.id}")
    second = client.get(f"/stats/items?metric=reply_rate&part=den&session_id={world.session.id}&page=3")
    assert len(_numbers(first.get_data(as_text=True))) == 2
    assert len(_numbers(second.get_data(as_text=True))) == 2
    assert 'aria-label="分页"' in first.get_data(as_text=True)


# --- the garbage collector on the pages that compute over a whole session ---------------------


@pytest.fixture()
def collector_on_render(app):
    """Whether Python's cyclic collector was on while each template of a request rendered."""
    seen: list[bool] = []

    def spy(sender, template, context, **extra):
        seen.append(gc.isenabled())

    was = gc.isenabled()
    gc.enable()
    template_rendered.connect(spy, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(spy, app)
        (gc.enable if was else gc.disable)()


@pytest.mark.parametrize("path", ["/dashboard", "/stats", "/stats/items?metric=reply_rate", "/assessment", "/desk",
                                  "/desk/closeout?queue=ready", "/sessions/{session}/reconcile"])
def test_whole_session_pages_render_with_the_collector_paused_and_turn_it_back_on(
        world, login_as, collector_on_render, path):
    response = login_as(world.office).get(path.format(session=world.session.id))
    assert response.status_code == 200
    assert collector_on_render and not any(collector_on_render)  # paused while the page was built
    assert gc.isenabled()
    collector_on_render.clear()
    assert login_as(world.office).get("/items").status_code == 200  # an ordinary page: left on
    assert collector_on_render and all(collector_on_render)


def test_the_api_statistics_are_counted_with_the_collector_paused(world, api, monkeypatch):
    from tracker.ledger import stats

    seen: list[bool] = []
    summary = stats.summary

    def spy(facts, today):
        seen.append(gc.isenabled())
        return summary(facts, today)

    monkeypatch.setattr(stats, "summary", spy)
    was = gc.isenabled()
    gc.enable()
    try:
        response = api(world.office).get(f"/stats?session_id={world.session.id}")
        assert response.status_code == 200 and response.get_json()["by_unit"]
        assert seen == [False]  # paused while the facts were loaded and counted
        assert gc.isenabled()  # and on again after the request
    finally:
        (gc.enable if was else gc.disable)()


def test_a_refused_request_turns_the_collector_back_on(world, login_as, collector_on_render):
    assert login_as(world.handler).get(f"/sessions/{world.session.id}/reconcile").status_code in (403, 404)
    assert login_as(world.office).get("/assessment/unit/999999").status_code == 404
    assert gc.isenabled()


# --- the dashboard's 领办、重点件 card ------------------------------------------------------------


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def _key_rows(page: str) -> list[str]:
    card = page.split('id="key-items"', 1)[1]
    return re.findall(r'<a href="/items/\d+">([^<]+)</a>', card)


def test_the_key_items_card_shows_the_ten_most_urgent_of_all_and_offers_the_rest(f, login_as, at_0615):
    session = f.session()
    unit = f.unit("市水务局")
    numbers = []
    # ids rise while the deadlines fall: the most urgent item is the last one registered
    for i in range(12):
        item = f.item(session=session, number=f"K{i:02d}", is_key=True)
        f.assign(item, unit, assigned_on=dt.date(2026, 5, 20) - dt.timedelta(days=3 * i))
        numbers.append(item.number)
    unassigned = f.item(session=session, number="K99", is_key=True)  # nothing owed yet: last
    f.item(session=session, number="N01")  # neither key nor leader-led: never listed
    client = login_as(f.office())

    page = client.get(f"/dashboard?session_id={session.id}").get_data(as_text=True)
    assert _key_rows(page) == numbers[::-1][:10]
    assert "（在办 13 件）" in page and "期限最近的 10 件" in page
    show_all = re.search(r'<a href="([^"]+)">显示全部 13 件</a>', page).group(1).replace("&amp;", "&")
    assert _query(show_all) == {"trend": "week", "session_id": str(session.id), "keys": "all"}
    assert show_all.endswith("#key-items")

    everything = client.get(show_all).get_data(as_text=True)
    assert _key_rows(everything) == [*numbers[::-1], unassigned.number]
    assert "显示全部" not in everything
    fewer = re.search(r'<a href="([^"]+)">只显示期限最近的 10 件</a>', everything).group(1).replace("&amp;", "&")
    assert _query(fewer) == {"trend": "week", "session_id": str(session.id)}
    monthly = re.search(r'<a class="btn[^"]*" href="([^"]+)"[^>]*>按月</a>', everything).group(1).replace("&amp;", "&")
    assert _query(monthly)["keys"] == "all"  # the trend buttons keep the whole list


def test_a_leader_sees_the_items_they_lead_first_on_the_key_items_card(f, login_as, at_0615):
    session = f.session()
    unit = f.unit("市水务局")
    leader = f.user(Role.LEADER, name="王副市长")
    other = f.user(Role.LEADER, name="李副市长")
    early = f.item(session=session, number="L1", tier="leader_led", leader_id=other.id)
    f.assign(early, unit, assigned_on=dt.date(2026, 4, 1))
    mine = f.item(session=session, number="L2", leader_id=leader.id)  # led by them, neither key nor leader-led
    f.assign(mine, unit, assigned_on=dt.date(2026, 6, 1))
    page = login_as(leader).get(f"/dashboard?session_id={session.id}").get_data(as_text=True)
    assert _key_rows(page) == ["L2", "L1"]
    assert "我领办" in page.split('id="key-items"', 1)[1] and "（在办 2 件）" in page
    assert "我领办的在前，其余按期限先后" in page
    assert "显示全部" not in page
    office_page = login_as(f.office()).get(f"/dashboard?session_id={session.id}").get_data(as_text=True)
    assert _key_rows(office_page) == ["L1"]


def test_an_item_in_commitment_follow_up_shows_its_earliest_open_commitment_on_the_key_items_card(
        f, login_as, at_0615):
    """承诺跟踪: no unit owes a reply; the item is owed by its open commitments' dates, as the
    overdue list counts them — the card shows the earliest, how late it is, and ranks by it."""
    from tests.closeout_support import send_reply
    from tracker.assignments import services as assignments
    from tracker.items.models import Item
    from tracker.items.queries import overdue_item_ids
    from tracker.replies import closeout

    session = f.session()
    unit = f.unit("市水务局")
    leader = f.user(Role.LEADER, name="王副市长")
    later = f.item(session=session, number="R1", is_key=True)  # still owes its reply (2026-07-01)
    f.assign(later, unit, assigned_on=dt.date(2026, 4, 1))
    promised = f.item(session=session, number="C1", tier="leader_led", leader_id=leader.id)
    a = f.assign(promised, unit, assigned_on=dt.date(2026, 3, 2))
    assignments.receive(a, actor=a.handler)
    send_reply(a, sent_on=dt.date(2026, 5, 12), commitments=[("汛期前完成排涝泵站改造", dt.date(2026, 5, 23)),
                                                              ("年底前完成管网改造", dt.date(2026, 12, 31))])
    closeout.record_expired_feedback()  # the window ran out: 未表态, the item goes to follow-up
    assert Item.get_by_id(promised.id).status == "follow_up"
    assert Item.select().where(overdue_item_ids(dt.date(2026, 6, 15)) & (Item.id == promised.id)).exists()

    for user in (leader, f.office()):
        page = login_as(user).get(f"/dashboard?session_id={session.id}").get_data(as_text=True)
        assert _key_rows(page) == ["C1", "R1"]
        card = page.split('id="key-items"', 1)[1]
        row = card.split(">C1</a>", 1)[1].split("</tr>", 1)[0]
        assert "2026-05-23" in row and "超期 23 天" in row and "承诺事项" in row
        assert 'class="row-overdue"' in card.split(">C1</a>", 1)[0].rsplit("<tr", 1)[1]
        assert "—" not in row
