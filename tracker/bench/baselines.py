"""What each scenario is compared with: the same result with the least machinery.

* a bare Flask app (no login, no blueprints, no policy, no panels) whose views run
  hand-written SQL and render a minimal template — for the overdue list and the item page;
* hand-written SQL aggregates — for the statistics of DOMAIN.md §8 and the sweep's open
  assignments;
* the Excel libraries alone — xlsxwriter writing the ledger's cells, python-calamine (the
  reader the import uses) reading the import file.

The SQL is plain text with the database's parameter marks, run on the app's connection; it
is written for both SQLite and PostgreSQL (dates compare as ISO text on SQLite).

Only parameter marks and our own enum values are formatted into the SQL text; every value
comes in as a parameter (hence the file-wide S608 exemption below).
"""
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Flask

from tracker.core import clock
from tracker.core.db import db, is_sqlite
from tracker.core.enums import (
    ANSWERING_ROLES,
    OPEN_ITEM_STATUSES,
    AssignmentStatus,
)
from tracker.rules import services as rules

OPEN_ITEMS = tuple(s.value for s in OPEN_ITEM_STATUSES)
ANSWERING = tuple(r.value for r in ANSWERING_ROLES)
OWING_REPLY = ("pending_receipt", "handling", "return_requested", "rehandling")
OWING_OPINION = ("pending_receipt", "handling", "return_requested")
OWING = OWING_REPLY


def _p() -> str:
    return db.obj.param


def _in(values: Sequence[str]) -> str:
    """An ``IN (...)`` list of constant strings (they come from our own enums, never from users)."""
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _day(value: dt.date) -> Any:
    return value.isoformat() if is_sqlite() else value


def rows(sql: str, params: Iterable[Any] = ()) -> list[tuple]:
    return list(db.execute_sql(sql, tuple(params)).fetchall())


# --- overdue list ------------------------------------------------------------------------------


def overdue_sql() -> str:
    p = _p()
    open_items = _in(OPEN_ITEMS)
    return f"""
WITH acts AS (
  SELECT 'reply' AS act, a.id AS assignment_id, CAST(NULL AS INTEGER) AS commitment_id, a.current_due AS due_on
    FROM assignments a JOIN items i ON i.id = a.item_id
   WHERE i.status IN {open_items} AND a.role IN {_in(ANSWERING)} AND a.status IN {_in(OWING_REPLY)}
     AND a.current_due < {p}
  UNION ALL
  SELECT 'co_opinion', a.id, CAST(NULL AS INTEGER), a.co_opinion_due
    FROM assignments a JOIN items i ON i.id = a.item_id
   WHERE i.status IN {open_items} AND a.role = 'co' AND a.status IN {_in(OWING_OPINION)}
     AND a.co_opinion_due IS NOT NULL AND a.co_opinion_due < {p}
  UNION ALL
  SELECT 'receipt', a.id, CAST(NULL AS INTEGER), a.receipt_due
    FROM assignments a JOIN items i ON i.id = a.item_id
   WHERE i.status IN {open_items} AND a.status = 'pending_receipt' AND a.receipt_due < {p}
  UNION ALL
  SELECT 'commitment', a.id, c.id, c.due_on
    FROM commitments c JOIN assignments a ON a.id = c.assignment_id JOIN items i ON i.id = a.item_id
   WHERE i.status IN {open_items} AND c.status = 'open' AND a.status <> 'returned' AND c.due_on < {p}
), page AS (
  SELECT * FROM acts ORDER BY due_on, assignment_id, act LIMIT 50
)
SELECT pg.act, pg.due_on, i.id, i.number, i.title, i.tier, s.name, u.name, a.role, a.handler_phone,
       h.name, l.name, c.text,
       (SELECT COUNT(*) FROM slips sl WHERE sl.assignment_id = a.id) AS slips
  FROM page pg
  JOIN assignments a ON a.id = pg.assignment_id
  JOIN items i ON i.id = a.item_id
  JOIN sessions s ON s.id = i.session_id
  JOIN units u ON u.id = a.unit_id
  LEFT JOIN users h ON h.id = a.handler_id
  LEFT JOIN users l ON l.id = i.leader_id
  LEFT JOIN commitments c ON c.id = pg.commitment_id
 ORDER BY pg.due_on, pg.assignment_id, pg.act"""


