"""Importing a session's Excel list: all rows or none, with every problem named by row."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.xlsx import xlsx_bytes
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core.enums import Role
from tracker.core.errors import PermissionDenied, ValidationFailed
from tracker.items.imports import CO_TASK, DEFAULT_TASK, import_items
from tracker.items.models import Item, Submitter
from tracker.reminders.models import Notification

SAMPLE = Path("/work/shared/samples/cppcc-proposals-sample.xlsx")
HEADER = ["建议号", "标题", "领衔代表", "附议代表", "主办单位", "会办单位", "分级", "内容分类"]


def workbook(rows: list[list], *, header: list[str] = HEADER, title: str | None = "市十七届人大四次会议代表建议交办清单") -> bytes:
    """An .xlsx like the lists offices receive: a title row and a blank row above the header."""
    return xlsx_bytes(rows, header, title=title)


def staffed_unit(f, name: str, short: str = "", *, handler_name: str = "", leader_name: str = ""):
    unit = f.unit(name, short=short)
    f.user(Role.UNIT_HANDLER, unit, name=handler_name or f"{name}经办人", phone="0571-1234")
    f.user(Role.UNIT_HANDLER, unit, name=f"{name}第二经办人")
    f.user(Role.UNIT_LEADER, unit, name=leader_name or f"{name}领导")
    return unit


@pytest.fixture()
def world(f):
    session = f.session(name="市十七届人大四次会议")
    office = f.office()
    civil = staffed_unit(f, "市民政局", "民政局", handler_name="李经办", leader_name="王局长")
    commerce = staffed_unit(f, "市商务局", "商务局")
    return {"session": session, "office": office, "civil": civil, "commerce": commerce}


ROWS = [
    [1, "关于发展社区嵌入式养老服务的建议", "王丽", "张敏、周斌", "市民政局", "市商务局", "", "社会"],
    ["2", "关于完善夜间经济配套设施的建议", "刘强", None, "市民政局、市商务局", None, "政府办督办", "经济"],
    ["第3号", "关于加强社区食堂建设的建议", "陈东", "", "民政局", "", "", ""],
]


def counts() -> tuple[int, int, int, int]:
    return Item.select().count(), Submitter.select().count(), Assignment.select().count(), Notification.select().count()


def item_audit() -> bool:
    return AuditEntry.select().where(AuditEntry.action.in_(["registered", "assigned", "items_imported"])).exists()


def test_happy_path_title_row_variant_headers_co_units_and_separate(world):
    report = import_items(workbook(ROWS), world["session"], actor=world["office"])
    assert report.ok, report.problems
    assert report.header_row == 3
    assert report.kind == "suggestion"  # from the NPC session
    assert report.imported == 3 and report.importable == 3
    items = {i.number: i for i in Item.select()}
    assert set(items) == {"1", "2", "3"}

    first = items["1"]
    subs = list(Submitter.select().where(Submitter.item == first.id).order_by(Submitter.position))
    assert [(s.name, s.role) for s in subs] == [("王丽", "lead"), ("张敏", "co"), ("周斌", "co")]
    assert first.category == "社会" and first.status == "assigned" and first.handling_mode == "lead_co"
    roles = {a.unit.name: a for a in Assignment.select().where(Assignment.item == first.id)}
    assert {name: a.role for name, a in roles.items()} == {"市民政局": "lead", "市商务局": "co"}
    lead = roles["市民政局"]
    assert lead.task == DEFAULT_TASK
    assert lead.responsible_leader == "王局长"
    assert lead.handler.name == "李经办"  # the unit's first handler account
    assert lead.handler_phone == "0571-1234"
    assert roles["市商务局"].co_opinion_due is not None
    assert roles["市商务局"].task == CO_TASK and "答复" not in CO_TASK  # a co unit sends an opinion

    second = items["2"]
    assert second.tier == "office_supervised" and second.handling_mode == "separate"
    assert sorted(a.role for a in Assignment.select().where(Assignment.item == second.id)) == ["separate", "separate"]

    third = items["3"]  # "第3号" and the short name 民政局
    [only] = Assignment.select().where(Assignment.item == third.id)
    assert only.role == "sole" and only.unit_id == world["civil"].id
    assert AuditEntry.select().where(AuditEntry.action == "items_imported").count() == 1


def test_a_bad_row_imports_nothing_and_names_the_row(world):
    rows = ROWS + [
        ["4", "关于增设公交线路的建议", "赵敏", "", "市不存在局", "", "", ""],
        ["5", "", "钱进", "", "市民政局", "", "", ""],
        ["6", "关于整治噪声的建议", "孙立", "", "市民政局", "", "随便", ""],
    ]
    report = import_items(workbook(rows), world["session"], actor=world["office"])
    assert not report.ok
    messages = [m for _, m in report.problems]
    assert "第 7 行：主办单位“市不存在局”不存在" in messages
    assert "第 8 行：标题为空" in messages
    assert any(m.startswith("第 9 行：分级“随便”无法识别") for m in messages)
    assert report.imported == 0
    assert counts() == (0, 0, 0, 0)
    assert not item_audit()
    assert "存在问题，未导入任何数据" in report.summary()
    # The preview lists every row of the file, the unreadable one too.
    assert [r.row_number for r in report.rows] == [4, 5, 6, 7, 8, 9]
    untitled = report.rows[4]
    assert (untitled.number, untitled.title, untitled.problems) == ("5", "", ["第 8 行：标题为空"])
    assert "共读取 6 行：可导入 3 行" in report.summary()


def test_domain_rules_become_row_problems(world):
    """Rules the parser cannot know (a leader-led item needs a leader; co units need a lead)."""
    rows = [
        ["1", "关于A的建议", "王丽", "", "市民政局", "", "市领导领办", ""],
        ["2", "关于B的建议", "", "张敏", "市民政局", "", "", ""],
        ["3", "关于C的建议", "刘强", "", "", "市商务局", "", ""],
        ["4", "关于D的建议", "陈东", "", "市民政局", "", "", ""],
    ]
    header = [*HEADER]
    report = import_items(workbook(rows, header=header), world["session"], actor=world["office"])
    assert not report.ok
    by_row = {}
    for row, message in report.problems:
        by_row.setdefault(row, []).append(message)
    assert by_row[4] == ["第 4 行：市领导领办件须指定领办领导"]
    assert by_row[5] == ["第 5 行：领衔人须有且只有一名"]
    assert by_row[6] == ["第 6 行：列有会办单位但没有主办单位，请补充主办单位"]
    assert 7 not in by_row
    assert counts() == (0, 0, 0, 0)


def test_a_named_city_leader_is_set_and_an_unknown_one_is_a_problem(world, f):
    leader = f.user(Role.LEADER, name="赵市长")
    header = [*HEADER, "领办领导"]
    ok = import_items(workbook([["1", "关于A的建议", "王丽", "", "市民政局", "", "市领导领办", "", "赵市长"]],
                               header=header), world["session"], actor=world["office"])
    assert ok.ok and Item.get(Item.number == "1").leader_id == leader.id
    bad = import_items(workbook([["2", "关于B的建议", "王丽", "", "市民政局", "", "市领导领办", "", "钱市长"]],
                                header=header), world["session"], actor=world["office"])
    assert [m for _, m in bad.problems] == ["第 4 行：领办领导“钱市长”不是系统中的市领导账号"]
    assert Item.select().count() == 1


def test_reimporting_the_same_file_adds_nothing(world):
    data = workbook(ROWS)
    first = import_items(data, world["session"], actor=world["office"])
    assert first.imported == 3
    before = counts()
    again = import_items(data, world["session"], actor=world["office"])
    assert again.ok and again.imported == 0
    assert again.skipped == [4, 5, 6]
    assert [(r.number, r.skipped, r.importable) for r in again.rows] == [("1", True, False), ("2", True, False),
                                                                        ("3", True, False)]
    assert again.rows[0].title == "关于发展社区嵌入式养老服务的建议"
    assert counts() == before
    assert "已存在跳过 3 行" in again.summary()


def test_xls_and_other_files_get_the_parsers_message(world):
    with pytest.raises(ValidationFailed) as xls:
        import_items(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, world["session"], actor=world["office"])
    assert xls.value.message == "暂不支持 .xls 格式，请在 Excel 中另存为 .xlsx 后再导入"
    assert xls.value.fields == {"file": xls.value.message}
    with pytest.raises(ValidationFailed) as text:
        import_items("案号,标题\n1,关于\n".encode(), world["session"], actor=world["office"])
    assert "不是 Excel 工作簿" in text.value.message
    with pytest.raises(ValidationFailed) as header:
        import_items(workbook([["x", "y"]], header=["甲", "乙"]), world["session"], actor=world["office"])
    assert "未找到表头" in header.value.message
    assert counts() == (0, 0, 0, 0)


def test_dry_run_reports_everything_and_changes_nothing(world):
    report = import_items(workbook(ROWS), world["session"], actor=world["office"], dry_run=True)
    assert report.ok and report.dry_run
    assert report.imported == 0 and report.importable == 3
    assert report.rows[0].assignments == ["市民政局（主办）", "市商务局（会办）"]
    assert all(row.item_id is None for row in report.rows)
    assert counts() == (0, 0, 0, 0)
    assert not item_audit()
    assert "试运行，未写入任何数据" in report.summary()


def test_a_crash_in_the_middle_leaves_nothing(world, monkeypatch):
    """The rows are written in batches inside one transaction: a crash after the first
    batch (items, submitters, assignments and audit entries written) leaves nothing."""
    from tracker.items import imports

    real = imports._write_batch
    calls = {"n": 0}

    def failing(*args, **kw):
        calls["n"] += 1
        if calls["n"] == 2:  # the second row's batch, the first one written
            raise RuntimeError("disk full")
        return real(*args, **kw)

    monkeypatch.setattr(imports, "BATCH_ROWS", 1)
    monkeypatch.setattr(imports, "_write_batch", failing)
    with pytest.raises(RuntimeError):
        import_items(workbook(ROWS), world["session"], actor=world["office"])
    assert calls["n"] == 2
    assert counts() == (0, 0, 0, 0)
    assert not item_audit()


def test_a_unit_without_accounts_imports_the_item_unassigned_with_a_warning(world, f):
    f.unit("市营商环境建设局")
    rows = [["1", "关于优化营商环境的建议", "王丽", "", "市营商环境建设局", "市民政局", "", ""]]
    report = import_items(workbook(rows), world["session"], actor=world["office"])
    assert report.ok and report.imported == 1
    assert [m for _, m in report.warnings] == [
        "第 4 行：承办单位“市营商环境建设局”尚无经办人账号和领导账号，无法交办；"
        "该件导入后为“已登记”（未交办），请在交办审核中手工交办"]
    item = Item.get()
    assert item.status == "registered"
    assert not Assignment.select().exists()


def test_the_kind_must_fit_the_session(world, f):
    with pytest.raises(ValidationFailed) as exc:
        import_items(workbook(ROWS), world["session"], "proposal", actor=world["office"])
    assert exc.value.message == "会次“市十七届人大四次会议”属于人大，不能导入政协提案"


def test_only_the_office_may_import(world, f):
    handler = f.user(Role.UNIT_HANDLER, world["civil"])
    with pytest.raises(PermissionDenied):
        import_items(workbook(ROWS), world["session"], actor=handler)
    assert counts() == (0, 0, 0, 0)


def test_the_shared_sample_list_imports(f):
    session = f.session(body="cppcc", name="市政协十四届四次会议")
    office = f.office()
    for name in ["市住房和城乡建设局", "市民政局", "市城市管理综合行政执法局", "市工业和信息化局",
                 "市卫生健康委员会", "市营商环境建设局", "市文化旅游和广播电视局", "市商务局"]:
        staffed_unit(f, name)
    report = import_items(SAMPLE, session, actor=office)
    assert report.ok, report.problems
    assert report.kind == "proposal" and report.imported == 12
    item = Item.get(Item.number == "2")
    assert item.title == "关于发展社区嵌入式养老服务的提案"
    assert [s.name for s in Submitter.select().where(Submitter.item == item.id).order_by(Submitter.position)] == \
        ["王丽", "张敏", "周斌"]
    first = Item.get(Item.number == "1")
    roles = {a.unit.name: a.role for a in Assignment.select().where(Assignment.item == first.id)}
    assert roles == {"市住房和城乡建设局": "lead", "市商务局": "co"}
    assert import_items(SAMPLE, session, actor=office).imported == 0


# --- the command line ------------------------------------------------------------------------


def test_cli_imports_and_reports_in_chinese(world, runner, tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(workbook(ROWS))
    sid = str(world["session"].id)
    dry = runner.invoke(args=["items", "import", str(path), "--session", sid, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "可导入 3 行" in dry.output and "试运行" in dry.output
    assert Item.select().count() == 0
    done = runner.invoke(args=["items", "import", str(path), "--session", sid])
    assert done.exit_code == 0, done.output
    assert "已导入 3 件" in done.output
    again = runner.invoke(args=["items", "import", str(path), "--session", sid])
    assert again.exit_code == 0 and "已存在跳过 3 行" in again.output
    assert Item.select().count() == 3


def test_cli_exits_non_zero_on_problems_and_bad_files(world, runner, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([["1", "关于A的建议", "王丽", "", "市不存在局", "", "", ""]]))
    sid = str(world["session"].id)
    result = runner.invoke(args=["items", "import", str(bad), "--session", sid])
    assert result.exit_code == 1
    assert "第 4 行：主办单位“市不存在局”不存在" in result.output
    assert "未导入任何数据" in result.output
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    result = runner.invoke(args=["items", "import", str(xls), "--session", sid])
    assert result.exit_code == 1 and "暂不支持 .xls 格式" in result.output
    result = runner.invoke(args=["items", "import", str(tmp_path / "none.xlsx"), "--session", sid])
    assert result.exit_code == 1 and "不存在" in result.output
    result = runner.invoke(args=["items", "import", str(bad), "--session", "999"])
    assert result.exit_code == 1 and "会次“999”不存在" in result.output
    assert Item.select().count() == 0
