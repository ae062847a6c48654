"""Pages: the dashboard (office and leaders' home), statistics with drill-down, dispatch reports."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext, pgettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError
from wtforms import BooleanField, DateField
from wtforms.validators import InputRequired, Optional

from tracker.accounts import policy
from tracker.core import clock
from tracker.core.collector import collector_paused
from tracker.core.enums import ContactMethod, ItemKind, Role, Tier, choices, display_label
from tracker.core.errors import DomainError, ensure
from tracker.core.forms import SelectField
from tracker.core.i18n import N_
from tracker.core.paging import page_bounds
from tracker.core.templating import english_page
from tracker.core.web import flash_error
from tracker.ledger import charts, dispatch, stats
from tracker.ledger.stats_queries import (
    StatsFilter,
    key_items,
    load_facts,
    sessions_for_filter,
    units_for_filter,
    years,
)
from tracker.rules import services as rules

bp = Blueprint("stats", __name__)

GROUPS = {
    "unit": (_l("承办单位"), "unit_id", lambda f: (f.unit_id, f.unit_name)),
    "tier": (_l("办理层级"), "tier", lambda f: (f.tier, display_label(Tier(f.tier)) if f.tier in set(Tier) else f.tier)),
    "kind": (_l("类别"), "kind",
             lambda f: (f.kind, display_label(ItemKind(f.kind)) if f.kind in set(ItemKind) else f.kind)),
    "session": (_l("会次"), "session_id", lambda f: (f.session_id, f.session_name)),
}

# The columns of the statistics table (answering units), then of co-handling.
ANSWER_COLUMNS = [
    "assigned", "replied", "reply_rate", "on_time_rate", "overdue", "face_to_face_rate", "contact_rate",
    "satisfaction_rate_work", "satisfaction_rate_result", "satisfied_only_rate_result", "feedback_rate",
    "solved_rate", "solved_or_planned_rate", "publish_rate", "commitment_kept_rate",
    "class_A", "class_B", "class_C", "class_D",
]
CO_COLUMNS = ["co_assigned", "co_submitted", "co_opinion_on_time_rate", "co_overdue"]
SHORT_LABELS = {
    "assigned": N_("应办"), "replied": N_("已答复"), "overdue": N_("超期"), "reply_rate": N_("办复率"),
    "on_time_rate": N_("按期办复率"), "face_to_face_rate": N_("见面率"), "contact_rate": N_("沟通率"),
    "satisfaction_rate_work": N_("满意率（工作）"), "satisfaction_rate_result": N_("满意率（结果）"),
    "satisfied_only_rate_result": N_("仅“满意”率（结果）"), "feedback_rate": N_("反馈率"),
    "solved_rate": N_("解决率（A类）"), "solved_or_planned_rate": N_("解决率（A+B）"), "publish_rate": N_("公开率"),
    "commitment_kept_rate": N_("承诺兑现率"), "class_A": N_("A类"), "class_B": N_("B类"), "class_C": N_("C类"),
    "class_D": N_("D类"), "co_assigned": N_("会办件数"), "co_submitted": N_("已提交意见"),
    "co_opinion_on_time_rate": N_("会办意见按期率"), "co_overdue": N_("会办超期"),
}
CARDS = ["assigned", "reply_rate", "on_time_rate", "overdue", "satisfaction_rate_result",
         "face_to_face_rate", "solved_or_planned_rate", "commitment_kept_rate"]
DRILL_PER_PAGE = 100


@bp.app_template_filter("percent")
def percent_filter(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


ITEM_ENDPOINTS = ("items.detail", "items.show", "items.view", "items.item")


@bp.app_template_global("item_link_url")
def item_link_url(item_id: int) -> str | None:
    """The item page's URL (whichever endpoint the items module names it), or None."""
    for endpoint in ITEM_ENDPOINTS:
        if endpoint not in current_app.view_functions:
            continue
        for kw in ("item_id", "id"):
            try:
                return url_for(endpoint, **{kw: item_id})
            except BuildError:
                continue
    return None


