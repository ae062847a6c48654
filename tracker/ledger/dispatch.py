"""定期调度通报: dispatch reports — per-unit progress, overdue list, slips, ranking.

A report is a snapshot stored as JSON (one row per date and scope; regenerating replaces it),
downloadable as .xlsx and .docx, and announced to the office and the city leaders through
notifications (the delivery job mails them). ``generate_weekly(now)`` is the scheduler's job.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import peewee as pw

from tracker.accounts import policy
from tracker.accounts.models import User
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import HandlingRole, Role, label
from tracker.core.errors import NotFound, ValidationFailed, ensure
from tracker.core.i18n import N_
from tracker.items.models import Session
from tracker.ledger import stats
from tracker.ledger.models import DispatchReport
from tracker.ledger.stats_queries import StatsFilter, load_facts, open_session_ids
from tracker.reminders.services import notify, office_users
from tracker.rules.services import get_setting

TITLE = "定期调度通报"
ALL_SESSIONS = N_("全部在办会次")  # the scope of a report on every session in hand (pages translate it)
SLIP_LABELS = {"blue": N_("蓝单"), "orange": N_("橙单"), "red": N_("红单")}  # N_: pages translate them


def _scope(session_id: int | None) -> str:
    return f"session:{session_id}" if session_id else "all"


def build_data(as_of: dt.date, session_id: int | None = None) -> dict[str, Any]:
    """The report's content as of the end of ``as_of`` (records after that day are ignored)."""
    if session_id:
        session = Session.get_or_none(Session.id == session_id)
        if session is None:
            raise ValidationFailed("会次不存在", fields={"session_id": "会次不存在"})
        sessions = [session]
        flt = StatsFilter(session_id=session_id)
        scope_label = session.name
    else:
        ids = open_session_ids()
        sessions = list(Session.select().where(Session.id.in_(list(ids) or [-1]))
                        .order_by(Session.year, Session.id))
        flt = StatsFilter(session_ids=ids)
        scope_label = ALL_SESSIONS
    facts = stats.as_of(load_facts(flt), as_of)
    content = stats.dispatch_content(facts, as_of)
    return {
        "title": TITLE,
        "as_of": as_of.isoformat(),
        "scope": _scope(session_id),
        "scope_label": scope_label,
        "session_id": session_id,
        "sessions": [s.name for s in sessions],
        "generated_at": clock.now().isoformat(),
        **content,
    }


def _audience() -> list[User]:
    leaders = list(User.select().where((User.role == Role.LEADER.value) & (User.active == True)))  # noqa: E712
    return office_users() + leaders


ANNOUNCED_UNITS = 10  # units named in the announcement; the report lists them all


