"""The overdue and due-soon lists: page, Excel export and GET /api/v1/overdue."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import openpyxl
import pytest
import time_machine
from playhouse.test_utils import count_queries

from tracker.assignments import services as assignments
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import Role
from tracker.items.workflow import Action
from tracker.reminders.models import Slip
from tracker.replies.models import Commitment, Reply

TODAY = dt.date(2026, 7, 1)
NOON = dt.datetime.combine(TODAY, dt.time(10), clock.LOCAL_TZ)


@pytest.fixture()
def at_today():
    with time_machine.travel(NOON, tick=False):
        yield TODAY


@pytest.fixture()
def data(f, at_today):
    """Overdue and due-soon acts of every kind, on 2026-07-01."""
    office = f.user(Role.OFFICE, name="赵督查")
    leader = f.user(Role.LEADER, name="陈副市长")
    zj = f.unit("市住房和城乡建设局")
    jt = f.unit("市交通运输局")
    zj_handler = f.user(Role.UNIT_HANDLER, zj, name="李经办", phone="0571-1111")
    f.user(Role.UNIT_LEADER, zj, name="王局长")
    jt_handler = f.user(Role.UNIT_HANDLER, jt, name="周经办")
    session = f.session(name="市十七届人大四次会议", year=2026)

    def item(number, **kw):
        return f.item(session=session, number=number, title=f"第{number}号建议标题", actor=office, **kw)

    # 101: leader-led, sole, reply overdue (assigned 03-02 → due 06-02)
    i101 = item("101", tier="leader_led", leader_id=leader.id)
    a101 = f.assign(i101, zj, handler=zj_handler, assigned_on=dt.date(2026, 3, 2), actor=office)
    assignments.receive(a101, actor=zj_handler)
    # 102: lead (zj, not due yet) + co (jt, opinion overdue since 06-04)
    i102 = item("102")
    a102 = f.assign(i102, zj, role="lead", handler=zj_handler, assigned_on=dt.date(2026, 5, 4), actor=office)
    c102 = f.assign(i102, jt, role="co", handler=jt_handler, assigned_on=dt.date(2026, 5, 4), actor=office)
    assignments.receive(a102, actor=zj_handler)
    assignments.receive(c102, actor=jt_handler)
    # 103: jt, not signed for: receipt overdue (due 06-24)
    i103 = item("103")
    a103 = f.assign(i103, jt, handler=jt_handler, assigned_on=dt.date(2026, 6, 22), actor=office)
    # 104: replied with a commitment overdue since 06-20
    i104 = item("104")
    a104 = f.assign(i104, zj, handler=zj_handler, assigned_on=dt.date(2026, 1, 5), actor=office)
    assignments.receive(a104, actor=zj_handler)
    with db.atomic():
        assignments.transition(a104, Action.SEND_REPLY)
    now = clock.now()
    reply = Reply.create(
        assignment=a104,
        result_class="B",
        text="答复",
        created_by=zj_handler,
        created_at=now,
        updated_at=now,
        status="sent",
        sent_at=now,
        sent_on=dt.date(2026, 3, 30),
    )
    commitment = Commitment.create(
        reply=reply, assignment=a104, text="6月底前完成道路修复", due_on=dt.date(2026, 6, 20)
    )
    # 105: extended to 06-30 (original due 04-07): overdue 1 day
    i105 = item("105", tier="office_supervised")
    a105 = f.assign(i105, zj, handler=zj_handler, assigned_on=dt.date(2026, 1, 5), actor=office)
    assignments.receive(a105, actor=zj_handler)
    a105 = a105.refresh()
    a105.extended_due = a105.current_due = dt.date(2026, 6, 30)
    a105.save()
    # 106: due in 2 days (assigned 04-03 → 07-03)
    i106 = item("106")
    a106 = f.assign(i106, jt, handler=jt_handler, assigned_on=dt.date(2026, 4, 3), actor=office)
    assignments.receive(a106, actor=jt_handler)
    Slip.create(assignment=a101, color="blue", issued_on=TODAY, issued_at=now, key="k1")
    Slip.create(assignment=a101, color="orange", issued_on=TODAY, issued_at=now, key="k2")
    return SimpleNamespace(
        office=office,
        leader=leader,
        zj=zj,
        jt=jt,
        zj_handler=zj_handler,
        session=session,
        a101=a101.refresh(),
        a102=a102.refresh(),
        c102=c102.refresh(),
        a103=a103.refresh(),
        a104=a104,
        a105=a105.refresh(),
        a106=a106.refresh(),
        commitment=commitment,
    )


def expected_overdue(d):
    return {
        ("101", "reply"): (TODAY - d.a101.current_due).days,
        ("102", "co_opinion"): (TODAY - d.c102.co_opinion_due).days,
        ("103", "receipt"): (TODAY - d.a103.receipt_due).days,
        ("104", "commitment"): 11,
        ("105", "reply"): 1,
    }


def test_a_leader_sees_every_overdue_item_with_days_overdue(data, login_as):
    d = data
    assert d.a101.current_due == dt.date(2026, 6, 2) and d.c102.co_opinion_due == dt.date(2026, 6, 4)
    client = login_as(d.leader)
    html = client.get("/overdue").get_data(as_text=True)
    assert "超期与即将到期" in html
    for (number, _act), days in expected_overdue(d).items():
        assert f"{number}号" in html
        assert f"超期 {days} 天" in html
    assert "106号" not in html  # not overdue yet
    assert "已延期" in html and "原期限 2026-04-07" in html
    assert "陈副市长" in html and "蓝单 1" in html and "橙单 1" in html
    assert 'class="table table-sm table-hover align-middle table-stack' in html
    assert 'data-label="超期天数"' in html
    assert '已超期 <span class="badge badge-overdue">5</span>' in html


def test_the_navigation_links_the_overdue_list(data, login_as):
    html = login_as(data.office).get("/overdue").get_data(as_text=True)
    assert 'href="/overdue"' in html and ">超期</a>" in html


def test_due_soon_tab_and_filters(data, login_as):
    client = login_as(data.office)
    html = client.get("/overdue?tab=due_soon").get_data(as_text=True)
    assert "106号" in html and "剩 2 天" in html and "101号" not in html
    wide = client.get("/overdue?tab=due_soon&within=40").get_data(as_text=True)
    assert "102号" in wide  # the lead's reply is due 08-04
    only_jt = client.get(f"/overdue?unit_id={data.jt.id}").get_data(as_text=True)
    assert "102号" in only_jt and "103号" in only_jt and "101号" not in only_jt
    receipts = client.get("/overdue?act=receipt").get_data(as_text=True)
    assert "103号" in receipts and "101号" not in receipts
    leader_led = client.get("/overdue?tier=leader_led").get_data(as_text=True)
    assert "101号" in leader_led and "105号" not in leader_led


def test_rows_in_english_link_their_items(data, login_as):
    """The rows' words (number, act, role, tier, days, slips) follow the page's language, and every
    row links its item's page."""
    client = login_as(data.leader)
    html = client.get("/overdue?lang=en").get_data(as_text=True)
    assert f'<span class="fw-semibold">No. 101</span>\n        <a href="/items/{data.a101.item_id}">' in html
    assert "29 days overdue" in html and "1 day overdue" in html
    assert "Co-handling opinion" in html and "Blue slip 1" in html and "超期" not in html
    for d in (data.a101, data.c102, data.a103, data.a104, data.a105):
        assert f'href="/items/{d.item_id}"' in html


