"""Pure parser for the Excel lists of suggestions and proposals (no database, no Flask).

Offices receive each session's items as an .xlsx list. Real lists vary: title rows
above the header, different header words, numbers stored as floats, stray and
full-width spaces, notes below the data. This module turns such a file into validated
``ImportRow`` values plus every problem found, each with its Excel row number and a
Chinese message, so that the import view can show a preview and import all or nothing.

Typical use::

    result = parse_file(upload.read(), known_units=unit_names_to_ids,
                        existing_numbers=numbers_already_in_session)
    if result.ok:
        ...  # create result.rows; result.skipped were imported before
"""

from __future__ import annotations

import functools
import io
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from rapidfuzz import fuzz

__all__ = [
    "CATEGORY_MAX_LENGTH",
    "FIELD_LABELS",
    "HEADER_VARIANTS",
    "NAME_MAX_LENGTH",
    "NUMBER_MAX_LENGTH",
    "TITLE_MAX_LENGTH",
    "ImportFileError",
    "ImportRow",
    "ParseResult",
    "RowProblem",
    "find_header",
    "normalise_header",
    "normalise_number",
    "normalise_unit_name",
    "parse_file",
    "parse_rows",
    "read_rows",
    "titles_differ",
]

TITLE_MAX_LENGTH = 300  # as tracker.items.models.TITLE_MAX_LENGTH (this parser imports no models)
NUMBER_MAX_LENGTH = 20  # 案号 of a suggestion or proposal (items.services.number_problem)
CATEGORY_MAX_LENGTH = 50  # Item.category
NAME_MAX_LENGTH = 100  # Submitter.name

# field -> accepted header words, best first. When two columns map to the same field
# the one whose word comes first wins (so 案号 beats 编号). 序号 is not among them: it is
# the list's running row number, not the item's 案号 (taken as one, it matched the numbers
# of other items and rows were skipped as "already imported"); a sheet whose only number
# column is 序号 is refused with a message saying so (SERIAL_NOT_NUMBER).
HEADER_VARIANTS: dict[str, tuple[str, ...]] = {
    "number": (
        "案号",
        "建议号",
        "提案号",
        "议案号",
        "建议案号",
        "提案案号",
        "建议编号",
        "提案编号",
        "案件编号",
        "编号",
    ),
    "title": (
        "标题",
        "案由",
        "题目",
        "建议标题",
        "提案标题",
        "议案标题",
        "建议题目",
        "提案题目",
        "建议名称",
        "提案名称",
        "名称",
        "主题",
    ),
    "content": (
        "内容",
        "正文",
        "建议内容",
        "提案内容",
        "议案内容",
        "建议正文",
        "提案正文",
        "主要内容",
        "具体内容",
    ),
    "category": (
        "内容分类",
        "所属类别",
        "建议类别",
        "提案类别",
        "分类",
        "类别",
        "类型",
    ),
    "lead_submitter": (
        "领衔人",
        "领衔代表",
        "领衔委员",
        "提案人",
        "第一提案人",
        "建议人",
        "提出人",
        "提案者",
        "提案单位",
        "代表",
        "委员",
        "代表姓名",
        "委员姓名",
    ),
    "co_submitters": (
        "附议人",
        "联名人",
        "联名代表",
        "附议代表",
        "联名委员",
        "附议委员",
        "联名提案人",
        "其他提案人",
        "联名",
    ),
    "lead_units": (
        "主办单位",
        "承办单位",
        "主办",
        "主办部门",
        "承办部门",
        "牵头单位",
        "办理单位",
    ),
    "co_units": (
        "会办单位",
        "协办单位",
        "会办",
        "协办",
        "会办部门",
        "协办部门",
        "配合单位",
    ),
    "tier": (
        "分级",
        "办理层级",
        "分级办理",
        "办理级别",
        "办理类型",
        "办理方式",
    ),
    "is_key": (
        "重点",
        "是否重点",
        "重点建议",
        "重点提案",
        "是否重点建议",
        "是否重点提案",
    ),
    "leader": (
        "领办领导",
        "督办领导",
        "领办市领导",
        "督办市领导",
        "领衔领导",
        "市领导",
    ),
}

FIELD_LABELS: dict[str, str] = {
    "number": "案号",
    "title": "标题",
    "content": "内容",
    "category": "类别",
    "lead_submitter": "领衔人",
    "co_submitters": "附议人",
    "lead_units": "主办单位",
    "co_units": "会办单位",
    "tier": "分级",
    "is_key": "重点",
    "leader": "领办领导",
}

NUMBER_HEADERS = "“案号”“建议号”“提案号”或“编号”"
TITLE_HEADERS = "“标题”或“案由”"
HEADER_NOT_FOUND = (f"未找到表头：须有案号列（表头为{NUMBER_HEADERS}）"
                    f"和标题列（表头为{TITLE_HEADERS}）")
