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


# Excel's serial date numbers (1900 date system) count days from day 0 = 1899-12-31 and
# include a 29 February 1900 that never was: from 1 March 1900 on, the serial of a date is its
# distance from 1899-12-30 (earlier dates are left to write_datetime).
_SERIAL_ORIGIN = dt.date(1899, 12, 30).toordinal()
_FIRST_PLAIN_DAY = dt.date(1900, 3, 1)


class RowWriter:
    """Writes rows whose columns have a declared kind ("text", "date", "int"; anything else is
    left to :func:`write_cell`) into an xlsxwriter worksheet: the same cells as
    :func:`write_cell` with one format per cell (text neutralised, never a formula; dates as
    date cells), but the type of each value is checked against its column's kind instead of
    going through every type in turn, and the worksheet's undecorated writers are called (the
    public ones first check for "A1" notation) — for exports of hundreds of thousands of cells.
    A value of an unexpected type goes through :func:`write_cell`."""

    def __init__(self, worksheet: Any, kinds: list[str]) -> None:
        self.worksheet = worksheet
        self.kinds = [kind if kind in ("text", "date", "int") else "other" for kind in kinds]
        self._string = getattr(worksheet, "_write_string", worksheet.write_string)
        self._number = getattr(worksheet, "_write_number", worksheet.write_number)
        self._blank = getattr(worksheet, "_write_blank", worksheet.write_blank)
        self._serial_dates = not getattr(worksheet, "date_1904", False)

    def write(self, row: int, values: list[Any], formats: list[Any]) -> None:
        """Write ``values`` (one per column) in row ``row``, each with its column's format."""
        string, number, blank, serial_dates = self._string, self._number, self._blank, self._serial_dates
        for col, (kind, value, fmt) in enumerate(zip(self.kinds, values, formats, strict=True)):
            cls = value.__class__
            if value is None:
                blank(row, col, None, fmt)
            elif kind == "text" and cls is str:
                if not value:
                    blank(row, col, None, fmt)
                elif value.startswith(FORMULA_TRIGGERS) or len(value) > MAX_CELL_CHARS:
                    string(row, col, safe_text(value), fmt)
                else:
                    string(row, col, value, fmt)
            elif kind == "date" and cls is dt.date and serial_dates and value >= _FIRST_PLAIN_DAY and fmt is not None:
                # what write_datetime stores for the date's midnight: its serial day number
                number(row, col, float(value.toordinal() - _SERIAL_ORIGIN), fmt)
            elif kind == "int" and cls is int:
                number(row, col, value, fmt)
            else:
                write_cell(self.worksheet, row, col, value, fmt, fmt, fmt)
