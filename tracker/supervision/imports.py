"""Importing an Excel list of 三书一函: documents and their assignments, all or nothing.

The pure parser (``tracker.supervision.importing``) checks what it can see in the file; each row
then goes through the same use cases as the pages — ``supervision.services.register_document``
and ``assignments.services.assign`` — inside ONE transaction, each row in its own savepoint, so a
row that breaks a rule becomes a row problem and the others are still checked. If anything was
wrong (or on a dry run) the whole transaction is rolled back.

Assignments come from the 承办单位 column with the five fixes defaulted (one unit: 独办, several:
分办; the unit's first leader account as responsible leader, its first handler as handler). A
unit without such accounts cannot be given the five fixes: the document is then imported
unassigned and the report says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from tracker.accounts import policy
from tracker.accounts.models import User
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import HandlingRole, ItemKind, Role, label
from tracker.core.errors import Conflict, DomainError, ValidationFailed, ensure
from tracker.items.importing import ImportFileError, read_rows
from tracker.items.models import Item, Session
from tracker.items.workflow import Action
from tracker.supervision import services
from tracker.supervision.importing import DocumentRow, parse_documents
from tracker.units.models import Unit

DEFAULT_TASK = "按文书要求调查核实、整改落实，并在期限内书面回复制发机关"


@dataclass
class DocumentOutcome:
    row_number: int
    kind: str
    number: str
    title: str
    issuing_body: str = ""
    issue_date: str = ""
    written_due: str = ""
    units: list[str] = field(default_factory=list)
    assignments: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    item_id: int | None = None

    @property
    def kind_label(self) -> str:
        return label(ItemKind(self.kind)) if self.kind else ""


@dataclass
class DocumentImport:
    session_id: int
    session_name: str
    dry_run: bool
    header_row: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    rows: list[DocumentOutcome] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    imported: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def importable(self) -> int:
        return sum(1 for row in self.rows if not row.problems)

    @property
    def warnings(self) -> list[str]:
        return [w for row in self.rows for w in row.warnings]

    def summary(self) -> str:
        bad = len({n for n, _ in self.problems if n > self.header_row})  # a file problem is no row's
        text = (f"共读取 {len(self.rows) + len(self.skipped)} 行：可导入 {self.importable} 行，"
                f"已存在跳过 {len(self.skipped)} 行，有问题 {bad} 行")
        if self.problems:
            return text + "。存在问题，未导入任何数据。"
        if self.dry_run:
            return text + "。预览，未写入任何数据。"
        return text + f"。已导入 {self.imported} 件。"


class _Rollback(Exception):
    pass


def _accounts(unit_ids: set[int]) -> tuple[dict[int, User], dict[int, User], dict[int, Unit]]:
    handlers: dict[int, User] = {}
    leaders: dict[int, User] = {}
    ids = sorted(unit_ids) or [0]
    for user in (User.select().where(User.unit.in_(ids) & (User.active == True)  # noqa: E712
                                     & User.role.in_([Role.UNIT_HANDLER.value, Role.UNIT_LEADER.value]))
                 .order_by(User.id)):
        (handlers if user.role == Role.UNIT_HANDLER.value else leaders).setdefault(user.unit_id, user)
    units = {u.id: u for u in Unit.select().where(Unit.id.in_(ids))}
    return handlers, leaders, units


def _import_row(row: DocumentRow, out: DocumentOutcome, *, session: Session, actor: Any,
                handlers: dict[int, User], leaders: dict[int, User], units: dict[int, Unit],
                assigned_on: dt.date) -> None:
    from tracker.assignments import services as assignments

    item = services.register_document(
        actor=actor, kind=row.kind, session_id=session.id, number=row.number, title=row.title,
        issuing_body=row.issuing_body, issue_date=row.issue_date, case_name=row.case_name,
        case_code=row.case_code, sectors=row.sectors, written_due=row.written_due, content=row.content,
        note=row.note, received_on=assigned_on,
    )
    out.item_id = item.id
    missing = [units[u].name for u in row.lead_unit_ids if u not in handlers or u not in leaders]
    if missing:
        out.warnings.append(f"第 {row.row_number} 行：承办单位“{'、'.join(missing)}”尚无经办人或领导账号，"
                            "无法交办；该件导入后为“已登记”，请在交办审核中手工交办")
        return
    role = HandlingRole.SOLE.value if len(row.lead_unit_ids) == 1 else HandlingRole.SEPARATE.value
    for unit_id in row.lead_unit_ids:
        handler = handlers[unit_id]
        assignments.assign(item, actor=actor, unit_id=unit_id, role=role, task=DEFAULT_TASK,
                           responsible_leader=leaders[unit_id].name, handler_id=handler.id,
                           handler_phone=handler.phone, assigned_on=assigned_on)
        out.assignments.append(f"{units[unit_id].name}（{label(HandlingRole(role))}）")


def import_documents(data: Any, session: Session | int | None, kind: str | None = None, *, actor: Any,
                     dry_run: bool = False, assigned_on: dt.date | None = None) -> DocumentImport:
    """Check every row of an .xlsx list of 三书一函, then import all of it or nothing.

    Raises ValidationFailed for a file that cannot be read or a missing session; otherwise
    returns the report (``ok`` False when any row has a problem — then nothing was written).
    """
    from tracker.units.services import ambiguous_unit_names, unit_name_map

    ensure(policy.can(actor, Action.REGISTER))
    if not isinstance(session, Session):
        found = Session.get_or_none(Session.id == session) if session else None
        if found is None:
            raise ValidationFailed("请选择批次", fields={"session_id": "批次不存在"})
        session = found
    if kind and kind not in services.KINDS:
        raise ValidationFailed("文书类别不正确", fields={"kind": "文书类别不正确"})
    existing = [(k, n) for k, n in Item.select(Item.kind, Item.number)
                .where((Item.session == session.id) & Item.kind.in_(list(services.KINDS))).tuples()]
    try:
        parsed = parse_documents(read_rows(data), known_units=unit_name_map(), existing=existing,
                                 default_kind=kind or None, ambiguous_units=ambiguous_unit_names())
    except ImportFileError as exc:
        raise ValidationFailed(exc.message, fields={"file": exc.message}) from None
    report = DocumentImport(session_id=session.id, session_name=session.name, dry_run=dry_run,
                            header_row=parsed.header_row, columns=dict(parsed.columns),
                            skipped=list(parsed.skipped))
    problems = list(parsed.problems)
    by_row: dict[int, list[str]] = {}
    for n, message in parsed.problems:
        by_row.setdefault(n, []).append(message)
    handlers, leaders, units = _accounts({u for row in parsed.rows for u in row.lead_unit_ids})
    assigned_on = assigned_on or clock.today()
    try:
        with db.atomic():
            for row in parsed.rows:
                out = DocumentOutcome(
                    row_number=row.row_number, kind=row.kind, number=row.number, title=row.title,
                    issuing_body=row.issuing_body, issue_date=row.issue_date.isoformat() if row.issue_date else "",
                    written_due=row.written_due.isoformat() if row.written_due else "",
                    units=list(row.lead_units), problems=list(by_row.get(row.row_number, [])))
                if not out.problems:
                    try:
                        with db.atomic():
                            _import_row(row, out, session=session, actor=actor, handlers=handlers,
                                        leaders=leaders, units=units, assigned_on=assigned_on)
                    except DomainError as exc:
                        messages = list(dict.fromkeys(str(m) for m in exc.fields.values() if m)) or [exc.message]
                        for message in messages:
                            text = f"第 {row.row_number} 行：{message}"
                            out.problems.append(text)
                            problems.append((row.row_number, text))
                report.rows.append(out)
            if problems or dry_run:
                raise _Rollback
            created = sum(1 for out in report.rows if out.item_id)
            if created:
                audit.record("items_imported", session, actor=actor, after={"kind": "supervision", "count": created},
                             detail=f"从 Excel 导入三书一函 {created} 件")
    except _Rollback:
        for out in report.rows:
            out.item_id = None
    except pw.IntegrityError:
        raise Conflict("导入期间有人登记了相同文书编号的件，请重新预览后再导入") from None
    else:
        report.imported = sum(1 for out in report.rows if out.item_id)
    problems.sort(key=lambda p: p[0])
    report.problems = problems
    return report
