"""Build the default Word templates (``tracker/documents/templates/*.docx``) with python-docx.

The generated files are committed; run this again only to change the defaults::

    .venv/bin/python -m tracker.documents.build_templates

Each template is an ordinary .docx with docxtpl (Jinja) tags, so an office may open it
in Word, restyle it (letterhead, seal position, fonts) and drop the result, under the
same file name, into ``<instance>/document_templates/``; the tags it keeps are filled in
(see the context each builder in ``tracker.documents.generate`` passes). Layout follows
the usual government letter format (GB/T 9704): A4, 仿宋 body text, 宋体 bold titles.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent / "templates"
BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
TABLE_FONT = "宋体"
RED = RGBColor(0xC0, 0x00, 0x00)


def _style_run(run, *, font: str = BODY_FONT, size: float = 16, bold: bool = False,
               color: RGBColor | None = None) -> None:
    run.font.name = font
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    r_pr = run._element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def _new_document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = Pt(28)
    return doc


def para(doc, text: str = "", *, align: str = "left", size: float = 16, bold: bool = False,
         font: str = BODY_FONT, indent: bool = False, color: RGBColor | None = None,
         space_before: float = 0, space_after: float = 0):
    """One paragraph holding ``text`` in a single run (so Jinja tags stay whole)."""
    p = doc.add_paragraph()
    p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                   "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.space_before = Pt(space_before)
    p.paragraph_format.space_after = Pt(space_after)
    if text:
        _style_run(p.add_run(text), font=font, size=size, bold=bold, color=color)
    return p


def title(doc, text: str, *, size: float = 22) -> None:
    para(doc, text, align="center", size=size, bold=True, font=TITLE_FONT, space_before=6, space_after=12)


def tag(doc, text: str) -> None:
    """A paragraph holding only a ``{%p … %}`` tag (docxtpl removes it)."""
    para(doc, text)


def paragraphs_loop(doc, name: str = "paragraphs") -> None:
    """Body text: one indented paragraph per element of ``name``."""
    tag(doc, f"{{%p for text in {name} %}}")
    para(doc, "{{ text }}", indent=True, align="justify")
    tag(doc, "{%p endfor %}")


def _cell(cell, text: str, *, bold: bool = False, size: float = 11, align: str = "left") -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER}[align]
    p.paragraph_format.line_spacing = Pt(16)
    if text:
        _style_run(p.add_run(text), font=TABLE_FONT, size=size, bold=bold)


def loop_table(doc, headers: list[str], fields: list[str], *, rows: str = "rows",
               widths: list[float] | None = None, size: float = 11):
    """A table with a header row and one row per element of ``rows`` (docxtpl ``{%tr``)."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for col, header in enumerate(headers):
        _cell(table.rows[0].cells[col], header, bold=True, size=size, align="center")
        _cell(table.rows[2].cells[col], "{{ r.%s }}" % fields[col], size=size)  # noqa: UP031
    _cell(table.rows[1].cells[0], f"{{%tr for r in {rows} %}}", size=size)
    _cell(table.rows[3].cells[0], "{%tr endfor %}", size=size)
    if widths:
        for row in table.rows:
            for col, width in enumerate(widths):
                row.cells[col].width = Cm(width)
    return table


def form_table(doc, pairs: list[tuple[str, str]], *, size: float = 12) -> None:
    """A two-column label/value table."""
    table = doc.add_table(rows=len(pairs), cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (label, value) in zip(table.rows, pairs, strict=True):
        _cell(row.cells[0], label, bold=True, size=size, align="center")
        _cell(row.cells[1], value, size=size)
        row.cells[0].width, row.cells[1].width = Cm(3.8), Cm(11.8)


def letterhead(doc, text: str = "{{ issuer }}") -> None:
    para(doc, text, align="center", size=26, bold=True, font=TITLE_FONT, color=RED, space_after=6)


def signature(doc, *lines: str) -> None:
    para(doc, "", space_before=12)
    for line in lines:
        para(doc, line, align="right")


# --- the templates ---------------------------------------------------------------------------


def assignment_notice() -> Document:
    """交办通知: a batch list of items with units and dates."""
    doc = _new_document()
    letterhead(doc)
    title(doc, "{{ title }}")
    para(doc, "{{ addressee }}：")
    paragraphs_loop(doc, "intro")
    para(doc, "")
    loop_table(doc, ["序号", "案号", "标题", "领衔人", "承办单位（方式）", "交办日期", "签收期限", "答复期限"],
               ["seq", "number", "title", "lead_submitter", "units", "assigned_on", "receipt_due", "reply_due"],
               widths=[1.1, 1.3, 4.6, 1.8, 3.2, 2.0, 2.0, 2.0], size=10.5)
    paragraphs_loop(doc, "closing")
    signature(doc, "{{ issuer }}", "{{ date }}")
    tag(doc, "{%p if contact %}")
    para(doc, "（联系人：{{ contact }}）", size=14)
    tag(doc, "{%p endif %}")
    return doc


def reply_letter() -> Document:
    """答复函: class mark top right, document number, title, addressee, body, signer, contact, copy-to."""
    doc = _new_document()
    para(doc, "{{ result_class }}", align="right", size=26, bold=True, font=TITLE_FONT)
    letterhead(doc, "{{ unit_name }}")
    tag(doc, "{%p if doc_number %}")
    para(doc, "{{ doc_number }}", align="center")
    tag(doc, "{%p endif %}")
    title(doc, "{{ title }}")
    para(doc, "{{ addressee }}：")
    paragraphs_loop(doc)
    signature(doc, "{{ unit_name }}", "签发人：{{ signer }}", "{{ date }}")
    para(doc, "")
    para(doc, "（联系人：{{ contact_name }}　联系电话：{{ contact_phone }}）", size=14)
    tag(doc, "{%p if copy_to %}")
    para(doc, "抄送：{{ copy_to }}。", size=14, space_before=12)
    tag(doc, "{%p endif %}")
    return doc


def co_opinion_letter() -> Document:
    """会办意见函: a co unit's opinion to the lead unit."""
    doc = _new_document()
    letterhead(doc, "{{ unit_name }}")
    title(doc, "{{ title }}")
    para(doc, "{{ lead_unit }}：")
    para(doc, "{{ intro }}", indent=True, align="justify")
    paragraphs_loop(doc)
    signature(doc, "{{ unit_name }}", "{{ date }}")
    para(doc, "")
    para(doc, "（联系人：{{ contact_name }}　联系电话：{{ contact_phone }}）", size=14)
    return doc


def feedback_form() -> Document:
    """征询意见表: the submitter rates the handling work and the result."""
    doc = _new_document()
    title(doc, "{{ title }}")
    para(doc, "{{ session_name }}", align="center", size=14, space_after=6)
    form_table(doc, [
        ("案　　号", "{{ number }}"),
        ("标　　题", "{{ item_title }}"),
        ("{{ submitter_label }}", "{{ submitter }}"),
        ("承办单位", "{{ units }}"),
        ("答复日期", "{{ replied_on }}"),
        ("分类标识", "{{ result_class }}"),
        ("对办理工作", "{{ work_boxes }}"),
        ("对办理结果", "{{ result_boxes }}"),
        ("采纳情况", "{{ adoption_boxes }}"),
        ("承办单位是否与您联系", "{{ contacted_boxes }}"),
        ("联系方式", "{{ method_boxes }}"),
        ("意见和建议", "{{ comment }}\n\n\n"),
        ("{{ submitter_label }}签名", "\n\n　　　　　　　　　　　　　　　年　　月　　日"),
    ])
    para(doc, "")
    para(doc, "{{ note }}", size=12)
    return doc


def urge_notice() -> Document:
    """催办通知."""
    doc = _new_document()
    letterhead(doc)
    title(doc, "{{ title }}")
    para(doc, "{{ unit_name }}：")
    paragraphs_loop(doc)
    signature(doc, "{{ issuer }}", "{{ date }}")
    tag(doc, "{%p if contact %}")
    para(doc, "（联系人：{{ contact }}）", size=14)
    tag(doc, "{%p endif %}")
    return doc


def supervision_notice() -> Document:
    """督办通知 (蓝单/橙单/红单): the heading is coloured by the slip's colour."""
    doc = _new_document()
    letterhead(doc)
    para(doc, "{{r heading }}", align="center", space_before=6, space_after=6)
    para(doc, "编号：{{ slip_number }}", align="right", size=14)
    para(doc, "{{ unit_name }}：")
    paragraphs_loop(doc)
    para(doc, "")
    form_table(doc, [
        ("案　　号", "{{ number }}"),
        ("标　　题", "{{ item_title }}"),
        ("办理方式", "{{ role }}"),
        ("交办日期", "{{ assigned_on }}"),
        ("答复期限", "{{ due }}"),
        ("超期天数", "{{ days_overdue }}"),
        ("督办要求", "{{ requirement }}"),
    ])
    signature(doc, "{{ issuer }}", "{{ date }}")
    tag(doc, "{%p if copy_to %}")
    para(doc, "抄送：{{ copy_to }}。", size=14, space_before=12)
    tag(doc, "{%p endif %}")
    return doc


def dispatch_report() -> Document:
    """定期调度通报: per-unit progress and ranking."""
    doc = _new_document()
    letterhead(doc)
    title(doc, "{{ title }}")
    para(doc, "{{ subtitle }}", align="center", size=14, space_after=6)
    paragraphs_loop(doc, "summary")
    para(doc, "")
    loop_table(doc, ["排名", "承办单位", "应办件数", "已签收", "已答复", "超期", "办复率", "督办单"],
               ["rank", "unit", "assigned", "received", "replied", "overdue", "reply_rate", "slips"],
               widths=[1.2, 4.6, 1.8, 1.6, 1.6, 1.4, 1.8, 2.0], size=10.5)
    para(doc, "")
    paragraphs_loop(doc, "notes")
    signature(doc, "{{ issuer }}", "{{ date }}")
    return doc


def return_request() -> Document:
    """申退申请: a unit asks the office to take an item back."""
    doc = _new_document()
    letterhead(doc, "{{ unit_name }}")
    title(doc, "{{ title }}")
    para(doc, "{{ issuer }}：")
    para(doc, "{{ intro }}", indent=True, align="justify")
    paragraphs_loop(doc)
    signature(doc, "{{ unit_name }}", "{{ date }}")
    para(doc, "")
    para(doc, "（联系人：{{ contact_name }}　联系电话：{{ contact_phone }}）", size=14)
    return doc


def extension_request() -> Document:
    """延期申请: a unit asks for a later reply date."""
    doc = _new_document()
    letterhead(doc, "{{ unit_name }}")
    title(doc, "{{ title }}")
    para(doc, "{{ issuer }}：")
    para(doc, "{{ intro }}", indent=True, align="justify")
    paragraphs_loop(doc)
    signature(doc, "{{ unit_name }}", "{{ date }}")
    para(doc, "")
    para(doc, "（联系人：{{ contact_name }}　联系电话：{{ contact_phone }}）", size=14)
    return doc


BUILDERS: dict[str, Callable[[], Document]] = {
    "assignment_notice": assignment_notice,
    "reply_letter": reply_letter,
    "co_opinion_letter": co_opinion_letter,
    "feedback_form": feedback_form,
    "urge_notice": urge_notice,
    "supervision_notice": supervision_notice,
    "dispatch_report": dispatch_report,
    "return_request": return_request,
    "extension_request": extension_request,
}


def build(target: Path = HERE) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, builder in BUILDERS.items():
        path = target / f"{name}.docx"
        doc = builder()
        doc.core_properties.title = name
        doc.core_properties.author = "建议提案办理系统"
        doc.save(str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