def test_due_today_and_past_the_last_page(data, login_as, at_today):
    client = login_as(data.office)
    data.a106.current_due = at_today
    data.a106.save()
    html = client.get("/overdue?tab=due_soon").get_data(as_text=True)
    assert '<span class="badge badge-soon">今天到期</span>' in html
    # a page past the end shows no rows but still both tabs' counts
    html = client.get("/overdue?page=9").get_data(as_text=True)
    assert "没有超期事项" in html and '已超期 <span class="badge badge-overdue">5</span>' in html
    assert '即将到期 <span class="badge badge-soon">1</span>' in html


def test_sorting(data, login_as):
    client = login_as(data.office)
    html = client.get("/overdue").get_data(as_text=True)
    # most overdue first by default: 101 (29 days) before 105 (1 day)
    assert html.index("101号") < html.index("104号") < html.index("105号")
    html = client.get("/overdue?sort=due&dir=desc").get_data(as_text=True)
    assert html.index("105号") < html.index("101号")
    html = client.get("/overdue?order=due.desc").get_data(as_text=True)  # the select on phones
    assert html.index("105号") < html.index("101号")
    assert '<option value="due.desc" selected>期限由晚到早</option>' in html
    # by unit name (交 U+4EA4 sorts before 住 U+4F4F): 交通运输局's rows first, then 住建局's
    html = client.get("/overdue?sort=unit").get_data(as_text=True)
    assert max(html.index("102号"), html.index("103号")) < min(html.index("101号"), html.index("104号"))
    html = client.get("/overdue?sort=unit&dir=desc").get_data(as_text=True)
    assert max(html.index("101号"), html.index("104号")) < min(html.index("102号"), html.index("103号"))


