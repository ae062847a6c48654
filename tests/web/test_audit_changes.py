"""The audit log's 变更内容 column for the administrators' own changes: the rule profile, settings,
the 3+1 checklist, reminder rules and the working calendar read in plain Chinese — a clock per row
(only those that changed), codes by their names, lists as their items — not as JSON or code names."""

from __future__ import annotations

import html
import re

import pytest

from tracker.admin.audit_changes import change_rows
from tracker.assignments.deadlines import DEFAULT_CLOCKS
from tracker.audit.models import AuditEntry
from tracker.core.enums import Role
from tracker.reminders.models import ReminderRule
from tracker.rules.models import ChecklistEntry

CODE_NAMES = ("amount", "calendar_month", "working_day", "{", "[", "reply_due", "unit_leader", "handler",
              "contact_after", "face_to_face", "package", "department", "true", "false")


@pytest.fixture()
def as_admin(f, login_as):
    return login_as(f.user(Role.ADMIN, username="root", name="管理员甲"))


def changes(client, action: str) -> list[list[str]]:
    """The 变更内容 cells of the audit page filtered to ``action``, newest first: one list of
    "label：before → after" lines per entry."""
    response = client.get(f"/admin/audit?action={action}")
    assert response.status_code == 200
    cells = re.findall(r'class="audit-change">(.*?)</td>', response.get_data(as_text=True), re.S)
    return [[" ".join(html.unescape(re.sub(r"<[^>]+>", "", line)).split())
             for line in re.findall(r'<div class="small">(.*?)</div>', cell, re.S)] for cell in cells]


def assert_no_code_names(lines: list[str]) -> None:
    for line in lines:
        assert not any(code in line for code in CODE_NAMES), line


def profile_data(**overrides: str) -> dict[str, str]:
    data = {"roll_forward": "y", "clocks_run_during_return": "y"}
    for key, c in DEFAULT_CLOCKS.items():
        data[f"{key}_amount"] = str(c.amount)
        data[f"{key}_unit"] = c.unit.value
    data.update(overrides)
    return data


def test_a_profile_change_lists_only_the_clocks_that_changed_in_the_forms_words(as_admin):
    response = as_admin.post("/admin/rules", data=profile_data(
        reply_amount="2", receipt_amount="5", first_contact_unit="calendar_day",
        review_department_replies="y"))
    assert response.status_code == 302
    [lines] = changes(as_admin, "profile_changed")
    assert lines == [
        "签收期限：2 个工作日 → 5 个工作日",
        "办前沟通期限：15 个工作日 → 15 个自然日",
        "答复期限：3 个月 → 2 个月",
        "部门件审核：否 → 是",
    ]
    assert_no_code_names(lines)


def test_the_return_request_clock_switch_reads_in_the_forms_words(as_admin):
    data = profile_data()
    del data["clocks_run_during_return"]
    assert as_admin.post("/admin/rules", data=data).status_code == 302
    [lines] = changes(as_admin, "profile_changed")
    assert lines == ["申退期间照常计时：是 → 否"]
    assert_no_code_names(lines)


def test_a_setting_change_reads_its_weekday_and_its_classes(as_admin):
    data = {"mail_digest": "y", "mail_digest_hour": "7", "dispatch_weekly": "y", "dispatch_weekday": "2",
            "dispatch_hour": "9", "urge_throttle_hours": "24", "result_classes": "ABC",
            "face_to_face_methods": ["meeting"], "mail_max_age_days": "7"}  # as stored by default: unchanged
    response = as_admin.post("/admin/settings", data=data)
    assert response.status_code == 302
    lines = sorted(line for cell in changes(as_admin, "setting_changed") for line in cell)
    assert lines == sorted([
        "邮件摘要（每日汇总一封）：否 → 是",
        "邮件摘要发送时间（时）：（空） → 7",
        "调度通报星期：周一 → 周三",
        "使用的答复分类：A、B、C、D → A、B、C",
    ])
    assert_no_code_names(lines)


