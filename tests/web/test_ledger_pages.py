"""The ledger (台账) page and its .xlsx download: office only."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from playhouse.test_utils import count_queries

from tests.ledger_data import TODAY, handled_item, owing_item
from tracker.core.enums import Role

NOON = dt.datetime(2026, 7, 1, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai


@pytest.fixture()
def ledger(f):
    h = handled_item()
    unit = f.unit("市交通运输局")
    late = owing_item(h.session, unit, number="20", reply_due=TODAY - dt.timedelta(days=2), title="关于<b>治理</b>拥堵的建议")
    soon = owing_item(h.session, unit, number="21", reply_due=TODAY + dt.timedelta(days=5))
    return {"h": h, "unit": unit, "late": late, "soon": soon, "office": f.office()}


def test_office_sees_every_column_with_colours(ledger, login_as):
    client = login_as(ledger["office"])
    with time_machine.travel(NOON, tick=False):
        response = client.get(f"/ledger/?session_id={ledger['h'].session.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for header in ("序号", "领办(督办)领导", "会办意见要求/实际日期", "沟通情况(方式、日期)", "销号情况及日期", "备注"):
        assert f">{header}</th>" in html
    assert "共 3 件" in html
    assert "民函〔2026〕12号" in html and "办前电话 2026-03-10" in html and "2026-06-15" in html
    assert html.count('class="row-overdue"') == 1
    assert html.count('class="row-due-soon"') == 1
    assert "关于&lt;b&gt;治理&lt;/b&gt;拥堵的建议" in html  # escaped
    assert 'class="table-responsive ledger-box"' in html
    assert "/ledger/export.xlsx?session_id=" in html


def test_filters_sort_and_pages(ledger, login_as):
    client = login_as(ledger["office"])
    sid = ledger["h"].session.id
    with time_machine.travel(NOON, tick=False):
        by_unit = client.get(f"/ledger/?session_id={sid}&unit_id={ledger['unit'].id}").get_data(as_text=True)
        assert "共 2 件" in by_unit and "民函〔2026〕12号" not in by_unit
        by_status = client.get(f"/ledger/?session_id={sid}&status=follow_up").get_data(as_text=True)
        assert "共 1 件" in by_status
        page2 = client.get(f"/ledger/?session_id={sid}&per_page=2&page=2").get_data(as_text=True)
        assert "共 3 件" in page2 and "关于&lt;b&gt;治理" not in page2 and ">21</a>" in page2
        due = client.get(f"/ledger/?session_id={sid}&sort=due").get_data(as_text=True)
        assert due.index(">20</a>") < due.index(">21</a>") < due.index(">12</a>")
        junk = client.get("/ledger/?session_id=abc&kind=nope&status=x&sort=evil&page=-3")
        assert junk.status_code == 200


def test_page_queries_do_not_grow_with_rows(f, login_as):
    session = f.session()
    unit = f.unit()
    client = login_as(f.office())
    for n in range(1, 4):
        owing_item(session, unit, number=str(n), reply_due=TODAY)
    with count_queries() as few:
        assert client.get(f"/ledger/?session_id={session.id}").status_code == 200
    for n in range(4, 25):
        owing_item(session, unit, number=str(n), reply_due=TODAY)
    with count_queries() as many:
        assert client.get(f"/ledger/?session_id={session.id}").status_code == 200
    assert many.count == few.count


def test_download_is_a_three_sheet_workbook(ledger, login_as):
    client = login_as(ledger["office"])
    with time_machine.travel(NOON, tick=False):
        response = client.get(f"/ledger/export.xlsx?session_id={ledger['h'].session.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "2026-07-01.xlsx" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["台账", "会办情况", "调度情况"]
    sheet = book["台账"]
    assert sheet.max_row == 4
    assert sheet["D2"].value == "12"


def test_city_leaders_read_the_ledger_and_export_it(ledger, login_as, f):
    client = login_as(f.user(Role.LEADER))
    page = client.get("/ledger/")
    assert page.status_code == 200 and 'href="/ledger/"' in page.get_data(as_text=True)  # in the navigation
    assert "Excel 导入" not in page.get_data(as_text=True) and "文书下载" not in page.get_data(as_text=True)
    export = client.get("/ledger/export.xlsx")
    assert export.status_code == 200 and export.data[:2] == b"PK"


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.UNIT_LEADER, Role.SUBMITTER, Role.ADMIN])
def test_others_are_refused(ledger, login_as, f, role):
    user = f.user(role, ledger["unit"] if role in (Role.UNIT_HANDLER, Role.UNIT_LEADER) else None)
    client = login_as(user)
    assert client.get("/ledger/").status_code == 403
    assert client.get("/ledger/export.xlsx").status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    assert client.get("/ledger/").status_code == 302
    assert client.get("/ledger/export.xlsx").status_code == 302
