"""Importing a session's Excel list: items, submitters and assignments, all or nothing.

The pure parser (``tracker.items.importing``) reads the file and reports the problems it
can see on its own (missing numbers, unknown units, duplicates in the file …). This
service then runs every row through the same use cases as the pages —
``items.services.register_item`` and ``assignments.services.assign`` — inside ONE
transaction, so the domain rules (duplicate numbers, submitters, leader-led items need a
leader, handling roles …) are checked exactly once, in one place. Each row runs in its own
savepoint: a row that breaks a rule becomes a row problem ("第 N 行：…") and the others
are still checked. At the end, if anything was wrong (or on a dry run) the whole
transaction is rolled back: an import writes every row or none.

Assignments come from the 主办/会办 columns with the five fixes defaulted: one lead unit is
``sole`` (or ``lead`` when co units are listed), several lead units are ``separate``, co
units are ``co``; the task is :data:`DEFAULT_TASK`, the responsible leader is the unit's
first unit-leader account, the handler its first unit-handler account. A unit without
such accounts cannot be given the five fixes: the item is then imported *unassigned* and
the report warns about it (the office assigns it on the desk) — never silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import peewee as pw

from tracker.accounts import policy
from tracker.accounts.models import User
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import Body, HandlingRole, ItemKind, Role, SubmitterRole, Tier, label
from tracker.core.errors import Conflict, DomainError, ValidationFailed, ensure
from tracker.items.importing import (
    ImportFileError,
    ImportRow,
    find_header,
    normalise_number,
    parse_rows,
    read_rows,
)
from tracker.items.models import Item, Session
from tracker.items.workflow import Action
from tracker.units.models import Unit

DEFAULT_TASK = "按建议（提案）内容研究办理并答复"
IMPORTABLE_KINDS = (ItemKind.SUGGESTION.value, ItemKind.PROPOSAL.value)
KIND_OF_BODY = {Body.NPC.value: ItemKind.SUGGESTION.value, Body.CPPCC.value: ItemKind.PROPOSAL.value}


@dataclass
class RowOutcome:
    """One data row of the file as the preview shows it."""

    row_number: int
    number: str
    title: str
    lead_submitter: str = ""
    co_submitters: list[str] = field(default_factory=list)
    category: str = ""
    tier: str = ""
    lead_units: list[str] = field(default_factory=list)
    co_units: list[str] = field(default_factory=list)
    assignments: list[str] = field(default_factory=list)  # "市民政局（独办）"
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    item_id: int | None = None
    skipped: bool = False  # the session already has this number

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def importable(self) -> bool:
        return self.ok and not self.skipped


@dataclass
class ImportReport:
    session_id: int
    session_name: str
    kind: str
    dry_run: bool
    header_row: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    rows: list[RowOutcome] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # rows whose number already exists
    problems: list[tuple[int, str]] = field(default_factory=list)  # (row, "第 N 行：…")
    warnings: list[tuple[int, str]] = field(default_factory=list)
    imported: int = 0  # items written (0 on a dry run or when anything was wrong)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def kind_label(self) -> str:
        return label(ItemKind(self.kind))

    @property
    def importable(self) -> int:
        """Rows that would be (or were) imported."""
        return sum(1 for row in self.rows if row.importable)

    @property
    def problem_rows(self) -> list[int]:
        return sorted({row for row, _ in self.problems})

    def summary(self) -> str:
        text = (f"共读取 {len(self.rows)} 行：可导入 {self.importable} 行，"
                f"已存在跳过 {len(self.skipped)} 行，有问题 {len(self.problem_rows)} 行")
        if self.problems:
            return text + "。存在问题，未导入任何数据。"
        if self.dry_run:
            return text + "。试运行，未写入任何数据。"
        return text + f"。已导入 {self.imported} 件。"

    def lines(self) -> list[str]:
        """The report in Chinese, one line each (the CLI prints them)."""
        out = [f"会次：{self.session_name}；类别：{self.kind_label}；表头在第 {self.header_row} 行",
               self.summary()]
        if self.skipped:
            out.append("已存在（跳过）：" + "、".join(f"第 {n} 行" for n in self.skipped))
        if self.problems:
            out.append("问题：")
            out.extend(f"  {message}" for _, message in self.problems)
        if self.warnings:
            out.append("提醒：")
            out.extend(f"  {message}" for _, message in self.warnings)
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        data = dict(data)
        data["rows"] = [RowOutcome(**row) for row in data.get("rows", [])]
        data["problems"] = [tuple(p) for p in data.get("problems", [])]
        data["warnings"] = [tuple(w) for w in data.get("warnings", [])]
        return cls(**data)


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run or an import with problems."""


def default_kind(session: Session) -> str:
    return KIND_OF_BODY.get(session.body, ItemKind.SUGGESTION.value)


def existing_numbers(session_id: int, kind: str) -> list[str]:
    return [n for (n,) in Item.select(Item.number)
            .where((Item.session == session_id) & (Item.kind == kind)).tuples()]


