"""The assessment of a session as .xlsx: unit ranking, per-item details, adjustments."""

from __future__ import annotations

import io
from typing import Any

from tracker.assessment.scoring import fmt
from tracker.core.enums import HandlingRole, label


def _role(role: str) -> str:
    try:
        return label(HandlingRole(role))
    except ValueError:
        return role


def assessment_xlsx(result: Any) -> bytes:
    import xlsxwriter

    from tracker.core.excel import safe_text, write_cell

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    title_fmt = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True,
                            "valign": "vcenter"})
    cell = book.add_format({"border": 1, "valign": "top"})
    wrap = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    date_fmt = book.add_format({"border": 1, "num_format": "yyyy-mm-dd"})
    num = book.add_format({"border": 1, "num_format": "0.00"})

    sheet = book.add_worksheet("单位排名")
    sheet.write_string(0, 0, safe_text(f"{result.label} 建议提案办理考核结果（截至 {result.today.isoformat()}）"),
                       title_fmt)
    headers = ["排名", "承办单位", "计分件数", "件均得分", "组织工作加分", "扣分", "红单张数", "红单扣分", "总分", "计算说明"]
    for col, text in enumerate(headers):
        sheet.write_string(2, col, text, head)
    for r, u in enumerate(result.units, start=3):
        values = [u.rank if u.rank is not None else "", u.unit_name, len(u.scored_items), u.item_mean,
                  u.organisational, u.deductions, u.red_slips, u.red_slip_deduction, u.total, u.explanation]
        for col, value in enumerate(values):
            write_cell(sheet, r, col, value, wrap if col == 9 else (num if isinstance(value, float) else cell),
                       date_fmt, num if isinstance(value, float) else None)
    sheet.freeze_panes(3, 2)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 28)
    sheet.set_column(2, 8, 11)
    sheet.set_column(9, 9, 60)

    sheet = book.add_worksheet("逐件得分")
    headers = ["承办单位", "案号", "标题", "承办方式", "考核办法", "指标", "权重", "得分", "依据", "本件得分（百分制）"]
    for col, text in enumerate(headers):
        sheet.write_string(0, col, text, head)
    r = 1
    for u in result.units:
        for item in u.items:
            f = item.facts
            for c in item.criteria:
                values = [u.unit_name, f.item_number, f.item_title, _role(f.role), item.scorecard, c.label,
                          c.weight, "待评" if c.points is None else c.points, c.explanation,
                          "" if item.score is None else item.score]
                for col, value in enumerate(values):
                    write_cell(sheet, r, col, value, wrap if col in (2, 8) else cell, date_fmt,
                               num if isinstance(value, float) else None)
                r += 1
    sheet.freeze_panes(1, 3)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 2, 36)
    sheet.set_column(3, 7, 10)
    sheet.set_column(8, 8, 70)
    sheet.set_column(9, 9, 12)

    sheet = book.add_worksheet("加减分")
    headers = ["承办单位", "类型", "分值", "事由", "登记人", "日期"]
    for col, text in enumerate(headers):
        sheet.write_string(0, col, text, head)
    r = 1
    for u in result.units:
        for a in u.adjustments:
            values = [u.unit_name, "组织工作加分" if a.kind == "organisational" else "扣分",
                      ("+" if a.kind == "organisational" else "−") + fmt(a.points), a.reason, a.by, a.on]
            for col, value in enumerate(values):
                write_cell(sheet, r, col, value, wrap if col == 3 else cell, date_fmt)
            r += 1
        if u.red_slips:
            values = [u.unit_name, "红单扣分", "−" + fmt(u.red_slip_deduction),
                      f"红单 {u.red_slips} 张 × {fmt(u.red_slip_points)} 分", "系统", None]
            for col, value in enumerate(values):
                write_cell(sheet, r, col, value, cell, date_fmt)
            r += 1
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 2, 12)
    sheet.set_column(3, 3, 50)
    sheet.set_column(4, 5, 12)
    book.close()
    return buffer.getvalue()
