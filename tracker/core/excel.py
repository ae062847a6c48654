"""Shared helpers for the .xlsx files Tracker writes (ledger, statistics, dispatch reports).

Spreadsheet programs treat a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and
some also a leading tab or carriage return) as a formula. Text that comes from users (a
title such as ``=HYPERLINK(...)``) must never become one: every exporter writes text
cells through :func:`safe_text` and ``write_string`` (xlsxwriter never evaluates what
``write_string`` writes, and the leading apostrophe keeps the text inert when the file is
re-saved as CSV or opened by another program).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracker.core import clock

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"
# Excel's own cell limit; longer text is cut with an ellipsis.
MAX_CELL_CHARS = 32767


def safe_text(value: Any) -> str:
    """Cell text that no spreadsheet program will evaluate: ``"=1+1"`` -> ``"'=1+1"``."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        text = "'" + text
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def write_cell(worksheet: Any, row: int, col: int, value: Any, text_format: Any = None,
               date_format: Any = None, number_format: Any = None) -> None:
    """Write one value with xlsxwriter by its type: dates as real date cells, numbers as
    numbers, everything else as neutralised text (never as a formula)."""
    if value is None or value == "":
        worksheet.write_blank(row, col, None, text_format)
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = clock.to_local(value)
        worksheet.write_datetime(row, col, value.replace(tzinfo=None), date_format)
    elif isinstance(value, dt.date):
        worksheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), date_format)
    elif isinstance(value, bool):
        worksheet.write_string(row, col, "是" if value else "否", text_format)
    elif isinstance(value, int | float):
        worksheet.write_number(row, col, value, number_format or text_format)
    else:
        worksheet.write_string(row, col, safe_text(value), text_format)