def test_numbers_sort_as_numbers_and_tiers_in_their_own_order(data, login_as, f):
    for number in ("9", "10"):  # not signed for: receipt overdue
        it = f.item(session=data.session, number=number, title=f"第{number}号建议标题", actor=data.office)
        f.assign(it, data.jt, assigned_on=dt.date(2026, 6, 22), actor=data.office)
    client = login_as(data.office)
    html = client.get("/overdue?sort=number").get_data(as_text=True)
    assert html.index("9号") < html.index("10号") < html.index("101号") < html.index("104号")
    html = client.get("/overdue?order=number.desc").get_data(as_text=True)
    assert html.index("104号") < html.index("101号") < html.index("10号") < html.index("9号")
    html = client.get("/overdue?sort=tier").get_data(as_text=True)
    assert html.index("101号") < min(html.index("9号"), html.index("104号"))  # 市领导领办 first
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/overdue.xlsx?sort=number").data)).active
    numbers = [str(v) for (v,) in sheet.iter_rows(min_row=3, min_col=2, max_col=2, values_only=True) if v]
    assert numbers.index("9") < numbers.index("10") < numbers.index("101")


def test_units_and_submitters_may_not_open_the_list(data, login_as, f):
    assert login_as(data.zj_handler).get("/overdue").status_code == 403
    assert login_as(data.zj_handler).get("/overdue.xlsx").status_code == 403
    submitter = f.user(Role.SUBMITTER, person=f.person())
    assert login_as(submitter).get("/overdue").status_code == 403


