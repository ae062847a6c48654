"""Administrator pages: users, units, deputies/members, rules, calendar, checklist, settings, audit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import g
from flask.testing import FlaskClient

from tests import factories
from tracker.accounts.models import Person, User
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.enums import Role
from tracker.core.security import PASSWORD_RULE
from tracker.rules import services as rules
from tracker.rules.models import CalendarDay, ChecklistEntry, RuleProfile
from tracker.units.models import Unit

PAGES = ["/admin/users", "/admin/users/new", "/admin/units", "/admin/units/new", "/admin/persons",
         "/admin/persons/new", "/admin/rules", "/admin/calendar", "/admin/calendar?year=2027",
         "/admin/checklist", "/admin/settings", "/admin/audit"]


@pytest.fixture()
def admin(f):
    return f.user(Role.ADMIN, username="root", name="管理员甲")


@pytest.fixture()
def as_admin(admin, login_as):
    return login_as(admin)


def text(response) -> str:
    return response.get_data(as_text=True)


class OwnSessionClient(FlaskClient):
    """A second browser. The tests' app context outlives requests, so Flask-Login's per-request
    cache of the user (``g._login_user``) is dropped before each request, as a new request would."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        response = super().open(*args, **kwargs)
        g.pop("_login_user", None)
        return response


@pytest.fixture()
def browser(app):
    def _browser():
        return OwnSessionClient(app, app.response_class, use_cookies=True)

    return _browser


def audit_actions(action: str) -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id))


# --- who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_every_admin_page_renders_in_chinese_for_the_admin(as_admin, path):
    response = as_admin.get(path)
    assert response.status_code == 200
    body = text(response)
    assert "系统管理" in body and 'lang="zh-CN"' in body


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_everyone_else_gets_403(f, login_as, role):
    unit = f.unit() if role in (Role.UNIT_HANDLER, Role.UNIT_LEADER) else None
    client = login_as(f.user(role, unit))
    target = f.user(Role.OFFICE)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    posts = ["/admin/users/new", f"/admin/users/{target.id}/active", f"/admin/users/{target.id}/password",
             "/admin/units/new", "/admin/persons/new", "/admin/rules", "/admin/calendar/day",
             "/admin/calendar/confirm", "/admin/checklist", "/admin/settings"]
    for path in posts:
        assert client.post(path, data={"active": "0", "year": "2027"}).status_code == 403, path
    assert User.get_by_id(target.id).active


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- users ---------------------------------------------------------------------------------


def user_form(**overrides):
    data = {"username": "zhangsan", "name": "张三", "role": "unit_handler", "unit_id": "0", "title": "科员",
            "phone": "13900000001", "email": "zs@example.com", "person_id": "0",
            "password": "Secret2026", "confirm": "Secret2026"}
    data.update(overrides)
    return data


def test_admin_creates_a_unit_user_who_can_log_in(f, as_admin, app):
    unit = f.unit("市住房和城乡建设局", "市住建局")
    response = as_admin.post("/admin/users/new", data=user_form(unit_id=str(unit.id)), follow_redirects=True)
    assert "已创建用户“zhangsan”" in text(response)
    user = User.get(User.username == "zhangsan")
    assert (user.role, user.unit_id, user.title, user.email) == ("unit_handler", unit.id, "科员", "zs@example.com")
    assert audit_actions("user_created")[-1].actor_name == "管理员甲"
    other = app.test_client()
    assert other.post("/login", data={"username": "zhangsan", "password": "Secret2026"}).status_code == 302
    listing = text(as_admin.get(f"/admin/users?unit_id={unit.id}&role=unit_handler"))
    assert "zhangsan" in listing and "root" not in listing


def test_a_phone_number_must_look_like_one(f, as_admin):
    unit = f.unit()
    response = as_admin.post("/admin/users/new", data=user_form(unit_id=str(unit.id), phone="abc电话"))
    assert response.status_code == 422 and "联系电话只能包含数字" in text(response)
    assert 'value="abc电话"' in text(response) and not User.select().where(User.username == "zhangsan").exists()
    ok = as_admin.post("/admin/users/new", data=user_form(unit_id=str(unit.id), phone="0571-87000000 转 123"))
    assert ok.status_code == 302


def test_usernames_are_the_same_whatever_their_case_at_login(f, app):
    f.user(Role.UNIT_HANDLER, f.unit(), username="handler7")
    client = app.test_client()
    assert client.post("/login", data={"username": "Handler7", "password": factories.PASSWORD}).status_code == 302