def _check_kind(session: Session, kind: str) -> None:
    if kind not in IMPORTABLE_KINDS:
        raise ValidationFailed("只能导入人大代表建议或政协提案", fields={"kind": "类别不正确"})
    expected = KIND_OF_BODY.get(session.body)
    if expected is not None and expected != kind:
        message = (f"会次“{session.name}”属于{label(Body(session.body))}，"
                   f"不能导入{label(ItemKind(kind))}")
        raise ValidationFailed(message, fields={"kind": message})


def _messages(exc: DomainError) -> list[str]:
    """All of an error's messages (a ValidationFailed may name several fields)."""
    found = list(dict.fromkeys(str(m) for m in (exc.fields or {}).values() if m))
    return found or [exc.message]


class _Accounts:
    """The people an import needs, loaded once: city leaders by name, and each unit's
    first active handler and leader."""

    def __init__(self, unit_ids: Iterable[int]) -> None:
        self.leaders: dict[str, int] = {}
        for user in (User.select().where((User.role == Role.LEADER.value) & (User.active == True))  # noqa: E712
                     .order_by(User.id)):
            self.leaders.setdefault(user.name.strip(), user.id)
        ids = sorted(set(unit_ids))
        self.units = {u.id: u for u in Unit.select().where(Unit.id.in_(ids or [0]))}
        self.handler: dict[int, User] = {}
        self.leader: dict[int, User] = {}
        query = (User.select()
                 .where(User.unit.in_(ids or [0])
                        & User.role.in_([Role.UNIT_HANDLER.value, Role.UNIT_LEADER.value])
                        & (User.active == True))  # noqa: E712
                 .order_by(User.id))
        for user in query:
            target = self.handler if user.role == Role.UNIT_HANDLER.value else self.leader
            target.setdefault(user.unit_id, user)


def _plan(row: ImportRow) -> list[tuple[int, str]]:
    """(unit id, handling role) for each unit named on the row."""
    lead, co = list(row.lead_unit_ids), list(row.co_unit_ids)
    if len(lead) == 1:
        plan = [(lead[0], HandlingRole.LEAD.value if co else HandlingRole.SOLE.value)]
    else:
        plan = [(unit_id, HandlingRole.SEPARATE.value) for unit_id in lead]
    return plan + [(unit_id, HandlingRole.CO.value) for unit_id in co]


def _outcome(row: ImportRow) -> RowOutcome:
    return RowOutcome(
        row_number=row.row_number, number=row.number, title=row.title,
        lead_submitter=row.lead_submitter, co_submitters=list(row.co_submitters),
        category=row.category, tier=row.tier or Tier.DEPARTMENT.value,
        lead_units=list(row.lead_units), co_units=list(row.co_units),
    )


def _import_row(row: ImportRow, out: RowOutcome, *, session: Session, kind: str, actor: Any,
                accounts: _Accounts, assigned_on: dt.date) -> None:
    """Register one row's item and assign it; DomainErrors propagate to the caller."""
    from tracker.assignments import services as assignments
    from tracker.items import services as items

    n = row.row_number
    leader_id = None
    if row.leader:
        leader_id = accounts.leaders.get(row.leader)
        if leader_id is None:
            raise ValidationFailed(f"领办领导“{row.leader}”不是系统中的市领导账号",
                                   fields={"leader": f"领办领导“{row.leader}”不是系统中的市领导账号"})
    submitters = []
    if row.lead_submitter:
        submitters.append({"name": row.lead_submitter, "role": SubmitterRole.LEAD.value})
    submitters += [{"name": name, "role": SubmitterRole.CO.value} for name in row.co_submitters]
    item = items.register_item(
        actor=actor, kind=kind, session_id=session.id, number=row.number, title=row.title,
        content=row.content, category=row.category, submitters=submitters, is_key=row.is_key,
        tier=row.tier or Tier.DEPARTMENT.value, leader_id=leader_id,
    )
    out.item_id = item.id
    if row.co_unit_ids and not row.lead_unit_ids:
        raise ValidationFailed("列有会办单位但没有主办单位，请补充主办单位")
    plan = _plan(row)
    missing = []
    for unit_id, _role in plan:
        lacks = [what for what, found in (("经办人账号", accounts.handler), ("领导账号", accounts.leader))
                 if unit_id not in found]
        if lacks:
            missing.append(f"承办单位“{accounts.units[unit_id].name}”尚无{'和'.join(lacks)}")
    if missing:
        out.warnings.append(f"第 {n} 行：" + "；".join(missing)
                            + "，无法交办；该件导入后为“已登记”（未交办），请在交办审核中手工交办")
        return
    for unit_id, role in plan:
        handler = accounts.handler[unit_id]
        assignments.assign(
            item, actor=actor, unit_id=unit_id, role=role, task=DEFAULT_TASK,
            responsible_leader=accounts.leader[unit_id].name, handler_id=handler.id,
            handler_phone=handler.phone, assigned_on=assigned_on,
        )
        out.assignments.append(f"{accounts.units[unit_id].name}（{label(HandlingRole(role))}）")


