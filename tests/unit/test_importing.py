"""The pure Excel import parser: reading files, finding the header, validating rows."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tracker.items import importing
from tracker.items.importing import (
    EMPTY_SHEET,
    HEADER_NOT_FOUND,
    HEADER_VARIANTS,
    TITLE_MAX_LENGTH,
    ImportFileError,
    ImportRow,
    RowProblem,
    find_header,
    normalise_header,
    normalise_number,
    parse_file,
    parse_rows,
    read_rows,
)

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "cppcc-proposals-sample.xlsx"

HEADER = ("序号", "案号", "标题", "领衔人", "附议人", "主办单位", "会办单位", "类别")


def make_xlsx(
    path: Path,
    rows: list[tuple | list],
    *,
    merges: tuple[str, ...] = (),
    sheet_title: str | None = None,
    extra_sheet: str | None = None,
) -> Path:
    """Write ``rows`` from A1 into a new workbook (merged ranges after writing)."""
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    if sheet_title:
        worksheet.title = sheet_title
    for row in rows:
        worksheet.append(list(row))
    for cell_range in merges:
        worksheet.merge_cells(cell_range)
    if extra_sheet:
        workbook.create_sheet(extra_sheet).append(["other"])
    workbook.save(path)
    return path


def data_row(number, title="关于加强城市绿道建设的建议", **fields):
    values = {
        "lead": "王丽",
        "co": None,
        "lead_units": "市交通运输局",
        "co_units": None,
        "category": "城建",
    }
    values.update(fields)
    return (
        None,
        number,
        title,
        values["lead"],
        values["co"],
        values["lead_units"],
        values["co_units"],
        values["category"],
    )


def messages(result) -> list[str]:
    return [problem.message for problem in result.problems]


# --- whole files


@pytest.mark.skipif(not SAMPLE.exists(), reason="shared sample not present")
def test_shared_sample_parses():
    result = parse_file(SAMPLE)

    assert result.ok, messages(result)
    assert result.header_row == 1
    assert result.columns["number"] == "案号"
    assert result.columns["title"] == "案由"
    assert result.columns["lead_submitter"] == "提案人"
    assert result.columns["co_units"] == "协办单位"
    assert [row.number for row in result.rows] == [str(n) for n in range(1, 13)]
    second = result.rows[1]
    assert second.row_number == 3
    assert second.title == "关于发展社区嵌入式养老服务的提案"
    assert second.lead_submitter == "王丽"
    assert second.co_submitters == ("张敏", "周斌")
    assert second.lead_units == ("市民政局",)
    assert second.co_units == ()
    assert second.category == "社会"
    assert result.rows[0].co_units == ("市商务局",)
    assert result.skipped == []


@pytest.mark.skipif(not SAMPLE.exists(), reason="shared sample not present")
def test_shared_sample_reimport_adds_nothing():
    first = parse_file(SAMPLE)
    again = parse_file(SAMPLE, existing_numbers={row.number for row in first.rows})

    assert again.ok
    assert again.rows == []
    assert again.skipped == [row.row_number for row in first.rows]


def test_title_row_above_header_with_merged_cells(tmp_path):
    path = make_xlsx(
        tmp_path / "list.xlsx",
        [
            ("市政协十四届四次会议提案目录",),
            ("（截至2024年1月20日）",),
            HEADER,
            data_row(1, "关于完善夜间经济配套设施的提案"),
            data_row(2, "关于推进垃圾分类常态化的提案"),
        ],
        merges=("A1:H1", "A2:H2"),
    )

    result = parse_file(path)

    assert result.ok, messages(result)
    assert result.header_row == 3
    assert [(row.row_number, row.number) for row in result.rows] == [(4, "1"), (5, "2")]
    assert result.rows[1].title == "关于推进垃圾分类常态化的提案"


def test_header_below_empty_rows_keeps_excel_row_numbers(tmp_path):
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet["B4"] = "案号"
    worksheet["C4"] = "标题"
    worksheet["B6"] = 7
    worksheet["C6"] = "关于加强青少年心理健康教育的建议"
    path = tmp_path / "offset.xlsx"
    workbook.save(path)

    result = parse_file(path)

    assert result.header_row == 4
    assert [(row.row_number, row.number) for row in result.rows] == [(6, "7")]


def test_variant_headers(tmp_path):
    path = make_xlsx(
        tmp_path / "npc.xlsx",
        [
            (
                "建议号",
                "建议标题",
                "领衔代表",
                "联名代表",
                "承办单位",
                "会办单位",
                "内容分类",
                "建议内容",
                "分级",
                "是否重点",
                "领办领导",
            ),
            (
                "A-001",
                "关于优化营商环境审批流程的建议",
                "陈晓东",
                "刘志强、九三学社市委会",
                "市营商环境建设局",
                "市市场监督管理局",
                "经济",
                "一、现状\n二、建议",
                "市领导领办",
                "是",
                "张副市长",
            ),
        ],
    )

    result = parse_file(path)

    assert result.ok, messages(result)
    assert result.columns == {
        "number": "建议号",
        "title": "建议标题",
        "lead_submitter": "领衔代表",
        "co_submitters": "联名代表",
        "lead_units": "承办单位",
        "co_units": "会办单位",
        "category": "内容分类",
        "content": "建议内容",
        "tier": "分级",
        "is_key": "是否重点",
        "leader": "领办领导",
    }
    assert result.rows == [
        ImportRow(
            row_number=2,
            number="A-001",
            title="关于优化营商环境审批流程的建议",
            content="一、现状\n二、建议",
            category="经济",
            lead_submitter="陈晓东",
            co_submitters=("刘志强", "九三学社市委会"),
            lead_units=("市营商环境建设局",),
            co_units=("市市场监督管理局",),
            tier="leader_led",
            is_key=True,
            leader="张副市长",
        )
    ]


@pytest.mark.parametrize(
    ("cell", "field"),
    [
        ("＊案号（必填）", "number"),
        ("*建议号\n(必填)", "number"),
        ("  案　由  ", "title"),
        ("提案号：", "number"),
        ("领衔人/提案人", "lead_submitter"),
        ("主办单位【可填多个】", "lead_units"),
        ("领办（督办）领导", "leader"),
        ("协办单位", "co_units"),
        ("所属类别", "category"),
        ("办理层级", "tier"),
    ],
)
def test_header_cells_are_normalised(cell, field):
    index, columns = find_header([("说明",), (cell, "标题", "案号")])

    assert index == 1
    assert field in columns.values()
    if field not in ("number", "title"):
        assert columns[0] == field


def test_normalise_header_examples():
    assert normalise_header("＊案号（必填）") == "案号"
    assert normalise_header(" 标 题 \n") == "标题"
    assert normalise_header("主办单位(可多个") == "主办单位"


def test_header_words_belong_to_one_field_only():
    owners: dict[str, str] = {}
    for field, words in HEADER_VARIANTS.items():
        for word in words:
            key = normalise_header(word)
            assert owners.setdefault(key, field) == field, word


def test_required_header_variants_are_accepted():
    required = {
        "number": ("案号", "建议号", "提案号", "编号", "议案号"),
        "title": ("标题", "案由", "题目", "建议标题", "提案标题", "名称"),
        "content": ("内容", "正文", "建议内容", "提案内容"),
        "category": ("类别", "分类", "内容分类", "所属类别"),
        "lead_submitter": ("领衔人", "领衔代表", "提案人", "第一提案人", "代表", "委员", "提出人"),
        "co_submitters": ("附议人", "联名人", "联名代表", "附议代表", "联名委员"),
        "lead_units": ("主办单位", "承办单位", "主办"),
        "co_units": ("会办单位", "协办单位", "会办", "协办"),
        "tier": ("分级", "办理层级"),
        "is_key": ("重点", "是否重点"),
        "leader": ("领办领导", "督办领导"),
    }
    for field, words in required.items():
        for word in words:
            assert word in HEADER_VARIANTS[field], (field, word)


def test_header_not_found():
    with pytest.raises(ImportFileError) as caught:
        find_header([("姓名", "单位"), ("王丽", "市民政局")])
    assert caught.value.message == HEADER_NOT_FOUND
    assert str(caught.value) == HEADER_NOT_FOUND


def test_header_beyond_max_scan_is_not_found():
    rows = [("说明",)] * 15 + [("案号", "标题")]
    with pytest.raises(ImportFileError):
        find_header(rows)
    assert find_header(rows, max_scan=16)[0] == 15


def test_serial_number_is_never_the_number_column():
    """序号 is the list's running row number, not the item's 案号: a sheet whose only number
    column is 序号 is refused, saying which headers are accepted and why 序号 is not one."""
    index, columns = find_header([("序号", "标题", "案号")])
    assert index == 0
    assert columns == {1: "title", 2: "number"}

    for rows in ([("序号", "标题"), (1.0, "关于扶持特色农产品品牌建设的提案")],
                 [("清单",), ("序号", "名称", "主办单位"), (1.0, "关于扶持特色农产品品牌建设的提案", "市农业农村局")]):
        with pytest.raises(ImportFileError) as caught:
            parse_rows(rows)
        assert caught.value.message == importing.NUMBER_COLUMN_MISSING + importing.SERIAL_NOT_NUMBER
        assert "“案号”“建议号”“提案号”或“编号”" in caught.value.message
    assert "序号" not in HEADER_VARIANTS["number"]


def test_a_missing_column_is_named_with_the_accepted_headers():
    with pytest.raises(ImportFileError) as no_number:
        parse_rows([("名称", "领衔人"), ("关于扶持特色农产品品牌建设的提案", "王丽")])
    assert no_number.value.message == "表头中没有案号列：案号列的表头须为“案号”“建议号”“提案号”或“编号”"
    with pytest.raises(ImportFileError) as no_title:
        parse_rows([("序号", "案号", "领衔人"), (1, "101", "王丽")])
    assert no_title.value.message == "表头中没有标题列：标题列的表头须为“标题”或“案由”"
    with pytest.raises(ImportFileError) as neither:
        parse_rows([("序号", "名字", "单位"), (1, "王丽", "市民政局")])
    assert neither.value.message == HEADER_NOT_FOUND + importing.SERIAL_NOT_NUMBER
    assert "须有案号列（表头为“案号”“建议号”“提案号”或“编号”）和标题列（表头为“标题”或“案由”）" in HEADER_NOT_FOUND


def test_an_existing_number_with_a_clearly_different_title_is_a_problem_not_a_skip():
    rows = [("案号", "标题"), ("1", "关于加强城市绿道建设的建议"), ("2", "关于扶持特色农产品品牌建设的建议"),
            ("3", "关于进一步加快老旧小区加装电梯工作的建议"), ("4", "关于新建一所公办幼儿园的建议")]
    stored = {"1": "关于加强城市绿道建设的建议", "2": "关于完善城市停车设施的建议",
              "3": "关于加快老旧小区加装电梯的建议", "４": "关于新建一所公办幼儿园的建议（修改稿）"}
    result = parse_rows(rows, existing_numbers=stored)
    assert result.skipped == [2, 4, 5]  # the same title, an edited one, a longer one
    assert messages(result) == ["第 3 行：案号“2”已存在，但标题与已登记的“关于完善城市停车设施的建议”不同，请核对"]
    assert [p.column for p in result.problems] == ["number"]
    assert result.rows == [] and not result.ok
    # A plain collection of numbers (no titles) skips as before.
    assert parse_rows(rows, existing_numbers=set(stored)).skipped == [2, 3, 4, 5]


def test_titles_differ_only_clearly():
    same = [("关于加强城市绿道建设的建议", "关于加强城市绿道建设的建议。"),
            ("关于加强城市绿道建设的建议", "关于加强城市 绿道建设的提案"),
            ("关于进一步加快推进老旧小区加装电梯工作的建议", "关于加快老旧小区加装电梯的建议"),
            ("关于ＡＢＣ的建议", "关于abc的建议")]
    for a, b in same:
        assert not importing.titles_differ(a, b), (a, b)
    assert importing.titles_differ("关于加强城市绿道建设的建议", "关于完善城市停车设施的建议")
    assert importing.titles_differ("关于扶持特色农产品品牌建设的提案", "关于提高农村医保报销比例的提案")


def test_better_header_word_wins_over_leftmost():
    _, columns = find_header([("编号", "案号", "名称", "标题")])
    assert columns == {1: "number", 3: "title"}


def test_two_line_header(tmp_path):
    path = make_xlsx(
        tmp_path / "two-line.xlsx",
        [
            ("建议目录",),
            ("案号", "标题", "办理单位", None),
            (None, None, "主办", "会办"),
            (3, "关于加快海滨旅游资源开发的建议", "市文化旅游和广播电视局", "市商务局"),
        ],
        merges=("A1:D1", "A2:A3", "B2:B3", "C2:D2"),
    )

    result = parse_file(path)

    assert result.ok, messages(result)
    assert result.header_row == 3
    assert result.columns["lead_units"] == "主办"
    assert result.columns["co_units"] == "会办"
    row = result.rows[0]
    assert (row.row_number, row.lead_units, row.co_units) == (
        4,
        ("市文化旅游和广播电视局",),
        ("市商务局",),
    )


def test_repeated_header_row_is_ignored():
    result = parse_rows(
        [
            ("案号", "标题"),
            (1, "关于甲的建议"),
            ("案号", "标题"),
            (2, "关于乙的建议"),
        ]
    )
    assert result.ok
    assert [row.number for row in result.rows] == ["1", "2"]


# --- values


def test_numbers_as_floats_and_full_width(tmp_path):
    path = make_xlsx(
        tmp_path / "floats.xlsx",
        [
            HEADER,
            data_row(12.0, "关于甲的建议"),
            data_row(" １３ ", "关于乙的建议"),
            data_row("第14号", "关于丙的建议"),
            data_row("15.0", "关于丁的建议"),
            data_row(16, "关于戊的建议"),
        ],
    )

    result = parse_file(path)

    assert result.ok, messages(result)
    assert [row.number for row in result.rows] == ["12", "13", "14", "15", "16"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12.0, "12"),
        (12, "12"),
        ("  12 ", "12"),
        ("１２", "12"),
        ("第１２号", "12"),
        ("第 3 号", "3"),
        ("A-007", "A-007"),
        ("００７", "007"),
        (12.5, "12.5"),
        (None, ""),
        ("\u3000", ""),
        ("号", "号"),
    ],
)
def test_normalise_number(value, expected):
    assert normalise_number(value) == expected


def test_multiple_units_and_names_are_split(tmp_path):
    path = make_xlsx(
        tmp_path / "units.xlsx",
        [
            HEADER,
            data_row(
                1,
                lead="  王　丽 ",
                co="张敏、周斌，李强, 赵云;孙悦；钱多\n吴用 郑和",
                lead_units="市交通运输局、市公安局",
                co_units="市财政局，市自然资源局\n市生态环境局、市财政局",
            ),
            data_row(2, co="王 丽、刘 洋", lead_units="市住房和城乡建设局（牵头）、市水务局"),
        ],
    )

    result = parse_file(path)

    assert result.ok, messages(result)
    first, second = result.rows
    assert first.lead_submitter == "王丽"
    assert first.co_submitters == (
        "张敏",
        "周斌",
        "李强",
        "赵云",
        "孙悦",
        "钱多",
        "吴用",
        "郑和",
    )
    assert first.lead_units == ("市交通运输局", "市公安局")
    assert first.co_units == ("市财政局", "市自然资源局", "市生态环境局")
    assert second.co_submitters == ("王丽", "刘洋")
    assert second.lead_units == ("市住房和城乡建设局", "市水务局")


def test_titles_and_content_are_cleaned():
    result = parse_rows(
        [
            ("案号", "标题", "内容"),
            (
                1,
                "  关于加强城市\n绿道建设的\u200b建议 ",
                "\r\n第一段\r\n第二段  ",
            ),
            (2, "关于 5G 基站  建设的建议", None),
        ]
    )
    assert result.rows[0].title == "关于加强城市绿道建设的建议"
    assert result.rows[0].content == "第一段\n第二段"
    assert result.rows[1].title == "关于 5G 基站建设的建议"
    assert result.rows[1].content == ""


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        ("市领导领办", "leader_led"),
        ("领办", "leader_led"),
        ("督办", "office_supervised"),
        ("政府办督办", "office_supervised"),
        ("部门办理", "department"),
        ("一般", "department"),
        ("office_supervised", "office_supervised"),
        (None, None),
        ("独办", None),
    ],
)
def test_tier_values(value, tier):
    result = parse_rows([("案号", "标题", "分级"), (1, "关于甲的建议", value)])
    assert result.ok, messages(result)
    assert result.rows[0].tier == tier


def test_tier_is_none_without_a_column():
    result = parse_rows([("案号", "标题"), (1, "关于甲的建议")])
    assert result.rows[0].tier is None
    assert result.rows[0].is_key is False
    assert result.rows[0].leader == ""


@pytest.mark.parametrize(
    ("value", "is_key"),
    [
        ("是", True),
        ("重点", True),
        ("√", True),
        ("Y", True),
        ("y", True),
        (True, True),
        (1.0, True),
        ("重点建议", True),
        ("否", False),
        ("非重点", False),
        ("", False),
        (None, False),
        ("N", False),
    ],
)
def test_is_key_values(value, is_key):
    result = parse_rows([("案号", "标题", "重点"), (1, "关于甲的建议", value)])
    assert result.ok, messages(result)
    assert result.rows[0].is_key is is_key


def test_vertical_merge_fills_category(tmp_path):
    path = make_xlsx(
        tmp_path / "merged.xlsx",
        [
            HEADER,
            data_row(1, category="经济"),
            data_row(2, category=None),
            data_row(3, category=None),
            data_row(4, category="社会"),
        ],
        merges=("H2:H4",),
    )

    result = parse_file(path)

    assert [row.category for row in result.rows] == ["经济", "经济", "经济", "社会"]


# --- problems


def test_every_problem_is_reported_at_once_with_its_row():
    long_title = "关" * (TITLE_MAX_LENGTH + 1)
    rows = [
        ("某某会议建议目录",),
        HEADER + ("分级", "重点"),
        data_row(1) + ("部门办理", "是"),  # row 3: fine
        data_row(None) + (None, None),  # row 4: no number
        data_row(5, title="  ") + (None, None),  # row 5: no title
        data_row(6, title=long_title) + (None, None),  # row 6: title too long
        data_row(1) + (None, None),  # row 7: duplicate of row 3
        data_row(8, lead_units="市交通局X") + (None, None),  # row 8: unknown lead unit
        data_row(9, co_units="市交通运输局") + (None, None),  # row 9: lead also co
        data_row(10) + ("随便", "也许"),  # row 10: tier and key unreadable
        data_row(None, title=None, co_units="不存在的局") + (None, None),  # row 11
        data_row(12, co_units="不存在的局") + (None, None),  # row 12: unknown co unit
    ]
    known = {"市交通运输局": 1, "交通局": 1}

    result = parse_rows(rows, known_units=known)

    assert not result.ok
    assert messages(result) == [
        "第 4 行：案号为空",
        "第 5 行：标题为空",
        f"第 6 行：标题过长（共 {TITLE_MAX_LENGTH + 1} 字，最多 {TITLE_MAX_LENGTH} 字）",
        "第 7 行：案号“1”与第 3 行重复",
        "第 8 行：主办单位“市交通局X”不存在",
        "第 9 行：“市交通运输局”同时列为主办单位和会办单位",
        "第 10 行：分级“随便”无法识别（可填：市领导领办、政府办督办、部门办理）",
        "第 10 行：重点“也许”无法识别（可填：是、否，或留空）",
        "第 11 行：案号为空",
        "第 11 行：标题为空",
        "第 12 行：会办单位“不存在的局”不存在",
    ]
    assert [(p.row_number, p.column) for p in result.problems] == [
        (4, "number"),
        (5, "title"),
        (6, "title"),
        (7, "number"),
        (8, "lead_units"),
        (9, "co_units"),
        (10, "tier"),
        (10, "is_key"),
        (11, "number"),
        (11, "title"),
        (12, "co_units"),
    ]
    assert result.problems_by_row()[10] == result.problems[6:8]
    # Rows that have a number and a title stay in the preview; the duplicate does not.
    assert [row.row_number for row in result.rows] == [3, 6, 8, 9, 10, 12]
    assert all(row.number and row.title for row in result.rows)


def test_problem_values():
    problem = RowProblem(7, "number", "第 7 行：案号为空")
    assert problem.message.startswith("第 7 行：")


def test_duplicate_numbers_name_both_rows(tmp_path):
    path = make_xlsx(
        tmp_path / "dup.xlsx",
        [HEADER, data_row(3), data_row(4), data_row(3.0), data_row("第3号")],
    )

    result = parse_file(path)

    assert messages(result) == [
        "第 4 行：案号“3”与第 2 行重复",
        "第 5 行：案号“3”与第 2 行重复",
    ]
    assert [row.row_number for row in result.rows] == [2, 3]


def test_unknown_units_and_resolution_by_normalised_name():
    known = {"市交通运输局": 1, "交通局": 1, "市公安局": 2, "市财政局": 3}
    result = parse_rows(
        [
            HEADER,
            data_row(1, lead_units="市交通运输局 、 市 公安局", co_units="市财政局"),
            data_row(2, lead_units="交通局、市交通运输局", co_units="市财政局X"),
            data_row(3, lead_units="市交通局X", co_units="交通局"),
        ],
        known_units=known,
    )

    assert messages(result) == [
        "第 3 行：会办单位“市财政局X”不存在",
        "第 4 行：主办单位“市交通局X”不存在",
    ]
    first, second, third = result.rows
    assert first.lead_unit_ids == (1, 2)
    assert first.co_unit_ids == (3,)
    assert second.lead_unit_ids == (1,)
    assert third.lead_unit_ids == ()
    assert third.co_unit_ids == (1,)


def test_short_name_as_co_unit_of_its_own_lead_is_a_problem():
    known = {"市交通运输局": 1, "交通局": 1}
    result = parse_rows(
        [HEADER, data_row(1, lead_units="市交通运输局", co_units="交通局")],
        known_units=known,
    )
    assert messages(result) == ["第 2 行：“交通局”同时列为主办单位和会办单位"]


def test_a_name_several_units_answer_to_is_refused_as_ambiguous():
    # old data: one unit's short name is another's full name; the row goes to neither
    known = {"市住房和城乡建设局": 1, "市财政局": 3}
    ambiguous = {"市住建局": ("市住房和城乡建设局", "市住建局")}
    result = parse_rows(
        [HEADER, data_row(1, lead_units="市 住建局"), data_row(2, lead_units="市财政局", co_units="市住建局")],
        known_units={**known, "市住建局": 2}, ambiguous_units=ambiguous,
    )
    assert messages(result) == [
        "第 2 行：主办单位“市住建局”同时是多个承办单位的名称或简称（市住房和城乡建设局、市住建局），"
        "无法确定是哪一个：请管理员先在“承办单位”中更正重复的名称或简称",
        "第 3 行：会办单位“市住建局”同时是多个承办单位的名称或简称（市住房和城乡建设局、市住建局），"
        "无法确定是哪一个：请管理员先在“承办单位”中更正重复的名称或简称",
    ]
    assert [(row.lead_unit_ids, row.co_unit_ids) for row in result.rows] == [((), ()), ((3,), ())]


def test_unit_names_match_whatever_their_case_and_width():
    result = parse_rows([HEADER, data_row(1, lead_units="市ＡＢＣ 局", co_units="abc办")],
                        known_units={"市abc局": 1, "ABC办": 2})
    assert result.ok, messages(result)
    assert (result.rows[0].lead_unit_ids, result.rows[0].co_unit_ids) == ((1,), (2,))


def test_an_unreadable_tier_keeps_what_the_file_said():
    header = (*HEADER, "分级")
    result = parse_rows([header, (*data_row(1), "超级办理"), (*data_row(2), "政府办督办"), (*data_row(3), None)])
    assert messages(result) == ["第 2 行：分级“超级办理”无法识别（可填：市领导领办、政府办督办、部门办理）"]
    assert [(row.tier, row.tier_text) for row in result.rows] == [
        (None, "超级办理"), ("office_supervised", ""), (None, "")]


def test_units_are_not_checked_without_known_units():
    result = parse_rows([HEADER, data_row(1, lead_units="随便什么局")])
    assert result.ok
    assert result.rows[0].lead_unit_ids == ()


def test_existing_numbers_are_skipped_not_problems(tmp_path):
    path = make_xlsx(
        tmp_path / "again.xlsx",
        [HEADER, data_row(1), data_row(2.0), data_row(3), data_row("第4号")],
    )

    result = parse_file(path, existing_numbers={"1", "第２号", 4})

    assert result.ok
    assert result.skipped == [2, 3, 5]
    assert [row.number for row in result.rows] == ["3"]


def test_reimport_of_everything_adds_nothing(tmp_path):
    path = make_xlsx(tmp_path / "again.xlsx", [HEADER, data_row(1), data_row(2)])
    first = parse_file(path)

    again = parse_file(path, existing_numbers=[row.number for row in first.rows])

    assert again.ok
    assert again.rows == []
    assert again.skipped == [2, 3]


def test_empty_rows_and_notes_after_the_data_are_ignored(tmp_path):
    path = make_xlsx(
        tmp_path / "notes.xlsx",
        [
            HEADER,
            data_row(1),
            (None,) * 8,
            data_row(2),
            (),
            ("合计：2件",),
            (None, "制表人：张三", None, None, None, "审核人：李四"),
            ("注：以上为立案提案",),
            (None, None, None, None, None, None, None, None),
            ("  ", "\u3000"),
        ],
        merges=("A8:H8",),
    )

    result = parse_file(path)

    assert result.ok, messages(result)
    assert [row.row_number for row in result.rows] == [2, 4]


def test_note_after_the_data_with_a_title_is_a_problem():
    result = parse_rows([HEADER, data_row(1), (None, None, "以上建议由代表团提出")])
    assert messages(result) == ["第 3 行：案号为空"]


def test_section_headings_between_rows_are_ignored():
    result = parse_rows(
        [
            HEADER,
            ("一、经济建设类（2件）",),
            data_row(1),
            data_row(2),
            ("（二）社会事业类",),
            data_row(3),
        ]
    )
    assert result.ok, messages(result)
    assert [row.number for row in result.rows] == ["1", "2", "3"]


def test_stray_content_between_rows_is_a_problem():
    result = parse_rows([HEADER, data_row(1), data_row(None, title=None, lead="赵六"), data_row(2)])
    assert messages(result) == ["第 3 行：案号为空", "第 3 行：标题为空"]


def test_number_without_title_after_the_data_is_a_problem():
    result = parse_rows([HEADER, data_row(1), (None, 2.0)])
    assert messages(result) == ["第 3 行：标题为空"]


def test_header_without_data_rows_is_a_problem():
    result = parse_rows([("提案目录",), HEADER, ("制表人：张三",)])
    assert not result.ok
    # a problem of the file, not of a row: at the header row, and not worded as a row's
    assert messages(result) == ["表头（第 2 行）下方没有任何数据行"]
    assert [(p.row_number, p.column) for p in result.problems] == [(2, None)]
    assert result.rows == []


def test_overlong_number_category_and_name():
    result = parse_rows(
        [
            ("案号", "标题", "类别", "领衔人"),
            ("1" * 31, "关于甲的建议", "类" * 51, "名" * 101),
        ]
    )
    assert [problem.column for problem in result.problems] == [
        "number",
        "category",
        "lead_submitter",
    ]


# --- files that are not .xlsx


def test_xls_file_gives_clear_message(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    for name in ("old.xls", "old-renamed.xlsx"):
        path = tmp_path / name
        path.write_bytes(ole)
        with pytest.raises(ImportFileError) as caught:
            parse_file(path)
        assert caught.value.message == "暂不支持 .xls 格式，请在 Excel 中另存为 .xlsx 后再导入"


def test_password_protected_workbook_gives_clear_message():
    encrypted = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "EncryptionInfo".encode("utf-16-le")
    with pytest.raises(ImportFileError) as caught:
        read_rows(encrypted)
    assert "密码" in caught.value.message


def test_text_file_renamed_xlsx_gives_clear_message(tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_text("案号,标题\n1,关于甲的建议\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        parse_file(path)
    assert caught.value.message == "文件不是 Excel 工作簿，请选择 .xlsx 格式的文件"


def test_html_export_renamed_xls_gives_clear_message():
    with pytest.raises(ImportFileError) as caught:
        read_rows(b"<html><body><table><tr><td>1</td></tr></table></body></html>")
    assert "另存为 .xlsx" in caught.value.message


@pytest.mark.parametrize(
    ("member", "fragment"),
    [
        ("word/document.xml", "Word"),
        ("xl/workbook.bin", ".xlsb"),
        ("readme.txt", "不是 Excel"),
    ],
)
def test_other_zip_files_give_clear_messages(member, fragment):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, "x")
    with pytest.raises(ImportFileError) as caught:
        read_rows(buffer.getvalue())
    assert fragment in caught.value.message


def test_damaged_zip_gives_clear_message():
    with pytest.raises(ImportFileError) as caught:
        read_rows(b"PK\x03\x04" + b"\x00" * 64)
    assert "损坏" in caught.value.message


@pytest.mark.parametrize("content", [b"", b"   \n"])
def test_empty_file(content):
    with pytest.raises(ImportFileError) as caught:
        read_rows(content)
    assert caught.value.message == "文件为空，请选择要导入的 Excel 文件"


def test_missing_file(tmp_path):
    with pytest.raises(ImportFileError):
        read_rows(tmp_path / "nope.xlsx")


def test_empty_sheet(tmp_path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    assert read_rows(path) == []
    with pytest.raises(ImportFileError) as caught:
        parse_file(path)
    assert caught.value.message == EMPTY_SHEET


def test_sheet_of_blank_cells_is_empty():
    with pytest.raises(ImportFileError) as caught:
        parse_rows([(None, " "), ("\u3000",)])
    assert caught.value.message == EMPTY_SHEET


# --- reading


def test_content_decides_not_the_file_name(tmp_path):
    path = make_xlsx(tmp_path / "list.txt", [HEADER, data_row(1)])
    assert [row.number for row in parse_file(path).rows] == ["1"]


def test_bytes_and_file_objects_are_accepted(tmp_path):
    path = make_xlsx(tmp_path / "list.xlsx", [HEADER, data_row(1)])
    data = path.read_bytes()

    assert parse_file(data).rows == parse_file(path).rows
    assert parse_file(io.BytesIO(data)).rows == parse_file(str(path)).rows
    assert parse_file(bytearray(data)).rows[0].number == "1"


def test_read_rows_pads_from_a1(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active["C3"] = "标题"
    path = tmp_path / "pad.xlsx"
    workbook.save(path)

    rows = read_rows(path)

    assert rows[2][2] == "标题"
    assert rows[0][0] is None


def test_first_sheet_or_named_sheet(tmp_path):
    path = make_xlsx(
        tmp_path / "sheets.xlsx",
        [HEADER, data_row(1)],
        sheet_title="建议目录",
        extra_sheet="说明",
    )
    assert parse_file(path).rows[0].number == "1"
    assert read_rows(path, sheet="说明") == [("other",)]
    with pytest.raises(ImportFileError) as caught:
        read_rows(path, sheet="不存在")
    assert caught.value.message == "工作表“不存在”不存在"


def test_falls_back_to_openpyxl_when_calamine_fails(tmp_path, monkeypatch):
    import python_calamine

    def broken(*args, **kwargs):
        raise python_calamine.CalamineError("boom")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", broken)
    path = make_xlsx(
        tmp_path / "list.xlsx",
        [("提案目录",), HEADER, data_row(12.0), data_row(13)],
        merges=("A1:H1",),
    )

    result = parse_file(path)

    assert result.ok, messages(result)
    assert result.header_row == 2
    assert [(row.row_number, row.number) for row in result.rows] == [(3, "12"), (4, "13")]
    with pytest.raises(ImportFileError):
        read_rows(path, sheet="不存在")


def test_unreadable_workbook_gives_clear_message(monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml at all")
    with pytest.raises(ImportFileError) as caught:
        read_rows(buffer.getvalue())
    assert "无法读取" in caught.value.message


# --- speed


def test_five_thousand_rows_parse_quickly(tmp_path):
    rows = [("市十七届人大四次会议代表建议目录",), HEADER + ("分级", "重点")]
    for n in range(1, 5001):
        rows.append(
            data_row(
                float(n),
                f"关于第{n}件事项的建议",
                co="张敏、周斌、李强",
                lead_units="市交通运输局、市公安局",
                co_units="市财政局",
            )
            + ("部门办理", "是" if n % 7 == 0 else None)
        )
    known = {"市交通运输局": 1, "市公安局": 2, "市财政局": 3}

    result = parse_rows(rows, known_units=known, existing_numbers={"1", "2"})

    assert result.ok
    assert len(result.rows) == 4998

    path = make_xlsx(tmp_path / "big.xlsx", rows)
    from_file = parse_file(path, known_units=known)
    assert len(from_file.rows) == 5000


def test_module_is_pure():
    source = Path(importing.__file__).read_text(encoding="utf-8")
    for forbidden in ("import flask", "from flask", "import peewee", "from tracker"):
        assert forbidden not in source


def test_the_import_allows_titles_as_long_as_the_form_does():
    from tracker.items.models import TITLE_MAX_LENGTH as FORM_LIMIT

    assert TITLE_MAX_LENGTH == FORM_LIMIT
