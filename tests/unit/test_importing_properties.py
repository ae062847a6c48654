"""Property tests of the import parser on generated sheets."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.items.importing import (
    HEADER_VARIANTS,
    ImportFileError,
    normalise_number,
    normalise_unit_name,
    parse_rows,
)

SETTINGS = settings(
    deadline=None,
    max_examples=200,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HEADER_WORDS = [word for words in HEADER_VARIANTS.values() for word in words]
UNIT_NAMES = ["市交通运输局", "市公安局", "市财政局", "交通局", "市 民政局", "ＸＹ局"]
KNOWN_UNITS = {"市交通运输局": 1, "交通局": 1, "市公安局": 2, "市财政局": 3}

texts = st.lists(
    st.sampled_from(
        list("关于建议提案市局号第一二三、，,;； \u3000\n\t\r*（）()：:0123456789１２Ａa-")
        + ["\u200b", "制表人：", "合计", "一、", "第", "号"]
    ),
    max_size=10,
).map("".join)
cells = st.one_of(
    st.none(),
    texts,
    st.sampled_from(HEADER_WORDS + UNIT_NAMES + ["是", "否", "领办", "督办", "一般"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.dates(min_value=date(1900, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1)),
)
tables = st.lists(st.lists(cells, max_size=9), max_size=25)

# A sheet with a real header somewhere in its first rows, then generated data rows.
field_columns = st.permutations(list(HEADER_VARIANTS)).flatmap(
    lambda fields: st.tuples(
        st.just(fields),
        st.tuples(*(st.sampled_from(HEADER_VARIANTS[name]) for name in fields)),
    )
)
data_cells = st.one_of(
    st.none(),
    texts,
    st.sampled_from(UNIT_NAMES + ["是", "否", "领办", "督办", "部门办理"]),
    st.integers(min_value=0, max_value=30),
    st.floats(min_value=0, max_value=30).map(float.__floor__).map(float),
)


@st.composite
def sheets(draw):
    fields, words = draw(field_columns)
    keep = draw(st.integers(min_value=0, max_value=len(fields)))
    chosen = [
        (name, word)
        for name, word in zip(fields, words, strict=True)
        if name in ("number", "title") or fields.index(name) < keep
    ]
    header = [word for _, word in chosen]
    above = draw(st.lists(st.lists(texts, max_size=3), max_size=4))
    width = len(header)
    body = draw(st.lists(st.lists(data_cells, min_size=width, max_size=width), max_size=30))
    return [*above, header, *body], [name for name, _ in chosen]


def check_result(result, rows):
    assert 1 <= result.header_row <= len(rows)
    for row in result.rows:
        assert row.number.strip() and row.number == row.number.strip()
        assert row.title.strip()
        assert result.header_row < row.row_number <= len(rows)
        assert isinstance(row.co_submitters, tuple)
        assert all(name.strip() for name in row.co_submitters + row.lead_units)
        assert row.tier in (None, "leader_led", "office_supervised", "department")
    for problem in result.problems:
        assert 1 <= problem.row_number <= len(rows)
        if problem.row_number == result.header_row and problem.column is None:  # the file's own problem
            assert not result.rows and problem.message == f"表头（第 {problem.row_number} 行）下方没有任何数据行"
        else:
            assert problem.message.startswith(f"第 {problem.row_number} 行：")
    numbers = [row.number for row in result.rows]
    assert len(numbers) == len(set(numbers))
    assert [row.row_number for row in result.rows] == sorted(row.row_number for row in result.rows)
    assert set(result.skipped).isdisjoint(row.row_number for row in result.rows)
    assert result.ok == (not result.problems)


@SETTINGS
@given(tables)
def test_arbitrary_tables_raise_only_import_file_errors(rows):
    try:
        result = parse_rows(rows, known_units=KNOWN_UNITS)
    except ImportFileError as error:
        assert error.message
        return
    check_result(result, rows)


@SETTINGS
@given(sheets())
def test_sheets_with_a_header_always_parse(sheet):
    rows, fields = sheet
    result = parse_rows(rows, known_units=KNOWN_UNITS)

    check_result(result, rows)
    assert set(result.columns) == set(fields)
    for row in result.rows:
        if "lead_units" in fields or "co_units" in fields:
            problem_rows = {problem.row_number for problem in result.problems}
            resolved = len(row.lead_unit_ids) + len(row.co_unit_ids)
            units = {normalise_unit_name(u) for u in row.lead_units + row.co_units}
            if resolved < len(units):
                assert row.row_number in problem_rows


@SETTINGS
@given(sheets())
def test_reimporting_the_same_sheet_adds_nothing(sheet):
    rows, _ = sheet
    first = parse_rows(rows)

    again = parse_rows(rows, existing_numbers=[row.number for row in first.rows])

    assert again.rows == []
    assert {row.row_number for row in first.rows} <= set(again.skipped)


@SETTINGS
@given(
    st.lists(
        st.sampled_from(["valid", "no_number", "no_title", "bad_unit", "blank"]),
        max_size=40,
    )
)
def test_every_defective_row_is_reported_at_once(kinds):
    rows: list[tuple] = [("建议目录",), ("案号", "标题", "主办单位")]
    for position, kind in enumerate(kinds, start=1):
        number = None if kind == "no_number" else float(position)
        title = None if kind == "no_title" else f"关于第{position}件事的建议"
        unit = "不存在的局" if kind == "bad_unit" else "市公安局、交通局"
        rows.append(() if kind == "blank" else (number, title, unit))

    result = parse_rows(rows, known_units=KNOWN_UNITS)

    defective = {
        position + 2
        for position, kind in enumerate(kinds, start=1)
        if kind in ("no_number", "no_title", "bad_unit")
    }
    if any(kind != "blank" for kind in kinds):
        assert {problem.row_number for problem in result.problems} == defective
    else:
        assert [problem.row_number for problem in result.problems] == [2]
    assert [row.row_number for row in result.rows] == [
        position + 2 for position, kind in enumerate(kinds, start=1) if kind in ("valid", "bad_unit")
    ]
    check_result(result, rows)


@SETTINGS
@given(
    st.lists(st.sampled_from(UNIT_NAMES[:4] + ["市自然资源局"]), min_size=1, max_size=5),
    st.lists(st.sampled_from(["、", "，", ",", ";", "；", "\n", " ", "　", " 、 "])),
)
def test_unit_lists_split_on_any_separator(names, separators):
    joined = names[0]
    for position, name in enumerate(names[1:]):
        joined += (separators[position % len(separators)] if separators else "、") + name
    result = parse_rows([("案号", "标题", "主办单位"), (1, "关于甲的建议", joined)])

    assert result.rows[0].lead_units == tuple(dict.fromkeys(names))


@SETTINGS
@given(st.integers(min_value=0, max_value=10**12))
def test_numbers_read_the_same_however_they_are_stored(n):
    full_width = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    expected = str(n)
    for stored in (n, float(n), f" {n} ", full_width, f"第{n}号", f"{n}.0"):
        if isinstance(stored, float) and int(stored) != n:
            continue  # beyond float precision
        assert normalise_number(stored) == expected
