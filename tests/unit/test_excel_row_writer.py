"""RowWriter (tracker.core.excel) writes exactly the cells write_cell writes."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import xlsxwriter

from tracker.core.excel import MAX_CELL_CHARS, RowWriter, write_cell

KINDS = ["text", "date", "int", "percent", "text", "date", "int"]
ROWS = [
    ["标题", dt.date(2026, 3, 2), 3, 0.5, "=1+1", dt.date(1900, 3, 1), 0],
    ["", None, None, None, None, "", ""],
    ["+86 138", dt.date(1900, 1, 15), True, 1, "-3", dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC), 2.5],
    ["@SUM(A1)", "2026-03-02", "7", None, "\tx", dt.date(9999, 12, 31), -4],
    ["x" * (MAX_CELL_CHARS + 10), dt.datetime(2026, 3, 2, 8, 0), 10**6, 0.25, 12, dt.date(2026, 7, 1), False],
    ["  spaced  ", dt.date(2026, 12, 31), 1, None, "关于=的建议", None, None],
]


def _sheet_xml(write_rows) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "default_date_format": "yyyy-mm-dd"})
    formats = [book.add_format({"num_format": "yyyy-mm-dd"} if kind == "date" else {"bold": col % 2 == 0})
               for col, kind in enumerate(KINDS)]
    sheet = book.add_worksheet("s")
    write_rows(sheet, formats)
    book.close()
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue())).read("xl/worksheets/sheet1.xml")


def test_row_writer_writes_the_cells_of_write_cell():
    def by_write_cell(sheet, formats):
        for r, values in enumerate(ROWS, start=1):
            for c, value in enumerate(values):
                write_cell(sheet, r, c, value, formats[c], date_format=formats[c], number_format=formats[c])

    def by_row_writer(sheet, formats):
        writer = RowWriter(sheet, KINDS)
        for r, values in enumerate(ROWS, start=1):
            writer.write(r, values, formats)

    expected = _sheet_xml(by_write_cell)
    assert b"'=1+1" in expected and b"<f>" not in expected  # neutralised text, no formula
    assert _sheet_xml(by_row_writer) == expected