def overdue_units(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The units with overdue work, worst first: most overdue acts (replies and co opinions),
    then most days overdue in all (over the report's overdue list), then by name."""
    days: dict[str, int] = {}
    for row in data.get("overdue") or []:
        days[row["unit_name"]] = days.get(row["unit_name"], 0) + int(row["days_overdue"])
    rows = [{"unit_name": u["unit_name"], "overdue": u["overdue"] + u["co_overdue"],
             "days_overdue": days.get(u["unit_name"], 0)}
            for u in data["units"] if u["overdue"] + u["co_overdue"] > 0]
    return sorted(rows, key=lambda r: (-r["overdue"], -r["days_overdue"], r["unit_name"]))


def announcement(report: DispatchReport) -> str:
    """The body of the notice to the office and the leaders (mailed as it stands: the link to
    the report is a full address)."""
    from tracker.reminders.delivery import site_url

    data = report.data
    t = data["totals"]
    late = overdue_units(data)
    named = "、".join(f"{u['unit_name']}（超期 {u['overdue']} 件）" for u in late[:ANNOUNCED_UNITS])
    if len(late) > ANNOUNCED_UNITS:
        units = f"有超期件的单位共 {len(late)} 个，超期最多的：{named}等。"
    elif late:
        units = f"有超期件的单位共 {len(late)} 个：{named}。"
    else:
        units = ""
    return (
        f"{data['scope_label']}，截至 {data['as_of']}：应办 {t['assigned']} 件，已答复 {t['replied']} 件，"
        f"办复率 {percent(t['reply_rate'])}，按期办复率 {percent(t['on_time_rate'])}；"
        f"超期未答复 {t['overdue']} 件，会办意见超期 {t['co_overdue']} 件；"
        f"累计督办单 蓝{t['slips']['blue']} 橙{t['slips']['orange']} 红{t['slips']['red']}。"
        + units
        + f"详见：{site_url(f'/dispatch/{report.id}')}"
    )


def _announce(report: DispatchReport) -> int:
    return notify(_audience(), f"{TITLE}（{report.data['as_of']}）", announcement(report), kind="report")


def generate_report(as_of: dt.date, actor: Any = None, session_id: int | None = None, *,
                    announce: bool = True, automatic: bool = False) -> DispatchReport:
    """Make (or remake) the report of ``as_of`` for one session or all sessions in hand.

    ``actor`` None is the system (the weekly job); a person must be office staff.
    """
    if actor is not None:
        ensure(policy.has(actor, policy.Perm.OFFICE_DESK), "只有交办单位（督查室）可以生成调度通报")
    if as_of > clock.today():
        raise ValidationFailed("通报日期不能晚于今天", fields={"as_of": "通报日期不能晚于今天"})
    data = build_data(as_of, session_id)
    scope = _scope(session_id)
    now = clock.now()
    actor_id = getattr(actor, "id", None)
    title = f"{TITLE}（{data['scope_label']}，{as_of.isoformat()}）"
    with db.atomic():
        report = DispatchReport.get_or_none((DispatchReport.as_of == as_of) & (DispatchReport.scope == scope))
        if report is None:
            try:
                with db.atomic():
                    report = DispatchReport.create(
                        as_of=as_of, scope=scope, session=session_id, title=title, data=data,
                        automatic=automatic, created_at=now, created_by=actor_id, updated_at=now,
                        updated_by=actor_id)
            except pw.IntegrityError:
                if automatic:  # another scheduler made it a moment ago: nothing to do
                    return DispatchReport.get((DispatchReport.as_of == as_of) & (DispatchReport.scope == scope))
                report = DispatchReport.get((DispatchReport.as_of == as_of) & (DispatchReport.scope == scope))
                _replace(report, data, title, actor_id, now, automatic)
            action = "生成"
        else:
            _replace(report, data, title, actor_id, now, automatic)
            action = "重新生成"
        audit.record("dispatch_report", report, actor=actor,
                     after={"as_of": as_of.isoformat(), "scope": scope, "generations": report.generations},
                     detail=f"{action}{title}")
        if announce:
            _announce(report)
        if automatic and action == "生成" and scope == "all":  # the week's report: once a week
            remind_supervised_units(as_of)
    return report


SUPERVISED_LISTED = 20  # items named in one unit's weekly reminder


def remind_supervised_units(as_of: dt.date) -> int:
    """政府办督办件 get weekly dispatch reminders (DOMAIN.md §4): with the week's report, each unit
    still owing something on an office-supervised item hears which items and how late (the
    statistics' facts: void parts left out, days overdue as everywhere). Returns the number of
    notifications queued."""
    from operator import attrgetter

    from tracker.core.enums import Tier
    from tracker.reminders.services import unit_users

    owed = [f for f in load_facts(StatsFilter(session_ids=open_session_ids()))
            if f.tier == Tier.OFFICE_SUPERVISED.value and not f.void and f.owing]
    sent = 0
    for unit_id, facts in stats.group(owed, attrgetter("unit_id")).items():
        facts = sorted(facts, key=attrgetter("current_due", "item_number"))
        late = sum(1 for f in facts if f.days_overdue(as_of) > 0)
        lines = []
        for f in facts[:SUPERVISED_LISTED]:
            days = f.days_overdue(as_of)
            act = "会办意见" if f.is_co else "答复"
            lines.append(f"{f.item_number}号 {f.item_title}（{act}期限 {f.current_due.isoformat()}"
                         + (f"，已超期 {days} 天）" if days else "）"))
        more = f"\n……另有 {len(facts) - SUPERVISED_LISTED} 件" if len(facts) > SUPERVISED_LISTED else ""
        body = (f"截至 {as_of.isoformat()}，本单位承办的政府办督办件尚有 {len(facts)} 件未办结"
                + (f"，其中超期 {late} 件" if late else "") + "：\n" + "\n".join(lines) + more)
        sent += notify(unit_users(unit_id), f"督办件周调度提醒（{as_of.isoformat()}）", body, kind="reminder")
    return sent


def _replace(report: DispatchReport, data: dict, title: str, actor_id: int | None, now: dt.datetime,
             automatic: bool) -> None:
    report.data = data
    report.title = title
    report.updated_at = now
    report.updated_by = actor_id
    report.automatic = report.automatic or automatic
    report.generations += 1
    report.save()


def weekly_slot(now: dt.datetime) -> dt.datetime:
    """This week's time for the weekly report (settings ``dispatch_weekday``/``dispatch_hour``)."""
    local = clock.to_local(now)
    weekday = int(get_setting("dispatch_weekday") or 0) % 7
    hour = int(get_setting("dispatch_hour") if get_setting("dispatch_hour") is not None else 9)
    monday = local.date() - dt.timedelta(days=local.weekday())
    return dt.datetime.combine(monday + dt.timedelta(days=weekday), dt.time(hour), clock.LOCAL_TZ)


def generate_weekly(now: dt.datetime) -> DispatchReport | None:
    """The scheduler's job: once a week, after the configured slot, if ``dispatch_weekly`` is on.

    Safe to call often and from several processes: a week that already has its automatic
    report is left alone, and a missed slot is caught up later in the same week.
    """
    if not get_setting("dispatch_weekly"):
        return None
    slot = weekly_slot(now)
    local = clock.to_local(now)
    if local < slot:
        return None
    week_start = slot.date()
    done = DispatchReport.select().where(
        (DispatchReport.scope == "all") & (DispatchReport.automatic == True)  # noqa: E712
        & (DispatchReport.as_of >= week_start) & (DispatchReport.as_of < week_start + dt.timedelta(days=7))
    ).exists()
    if done:
        return None
    return generate_report(local.date(), actor=None, automatic=True)


# --- reading -----------------------------------------------------------------------------------


def history(session_id: int | None = None):
    query = DispatchReport.select().order_by(DispatchReport.as_of.desc(), DispatchReport.id.desc())
    if session_id:
        query = query.where(DispatchReport.session == session_id)
    return query


def get_report_for(user: Any, report_id: int) -> DispatchReport:
    report = DispatchReport.get_or_none(DispatchReport.id == report_id)
    if report is None or not policy.has(user, policy.Perm.VIEW_STATS):
        raise NotFound()
    return report


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def role_label(role: str) -> str:
    try:
        return label(HandlingRole(role))
    except ValueError:
        return role


# --- downloads ---------------------------------------------------------------------------------

UNIT_COLUMNS = [
    ("rank", N_("排名")), ("unit_name", N_("承办单位")), ("assigned", N_("应办件数")), ("received", N_("已签收")),
    ("replied", N_("已答复")), ("reply_rate", N_("办复率")), ("on_time_rate", N_("按期办复率")),
    ("overdue", N_("超期未答复")), ("slips.blue", N_("蓝单")), ("slips.orange", N_("橙单")), ("slips.red", N_("红单")),
    ("co_assigned", N_("会办件数")), ("co_submitted", N_("已提交会办意见")), ("co_overdue", N_("会办意见超期")),
]
OVERDUE_COLUMNS = [
    ("number", N_("案号")), ("title", N_("标题")), ("session", N_("会次")), ("unit_name", N_("承办单位")),
    ("role", N_("承办方式")), ("what", N_("超期事项")), ("due_on", N_("期限")), ("days_overdue", N_("超期天数")),
    ("slip", N_("督办单")),
]


def _value(row: dict, key: str) -> Any:
    if "." in key:
        head, tail = key.split(".", 1)
        return (row.get(head) or {}).get(tail, 0)
    return row.get(key)


def unit_cells(row: dict) -> list[Any]:
    out = []
    for key, _title in UNIT_COLUMNS:
        value = _value(row, key)
        if key.endswith("_rate"):
            value = percent(value)
        out.append(value)
    return out


def overdue_cells(row: dict) -> list[Any]:
    out = []
    for key, _title in OVERDUE_COLUMNS:
        value = row.get(key)
        if key == "role":
            value = role_label(value)
        elif key == "slip":
            value = SLIP_LABELS.get(value, "")
        elif key == "due_on":
            value = dt.date.fromisoformat(value)
        out.append(value)
    return out


def to_xlsx(report: DispatchReport) -> bytes:
    import xlsxwriter

    from tracker.core.excel import safe_text, write_cell

    data = report.data
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    title_fmt = book.add_format({"bold": True, "font_size": 14})
    head_fmt = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True,
                                "align": "center", "valign": "vcenter"})
    cell_fmt = book.add_format({"border": 1})
    date_fmt = book.add_format({"border": 1, "num_format": "yyyy-mm-dd"})
    red_fmt = book.add_format({"border": 1, "bg_color": "#F8D7DA"})

    sheet = book.add_worksheet("各单位进度")
    sheet.write_string(0, 0, safe_text(report.title), title_fmt)
    t = data["totals"]
    sheet.write_string(1, 0, safe_text(
        f"截至 {data['as_of']}：应办 {t['assigned']} 件，已签收 {t['received']} 件，已答复 {t['replied']} 件，"
        f"办复率 {percent(t['reply_rate'])}，按期办复率 {percent(t['on_time_rate'])}，超期未答复 {t['overdue']} 件，"
        f"会办意见超期 {t['co_overdue']} 件；督办单 蓝{t['slips']['blue']} 橙{t['slips']['orange']} "
        f"红{t['slips']['red']}。"))
    for col, (_key, head) in enumerate(UNIT_COLUMNS):
        sheet.write_string(3, col, head, head_fmt)
    for r, row in enumerate(data["units"], start=4):
        fmt = red_fmt if row["overdue"] + row["co_overdue"] else cell_fmt
        for col, value in enumerate(unit_cells(row)):
            write_cell(sheet, r, col, value, fmt, date_fmt)
    sheet.freeze_panes(4, 2)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 28)
    sheet.set_column(2, len(UNIT_COLUMNS) - 1, 11)

    sheet = book.add_worksheet("超期件清单")
    for col, (_key, head) in enumerate(OVERDUE_COLUMNS):
        sheet.write_string(0, col, head, head_fmt)
    for r, row in enumerate(data["overdue"], start=1):
        for col, value in enumerate(overdue_cells(row)):
            write_cell(sheet, r, col, value, cell_fmt, date_fmt)
    sheet.freeze_panes(1, 2)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, 3, 24)
    sheet.set_column(4, len(OVERDUE_COLUMNS) - 1, 11)

    sheet = book.add_worksheet("说明")
    notes = [
        f"范围：{data['scope_label']}（{'、'.join(data['sessions']) or '无'}）",
        f"统计截至：{data['as_of']}；生成时间：{_local_time(data['generated_at'])}",
        "应办件数：主办、独办、分办的承办任务（不含已退回和已撤回、已并案的件）；会办另计。",
        "办复率 = 已答复 ÷ 应办件数；按期办复率 = 在（经批准延期后的）期限内答复 ÷ 已到期或已答复的件数。",
        "超期：期限已过仍未答复（或未提交会办意见）。督办单为截至统计日累计签发的张数。",
        "排名：依次按办复率、按期办复率（高者在前）、超期件数、红单张数（少者在前）。",
    ]
    for r, text in enumerate(notes):
        sheet.write_string(r, 0, safe_text(text))
    sheet.set_column(0, 0, 100)
    book.close()
    return buffer.getvalue()


