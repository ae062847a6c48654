"""The overdue / due-soon list as an Excel workbook (.xlsx): Chinese headers, date cells,
overdue rows red, due-soon rows amber, frozen header."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter

from tracker.core.enums import HandlingRole, SlipColor, Tier, label
from tracker.core.excel import write_cell
from tracker.reminders.queries import OverdueRow

HEADERS = [
    ("序号", 6),
    ("案号", 10),
    ("标题", 40),
    ("会次", 24),
    ("事项", 10),
    ("承办单位", 22),
    ("承办方式", 9),
    ("办理层级", 12),
    ("领办领导", 10),
    ("经办人", 10),
    ("联系电话", 14),
    ("期限", 12),
    ("原期限", 12),
    ("超期天数", 9),
    ("剩余天数", 9),
    ("蓝单", 6),
    ("橙单", 6),
    ("红单", 6),
    ("催办", 6),
    ("承诺事项", 30),
]


def _label(value: str, enum) -> str:
    try:
        return label(enum(value))
    except ValueError:
        return value


def workbook(rows: list[OverdueRow], *, today: dt.date, due_soon: bool) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    title = "即将到期" if due_soon else "超期清单"
    sheet = book.add_worksheet(title)
    head = book.add_format(
        {
            "bold": True,
            "bg_color": "#9E1B1B",
            "font_color": "#FFFFFF",
            "border": 1,
            "text_wrap": True,
            "valign": "vcenter",
        }
    )
    tint = "#FFF3CD" if due_soon else "#F8D7DA"
    text = book.add_format({"border": 1, "bg_color": tint, "text_wrap": True, "valign": "top"})
    number = book.add_format({"border": 1, "bg_color": tint, "valign": "top"})
    date = book.add_format({"border": 1, "bg_color": tint, "num_format": "yyyy-mm-dd", "valign": "top"})
    heading = book.add_format({"bold": True, "font_size": 14})
    sheet.write(0, 0, f"{title}（统计日期 {today.isoformat()}，共 {len(rows)} 项）", heading)
    for col, (name, width) in enumerate(HEADERS):
        sheet.write(1, col, name, head)
        sheet.set_column(col, col, width)
    for i, r in enumerate(rows, start=1):
        line = i + 1
        values = [
            (i, number),
            (r.number, text),
            (r.title, text),
            (r.session_name, text),
            (r.act_label, text),
            (r.unit_name, text),
            (_label(r.role, HandlingRole), text),
            (_label(r.tier, Tier), text),
            (r.leader, text),
            (r.handler, text),
            (r.handler_phone, text),
        ]
        for col, (value, fmt) in enumerate(values):
            write_cell(sheet, line, col, value, fmt)  # text never becomes a formula
        sheet.write_datetime(line, 11, dt.datetime.combine(r.due_on, dt.time()), date)
        if r.original_due:
            sheet.write_datetime(line, 12, dt.datetime.combine(r.original_due, dt.time()), date)
        else:
            sheet.write_blank(line, 12, None, text)
        sheet.write_number(line, 13, r.days_overdue, number)
        sheet.write_number(line, 14, r.days_left if due_soon else 0, number)
        for col, color in enumerate(
            (SlipColor.BLUE, SlipColor.ORANGE, SlipColor.RED, SlipColor.URGE), start=15
        ):
            sheet.write_number(line, col, r.slips.get(color.value, 0), number)
        write_cell(sheet, line, 19, r.commitment_text, text)
    sheet.freeze_panes(2, 3)
    if rows:
        sheet.autofilter(1, 0, len(rows) + 1, len(HEADERS) - 1)
    book.close()
    return buffer.getvalue()
