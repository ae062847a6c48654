"""A unit's full and short names are unique across every unit's full AND short names (as the
Excel import matches them), and an import refuses a name that old data gives to two units."""

from __future__ import annotations

import pytest

from tests.xlsx import xlsx_bytes
from tracker.core.enums import Role
from tracker.core.errors import ValidationFailed
from tracker.items.imports import import_items
from tracker.items.models import Item
from tracker.supervision.imports import import_documents
from tracker.units import services as units
from tracker.units.models import Unit

HEADER = ["案号", "标题", "领衔人", "主办单位"]


@pytest.fixture()
def housing(f):
    return f.unit("市住房和城乡建设局", "市住建局")


def refused(**kw) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as exc:
        units.create_unit(category="department", actor=None, **kw)
    return exc.value.fields


@pytest.mark.parametrize("typed", ["市住建局", " 市 住建局 ", "市住建局\u3000"])
def test_a_new_units_full_name_may_not_be_another_units_short_name(housing, typed):
    assert refused(name=typed, short_name="") == {
        "name": f"单位全称“{typed.strip()}”已是承办单位“市住房和城乡建设局”的简称，不能使用"}
    assert Unit.select().count() == 1


def test_a_new_units_short_name_may_not_be_another_units_full_name(housing):
    assert refused(name="市住房保障局", short_name="市住房和城乡建设局") == {
        "short_name": "简称“市住房和城乡建设局”已是承办单位“市住房和城乡建设局”的全称，不能使用"}
    assert refused(name="市住房保障局", short_name="市住建局") == {
        "short_name": "简称“市住建局”已被其他单位使用（承办单位“市住房和城乡建设局”）"}


def test_names_are_compared_full_width_and_case_folded(f):
    f.unit("市大数据发展管理局", "市ABC局")
    assert refused(name="市ａｂｃ局", short_name="") == {
        "name": "单位全称“市ａｂｃ局”已是承办单位“市大数据发展管理局”的简称，不能使用"}
    assert refused(name="市ABC办", short_name="市大数据发展管理局 ")["short_name"].startswith("简称“市大数据发展管理局”已是")


def test_both_names_are_reported_at_once(housing):
    assert set(refused(name="市住建局", short_name="市住房和城乡建设局")) == {"name", "short_name"}


def test_editing_may_not_take_another_units_names_but_keeps_its_own(f, housing):
    admin = f.user(Role.ADMIN)
    water = f.unit("市水务局", "水务局")
    with pytest.raises(ValidationFailed) as exc:
        units.update_unit(water, actor=admin, name="市住建局", short_name="水务局", category="department",
                          active=True)
    assert exc.value.fields == {"name": "单位全称“市住建局”已是承办单位“市住房和城乡建设局”的简称，不能使用"}
    assert Unit.get_by_id(water.id).name == "市水务局"
    # its own names swapped or kept are not a clash
    units.update_unit(water, actor=admin, name="水务局", short_name="市水务局", category="department", active=True)
    assert (Unit.get_by_id(water.id).name, Unit.get_by_id(water.id).short_name) == ("水务局", "市水务局")


def test_a_unit_of_old_data_whose_names_clash_can_still_be_edited_and_deactivated(f, housing):
    admin = f.user(Role.ADMIN)
    clash = Unit.create(name="市住建局", short_name="", sort_order=10**6)  # from before the rule
    units.update_unit(clash, actor=admin, name="市住建局", short_name="", category="district", active=False)
    assert Unit.get_by_id(clash.id).category == "district" and not Unit.get_by_id(clash.id).active


def test_find_unit_does_not_guess_between_two_units(f, housing):
    assert units.find_unit("市住建局").id == housing.id
    Unit.create(name="市住建局", short_name="", sort_order=10**6)  # old data
    assert units.find_unit("市住建局") is None
    assert units.find_unit("市住房和城乡建设局").id == housing.id


def test_an_import_refuses_a_unit_name_two_units_answer_to(f, housing):
    f.user(Role.UNIT_HANDLER, housing)
    f.user(Role.UNIT_LEADER, housing)
    Unit.create(name="市住建局", short_name="", sort_order=10**6)  # old data: the short name taken as a name
    session = f.session(name="市十七届人大四次会议")
    data = xlsx_bytes([["1", "关于加快老旧小区改造的建议", "王丽", "市住建局"]], HEADER)
    report = import_items(data, session, actor=f.office())
    assert not report.ok and report.imported == 0 and not Item.select().exists()
    assert report.problems == [(2, "第 2 行：主办单位“市住建局”同时是多个承办单位的名称或简称"
                                   "（市住房和城乡建设局、市住建局），无法确定是哪一个："
                                   "请管理员先在“承办单位”中更正重复的名称或简称")]
    # the full name still names one unit
    data = xlsx_bytes([["1", "关于加快老旧小区改造的建议", "王丽", "市住房和城乡建设局"]], HEADER)
    report = import_items(data, session, actor=f.office(), dry_run=True)
    assert report.ok and report.rows[0].assignments == ["市住房和城乡建设局（独办）"]


def test_an_inactive_unit_does_not_make_a_name_ambiguous(f, housing):
    f.user(Role.UNIT_HANDLER, housing)
    f.user(Role.UNIT_LEADER, housing)
    Unit.create(name="市住建局", short_name="", sort_order=99, active=False)
    session = f.session(name="市十七届人大四次会议")
    data = xlsx_bytes([["1", "关于加快老旧小区改造的建议", "王丽", "市住建局"]], HEADER)
    report = import_items(data, session, actor=f.office(), dry_run=True)
    assert report.ok and report.rows[0].assignments == ["市住房和城乡建设局（独办）"]


def test_the_document_import_refuses_an_ambiguous_unit_name_too(f, housing):
    Unit.create(name="市住建局", short_name="", sort_order=10**6)
    batch = f.session(body="other", name="2026年三书一函")
    header = ["文书类别", "文书编号", "事由", "制发机关", "制发日期", "承办单位"]
    data = xlsx_bytes([["检察建议书", "检建〔2026〕1号", "关于加强工地扬尘治理的检察建议", "市人民检察院",
                        "2026-03-02", "市住建局"]], header)
    report = import_documents(data, batch, actor=f.office(), dry_run=True)
    assert [message for _, message in report.problems] == [
        "第 2 行：承办单位“市住建局”同时是多个承办单位的名称或简称（市住房和城乡建设局、市住建局），"
        "无法确定是哪一个：请管理员先在“承办单位”中更正重复的名称或简称"]
