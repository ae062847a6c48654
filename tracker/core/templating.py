"""Template filters, globals, i18n (Flask-Babel) and Bootstrap (local assets)."""

from __future__ import annotations

import datetime as dt

from flask import Flask, request, session
from flask_babel import Babel, get_locale
from flask_bootstrap import Bootstrap5
from flask_login import current_user

from tracker.core import clock, enums

babel = Babel()
bootstrap = Bootstrap5()

LOCALES = ("zh", "en")


def select_locale() -> str:
    lang = request.args.get("lang")
    if lang in LOCALES:
        session["lang"] = lang
        return lang
    if session.get("lang") in LOCALES:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    return "zh"


def local_date(value: dt.date | dt.datetime | None, fmt: str = "%Y-%m-%d") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = clock.to_local(value) if value.tzinfo else value
    return value.strftime(fmt)


def local_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return clock.to_local(value).strftime("%Y-%m-%d %H:%M")


def days_until(value: dt.date | None) -> int | None:
    if value is None:
        return None
    return (value - clock.today()).days


NAV = [
    ("items.index", "建议提案", "list_items"),
    ("items.mine", "我的建议提案", "my_items"),
    ("assignments.inbox", "本单位待办", "unit_inbox"),
    ("assignments.desk", "交办审核", "office_desk"),
    ("reminders.overdue", "超期", "view_overdue"),
    ("closeout.commitments", "承诺事项", "list_items"),
    ("ledger.index", "台账", "office_desk"),
    ("stats.dashboard", "统计", "view_stats"),
    ("assessment.index", "本单位考核", "unit_inbox"),
    ("assessment.scorecards", "考核办法", "manage_scorecards"),
    ("admin.users", "系统管理", "manage_users"),
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
    app.jinja_env.filters["label"] = enums.label
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["days_until"] = days_until
    app.jinja_env.globals["enums"] = enums
    app.jinja_env.globals["today"] = clock.today
    app.jinja_env.globals["get_locale"] = get_locale

    @app.context_processor
    def _globals() -> dict:
        from tracker.accounts import policy

        data: dict = {"can": policy.can, "P": policy.Perm, "A": policy.Action,
                      "nav_links": nav_links, "has_endpoint": has_endpoint}
        if getattr(current_user, "is_authenticated", False):
            from tracker.reminders.queries import unread_count

            data["unread_count"] = unread_count(current_user)
        return data
