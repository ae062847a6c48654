"""Texts that code builds for a page — the working calendar's heads, names and dates, the reminder
rules' "when", the settings' weekdays, the checklist's requirements, a dispatch report's title and
scope, the import preview's summary — read in English under ?lang=en and stay as they were in
Chinese.

The English comes from the catalogue (tracker/translations), which is filled after the code marks
the strings. Until then these tests put ENGLISH (the entries this code needs) in front of the
catalogue for English requests; ``test_with_the_real_catalogue_*`` run once the catalogue has them.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations

from tests.web.test_i18n import read_catalog
from tests.xlsx import xlsx_bytes
from tracker.core import clock
from tracker.core.enums import Role

# The catalogue entries of these texts: msgid (or (context, msgid), or (msgid, plural)) -> English.
ENGLISH: dict = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明节": "Qingming Festival",
    "劳动节": "Labour Day",
    "端午节": "Dragon Boat Festival",
    "中秋节": "Mid-Autumn Festival",
    "国庆节": "National Day",
    "抗战胜利70周年纪念日": "70th Anniversary of the Victory of the War of Resistance",
    ("weekday", "一"): "Mon", ("weekday", "二"): "Tue", ("weekday", "三"): "Wed", ("weekday", "四"): "Thu",
    ("weekday", "五"): "Fri", ("weekday", "六"): "Sat", ("weekday", "日"): "Sun",
    "星期一": "Monday", "星期二": "Tuesday", "星期三": "Wednesday", "星期四": "Thursday", "星期五": "Friday",
    "星期六": "Saturday", "星期日": "Sunday",
    "周一": "Monday", "周二": "Tuesday", "周三": "Wednesday", "周四": "Thursday", "周五": "Friday",
    "周六": "Saturday", "周日": "Sunday",
    "办中沟通": "Contact during handling",
    "办后沟通": "Contact after handling",
    "与代表委员当面沟通": "Face-to-face contact with the deputy or member",
    "承诺事项兑现": "Commitments kept",
    "市领导批示已落实": "City leader's instruction carried out",
    "交办当日": "On the day of assignment",
    "%(event)s当日": "On the day of %(event)s",
    "征询意见期限次日": "The day after the feedback deadline",
    ("%(event)s前 %(num)s 个工作日", "%(event)s前 %(num)s 个工作日"):
        ("%(num)s working day before %(event)s", "%(num)s working days before %(event)s"),
    ("%(event)s前 %(num)s 天", "%(event)s前 %(num)s 天"):
        ("%(num)s day before %(event)s", "%(num)s days before %(event)s"),
    ("%(event)s前 %(num)s 个月", "%(event)s前 %(num)s 个月"):
        ("%(num)s month before %(event)s", "%(num)s months before %(event)s"),
    ("%(event)s后第 %(num)s 个工作日（超期 %(num)s 个工作日）", "%(event)s后第 %(num)s 个工作日（超期 %(num)s 个工作日）"):
        ("Working day %(num)s after %(event)s (%(num)s working day overdue)",
         "Working day %(num)s after %(event)s (%(num)s working days overdue)"),
    ("%(event)s后 %(num)s 天", "%(event)s后 %(num)s 天"):
        ("%(num)s day after %(event)s", "%(num)s days after %(event)s"),
    ("%(event)s后 %(num)s 个月", "%(event)s后 %(num)s 个月"):
        ("%(num)s month after %(event)s", "%(num)s months after %(event)s"),
    ("reminder rule", "交办日"): "the assignment date",
    ("reminder rule", "签收期限"): "the receipt deadline",
    ("reminder rule", "申退期限"): "the return-request deadline",
    ("reminder rule", "办前沟通期限"): "the pre-handling contact deadline",
    ("reminder rule", "会办意见期限"): "the co-handling opinion deadline",
    ("reminder rule", "答复期限"): "the reply deadline",
    ("reminder rule", "征询意见期限"): "the feedback deadline",
    ("reminder rule", "承诺事项期限"): "the commitment deadline",
    "定期调度通报（%(scope)s，%(as_of)s）": "Periodic dispatch report (%(scope)s, %(as_of)s)",
    "共读取 %(rows)s 行：可导入 %(importable)s 行，已存在跳过 %(skipped)s 行，有问题 %(bad)s 行。存在问题，未导入任何数据。":
        "Rows read: %(rows)s; importable: %(importable)s; already in the session (skipped): %(skipped)s; "
        "with problems: %(bad)s. There are problems, so nothing was imported.",
    "共读取 %(rows)s 行：可导入 %(importable)s 行，已存在跳过 %(skipped)s 行，有问题 %(bad)s 行。试运行，未写入任何数据。":
        "Rows read: %(rows)s; importable: %(importable)s; already in the session (skipped): %(skipped)s; "
        "with problems: %(bad)s. Trial run: nothing has been written.",
    "共读取 %(rows)s 行：可导入 %(importable)s 行，已存在跳过 %(skipped)s 行，有问题 %(bad)s 行。已导入 %(imported)s 件。":
        "Rows read: %(rows)s; importable: %(importable)s; already in the session (skipped): %(skipped)s; "
        "with problems: %(bad)s. Items imported: %(imported)s.",
}


def _key(entry) -> tuple[str | tuple[str, str], str | None]:
    """(msgid, context) of an ENGLISH key, as babel's Catalog takes them."""
    if isinstance(entry, tuple) and entry[0] in ("weekday", "reminder rule"):
        return entry[1], entry[0]
    return entry, None