def _require_stats() -> None:
    ensure(policy.has(current_user, policy.Perm.VIEW_STATS), "您没有权限查看统计")


def _filter_from_request(*, default_year: bool = True) -> StatsFilter:
    flt = StatsFilter.from_args(request.args)
    if default_year and "year" not in request.args and not flt.session_id:
        known = years()
        if known:
            flt = flt.with_(year=known[0])
    return flt


def _filter_context(flt: StatsFilter) -> dict[str, Any]:
    return {
        "flt": flt, "flt_args": flt.args(), "years": years(), "sessions": list(sessions_for_filter()),
        "units": list(units_for_filter()), "kinds": choices(ItemKind),
        "tiers": choices(Tier),
    }


def _figure_label(key: str) -> str:
    """The figure's name in the page's language (the labels are marked with N_ where defined)."""
    _key, count, rate = stats.figure(key)
    return gettext(SHORT_LABELS.get(key) or (count.label if count else rate.label))


def _unit_word(unit: str) -> str:
    """What a count counts (件 / 份 / 项), in the page's language."""
    words = {"件": pgettext("counted", "件"), "份": pgettext("counted", "份"), "项": pgettext("counted", "项")}
    return words.get(unit, unit)


# --- dashboard ---------------------------------------------------------------------------------


KEY_ROWS = 10  # the 领办、重点件 card shows the most urgent ten; ?keys=all shows every one


@bp.get("/dashboard")
@login_required
@collector_paused
def dashboard():
    _require_stats()
    try:
        flt = _filter_from_request()
    except DomainError as exc:
        flash_error(exc)
        flt = StatsFilter()
    today = clock.today()
    granularity = request.args.get("trend") if request.args.get("trend") in ("week", "month") else "week"
    facts = load_facts(flt)
    overall = stats.metrics(facts, today)
    class_labels = {k: gettext("%(c)s类", c=k) for k in stats.CLASSES}
    chart_svgs = {
        "overdue": charts.overdue_bar(stats.overdue_by_unit(facts, today)),
        "classes": charts.class_pie(overall["class_counts"], labels=class_labels),
        "trend": charts.trend_line(stats.trend(facts, today, granularity, 12), granularity),
    }
    leader_id = current_user.id if current_user.role == Role.LEADER.value else None
    cards = [(key, _figure_label(key), overall[key], key in stats.RATE_BY_KEY) for key in CARDS]
    all_keys = request.args.get("keys") == "all"
    keys = key_items(leader_id=leader_id, flt=flt, limit=None if all_keys else KEY_ROWS)
    dash_args = {**flt.args(), "keys": "all"} if all_keys else flt.args()  # the trend buttons keep the list
    return render_template(
        "stats/dashboard.html", overall=overall, cards=cards, charts=chart_svgs,
        granularity=granularity, key_rows=keys.rows, key_total=keys.total, all_keys=all_keys,
        key_limit=KEY_ROWS, dash_args=dash_args, today=today,
        co_overdue=overall["co_overdue"], **_filter_context(flt),
    )