@pytest.mark.parametrize(("overrides", "message", "field"), [
    ({"password": "short", "confirm": "short"}, PASSWORD_RULE, "password"),
    ({"confirm": "Different2026"}, "两次输入的密码不一致", "confirm"),
    ({"unit_id": "0"}, "承办单位用户须选择所属单位", "unit_id"),
    ({"username": "root"}, "用户名“root”已存在", "username"),
    ({"username": "ROOT"}, "用户名“ROOT”已存在（用户名不区分大小写）", "username"),
    ({"username": "用户 名<b>"}, "用户名只能由字母、数字、汉字和 . _ - @ 组成，不含空格", "username"),
    ({"role": "submitter", "unit_id": None}, "代表委员账号须关联代表委员名录中的一人", "person_id"),
    ({"email": "not-an-email", "unit_id": None}, "电子邮箱格式不正确", "email"),
    ({"name": ""}, "请填写姓名", "name"),
])
def test_bad_user_input_changes_nothing_and_says_why(f, as_admin, overrides, message, field):
    unit = f.unit()
    data = user_form(unit_id=str(unit.id))
    data.update({k: v for k, v in overrides.items() if v is not None})
    before = User.select().count()
    response = as_admin.post("/admin/users/new", data=data)
    assert response.status_code == 422
    body = text(response)
    assert message in body
    assert 'class="form-control is-invalid"' in body or "form-select is-invalid" in body
    assert User.select().count() == before
    # what was typed is still there (passwords are never echoed back)
    assert 'value="13900000001"' in body and 'value="科员"' in body
    assert "Secret2026" not in body


def test_admin_edits_a_user_and_links_a_submitter_to_a_deputy(f, as_admin):
    person = f.person("王代表")
    user = f.user(Role.OFFICE, name="旧名字")
    response = as_admin.post(f"/admin/users/{user.id}/edit", data={
        "name": "新名字", "role": "submitter", "unit_id": "0", "title": "市人大代表", "phone": "",
        "email": "", "person_id": str(person.id)}, follow_redirects=True)
    assert "已保存用户" in text(response)
    user = User.get_by_id(user.id)
    assert (user.name, user.role, user.person_id) == ("新名字", "submitter", person.id)
    entry = audit_actions("user_updated")[-1]
    assert entry.before["name"] == "旧名字" and entry.after["person_id"] == person.id


