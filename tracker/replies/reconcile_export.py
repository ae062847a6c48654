"""A session's close-out standing as an Excel workbook (.xlsx): every open item, whether it may
close, and if not, what holds it back, so the office can hand the list to the units."""

from __future__ import annotations

import io

import xlsxwriter

from tracker.core.enums import ItemStatus, label
from tracker.core.excel import write_cell
from tracker.replies.checklist import BLOCKERS
from tracker.replies.closeout import SessionOverview

HEADERS = [("案号", 10), ("标题", 44), ("状态", 12), ("可否销号", 10), ("原因类别", 22), ("未满足的条件", 70)]


def _status(value: str) -> str:
    try:
        return label(ItemStatus(value))
    except ValueError:
        return value


def workbook(session_name: str, overview: SessionOverview) -> bytes:
    """One sheet: the not-closable items first (by number), then the closable ones."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("销号情况")
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#9E1B1B", "font_color": "#FFFFFF", "border": 1,
                            "valign": "vcenter"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    top = book.add_format({"valign": "top"})
    sheet.write_string(0, 0, f"{session_name} 销号情况（尚不能销号 {len(overview.not_closable)} 件，"
                             f"可以销号 {len(overview.closable)} 件，已销号 {overview.closed} 件）", title)
    for col, (name, width) in enumerate(HEADERS):
        sheet.set_column(col, col, width)
        sheet.write_string(1, col, name, head)
    sheet.freeze_panes(2, 0)
    row = 2
    for n in overview.not_closable:
        values = [n.item.number, n.item.title, _status(n.item.status), "否",
                  "、".join(BLOCKERS[k] for k in n.kinds), "\n".join(n.conditions)]
        for col, value in enumerate(values):
            write_cell(sheet, row, col, value, wrap if col in (1, 5) else top)
        row += 1
    for item in overview.closable:
        for col, value in enumerate([item.number, item.title, _status(item.status), "是", "", ""]):
            write_cell(sheet, row, col, value, wrap if col == 1 else top)
        row += 1
    sheet.autofilter(1, 0, max(1, row - 1), len(HEADERS) - 1)
    book.close()
    return buffer.getvalue()
