"""The English second locale: the language switch, English pages and labels, and a complete catalog.

The UI's msgids are the Chinese source strings; tracker/translations/en holds the English catalog
(``make babel`` compiles the committed .po into the .mo the app reads; ``make babel-update``
re-extracts after UI strings change).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "tracker" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "N_": None,
    "_l": None,
    "lazy_gettext": None,
    "_lp": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def read_catalog():
    with PO.open("rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module", autouse=True)
def compiled_catalog(app):
    """The .mo that ``make babel`` writes; compiled here as well when missing or older than the .po."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        with MO.open("wb") as fh:
            write_mo(fh, read_catalog())
        with app.app_context():  # drop translations cached before the .mo existed
            app.extensions["babel"].instance.domain_instance.cache.clear()
    return MO


def text(response) -> str:
    return response.get_data(as_text=True)


def visible(html: str) -> str:
    """The page's text without tags, scripts or attributes."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


# --- the catalog ----------------------------------------------------------------------------


def test_the_app_reads_the_catalog_under_tracker_translations(app):
    assert app.extensions["babel"].translation_directories == [str(TRANSLATIONS)]
    assert PO.exists() and MO.exists()


def test_every_entry_of_the_english_catalog_is_translated_and_not_fuzzy():
    catalog = read_catalog()
    entries = [m for m in catalog if m.id]
    assert len(entries) > 1000
    untranslated = [m.id for m in entries if not (all(m.string) if m.pluralizable else m.string)]
    fuzzy = [m.id for m in entries if m.fuzzy]
    assert untranslated == [] and fuzzy == []
    assert not catalog.obsolete


def test_translations_keep_the_placeholders_and_contain_no_chinese_words():
    problems = []
    for m in read_catalog():
        if not m.id:
            continue
        source = m.id[0] if m.pluralizable else m.id
        for text in m.string if m.pluralizable else (m.string,):
            if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(text)):
                problems.append(("placeholders", source, text))
            # Templates use new-style gettext, which always %-formats: a bare % would break the page.
            if re.search(r"%(?!\(\w+\)s|%)", text):
                problems.append(("bare %", source, text))
            # Quoted Chinese (“案号”, 市住建局 examples) is allowed; anything else is an untranslated word.
            unquoted = re.sub(
                r"“[^”]*”|\([^)]*[\u4e00-\u9fff][^)]*\)|[\u4e00-\u9fff〔〕]+(?=[ ,.)]|$)", "", text
            )
            if re.search(r"[\u4e00-\u9fff]{2,}", unquoted) and not text.startswith(("For example", "Name;")):
                problems.append(("chinese", source, text))
    assert problems == []


def test_the_catalog_covers_every_string_marked_in_the_code_and_templates():
    """Fails when a new _() string has no English yet: run ``make babel-update`` and translate it."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    marked = {
        (msg[2] if isinstance(msg[2], str) else msg[2][0], msg[4])  # (msgid, context)
        for msg in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)
    }
    catalog = read_catalog()

    def translated(msgid: str, context: str | None) -> bool:
        entry = catalog.get(msgid, context)
        return entry is not None and bool(all(entry.string) if entry.pluralizable else entry.string)

    missing = sorted(msgid for msgid, context in marked if not translated(msgid, context))
    assert missing == [], (
        f"{len(missing)} UI strings have no English translation (make babel-update): {missing[:20]}"
    )


def test_the_compiled_catalog_is_used_not_the_msgid_fallback(app):
    from flask_babel import get_translations, gettext

    with app.test_request_context("/?lang=en"):
        assert gettext("登录") == "Log in"
        assert gettext("已上传 %(n)s 个附件", n=3) == "3 attachments uploaded"
        assert len(get_translations()._catalog) > 1000  # the .mo, not a NullTranslations
    with app.test_request_context("/?lang=zh"):
        assert gettext("登录") == "登录"


# --- the language switch -----------------------------------------------------------------------


def test_login_page_in_english(client):
    page = text(client.get("/login?lang=en"))
    words = visible(page)
    assert html_lang(page) == "en"
    assert "Log in" in words and "Username" in words and "Password" in words
    assert "Suggestion & Proposal Handling System" in words
    assert "登录" not in words and "用户名" not in words


def test_the_language_stays_in_the_session_until_switched_back(client):
    client.get("/login?lang=en")
    page = text(client.get("/login"))
    assert html_lang(page) == "en" and "Log in" in visible(page)

    page = text(client.get("/login?lang=zh"))
    assert html_lang(page) == "zh-CN" and "登录" in visible(page) and "Log in" not in visible(page)
    page = text(client.get("/login"))
    assert html_lang(page) == "zh-CN" and "用户名" in visible(page)


def test_an_unknown_language_is_ignored(client):
    page = text(client.get("/login?lang=fr"))
    assert html_lang(page) == "zh-CN" and "登录" in visible(page)


def test_chinese_is_the_default(client):
    page = text(client.get("/login"))
    assert html_lang(page) == "zh-CN" and "登录" in visible(page)


def test_the_footer_switch_keeps_the_query_and_marks_the_current_language(f, client, login_as):
    login_as(f.office())
    page = text(client.get("/items?kind=suggestion&lang=en"))
    assert 'href="/items?kind=suggestion&amp;lang=zh"' in page
    assert re.search(r'href="/items\?kind=suggestion&amp;lang=en"[^>]*aria-current="true"', page)


def test_form_errors_and_flash_messages_are_in_english(f, client, login_as):
    page = text(client.post("/login?lang=en", data={"username": "", "password": ""}))
    assert "Please enter your username" in page and "Please enter your password" in page

    login_as(f.office())
    client.get("/items?lang=en")
    response = client.post("/logout", follow_redirects=True)
    assert "You have been logged out" in text(response)