def _stub_translations() -> Translations:
    catalog = Catalog(locale="en")
    for entry, english in ENGLISH.items():
        msgid, context = _key(entry)
        catalog.add(msgid, english, context=context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


@pytest.fixture()
def english(monkeypatch):
    """ENGLISH in front of the catalogue for English requests (Chinese requests are untouched)."""
    import flask_babel

    real_get = flask_babel.Domain.get_translations
    combined: dict[int, Translations] = {}

    def get_translations(domain):
        real = real_get(domain)
        if str(flask_babel.get_locale()) != "en":
            return real
        if id(real) not in combined:
            combined[id(real)] = layered = _stub_translations()
            layered.add_fallback(real)
        return combined[id(real)]

    monkeypatch.setattr(flask_babel.Domain, "get_translations", get_translations)


def catalogue_has_these_entries() -> bool:
    catalog = read_catalog()
    for entry in ENGLISH:
        msgid, context = _key(entry)
        found = catalog.get(msgid[0] if isinstance(msgid, tuple) else msgid, context)
        if found is None or not (all(found.string) if found.pluralizable else found.string):
            return False
    return True


with_the_real_catalogue = pytest.mark.skipif(
    not catalogue_has_these_entries(), reason="the English catalogue does not have these entries yet")


def text(response) -> str:
    return response.get_data(as_text=True)


def visible(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture()
def as_admin(f, login_as):
    return login_as(f.user(Role.ADMIN, username="root", name="管理员甲"))


# --- the working calendar ---------------------------------------------------------------------


def test_the_calendar_in_chinese_is_as_it_was(as_admin):
    page = text(as_admin.get("/admin/calendar?year=2026&lang=zh"))
    assert '<abbr title="星期一">一</abbr>' in page and '<abbr title="星期日">日</abbr>' in page
    assert ">1月</caption>" in page and ">10月</caption>" in page
    words = visible(page)
    assert "1月1日–3日 元旦" in words and "10月1日–7日 国庆节" in words and "2月14日 调休上班" in words
    assert 'title="2026-01-01 元旦"' in page and 'title="2026-01-05 工作日"' in page
    assert 'title="2026-01-10 周末"' in page


def test_the_calendar_in_english(as_admin, english):
    page = text(as_admin.get("/admin/calendar?year=2026&lang=en"))
    assert '<abbr title="Monday">Mon</abbr>' in page and '<abbr title="Sunday">Sun</abbr>' in page
    assert ">January</caption>" in page and ">October</caption>" in page
    words = visible(page)
    assert "Jan 1–3 New Year's Day" in words and "Oct 1–7 National Day" in words
    assert "Feb 15–23 Spring Festival" in words and "Apr 4–6 Qingming Festival" in words
    assert "May 1–5 Labour Day" in words and "Feb 14 Make-up workday" in words
    assert 'title="2026-01-05 Working day"' in page and 'title="2026-01-10 Weekend"' in page
    for chinese in ("元旦", "国庆节", "调休上班", "工作日", "周末", "1月", "星期"):
        assert chinese not in page, chinese


def test_an_administrators_day_reads_in_english_when_it_has_a_statutory_name(as_admin, english):
    data = {"year": "2027", "is_workday": "rest", "reason": "依据通知"}
    as_admin.post("/admin/calendar/day", data={**data, "day": "2027-10-01", "name": "国庆节"})
    as_admin.post("/admin/calendar/day", data={**data, "day": "2027-10-04", "name": "单位活动日"})
    page = text(as_admin.get("/admin/calendar?year=2027&lang=en"))
    assert 'title="2027-10-01 National Day Administrator adjustment: 依据通知"' in page
    assert "Oct 1 National Day" in visible(page) and "2027-10-01 (Fri)" in visible(page)
    assert "单位活动日" in page  # a name of its own is shown as entered
    page = text(as_admin.get("/admin/calendar?year=2027&lang=zh"))
    assert 'title="2027-10-01 国庆节 管理员调整：依据通知"' in page
    assert "10月1日 国庆节" in visible(page) and "2027-10-01（五）" in visible(page)


def test_calendar_dates_and_names_follow_the_request(app, english):
    from tracker.admin.views import day_label
    from tracker.core.templating import day_span, month_name

    first, last = dt.date(2026, 10, 1), dt.date(2026, 10, 7)
    assert (month_name(10), day_span(first, last), day_label("国庆节")) == ("10月", "10月1日–7日", "国庆节")
    with app.test_request_context("/?lang=en"):
        assert (month_name(10), day_span(first, last), day_span(first)) == ("October", "Oct 1–7", "Oct 1")
        assert day_span(dt.date(2026, 1, 30), dt.date(2026, 2, 2)) == "Jan 30 – Feb 2"
        assert [day_label(n) for n in ("中秋节", "端午节", "调休上班", "休息日", "厂庆")] == [
            "Mid-Autumn Festival", "Dragon Boat Festival", "Make-up workday", "Rest day", "厂庆"]
    with app.test_request_context("/?lang=zh"):
        assert (month_name(10), day_span(first, last), day_span(first)) == ("10月", "10月1日–7日", "10月1日")
        assert day_span(dt.date(2026, 1, 30), dt.date(2026, 2, 2)) == "1月30日–2月2日"
        assert day_label("中秋节") == "中秋节"


def test_every_holiday_name_the_package_gives_is_marked():
    from tracker.core import calendar

    assert set(calendar._HOLIDAY_NAMES.values()) <= calendar.STANDARD_DAY_NAMES
    names = {name for year in calendar.package_years() for _d, _w, name in calendar.package_days(year)}
    assert names <= calendar.STANDARD_DAY_NAMES


# --- the reminder rules -------------------------------------------------------------------------


def test_the_reminder_rules_in_chinese_are_as_the_rules_say(as_admin):
    from tracker.reminders.rules import default_specs

    words = visible(text(as_admin.get("/admin/reminder-rules?lang=zh")))
    assert "答复期限前 5 个工作日" in words and "答复期限后第 1 个工作日（超期 1 个工作日）" in words
    assert "交办当日" in words and "答复期限前 30 天" in words
    assert all(spec.when in words for spec in default_specs())


def test_the_reminder_rules_in_english(as_admin, english):
    words = visible(text(as_admin.get("/admin/reminder-rules?lang=en")))
    assert "On the day of assignment" in words
    assert "5 working days before the reply deadline" in words and "30 days before the reply deadline" in words
    assert "Working day 1 after the reply deadline (1 working day overdue)" in words
    assert "Working day 10 after the reply deadline (10 working days overdue)" in words
    assert "1 day after the commitment deadline" in words and "The day after the feedback deadline" in words
    # (the rules' names are data: “答复预警（5个工作日）” stays as the administrator wrote it)
    assert " 个工作日" not in words and "期限前" not in words and "当日" not in words


WHENS = [(event, offset, unit) for event in ("assigned_on", "receipt_due", "reply_due", "feedback_due", "other")
         for offset in (-30, -1, 0, 1, 5) for unit in ("working_day", "calendar_day", "calendar_month")]


def test_the_catalogues_chinese_of_a_rules_when_is_the_rules_own(app):
    """The msgids say what rules.describe_when says (it is the Chinese page's and the audit log's)."""
    from tracker.reminders.rules import default_specs, describe_when
    from tracker.reminders.views import when_text

    whens = WHENS + [(s.event, s.offset, s.unit) for s in default_specs()] + [("reply_due", 2, "fortnight")]
    with app.test_request_context("/?lang=zh"):
        assert [when_text(*w) for w in whens] == [describe_when(*w) for w in whens]


def test_a_rules_when_in_english(app, english):
    from tracker.reminders.views import describe_when

    with app.test_request_context("/?lang=en"):
        assert describe_when("reply_due", -1, "working_day") == "1 working day before the reply deadline"
        assert describe_when("commitment_due", -2, "calendar_month") == "2 months before the commitment deadline"
        assert describe_when("receipt_due", 3, "calendar_day") == "3 days after the receipt deadline"
        assert describe_when("co_opinion_due", 0, "working_day") == "On the day of the co-handling opinion deadline"
    with app.test_request_context("/?lang=zh"):
        assert describe_when("reply_due", -1, "working_day") == "答复期限前 1 个工作日"


# --- settings and the checklist -----------------------------------------------------------------


def test_the_dispatch_weekday_options(as_admin, english):
    page = text(as_admin.get("/admin/settings?lang=zh"))
    assert re.search(r'<option (selected )?value="0">周一</option>', page)
    assert '<option value="6">周日</option>' in page
    page = text(as_admin.get("/admin/settings?lang=en"))
    assert re.search(r'<option (selected )?value="0">Monday</option>', page)
    assert '<option value="6">Sunday</option>' in page and "周一" not in page


def test_the_checklist_requirements(as_admin, english):
    assert "要求：办前沟通" in visible(text(as_admin.get("/admin/checklist?lang=zh")))
    page = text(as_admin.get("/admin/checklist?lang=en"))
    assert "Requirement: Pre-handling contact" in visible(page)
    assert '<option value="commitments_kept">Commitments kept</option>' in page
    assert "要求" not in visible(page)


# --- dispatch reports ---------------------------------------------------------------------------


@pytest.fixture()
def report_of_all_sessions(f):
    from tracker.ledger import dispatch

    office = f.office()
    return office, dispatch.generate_report(clock.today(), actor=office, announce=False)


def test_a_dispatch_report_in_chinese_shows_its_stored_title(report_of_all_sessions, login_as):
    office, report = report_of_all_sessions
    client = login_as(office)
    today = clock.today().isoformat()
    assert report.title == f"定期调度通报（全部在办会次，{today}）"
    words = visible(text(client.get(f"/dispatch/{report.id}?lang=zh")))
    assert report.title in words and "范围：全部在办会次" in words
    assert "全部在办会次" in visible(text(client.get("/dispatch?lang=zh")))


def test_a_dispatch_report_in_english(report_of_all_sessions, login_as, english):
    office, report = report_of_all_sessions
    client = login_as(office)
    today = clock.today().isoformat()
    words = visible(text(client.get(f"/dispatch/{report.id}?lang=en")))
    assert f"Periodic dispatch report (All open sessions, {today})" in words
    assert "Scope: All open sessions" in words and "全部在办会次" not in words
    assert "定期调度通报" not in words
    history = text(client.get("/dispatch?lang=en"))
    assert '<td data-label="Scope">All open sessions</td>' in history


def test_the_catalogues_chinese_of_a_report_title_is_the_stored_one(report_of_all_sessions, app):
    from flask_babel import gettext

    _office, report = report_of_all_sessions
    with app.test_request_context("/?lang=zh"):
        assert gettext("定期调度通报（%(scope)s，%(as_of)s）", scope=report.data["scope_label"],
                       as_of=report.data["as_of"]) == report.title


# --- the import preview -------------------------------------------------------------------------

HEADER = ["建议号", "标题", "领衔代表", "附议代表", "主办单位", "会办单位"]


@pytest.fixture()
def office_and_session(f):
    unit = f.unit("市民政局")
    f.user(Role.UNIT_HANDLER, unit, name="李经办")
    f.user(Role.UNIT_LEADER, unit, name="王局长")
    return f.office(), f.session(name="市十七届人大四次会议")


def preview(client, session, rows, lang: str) -> str:
    data = xlsx_bytes(rows, HEADER)
    client.get(f"/imports/?lang={lang}")
    response = client.post("/imports/", data={"session_id": str(session.id), "kind": "",
                                              "file": (io.BytesIO(data), "清单.xlsx")},
                           content_type="multipart/form-data")
    return text(client.get(response.headers["Location"]))


GOOD = [["1", "关于发展社区嵌入式养老服务的建议", "王丽", "", "市民政局", ""]]
BAD = [*GOOD, ["2", "", "刘强", "", "市不存在局", ""]]


def test_the_import_preview_in_chinese(office_and_session, login_as):
    office, session = office_and_session
    client = login_as(office)
    words = visible(preview(client, session, GOOD, "zh"))
    assert "共读取 1 行：可导入 1 行，已存在跳过 0 行，有问题 0 行。试运行，未写入任何数据。" in words
    assert "类别：人大代表建议" in words and "交办：市民政局（独办）" in words
    words = visible(preview(client, session, BAD, "zh"))
    assert "共读取 2 行：可导入 1 行，已存在跳过 0 行，有问题 1 行。存在问题，未导入任何数据。" in words


def test_the_import_preview_in_english(office_and_session, login_as, english):
    office, session = office_and_session
    client = login_as(office)
    words = visible(preview(client, session, GOOD, "en"))
    assert ("Rows read: 1; importable: 1; already in the session (skipped): 0; with problems: 0. "
            "Trial run: nothing has been written.") in words
    assert "Category: NPC deputy suggestion" in words and "Assigned: 市民政局 (Sole)" in words
    assert "共读取" not in words and "人大代表建议" not in words and "独办" not in words
    words = visible(preview(client, session, BAD, "en"))
    assert "with problems: 1. There are problems, so nothing was imported." in words


def test_the_catalogues_chinese_of_an_import_summary_is_the_reports_own(office_and_session, app):
    from tracker.items import imports
    from tracker.items.import_views import summary_text

    office, session = office_and_session
    reports = [imports.import_items(xlsx_bytes(rows, HEADER), session.id, None, actor=office, dry_run=dry)
               for rows, dry in ((GOOD, True), (BAD, True), (GOOD, False))]
    assert [r.imported for r in reports] == [0, 0, 1]
    with app.test_request_context("/?lang=zh"):
        assert [summary_text(r) for r in reports] == [r.summary() for r in reports]


# --- with the real catalogue (run once the lead has added the entries) -------------------------


@with_the_real_catalogue
def test_with_the_real_catalogue_the_built_texts_are_english(as_admin):
    pages = {"/admin/calendar?year=2026": ("元旦", "国庆节", "调休上班", "周末", "1月", "星期"),
             "/admin/reminder-rules": (" 个工作日", "期限前", "当日"),
             "/admin/settings": ("周一", "周日"),
             "/admin/checklist": ("要求",)}
    for path, chinese in pages.items():
        page = text(as_admin.get(f"{path}&lang=en" if "?" in path else f"{path}?lang=en"))
        assert not [c for c in chinese if c in page], path