def test_deactivating_a_user_logs_them_out_at_once(f, as_admin, browser):
    victim = f.user(Role.OFFICE)
    theirs = browser()
    assert theirs.post("/login", data={"username": victim.username, "password": "Passw0rd!"}).status_code == 302
    assert theirs.get("/me").status_code == 200
    response = as_admin.post(f"/admin/users/{victim.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "已停用" in text(response)
    assert not User.get_by_id(victim.id).active
    assert theirs.get("/me").status_code == 302  # the old session is gone
    again = theirs.post("/login", data={"username": victim.username, "password": "Passw0rd!"})
    assert "该账号已停用" in text(again)
    as_admin.post(f"/admin/users/{victim.id}/active", data={"active": "1"})
    assert User.get_by_id(victim.id).active


def test_admin_cannot_deactivate_themselves(admin, as_admin):
    response = as_admin.post(f"/admin/users/{admin.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "不能停用自己正在使用的账号" in text(response)
    assert User.get_by_id(admin.id).active


def test_a_named_handler_keeps_unit_role_and_account_until_the_office_re_staffs(f, as_admin):
    from tracker.assignments import services as assignments
    from tracker.items.models import Item

    unit, other = f.unit("市交通运输局"), f.unit("市教育局")
    handler = f.user(Role.UNIT_HANDLER, unit, name="孙丽")
    colleague = f.user(Role.UNIT_HANDLER, unit, name="钱明")
    item = f.item(number="31")
    a = f.assign(item, unit, role="sole", handler=handler)
    form = {"name": "孙丽", "role": Role.UNIT_HANDLER.value, "unit_id": str(other.id), "phone": "", "email": "",
            "title": ""}
    moved = as_admin.post(f"/admin/users/{handler.id}/edit", data=form)
    assert moved.status_code == 422
    assert "该用户是 1 项未办结承办任务的经办人（第31号），请交办单位先通过“移交经办任务”更换经办人（也可在各件的“调整交办”中逐件更换），再调整其所属单位" \
        in text(moved)
    assert User.get_by_id(handler.id).unit_id == unit.id
    as_admin.post(f"/admin/users/{handler.id}/active", data={"active": "0"})
    assert User.get_by_id(handler.id).active  # refused, with the same reason
    office = f.office()
    assignments.adjust_assignment(a, actor=office, task=a.task, responsible_leader=a.responsible_leader,
                                  handler_id=colleague.id, handler_phone="0571-1", version=a.version)
    assert as_admin.post(f"/admin/users/{handler.id}/edit", data=form).status_code == 302
    assert User.get_by_id(handler.id).unit_id == other.id
    assert Item.get_by_id(item.id).status == "assigned"


def test_a_handler_whose_replies_are_out_may_move(f, as_admin):
    from tests.closeout_support import replied_item

    s = replied_item()  # the reply is sent: the named handler is now the record of who handled it
    form = {"name": "经办人", "role": Role.UNIT_HANDLER.value, "unit_id": str(f.unit("市教育局").id), "phone": "",
            "email": "", "title": ""}
    assert as_admin.post(f"/admin/users/{s.handler.id}/edit", data=form).status_code == 302


def test_reset_password_replaces_the_old_one_and_ends_sessions(f, as_admin, browser):
    user = f.user(Role.OFFICE)
    theirs = browser()
    theirs.post("/login", data={"username": user.username, "password": "Passw0rd!"})
    bad = as_admin.post(f"/admin/users/{user.id}/password", data={"password": "abc", "confirm": "abc"})
    assert bad.status_code == 422 and PASSWORD_RULE in text(bad)
    ok = as_admin.post(f"/admin/users/{user.id}/password", data={"password": "NewPass2026", "confirm": "NewPass2026"},
                       follow_redirects=True)
    assert "已重置" in text(ok)
    assert theirs.get("/me").status_code == 302
    fresh = browser()
    assert fresh.post("/login", data={"username": user.username, "password": "Passw0rd!"}).status_code == 200
    assert fresh.post("/login", data={"username": user.username, "password": "NewPass2026"}).status_code == 302
    assert audit_actions("user_updated")[-1].detail == "重置密码"


# --- units ---------------------------------------------------------------------------------


def test_admin_creates_edits_and_deactivates_a_unit(as_admin):
    response = as_admin.post("/admin/units/new", data={"name": "市数据局", "short_name": "数据局",
                                                       "category": "department"}, follow_redirects=True)
    assert "已创建承办单位“市数据局”" in text(response)
    unit = Unit.get(Unit.name == "市数据局")
    as_admin.post(f"/admin/units/{unit.id}/edit", data={"name": "市大数据管理局", "short_name": "市数据局",
                                                        "category": "department"})
    assert Unit.get_by_id(unit.id).name == "市大数据管理局"
    as_admin.post(f"/admin/units/{unit.id}/active", data={"active": "0"})
    assert not Unit.get_by_id(unit.id).active
    assert "已停用" in text(as_admin.get("/admin/units"))
    assert [e.action for e in AuditEntry.select().where(AuditEntry.object_type == "unit")] == [
        "unit_created", "unit_updated", "unit_updated"]


def test_duplicate_unit_names_are_refused_and_the_input_kept(f, as_admin):
    f.unit("市教育局", "教育局")
    other = f.unit("市体育局", "体育局")
    response = as_admin.post("/admin/units/new", data={"name": "市教育局", "short_name": "新简称",
                                                       "category": "department"})
    assert response.status_code == 422 and "承办单位“市教育局”已存在" in text(response)
    assert 'value="新简称"' in text(response)
    response = as_admin.post(f"/admin/units/{other.id}/edit", data={"name": "市体育局", "short_name": "教育局",
                                                                    "category": "department"})
    assert response.status_code == 422 and "简称“教育局”已被其他单位使用" in text(response)
    assert Unit.get_by_id(other.id).short_name == "体育局"


# --- persons -------------------------------------------------------------------------------


def test_admin_keeps_the_list_of_deputies_and_members(as_admin):
    response = as_admin.post("/admin/persons/new", data={"name": "李代表", "body": "npc",
                                                         "delegation": "东城区代表团", "phone": "13800000000",
                                                         "email": ""}, follow_redirects=True)
    assert "已新增“李代表”" in text(response)
    person = Person.get(Person.name == "李代表")
    assert audit_actions("person_created")[-1].object_id == person.id
    duplicate = as_admin.post("/admin/persons/new", data={"name": "李代表", "body": "npc",
                                                          "delegation": "东城区代表团", "phone": "139", "email": ""})
    assert duplicate.status_code == 422 and "已有“李代表”" in text(duplicate)
    assert Person.select().count() == 1
    bad = as_admin.post(f"/admin/persons/{person.id}/edit", data={"name": "李代表", "body": "cppcc",
                                                                  "delegation": "经济界", "phone": "", "email": "x@"})
    assert bad.status_code == 422 and "电子邮箱格式不正确" in text(bad) and 'value="经济界"' in text(bad)
    as_admin.post(f"/admin/persons/{person.id}/edit", data={"name": "李委员", "body": "cppcc",
                                                            "delegation": "经济界", "phone": "", "email": ""})
    person = Person.get_by_id(person.id)
    assert (person.name, person.body, person.delegation) == ("李委员", "cppcc", "经济界")
    listing = text(as_admin.get("/admin/persons?body=cppcc&q=李"))
    assert "李委员" in listing and "政协委员" in listing


def test_a_deputys_page_opens_the_new_account_form_filled_in_from_the_directory(f, as_admin):
    person = f.person("赵代表")
    Person.update(phone="13600000000", email="zhao@example.cn").where(Person.id == person.id).execute()
    page = text(as_admin.get(f"/admin/persons/{person.id}/edit"))
    assert f"/admin/users/new?role=submitter&amp;person_id={person.id}" in page
    form = text(as_admin.get(f"/admin/users/new?role=submitter&person_id={person.id}"))
    assert f'<option selected value="{person.id}">赵代表' in form
    assert 'value="赵代表"' in form and 'value="13600000000"' in form and 'value="zhao@example.cn"' in form
    assert '<option selected value="submitter">' in form
    # the deputy is chosen from thousands by typing (static/js/app.js), shown for deputies' accounts only
    assert 'data-show-when="role=submitter"' in form and 'data-filter="输入姓名、代表团或界别筛选"' in form
    unknown = text(as_admin.get("/admin/users/new?role=submitter&person_id=999999"))
    assert '<option selected value="0">（不关联）' in unknown and 'value="赵代表"' not in unknown


# --- the rule profile ----------------------------------------------------------------------


def profile_data(**overrides):
    from tracker.assignments.deadlines import DEFAULT_CLOCKS

    data = {}
    for key, c in DEFAULT_CLOCKS.items():
        data[f"{key}_amount"] = str(c.amount)
        data[f"{key}_unit"] = c.unit.value
    data.update({"roll_forward": "y", "clocks_run_during_return": "y"})
    data.update(overrides)
    return data


def test_whether_clocks_run_during_a_return_request_is_a_rule_on_the_page(as_admin):
    """DOMAIN §3: "while a return request is pending, the unit's clocks keep running (default)";
    the profile has the switch (clocks_run_during_return), the page offers it, audited."""
    checked = re.compile(r'<input[^>]*checked[^>]*id="clocks_run_during_return"'
                         r'|<input[^>]*id="clocks_run_during_return"[^>]*checked')
    page = text(as_admin.get("/admin/rules"))
    assert "申退审核期间，承办单位的各项期限照常计算" in page and checked.search(page)
    assert "申退被驳回的，期限不因审核所用的时间而顺延" in page
    data = profile_data()
    del data["clocks_run_during_return"]  # an unticked box is not sent
    assert as_admin.post("/admin/rules", data=data).status_code == 302
    profile = RuleProfile.get(RuleProfile.is_default == True)  # noqa: E712
    assert profile.clocks_run_during_return is False
    entry = audit_actions("profile_changed")[-1]
    assert (entry.before, entry.after) == ({"clocks_run_during_return": True}, {"clocks_run_during_return": False})
    assert not checked.search(text(as_admin.get("/admin/rules")))
    as_admin.post("/admin/rules", data=profile_data())
    assert RuleProfile.get_by_id(profile.id).clocks_run_during_return is True


def test_rules_page_shows_every_clock_with_its_chinese_label(as_admin):
    from tracker.assignments.deadlines import CLOCK_LABELS

    body = text(as_admin.get("/admin/rules"))
    for name in CLOCK_LABELS.values():
        assert name in body
    assert "工作日" in body and "自然日" in body and "个月" in body


def test_saving_the_rules_recomputes_open_assignments(f, as_admin):
    unit = f.unit()
    a = f.assign(f.item(), unit, assigned_on=dt.date(2026, 3, 2))
    assert a.reply_due == dt.date(2026, 6, 2)
    response = as_admin.post("/admin/rules", data=profile_data(reply_amount="2", review_department_replies="y"),
                             follow_redirects=True)
    assert "重新计算了 1 个未办结承办任务的期限" in text(response)
    a = a.refresh()
    assert a.reply_due == dt.date(2026, 5, 6)  # 05-02 is a holiday (劳动节): rolled forward
    profile = RuleProfile.get(RuleProfile.is_default == True)  # noqa: E712
    assert profile.clocks["reply"] == {"amount": 2, "unit": "calendar_month"}
    assert profile.review_department_replies and not profile.checklist_blocks_closeout
    assert audit_actions("profile_changed")[-1].actor_name == "管理员甲"
    assert audit_actions("deadline_recomputed")[-1].object_id == a.id


@pytest.mark.parametrize(("overrides", "message"), [
    ({"receipt_amount": "0"}, "期限须在 1 到 366 之间"),
    ({"receipt_amount": "abc"}, "不是有效的整数"),
    ({"reply_cap_amount": "2"}, "最长办理期限不能短于答复期限"),
    ({"extension_notice_amount": "4", "extension_notice_unit": "calendar_month"},
     "延期申请的提前量须短于答复期限，否则任何承办单位都无法申请延期"),
    ({"reply_unit": "fortnight"}, "请从列表中选择"),
])
def test_bad_rules_change_nothing(as_admin, overrides, message):
    before = RuleProfile.get(RuleProfile.is_default == True).clocks  # noqa: E712
    response = as_admin.post("/admin/rules", data=profile_data(**overrides))
    assert response.status_code == 422
    assert message in text(response)
    assert RuleProfile.get(RuleProfile.is_default == True).clocks == before  # noqa: E712


# --- the calendar --------------------------------------------------------------------------


def test_calendar_year_view_marks_holidays_makeup_days_and_weekends(as_admin):
    body = text(as_admin.get("/admin/calendar?year=2026"))
    assert "2026 年工作日历" in body
    assert "国庆节" in body and "春节" in body and "调休上班" in body
    assert "cal-holiday" in body and "cal-makeup" in body and "cal-weekend" in body
    assert "已确认" in body and "尚未确认" not in body
    assert body.count('class="cal-month') == 12 or body.count("cal-month") >= 12


def test_an_unknown_year_is_flagged_and_the_admin_can_enter_and_confirm_it(as_admin, admin):
    body = text(as_admin.get("/admin/calendar?year=2027"))
    assert "注意：2027 年的工作日历尚未确认" in body
    response = as_admin.post("/admin/calendar/day", data={
        "year": "2027", "day": "2027-10-01", "is_workday": "rest", "name": "国庆节",
        "reason": "依据国务院办公厅2027年节假日安排通知"}, follow_redirects=True)
    assert "已将 2027-10-01 设为休息日" in text(response)
    row = CalendarDay.get(CalendarDay.day == dt.date(2027, 10, 1))
    assert (row.source, row.is_workday, row.name) == ("admin", False, "国庆节")
    assert not rules.work_calendar().is_workday(dt.date(2027, 10, 1))
    assert rules.work_calendar().day_name(dt.date(2027, 10, 1)) == "国庆节"
    as_admin.post("/admin/calendar/day", data={"year": "2027", "day": "2027-09-26", "is_workday": "workday",
                                               "name": "", "reason": "国庆调休"})
    assert rules.work_calendar().is_workday(dt.date(2027, 9, 26))
    # confirm the year: the warning goes, the setting is stored and audited
    response = as_admin.post("/admin/calendar/confirm", data={"year": "2027", "confirmed": "1"},
                             follow_redirects=True)
    body = text(response)
    assert "已确认 2027 年工作日历" in body and "尚未确认" not in body
    assert rules.get_setting("calendar_confirmed_years") == [2027]
    assert rules.work_calendar().is_confirmed(2027)
    assert audit_actions("setting_changed")[-1].detail == "管理员确认 2027 年工作日历"
    # undo an override
    as_admin.post("/admin/calendar/day/remove", data={"day": "2027-09-26"})
    assert not rules.work_calendar().is_workday(dt.date(2027, 9, 26))
    assert [e.detail for e in audit_actions("calendar_changed")][-1] == "撤销 2027-09-26 的人工调整"


def test_a_calendar_change_without_reason_keeps_the_input(as_admin):
    response = as_admin.post("/admin/calendar/day", data={"year": "2027", "day": "2027-05-03",
                                                          "is_workday": "rest", "name": "劳动节", "reason": ""})
    assert response.status_code == 422
    body = text(response)
    assert "请填写调整原因" in body and 'value="2027-05-03"' in body and 'value="劳动节"' in body
    assert not CalendarDay.select().where(CalendarDay.source == "admin").exists()


@pytest.mark.parametrize("day", ["9999-12-31", "1900-01-01"])
def test_a_day_outside_the_calendars_years_is_refused_with_the_years_page(as_admin, day):
    response = as_admin.post("/admin/calendar/day", data={"year": "2027", "day": day, "is_workday": "rest",
                                                          "name": "x", "reason": "测试"})
    assert response.status_code == 422
    body = text(response)
    assert "日期须在 2000 年至 2100 年之间" in body and f'value="{day}"' in body and "2027 年" in body
    assert not CalendarDay.select().where(CalendarDay.source == "admin").exists()


def test_a_date_typed_by_hand_wrongly_gets_a_message_in_the_pages_language(as_admin):
    data = {"year": "2027", "day": "2027-13-45", "is_workday": "rest", "name": "x", "reason": "测试"}
    response = as_admin.post("/admin/calendar/day", data=data)
    assert response.status_code == 422
    assert "不是有效的日期值" in text(response) and "Not a valid date value" not in text(response)
    response = as_admin.post("/admin/calendar/day?lang=en", data=data)
    assert "Not a valid date value" in text(response)
    assert not CalendarDay.select().where(CalendarDay.source == "admin").exists()


def test_a_package_year_needs_no_confirmation(as_admin):
    response = as_admin.post("/admin/calendar/confirm", data={"year": "2026", "confirmed": "1"},
                             follow_redirects=True)
    assert "无需人工确认" in text(response)
    assert rules.get_setting("calendar_confirmed_years") == []


def test_calendar_change_recomputes_open_assignment_dates(f, as_admin):
    a = f.assign(f.item(), f.unit(), assigned_on=dt.date(2026, 3, 2))
    assert a.receipt_due == dt.date(2026, 3, 4)
    response = as_admin.post("/admin/calendar/day", data={"year": "2026", "day": "2026-03-03",
                                                          "is_workday": "rest", "name": "",
                                                          "reason": "临时停工"}, follow_redirects=True)
    assert "重新计算了 1 个" in text(response)
    assert a.refresh().receipt_due == dt.date(2026, 3, 5)


# --- the 3+1 checklist ---------------------------------------------------------------------


def entries(tier: str) -> list[ChecklistEntry]:
    return list(ChecklistEntry.select().where((ChecklistEntry.tier == tier) & (ChecklistEntry.active == True))  # noqa: E712
                .order_by(ChecklistEntry.position))


def test_checklist_entries_are_added_edited_moved_and_deactivated(as_admin):
    body = text(as_admin.get("/admin/checklist"))
    assert "市领导领办" in body and "办前沟通" in body
    response = as_admin.post("/admin/checklist", data={"tier": "department", "department-requirement": "face_to_face",
                                                       "department-label": "见面沟通"}, follow_redirects=True)
    assert "已添加清单项“见面沟通”" in text(response)
    assert [e.requirement for e in entries("department")][-1] == "face_to_face"
    duplicate = as_admin.post("/admin/checklist", data={"tier": "department",
                                                        "department-requirement": "face_to_face",
                                                        "department-label": "再来一次"})
    assert duplicate.status_code == 422 and "已有“与代表委员当面沟通”" in text(duplicate)
    assert 'value="再来一次"' in text(duplicate)
    entry = entries("department")[-1]
    as_admin.post(f"/admin/checklist/{entry.id}/edit", data={"requirement": "face_to_face", "label": "当面沟通"})
    assert ChecklistEntry.get_by_id(entry.id).label == "当面沟通"
    as_admin.post(f"/admin/checklist/{entry.id}/move", data={"direction": "up"})
    assert [e.label for e in entries("department")][-2:] == ["当面沟通", "承诺兑现"]
    as_admin.post(f"/admin/checklist/{entry.id}/active", data={"active": "0"})
    assert "当面沟通" not in [e.label for e in entries("department")]
    assert len(audit_actions("checklist_changed")) == 4
    assert "Invalid" not in text(as_admin.get(f"/admin/checklist/{entry.id}/edit"))


def test_checklist_requirements_have_chinese_labels():
    from tracker.rules.checklist import REQUIREMENTS

    assert set(REQUIREMENTS) == {"contact_before", "contact_during", "contact_after", "face_to_face",
                                 "commitments_kept", "leader_instruction"}
    assert all(label and label.isascii() is False for label in REQUIREMENTS.values())


# --- settings ------------------------------------------------------------------------------


def settings_data(**overrides):
    data = {"mail_digest": "y", "mail_digest_hour": "7", "mail_max_age_days": "7", "dispatch_weekly": "y",
            "dispatch_weekday": "2", "dispatch_hour": "8",
            "urge_throttle_hours": "48", "result_classes": "ABC", "face_to_face_methods": ["meeting"]}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_settings_are_saved_and_audited(as_admin):
    response = as_admin.post("/admin/settings", data=settings_data(), follow_redirects=True)
    assert "已保存" in text(response)
    assert rules.get_setting("mail_digest") is True
    assert (rules.get_setting("dispatch_weekday"), rules.get_setting("dispatch_hour")) == (2, 8)
    assert rules.get_setting("urge_throttle_hours") == 48
    assert rules.get_setting("result_classes") == ["A", "B", "C"]
    keys = {next(iter(e.after)) for e in audit_actions("setting_changed")}
    assert keys == {"mail_digest", "mail_digest_hour", "dispatch_weekday", "dispatch_hour",
                    "urge_throttle_hours", "result_classes"}
    assert rules.get_setting("mail_digest_hour") == 7
    # switching off: an unchecked box is off
    as_admin.post("/admin/settings", data=settings_data(mail_digest=None, dispatch_weekly=None))
    assert rules.get_setting("mail_digest") is False and rules.get_setting("dispatch_weekly") is False


def test_bad_settings_change_nothing(as_admin):
    response = as_admin.post("/admin/settings", data=settings_data(dispatch_hour="25", urge_throttle_hours="x"))
    assert response.status_code == 422
    assert "时间须为 0 到 23 之间的整数" in text(response)
    assert rules.get_setting("dispatch_hour") == 9
    assert not audit_actions("setting_changed")


def test_the_age_past_which_notices_are_not_mailed_is_a_setting(as_admin):
    page = text(as_admin.get("/admin/settings"))
    assert "邮件补发时限（天）" in page and re.search(r'id="mail_max_age_days"[^>]*value="7"', page)
    response = as_admin.post("/admin/settings", data=settings_data(mail_max_age_days="30"), follow_redirects=True)
    assert "邮件补发时限（天）" in text(response)
    assert rules.get_setting("mail_max_age_days") == 30
    [entry] = [e for e in audit_actions("setting_changed") if "mail_max_age_days" in e.after]
    assert (entry.before, entry.after) == ({"mail_max_age_days": 7}, {"mail_max_age_days": 30})
    for bad in ("1", "366", "x"):
        response = as_admin.post("/admin/settings", data=settings_data(mail_max_age_days=bad))
        assert response.status_code == 422 and "邮件补发时限须为 2 到 365 之间的整数（天）" in text(response)
    assert rules.get_setting("mail_max_age_days") == 30


def test_contact_methods_counted_as_face_to_face_are_a_setting(as_admin):
    page = text(as_admin.get("/admin/settings"))
    assert "计为见面沟通的方式" in page
    assert re.search(r'<input checked[^>]*value="meeting"', page)  # the default: a meeting only
    assert not re.search(r'<input checked[^>]*value="visit"', page)
    assert rules.face_to_face_methods() == {"meeting"}
    response = as_admin.post("/admin/settings", data=settings_data(face_to_face_methods=["visit", "meeting"]),
                             follow_redirects=True)
    assert "已保存" in text(response) and "计为见面沟通的方式" in text(response)
    assert rules.get_setting("face_to_face_methods") == ["meeting", "visit"]  # in the methods' own order
    assert rules.face_to_face_methods() == {"meeting", "visit"}
    [entry] = [e for e in audit_actions("setting_changed") if "face_to_face_methods" in e.after]
    assert (entry.before, entry.after) == ({"face_to_face_methods": ["meeting"]},
                                           {"face_to_face_methods": ["meeting", "visit"]})
    page = text(as_admin.get("/admin/settings"))
    assert re.search(r'<input checked[^>]*value="visit"', page)


def test_no_contact_method_counted_as_face_to_face_is_refused_and_the_form_kept(as_admin):
    response = as_admin.post("/admin/settings", data=settings_data(face_to_face_methods=None, dispatch_hour="11"))
    assert response.status_code == 422
    body = text(response)
    assert "请至少选择一种计为见面沟通的方式" in body
    assert re.search(r'id="dispatch_hour"[^>]*value="11"|value="11"[^>]*id="dispatch_hour"', body)
    assert not audit_actions("setting_changed") and rules.get_setting("dispatch_hour") == 9
    response = as_admin.post("/admin/settings", data=settings_data(face_to_face_methods=["teleport"]))
    assert response.status_code == 422 and rules.face_to_face_methods() == {"meeting"}
    assert "沟通方式无效，请从列表中选择" in text(response)


# --- the audit log -------------------------------------------------------------------------


def test_audit_log_is_filtered_and_paginated(f, as_admin, admin):
    item = f.item(title="关于加强校园食品安全监管的建议")
    for n in range(55):
        f.person(f"代表{n}")  # no audit: factories write directly
    from tracker.audit import services as audit

    for n in range(55):
        audit.record("person_updated", None, actor=admin, detail=f"第{n}次修改")
    body = text(as_admin.get("/admin/audit"))
    assert "共 " in body and "第54次修改" in body and "第0次修改" not in body  # newest first, 50 a page
    page2 = text(as_admin.get("/admin/audit?page=2"))
    assert "第0次修改" in page2
    only_item = text(as_admin.get(f"/admin/audit?item_id={item.id}"))
    assert "关于加强校园食品安全监管的建议" in only_item and "第3次修改" not in only_item
    by_action = text(as_admin.get("/admin/audit?action=registered"))
    assert "登记" in by_action and "第3次修改" not in by_action
    by_actor = text(as_admin.get("/admin/audit?actor=管理员甲&object_type=_"))
    assert "第30次修改" in by_actor and "校园食品安全" not in by_actor
    by_actor_id = text(as_admin.get(f"/admin/audit?actor_id={admin.id}"))
    assert "第30次修改" in by_actor_id
    today = clock.today()
    future = text(as_admin.get(f"/admin/audit?date_from={(today + dt.timedelta(days=1)).isoformat()}"))
    assert "没有符合条件的记录" in future
    todays = text(as_admin.get(f"/admin/audit?date_from={today.isoformat()}&date_to={today.isoformat()}"))
    assert "第54次修改" in todays
    bad = as_admin.get("/admin/audit?date_from=2026-05-02&date_to=2026-05-01")
    assert bad.status_code == 422 and "截止日期不能早于起始日期" in text(bad)


def test_no_route_can_change_the_audit_log(app):
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule.rule
    assert not any(rule.rule.startswith("/admin/audit/") for rule in app.url_map.iter_rules())


def test_the_pages_have_the_agreed_endpoints(app):
    with app.test_request_context():
        from flask import url_for

        assert url_for("admin.users") == "/admin/users"
        assert url_for("admin.units") == "/admin/units"
        assert url_for("admin.persons") == "/admin/persons"
        assert url_for("admin.profile") == "/admin/rules"
        assert url_for("admin.calendar", year=2027) == "/admin/calendar?year=2027"
        assert url_for("admin.checklist") == "/admin/checklist"
        assert url_for("admin.settings") == "/admin/settings"
        assert url_for("admin.audit") == "/admin/audit"


@pytest.mark.parametrize("path", ["/admin/users", "/admin/units", "/admin/persons", "/admin/audit"])
def test_list_pages_do_not_query_per_row(f, as_admin, path):
    from playhouse.test_utils import count_queries

    def queries() -> int:
        with count_queries() as counter:
            assert as_admin.get(path).status_code == 200
        return counter.count

    unit = f.unit()
    f.user(Role.UNIT_HANDLER, unit, person=None)
    f.user(Role.SUBMITTER, person=f.person())
    few = queries()
    for _ in range(15):
        u = f.unit()
        f.user(Role.UNIT_HANDLER, u)
        f.user(Role.SUBMITTER, person=f.person())
    assert queries() == few


def test_admin_names_a_units_city_leader_in_charge(f, as_admin):
    unit = f.unit("市水务局")
    mayor = f.user(Role.LEADER, name="孙副市长")
    page = text(as_admin.get(f"/admin/units/{unit.id}/edit"))
    assert "分管市领导" in page and "孙副市长" in page
    data = {"name": unit.name, "short_name": "", "category": "department"}
    as_admin.post(f"/admin/units/{unit.id}/edit", data={**data, "city_leader_id": str(mayor.id)})
    assert Unit.get_by_id(unit.id).city_leader_id == mayor.id
    entry = AuditEntry.select().where(AuditEntry.action == "unit_updated").order_by(AuditEntry.id.desc()).get()
    assert entry.after == {"city_leader": "孙副市长"}
    # a form without the field leaves it as it is; a user who is not a city leader is refused
    as_admin.post(f"/admin/units/{unit.id}/edit", data={**data, "name": "市水务局（改）"})
    assert Unit.get_by_id(unit.id).city_leader_id == mayor.id
    handler = f.user(Role.UNIT_HANDLER, unit)
    response = as_admin.post(f"/admin/units/{unit.id}/edit", data={**data, "city_leader_id": str(handler.id)})
    assert response.status_code == 422 and "分管市领导须为启用的市领导账号" in text(response)
    assert Unit.get_by_id(unit.id).city_leader_id == mayor.id
    as_admin.post(f"/admin/units/{unit.id}/edit", data={**data, "city_leader_id": ""})
    assert Unit.get_by_id(unit.id).city_leader_id is None