def _local_time(iso: str) -> str:
    try:
        return clock.to_local(dt.datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return iso


def to_docx(report: DispatchReport) -> bytes:
    """The report as a Word document (通报): through the documents module's replaceable template
    (``tracker.documents.generate.render_dispatch_docx``) when it is installed, else a plain
    python-docx rendering with the same content."""
    try:
        from tracker.documents.generate import render_dispatch_docx
    except ImportError:
        return _docx(report)
    return render_dispatch_docx(documents_data(report))


def documents_data(report: DispatchReport) -> dict[str, Any]:
    """``report_data`` in the shape ``render_dispatch_docx`` takes: summary paragraphs, ranked
    unit rows, and the overdue list as notes."""
    data = report_for_documents(report)
    notes = []
    if data["overdue"]:
        notes.append(f"超期件清单（{len(data['overdue'])} 件）：")
        for i, o in enumerate(data["overdue"], start=1):
            slip = f"，已签发{SLIP_LABELS[o['slip']]}" if o.get("slip") in SLIP_LABELS else ""
            notes.append(f"{i}. {o['number']}号《{o['title']}》（{o['session']}），{o['unit_name']}"
                         f"（{role_label(o['role'])}），{o['what']}期限 {o['due_on']}，超期 {o['days_overdue']} 天{slip}。")
    else:
        notes.append("截至统计日无超期件。")
    notes.append("排名依次按办复率、按期办复率（高者在前）、超期件数、红单张数（少者在前）排列。")
    return {
        "title": TITLE,
        "subtitle": f"{data['scope_label']}（截至 {data['as_of']}）",
        "date": dt.date.fromisoformat(data["as_of"]),
        "summary": [data["summary"]],
        "units": [{**u, "unit": u["unit_name"]} for u in data["units"]],
        "notes": notes,
    }


def report_for_documents(report: DispatchReport) -> dict[str, Any]:
    """The report data plus ready-made rows with Chinese headers (for a Word template)."""
    data = dict(report.data)
    data["report_title"] = report.title
    data["unit_headers"] = [t for _k, t in UNIT_COLUMNS]
    data["unit_rows"] = [[_text(v) for v in unit_cells(row)] for row in data["units"]]
    data["overdue_headers"] = [t for _k, t in OVERDUE_COLUMNS]
    data["overdue_rows"] = [[_text(v) for v in overdue_cells(row)] for row in data["overdue"]]
    t = data["totals"]
    data["summary"] = (
        f"截至 {data['as_of']}，{data['scope_label']}应办 {t['assigned']} 件，已签收 {t['received']} 件，"
        f"已答复 {t['replied']} 件，办复率 {percent(t['reply_rate'])}，按期办复率 {percent(t['on_time_rate'])}；"
        f"超期未答复 {t['overdue']} 件，会办意见超期 {t['co_overdue']} 件；累计签发督办单蓝单 {t['slips']['blue']} 张、"
        f"橙单 {t['slips']['orange']} 张、红单 {t['slips']['red']} 张。")
    return data


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _docx(report: DispatchReport) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    data = report_for_documents(report)
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    style = doc.styles["Normal"]
    style.font.name = "FangSong"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")

    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(TITLE)
    run.bold = True
    run.font.size = Pt(20)
    sub = doc.add_paragraph(f"（{data['scope_label']}　截至 {data['as_of']}）")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(data["summary"])

    doc.add_paragraph().add_run("一、各承办单位办理进度及排名").bold = True
    _table(doc, data["unit_headers"], data["unit_rows"])
    doc.add_paragraph().add_run("二、超期件清单").bold = True
    if data["overdue_rows"]:
        _table(doc, data["overdue_headers"], data["overdue_rows"])
    else:
        doc.add_paragraph("截至统计日无超期件。")
    doc.add_paragraph().add_run("三、工作要求").bold = True
    doc.add_paragraph("请有超期件的承办单位抓紧办理，按期答复代表委员；已签发督办单的件，"
                      "请于收到督办单后及时报告办理进展。")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _table(doc: Any, headers: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