NUMBER_COLUMN_MISSING = f"表头中没有案号列：案号列的表头须为{NUMBER_HEADERS}"
TITLE_COLUMN_MISSING = f"表头中没有标题列：标题列的表头须为{TITLE_HEADERS}"
SERIAL_NOT_NUMBER = "（“序号”是表格的行号，不作为案号；如该列就是案号，请把表头改为“案号”）"
EMPTY_SHEET = "工作表为空，没有可导入的数据"


class ImportFileError(Exception):
    """The file cannot be read as an item list; ``message`` is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImportRow:
    row_number: int  # Excel row number (1-based, as the user sees it)
    number: str
    title: str
    content: str
    category: str
    lead_submitter: str
    co_submitters: tuple[str, ...]
    lead_units: tuple[str, ...]  # several lead units = 分办
    co_units: tuple[str, ...]
    tier: str | None  # "leader_led" / "office_supervised" / "department", None if not given
    is_key: bool
    leader: str
    # Distinct unit ids resolved through ``known_units``, in the order listed;
    # empty when no ``known_units`` were given.
    lead_unit_ids: tuple[int, ...] = ()
    co_unit_ids: tuple[int, ...] = ()
    # The 分级 cell as written when it could not be read (``tier`` is then None and the row
    # has a problem): the preview shows what the file said, not the default.
    tier_text: str = ""


@dataclass(frozen=True)
class RowProblem:
    row_number: int  # for a problem of the whole file (no data rows): the header row
    column: str | None  # the field name (see FIELD_LABELS), None for a whole-row or file problem
    message: str  # Chinese; a row's starts with "第 N 行："


@dataclass
class ParseResult:
    header_row: int  # Excel row number of the (last) header row
    columns: dict[str, str]  # field -> header text found in the file
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # rows whose number already exists

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_by_row(self) -> dict[int, list[RowProblem]]:
        grouped: dict[int, list[RowProblem]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.row_number, []).append(problem)
        return grouped


# --- text helpers

_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_WS_RE = re.compile(r"\s+")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_GAP_RE = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_LIST_SEP_RE = re.compile(r"[、，,;；\r\n]+")
_UNIT_ROLE_RE = re.compile(r"[(（]\s*(?:牵头|主办|会办|协办|分办|独办)\s*[)）]")
_HEADER_BRACKETS_RE = re.compile(r"[(\[【〔<《].*?[)\]】〕>》]")
_HEADER_OPEN_TAIL_RE = re.compile(r"[(\[【〔<《].*$")
_HEADER_JUNK_RE = re.compile(r"[\s*※:：]")
_FLOAT_TEXT_RE = re.compile(r"(\d+)\.0+")
_SECTION_RE = re.compile(r"[一二三四五六七八九十百]+[、.．]|[(（][一二三四五六七八九十]+[)）]")
_NOTE_PREFIXES = (
    "合计",
    "共计",
    "总计",
    "小计",
    "注",
    "备注",
    "说明",
    "制表",
    "填表",
    "审核",
    "审核人",
    "日期",
    "填报",
    "联系人",
    "联系电话",
    "附件",
    "以上",
)


def _cell_text(value: Any) -> str:
    """A cell value as text: 12.0 -> "12", dates as ISO dates, None -> ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return True
        if stripped[0] not in _INVISIBLE:
            return False  # a visible character that neither step removes
        return not _INVISIBLE_RE.sub("", value).strip()
    return False


_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def _plain(text: str) -> bool:
    """No whitespace and no invisible character in ``text`` (so cleaning keeps it as it
    is): every whitespace but the ASCII space, and every invisible character of
    ``_INVISIBLE_RE``, is unprintable."""
    return text.isprintable() and " " not in text


def _clean_line(value: Any) -> str:
    """One-line text: invisible characters removed, whitespace collapsed, no gaps
    between Chinese characters (a wrapped title, or a name padded as "王　丽")."""
    text = value if isinstance(value, str) else _cell_text(value)
    if _plain(text):
        return text
    text = _INVISIBLE_RE.sub("", text)
    text = _WS_RE.sub(" ", text).strip()
    return _CJK_GAP_RE.sub("", text)