@bp.get("/stats/charts.css")
def chart_css():
    response = Response(charts.stylesheet(), mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# --- statistics table --------------------------------------------------------------------------


@bp.get("/stats")
@login_required
@collector_paused
def index():
    _require_stats()
    try:
        flt = _filter_from_request()
    except DomainError as exc:
        flash_error(exc)
        flt = StatsFilter()
    group_by = request.args.get("group") if request.args.get("group") in GROUPS else "unit"
    group_title, group_field, group_key = GROUPS[group_by]
    today = clock.today()
    facts = load_facts(flt)
    overall, groups = stats.grouped(facts, group_key, today)
    rows = [{"id": gid, "name": gname, "m": m, "args": flt.with_(**{group_field: gid}).args()}
            for (gid, gname), m in groups]
    definitions = [(gettext(r.label), gettext(stats.COUNT_BY_KEY[r.numerator].label),
                    gettext(stats.COUNT_BY_KEY[r.denominator].label)) for r in stats.RATES]
    in_person = rules.face_to_face_methods()
    face_to_face_methods = gettext("、").join(
        gettext("“%(m)s”", m=display_label(m.value, ContactMethod)) for m in ContactMethod if m.value in in_person)
    return render_template(
        "stats/index.html", overall=overall, rows=rows, group_by=group_by, group_title=group_title,
        groups={k: v[0] for k, v in GROUPS.items()}, answer_columns=ANSWER_COLUMNS,
        co_columns=CO_COLUMNS, labels={k: _figure_label(k) for k in ANSWER_COLUMNS + CO_COLUMNS},
        rates=stats.RATE_BY_KEY, definitions=definitions, today=today,
        face_to_face_methods=face_to_face_methods, **_filter_context(flt),
    )


@bp.get("/stats/items")
@login_required
@collector_paused
def items():
    """The items behind one figure: a count, or a rate's numerator (part=num) or denominator."""
    _require_stats()
    metric = request.args.get("metric", "")
    part = "den" if request.args.get("part") == "den" else "num"
    try:
        key, count, rate = stats.figure(metric)
    except KeyError:
        abort(404)
    flt = StatsFilter.from_args(request.args)
    today = clock.today()
    rows = stats.members(load_facts(flt), key, today, part)
    count_key = stats.figure_count_key(key, part)
    total_weight = sum(n for _f, n in rows)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    pages = max(1, math.ceil(len(rows) / DRILL_PER_PAGE))
    shown = rows[(page - 1) * DRILL_PER_PAGE: page * DRILL_PER_PAGE]
    figure_label = gettext(rate.label if rate else count.label)
    part_label = (gettext("分母") if part == "den" else gettext("分子")) if rate else ""
    return render_template(
        "stats/items.html", rows=shown, total=len(rows), total_weight=total_weight,
        unit_word=stats.COUNT_BY_KEY[count_key].unit, unit_text=_unit_word(stats.COUNT_BY_KEY[count_key].unit),
        count_label=gettext(stats.COUNT_BY_KEY[count_key].label),
        figure_label=figure_label, part_label=part_label, metric=key, part=part, rate=rate,
        page=page, pages=pages, page_args={k: v for k, v in request.args.items() if k != "page"},
        today=today, role_label=dispatch.role_label, flt=flt, filter_text=_filter_text(flt),
    )


def _filter_text(flt: StatsFilter) -> str:
    from tracker.items.models import Session
    from tracker.units.models import Unit

    parts = []
    if flt.year:
        parts.append(gettext("%(year)s 年", year=flt.year))
    if flt.session_id:
        s = Session.get_or_none(Session.id == flt.session_id)
        parts.append(s.name if s else gettext("会次 %(id)s", id=flt.session_id))
    if flt.kind:
        parts.append(display_label(ItemKind(flt.kind)))
    if flt.tier:
        parts.append(display_label(Tier(flt.tier)))
    if flt.unit_id:
        u = Unit.get_or_none(Unit.id == flt.unit_id)
        parts.append(u.name if u else gettext("单位 %(id)s", id=flt.unit_id))
    if flt.is_key is not None:
        parts.append(gettext("重点件") if flt.is_key else gettext("非重点件"))
    return gettext("，").join(parts) or gettext("全部")


# --- dispatch reports --------------------------------------------------------------------------


class DispatchForm(FlaskForm):
    as_of = DateField(_l("统计截至日期"), validators=[InputRequired(_l("请填写统计截至日期"))], format="%Y-%m-%d")
    session_id = SelectField(_l("范围"), coerce=lambda v: int(v) if v not in (None, "", "None") else None,
                             validators=[Optional()])
    announce = BooleanField(_l("同时通知督查室和市领导（站内消息并发送邮件）"), default=True)


def scope_text(data: dict[str, Any]) -> str:
    """A report's scope as a page shows it: as stored (a session's name, or “全部在办会次”), the
    latter in English under ?lang=en."""
    label = data.get("scope_label", "")
    if english_page() and data.get("scope") == "all" and label == dispatch.ALL_SESSIONS:
        return gettext(dispatch.ALL_SESSIONS)
    return label


def report_title(report) -> str:
    """A report's title as a page shows it: as stored (“定期调度通报（全部在办会次，2026-05-08）”), or
    in English under ?lang=en."""
    if not english_page():
        return report.title
    return gettext("定期调度通报（%(scope)s，%(as_of)s）", scope=scope_text(report.data), as_of=report.data["as_of"])


def _dispatch_form(formdata: Any = None) -> DispatchForm:
    form = DispatchForm(formdata=formdata)
    form.session_id.choices = {"": gettext("全部在办会次"), **{str(s.id): s.name for s in sessions_for_filter()}}
    if formdata is None:
        form.as_of.data = clock.today()
    return form


@bp.get("/dispatch")
@login_required
def dispatch_index():
    _require_stats()
    form = _dispatch_form() if policy.has(current_user, policy.Perm.OFFICE_DESK) else None
    return render_template("dispatch/index.html", form=form, scope_text=scope_text, **_dispatch_history())


@bp.post("/dispatch")
@login_required
def dispatch_generate():
    ensure(policy.has(current_user, policy.Perm.OFFICE_DESK), "只有交办单位（督查室）可以生成调度通报")
    form = _dispatch_form(request.form)
    if form.validate_on_submit():
        try:
            report = dispatch.generate_report(form.as_of.data, actor=current_user,
                                              session_id=form.session_id.data,
                                              announce=bool(form.announce.data))
        except DomainError as exc:
            flash_error(exc, form)
        else:
            from flask import flash

            flash(gettext("已生成%(title)s", title=report_title(report)), "success")
            return redirect(url_for("stats.dispatch_view", report_id=report.id))
    return render_template("dispatch/index.html", form=form, scope_text=scope_text, **_dispatch_history()), 422


HISTORY_PER_PAGE = 30  # a half-year of weekly reports a page


def _dispatch_history() -> dict[str, Any]:
    """One page of the reports, newest first (a weekly report a year fills two pages)."""
    history = dispatch.history()
    total = history.count()
    page, pages = page_bounds(total, request.args.get("page", 1, type=int) or 1, HISTORY_PER_PAGE)
    return {"reports": list(history.paginate(page, HISTORY_PER_PAGE)), "total": total, "page": page,
            "pages": pages}


@bp.get("/dispatch/<int:report_id>")
@login_required
def dispatch_view(report_id: int):
    report = dispatch.get_report_for(current_user, report_id)
    data = report.data
    return render_template("dispatch/view.html", report=report, data=data, title=report_title(report),
                           scope=scope_text(data),
                           unit_columns=dispatch.UNIT_COLUMNS, overdue_columns=dispatch.OVERDUE_COLUMNS,
                           slip_labels=dispatch.SLIP_LABELS, role_label=dispatch.role_label,
                           as_of=dt.date.fromisoformat(data["as_of"]))


def _download(report, body: bytes, ext: str, mimetype: str) -> Response:
    from tracker.core.web import attachment

    name = f"定期调度通报_{report.as_of.isoformat()}_{report.id}.{ext}"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": attachment(name, f"dispatch_{report.as_of.isoformat()}_{report.id}.{ext}")})


@bp.get("/dispatch/<int:report_id>.xlsx")
@login_required
def dispatch_xlsx(report_id: int):
    from tracker.core.excel import XLSX_MIMETYPE

    report = dispatch.get_report_for(current_user, report_id)
    return _download(report, dispatch.to_xlsx(report), "xlsx", XLSX_MIMETYPE)


@bp.get("/dispatch/<int:report_id>.docx")
@login_required
def dispatch_docx(report_id: int):
    report = dispatch.get_report_for(current_user, report_id)
    return _download(report, dispatch.to_docx(report), "docx",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document")