OVERDUE_TEMPLATE = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>超期</title></head><body>
<table><tr><th>案号</th><th>标题</th><th>会次</th><th>事项</th><th>单位</th><th>层级</th><th>领导</th><th>经办人</th>
<th>期限</th><th>超期天数</th><th>督办单</th></tr>
{% for r in rows %}<tr class="row-overdue"><td>{{ r[3] }}</td><td><a href="/items/{{ r[2] }}">{{ r[4] }}</a></td><td>{{ r[6] }}</td>
<td>{{ r[0] }} {{ r[12] or '' }}</td><td>{{ r[7] }}（{{ r[8] }}）</td><td>{{ r[5] }}</td><td>{{ r[11] or '—' }}</td>
<td>{{ r[10] or '—' }} {{ r[9] }}</td><td>{{ r[1] }}</td><td>{{ (today - as_date(r[1])).days }}</td><td>{{ r[13] }}</td></tr>
{% endfor %}</table></body></html>"""


# --- item page -----------------------------------------------------------------------------------


def item_queries() -> list[tuple[str, str]]:
    """(name, SQL) for everything the item page shows, each with one parameter: the item id."""
    p = _p()
    return [
        ("item", f"""SELECT i.id, i.number, i.title, i.content, i.kind, i.status, i.tier, i.category,
                        s.name, l.name FROM items i JOIN sessions s ON s.id = i.session_id
                        LEFT JOIN users l ON l.id = i.leader_id WHERE i.id = {p}"""),
        ("submitters", f"SELECT name, role FROM submitters WHERE item_id = {p} ORDER BY position, id"),
        ("assignments", f"""SELECT a.id, u.name, a.role, a.status, a.assigned_on, a.receipt_due, a.reply_due,
                               a.current_due, a.extended_due, h.name, a.handler_phone, a.task
                          FROM assignments a JOIN units u ON u.id = a.unit_id
                          LEFT JOIN users h ON h.id = a.handler_id WHERE a.item_id = {p} ORDER BY a.id"""),
        ("notes", f"""SELECT n.assignment_id, n.created_at, n.text, us.name FROM progress_notes n
                      JOIN assignments a ON a.id = n.assignment_id JOIN users us ON us.id = n.author_id
                     WHERE a.item_id = {p} ORDER BY n.created_at DESC, n.id DESC"""),
        ("contacts", f"""SELECT c.assignment_id, c.contact_on, c.stage, c.method, c.summary FROM contacts c
                         JOIN assignments a ON a.id = c.assignment_id WHERE a.item_id = {p}
                         ORDER BY c.contact_on DESC, c.id DESC"""),
        ("opinions", f"""SELECT o.assignment_id, o.submitted_on, o.text FROM co_opinions o
                         JOIN assignments a ON a.id = o.assignment_id WHERE a.item_id = {p}"""),
        ("replies", f"""SELECT r.assignment_id, r.round, r.status, r.result_class, r.sent_on, r.doc_number
                        FROM replies r JOIN assignments a ON a.id = r.assignment_id WHERE a.item_id = {p}"""),
        ("commitments", f"""SELECT c.text, c.due_on, c.status FROM commitments c
                            JOIN assignments a ON a.id = c.assignment_id WHERE a.item_id = {p}"""),
        ("feedback", f"""SELECT s.name, f.round, f.work, f.result FROM feedback f
                         JOIN submitters s ON s.id = f.submitter_id WHERE f.item_id = {p}"""),
        ("slips", f"""SELECT sl.assignment_id, sl.color, sl.issued_on FROM slips sl
                      JOIN assignments a ON a.id = sl.assignment_id WHERE a.item_id = {p}"""),
        ("timeline", f"""SELECT at, action, actor_name, detail FROM audit_entries WHERE item_id = {p}
                         ORDER BY at, id"""),
    ]


ITEM_TEMPLATE = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{{ d.item[0][2] }}</title></head><body>
{% set i = d.item[0] %}<h1>{{ i[1] }}号 {{ i[2] }}</h1><p>{{ i[8] }} {{ i[4] }} {{ i[5] }} {{ i[6] }} {{ i[7] }} {{ i[9] or '' }}</p>
<p>{{ i[3] }}</p><ul>{% for s in d.submitters %}<li>{{ s[0] }}（{{ s[1] }}）</li>{% endfor %}</ul>
<table>{% for a in d.assignments %}<tr>{% for v in a %}<td>{{ v if v is not none else '' }}</td>{% endfor %}</tr>{% endfor %}</table>
{% for name in ['notes', 'contacts', 'opinions', 'replies', 'commitments', 'feedback', 'slips'] %}
<h2>{{ name }}</h2><ul>{% for r in d[name] %}<li>{% for v in r %}{{ v if v is not none else '' }} {% endfor %}</li>{% endfor %}</ul>
{% endfor %}
<h2>办理过程</h2><ol>{% for e in d.timeline %}<li>{{ e[0] }} {{ e[1] }} {{ e[2] }} {{ e[3] }}</li>{% endfor %}</ol>
</body></html>"""