def _with_other_rows(rows: list[RowOutcome], table: list[tuple[Any, ...]], header_row: int,
                     skipped: list[int], problems: list[tuple[int, str]]) -> list[RowOutcome]:
    """Add the rows the parser set aside — numbers the session already has (skipped) and
    rows it could not read as items (no title, a number repeated in the file …) — so the
    preview shows every row of the file, in file order."""
    _, columns = find_header(table)
    col_of = {field_name: col for col, field_name in columns.items()}

    def cell(row_number: int, field_name: str) -> str:
        row = table[row_number - 1] if row_number - 1 < len(table) else ()
        col = col_of.get(field_name)
        value = row[col] if col is not None and col < len(row) else None
        return "" if value is None else " ".join(str(value).split())

    seen = {row.row_number for row in rows}
    extra: dict[int, RowOutcome] = {}
    for row_number in skipped:
        extra[row_number] = RowOutcome(row_number=row_number, number=normalise_number(cell(row_number, "number")),
                                       title=cell(row_number, "title"), skipped=True)
    for row_number, message in problems:
        if row_number in seen or row_number <= header_row or row_number > len(table):
            continue
        out = extra.setdefault(row_number, RowOutcome(
            row_number=row_number, number=normalise_number(cell(row_number, "number")),
            title=cell(row_number, "title"), lead_submitter=cell(row_number, "lead_submitter")))
        out.problems.append(message)
    return sorted([*rows, *extra.values()], key=lambda row: row.row_number)


def import_items(path_or_bytes: Any, session: Session | int, kind: str | None = None, *,
                 actor: Any, dry_run: bool = False, assigned_on: dt.date | None = None) -> ImportReport:
    """Validate every row of an .xlsx list, then import all of it or nothing.

    Raises ValidationFailed for a file that cannot be read (.xls, not a workbook, no
    header …) or a wrong session/kind. Otherwise returns the report: ``report.ok`` is
    False when any row has a problem, and then nothing was written. Rows whose number
    the session already has are skipped (re-importing a file adds nothing).
    """
    from tracker.units.services import unit_name_map

    ensure(policy.can(actor, Action.REGISTER))
    if not isinstance(session, Session):
        found = Session.get_or_none(Session.id == session) if session else None
        if found is None:
            raise ValidationFailed("会次不存在", fields={"session_id": "会次不存在"})
        session = found
    kind = kind or default_kind(session)
    _check_kind(session, kind)
    try:
        table = read_rows(path_or_bytes)
        parsed = parse_rows(table, known_units=unit_name_map(),
                            existing_numbers=existing_numbers(session.id, kind))
    except ImportFileError as exc:
        raise ValidationFailed(exc.message, fields={"file": exc.message}) from None

    report = ImportReport(session_id=session.id, session_name=session.name, kind=kind,
                          dry_run=dry_run, header_row=parsed.header_row, columns=dict(parsed.columns),
                          skipped=list(parsed.skipped))
    by_row = parsed.problems_by_row()
    problems: list[tuple[int, str]] = [(p.row_number, p.message) for p in parsed.problems]
    accounts = _Accounts(uid for row in parsed.rows for uid in (*row.lead_unit_ids, *row.co_unit_ids))
    assigned_on = assigned_on or clock.today()
    try:
        with db.atomic():
            for row in parsed.rows:
                out = _outcome(row)
                out.problems = [p.message for p in by_row.get(row.row_number, [])]
                try:
                    with db.atomic():
                        _import_row(row, out, session=session, kind=kind, actor=actor,
                                    accounts=accounts, assigned_on=assigned_on)
                except DomainError as exc:
                    for message in _messages(exc):
                        text = f"第 {row.row_number} 行：{message}"
                        out.problems.append(text)
                        problems.append((row.row_number, text))
                report.rows.append(out)
            if problems or dry_run:
                raise _Rollback
            created = sum(1 for out in report.rows if out.item_id)
            if created:
                audit.record("items_imported", session, actor=actor,
                             after={"kind": kind, "count": created},
                             detail=f"从 Excel 导入{label(ItemKind(kind))} {created} 件")
    except _Rollback:
        for out in report.rows:
            out.item_id = None
    except pw.IntegrityError:
        raise Conflict("导入期间有人登记了相同案号的件，请重新预览后再导入") from None
    else:
        report.imported = sum(1 for out in report.rows if out.item_id)
    problems.sort(key=lambda p: p[0])  # stable: the order within a row is kept
    report.problems = problems
    report.rows = _with_other_rows(report.rows, table, parsed.header_row, parsed.skipped, problems)
    report.warnings = [(out.row_number, w) for out in report.rows for w in out.warnings]
    return report
