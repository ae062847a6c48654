"""Template filters, globals, i18n (Flask-Babel) and Bootstrap (local assets)."""

from __future__ import annotations

import datetime as dt

from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_bootstrap import Bootstrap5
from flask_login import current_user

from tracker.core import clock, enums
from tracker.core.i18n import N_

babel = Babel()
bootstrap = Bootstrap5()

LOCALES = ("zh", "en")


def _status_for_submitter(status: str) -> str:
    from tracker.items.workflow import status_for_submitter

    return status_for_submitter(status)


def select_locale() -> str:
    """?lang=zh|en (remembered in the session), else the session, else the user's locale, else zh."""
    if not has_request_context():  # CLI, scheduler jobs: the default language
        return "zh"
    lang = request.args.get("lang")
    if lang in LOCALES:
        session["lang"] = lang
        return lang
    if session.get("lang") in LOCALES:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    return "zh"


def lang_url(code: str) -> str:
    """This page's URL in another language (the footer's language switch), keeping the query."""
    from urllib.parse import urlencode

    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.path + "?" + urlencode([*args, ("lang", code)])


def local_date(value: dt.date | dt.datetime | None, fmt: str = "%Y-%m-%d") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = clock.to_local(value) if value.tzinfo else value
    return value.strftime(fmt)


def english_page() -> bool:
    """Whether this request's page is in English (False outside a request: CLI, jobs)."""
    return enums._english_page()


def month_name(month: int) -> str:
    """A month as a page names it: “1月”, or “January” under ?lang=en (CLDR's name)."""
    if english_page():
        from babel.dates import get_month_names

        return get_month_names("wide", locale=get_locale())[month]
    return f"{month}月"


def day_span(first: dt.date, last: dt.date | None = None) -> str:
    """A day or a run of days without the year, as a calendar's notes list them: “1月1日–3日”,
    or “Jan 1–3” under ?lang=en."""
    last = last or first
    if english_page():
        from babel.dates import format_date

        start = format_date(first, "MMM d", locale=get_locale())
        if last == first:
            return start
        if (last.year, last.month) == (first.year, first.month):
            return f"{start}–{last.day}"
        return f"{start} – {format_date(last, 'MMM d', locale=get_locale())}"
    start = f"{first.month}月{first.day}日"
    if last == first:
        return start
    if (last.year, last.month) == (first.year, first.month):
        return f"{start}–{last.day}日"
    return f"{start}–{last.month}月{last.day}日"


def local_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return clock.to_local(value).strftime("%Y-%m-%d %H:%M")


def days_until(value: dt.date | None) -> int | None:
    if value is None:
        return None
    return (value - clock.today()).days


NAV = [
    ("items.index", N_("建议提案"), "list_items"),
    ("items.mine", N_("我的建议提案"), "my_items"),
    ("supervision.index", N_("三书一函"), "list_items"),
    ("assignments.inbox", N_("本单位待办"), "unit_inbox"),
    ("assignments.desk", N_("交办审核"), "office_desk"),
    ("reminders.overdue", N_("超期"), "view_overdue"),
    ("closeout.commitments", N_("承诺事项"), "list_items"),
    ("ledger.index", N_("台账"), "view_ledger"),
    ("stats.dashboard", N_("统计"), "view_stats"),
    ("assessment.index", N_("本单位考核"), "unit_inbox"),
    ("assessment.scorecards", N_("考核办法"), "manage_scorecards"),
    ("admin.users", N_("系统管理"), "manage_users"),
]


def has_endpoint(endpoint: str) -> bool:
    from flask import current_app

    return endpoint in current_app.view_functions


def nav_links(user) -> list[tuple[str, str, str]]:
    from flask_babel import gettext

    from tracker.accounts import policy

    return [
        (endpoint, gettext(text), perm)
        for endpoint, text, perm in NAV
        if has_endpoint(endpoint) and policy.has(user, policy.Perm(perm))
    ]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)

    @app.before_request
    def _choose_locale_per_request() -> None:
        # Flask-Babel caches the locale on ``g``, which lives as long as the app context; a
        # request inside an outer app context (tests, CLI) must still choose its own language.
        from flask_babel import refresh

        refresh()
        g.pop("_translations", None)
        g.pop("_english_page", None)

    # Templates call _() hundreds of times per page (every label of every table row). Flask-Babel
    # looks the request's locale and catalogue up again on each call; the catalogue is fixed for a
    # request, so look it up once (``g``) — a list page of 50 rows renders about twice as fast.
    def _translations():
        found = g.get("_translations")
        if found is None:
            from flask_babel import get_translations

            found = get_translations()
            if has_request_context():
                g._translations = found
        return found

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )

    app.jinja_env.filters["label"] = enums.display_label  # Chinese, or English under ?lang=en
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["month_name"] = month_name
    app.jinja_env.globals["day_span"] = day_span
    app.jinja_env.filters["days_until"] = days_until
    app.jinja_env.filters["for_submitter"] = _status_for_submitter
    app.jinja_env.globals["enums"] = enums
    app.jinja_env.globals["today"] = clock.today
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["lang_url"] = lang_url

    @app.context_processor
    def _globals() -> dict:
        from tracker.accounts import policy

        data: dict = {"can": policy.can, "P": policy.Perm, "A": policy.Action,
                      "nav_links": nav_links, "has_endpoint": has_endpoint}
        if getattr(current_user, "is_authenticated", False):
            from tracker.reminders.queries import unread_count

            data["unread_count"] = unread_count(current_user)
        return data