def _as_date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def bare_app() -> Flask:
    """A Flask app with two views and nothing else: hand-written SQL, minimal templates; a
    connection per request like the real app (peewee's recommended pattern)."""
    app = Flask("tracker_bench_bare")
    # Compiled once, as render_template's loader caches a template file; render_template_string
    # would compile the source again on every request (2 ms for the overdue table, 3.7 ms for
    # the item page) and make the baseline look slower than a bare view is.
    overdue_template = app.jinja_env.from_string(OVERDUE_TEMPLATE)
    item_template = app.jinja_env.from_string(ITEM_TEMPLATE)

    @app.before_request
    def _connect() -> None:
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(_exc) -> None:
        if not db.is_closed() and not db.in_transaction():
            db.close()

    @app.get("/overdue")
    def overdue():
        today = app.config.get("TODAY") or clock.today()
        day = _day(today)
        found = rows(overdue_sql(), [day, day, day, day])
        return overdue_template.render(rows=found, today=today, as_date=_as_date)

    @app.get("/items/<int:item_id>")
    def item(item_id: int):
        data = {name: rows(sql, [item_id]) for name, sql in item_queries()}
        if not data["item"]:
            return "not found", 404
        return item_template.render(d=data)

    return app


# --- statistics (DOMAIN.md §8) -------------------------------------------------------------------

STATS_KEYS = (
    "assigned", "received", "replied", "unreplied", "on_time_due", "replied_on_time", "overdue",
    "face_to_face", "contacted", "feedback_forms", "satisfied_work", "satisfied_result",
    "satisfied_only_work", "satisfied_only_result", "feedback_items", "class_A", "class_B", "class_C",
    "class_D", "class_AB", "published", "commitments_due", "commitments_kept", "co_assigned",
    "co_submitted", "co_opinion_due", "co_opinion_on_time", "co_overdue",
)