def _clean_block(value: Any) -> str:
    """Multi-line text (content): line breaks kept, ends stripped."""
    text = _INVISIBLE_RE.sub("", _cell_text(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def _split_names(value: Any, *, units: bool = False) -> tuple[str, ...]:
    """Split a cell listing several names or units on 、，, ; ； whitespace and
    newlines.

    A single character is never a whole name or unit, so it is joined to its neighbour:
    "王 丽" (a padded name) is one name, "市 公安局" one unit. Duplicates are dropped,
    order kept.
    """
    if value is None:
        return ()
    return _split_text(value if isinstance(value, str) else _cell_text(value), units)


@functools.lru_cache(maxsize=4096)
def _split_text(text: str, units: bool) -> tuple[str, ...]:
    """``_split_names`` of a text (lists of units repeat from row to row: cached)."""
    text = _INVISIBLE_RE.sub("", text)
    if units:
        text = _UNIT_ROLE_RE.sub("", text)
    names: list[str] = []
    for piece in _LIST_SEP_RE.split(text):
        joined: list[str] = []
        glue_next = False
        for token in piece.split():
            if joined and (glue_next or len(token) == 1):
                joined[-1] += token
            else:
                joined.append(token)
            glue_next = len(token) == 1
        names.extend(joined)
    return tuple(dict.fromkeys(names))


def normalise_header(text: Any) -> str:
    """A header cell reduced to its word: "＊案号（必填）\\n" -> "案号"."""
    normal = unicodedata.normalize("NFKC", _INVISIBLE_RE.sub("", _cell_text(text)))
    normal = _HEADER_BRACKETS_RE.sub("", normal)
    normal = _HEADER_OPEN_TAIL_RE.sub("", normal)
    return _HEADER_JUNK_RE.sub("", normal)


_WRAPPED_NUMBER_RE = re.compile(r"第?\s*([0-9A-Za-z.\-]+)\s*号?")


def normalise_number(value: Any) -> str:
    """案号 as stored: 12.0 -> "12", "第１２号" -> "12", " 12 " -> "12", ASCII digits. Spaces
    inside the number itself ("12 3") stay, for the registration rule to refuse (it is not
    clear which number was meant)."""
    if isinstance(value, str) and value.isascii() and value.isalnum():
        return value  # a plain code such as "12" or "A12": nothing to normalise
    text = unicodedata.normalize("NFKC", _INVISIBLE_RE.sub("", _cell_text(value)))
    text = _WS_RE.sub(" ", text).strip()
    # "第 12 号" -> "12"; only around a plain code, so normalising twice changes nothing.
    wrapped = _WRAPPED_NUMBER_RE.fullmatch(text)
    if wrapped and (text.startswith("第") or text.endswith("号")):
        text = wrapped.group(1)
    match = _FLOAT_TEXT_RE.fullmatch(text)
    return match.group(1) if match else text


def normalise_unit_name(name: Any) -> str:
    """The key used to match unit names: full-width folded, all whitespace removed, case
    folded. Two names with one key are one name: the import matches a unit by it, and no two
    units may share one (``units.services``: a unit's full and short names are unique by it)."""
    if isinstance(name, str):
        return _unit_key(name)
    return _unit_key(_cell_text(name))


@functools.lru_cache(maxsize=4096)
def _unit_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", _INVISIBLE_RE.sub("", text))
    return _WS_RE.sub("", text).casefold()


def _looks_like_note(text: str) -> bool:
    """A lone cell such as "制表人：张三", "合计 120 件" or a heading "一、经济类"."""
    normal = unicodedata.normalize("NFKC", text).strip()
    if not normal:
        return True
    if ":" in normal or normal.startswith(_NOTE_PREFIXES):
        return True
    if _SECTION_RE.match(normal) and not normal[0].isdigit():
        return True
    # A case number always has a digit in it.
    return not any(ch.isdigit() for ch in normal)


_TITLE_PUNCT_RE = re.compile(r"[\W_]+")
_TITLE_FRAME_RE = re.compile(r"^关于|(?:的)?(?:建议|提案|议案|意见)$")
SAME_TITLE_RATIO = 0.5


def _title_core(title: str) -> str:
    """A title reduced to what tells it apart: full-width folded, no spaces or punctuation,
    lower case, without the frame every title shares (关于…的建议/提案)."""
    text = _TITLE_PUNCT_RE.sub("", unicodedata.normalize("NFKC", _INVISIBLE_RE.sub("", title)).lower())
    core = _TITLE_FRAME_RE.sub("", text)
    return core or text


def titles_differ(title: str, stored: str) -> bool:
    """Whether a list's title and an item's stored title clearly name different items. An
    edited title (a typo fixed, words added or dropped) is the same item: only titles sharing
    less than half of their text (beyond 关于…的建议) differ."""
    a, b = _title_core(title), _title_core(stored)
    if not a or not b or a == b or a in b or b in a:
        return False
    return fuzz.ratio(a, b) / 100 < SAME_TITLE_RATIO  # as difflib's ratio: 2 × matched / both lengths


def _shown(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# --- values

_TIER_CODES = ("leader_led", "office_supervised", "department")
_DEPARTMENT_WORDS = frozenset({"一般", "部门", "普通", "常规", "自办", "一般件", "部门办"})
_HANDLING_MODE_WORDS = frozenset(
    {
        "独办",
        "分办",
        "主办",
        "会办",
        "协办",
        "主办+会办",
        "主办会办",
        "主会办",
        "并案",
        "合并办理",
    }
)
_KEY_TRUE = frozenset({"是", "重点", "√", "✓", "✔", "y", "yes", "true", "1", "★", "●", "是重点"})
_KEY_FALSE = frozenset(
    {
        "否",
        "不是",
        "非重点",
        "非",
        "n",
        "no",
        "false",
        "0",
        "×",
        "x",
        "✗",
        "一般",
        "无",
        "-",
        "/",
        "—",
        "--",
    }
)


def _parse_tier(value: Any) -> tuple[str | None, bool]:
    """(tier, understood). Handling-mode words (独办, 主办+会办 …) found in a 办理方式
    column give no tier."""
    if value is None:
        return None, True
    text = _WS_RE.sub("", unicodedata.normalize("NFKC", _cell_text(value))).lower()
    if not text:
        return None, True
    if text in _TIER_CODES:
        return text, True
    if "领办" in text or "领导" in text:
        return "leader_led", True
    if "督办" in text:
        return "office_supervised", True
    if text in _DEPARTMENT_WORDS or "部门" in text or "一般" in text or "单位自办" in text:
        return "department", True
    if text in _HANDLING_MODE_WORDS:
        return None, True
    return None, False


def _parse_is_key(value: Any) -> tuple[bool, bool]:
    """(is_key, understood)."""
    if value is None:
        return False, True
    text = _WS_RE.sub("", unicodedata.normalize("NFKC", _cell_text(value))).lower()
    if not text or text in _KEY_FALSE:
        return False, True
    if text in _KEY_TRUE:
        return True, True
    if "重点" in text:
        return ("非" not in text and "不" not in text), True
    return False, False


# --- reading files

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")


def _read_source(source: Any) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        try:
            with open(source, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise ImportFileError("无法读取上传的文件，请重新选择文件") from exc
    read = getattr(source, "read", None)
    if callable(read):
        data = read()
        if isinstance(data, bytes | bytearray):
            return bytes(data)
    raise ImportFileError("无法读取上传的文件，请重新选择文件")


def _check_xlsx(data: bytes) -> None:
    """Decide by content, not by file name, whether ``data`` is an .xlsx workbook."""
    if not data.strip():
        raise ImportFileError("文件为空，请选择要导入的 Excel 文件")
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_MARK in data:
            raise ImportFileError("文件设置了打开密码，请在 Excel 中取消密码并保存为 .xlsx 后再导入")
        raise ImportFileError("暂不支持 .xls 格式，请在 Excel 中另存为 .xlsx 后再导入")
    if not data.startswith(_ZIP_MAGIC):
        head = data[:2048].lower()
        if b"<html" in head or b"<table" in head or b"<?xml" in head:
            raise ImportFileError(
                "文件实际是网页或 XML 格式（常见于系统导出的“Excel”），请在 Excel 中另存为 .xlsx 后再导入"
            )
        raise ImportFileError("文件不是 Excel 工作簿，请选择 .xlsx 格式的文件")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {name.lower() for name in archive.namelist()}
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError("文件已损坏，无法读取，请在 Excel 中打开并另存为 .xlsx 后再导入") from exc
    if "xl/workbook.xml" in names:
        return
    if "xl/workbook.bin" in names:
        raise ImportFileError("暂不支持 .xlsb 格式，请在 Excel 中另存为 .xlsx 后再导入")
    if "word/document.xml" in names:
        raise ImportFileError("这是 Word 文档，不是 Excel 工作簿，请选择 .xlsx 格式的文件")
    raise ImportFileError("文件不是 Excel 工作簿，请选择 .xlsx 格式的文件")


def _fill_vertical_merges(rows: list[list[Any]], ranges: Iterable[Any] | None) -> None:
    """Copy the value of a one-column merged range (e.g. a 类别 cell spanning several
    rows) into every row it covers. Wider ranges (titles, notes) are left alone."""
    for merged in ranges or ():
        try:
            (first_row, first_col), (last_row, last_col) = merged
        except (TypeError, ValueError):
            continue
        if first_col != last_col or last_row <= first_row or first_row >= len(rows):
            continue
        top = rows[first_row]
        value = top[first_col] if first_col < len(top) else None
        if value is None:
            continue
        for index in range(first_row + 1, min(last_row, len(rows) - 1) + 1):
            row = rows[index]
            if first_col < len(row) and row[first_col] is None:
                row[first_col] = value


def _read_with_calamine(data: bytes, sheet: str | None) -> list[tuple[Any, ...]]:
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        if sheet is not None:
            if sheet not in workbook.sheet_names:
                raise ImportFileError(f"工作表“{sheet}”不存在")
            worksheet = workbook.get_sheet_by_name(sheet)
        else:
            if not workbook.sheet_names:
                raise ImportFileError(EMPTY_SHEET)
            worksheet = workbook.get_sheet_by_index(0)
        raw = worksheet.to_python(skip_empty_area=False)
        merged = worksheet.merged_cell_ranges
        if not merged:  # nothing to fill down: one pass
            return [tuple([None if cell == "" else cell for cell in row]) for row in raw]
        rows = [[None if cell == "" else cell for cell in row] for row in raw]
        _fill_vertical_merges(rows, merged)
    finally:
        workbook.close()
    return [tuple(row) for row in rows]


def _read_with_openpyxl(data: bytes, sheet: str | None) -> list[tuple[Any, ...]]:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if sheet is not None:
                if sheet not in workbook.sheetnames:
                    raise ImportFileError(f"工作表“{sheet}”不存在")
                worksheet = workbook[sheet]
            else:
                worksheet = workbook.worksheets[0]
            worksheet.reset_dimensions()
            rows = [
                tuple(None if cell == "" else cell for cell in row)
                for row in worksheet.iter_rows(min_row=1, min_col=1, values_only=True)
            ]
        finally:
            workbook.close()
    return rows


def read_rows(path_or_bytes: Any, *, sheet: str | None = None) -> list[tuple[Any, ...]]:
    """The cell values of the first sheet (or ``sheet``) of an .xlsx file.

    ``path_or_bytes`` is a path, the file's bytes, or a binary file object. ``rows[i]``
    is Excel row ``i + 1`` and cell ``j`` is column ``j + 1``; empty cells are None.
    One-column vertical merges are filled down. Raises ImportFileError with a Chinese
    message for anything that is not a readable .xlsx workbook (.xls, .xlsb, text, HTML,
    damaged files). The content decides, never the file name.
    """
    data = _read_source(path_or_bytes)
    _check_xlsx(data)
    try:
        return _read_with_calamine(data, sheet)
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001, S110 - try the slower, more lenient reader
        pass
    try:
        return _read_with_openpyxl(data, sheet)
    except ImportFileError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ImportFileError(
            "文件已损坏或格式不正确，无法读取，请在 Excel 中打开并另存为 .xlsx 后再导入"
        ) from exc


# --- header

_HEADER_LOOKUP: dict[str, tuple[str, int]] = {
    normalise_header(word): (field_name, priority)
    for field_name, words in HEADER_VARIANTS.items()
    for priority, word in enumerate(words)
}


def _match_header(cell: Any) -> tuple[str, int] | None:
    """(field, priority) for a header cell, or None. "领衔人/提案人" matches when
    every part names the same field."""
    if not isinstance(cell, str) or cell.isascii():
        return None  # every header word is Chinese
    return _match_header_text(cell)


_HEADER_PARTS_RE = re.compile(r"[/、|]")


@functools.lru_cache(maxsize=4096)
def _match_header_text(cell: str) -> tuple[str, int] | None:
    key = normalise_header(cell)
    if not key:
        return None
    found = _HEADER_LOOKUP.get(key)
    if found is not None:
        return found
    parts = [part for part in _HEADER_PARTS_RE.split(key) if part]
    if len(parts) < 2:
        return None
    matches = [_HEADER_LOOKUP.get(part) for part in parts]
    if any(match is None for match in matches):
        return None
    fields = {match[0] for match in matches if match is not None}
    if len(fields) != 1:
        return None
    return min(match for match in matches if match is not None)


def _header_field(cell: Any) -> str | None:
    match = _match_header(cell)
    return match[0] if match is not None else None


def _row_matches(row: Sequence[Any]) -> dict[int, tuple[str, int]]:
    return {col: match for col, cell in enumerate(row) if (match := _match_header(cell)) is not None}


def _resolve(matches: Mapping[int, tuple[str, int]]) -> dict[int, str]:
    """One column per field: the best header word wins, then the leftmost column."""
    best: dict[str, tuple[int, int]] = {}
    for col, (field_name, priority) in matches.items():
        if field_name not in best or (priority, col) < best[field_name]:
            best[field_name] = (priority, col)
    return {col: field_name for field_name, (_, col) in sorted(best.items(), key=lambda kv: kv[1][1])}


def _is_subheader(row: Sequence[Any], upper: Sequence[Any], matches: Mapping[int, tuple[str, int]]) -> bool:
    """The second line of a two-line header: every filled cell is a header word (or
    repeats the cell above, as a filled vertical merge does) and it names something
    new."""
    new = False
    filled = False
    for col, cell in enumerate(row):
        if _is_blank(cell):
            continue
        filled = True
        above = upper[col] if col < len(upper) else None
        match = _match_header(cell)
        if match is None:
            if cell != above:
                return False
            continue
        if cell != above and matches.get(col, (None,))[0] != match[0]:
            new = True
    return filled and new


def _locate_header(
    rows: Sequence[Sequence[Any]], max_scan: int
) -> tuple[int, dict[int, str], dict[int, Any]]:
    """(index of the last header row, column -> field, column -> header cell)."""
    partial: set[str] = set()  # the fields of the header-like row with the most of them
    for index, row in enumerate(rows[:max_scan]):
        matches = _row_matches(row)
        fields = {field_name for field_name, _ in matches.values()}
        if not {"number", "title"} <= fields:
            if len(fields) > len(partial):
                partial = fields
            continue
        cells = {col: row[col] for col in matches}
        if index + 1 < len(rows) and _is_subheader(rows[index + 1], row, matches):
            below = rows[index + 1]
            for col, match in _row_matches(below).items():
                matches[col] = match
                cells[col] = below[col]
            index += 1
        return index, _resolve(matches), cells
    raise ImportFileError(_header_problem(rows[:max_scan], partial))


def _header_problem(rows: Sequence[Sequence[Any]], partial: set[str]) -> str:
    """Why no header was found: the column a header-like row lacks, else both; a 序号
    column where the 案号 column should be is named."""
    if "title" in partial:
        message = NUMBER_COLUMN_MISSING
    elif "number" in partial:
        return TITLE_COLUMN_MISSING
    else:
        message = HEADER_NOT_FOUND
    serial = any(isinstance(cell, str) and len(cell) < 20 and normalise_header(cell) == "序号"
                 for row in rows for cell in row)
    return message + SERIAL_NOT_NUMBER if serial else message


def find_header(rows: Sequence[Sequence[Any]], max_scan: int = 15) -> tuple[int, dict[int, str]]:
    """(0-based index of the header row, column index -> field).

    The header is the first row among the first ``max_scan`` rows that names at least
    the number and title columns. When the next row is the second line of a two-line
    header (e.g. "办理单位" above "主办 | 会办"), the index of that second line is
    returned and its words are combined with the first. Raises ImportFileError when no
    header is found.
    """
    index, columns, _ = _locate_header(list(rows), max_scan)
    return index, columns


# --- rows


def _problem(row_number: int, column: str | None, text: str) -> RowProblem:
    return RowProblem(row_number, column, f"第 {row_number} 行：{text}")


def _cell(row: Sequence[Any], col: int | None) -> Any:
    if col is None or col >= len(row):
        return None
    return row[col]


def parse_rows(
    rows: Iterable[Sequence[Any]],
    *,
    known_units: Mapping[str, int] | None = None,
    ambiguous_units: Mapping[str, Sequence[str]] | None = None,
    existing_numbers: Collection[Any] | Mapping[Any, str] = (),
    max_scan: int = 15,
) -> ParseResult:
    """Validate every data row of a sheet from ``read_rows`` (``rows[i]`` is row i+1).

    All problems are collected (never only the first). Rows whose number is in
    ``existing_numbers`` are not problems: their row numbers go to ``skipped``. When
    ``existing_numbers`` maps each number to the stored item's title, a row whose number
    exists but whose title clearly differs (:func:`titles_differ`) is a problem instead: the
    number column does not identify the same items (a wrong column, session or number), and
    skipping the row would silently leave its item out. Rows in ``rows`` always have a
    number and a title; other problems (unknown unit, …) do not drop the row, so the
    preview can show it, but make ``ok`` false.

    ``ambiguous_units`` maps a name that more than one unit answers to (one's full name is
    another's short name: old data, before names were kept unique) to those units' names; a
    row naming it is a problem, never matched to one of them at random.
    """
    table = [tuple(row) for row in rows]
    if all(_is_blank(cell) for row in table for cell in row):
        raise ImportFileError(EMPTY_SHEET)
    header_index, columns, header_cells = _locate_header(table, max_scan)
    col_of = {field_name: col for col, field_name in columns.items()}
    result = ParseResult(
        header_row=header_index + 1,
        columns={field_name: _clean_line(header_cells[col]) for col, field_name in columns.items()},
    )
    number_col = col_of.get("number")
    title_col = col_of.get("title")
    mapped_cols = tuple(columns)

    # Pass 1: classify. Rows without number and title are notes or stray content.
    # (index, row) of the rows with a number or a title
    data: list[tuple[int, tuple[Any, ...]]] = []
    last_data = -1  # index of the last row that surely holds an item
    orphans: list[int] = []  # no number/title but content in a mapped column
    for index in range(header_index + 1, len(table)):
        row = table[index]
        title_cell = _cell(row, title_col)
        has_title = title_cell is not None and not _is_blank(title_cell)
        if not has_title:
            filled = [cell for cell in row if cell is not None and not _is_blank(cell)]
            if not filled:
                continue
        number_cell = _cell(row, number_col)
        if _header_field(number_cell) == "number" and _header_field(title_cell) == "title":
            continue  # the header repeated (lists pasted together)
        if not has_title:  # a row with a title is never a lone note
            distinct = {_cell_text(cell).strip() for cell in filled}
            if len(distinct) == 1 and _looks_like_note(next(iter(distinct))):
                continue  # a lone note or section heading
        if has_title:
            data.append((index, row))
            last_data = index
        elif not _is_blank(number_cell):
            # "制表人：张三" in the number column is a note when no data follows it.
            data.append((index, row))
            if not _looks_like_note(_cell_text(number_cell)):
                last_data = index
        elif any(not _is_blank(_cell(row, col)) for col in mapped_cols):
            orphans.append(index)
    data = [(index, row) for index, row in data if index <= last_data]

    existing = {normalise_number(number) for number in existing_numbers}
    existing.discard("")
    stored_titles: dict[str, str] = {}
    if isinstance(existing_numbers, Mapping):
        stored_titles = {normalise_number(number): title or "" for number, title in existing_numbers.items()}
    unit_ids: dict[str, int] | None = None
    if known_units is not None:
        unit_ids = {normalise_unit_name(name): unit_id for name, unit_id in known_units.items()}
    ambiguous = {normalise_unit_name(name): "、".join(units) for name, units in (ambiguous_units or {}).items()}

    problems = result.problems
    for index in orphans:
        if index < last_data:
            problems.append(_problem(index + 1, "number", "案号为空"))
            problems.append(_problem(index + 1, "title", "标题为空"))

    seen: dict[str, int] = {}
    units_seen: dict[tuple[str, str], _Units] = {}
    for index, row in data:
        row_number = index + 1
        number = normalise_number(_cell(row, number_col))
        title = _clean_line(_cell(row, title_col))
        if not number:
            problems.append(_problem(row_number, "number", "案号为空"))
        if not title:
            problems.append(_problem(row_number, "title", "标题为空"))
        if number:
            first = seen.get(number)
            if first is not None:
                problems.append(_problem(row_number, "number", f"案号“{number}”与第 {first} 行重复"))
                continue
            seen[number] = row_number
            if number in existing:
                stored = stored_titles.get(number, "")
                if title and stored and titles_differ(title, stored):
                    problems.append(_problem(
                        row_number, "number",
                        f"案号“{number}”已存在，但标题与已登记的“{_shown(stored)}”不同，请核对"))
                else:
                    result.skipped.append(row_number)
                continue
            if len(number) > NUMBER_MAX_LENGTH:
                problems.append(
                    _problem(
                        row_number,
                        "number",
                        f"案号“{number[:40]}”过长（最多 {NUMBER_MAX_LENGTH} 个字符）",
                    )
                )
        if len(title) > TITLE_MAX_LENGTH:
            problems.append(
                _problem(
                    row_number,
                    "title",
                    f"标题过长（共 {len(title)} 字，最多 {TITLE_MAX_LENGTH} 字）",
                )
            )
        parsed = _parse_details(row, row_number, col_of, unit_ids, problems, units_seen, ambiguous)
        if number and title:
            result.rows.append(ImportRow(row_number, number, title, **parsed))

    if not data:  # a problem of the file, not of a row: at the header row, worded as such
        problems.append(RowProblem(header_index + 1, None, f"表头（第 {header_index + 1} 行）下方没有任何数据行"))
    problems.sort(key=lambda problem: problem.row_number)  # stable: per-row order kept
    return result


def _parse_details(
    row: Sequence[Any],
    row_number: int,
    col_of: Mapping[str, int],
    unit_ids: Mapping[str, int] | None,
    problems: list[RowProblem],
    units_seen: dict[tuple[str, str], _Units] | None = None,
    ambiguous: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Every field but number and title, appending this row's problems.

    ``units_seen`` caches the units of the rows parsed so far by their two cells' texts
    (a list names the same few units on row after row)."""
    category = _clean_line(_cell(row, col_of.get("category")))
    if len(category) > CATEGORY_MAX_LENGTH:
        problems.append(_problem(row_number, "category", f"类别过长（最多 {CATEGORY_MAX_LENGTH} 字）"))
    lead_submitter = _clean_line(_cell(row, col_of.get("lead_submitter")))
    co_submitters = _split_names(_cell(row, col_of.get("co_submitters")))
    for column, names in (
        ("lead_submitter", (lead_submitter,)),
        ("co_submitters", co_submitters),
    ):
        for name in names:
            if len(name) > NAME_MAX_LENGTH:
                label = FIELD_LABELS[column]
                problems.append(
                    _problem(
                        row_number,
                        column,
                        f"{label}“{name[:20]}…”过长（最多 {NAME_MAX_LENGTH} 字）",
                    )
                )

    lead_cell = _cell(row, col_of.get("lead_units"))
    co_cell = _cell(row, col_of.get("co_units"))
    texts = (_cell_text(lead_cell), _cell_text(co_cell))
    units = units_seen.get(texts) if units_seen is not None else None
    if units is None:
        units = _resolve_units(*texts, unit_ids, ambiguous)
        if units_seen is not None:
            units_seen[texts] = units
    for column, text in units.problems:
        problems.append(_problem(row_number, column, text))

    tier, tier_ok = _parse_tier(_cell(row, col_of.get("tier")))
    tier_text = ""
    if not tier_ok:
        shown = tier_text = _clean_line(_cell(row, col_of.get("tier")))
        problems.append(
            _problem(
                row_number,
                "tier",
                f"分级“{shown}”无法识别（可填：市领导领办、政府办督办、部门办理）",
            )
        )
    is_key, key_ok = _parse_is_key(_cell(row, col_of.get("is_key")))
    if not key_ok:
        shown = _clean_line(_cell(row, col_of.get("is_key")))
        problems.append(_problem(row_number, "is_key", f"重点“{shown}”无法识别（可填：是、否，或留空）"))

    return {
        "content": _clean_block(_cell(row, col_of.get("content"))),
        "category": category,
        "lead_submitter": lead_submitter,
        "co_submitters": co_submitters,
        "lead_units": units.lead_units,
        "co_units": units.co_units,
        "tier": tier,
        "is_key": is_key,
        "leader": _clean_line(_cell(row, col_of.get("leader"))),
        "lead_unit_ids": units.lead_unit_ids,
        "co_unit_ids": units.co_unit_ids,
        "tier_text": tier_text,
    }


@dataclass(frozen=True)
class _Units:
    """The 主办/会办 cells of a row read: names, ids and the problems (column, text)."""

    lead_units: tuple[str, ...]
    co_units: tuple[str, ...]
    lead_unit_ids: tuple[int, ...]
    co_unit_ids: tuple[int, ...]
    problems: tuple[tuple[str, str], ...]


def _resolve_units(lead_text: str, co_text: str, unit_ids: Mapping[str, int] | None,
                   ambiguous: Mapping[str, str] | None = None) -> _Units:
    lead_units = _split_names(lead_text, units=True)
    co_units = _split_names(co_text, units=True)
    lead_ids: list[int] = []
    co_ids: list[int] = []
    problems: list[tuple[str, str]] = []
    if unit_ids is not None:
        for column, names, ids in (
            ("lead_units", lead_units, lead_ids),
            ("co_units", co_units, co_ids),
        ):
            for name in names:
                key = normalise_unit_name(name)
                unit_id = unit_ids.get(key)
                if ambiguous and key in ambiguous:
                    problems.append((column, f"{FIELD_LABELS[column]}“{name}”同时是多个承办单位的名称或简称"
                                             f"（{ambiguous[key]}），无法确定是哪一个："
                                             "请管理员先在“承办单位”中更正重复的名称或简称"))
                elif unit_id is None:
                    problems.append((column, f"{FIELD_LABELS[column]}“{name}”不存在"))
                else:
                    ids.append(unit_id)
    lead_keys = {_unit_identity(name, unit_ids) for name in lead_units}
    for name in co_units:
        if _unit_identity(name, unit_ids) in lead_keys:
            problems.append(("co_units", f"“{name}”同时列为主办单位和会办单位"))
    return _Units(lead_units, co_units, tuple(dict.fromkeys(lead_ids)), tuple(dict.fromkeys(co_ids)),
                  tuple(problems))


def _unit_identity(name: str, unit_ids: Mapping[str, int] | None) -> str | int:
    """The unit id when known (a full and a short name are one unit), else the key."""
    key = normalise_unit_name(name)
    if unit_ids is not None and key in unit_ids:
        return unit_ids[key]
    return key


def parse_file(path_or_bytes: Any, *, sheet: str | None = None, **kw: Any) -> ParseResult:
    """``read_rows`` then ``parse_rows`` (keyword arguments go to ``parse_rows``)."""
    return parse_rows(read_rows(path_or_bytes, sheet=sheet), **kw)
