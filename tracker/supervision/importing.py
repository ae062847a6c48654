"""Pure parser for Excel lists of 三书一函 (no database, no Flask).

The shared item parser (``tracker.items.importing``) reads the workbook and normalises text,
numbers and unit names; this module knows the header words of a supervision-document list and
checks its rows. In such a list the **文书编号** is the item's number, while **案号** is the court
case's code (a field of the document), so the header words differ from a suggestion list's.

Typical use::

    result = parse_documents(read_rows(data), known_units=unit_names_to_ids,
                             existing={("procuratorial_suggestion", "检建〔2026〕3号")},
                             default_kind="procuratorial_suggestion")
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tracker.items.importing import (
    ImportFileError,
    _cell_text,
    _clean_block,
    _clean_line,
    _is_blank,
    _looks_like_note,
    _split_names,
    normalise_header,
    normalise_unit_name,
)

__all__ = ["DOCUMENT_HEADERS", "DocumentParse", "DocumentRow", "document_number", "parse_date", "parse_documents",
           "parse_kind"]

# field -> accepted header words, best first.
DOCUMENT_HEADERS: dict[str, tuple[str, ...]] = {
    "kind": ("文书类别", "文书类型", "文书种类", "类别", "类型"),
    "number": ("文书编号", "文号", "建议书编号", "提示函编号", "文书文号", "编号"),
    "title": ("标题", "文书标题", "事由", "建议事项", "名称", "主题"),
    "issuing_body": ("制发机关", "发文机关", "制发单位", "建议机关", "发出机关", "来文单位"),
    "issue_date": ("制发日期", "发文日期", "制发时间", "成文日期", "落款日期"),
    "case_name": ("案件名称", "涉及案件", "案件"),
    "case_code": ("案号", "案件编号", "案件号"),
    "sectors": ("涉及领域", "领域", "所属领域", "行业领域"),
    "content": ("主要内容", "内容", "建议内容", "正文", "具体内容"),
    "written_due": ("回复期限", "答复期限", "文书载明期限", "载明期限", "回复时限", "反馈期限"),
    "lead_units": ("承办单位", "被建议单位", "主办单位", "收文单位", "办理单位", "责任单位"),
    "note": ("备注", "说明"),
}
FIELD_LABELS = {field_name: words[0] for field_name, words in DOCUMENT_HEADERS.items()}
HEADER_NOT_FOUND = "未找到表头：需要包含“文书编号”“标题（事由）”和“制发机关”三列"
TITLE_MAX, NUMBER_MAX, BODY_MAX, CASE_MAX, CODE_MAX = 300, 30, 200, 300, 100

_LOOKUP: dict[str, tuple[str, int]] = {
    normalise_header(word): (field_name, rank)
    for field_name, words in DOCUMENT_HEADERS.items()
    for rank, word in enumerate(words)
}
KIND_WORDS: dict[str, str] = {
    "检察建议书": "procuratorial_suggestion", "检察建议": "procuratorial_suggestion",
    "司法建议书": "judicial_suggestion", "司法建议": "judicial_suggestion",
    "监察建议书": "supervisory_suggestion", "监察建议": "supervisory_suggestion",
    "公安提示函": "police_notice", "提示函": "police_notice", "公安机关提示函": "police_notice",
}
KIND_CODES = frozenset(KIND_WORDS.values())
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class DocumentRow:
    row_number: int
    kind: str
    number: str
    title: str
    issuing_body: str
    issue_date: date | None
    case_name: str = ""
    case_code: str = ""
    sectors: str = ""
    content: str = ""
    written_due: date | None = None
    lead_units: tuple[str, ...] = ()
    lead_unit_ids: tuple[int, ...] = ()
    note: str = ""


@dataclass
class DocumentParse:
    header_row: int
    columns: dict[str, str]
    rows: list[DocumentRow] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (row, "第 N 行：…")
    skipped: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def document_number(value: Any) -> str:
    """文书编号 as stored: full-width folded, no spaces, 12.0 -> "12". Unlike a suggestion's 案号,
    the leading 第 and trailing 号 belong to it ("沪检建〔2026〕3号")."""
    text = unicodedata.normalize("NFKC", _cell_text(value))
    text = re.sub(r"\s+", "", text.replace("\u200b", "").replace("\ufeff", ""))
    match = re.fullmatch(r"(\d+)\.0+", text)
    return match.group(1) if match else text


def parse_date(value: Any) -> tuple[date | None, bool]:
    """(date, understood): Excel dates, 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日."""
    if value is None or _is_blank(value):
        return None, True
    if isinstance(value, datetime):
        return value.date(), True
    if isinstance(value, date):
        return value, True
    text = unicodedata.normalize("NFKC", _cell_text(value)).strip()
    match = _DATE_RE.match(text)
    if not match:
        return None, False
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3))), True
    except ValueError:
        return None, False


def parse_kind(value: Any) -> str | None:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", _cell_text(value)))
    if text in KIND_CODES:
        return text
    if text in KIND_WORDS:
        return KIND_WORDS[text]
    for word, code in KIND_WORDS.items():
        if word in text:
            return code
    return None


def _locate(rows: Sequence[Sequence[Any]], max_scan: int = 15) -> tuple[int, dict[str, int], dict[str, str]]:
    for index, row in enumerate(rows[:max_scan]):
        best: dict[str, tuple[int, int]] = {}
        for col, cell in enumerate(row):
            if not isinstance(cell, str):
                continue
            found = _LOOKUP.get(normalise_header(cell))
            if found is None:
                continue
            name, rank = found
            if name not in best or (rank, col) < best[name]:
                best[name] = (rank, col)
        if {"number", "title", "issuing_body"} <= set(best):
            col_of = {name: col for name, (_rank, col) in best.items()}
            headers = {name: _clean_line(row[col]) for name, col in col_of.items()}
            return index, col_of, headers
    raise ImportFileError(HEADER_NOT_FOUND)


def _cell(row: Sequence[Any], col: int | None) -> Any:
    if col is None or col >= len(row):
        return None
    return row[col]


def parse_documents(rows: Iterable[Sequence[Any]], *, known_units: Mapping[str, int] | None = None,
                    existing: Collection[tuple[str, str]] = (), default_kind: str | None = None,
                    ambiguous_units: Mapping[str, Sequence[str]] | None = None) -> DocumentParse:
    """Check every data row of a supervision-document list (``rows[i]`` is Excel row i+1).

    Every problem is collected. A row whose (kind, number) is in ``existing`` is skipped, not a
    problem (re-importing a list adds nothing). The kind comes from the 文书类别 column, else
    ``default_kind``. A unit named by a name in ``ambiguous_units`` (several units answer to it:
    → their names) is a problem, as in the item import.
    """
    table = [tuple(r) for r in rows]
    if all(_is_blank(cell) for r in table for cell in r):
        raise ImportFileError("工作表为空，没有可导入的数据")
    header_index, col_of, headers = _locate(table)
    result = DocumentParse(header_row=header_index + 1, columns=headers)
    units = None if known_units is None else {normalise_unit_name(k): v for k, v in known_units.items()}
    ambiguous = {normalise_unit_name(k): "、".join(v) for k, v in (ambiguous_units or {}).items()}
    existing_keys = {(kind, document_number(number)) for kind, number in existing}
    seen: dict[tuple[str, str], int] = {}

    def problem(n: int, text: str) -> None:
        result.problems.append((n, f"第 {n} 行：{text}"))

    for index in range(header_index + 1, len(table)):
        row = table[index]
        n = index + 1
        filled = [cell for cell in row if not _is_blank(cell)]
        if not filled:
            continue
        texts = {_cell_text(cell).strip() for cell in filled}
        title_col = col_of.get("title")
        lone = len(texts) == 1 and _is_blank(_cell(row, title_col))
        if lone and _looks_like_note(next(iter(texts))):
            continue  # a note such as "制表：…" or "合计 3 件" below the data
        number = document_number(_cell(row, col_of.get("number")))
        title = _clean_line(_cell(row, title_col))
        kind_cell = _cell(row, col_of.get("kind"))
        kind = parse_kind(kind_cell) if not _is_blank(kind_cell) else default_kind
        before = len(result.problems)
        if not _is_blank(kind_cell) and kind is None:
            problem(n, f"文书类别“{_clean_line(kind_cell)}”无法识别（可填：司法建议书、检察建议书、监察建议书、公安提示函）")
        elif kind is None:
            problem(n, "未填写文书类别，请在表格中增加“文书类别”列或在导入时选择类别")
        if not number:
            problem(n, "文书编号为空")
        elif len(number) > NUMBER_MAX:
            problem(n, f"文书编号“{number[:40]}”过长（最多 {NUMBER_MAX} 个字符）")
        if not title:
            problem(n, "标题（事由）为空")
        elif len(title) > TITLE_MAX:
            problem(n, f"标题过长（共 {len(title)} 字，最多 {TITLE_MAX} 字）")
        body = _clean_line(_cell(row, col_of.get("issuing_body")))
        if not body:
            problem(n, "制发机关为空")
        elif len(body) > BODY_MAX:
            problem(n, f"制发机关过长（最多 {BODY_MAX} 字）")
        issued, ok = parse_date(_cell(row, col_of.get("issue_date")))
        if not ok:
            problem(n, f"制发日期“{_clean_line(_cell(row, col_of.get('issue_date')))}”无法识别（应为 2026-03-05 这样的日期）")
        elif issued is None:
            problem(n, "制发日期为空")
        due, ok = parse_date(_cell(row, col_of.get("written_due")))
        if not ok:
            problem(n, f"回复期限“{_clean_line(_cell(row, col_of.get('written_due')))}”无法识别（应为 2026-05-05 这样的日期）")
        elif due is not None and issued is not None and due < issued:
            problem(n, f"回复期限 {due.isoformat()} 早于制发日期 {issued.isoformat()}")
        case_name = _clean_line(_cell(row, col_of.get("case_name")))
        case_code = _clean_line(_cell(row, col_of.get("case_code")))
        if len(case_name) > CASE_MAX:
            problem(n, f"案件名称过长（最多 {CASE_MAX} 字）")
        if len(case_code) > CODE_MAX:
            problem(n, f"案号过长（最多 {CODE_MAX} 字）")
        if case_code and kind == "supervisory_suggestion":
            problem(n, "监察建议书没有案号，请清空“案号”列或核对文书类别")
        lead_units = _split_names(_cell(row, col_of.get("lead_units")), units=True)
        ids: list[int] = []
        if units is not None:
            for name in lead_units:
                key = normalise_unit_name(name)
                unit_id = units.get(key)
                if key in ambiguous:
                    problem(n, f"承办单位“{name}”同时是多个承办单位的名称或简称（{ambiguous[key]}），"
                               "无法确定是哪一个：请管理员先在“承办单位”中更正重复的名称或简称")
                elif unit_id is None:
                    problem(n, f"承办单位“{name}”不存在")
                else:
                    ids.append(unit_id)
        if number and kind:
            key = (kind, number)
            if key in seen:
                problem(n, f"文书编号“{number}”与第 {seen[key]} 行重复")
                continue
            seen[key] = n
            if key in existing_keys and len(result.problems) == before:
                result.skipped.append(n)
                continue
        if number and title and kind:
            result.rows.append(DocumentRow(
                row_number=n, kind=kind, number=number, title=title, issuing_body=body, issue_date=issued,
                case_name=case_name, case_code=case_code,
                sectors=_clean_line(_cell(row, col_of.get("sectors"))),
                content=_clean_block(_cell(row, col_of.get("content"))), written_due=due,
                lead_units=lead_units, lead_unit_ids=tuple(dict.fromkeys(ids)),
                note=_clean_block(_cell(row, col_of.get("note"))),
            ))
    if not result.rows and not result.skipped and not result.problems:
        n = header_index + 1  # a problem of the file, not of a row: at the header row, worded as such
        result.problems.append((n, f"表头（第 {n} 行）下方没有任何数据行"))
    result.problems.sort(key=lambda p: p[0])
    return result