def stats_sql() -> str:
    """Per unit, every count of the statistics for one session, in one statement."""
    p = _p()
    sat = "('satisfied', 'basically_satisfied')"
    replied_states = _in((AssignmentStatus.REPLIED.value, AssignmentStatus.DONE.value,
                          AssignmentStatus.REHANDLING.value))
    return f"""
WITH a AS (
  SELECT a.id, a.item_id, a.unit_id, a.role, a.status, a.current_due, a.received_at, a.replied_on,
         a.opinion_submitted_on,
         CASE WHEN a.role = 'co' THEN COALESCE(a.co_opinion_due, a.current_due)
              ELSE COALESCE(a.extended_due, a.reply_due) END AS due_on,
         CASE WHEN a.status = 'returned' OR i.status IN ('withdrawn', 'merged') THEN 1 ELSE 0 END AS void
    FROM assignments a JOIN items i ON i.id = a.item_id WHERE i.session_id = {p}
), sent AS MATERIALIZED (
  SELECT r.assignment_id, r.sent_on, r.result_class, r.publish, r.published_on,
         ROW_NUMBER() OVER (PARTITION BY r.assignment_id ORDER BY r.round, r.sent_on, r.id) AS first_n,
         ROW_NUMBER() OVER (PARTITION BY r.assignment_id ORDER BY r.round DESC, r.sent_on DESC, r.id DESC) AS last_n
    FROM replies r JOIN a ON a.id = r.assignment_id WHERE r.status = 'sent'
), latest AS (
  SELECT f.item_id, f.work, f.result, f.source,
         ROW_NUMBER() OVER (PARTITION BY f.item_id, f.submitter_id ORDER BY f.round DESC) AS n
    FROM feedback f WHERE f.item_id IN (SELECT item_id FROM a)
), forms AS (
  SELECT item_id, COUNT(*) AS forms,
         SUM(CASE WHEN work IN {sat} THEN 1 ELSE 0 END) AS sat_work,
         SUM(CASE WHEN result IN {sat} THEN 1 ELSE 0 END) AS sat_result,
         SUM(CASE WHEN work = 'satisfied' THEN 1 ELSE 0 END) AS only_work,
         SUM(CASE WHEN result = 'satisfied' THEN 1 ELSE 0 END) AS only_result
    FROM latest WHERE n = 1 AND source <> 'window_expired' GROUP BY item_id
), opinions AS (
  SELECT o.assignment_id, MIN(o.submitted_on) AS first_on FROM co_opinions o
    JOIN a ON a.id = o.assignment_id GROUP BY o.assignment_id
), promised AS (
  SELECT c.assignment_id,
         SUM(CASE WHEN c.due_on < {p} OR c.status = 'kept' THEN 1 ELSE 0 END) AS due,
         SUM(CASE WHEN c.status = 'kept' AND c.fulfilled_on IS NOT NULL AND c.fulfilled_on <= c.due_on
                  THEN 1 ELSE 0 END) AS kept
    FROM commitments c JOIN replies r ON r.id = c.reply_id JOIN a ON a.id = c.assignment_id
   WHERE r.status = 'sent' GROUP BY c.assignment_id
), f AS MATERIALIZED (
  SELECT a.*,
         CASE WHEN a.role <> 'co' AND a.void = 0 THEN 1 ELSE 0 END AS counted,
         CASE WHEN a.role = 'co' AND a.void = 0 THEN 1 ELSE 0 END AS co,
         CASE WHEN a.role = 'co' THEN NULL
              ELSE COALESCE(fs.sent_on, CASE WHEN a.status IN {replied_states} THEN a.replied_on END) END AS r_on,
         ls.result_class, ls.publish, ls.published_on,
         CASE WHEN a.opinion_submitted_on IS NULL THEN op.first_on
              WHEN op.first_on IS NULL OR a.opinion_submitted_on < op.first_on THEN a.opinion_submitted_on
              ELSE op.first_on END AS opinion_on,
         fo.forms, fo.sat_work, fo.sat_result, fo.only_work, fo.only_result,
         pr.due AS c_due, pr.kept AS c_kept
    FROM a
    LEFT JOIN sent fs ON fs.assignment_id = a.id AND fs.first_n = 1
    LEFT JOIN sent ls ON ls.assignment_id = a.id AND ls.last_n = 1
    LEFT JOIN opinions op ON op.assignment_id = a.id
    LEFT JOIN forms fo ON fo.item_id = a.item_id
    LEFT JOIN promised pr ON pr.assignment_id = a.id
), talk AS (
  SELECT f.id AS assignment_id,
         MAX(CASE WHEN f.r_on IS NULL OR ct.contact_on <= f.r_on THEN 1 ELSE 0 END) AS talked,
         MAX(CASE WHEN ct.method IN {_in(sorted(rules.face_to_face_methods()))} AND (f.r_on IS NULL OR ct.contact_on <= f.r_on)
                  THEN 1 ELSE 0 END) AS met
    FROM f JOIN contacts ct ON ct.assignment_id = f.id GROUP BY f.id
), g AS (
  SELECT f.*,
         CASE WHEN f.counted = 1 AND f.r_on IS NOT NULL THEN 1 ELSE 0 END AS rep,
         CASE WHEN f.status IN {_in(OWING)} AND f.void = 0 AND f.current_due < {p} THEN 1 ELSE 0 END AS late,
         COALESCE(t.talked, 0) AS talked, COALESCE(t.met, 0) AS met
    FROM f LEFT JOIN talk t ON t.assignment_id = f.id
)
SELECT g.unit_id, u.name,
  SUM(counted),
  SUM(CASE WHEN counted = 1 AND received_at IS NOT NULL THEN 1 ELSE 0 END),
  SUM(rep),
  SUM(CASE WHEN counted = 1 AND r_on IS NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN counted = 1 AND (r_on IS NOT NULL OR due_on < {p}) THEN 1 ELSE 0 END),
  SUM(CASE WHEN rep = 1 AND r_on <= due_on THEN 1 ELSE 0 END),
  SUM(CASE WHEN counted = 1 AND late = 1 THEN 1 ELSE 0 END),
  SUM(CASE WHEN counted = 1 AND met = 1 THEN 1 ELSE 0 END),
  SUM(CASE WHEN counted = 1 AND talked = 1 THEN 1 ELSE 0 END),
  SUM(CASE WHEN rep = 1 THEN COALESCE(forms, 0) ELSE 0 END),
  SUM(CASE WHEN rep = 1 THEN COALESCE(sat_work, 0) ELSE 0 END),
  SUM(CASE WHEN rep = 1 THEN COALESCE(sat_result, 0) ELSE 0 END),
  SUM(CASE WHEN rep = 1 THEN COALESCE(only_work, 0) ELSE 0 END),
  SUM(CASE WHEN rep = 1 THEN COALESCE(only_result, 0) ELSE 0 END),
  SUM(CASE WHEN rep = 1 AND COALESCE(forms, 0) > 0 THEN 1 ELSE 0 END),
  SUM(CASE WHEN rep = 1 AND result_class = 'A' THEN 1 ELSE 0 END),
  SUM(CASE WHEN rep = 1 AND result_class = 'B' THEN 1 ELSE 0 END),
  SUM(CASE WHEN rep = 1 AND result_class = 'C' THEN 1 ELSE 0 END),
  SUM(CASE WHEN rep = 1 AND result_class = 'D' THEN 1 ELSE 0 END),
  SUM(CASE WHEN rep = 1 AND result_class IN ('A', 'B') THEN 1 ELSE 0 END),
  SUM(CASE WHEN rep = 1 AND publish <> 'none' AND published_on IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN counted = 1 THEN COALESCE(c_due, 0) ELSE 0 END),
  SUM(CASE WHEN counted = 1 THEN COALESCE(c_kept, 0) ELSE 0 END),
  SUM(co),
  SUM(CASE WHEN co = 1 AND opinion_on IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN co = 1 AND (opinion_on IS NOT NULL OR due_on < {p}) THEN 1 ELSE 0 END),
  SUM(CASE WHEN co = 1 AND opinion_on IS NOT NULL AND opinion_on <= due_on THEN 1 ELSE 0 END),
  SUM(CASE WHEN co = 1 AND late = 1 THEN 1 ELSE 0 END)
  FROM g JOIN units u ON u.id = g.unit_id
 GROUP BY g.unit_id, u.name, u.sort_order
 ORDER BY u.sort_order, g.unit_id"""