def test_a_checklist_edit_reads_the_requirements_by_name(as_admin):
    entry = ChecklistEntry.get((ChecklistEntry.tier == "department")
                               & (ChecklistEntry.requirement == "contact_after"))
    response = as_admin.post(f"/admin/checklist/{entry.id}/edit",
                             data={"requirement": "face_to_face", "label": "当面沟通"})
    assert response.status_code == 302
    as_admin.post(f"/admin/checklist/{entry.id}/move", data={"direction": "up"})
    moved, edited = changes(as_admin, "checklist_changed")
    assert edited == ["考核要求：办后沟通 → 与代表委员当面沟通", "清单项名称：办后沟通 → 当面沟通"]
    assert moved == ["顺序：办前沟通、办中沟通、当面沟通、承诺兑现 → 办前沟通、当面沟通、办中沟通、承诺兑现"]
    assert_no_code_names(edited + moved)


def test_a_reminder_rule_edit_reads_when_who_and_which_slip(as_admin):
    rule = ReminderRule.get(ReminderRule.key == "overdue_1")
    response = as_admin.post(f"/admin/reminder-rules/{rule.id}", data={
        "label": rule.label, "offset": "2", "offset_unit": "working_day",
        "recipients": ["unit_leader", "handler"], "slip": "orange", "active": "y"})
    assert response.status_code == 302
    [lines] = changes(as_admin, "reminder_rule_changed")
    assert lines == [
        "何时提醒：答复期限后第 1 个工作日（超期 1 个工作日） → 答复期限后第 2 个工作日（超期 2 个工作日）",
        "接收人：承办单位领导 → 经办人、承办单位领导",
        "督办单：蓝单 → 橙单",
    ]
    assert_no_code_names(lines)
    entry = AuditEntry.get(AuditEntry.action == "reminder_rule_changed")
    assert (entry.before["offset"], entry.after["offset"]) == (1, 2)
    assert entry.before["offset_unit"] == entry.after["offset_unit"] == "working_day"  # the whole "when"


def test_a_calendar_change_names_where_the_day_came_from(as_admin):
    response = as_admin.post("/admin/calendar/day", data={
        "year": "2026", "day": "2026-10-01", "is_workday": "workday", "name": "", "reason": "集中办公"})
    assert response.status_code == 302
    [lines] = changes(as_admin, "calendar_changed")
    assert lines == ["日期：2026-10-01", "工作日：否 → 是", "调整原因：集中办公", "来源：软件包 → 人工"]
    assert_no_code_names(lines)


def test_older_and_partial_records_still_read():
    # before the whole "when" was recorded: the offset alone, and the unit alone
    assert change_rows(AuditEntry(action="reminder_rule_changed", before={"offset": -5},
                                  after={"offset": -3})) == [("何时提醒", "前 5", "前 3")]
    assert change_rows(AuditEntry(action="reminder_rule_changed", before={"offset_unit": "calendar_day"},
                                  after={"offset_unit": "working_day"})) == [("单位", "自然日", "工作日")]
    # only the new side recorded: every clock of it is shown
    clocks = {"reply": {"amount": 3, "unit": "calendar_month"},
              "receipt": {"amount": 2, "unit": "working_day"}}
    assert change_rows(AuditEntry(action="profile_changed", after={"clocks": clocks})) == [
        ("签收期限", None, "2 个工作日"), ("答复期限", None, "3 个月")]
    # an unknown shape or key falls back to the stored text, cut at 300 characters
    [(name, old, new)] = change_rows(AuditEntry(action="setting_changed", before={"note_x": "长" * 400},
                                                after={"note_x": {"a": 1}}))
    assert (name, len(old), new) == ("note_x", 301, '{"a": 1}')


def test_other_actions_read_as_before():
    rows = change_rows(AuditEntry(action="user_updated", before={"role": "office", "active": True},
                                  after={"role": "admin", "active": False}))
    assert rows == [("角色", "交办单位（督查室）", "系统管理员"), ("是否启用", "是", "否")]
    rows = change_rows(AuditEntry(action="assignment_edited", before={"units": [1, 2]}, after={"units": [1]}))
    assert rows == [("单位", "[1, 2]", "[1]")]


def test_field_labels_and_yes_no_are_translated_on_the_english_page(app):
    entry = AuditEntry(action="user_updated", before={"phone": None, "active": True},
                       after={"phone": "13800000000", "active": False})
    with app.test_request_context("/admin/audit?lang=en"):
        assert change_rows(entry) == [("Phone", "(empty)", "13800000000"), ("Active", "Yes", "No")]
        [(name, _, _)] = change_rows(AuditEntry(action="setting_changed", before={"dispatch_hour": 9},
                                                after={"dispatch_hour": 10}))
        assert name == "Dispatch report hour"
