"""The ledger rows (DOMAIN.md §11) and the .xlsx export, opened again with openpyxl."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from playhouse.test_utils import count_queries

from tests.ledger_data import EXPECTED_FULL_ROW, TODAY, handled_item, owing_item
from tracker.core.excel import safe_text
from tracker.ledger import export
from tracker.ledger import rows as ledger_rows
from tracker.ledger.rows import LedgerFilters


def _rows(filters: LedgerFilters, today: dt.date = TODAY) -> list[dict]:
    return list(ledger_rows.iter_rows(filters, today=today))


def test_columns_are_domain_columns_in_order():
    assert ledger_rows.HEADERS == [
        "序号", "类别", "会次", "案号", "标题", "领衔人", "附议人数", "内容分类", "重点/性质", "分级",
        "领办(督办)领导", "办理方式", "主办单位", "会办单位", "分管领导", "经办人", "联系电话", "交办日期",
        "签收日期", "申退情况", "会办意见要求/实际日期", "答复期限", "延期至", "沟通情况(方式、日期)", "答复日期",
        "文号", "分类标识", "采纳情况", "承诺事项及时限", "满意度(工作)", "满意度(结果)", "重办情况", "公开情况",
        "落实进展", "销号情况及日期", "备注",
    ]


def test_every_column_of_a_fully_handled_item(f):
    h = handled_item()
    [row] = _rows(LedgerFilters(session_id=h.session.id))
    expected = dict(EXPECTED_FULL_ROW)
    expected["reply_due"] = h.lead.reply_due
    expected["co_opinions"] = expected["co_opinions"].format(co_due=h.co.co_opinion_due.isoformat())
    assert {k: row[k] for k in ledger_rows.KEYS} == expected
    assert row["_item_id"] == h.item.id
    assert row["_flag"] is None  # replied, opinion in, the commitment is due in December


def test_flags_overdue_and_due_soon_rows(f):
    session = f.session()
    unit = f.unit()
    late = owing_item(session, unit, number="1", reply_due=TODAY - dt.timedelta(days=1))
    soon = owing_item(session, unit, number="2", reply_due=TODAY + dt.timedelta(days=7))
    later = owing_item(session, unit, number="3", reply_due=TODAY + dt.timedelta(days=8))
    flags = {r["number"]: r["_flag"] for r in _rows(LedgerFilters(session_id=session.id))}
    assert flags == {late.number: "overdue", soon.number: "due_soon", later.number: None}
    assert ledger_rows.row_flag([TODAY], [], TODAY) == "due_soon"
    assert ledger_rows.row_flag([], [], TODAY, [TODAY - dt.timedelta(days=1)]) == "overdue"
    assert ledger_rows.row_flag([], [], TODAY, [TODAY + dt.timedelta(days=1)]) is None
    assert ledger_rows.row_flag([], [TODAY - dt.timedelta(days=3)], TODAY) == "overdue"


def test_an_assignment_not_signed_for_after_its_receipt_date_is_red(f):
    from tracker.assignments.models import Assignment

    session = f.session()
    item = owing_item(session, f.unit(), number="1", reply_due=TODAY + dt.timedelta(days=60))
    a = item.assignments.get()
    Assignment.update(status="pending_receipt", receipt_due=TODAY - dt.timedelta(days=1)).where(
        Assignment.id == a.id).execute()
    assert _rows(LedgerFilters(session_id=session.id))[0]["_flag"] == "overdue"
    Assignment.update(receipt_due=TODAY + dt.timedelta(days=1)).where(Assignment.id == a.id).execute()
    assert _rows(LedgerFilters(session_id=session.id))[0]["_flag"] is None


def test_an_overdue_open_commitment_makes_the_row_red(f):
    h = handled_item()
    rows = _rows(LedgerFilters(session_id=h.session.id), today=dt.date(2027, 1, 4))
    assert rows[0]["_flag"] == "overdue"


def test_filters_sort_and_pagination(f):
    session = f.session()
    unit_a, unit_b = f.unit(), f.unit()
    for n in ("10", "2", "1"):
        owing_item(session, unit_a, number=n, reply_due=TODAY + dt.timedelta(days=30))
    owing_item(session, unit_b, number="3", reply_due=TODAY + dt.timedelta(days=1))
    f.item(session=session, number="4", kind="suggestion")  # registered, not assigned
    numbers = [r["number"] for r in _rows(LedgerFilters(session_id=session.id))]
    assert numbers == ["1", "2", "3", "4", "10"]  # natural order, not "1, 10, 2"
    assert [r["seq"] for r in _rows(LedgerFilters(session_id=session.id))] == [1, 2, 3, 4, 5]
    assert [r["number"] for r in _rows(LedgerFilters(session_id=session.id, sort="-number"))][0] == "10"
    assert [r["number"] for r in _rows(LedgerFilters(session_id=session.id, sort="due"))][0] == "3"
    assert [r["number"] for r in _rows(LedgerFilters(session_id=session.id, unit_id=unit_b.id))] == ["3"]
    assert [r["number"] for r in _rows(LedgerFilters(session_id=session.id, status="registered"))] == ["4"]
    page2 = list(ledger_rows.iter_rows(LedgerFilters(session_id=session.id), today=TODAY, start=2, limit=2,
                                       batch_size=1))
    assert [(r["seq"], r["number"]) for r in page2] == [(3, "3"), (4, "4")]
    assert ledger_rows.count(LedgerFilters(session_id=session.id, unit_id=unit_a.id), TODAY) == 3


def test_rows_are_loaded_with_a_fixed_number_of_queries(f):
    """No N+1: the queries for one batch do not grow with the number of items."""
    session = f.session()
    unit = f.unit()
    for n in range(3):
        owing_item(session, unit, number=str(n + 1), reply_due=TODAY)
    with count_queries() as few:
        assert len(_rows(LedgerFilters(session_id=session.id))) == 3
    for n in range(3, 15):
        owing_item(session, unit, number=str(n + 1), reply_due=TODAY)
    with count_queries() as many:
        assert len(_rows(LedgerFilters(session_id=session.id))) == 15
    assert many.count == few.count
    assert few.count <= 12


def test_safe_text_neutralises_formulas():
    assert safe_text("=1+1") == "'=1+1"
    assert safe_text("+86 138") == "'+86 138"
    assert safe_text("-3") == "'-3"
    assert safe_text("@SUM(A1)") == "'@SUM(A1)"
    assert safe_text("\tx") == "'\tx"
    assert safe_text("\rx") == "'\rx"
    assert safe_text("关于=的建议") == "关于=的建议"
    assert safe_text(None) == ""


def _workbook(filters: LedgerFilters, today: dt.date = TODAY) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    export.write_ledger(buffer, filters, today=today)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def _fill(cell) -> str:
    return (cell.fill.fgColor.rgb or "") if cell.fill and cell.fill.fill_type == "solid" else ""


def test_export_opens_with_openpyxl_with_headers_types_colours_and_panes(f):
    h = handled_item()
    unit = f.unit()
    owing_item(h.session, unit, number="20", reply_due=TODAY - dt.timedelta(days=5), title="=1+1")
    owing_item(h.session, unit, number="21", reply_due=TODAY + dt.timedelta(days=3))
    book = _workbook(LedgerFilters(session_id=h.session.id))
    assert book.sheetnames == ["台账", "会办情况", "调度情况"]
    sheet = book["台账"]
    assert [c.value for c in sheet[1]] == ledger_rows.HEADERS
    assert sheet.freeze_panes == "F2"  # header row and the first five columns
    assert sheet.auto_filter.ref == "A1:AJ4"
    col = {header: i + 1 for i, header in enumerate(ledger_rows.HEADERS)}
    full, overdue, soon = 2, 3, 4
    assert sheet.cell(full, col["案号"]).value == "12"
    assigned = sheet.cell(full, col["交办日期"])
    assert isinstance(assigned.value, dt.datetime) and assigned.value.date() == dt.date(2026, 3, 2)
    assert assigned.is_date and assigned.number_format == "yyyy-mm-dd"
    assert sheet.cell(full, col["答复日期"]).value.date() == dt.date(2026, 6, 15)
    assert sheet.cell(full, col["附议人数"]).value == 2
    assert _fill(sheet.cell(full, col["标题"])) == ""
    title = sheet.cell(overdue, col["标题"])
    assert title.value == "'=1+1" and title.data_type == "s"  # stays text, never a formula
    assert _fill(title) == "FFFFC7CE"  # red
    assert _fill(sheet.cell(overdue, col["交办日期"])) == "FFFFC7CE"
    assert _fill(sheet.cell(soon, col["案号"])) == "FFFFEB9C"  # amber
    assert sheet.column_dimensions["E"].width > 30  # the title column is wide


def test_export_co_handling_and_dispatch_sheets(f):
    h = handled_item()
    book = _workbook(LedgerFilters(session_id=h.session.id))
    co = book["会办情况"]
    assert [c.value for c in co[1]] == [header for _, header, _ in ledger_rows.CO_COLUMNS]
    values = [c.value for c in co[2]]
    assert values[1:5] == ["12", "关于发展社区嵌入式养老服务的建议", "市民政局", "市商务局"]
    assert values[5].date() == h.co.co_opinion_due and values[6].date() == dt.date(2026, 3, 20)
    assert values[7] == "按时"
    assert values[8] == "建议在商业综合体中配建养老服务设施。 同意主办单位意见。"
    dispatch = book["调度情况"]
    header = [c.value for c in dispatch[1]]
    assert header[:5] == ["承办单位", "应办件数（主办/独办/分办）", "已签收", "已答复", "超期未答复"]  # DOMAIN §8
    assert "蓝单" not in header  # no slips issued: no slip columns
    rows = {r[0].value: [c.value for c in r] for r in dispatch.iter_rows(min_row=2)}
    assert rows["市民政局"][1:5] == [1, 1, 1, 0]
    assert rows["市民政局"][-1] == 1  # reply rate 100 %
    assert rows["市商务局"][1] == 0 and rows["市商务局"][5:7] == [1, 1]  # co: assigned, opinion in
    assert rows["市商务局"][-1] is None  # no answering items: no rate


def test_dispatch_sheet_counts_slips_by_colour(f):
    from tracker.reminders.models import Slip

    session = f.session()
    unit = f.unit("市交通运输局")
    item = owing_item(session, unit, number="5", reply_due=TODAY - dt.timedelta(days=12))
    a = item.assignments.get()
    for color in ("blue", "orange", "red"):
        Slip.create(assignment=a, color=color, issued_on=TODAY, issued_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
                    key=f"k-{color}")
    snap = ledger_rows.dispatch_snapshot(LedgerFilters(session_id=session.id), today=TODAY)
    assert snap["has_slips"]
    [row] = snap["rows"]
    assert (row["assigned"], row["overdue"], row["slip_blue"], row["slip_orange"], row["slip_red"]) == (1, 1, 1, 1, 1)
    assert row["reply_rate"] == 0
    book = _workbook(LedgerFilters(session_id=session.id))
    header = [c.value for c in book["调度情况"][1]]
    assert header[-1] == "办复率"
    assert header.index("蓝单") < header.index("橙单") < header.index("红单") < header.index("办复率")


def test_cli_export_writes_the_workbook(f, runner, tmp_path):
    h = handled_item()
    target = tmp_path / "ledger.xlsx"
    result = runner.invoke(args=["ledger", "export", "--session", str(h.session.id), "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "已导出台账 1 行" in result.output
    book = openpyxl.load_workbook(target)
    assert book["台账"]["D2"].value == "12"


@pytest.mark.parametrize("args, message", [
    (["--session", "999", "--output", "x.xlsx"], "会次 999 不存在"),
    (["--output", "x.csv"], "输出文件须以 .xlsx 结尾"),
])
def test_cli_export_refuses_bad_arguments(f, runner, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["ledger", "export", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_export_memory_stays_flat(f, tmp_path):
    """Peak Python memory while exporting 1,500 rows is about that of 600 rows (rows stream in
    batches of 500; the workbook streams to disk)."""
    import tracemalloc

    from tracker.core import clock
    from tracker.items.models import Item

    session = f.session()
    office = f.office()
    now = clock.now()

    def add(start: int, count: int) -> None:
        Item.insert_many([{"kind": "suggestion", "session": session.id, "number": str(n), "title": f"标题{n}" * 5,
                           "content": "", "registered_at": now, "updated_at": now, "registered_by": office.id}
                          for n in range(start, start + count)]).execute()

    def peak() -> int:
        tracemalloc.start()
        export.write_ledger(tmp_path / "out.xlsx", LedgerFilters(session_id=session.id), today=TODAY)
        value = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return value

    add(1, 600)
    small = peak()
    add(601, 900)
    large = peak()
    assert large < small * 1.25, (small, large)


def test_the_dispatch_sheet_counts_as_the_statistics_do(f):
    """调度情况 and the statistics page give a unit the same numbers: a withdrawn item's part (ended
    'done') is not an answer, and a part being re-handled after a reply is still replied."""
    from tests import stats_builders as sb
    from tracker.core.enums import ItemStatus
    from tracker.ledger import stats
    from tracker.ledger.stats_queries import StatsFilter, load_facts

    session = f.session()
    unit = f.unit("市水务局")
    day = TODAY - dt.timedelta(days=60)
    rehandled = sb.assignment(sb.item(session, "1"), unit, assigned_on=day, reply_due=day + dt.timedelta(days=30),
                              rehandle_due=TODAY + dt.timedelta(days=20), status="rehandling")
    sb.reply(rehandled, day + dt.timedelta(days=20), status="rehandling")
    withdrawn = sb.item(session, "2")
    sb.assignment(withdrawn, unit, assigned_on=day, reply_due=day + dt.timedelta(days=30), status="done")
    sb.set_item_status(withdrawn, ItemStatus.WITHDRAWN)
    sb.assignment(sb.item(session, "3"), unit, assigned_on=day, reply_due=TODAY - dt.timedelta(days=5))  # overdue

    [row] = ledger_rows.dispatch_snapshot(LedgerFilters(session_id=session.id), today=TODAY)["rows"]
    [by_stats] = stats.by_unit(load_facts(StatsFilter(session_id=session.id)), TODAY)
    assert (row["assigned"], row["received"], row["replied"], row["overdue"]) == (2, 2, 1, 1)
    for key in ("assigned", "received", "replied", "overdue", "co_assigned"):
        assert row[key] == by_stats[key], key
    assert row["reply_rate"] == by_stats["reply_rate"] == 0.5


def test_the_dispatch_sheet_agrees_with_the_statistics_on_the_fixture_session(f):
    """On the hand-built statistics session (every edge of DOMAIN §8) the sheet's lean facts
    (no contacts, forms or commitments) give each unit the same figures as the statistics."""
    from tests.stats_builders import build_fixture_session
    from tracker.ledger import stats
    from tracker.ledger.stats_queries import StatsFilter, load_facts

    with time_machine.travel(dt.datetime(2026, 6, 15, 4, tzinfo=dt.UTC), tick=False):
        ns = build_fixture_session()
        today = dt.date(2026, 6, 15)
        sheet = {r["unit"]: r for r in ledger_rows.dispatch_snapshot(LedgerFilters(session_id=ns.session.id),
                                                                     today=today)["rows"]}
        figures = {u["unit_name"]: u for u in stats.by_unit(load_facts(StatsFilter(session_id=ns.session.id)), today)}
    assert set(sheet) == {name for name, u in figures.items() if u["assigned"] or u["co_assigned"]}
    for name, row in sheet.items():
        u = figures[name]
        assert (row["assigned"], row["received"], row["replied"], row["overdue"], row["co_assigned"],
                row["co_done"], row["reply_rate"]) == (u["assigned"], u["received"], u["replied"], u["overdue"],
                                                      u["co_assigned"], u["co_submitted"], u["reply_rate"]), name


def test_the_dispatch_sheet_adds_up_its_batches(f, monkeypatch):
    """The sheet counts the facts of one batch of items at a time (memory stays flat): batches of
    one item give the same figures as one batch of all."""
    from tests.stats_builders import build_fixture_session

    with time_machine.travel(dt.datetime(2026, 6, 15, 4, tzinfo=dt.UTC), tick=False):
        ns = build_fixture_session()
        flt = LedgerFilters(session_id=ns.session.id)
        whole = ledger_rows.dispatch_snapshot(flt, today=dt.date(2026, 6, 15))
        monkeypatch.setattr(ledger_rows, "DISPATCH_BATCH", 1)
        assert ledger_rows.dispatch_snapshot(flt, today=dt.date(2026, 6, 15)) == whole
    assert whole["has_slips"] and len(whole["rows"]) >= 3


def test_the_rehandling_column_tells_what_became_of_a_dissatisfaction(f):
    """重办情况: the office's decision after 不满意 (awaited, not to re-handle and why, or the round
    re-handled with its date), and the re-handled round's new reply once it is sent."""
    from tests.closeout_support import replied_item, send_reply
    from tracker.replies import closeout

    bad = {"work": "satisfied", "result": "dissatisfied", "adoption": "not_adopted", "comment": "没有解决"}
    session = f.session()
    waiting = replied_item(names=("甲代表",), unit_name="市水务局", session=session, number="1")
    closeout.give_feedback(waiting.item, actor=waiting.people["甲代表"][1], **bad)
    decided = replied_item(names=("乙代表",), unit_name="市教育局", session=session, number="2")
    fb = closeout.give_feedback(decided.item, actor=decided.people["乙代表"][1], **bad)
    closeout.resolve_dissatisfaction(fb, actor=decided.office, reason="受国家政策限制，已当面说明")
    again = replied_item(names=("丙代表",), unit_name="市民政局", session=session, number="3")
    closeout.give_feedback(again.item, actor=again.people["丙代表"][1], **bad)
    closeout.order_rehandling(again.item, actor=again.office, reason="请进一步落实")
    due = again.a().rehandle_due.isoformat()
    column = {r["number"]: r["rehandling"] for r in _rows(LedgerFilters(session_id=session.id))}
    assert column == {"1": "不满意，待交办单位决定是否重新办理",
                      "2": "不满意，交办单位决定不重新办理：受国家政策限制，已当面说明",
                      "3": f"第 2 轮重新办理，期限 {due}"}
    send_reply(again.a(), sent_on=TODAY)
    column = {r["number"]: r["rehandling"] for r in _rows(LedgerFilters(session_id=session.id))}
    assert column["3"] == f"第 2 轮重新办理，期限 {due}，已于 {TODAY.isoformat()} 重新答复"