def stats_by_sql(session_id: int, today: dt.date) -> dict[str, Any]:
    """``{"overall": {key: n}, "by_unit": [{"unit_id", "unit_name", key: n}]}`` plus the rates."""
    day = _day(today)
    by_unit = []
    for row in rows(stats_sql(), [session_id, day, day, day, day]):
        entry = {"unit_id": row[0], "unit_name": row[1]}
        entry.update({key: int(value or 0) for key, value in zip(STATS_KEYS, row[2:], strict=True)})
        by_unit.append(_with_rates(entry))
    overall = {key: sum(u[key] for u in by_unit) for key in STATS_KEYS}
    return {"overall": _with_rates(overall), "by_unit": by_unit}


RATES = (
    ("reply_rate", "replied", "assigned"), ("on_time_rate", "replied_on_time", "on_time_due"),
    ("face_to_face_rate", "face_to_face", "assigned"), ("contact_rate", "contacted", "assigned"),
    ("satisfaction_rate_work", "satisfied_work", "feedback_forms"),
    ("satisfaction_rate_result", "satisfied_result", "feedback_forms"),
    ("feedback_rate", "feedback_items", "replied"), ("solved_rate", "class_A", "assigned"),
    ("solved_or_planned_rate", "class_AB", "assigned"), ("publish_rate", "published", "replied"),
    ("commitment_kept_rate", "commitments_kept", "commitments_due"),
    ("co_opinion_on_time_rate", "co_opinion_on_time", "co_opinion_due"),
)


