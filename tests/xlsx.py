"""An .xlsx import list in memory, as the tests hand it to the import."""

from __future__ import annotations

import io

import openpyxl


def sheet_bytes(rows: list[list]) -> bytes:
    """The rows as they are, from the first row of the sheet (a list with its own header rows,
    notes below the data …)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(rows: list[list], header: list[str], *, title: str | None = None,
               caption: str | None = None) -> bytes:
    """The rows under the header; with ``title``, a merged title row and a blank row above it
    (as the lists offices receive often have); with ``caption``, one plain line right above it."""
    book = openpyxl.Workbook()
    sheet = book.active
    if caption:
        sheet.append([caption])
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
