"""定期调度通报: generate, regenerate, history, weekly job, downloads, notifications, pages."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine

from tests.stats_builders import build_fixture_session
from tracker.core.enums import Role
from tracker.core.errors import PermissionDenied, ValidationFailed
from tracker.ledger import dispatch
from tracker.ledger.models import DispatchReport
from tracker.reminders.models import Notification
from tracker.rules.services import set_setting

NOON_0615 = dt.datetime(2026, 6, 15, 4, 0, tzinfo=dt.UTC)  # Monday 12:00 in Shanghai
D = dt.date


@pytest.fixture()
def world(f):
    with time_machine.travel(NOON_0615, tick=False):
        ns = build_fixture_session()
        ns.office = f.office()
        ns.office2 = f.user(Role.OFFICE, email="duchashi@example.gov.cn")
        ns.handler = f.user(Role.UNIT_HANDLER, ns.u1)
    return ns


@pytest.fixture()
def at_0615():
    with time_machine.travel(NOON_0615, tick=False):
        yield


def _unit(report, name):
    return next(u for u in report.data["units"] if u["unit_name"] == name)


def test_generate_report_progress_overdue_slips_and_ranking(world, at_0615):
    report = dispatch.generate_report(D(2026, 6, 15), actor=world.office, session_id=world.session.id)
    data = report.data
    assert data["as_of"] == "2026-06-15" and data["scope_label"] == "市十七届人大四次会议"
    assert data["totals"]["assigned"] == 6 and data["totals"]["replied"] == 4
    assert data["totals"]["overdue"] == 1 and data["totals"]["co_overdue"] == 1
    assert data["totals"]["slips"] == {"blue": 1, "orange": 0, "red": 1}
    u1 = _unit(report, "市住房和城乡建设局")
    assert (u1["assigned"], u1["received"], u1["replied"], u1["overdue"]) == (3, 3, 2, 1)
    assert u1["slips"] == {"blue": 1, "orange": 0, "red": 1}
    assert u1["reply_rate"] == pytest.approx(2 / 3) and u1["on_time_rate"] == pytest.approx(2 / 3)
    # ranking: both answer 2/3; on time 2/3 (U1) beats 1/2 (U2); U3 answers nothing (rate None) last
    assert [(u["rank"], u["unit_name"]) for u in data["units"]] == [
        (1, "市住房和城乡建设局"), (2, "市交通运输局"), (3, "市教育局")]
    assert [(o["number"], o["unit_name"], o["what"], o["days_overdue"], o["slip"]) for o in data["overdue"]] == [
        ("4", "市教育局", "会办意见", 45, ""), ("3", "市住房和城乡建设局", "答复", 14, "red")]


def test_a_past_date_reports_what_was_known_then(world, at_0615):
    report = dispatch.generate_report(D(2026, 6, 3), actor=world.office, session_id=world.session.id)
    totals = report.data["totals"]
    # on 06-03: items 1 and 8 replied; 2 (extended), 5 not yet; item 3 overdue since 06-01, its blue slip issued 06-02
    assert (totals["replied"], totals["overdue"]) == (2, 2)
    assert totals["slips"] == {"blue": 1, "orange": 0, "red": 0}


def test_regenerating_replaces_the_report_of_that_day(world, at_0615):
    first = dispatch.generate_report(D(2026, 6, 15), actor=world.office, session_id=world.session.id)
    from tests.stats_builders import reply

    reply(world.a3, D(2026, 6, 15), result_class="B")
    again = dispatch.generate_report(D(2026, 6, 15), actor=world.office, session_id=world.session.id)
    assert again.id == first.id and again.generations == 2
    assert DispatchReport.select().count() == 1
    assert DispatchReport.get_by_id(first.id).data["totals"]["replied"] == 5
    other_scope = dispatch.generate_report(D(2026, 6, 15), actor=world.office)
    assert other_scope.id != first.id and other_scope.data["scope"] == "all"
    assert [r.id for r in dispatch.history()] == [other_scope.id, first.id]  # same day: newest first
    assert [r.id for r in dispatch.history(session_id=world.session.id)] == [first.id]


def test_history_newest_first(world, at_0615):
    older = dispatch.generate_report(D(2026, 6, 8), actor=world.office, announce=False)
    newer = dispatch.generate_report(D(2026, 6, 15), actor=world.office, announce=False)
    assert [r.id for r in dispatch.history()] == [newer.id, older.id]


def test_all_sessions_in_hand_leaves_closed_sessions_out(world, f, at_0615):
    from tests.stats_builders import assignment, item, set_item_status
    from tracker.core.enums import ItemStatus

    closed = f.session(name="市十七届人大三次会议", year=2025)
    old = item(closed, "1")
    assignment(old, world.u1, assigned_on=D(2025, 3, 1), reply_due=D(2025, 6, 1))
    set_item_status(old, ItemStatus.CLOSED)
    report = dispatch.generate_report(D(2026, 6, 15), actor=world.office)
    assert report.data["scope_label"] == "全部在办会次"
    assert report.data["sessions"] == ["市十七届人大四次会议"]
    assert report.data["totals"]["assigned"] == 6


def test_notifications_are_queued_for_the_office_and_leaders(world, at_0615):
    report = dispatch.generate_report(D(2026, 6, 15), actor=world.office, session_id=world.session.id)
    rows = list(Notification.select().where(Notification.kind == "report"))
    assert {n.user_id for n in rows} == {world.office.id, world.office2.id, world.leader.id}
    note = rows[0]
    assert note.title == "定期调度通报（2026-06-15）"
    assert "办复率 66.7%" in note.body and f"/dispatch/{report.id}" in note.body
    # worst first: one overdue act each, 市教育局's co opinion 45 days late, 市住建局's reply 14
    assert "有超期件的单位共 2 个：市教育局（超期 1 件）、市住房和城乡建设局（超期 1 件）。" in note.body
    assert "市交通运输局" not in note.body  # ranked between them, nothing overdue
    mailed = {n.user_id: n.email_status for n in rows}
    assert mailed[world.office2.id] == "pending"  # has an address: the delivery job mails it
    dispatch.generate_report(D(2026, 6, 15), actor=world.office, session_id=world.session.id, announce=False)
    assert Notification.select().where(Notification.kind == "report").count() == 3


def test_the_notice_links_the_report_by_its_full_address(world, app, monkeypatch, at_0615):
    """The body is mailed as it stands: "详见：/dispatch/1" leads nowhere in a mail client."""
    monkeypatch.setitem(app.config, "BASE_URL", "https://ban.example.gov.cn/tracker/")
    report = dispatch.generate_report(D(2026, 6, 15), actor=world.office, session_id=world.session.id)
    note = Notification.select().where(Notification.kind == "report").first()
    assert note.body.endswith(f"详见：https://ban.example.gov.cn/tracker/dispatch/{report.id}")


def _unit_row(name, overdue=0, co_overdue=0, rank=1):
    return {"unit_name": name, "rank": rank, "overdue": overdue, "co_overdue": co_overdue}


def _late(name, days):
    return {"unit_name": name, "days_overdue": days}


def test_the_notice_names_the_worst_units_first_and_counts_them_all(app, ctx):
    """In ranking order (best first, cut at 10) the notice named units with nothing overdue and
    left the worst out; it lists only units with overdue work, most overdue acts first, then
    most days overdue, and says how many there are."""
    from types import SimpleNamespace

    units = [_unit_row("市应急管理局", 0, 1, rank=1), _unit_row("市水务局", rank=2)]  # best ranked first
    units += [_unit_row(f"第{n:02d}局", 1, rank=3 + n) for n in range(10)]
    units += [_unit_row("市住房和城乡建设局", 12, 2, rank=20), _unit_row("市交通运输局", 8, 4, rank=21),
              _unit_row("市公安局", 4, rank=22)]
    overdue = [_late("市应急管理局", 3), _late("市住房和城乡建设局", 30), _late("市交通运输局", 90),
               _late("市公安局", 5)] + [_late(f"第{n:02d}局", 10 + n) for n in range(10)]
    data = {"scope_label": "全部在办会次", "as_of": "2026-11-28", "units": units, "overdue": overdue,
            "totals": {"assigned": 217, "replied": 68, "reply_rate": 0.313, "on_time_rate": 0.484,
                       "overdue": 56, "co_overdue": 15, "slips": {"blue": 0, "orange": 0, "red": 0}}}
    worst = dispatch.overdue_units(data)
    assert [(u["unit_name"], u["overdue"], u["days_overdue"]) for u in worst][:5] == [
        ("市住房和城乡建设局", 14, 30), ("市交通运输局", 12, 90), ("市公安局", 4, 5),
        ("第09局", 1, 19), ("第08局", 1, 18)]  # most acts first; of equals, most days overdue
    assert len(worst) == 14 and worst[-1]["unit_name"] == "市应急管理局"  # 1 act, 3 days
    body = dispatch.announcement(SimpleNamespace(id=1, data=data))
    assert ("有超期件的单位共 14 个，超期最多的：市住房和城乡建设局（超期 14 件）、市交通运输局（超期 12 件）、"
            "市公安局（超期 4 件）、第09局（超期 1 件）、第08局（超期 1 件）、") in body
    listed = body.split("超期最多的：")[1].split("。")[0]
    assert listed.count("（超期") == 10 and listed.endswith("等")
    assert "市水务局" not in body and "市应急管理局" not in body  # nothing overdue / least overdue: cut


def test_only_the_office_generates(world, at_0615):
    with pytest.raises(PermissionDenied):
        dispatch.generate_report(D(2026, 6, 15), actor=world.handler)
    with pytest.raises(PermissionDenied):
        dispatch.generate_report(D(2026, 6, 15), actor=world.leader)
    with pytest.raises(ValidationFailed, match="通报日期不能晚于今天"):
        dispatch.generate_report(D(2026, 6, 16), actor=world.office)
    with pytest.raises(ValidationFailed, match="会次不存在"):
        dispatch.generate_report(D(2026, 6, 15), actor=world.office, session_id=9999)
    assert DispatchReport.select().count() == 0


# --- the weekly job ----------------------------------------------------------------------------


def _at(local: str) -> dt.datetime:
    return dt.datetime.fromisoformat(local + "+08:00")


def test_weekly_job_runs_once_after_the_slot(world):
    with time_machine.travel(_at("2026-06-15T08:59"), tick=False):
        assert dispatch.generate_weekly(_at("2026-06-15T08:59")) is None  # Monday before 09:00
    with time_machine.travel(_at("2026-06-15T09:00"), tick=False):
        report = dispatch.generate_weekly(_at("2026-06-15T09:00"))
        assert report is not None and report.automatic and report.as_of == D(2026, 6, 15)
        assert report.created_by_id is None
        assert dispatch.generate_weekly(_at("2026-06-15T10:00")) is None  # already done this week
    with time_machine.travel(_at("2026-06-17T09:00"), tick=False):
        assert dispatch.generate_weekly(_at("2026-06-17T09:00")) is None
    assert Notification.select().where(Notification.kind == "report").count() == 3
    with time_machine.travel(_at("2026-06-23T11:00"), tick=False):  # missed Monday: caught up on Tuesday
        late = dispatch.generate_weekly(_at("2026-06-23T11:00"))
        assert late is not None and late.as_of == D(2026, 6, 23)


def test_weekly_job_honours_the_settings(world):
    set_setting("dispatch_weekly", False)
    with time_machine.travel(_at("2026-06-15T10:00"), tick=False):
        assert dispatch.generate_weekly(_at("2026-06-15T10:00")) is None
    set_setting("dispatch_weekly", True)
    set_setting("dispatch_weekday", 4)  # Friday
    set_setting("dispatch_hour", 16)
    with time_machine.travel(_at("2026-06-15T10:00"), tick=False):
        assert dispatch.generate_weekly(_at("2026-06-15T10:00")) is None
    with time_machine.travel(_at("2026-06-19T16:30"), tick=False):
        assert dispatch.generate_weekly(_at("2026-06-19T16:30")).as_of == D(2026, 6, 19)
    assert DispatchReport.select().count() == 1


def test_a_manual_report_the_same_day_is_taken_over_by_the_weekly_job(world):
    with time_machine.travel(_at("2026-06-15T08:00"), tick=False):
        manual = dispatch.generate_report(D(2026, 6, 15), actor=world.office, announce=False)
    with time_machine.travel(_at("2026-06-15T09:05"), tick=False):
        weekly = dispatch.generate_weekly(_at("2026-06-15T09:05"))
    assert weekly.id == manual.id and weekly.automatic and weekly.generations == 2


# --- downloads ---------------------------------------------------------------------------------


def test_xlsx_opens_with_openpyxl_and_holds_units_and_overdue(world, at_0615):
    import openpyxl

    report = dispatch.generate_report(D(2026, 6, 15), actor=world.office, session_id=world.session.id)
    book = openpyxl.load_workbook(io.BytesIO(dispatch.to_xlsx(report)))
    assert book.sheetnames == ["各单位进度", "超期件清单", "说明"]
    sheet = book["各单位进度"]
    assert sheet["A4"].value == "排名" and sheet["B4"].value == "承办单位"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5, values_only=False)]
    assert [r[1] for r in rows] == ["市住房和城乡建设局", "市交通运输局", "市教育局"]
    assert rows[0][:8] == [1, "市住房和城乡建设局", 3, 3, 2, "66.7%", "66.7%", 1]
    overdue = book["超期件清单"]
    assert overdue["A2"].value == "4" and overdue["G2"].value == dt.datetime(2026, 5, 1)
    assert overdue["I3"].value == "红单"


def test_xlsx_neutralises_formulas_from_titles(world, f, at_0615):
    import openpyxl

    from tests.stats_builders import assignment, item

    evil = item(world.session, "99", title="=HYPERLINK(\"http://x\",\"点我\")")
    assignment(evil, world.u2, assigned_on=D(2026, 3, 1), reply_due=D(2026, 6, 1))
    report = dispatch.generate_report(D(2026, 6, 15), actor=world.office, session_id=world.session.id)
    sheet = openpyxl.load_workbook(io.BytesIO(dispatch.to_xlsx(report)))["超期件清单"]
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://x\",\"点我\")" in titles


def test_docx_opens_with_python_docx_and_names_the_units(world, at_0615):
    import docx

    report = dispatch.generate_report(D(2026, 6, 15), actor=world.office, session_id=world.session.id)
    document = docx.Document(io.BytesIO(dispatch.to_docx(report)))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "定期调度通报" in text + cells
    for name in ("市住房和城乡建设局", "市交通运输局", "市教育局"):
        assert name in cells
    assert "办复率" in cells and "66.7%" in text + cells


def test_the_word_report_calls_the_count_as_the_page_and_the_excel_do(world, at_0615):
    """DOMAIN §8: N, the items a unit must answer, is 应办件数 on the page and in Excel; the Word
    report said 交办件数."""
    import docx

    report = dispatch.generate_report(D(2026, 6, 15), actor=world.office, session_id=world.session.id)
    table = docx.Document(io.BytesIO(dispatch.to_docx(report))).tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header[:5] == ["排名", "承办单位", "应办件数", "已签收", "已答复"]
    assert dict(dispatch.UNIT_COLUMNS)["assigned"] == "应办件数"
    assert not any("交办件数" in c.text for row in table.rows for c in row.cells)


# --- pages -------------------------------------------------------------------------------------


def test_office_generates_from_the_page_and_downloads(world, login_as, at_0615):
    client = login_as(world.office)
    page = client.get("/dispatch").get_data(as_text=True)
    assert "立即生成" in page and "还没有调度通报" in page
    response = client.post("/dispatch", data={"as_of": "2026-06-15", "session_id": str(world.session.id),
                                              "announce": "y"})
    assert response.status_code == 302
    report = DispatchReport.get()
    assert response.headers["Location"].endswith(f"/dispatch/{report.id}")
    view = client.get(f"/dispatch/{report.id}").get_data(as_text=True)
    assert "市住房和城乡建设局" in view and "超期件清单" in view and "红单" in view
    xlsx = client.get(f"/dispatch/{report.id}.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert "attachment" in xlsx.headers["Content-Disposition"]
    docx_ = client.get(f"/dispatch/{report.id}.docx")
    assert docx_.status_code == 200 and docx_.data[:2] == b"PK"
    history = client.get("/dispatch").get_data(as_text=True)
    assert "市十七届人大四次会议" in history and "66.7%" in history


def test_the_history_pages_through_every_report_newest_first(world, login_as, at_0615):
    dates = [D(2026, 6, 15) - dt.timedelta(days=n) for n in range(32)]  # more than a page
    for as_of in dates:
        dispatch.generate_report(as_of, actor=world.office, announce=False)
    client = login_as(world.office)
    first = client.get("/dispatch").get_data(as_text=True)
    assert "（共 32 期）" in first

    def shown(page: str) -> list[str]:
        return re.findall(r'<a href="/dispatch/\d+">(\d{4}-\d\d-\d\d)</a>', page)

    assert shown(first) == [d.isoformat() for d in dates[:30]]
    assert 'href="/dispatch?page=2"' in first
    second = client.get("/dispatch?page=2").get_data(as_text=True)
    assert shown(second) == [d.isoformat() for d in dates[30:]]  # the oldest are still there
    assert shown(client.get("/dispatch?page=99").get_data(as_text=True)) == shown(second)  # clamped


def test_a_bad_date_keeps_the_form_and_changes_nothing(world, login_as, at_0615):
    client = login_as(world.office)
    response = client.post("/dispatch", data={"as_of": "2026-06-30", "session_id": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "通报日期不能晚于今天" in page and 'value="2026-06-30"' in page
    response = client.post("/dispatch", data={"as_of": "不是日期"})
    assert response.status_code == 422 and "不是日期" in response.get_data(as_text=True)
    assert DispatchReport.select().count() == 0


def test_leaders_read_but_do_not_generate(world, login_as, at_0615):
    report = dispatch.generate_report(D(2026, 6, 15), actor=world.office, announce=False)
    client = login_as(world.leader)
    page = client.get("/dispatch").get_data(as_text=True)
    assert "立即生成" not in page and f"/dispatch/{report.id}" in page
    assert client.get(f"/dispatch/{report.id}").status_code == 200
    assert client.post("/dispatch", data={"as_of": "2026-06-15"}).status_code == 403
    assert DispatchReport.select().count() == 1


def test_units_may_not_read_reports(world, login_as, at_0615):
    report = dispatch.generate_report(D(2026, 6, 15), actor=world.office, announce=False)
    client = login_as(world.handler)
    assert client.get(f"/dispatch/{report.id}").status_code == 404
    assert client.get(f"/dispatch/{report.id}.xlsx").status_code == 404
    assert client.get("/dispatch").status_code == 403
    assert login_as(world.office).get("/dispatch/9999").status_code == 404


def test_docx_lists_the_overdue_items_and_the_plain_rendering_works_too(world, at_0615):
    import docx

    report = dispatch.generate_report(D(2026, 6, 15), actor=world.office, session_id=world.session.id)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(dispatch.to_docx(report))).paragraphs)
    assert "超期件清单（2 件）" in text
    assert "3号《关于第3号事项的建议》（市十七届人大四次会议），市住房和城乡建设局（独办），答复期限 2026-06-01，超期 14 天，已签发红单。" in text
    plain = docx.Document(io.BytesIO(dispatch._docx(report)))  # without the documents module
    cells = "\n".join(c.text for t in plain.tables for row in t.rows for c in row.cells)
    assert "市教育局" in cells and "会办意见" in cells


def test_the_weekly_report_reminds_units_of_their_office_supervised_items(world, f):
    """DOMAIN §4: 政府办督办件 get weekly dispatch reminders: once a week, with the report, each
    unit still owing something on one hears which and how late; department items do not."""
    from tracker.core.enums import Tier

    unit = f.unit("市水务局")
    handler = f.user(Role.UNIT_HANDLER, unit)
    with time_machine.travel(NOON_0615, tick=False):
        supervised = f.item(session=world.session, number="S1", title="关于整治城区积水点的建议",
                            tier=Tier.OFFICE_SUPERVISED.value)
        f.assign(supervised, unit, role="sole", handler=handler, assigned_on=D(2026, 3, 2))  # due 06-02
        department = f.item(session=world.session, number="S2", title="关于增设公交站台的建议")
        f.assign(department, unit, role="sole", handler=handler, assigned_on=D(2026, 3, 2))

    def reminders(user):
        return list(Notification.select().where((Notification.user == user.id)
                                                & Notification.title.startswith("督办件周调度提醒")))

    with time_machine.travel(_at("2026-06-15T09:00"), tick=False):
        assert dispatch.generate_weekly(_at("2026-06-15T09:00")) is not None
        [note] = reminders(handler)
        assert "尚有 1 件未办结，其中超期 1 件" in note.body
        assert "S1号 关于整治城区积水点的建议（答复期限 2026-06-02，已超期 13 天）" in note.body
        assert "S2号" not in note.body
        dispatch.generate_weekly(_at("2026-06-15T10:00"))  # the same week: nothing more
        dispatch.generate_report(D(2026, 6, 15), actor=world.office)  # a manual regeneration: no reminder
        assert len(reminders(handler)) == 1
    assert not reminders(world.handler)  # a unit with no office-supervised item