def _with_rates(counts: dict[str, Any]) -> dict[str, Any]:
    for key, num, den in RATES:
        counts[key] = counts[num] / counts[den] if counts[den] else None
    return counts


def compare_stats(app_result: dict[str, Any], sql_result: dict[str, Any]) -> list[str]:
    """Keys whose overall count differs between the app's statistics and the SQL (empty = same)."""
    overall = app_result["overall"]
    return [f"{key}: app {overall.get(key)} / sql {sql_result['overall'][key]}"
            for key in STATS_KEYS if overall.get(key) != sql_result["overall"][key]]


# --- reminder sweep ---------------------------------------------------------------------------------


def open_assignments_sql() -> str:
    """The assignments one sweep looks at, with the columns it reads (one statement)."""
    return f"""
SELECT a.id, a.item_id, a.unit_id, a.role, a.status, a.handler_id, a.round, a.assigned_on, a.receipt_due,
       a.return_due, a.first_contact_due, a.co_opinion_due, a.reply_due, a.extended_due, a.rehandle_due,
       a.received_at, a.first_contact_on, a.opinion_submitted_on, a.created_at, i.number, i.title,
       i.leader_id, i.session_id, u.name
  FROM assignments a JOIN items i ON i.id = a.item_id JOIN units u ON u.id = a.unit_id
 WHERE a.status <> 'returned' AND i.status IN {_in(OPEN_ITEMS)}
 ORDER BY a.id"""


# --- Excel ----------------------------------------------------------------------------------------


def write_cells(path: str, sheets: list[tuple[str, list[str], list[list[Any]], list[str | None]]]) -> int:
    """Write the same cells as the ledger export with xlsxwriter alone: headers, then each value
    by its type (dates as date cells), one format per row flag; returns the cells written."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                      "strings_to_urls": False})
    header = book.add_format({"bold": True})
    fills = {None: book.add_format({}), "overdue": book.add_format({"bg_color": "#FFC7CE"}),
             "due_soon": book.add_format({"bg_color": "#FFEB9C"})}
    dates = {k: book.add_format({"num_format": "yyyy-mm-dd", **({"bg_color": c} if c else {})})
             for k, c in ((None, None), ("overdue", "#FFC7CE"), ("due_soon", "#FFEB9C"))}
    cells = 0
    for name, headers, data, flags in sheets:
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, headers, header)
        sheet.freeze_panes(1, 0)
        for r, (values, flag) in enumerate(zip(data, flags, strict=True), start=1):
            fmt, date_fmt = fills.get(flag, fills[None]), dates.get(flag, dates[None])
            for c, value in enumerate(values):
                if value is None or value == "":
                    sheet.write_blank(r, c, None, fmt)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_fmt)
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    sheet.write_number(r, c, value, fmt)
                else:
                    sheet.write_string(r, c, str(value), fmt)
                cells += 1
    book.close()
    return cells


def read_file(path: str) -> int:
    """Read the import file with python-calamine alone (the reader the import uses); rows read."""
    import python_calamine

    with open(path, "rb") as handle:
        book = python_calamine.CalamineWorkbook.from_filelike(handle)
        data = book.get_sheet_by_index(0).to_python()
    return len(data)


def read_file_openpyxl(path: str) -> int:
    """The same with openpyxl (read-only mode), the import's fallback reader."""
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
        finally:
            book.close()
    return count