def test_excel_export(data, login_as):
    response = login_as(data.leader).get("/overdue.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book["超期清单"]
    assert sheet["A2"].value == "序号" and sheet["B2"].value == "案号" and sheet["L2"].value == "期限"
    rows = {(sheet.cell(r, 2).value, sheet.cell(r, 5).value): r for r in range(3, sheet.max_row + 1)}
    acts = {"reply": "答复", "co_opinion": "会办意见", "receipt": "签收", "commitment": "承诺事项"}
    for (number, act), days in expected_overdue(data).items():
        r = rows[(number, acts[act])]
        assert sheet.cell(r, 14).value == days
        assert isinstance(sheet.cell(r, 12).value, dt.datetime)
        assert sheet.cell(r, 12).number_format == "yyyy-mm-dd"
        assert sheet.cell(r, 3).fill.fgColor.rgb.endswith("F8D7DA")
    r = rows[("105", "答复")]
    assert sheet.cell(r, 13).value == dt.datetime(2026, 4, 7)
    assert sheet.freeze_panes == "D3"
    soon = openpyxl.load_workbook(io.BytesIO(login_as(data.leader).get("/overdue.xlsx?tab=due_soon").data))
    assert soon.sheetnames == ["即将到期"]
    assert soon["即将到期"]["B3"].value == "106"


def test_list_page_uses_a_fixed_number_of_queries(data, login_as, f):
    client = login_as(data.office)
    client.get("/overdue")
    with count_queries() as few:
        client.get("/overdue")
    for n in range(6):
        it = f.item(session=data.session, number=f"20{n}", actor=data.office)
        a = f.assign(it, data.zj, assigned_on=dt.date(2026, 2, 2), actor=data.office)
        assignments.receive(a, actor=data.zj_handler)
    with count_queries() as many:
        client.get("/overdue")
    assert many.count == few.count


# --- API ------------------------------------------------------------------------------------


def test_api_overdue(data, api):
    response = api(data.leader).get("/overdue?per_page=500")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 5 and body["page"] == 1 and body["per_page"] == 500
    got = {(r["item_number"], r["act"]): r["days_overdue"] for r in body["items"]}
    assert got == expected_overdue(data)
    row = next(r for r in body["items"] if r["item_number"] == "101")
    assert row["assignment_id"] == data.a101.id and row["item_id"] == data.a101.item_id
    assert row["unit_id"] == data.zj.id and row["unit_name"] == "市住房和城乡建设局"
    assert row["role"] == "sole" and row["tier"] == "leader_led" and row["leader"] == "陈副市长"
    assert row["due_date"] == "2026-06-02" and row["slips"] == {"blue": 1, "orange": 1, "red": 0, "urge": 0}
    commitment = next(r for r in body["items"] if r["act"] == "commitment")
    assert commitment["commitment_id"] == data.commitment.id and commitment["due_date"] == "2026-06-20"
    ext = next(r for r in body["items"] if r["item_number"] == "105")
    assert ext["extended"] is True and ext["original_due_date"] == "2026-04-07"


def test_api_due_soon_paging_and_filters(data, api):
    client = api(data.office)
    soon = client.get("/overdue?due_soon=1").get_json()
    assert [(r["item_number"], r["days_left"]) for r in soon["items"]] == [("106", 2)]
    wide = client.get("/overdue?due_within_days=40").get_json()
    assert {r["item_number"] for r in wide["items"]} == {"102", "106"}
    page = client.get("/overdue?per_page=2&page=2").get_json()
    assert page["total"] == 5 and len(page["items"]) == 2 and page["page"] == 2
    past = client.get("/overdue?per_page=2&page=4").get_json()
    assert past["total"] == 5 and past["items"] == []
    assert client.get("/overdue?act=receipt&page=2").get_json()["total"] == 1
    assert client.get("/overdue?act=receipt").get_json()["total"] == 1
    assert client.get(f"/overdue?unit_id={data.jt.id}").get_json()["total"] == 2
    bad = client.get("/overdue?due_within_days=abc")
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"]["due_within_days"] == "应为整数"
    assert client.get("/overdue?act=lunch").status_code == 422


def test_api_overdue_forbidden_to_units(data, api):
    response = api(data.zj_handler).get("/overdue")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(("days", "badge"), [(0, "今天到期"), (1, "剩 1 天"), (6, "剩 6 天")])
def test_a_deadline_due_today_reads_today_not_zero_days_left(app, days, badge):
    from flask import render_template_string

    with app.test_request_context("/"):
        html = render_template_string('{% import "items/_macros.html" as m %}{{ m.due(d, "soon") }}',
                                      d=clock.today() + dt.timedelta(days=days))
    assert f'<span class="badge badge-soon">{badge}</span>' in html