def test_error_pages_are_in_english(f, client, login_as):
    login_as(f.office())
    client.get("/items?lang=en")
    response = client.get("/items/999999")
    assert response.status_code == 404
    words = visible(text(response))
    assert "The request could not be completed (404)" in words
    assert "Back to the home page" in words
    assert "The record was not found, or you may not view it." in words  # the service's stock message


def test_a_services_stock_refusal_reads_in_english_on_a_page_and_stays_chinese_in_the_api(f, client, login_as, api):
    from tracker.core.enums import Role

    handler = f.user(Role.UNIT_HANDLER, f.unit("市民政局"))
    login_as(handler)
    client.get("/items?lang=en")
    response = client.get("/desk")  # the office's desk: a unit handler may not open it
    assert response.status_code == 403
    assert "You do not have permission to access this page" in visible(text(response))
    assert api(handler).get("/items/999999").get_json()["error"]["message"] == "未找到该记录，或您无权查看"


def test_login_required_message_is_in_english(client):
    response = client.get("/items?lang=en", follow_redirects=True)
    assert "Please log in first" in visible(text(response))


# --- pages an office user meets --------------------------------------------------------------


@pytest.fixture()
def office_with_items(f):
    office = f.office()
    session = f.session()
    registered = f.item(session=session, number="101", title="关于加快老旧小区加装电梯的建议")
    assigned = f.item(session=session, number="102", title="关于完善社区养老服务的建议")
    f.assign(assigned, f.unit("市民政局"), role="sole")
    return office, registered, assigned


def test_office_items_list_in_english(office_with_items, client, login_as):
    office, _registered, _assigned = office_with_items
    login_as(office)
    page = text(client.get("/items?lang=en"))
    words = visible(page)
    assert html_lang(page) == "en"
    for header in (
        "Item no.",
        "Category",
        "Title",
        "Lead submitter",
        "Handling unit",
        "Status",
        "Tier",
        "Reply due",
    ):
        assert header in words, header
    assert "Registered" in words and "Assigned" in words  # status labels
    assert "NPC deputy suggestion" in words and "Handled by the department" in words
    assert "(Sole)" in words and "Not assigned" in words
    assert "Suggestions & proposals" in words and "Ledger" in words  # navigation
    # The user's own data stays as entered; the labels are not Chinese any more.
    assert "关于加快老旧小区加装电梯的建议" in words
    for chinese in ("已登记", "已交办", "案号", "状态", "承办单位", "人大代表建议", "部门办理", "独办"):
        assert chinese not in words, chinese


def test_switching_the_items_list_back_to_chinese(office_with_items, client, login_as):
    office, _registered, _assigned = office_with_items
    login_as(office)
    client.get("/items?lang=en")
    words = visible(text(client.get("/items?lang=zh")))
    assert "已登记" in words and "已交办" in words and "案号" in words and "（独办）" in words
    assert "Registered" not in words and "Item no." not in words


def test_an_item_page_in_english(office_with_items, client, login_as):
    office, _registered, assigned = office_with_items
    login_as(office)
    words = visible(text(client.get(f"/items/{assigned.id}?lang=en")))
    assert "No. 102" in words and "Handling units and deadlines" in words
    assert "市民政局 (Sole)" in words
    assert "Handling record" in words


def test_filter_options_follow_the_language(office_with_items, client, login_as):
    office, _registered, _assigned = office_with_items
    login_as(office)
    page = text(client.get("/items?lang=en"))
    assert '<option value="registered">Registered</option>' in page
    assert '<option value="">All statuses</option>' in page
    page = text(client.get("/items?lang=zh"))
    assert '<option value="registered">已登记</option>' in page


# --- enum labels --------------------------------------------------------------------------------


def test_every_chinese_enum_label_has_an_english_one():
    from tracker.core import enums

    assert set(enums._EN_LABELS) == set(enums._BY_VALUE)
    assert all(text and not re.search(r"[\u4e00-\u9fff]", text) for text in enums._EN_LABELS.values())


def test_display_label_follows_the_locale_and_is_chinese_outside_requests(app):
    from tracker.core.enums import HandlingRole, ItemStatus, SubmitterRole, display_label, label

    assert display_label(ItemStatus.CLOSED) == "已销号"  # no request: Chinese
    with app.test_request_context("/?lang=en"):
        assert display_label(ItemStatus.CLOSED) == "Closed out"
        assert display_label("lead", HandlingRole) == "Lead"
        assert display_label("lead", SubmitterRole) == "Lead submitter"
        assert display_label("in_progress") == "In progress"  # a bare value: the first enum that has it
        assert display_label("unknown_value") == "unknown_value"
        assert display_label(None) == ""
        # label() is the stored/Chinese text (audit details, notifications, domain errors).
        assert label(ItemStatus.CLOSED) == "已销号"
    with app.test_request_context("/?lang=zh"):
        assert display_label(ItemStatus.CLOSED) == "已销号"


def test_choices_are_lazy_and_follow_the_locale(app):
    from tracker.core.enums import Tier, choices

    options = choices(Tier)  # built once, like a form class at import time
    assert [value for value, _text in options] == ["leader_led", "office_supervised", "department"]
    assert str(options[0][1]) == "市领导领办"
    with app.test_request_context("/?lang=en"):
        assert str(options[0][1]) == "Led by a city leader"
    with app.test_request_context("/?lang=zh"):
        assert options[0][1] == "市领导领办"
