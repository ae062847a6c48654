"""The 三书一函 ledger (台账): one row per document with its own columns, as a page and an .xlsx.

Rows are built a batch of documents at a time with a fixed number of ``IN`` queries (documents,
assignments with units and handlers, sent replies, objections, rectifications, open
commitments), never one query per row. The row flag is the shared ledger's one colouring rule
(``tracker.ledger.rows.row_flag``: overdue red, due-soon amber); the workbook is written by the
shared ledger writer (frozen header, Chinese headers, date cells, autofilter).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import peewee as pw

from tracker.accounts.models import User
from tracker.assignments.models import Assignment
from tracker.core import clock
from tracker.core.enums import (
    ANSWERING_ROLES,
    AssignmentStatus,
    CommitmentStatus,
    ItemKind,
    ItemStatus,
    ReplyStatus,
    label,
)
from tracker.core.i18n import N_  # headers: the page shows them translated
from tracker.items.models import Item
from tracker.items.queries import OWING, filtered_items
from tracker.ledger.rows import row_flag
from tracker.replies.models import Commitment, Reply
from tracker.supervision import rules
from tracker.supervision.models import Objection, Rectification, SupervisionDoc
from tracker.supervision.services import KINDS
from tracker.units.models import Unit

BATCH_SIZE = 500
SHEET = "三书一函台账"
FROZEN_COLUMNS = 4  # 序号, 文书类别, 制发机关, 文书编号
SUMMARY_CHARS = 300  # 主要内容 on the page; the workbook has it whole

# (key, header, type): the ledger of the 三书一函, in order.
COLUMNS: list[tuple[str, str, str]] = [
    ("seq", N_("序号"), "int"),
    ("kind", N_("文书类别"), "text"),
    ("issuing_body", N_("制发机关"), "text"),
    ("number", N_("文书编号"), "text"),
    ("issue_date", N_("制发日期"), "date"),
    ("case_name", N_("案件名称"), "text"),
    ("case_code", N_("案号"), "text"),
    ("sectors", N_("涉及领域"), "text"),
    ("summary", N_("主要内容"), "text"),
    ("units", N_("承办单位"), "text"),
    ("handlers", N_("经办人"), "text"),
    ("phones", N_("联系电话"), "text"),
    ("assigned_on", N_("交办日期"), "date"),
    ("received_on", N_("签收日期"), "date"),
    ("reply_due", N_("回复期限"), "date"),
    ("extended_due", N_("延期至"), "date"),
    ("objections", N_("异议情况"), "text"),
    ("measures", N_("整改措施"), "text"),
    ("sector_governance", N_("系统治理"), "text"),
    ("long_term_mechanism", N_("长效机制"), "text"),
    ("replied_on", N_("回复日期"), "date"),
    ("status", N_("办理状态"), "text"),
    ("closed_on", N_("销号日期"), "date"),
    ("note", N_("备注"), "text"),
]
HEADERS = [header for _, header, _ in COLUMNS]
WIDTHS = {"kind": 12, "issuing_body": 20, "number": 18, "issue_date": 12, "case_name": 24, "case_code": 20,
          "sectors": 14, "summary": 48, "units": 20, "handlers": 10, "phones": 15, "objections": 32,
          "measures": 40, "sector_governance": 24, "long_term_mechanism": 24, "status": 10, "note": 20}
WRAP = ("summary", "objections", "measures", "sector_governance", "long_term_mechanism", "note")

_ANSWERING = [r.value for r in ANSWERING_ROLES]
Handler = User.alias("sv_handler")


@dataclass(frozen=True)
class Filters:
    session_id: int | None = None
    kind: str | None = None
    status: str | None = None
    unit_id: int | None = None

    def as_args(self) -> dict[str, Any]:
        return {k: v for k, v in (("session_id", self.session_id), ("kind", self.kind),
                                  ("status", self.status), ("unit_id", self.unit_id)) if v}


def query(filters: Filters, today: dt.date | None = None) -> pw.ModelSelect:
    """The documents the filters select, in ledger order (issue date, then registration)."""
    base = filtered_items(session_id=filters.session_id, kind=filters.kind if filters.kind in KINDS else None,
                          status=filters.status, unit_id=filters.unit_id, today=today or clock.today())
    return (base.select(Item, SupervisionDoc)
            .join(SupervisionDoc, on=(SupervisionDoc.item == Item.id), attr="doc")
            # the items having a document, read by their ids: the database starts from the (few)
            # documents, never from every item of every year
            .where(Item.kind.in_(list(KINDS)), Item.id.in_(SupervisionDoc.select(SupervisionDoc.item)))
            .order_by(SupervisionDoc.issue_date, Item.id))


def count(filters: Filters, today: dt.date | None = None) -> int:
    return query(filters, today).count()


def _group(rows, key: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _join(values, sep: str = "、") -> str:
    return sep.join(dict.fromkeys(str(v) for v in values if v not in (None, "")))


def rows_for(items: list[Item], *, today: dt.date, first_seq: int = 1) -> list[dict[str, Any]]:
    """The ledger rows of a batch of documents (loaded with :func:`query`), in their order."""
    if not items:
        return []
    ids = [i.id for i in items]
    assignments = list(
        Assignment.select(Assignment, Unit.id, Unit.name, Handler.id, Handler.name, Handler.username)
        .join(Unit, on=(Assignment.unit == Unit.id))
        .switch(Assignment)
        .join(Handler, pw.JOIN.LEFT_OUTER, on=(Assignment.handler == Handler.id))
        .where(Assignment.item.in_(ids) & Assignment.role.in_(_ANSWERING)
               & (Assignment.status != AssignmentStatus.RETURNED.value))
        .order_by(Assignment.id))
    by_item = _group(assignments, "item_id")
    aids = [a.id for a in assignments] or [0]
    sent = _group(Reply.select().where(Reply.assignment.in_(aids) & (Reply.status == ReplyStatus.SENT.value))
                  .order_by(Reply.round, Reply.id), "assignment_id")
    objections = _group(Objection.select().where(Objection.assignment.in_(aids)).order_by(Objection.id),
                        "assignment_id")
    rectified = {r.assignment_id: r for r in Rectification.select().where(Rectification.assignment.in_(aids))}
    open_dues = _group(Commitment.select(Commitment.assignment, Commitment.due_on)
                       .where(Commitment.assignment.in_(aids)
                              & (Commitment.status == CommitmentStatus.OPEN.value)), "assignment_id")
    out = []
    for seq, item in enumerate(items, start=first_seq):
        doc = item.doc
        answering = by_item.get(item.id, [])
        many = len(answering) > 1

        def per_unit(a: Assignment, text: str, many: bool = many) -> str:
            return f"{a.unit.name}：{text}" if many and text else text

        received = [a.received_at for a in answering]
        replied = [sent[a.id][-1].sent_on if sent.get(a.id) else a.replied_on for a in answering]
        recs = [(a, rectified.get(a.id)) for a in answering]
        summary = item.title + (f"。{item.content}" if item.content else "")
        status = ItemStatus(item.status)
        row = {
            "seq": seq,
            "kind": label(item.kind, ItemKind),
            "issuing_body": doc.issuing_body,
            "number": item.number,
            "issue_date": doc.issue_date,
            "case_name": doc.case_name,
            "case_code": doc.case_code if rules.has_case_code(item.kind) else "",
            "sectors": doc.sectors,
            "summary": summary,
            "units": _join(a.unit.name for a in answering),
            "handlers": _join(a.handler.display for a in answering if a.handler_id and a.handler),
            "phones": _join(a.handler_phone for a in answering),
            "assigned_on": min((a.assigned_on for a in answering), default=None),
            "received_on": (max(clock.local_date(r) for r in received) if received and all(received) else None),
            "reply_due": min((a.reply_due for a in answering), default=doc.written_due),
            "extended_due": max((a.extended_due for a in answering if a.extended_due), default=None),
            "objections": _join((per_unit(a, rules.objection_text(o.status, o.reason, o.issuer_decision))
                                 for a in answering for o in objections.get(a.id, [])), "；") or "无",
            "measures": _join((per_unit(a, r.measures) for a, r in recs if r), "；"),
            "sector_governance": _join((per_unit(a, rules.yes_no(r.sector_governance, r.sector_governance_note))
                                        for a, r in recs if r), "；"),
            "long_term_mechanism": _join((per_unit(a, rules.yes_no(r.long_term_mechanism,
                                                                    r.long_term_mechanism_note))
                                          for a, r in recs if r), "；"),
            "replied_on": max(replied) if replied and all(replied) else None,
            "status": label(status),
            "closed_on": (clock.local_date(item.closed_at)
                          if status in (ItemStatus.CLOSED, ItemStatus.ARCHIVED) and item.closed_at else None),
            "note": item.note,
            "_item_id": item.id,
            "_status": item.status,
            "_flag": row_flag([a.current_due for a in answering if a.status in OWING],
                              [d.due_on for a in answering for d in open_dues.get(a.id, [])], today,
                              [a.receipt_due for a in answering
                               if a.status == AssignmentStatus.PENDING_RECEIPT.value])
            if status not in (ItemStatus.CLOSED, ItemStatus.ARCHIVED, ItemStatus.WITHDRAWN) else None,
        }
        out.append(row)
    return out


def iter_rows(filters: Filters, *, today: dt.date | None = None, start: int = 0, limit: int | None = None,
              batch_size: int = BATCH_SIZE) -> Iterator[dict[str, Any]]:
    """Ledger rows in order, ``start`` skipped, at most ``limit``; one batch in memory at a time."""
    today = today or clock.today()
    q = query(filters, today)
    offset, remaining = start, limit
    while remaining is None or remaining > 0:
        size = batch_size if remaining is None else min(batch_size, remaining)
        batch = list(q.limit(size).offset(offset))
        if not batch:
            return
        yield from rows_for(batch, today=today, first_seq=offset + 1)
        offset += len(batch)
        if remaining is not None:
            remaining -= len(batch)
        if len(batch) < size:
            return


def write_workbook(target: str | Path | IO[bytes], filters: Filters, *, today: dt.date | None = None) -> int:
    """The ledger as an .xlsx: frozen header row and first four columns, Chinese headers, date
    cells, autofilter, overdue rows red and due-soon amber (the shared ledger's cell formats);
    text through ``write_cell`` so nothing typed becomes a formula. Returns the row count."""
    import xlsxwriter

    from tracker.core.excel import DATE_FORMAT, write_cell
    from tracker.ledger.export import Formats

    today = today or clock.today()
    book = xlsxwriter.Workbook(target if not isinstance(target, Path) else str(target),
                               {"constant_memory": True, "strings_to_formulas": False,
                                "strings_to_urls": False, "default_date_format": DATE_FORMAT})
    try:
        book.set_properties({"title": "三书一函办理台账", "subject": "台账", "author": "建议提案办理系统",
                             "created": clock.now().replace(tzinfo=None)})
        formats = Formats(book)
        sheet = book.add_worksheet(SHEET)
        for col, (key, header, _kind) in enumerate(COLUMNS):
            sheet.set_column(col, col, WIDTHS.get(key, max(10, len(header) * 2 + 2)))
            sheet.write_string(0, col, header, formats.header)
        sheet.set_row(0, 30)
        sheet.freeze_panes(1, FROZEN_COLUMNS)
        n = 0
        for n, row in enumerate(iter_rows(filters, today=today), start=1):
            for col, (key, _header, kind) in enumerate(COLUMNS):
                fmt = formats.of(kind, row.get("_flag"))
                write_cell(sheet, n, col, row.get(key), fmt, date_format=fmt, number_format=fmt)
        sheet.autofilter(0, 0, max(n, 1), len(COLUMNS) - 1)
    finally:
        book.close()
    return n


def filename(session_name: str | None, today: dt.date | None = None) -> str:
    today = today or clock.today()
    safe = "".join(ch for ch in (session_name or "全部批次") if ch not in '\\/:*?"<>|').strip()
    return f"三书一函台账_{safe or '全部批次'}_{today.isoformat()}.xlsx"


# --- `tracker ledger export`: a session of 三书一函 gets this ledger --------------------------


def applies(*, session_id: int | None, kind: str | None) -> bool:
    """Whether ``tracker ledger export`` should write this ledger: a supervision kind was asked
    for, or the session's items are all 三书一函."""
    if kind:
        return kind in KINDS
    if session_id is None:
        return False
    kinds = {k for (k,) in Item.select(Item.kind).where(Item.session == session_id).distinct().tuples()}
    return bool(kinds) and kinds <= set(KINDS)


def write_ledger(target: str | Path | IO[bytes], *, session_id: int | None = None, kind: str | None = None,
                 status: str | None = None, unit_id: int | None = None) -> int:
    return write_workbook(target, Filters(session_id=session_id, kind=kind, status=status, unit_id=unit_id))
