"""Importing a session's Excel list: items, submitters and assignments, all or nothing.

The pure parser (``tracker.items.importing``) reads the file and reports the problems it
can see on its own (missing numbers, unknown units, duplicates in the file …). This
service then checks every row against the same domain rules as the pages — the rules of
``items.services.register_item`` (``registration_errors``) and of
``assignments.services.assign`` (``plan_assignment``), which live there and only there —
and reports a row that breaks one as a row problem ("第 N 行：…"); the other rows are
still checked.

At national scale a list has thousands of rows, so the rows are not registered and
assigned one by one (dozens of queries each). What the rules need is loaded once (the
session's rules and working calendar, the units' accounts, the default scorecards, the
persons named as submitters, the numbers the session already has), deadlines are computed
once per (role, assignment date), every row is checked and planned in memory, and only
when no row has a problem (and it is not a dry run) is everything written, in batches of
multi-row inserts inside ONE transaction: an import writes every row or none.

Assignments come from the 主办/会办 columns with the five fixes defaulted: one lead unit is
``sole`` (or ``lead`` when co units are listed), several lead units are ``separate``, co
units are ``co``; the task is :data:`DEFAULT_TASK` (a co unit's :data:`CO_TASK`), the responsible leader is the unit's
first unit-leader account, the handler its first unit-handler account. A unit without
such accounts cannot be given the five fixes: the item is then imported *unassigned* and
the report warns about it (the office assigns it on the desk) — never silently. Each unit
given items is told once per import: its handler(s) and unit leaders get ONE summary
notification (交办通知), not one per item.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any

import peewee as pw

from tracker.accounts import policy
from tracker.accounts.models import User
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.collector import pause_collector, resume_collector
from tracker.core.db import db, insert_rows
from tracker.core.enums import Body, HandlingRole, ItemKind, ItemStatus, Role, SubmitterRole, Tier, label
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
CO_TASK = "就涉及本单位职责的内容研究提出会办意见，按期送主办单位"  # a co unit does not reply
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
    tier: str = ""  # the tier's value; for a 分级 the parser could not read, the cell's text
    tier_invalid: bool = False  # ``tier`` is the text of a 分级 the parser could not read
    lead_units: list[str] = field(default_factory=list)
    co_units: list[str] = field(default_factory=list)
    assignments: list[str] = field(default_factory=list)  # "市民政局（独办）"
    assigned: list[tuple[str, str]] = field(default_factory=list)  # ("市民政局", "sole"): pages word the role
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
        """The data rows with a problem (a problem of the whole file, such as no data rows
        under the header, is not a row's: it is at the header row)."""
        return sorted({row for row, _ in self.problems if row > self.header_row})

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


def default_kind(session: Session) -> str:
    return KIND_OF_BODY.get(session.body, ItemKind.SUGGESTION.value)


def existing_numbers(session_id: int, kind: str) -> dict[str, str]:
    """The session's numbers for the kind, each with its item's title (the parser skips a
    row whose number is there, and reports one whose title clearly differs)."""
    return dict(Item.select(Item.number, Item.title)
                .where((Item.session == session_id) & (Item.kind == kind)).tuples())


def _check_kind(session: Session, kind: str) -> None:
    from tracker.items import services as items

    if kind not in IMPORTABLE_KINDS:
        raise ValidationFailed("只能导入人大代表建议或政协提案", fields={"kind": "类别不正确"})
    problem = items.kind_session_problem(kind, session, verb="导入")
    if problem:
        raise ValidationFailed(problem["kind"], fields=problem)


# The parser's column -> the service's field that checks the same value: a row the parser
# found a problem in is not told about it a second time in the service's words (标题过长 …).
_SAME_FIELD = {"number": "number", "title": "title"}


def _messages(exc: DomainError, reported: Iterable[str | None] = ()) -> list[str]:
    """All of an error's messages (a ValidationFailed may name several fields) but those on
    a field whose value the parser already reported (``reported``: its problems' columns)."""
    fields = exc.fields or {}
    skip = {_SAME_FIELD.get(column or "") for column in reported}
    found = list(dict.fromkeys(str(m) for name, m in fields.items() if m and name not in skip))
    if found or any(m for m in fields.values()):
        return found
    return [exc.message]


class _Accounts:
    """The people an import needs, loaded once: city leaders by name, and each unit's
    first active handler and leader (and all its active unit leaders, who are told)."""

    def __init__(self, unit_ids: Iterable[int]) -> None:
        self.leaders: dict[str, int] = {}
        self.leader_users: dict[int, User] = {}
        for user in (User.select().where((User.role == Role.LEADER.value) & (User.active == True))  # noqa: E712
                     .order_by(User.id)):
            self.leaders.setdefault(user.name.strip(), user.id)
            self.leader_users[user.id] = user
        ids = sorted(set(unit_ids))
        self.units = {u.id: u for u in Unit.select().where(Unit.id.in_(ids or [0]))}
        self.handler: dict[int, User] = {}
        self.leader: dict[int, User] = {}
        self.unit_leaders: dict[int, list[User]] = {}
        query = (User.select()
                 .where(User.unit.in_(ids or [0])
                        & User.role.in_([Role.UNIT_HANDLER.value, Role.UNIT_LEADER.value])
                        & (User.active == True))  # noqa: E712
                 .order_by(User.id))
        for user in query:
            target = self.handler if user.role == Role.UNIT_HANDLER.value else self.leader
            target.setdefault(user.unit_id, user)
            if user.role == Role.UNIT_LEADER.value:
                self.unit_leaders.setdefault(user.unit_id, []).append(user)
        self._lacks: dict[int, str] = {}

    def lacks(self, unit_id: int) -> str:
        """What the unit lacks to be given the five fixes ("" when nothing)."""
        found = self._lacks.get(unit_id)
        if found is None:
            lacks = [what for what, accounts in (("经办人账号", self.handler), ("领导账号", self.leader))
                     if unit_id not in accounts]
            found = self._lacks[unit_id] = (
                f"承办单位“{self.units[unit_id].name}”尚无{'和'.join(lacks)}" if lacks else "")
        return found


class _Context:
    """Everything the rules need for one import, loaded once."""

    def __init__(self, session: Session, kind: str, actor: Any, rows: list[ImportRow],
                 taken: Iterable[str], assigned_on: dt.date) -> None:
        from tracker.assessment.services import default_scorecard
        from tracker.assignments import services as assignments
        from tracker.items import services as items
        from tracker.rules import services as rules

        self.session, self.kind, self.actor, self.assigned_on = session, kind, actor, assigned_on
        self.now = clock.now()
        self.accounts = _Accounts(uid for row in rows for uid in (*row.lead_unit_ids, *row.co_unit_ids))
        self.taken = set(taken)  # the numbers the session has (and the rows planned so far)
        # Suggestions and proposals have no deadline written in a document: the rules of
        # every item of the import are the session's for the kind.
        self.rules = assignments.session_rule_set(session, kind)
        self.cal = rules.work_calendar()
        self.scorecards = {k: default_scorecard(k) for k in ("lead", "co")}
        self.persons = items.person_ids(name for row in rows
                                        for name in (row.lead_submitter, *row.co_submitters) if name)
        dates = assignments.date_rule(self.rules, self.cal)
        self.dates = functools.lru_cache(maxsize=None)(dates)  # once per (role, date, reply_due)
        self._plans: dict[tuple, tuple[dict[str, str], Mapping[str, Any]]] = {}
        self._audits: dict[int, dict[str, Any]] = {}
        self._states: dict[tuple, tuple[str | None, str]] = {}

    def plan_assignment(self, tier: str, leader_id: int | None, existing: list[tuple[str, int]],
                        unit_id: int, role: str) -> tuple[dict[str, str], Mapping[str, Any]]:
        """``assignments.plan_assignment`` with the import's five fixes for the unit. Its
        result depends only on these arguments (the rest is the same for every row), so
        it is worked out once for each distinct combination; rows share the (read-only)
        columns."""
        key = (tier, leader_id, tuple(existing), unit_id, role)
        found = self._plans.get(key)
        if found is None:
            from tracker.assignments import services as assignments

            accounts = self.accounts
            handler = accounts.handler[unit_id]
            errors, fields = assignments.plan_assignment(
                actor=self.actor, item_tier=tier, item_leader_id=leader_id,
                # the items are new: registered now, without a 收到日期
                item_received_on=None, item_registered_on=clock.local_date(self.now), existing=existing,
                unit=accounts.units[unit_id], unit_id=unit_id, role=role,
                task=CO_TASK if role == HandlingRole.CO.value else DEFAULT_TASK,
                responsible_leader=accounts.leader[unit_id].name, handler=handler, handler_id=handler.id,
                handler_phone=handler.phone, scorecard=self.scorecards[assignments.scorecard_kind(role)],
                assigned_on=self.assigned_on, item_rules=self.rules, cal=self.cal, dates=self.dates,
                now=self.now,
            )
            found = self._plans[key] = (errors, MappingProxyType(fields))
        return found

    def item_state(self, assignments: tuple[tuple[str, str], ...], has_submitters: bool) -> tuple[str | None, str]:
        """(handling mode, status) a new item with these assignments' (role, status) has
        after assign() — the mode of its roles (None: no assignment, the mode is not set)
        and ``items.status_of`` (a new item has no feedback and no commitments yet)."""
        key = (assignments, has_submitters)
        found = self._states.get(key)
        if found is None:
            from tracker.assignments import services as assignments_
            from tracker.items import services as items

            mode = assignments_._mode_of([role for role, _ in assignments]) if assignments else None
            status = items.status_of(ItemStatus.REGISTERED.value, self.kind, assignments,
                                     all_feedback_in=not has_submitters, open_commitments=False)
            found = self._states[key] = (mode, status.value)
        return found

    def assigned_audit(self, unit: Unit, handler: User, fields: Mapping[str, Any]) -> dict[str, Any]:
        """``assignments.assigned_audit``, once per planned (shared) columns."""
        found = self._audits.get(id(fields))
        if found is None:
            from tracker.assignments import services as assignments

            found = self._audits[id(fields)] = assignments.assigned_audit(unit, handler, dict(fields))
        return found


@dataclass
class _Planned:
    """A row checked and ready to be written."""

    out: RowOutcome
    item: dict[str, Any]  # Item columns
    submitters: list[dict[str, Any]]  # Submitter columns but the item
    assignments: list[tuple[Unit, User, Mapping[str, Any]]]  # (unit, handler, Assignment columns but the item)
    assignment_ids: list[int] = field(default_factory=list)  # once written, in the order of ``assignments``


def _plan(row: ImportRow) -> list[tuple[int, str]]:
    """(unit id, handling role) for each unit named on the row."""
    lead = row.lead_unit_ids
    # A unit listed as both lead and co is the parser's problem (同时列为主办单位和会办单位);
    # planning it twice would add a misleading "already assigned to it" for an item not yet there.
    co = tuple(unit_id for unit_id in row.co_unit_ids if unit_id not in lead)
    if len(lead) == 1:
        plan = [(lead[0], _ROLE_LEAD if co else _ROLE_SOLE)]
    else:
        plan = [(unit_id, _ROLE_SEPARATE) for unit_id in lead]
    return plan + [(unit_id, _ROLE_CO) for unit_id in co]


_ROLE_LEAD, _ROLE_SOLE, _ROLE_SEPARATE, _ROLE_CO = (
    HandlingRole.LEAD.value, HandlingRole.SOLE.value, HandlingRole.SEPARATE.value, HandlingRole.CO.value)


def _outcome(row: ImportRow) -> RowOutcome:
    return RowOutcome(
        row_number=row.row_number, number=row.number, title=row.title,
        lead_submitter=row.lead_submitter, co_submitters=list(row.co_submitters),
        category=row.category, tier=row.tier or row.tier_text or Tier.DEPARTMENT.value,
        tier_invalid=bool(row.tier_text),
        lead_units=list(row.lead_units), co_units=list(row.co_units),
    )


_LEAD, _CO, _DEPARTMENT = SubmitterRole.LEAD.value, SubmitterRole.CO.value, Tier.DEPARTMENT.value


def _import_row(row: ImportRow, out: RowOutcome, ctx: _Context) -> _Planned:
    """Check one row against the rules of registering and assigning an item and plan its
    writes; a broken rule raises the DomainError the single-item use case would raise."""
    from tracker.items import services as items

    n = row.row_number
    leader_id = None
    if row.leader:
        leader_id = ctx.accounts.leaders.get(row.leader)
        if leader_id is None:
            raise ValidationFailed(f"领办领导“{row.leader}”不是系统中的市领导账号",
                                   fields={"leader": f"领办领导“{row.leader}”不是系统中的市领导账号"})
    submitters = []
    if row.lead_submitter:
        submitters.append({"name": row.lead_submitter, "role": _LEAD})
    submitters += [{"name": name, "role": _CO} for name in row.co_submitters]
    tier = row.tier or _DEPARTMENT
    errors = items.registration_errors(
        kind=ctx.kind, session_id=ctx.session.id, number=row.number, title=row.title,
        submitters=submitters, tier=tier, leader_id=leader_id, session_found=True,
        number_taken=ctx.taken.__contains__, leader=ctx.accounts.leader_users.get(leader_id or 0),
    )
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    fields = items.build_item_fields(
        actor=ctx.actor, kind=ctx.kind, session_id=ctx.session.id, number=row.number, title=row.title,
        content=row.content, category=row.category, is_key=row.is_key, tier=tier, leader_id=leader_id,
        now=ctx.now,
    )
    planned = _Planned(out, fields, items.submitter_rows(items.clean_submitters(submitters), ctx.persons), [])
    if row.co_unit_ids and not row.lead_unit_ids:
        raise ValidationFailed("列有会办单位但没有主办单位，请补充主办单位")
    plan = _plan(row)
    accounts = ctx.accounts
    missing = [lacks for unit_id, _role in plan if (lacks := accounts.lacks(unit_id))]
    if missing:
        out.warnings.append(f"第 {n} 行：" + "；".join(missing)
                            + "，无法交办；该件导入后为“已登记”（未交办），请在交办审核中手工交办")
        plan = []
    existing: list[tuple[str, int]] = []
    for unit_id, role in plan:
        unit, handler = accounts.units[unit_id], accounts.handler[unit_id]
        errors, assignment = ctx.plan_assignment(fields["tier"], fields["leader"], existing, unit_id, role)
        if errors:
            raise ValidationFailed(next(iter(errors.values())), fields=errors)
        existing.append((role, unit_id))
        planned.assignments.append((unit, handler, assignment))
        out.assignments.append(f"{unit.name}（{label(role, HandlingRole)}）")
        out.assigned.append((unit.name, role))
    # What assign() leaves on the item: the handling mode of its roles, the derived status.
    mode, status = ctx.item_state(tuple((a["role"], a["status"]) for _, _, a in planned.assignments),
                                  bool(planned.submitters))
    if mode is not None:
        fields["handling_mode"] = mode
    fields["status"] = status
    ctx.taken.add(fields["number"])
    return planned


# --- writing -------------------------------------------------------------------------------

BATCH_ROWS = 1000  # rows of the file written per round of multi-row inserts


def _write_batch(batch: list[_Planned], ctx: _Context) -> None:
    """Write a batch of planned rows: items, submitters, assignments, audit entries."""
    from tracker.assignments.models import Assignment
    from tracker.audit.models import AuditEntry
    from tracker.items import services as items
    from tracker.items.models import Submitter

    ids = dict((number, item_id) for item_id, number in
               insert_rows(Item, [p.item for p in batch], returning=(Item.id, Item.number)))
    for p in batch:
        p.out.item_id = ids[p.item["number"]]
    for p in batch:
        for sub in p.submitters:
            sub["item"] = p.out.item_id
    insert_rows(Submitter, [sub for p in batch for sub in p.submitters])
    rows = []
    for p in batch:
        for _, _, a in p.assignments:
            row = a.copy()  # the planned columns are shared by rows alike
            row["item"] = p.out.item_id
            rows.append(row)
    returned = insert_rows(Assignment, rows, returning=(Assignment.id, Assignment.item, Assignment.unit))
    assignment_ids = {(item_id, unit_id): a_id for a_id, item_id, unit_id in returned}
    for p in batch:
        p.assignment_ids = [assignment_ids[(p.out.item_id, unit.id)] for unit, _, _ in p.assignments]
    entries = []
    for p in batch:
        item_id = p.out.item_id
        entries.append(audit.entry("registered", "item", item_id, actor=ctx.actor, item_id=item_id,
                                   at=ctx.now, **items.registered_audit(p.item)))
        for unit, handler, a in p.assignments:
            entries.append(audit.entry("assigned", "assignment", assignment_ids[(item_id, unit.id)],
                                       actor=ctx.actor, item_id=item_id, unit_id=unit.id, at=ctx.now,
                                       **ctx.assigned_audit(unit, handler, a)))
    insert_rows(AuditEntry, entries)


def _notify_units(planned: list[_Planned], ctx: _Context) -> None:
    """ONE 交办通知 per unit given items: to the handler(s) of its assignments and its unit
    leaders, with how many items, the earliest receipt date and the reply date. That notice is
    each assignment's 交办通知: its reminders are recorded as sent by it
    (``sweep.record_batch_notice``), so the daily sweep does not tell the unit item by item."""
    from tracker.items.services import noun
    from tracker.reminders.services import notify
    from tracker.reminders.sweep import BatchTold, record_batch_notice

    by_unit: dict[int, list[tuple[_Planned, User, Mapping[str, Any]]]] = {}
    for p in planned:
        for unit, handler, a in p.assignments:
            by_unit.setdefault(unit.id, []).append((p, handler, a))
    what = noun(ctx.kind)
    told: list[BatchTold] = []
    for unit_id, given in by_unit.items():
        counts: dict[str, int] = {}
        for _, _, a in given:
            counts[a["role"]] = counts.get(a["role"], 0) + 1
        roles = "，".join(f"{label(role, HandlingRole)} {count} 件" for role, count in counts.items())
        numbers = "、".join(p.item["number"] + "号" for p, _, _ in given[:10])
        receipt = min(a["receipt_due"] for _, _, a in given)
        reply = min(a["reply_due"] for _, _, a in given)
        body = (f"{ctx.session.name}：{roles}（{numbers}{'等' if len(given) > 10 else ''}）。"
                f"请于 {receipt.isoformat()} 前签收，答复期限 {reply.isoformat()}")
        co_due = [a["co_opinion_due"] for _, _, a in given if a["co_opinion_due"]]
        if co_due:
            body += f"，会办意见请于 {min(co_due).isoformat()} 前提出"
        body += "。请到“本单位待办”逐件查看、签收。"
        handlers = list({h.id: h for _, h, _ in given}.values())
        leaders = ctx.accounts.unit_leaders.get(unit_id, [])
        notify([*handlers, *leaders], f"交办通知：本次导入交办你单位 {len(given)} 件{what}", body)
        # who of them heard about each assignment: its handler and the unit's leaders (as notify, active ones)
        told_leaders = {u.id for u in leaders if u.active}
        for p, handler, a in given:
            aid = p.assignment_ids[[u.id for u, _, _ in p.assignments].index(unit_id)]
            heard = told_leaders | ({handler.id} if handler.active else set())
            told.append(BatchTold(p.out.item_id, aid, a["assigned_on"], len(heard)))
    record_batch_notice(told, clock.now())


def _write(planned: list[_Planned], ctx: _Context) -> None:
    for start in range(0, len(planned), BATCH_ROWS):
        _write_batch(planned[start:start + BATCH_ROWS], ctx)
    _notify_units(planned, ctx)


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
    the session already has are skipped (re-importing a file adds nothing) — unless the
    row's title clearly differs from the stored item's: that row is a problem (the number
    column does not match the session's items; see ``importing.titles_differ``), so the
    import is refused rather than silently leaving the row's item out.
    """
    ensure(policy.can(actor, Action.REGISTER))
    if not isinstance(session, Session):
        found = Session.get_or_none(Session.id == session) if session else None
        if found is None:
            raise ValidationFailed("会次不存在", fields={"session_id": "会次不存在"})
        session = found
    kind = kind or default_kind(session)
    _check_kind(session, kind)
    # A list of thousands of rows allocates a few hundred thousand container objects (cells,
    # rows, planned columns), none of them in a reference cycle; with the cyclic collector
    # on, it walked them (and the whole process) again and again.
    paused = pause_collector()
    try:
        return _import(path_or_bytes, session, kind, actor=actor, dry_run=dry_run, assigned_on=assigned_on)
    finally:
        resume_collector(paused)


def _import(path_or_bytes: Any, session: Session, kind: str, *, actor: Any, dry_run: bool,
            assigned_on: dt.date | None) -> ImportReport:
    """Read and parse the file, check and plan every row in memory, then (no problem, not
    a dry run) write everything in one transaction."""
    from tracker.units.services import ambiguous_unit_names, unit_name_map

    taken = existing_numbers(session.id, kind)
    try:
        table = read_rows(path_or_bytes)
        parsed = parse_rows(table, known_units=unit_name_map(), ambiguous_units=ambiguous_unit_names(),
                            existing_numbers=taken)
    except ImportFileError as exc:
        raise ValidationFailed(exc.message, fields={"file": exc.message}) from None

    report = ImportReport(session_id=session.id, session_name=session.name, kind=kind,
                          dry_run=dry_run, header_row=parsed.header_row, columns=dict(parsed.columns),
                          skipped=list(parsed.skipped))
    by_row = parsed.problems_by_row()
    problems: list[tuple[int, str]] = [(p.row_number, p.message) for p in parsed.problems]
    assigned_on = assigned_on or clock.today()
    ctx = _Context(session, kind, actor, parsed.rows, taken, assigned_on)
    if any(row.lead_unit_ids or row.co_unit_ids for row in parsed.rows):
        ensure(policy.can(actor, Action.ASSIGN, Item(session=session.id, kind=kind)))
    planned: list[_Planned] = []
    for row in parsed.rows:
        out = _outcome(row)
        out.problems = [p.message for p in by_row.get(row.row_number, [])]
        try:
            planned.append(_import_row(row, out, ctx))
        except DomainError as exc:
            for message in _messages(exc, (p.column for p in by_row.get(row.row_number, []))):
                text = f"第 {row.row_number} 行：{message}"
                out.problems.append(text)
                problems.append((row.row_number, text))
        report.rows.append(out)
    if planned and not problems and not dry_run:
        try:
            with db.atomic():
                _write(planned, ctx)
                audit.record("items_imported", session, actor=actor,
                             after={"kind": kind, "count": len(planned)},
                             detail=f"从 Excel 导入{label(ItemKind(kind))} {len(planned)} 件")
        except pw.IntegrityError:
            raise Conflict("导入期间有人登记了相同案号的件，请重新预览后再导入") from None
        except BaseException:
            for p in planned:
                p.out.item_id = None
            raise
        report.imported = len(planned)
    problems.sort(key=lambda p: p[0])  # stable: the order within a row is kept
    report.problems = problems
    report.rows = _with_other_rows(report.rows, table, parsed.header_row, parsed.skipped, problems)
    report.warnings = [(out.row_number, w) for out in report.rows for w in out.warnings]
    return report
