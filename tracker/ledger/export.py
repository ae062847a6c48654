"""The ledger as an .xlsx workbook (DOMAIN.md §11), streamed with flat memory.

xlsxwriter in ``constant_memory`` mode writes each row to disk as soon as the next one
starts, and the rows come from :func:`tracker.ledger.rows.iter_rows`, one batch of items
at a time, so a 10,000-row export needs about as much memory as a 100-row one.

Sheets: 台账 (the §11 columns; frozen header row and first five columns, autofilter,
date cells, overdue rows red and due-soon rows amber), 会办情况 (co-handling) and 调度情况
(the per-unit dispatch snapshot). Cells go through :class:`tracker.core.excel.RowWriter`
(the cells of :func:`tracker.core.excel.write_cell`, typed per column) so that nothing a user
typed can become a formula.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, Any

import xlsxwriter

from tracker.core import clock
from tracker.core.excel import DATE_FORMAT, RowWriter
from tracker.ledger import rows as ledger_rows
from tracker.ledger.rows import LedgerFilters

SHEET_LEDGER = "台账"
SHEET_CO = "会办情况"
SHEET_DISPATCH = "调度情况"
RED = "#FFC7CE"  # Excel's own "light red fill"
AMBER = "#FFEB9C"  # Excel's own "light yellow/amber fill"
HEADER_FILL = "#DDEBF7"
FROZEN_COLUMNS = 5

WIDTHS: dict[str, float] = {
    "seq": 6, "kind": 12, "session": 24, "number": 8, "title": 42, "lead_submitter": 12,
    "co_submitter_count": 8, "category": 10, "nature": 10, "tier": 12, "leader": 12, "mode": 11,
    "lead_units": 22, "co_units": 22, "responsible_leaders": 12, "handlers": 12, "phones": 15,
    "assigned_on": 12, "received_on": 12, "returns": 26, "co_opinions": 32, "reply_due": 12,
    "extended_due": 12, "contacts": 32, "replied_on": 12, "doc_numbers": 20, "result_class": 8,
    "adoption": 12, "commitments": 40, "satisfaction_work": 14, "satisfaction_result": 14,
    "rehandling": 22, "publication": 18, "progress": 40, "closeout": 18, "note": 24,
    # co-handling and dispatch sheets
    "co_unit": 22, "opinion_due": 14, "opinion_on": 14, "on_time": 14, "summary": 50,
    "unit": 26, "assigned": 14, "received": 10, "replied": 10, "overdue": 12, "co_assigned": 10,
    "co_done": 14, "reply_rate": 10,
}


class Formats:
    """One cell format per (kind of value, row flag)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        base = {"valign": "top", "font_name": "等线", "font_size": 10}
        self.header = book.add_format({**base, "bold": True, "bg_color": HEADER_FILL, "border": 1,
                                       "text_wrap": True, "align": "center", "valign": "vcenter"})
        self.cells: dict[tuple[str, str | None], Any] = {}
        for flag, fill in ((None, None), ("overdue", RED), ("due_soon", AMBER)):
            extra = {"bg_color": fill, "pattern": 1} if fill else {}
            self.cells[("text", flag)] = book.add_format({**base, **extra})
            self.cells[("date", flag)] = book.add_format({**base, **extra, "num_format": DATE_FORMAT,
                                                          "align": "left"})
            self.cells[("int", flag)] = book.add_format({**base, **extra, "num_format": "0"})
            self.cells[("percent", flag)] = book.add_format({**base, **extra, "num_format": "0.0%"})

    def of(self, kind: str, flag: str | None) -> Any:
        return self.cells[(kind if kind in ("date", "int", "percent") else "text", flag)]


_Formats = Formats  # the former name


def _write_sheet(book: xlsxwriter.Workbook, formats: Formats, name: str,
                 columns: list[tuple[str, str, str]], rows: Any, *, frozen_cols: int = 0) -> int:
    sheet = book.add_worksheet(name)
    for col, (key, header, _kind) in enumerate(columns):
        sheet.set_column(col, col, WIDTHS.get(key, max(10, len(header) * 2)))
        sheet.write_string(0, col, header, formats.header)
    sheet.set_row(0, 30)
    sheet.freeze_panes(1, frozen_cols)
    count = 0
    keys = [key for key, _header, _kind in columns]
    writer = RowWriter(sheet, [kind for _key, _header, kind in columns])
    write = writer.write
    by_flag: dict[Any, list[Any]] = {}  # each column's format, per row flag (looked up once)
    for count, row in enumerate(rows, start=1):
        get = row.get
        flag = get("_flag")
        fmts = by_flag.get(flag)
        if fmts is None:
            fmts = by_flag[flag] = [formats.of(kind, flag) for _key, _header, kind in columns]
        write(count, list(map(get, keys)), fmts)
    sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
    return count


def write_ledger(target: str | Path | IO[bytes], filters: LedgerFilters, *,
                 today: dt.date | None = None) -> int:
    """Write the three-sheet ledger workbook to a path or a binary file; returns the number
    of ledger rows."""
    today = today or clock.today()
    book = xlsxwriter.Workbook(target if not isinstance(target, Path) else str(target),
                               {"constant_memory": True, "strings_to_formulas": False,
                                "strings_to_urls": False, "default_date_format": DATE_FORMAT})
    try:
        book.set_properties({"title": "建议提案办理台账", "subject": "台账",
                             "author": "建议提案办理系统", "created": clock.now().replace(tzinfo=None)})
        formats = Formats(book)
        count = _write_sheet(book, formats, SHEET_LEDGER, ledger_rows.COLUMNS,
                             ledger_rows.iter_rows(filters, today=today), frozen_cols=FROZEN_COLUMNS)
        _write_sheet(book, formats, SHEET_CO, ledger_rows.CO_COLUMNS,
                     ledger_rows.iter_co_rows(filters, today=today), frozen_cols=3)
        snapshot = ledger_rows.dispatch_snapshot(filters, today=today)
        _write_sheet(book, formats, SHEET_DISPATCH, snapshot["columns"], snapshot["rows"], frozen_cols=1)
    finally:
        book.close()
    return count


def filename(session_name: str | None, today: dt.date | None = None) -> str:
    today = today or clock.today()
    safe = "".join(ch for ch in (session_name or "全部会次") if ch not in '\\/:*?"<>|').strip()
    return f"台账_{safe or '全部会次'}_{today.isoformat()}.xlsx"
