"""Use cases on assignments: assign with the five fixes, receive, return requests, deadlines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import peewee as pw

from tracker.accounts import policy
from tracker.accounts.models import User
from tracker.assignments import deadlines
from tracker.assignments.models import Assignment, ReturnRequest
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import (
    AssignmentStatus,
    HandlingMode,
    HandlingRole,
    ItemStatus,
    ReplyStatus,
    RequestStatus,
    Role,
    Tier,
    label,
)
from tracker.core.errors import Conflict, NotFound, StaleVersion, ValidationFailed, ensure
from tracker.core.text import sentence
from tracker.items import services as items
from tracker.items import workflow
from tracker.items.models import Item
from tracker.items.workflow import Action
from tracker.reminders.services import notify, office_users, unit_users
from tracker.rules import services as rules
from tracker.units.models import Unit

DATE_FIELDS = ("receipt_due", "return_due", "first_contact_due", "co_opinion_due", "reply_due",
               "reply_due_max")


# --- the one writer of Assignment.status ----------------------------------------------------


def _transition(assignment: Assignment, action: Action) -> AssignmentStatus:
    new = workflow.assignment_next(AssignmentStatus(assignment.status), action)
    rows = (
        Assignment.update(status=new.value, version=Assignment.version + 1, updated_at=clock.now())
        .where((Assignment.id == assignment.id) & (Assignment.version == assignment.version))
        .execute()
    )
    if rows != 1:
        from tracker.core.errors import StaleVersion

        raise StaleVersion()
    assignment.status = new.value
    assignment.version += 1
    return new


def transition(assignment: Assignment, action: Action) -> AssignmentStatus:
    """Apply a workflow action to an assignment (for other domains' services)."""
    return _transition(assignment, action)


# --- deadlines ------------------------------------------------------------------------------


def current_due_of(a: Any) -> dt.date:
    """The date the unit's act is due now: the round's date, unless an approved extension is later."""
    if a.role == HandlingRole.CO.value and a.co_opinion_due:
        return a.co_opinion_due
    base = a.rehandle_due if (a.round or 1) > 1 and a.rehandle_due else a.reply_due
    if a.extended_due and a.extended_due > base:
        return a.extended_due
    return base


def rule_set_for(item: Item) -> deadlines.RuleSet:
    """The rules of one item: its session's profile, the reply clock of its kind and, for a
    三书一函, the deadline written in the document (which wins over the clock)."""
    from tracker.core.enums import is_supervision_kind

    written = None
    if is_supervision_kind(item.kind):
        from tracker.core.plugins import optional_module

        supervision = optional_module("tracker.supervision.services")
        written = supervision.written_due_of(item) if supervision is not None else None
    found = session_rule_set(item.session, item.kind, written_reply_due=written)
    if found.reply_anchor == "received":  # counted from the item's 收到日, when recorded
        from dataclasses import replace

        found = replace(found, reply_anchor_date=item.received_on)
    return found


def session_rule_set(session: Any, kind: str, *, written_reply_due: dt.date | None = None) -> deadlines.RuleSet:
    """The rules of the items of one ``kind`` in ``session`` (``rule_set_for`` of each of
    them, but for a deadline written in a 三书一函 document, which comes in)."""
    from dataclasses import replace

    return replace(rules.rule_set(session), reply_clock=deadlines.reply_clock_key(kind),
                   written_reply_due=written_reply_due)


def compute_dates(item: Item, role: str, assigned_on: dt.date,
                  reply_due: dt.date | None = None) -> dict[str, deadlines.Deadline]:
    return deadlines.assignment_deadlines(
        assigned_on, role, rule_set_for(item), rules.work_calendar(), reply_due=reply_due
    )


def return_pauses(a: Any) -> list[deadlines.Pause]:
    """The spans in which the unit's clocks stood still when its profile stops them during a
    return request (DOMAIN.md §3): its rejected return requests, (local day asked, local day
    decided). An approved one returned the assignment: no pause."""
    rows = (ReturnRequest.select(ReturnRequest.requested_at, ReturnRequest.decided_at)
            .where((ReturnRequest.assignment == a.id)
                   & (ReturnRequest.status == RequestStatus.REJECTED.value)
                   & ReturnRequest.decided_at.is_null(False)))
    return [(clock.local_date(r.requested_at), clock.local_date(r.decided_at)) for r in rows]


def paused(computed: dict[str, deadlines.Deadline], pauses: list[deadlines.Pause],
           item_rules: deadlines.RuleSet, cal: Any, *,
           office_reply_due: dt.date | None = None) -> dict[str, deadlines.Deadline]:
    """``computed`` after the return ``pauses`` (deadlines.with_pauses), when ``item_rules`` stop
    the clocks during a return request; else as it is. A reply date the office set
    (``office_reply_due``) already carries the pauses of its assignment (decide_return moved it):
    it stays, but not past the (paused) maximum."""
    if item_rules.clocks_run_during_return or not pauses:
        return computed
    from dataclasses import replace

    out = dict(computed)
    for key in deadlines.PAUSABLE_KEYS:
        if key in out and not (key == "reply_due" and office_reply_due is not None):
            out[key] = deadlines.with_pauses(out[key], pauses, cal, item_rules.roll_forward)
    if office_reply_due is not None and "reply_due" in out:
        out["reply_due"] = replace(out["reply_due"], due=min(office_reply_due, out["reply_due_max"].due))
    return out


def preview_dates(item: Item, role: str, assigned_on: dt.date | None = None) -> dict[str, Any]:
    """Dates the assignment form pre-fills, with their explanations and calendar warnings."""
    assigned_on = assigned_on or clock.today()
    computed = compute_dates(item, role, assigned_on)
    return {
        key: {"date": d.due.isoformat(), "why": d.explain(),
              "unconfirmed_years": list(d.unconfirmed_years)}
        for key, d in computed.items()
    }


def explain_dates(a: Assignment) -> dict[str, str]:
    """'Why this date' for each stored deadline of an assignment, in Chinese."""
    item = a.item
    item_rules = rule_set_for(item)
    cal = rules.work_calendar()
    computed = deadlines.assignment_deadlines(a.assigned_on, a.role, item_rules, cal)
    if not item_rules.clocks_run_during_return:
        computed = paused(computed, return_pauses(a), item_rules, cal)
    out: dict[str, str] = {}
    for key in DATE_FIELDS:
        stored = getattr(a, key)
        if stored is None:
            continue
        d = computed.get(key)
        if d is None:
            continue
        text = d.explain()
        if key == "reply_due" and a.reply_due_set_by_office and stored != d.due:
            text = (f"交办单位在交办时将答复期限定为 {stored.isoformat()}"
                    f"（按规则计算为 {d.due.isoformat()}；最长不超过 {a.reply_due_max.isoformat()}）。")
        elif stored != d.due:
            text = f"{stored.isoformat()}（按现行规则计算应为 {d.due.isoformat()}）。{text}"
        out[key] = text
    if a.extended_due:
        out["extended_due"] = (f"经批准延期至 {a.extended_due.isoformat()}；"
                               f"原答复期限 {a.reply_due.isoformat()}。")
    if a.rehandle_due:
        out["rehandle_due"] = (f"重新办理期限 {a.rehandle_due.isoformat()}（第 {a.round} 轮），"
                               "由交办单位在要求重新办理时确定，自要求之日起计算，不受首轮答复最长期限限制。")
    return out


def unconfirmed_years(a: Assignment) -> list[int]:
    """The years of the assignment's dates whose working calendar nobody has confirmed."""
    dates = [getattr(a, k) for k in DATE_FIELDS if getattr(a, k)]
    return list(rules.work_calendar().unconfirmed_years(a.assigned_on, max(dates))) if dates else []


def unconfirmed_warning(a: Assignment) -> str | None:
    years = unconfirmed_years(a)
    if years:
        return "注意：" + "、".join(str(y) for y in years) + " 年的工作日历尚未确认，相关日期按周一至周五计算，请管理员核对节假日安排。"
    return None


def recompute_open_deadlines(*, actor: Any, reason: str, item_id: int | None = None) -> int:
    """After a calendar or profile change (or, with ``item_id``, a change of one item's
    written deadline): recompute the dates of open assignments only.

    Each recomputed assignment's audit entry names its unit and the dates old → new; each unit
    whose dates changed is told once, item by item (``deadline_notice.tell_unit``, which brings an
    unread notice of the same kind up to date rather than adding another)."""
    from tracker.assignments import deadline_notice
    from tracker.items.models import Session

    changed = 0
    open_states = [s.value for s in (AssignmentStatus.PENDING_RECEIPT, AssignmentStatus.HANDLING,
                                     AssignmentStatus.RETURN_REQUESTED)]
    touched_units: dict[int, deadline_notice.Lines] = {}
    query = (Assignment.select(Assignment, Item, Session, Unit)
             .join(Item, on=(Assignment.item == Item.id)).join(Session, on=(Item.session == Session.id))
             .switch(Assignment).join(Unit, on=(Assignment.unit == Unit.id))
             .where(Assignment.status.in_(open_states)).order_by(Session.id, Item.id, Assignment.id))
    if item_id is not None:
        query = query.where(Assignment.item == item_id)
    # the rejected return requests of those assignments (return_pauses), in one query
    pauses: dict[int, list[deadlines.Pause]] = {}
    rejected = (ReturnRequest.select(ReturnRequest.assignment, ReturnRequest.requested_at, ReturnRequest.decided_at)
                .join(Assignment).where(Assignment.status.in_(open_states)
                                        & (ReturnRequest.status == RequestStatus.REJECTED.value)
                                        & ReturnRequest.decided_at.is_null(False)))
    if item_id is not None:
        rejected = rejected.where(Assignment.item == item_id)
    for r in rejected:
        pauses.setdefault(r.assignment_id, []).append(
            (clock.local_date(r.requested_at), clock.local_date(r.decided_at)))
    cal = rules.work_calendar()
    with db.atomic():
        for a in query:
            office_reply = a.reply_due if a.reply_due_set_by_office else None
            item_rules = rule_set_for(a.item)
            computed = paused(deadlines.assignment_deadlines(a.assigned_on, a.role, item_rules, cal,
                                                             reply_due=office_reply),
                              pauses.get(a.id, []), item_rules, cal, office_reply_due=office_reply)
            before, after = {}, {}
            for key in DATE_FIELDS:
                new = computed[key].due if key in computed else None
                old = getattr(a, key)
                if new != old:
                    before[key], after[key] = old, new
                    setattr(a, key, new)
            if after:
                a.current_due = current_due_of(a)
                a.updated_at = clock.now()
                a.save()
                changes = deadline_notice.changes_of(before, after)
                audit.record("deadline_recomputed", a, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                             before={k: v.isoformat() if v else None for k, v in before.items()},
                             after={k: v.isoformat() if v else None for k, v in after.items()},
                             detail=f"{reason}，{a.unit.name}：{deadline_notice.changes_text(changes)}")
                lines = touched_units.setdefault(a.unit_id, {})
                lines[deadline_notice.item_label(a.item)] = changes
                changed += 1
        for unit_id, lines in touched_units.items():
            deadline_notice.tell_unit(unit_id, reason, lines)
    return changed


# --- assign ---------------------------------------------------------------------------------


def _mode_of(roles: list[str]) -> str:
    if HandlingRole.CO.value in roles or HandlingRole.LEAD.value in roles:
        return HandlingMode.LEAD_CO.value if HandlingRole.CO.value in roles else HandlingMode.SOLE.value
    if HandlingRole.SEPARATE.value in roles:
        return HandlingMode.SEPARATE.value
    return HandlingMode.SOLE.value


_ROLES = frozenset(r.value for r in HandlingRole)
_LEAD, _SOLE, _SEPARATE, _CO = (HandlingRole.LEAD.value, HandlingRole.SOLE.value, HandlingRole.SEPARATE.value,
                                HandlingRole.CO.value)


def _validate_roles(existing: list[str], new_role: str) -> str | None:
    roles = existing + [new_role]
    if new_role not in _ROLES:
        return "承办方式不正确"
    if roles.count(_LEAD) > 1:
        return "主办单位只能有一个"
    if roles.count(_SOLE) > 1 or (_SOLE in roles and len(roles) > 1):
        return "独办件只能交办一个单位"
    if _SEPARATE in roles and (_LEAD in roles or _CO in roles):
        return "分办不能与主办、会办混用"
    return None


_LEADER_LED = Tier.LEADER_LED.value
_UNIT_ROLES = (Role.UNIT_HANDLER.value, Role.UNIT_LEADER.value)
_PENDING_RECEIPT = AssignmentStatus.PENDING_RECEIPT.value


def scorecard_kind(role: str) -> str:
    """Which default scorecard (定考核办法) an assignment in ``role`` gets."""
    return "co" if role == _CO else "lead"


def scorecard_problem(scorecard: Any, role: str) -> str | None:
    """Why the chosen 考核办法 cannot assess an assignment in ``role``, or None: a co unit's card
    scores its opinion (会办意见), an answering unit's its reply, so each fits one side only (a
    lead unit scored on "会办意见按时提交" would read 0 for an opinion it never owes); a card
    the administrator has stopped (停用) is not given to new assignments."""
    kind = scorecard_kind(role)
    if scorecard.applies_to != kind:
        side = "会办单位" if kind == "co" else "主办、独办、分办单位"
        other = "会办" if scorecard.applies_to == "co" else "主办（答复）"
        return f"考核办法“{scorecard.name}”用于{other}考核，不适用于{side}"
    if not scorecard.active:
        return f"考核办法“{scorecard.name}”已停用"
    return None


# dates(role, assigned_on, reply_due) -> {"receipt_due": Deadline, ...}
DateRule = Callable[[str, dt.date, Any], dict]


def date_rule(item_rules: deadlines.RuleSet, cal: Any) -> DateRule:
    """``dates(role, assigned_on, reply_due)``: an assignment's deadlines under ``item_rules``."""
    def dates(role: str, assigned_on: dt.date, reply_due: dt.date | None) -> dict[str, deadlines.Deadline]:
        return deadlines.assignment_deadlines(assigned_on, role, item_rules, cal, reply_due=reply_due)

    return dates


def assigned_on_problem(assigned_on: dt.date, *, received_on: dt.date | None, registered_on: dt.date,
                        today: dt.date) -> str | None:
    """The rule of an assignment's date (交办日期), or None when it keeps it: not after today, and
    not before the item reached the office — its 收到日期, or the day it was registered when it
    has none. An earlier date would start the unit's clocks before the item existed and count
    days overdue from then."""
    if assigned_on > today:
        return f"交办日期 {assigned_on.isoformat()} 不能晚于今天"
    if received_on is not None:
        if assigned_on < received_on:
            return f"交办日期 {assigned_on.isoformat()} 不能早于该件的收到日期 {received_on.isoformat()}"
    elif assigned_on < registered_on:
        return f"交办日期 {assigned_on.isoformat()} 不能早于该件的登记日期 {registered_on.isoformat()}"
    return None


def plan_assignment(*, actor: Any, item_tier: str, item_leader_id: int | None,
                    item_received_on: dt.date | None, item_registered_on: dt.date,
                    existing: list[tuple[str, int]], unit: Unit | None, unit_id: int | None = None,
                    role: str, task: str = "", responsible_leader: str = "", handler: Any = None,
                    handler_id: int | None = None,
                    handler_phone: str = "", scorecard: Any = None, scorecard_id: int | None = None,
                    assigned_on: dt.date, reply_due: dt.date | None = None,
                    reassigned_from: Assignment | None = None, item_rules: deadlines.RuleSet,
                    cal: Any, dates: DateRule | None = None,
                    now: dt.datetime | None = None) -> tuple[dict[str, str], dict[str, Any]]:
    """The rules of assigning an item to a unit with the five fixes (DOMAIN.md §4): the
    errors (field -> Chinese message) and, when there are none, the new assignment's
    columns but ``item`` — the five fixes, the deadlines and ``current_due``.

    The one home of these rules, for :func:`assign` and the Excel import. What they need
    from the database comes in: the item's tier and leader, its 收到日期 and the (local) day
    it was registered (:func:`assigned_on_problem`), the (role, unit id) of its
    assignments that are not void, the ``unit`` (the one asked for as ``unit_id``; None if
    there is none), the ``handler`` account named by ``handler_id`` (None if there is none),
    the ``scorecard`` (the one named by ``scorecard_id``, else the default one of
    :func:`scorecard_kind`), the item's rules and the working calendar. ``dates`` (default:
    :func:`date_rule`) computes the deadlines; a bulk caller passes a cached one, as the
    dates depend only on (role, assigned_on, reply_due) for the items of one session and
    kind."""
    errors: dict[str, str] = {}
    now = now or clock.now()
    date_problem = assigned_on_problem(assigned_on, received_on=item_received_on, registered_on=item_registered_on,
                                       today=clock.local_date(now))
    if date_problem:
        errors["assigned_on"] = date_problem
    if unit_id is None and unit is not None:
        unit_id = unit.id
    if unit is None or not unit.active:
        errors["unit_id"] = "承办单位不存在或已停用"
    problem = _validate_roles([r for r, _ in existing], role)
    if problem:
        errors["role"] = problem
    if unit is not None and any(unit_id == unit.id for _, unit_id in existing):
        errors["unit_id"] = f"该件已交办给“{unit.name}”"
    if handler_id:
        if handler is None or handler.unit_id != unit_id or handler.role not in _UNIT_ROLES:
            errors["handler_id"] = "经办人须为该承办单位的用户"
    else:
        handler = None
    if not (task or "").strip():
        errors["task"] = "请填写办理任务（定任务）"
    if not (responsible_leader or "").strip():
        errors["responsible_leader"] = "请填写责任领导（定责任）"
    if handler is None and "handler_id" not in errors:
        errors["handler_id"] = "请指定经办人（定人员）"
    if scorecard_id and scorecard is None:
        errors["scorecard_id"] = "考核办法不存在"
    elif scorecard_id:
        problem = scorecard_problem(scorecard, role)
        if problem:
            errors["scorecard_id"] = problem
    if date_problem:  # the reply date is checked against the assignment date once that is right
        pass
    elif reply_due is not None:
        msg = deadlines.validate_reply_due(reply_due, assigned_on, item_rules, cal)
        if msg:
            errors["reply_due"] = msg
    elif item_rules.written_reply_due is not None and item_rules.written_reply_due < assigned_on:
        errors["reply_due"] = (f"文书载明的期限 {item_rules.written_reply_due.isoformat()} 早于交办日期 "
                               f"{assigned_on.isoformat()}，请指定答复期限")
    if item_tier == _LEADER_LED and not item_leader_id:
        errors["leader_id"] = "市领导领办件须先指定领办领导"
    if errors:
        return errors, {}

    dates = dates or date_rule(item_rules, cal)
    computed = dates(role, assigned_on, reply_due)
    fields: dict[str, Any] = {
        "unit": unit.id, "role": role, "status": _PENDING_RECEIPT,
        "task": task.strip(), "responsible_leader": responsible_leader.strip(), "handler": handler.id,
        "handler_phone": (handler_phone or (handler.phone if handler else "")).strip(),
        "scorecard": scorecard.id if scorecard is not None else None, "assigned_on": assigned_on,
        "reply_due_set_by_office": (reply_due is not None
                                    and reply_due != dates(role, assigned_on, None)["reply_due"].due),
        "assigned_by": actor.id, "reassigned_from": reassigned_from.id if reassigned_from is not None else None,
        "created_at": now, "updated_at": now,
    }
    for key in DATE_FIELDS:
        fields[key] = computed[key].due if key in computed else None
    fields["current_due"] = current_due_of(SimpleNamespace(
        role=role, round=1, co_opinion_due=fields["co_opinion_due"], reply_due=fields["reply_due"],
        rehandle_due=None, extended_due=None))
    return errors, fields


def assigned_audit(unit: Unit, handler: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """The ``after`` and ``detail`` of an "assigned" audit entry."""
    role, reply_due = fields["role"], fields["reply_due"].isoformat()
    # a co unit does not reply to the submitter: its date is the opinion it owes the lead unit
    due = (f"会办意见期限 {fields['co_opinion_due'].isoformat()}"
           if role == HandlingRole.CO.value and fields.get("co_opinion_due") else f"答复期限 {reply_due}")
    return {
        "after": {"unit": unit.name, "role": role, "handler": handler.display if handler else "",
                  "reply_due": reply_due, "task": fields["task"]},
        "detail": f"交办{unit.name}（{label(role, HandlingRole)}），{due}",
    }


def assign(item: Item, *, actor: Any, unit_id: int | None, role: str, task: str = "",
           responsible_leader: str = "", handler_id: int | None = None, handler_phone: str = "",
           assigned_on: dt.date | None = None, reply_due: dt.date | None = None,
           scorecard_id: int | None = None, reassigned_from: Assignment | None = None,
           notify_unit: bool = True) -> Assignment:
    """Assign an item to a unit with the five fixes (DOMAIN.md §4)."""
    ensure(policy.can(actor, Action.ASSIGN, item))
    items.ensure_writable(item)
    unit = Unit.get_or_none(Unit.id == unit_id) if unit_id else None
    existing = list(
        Assignment.select().where(
            (Assignment.item == item.id) & (Assignment.status != AssignmentStatus.RETURNED.value)
        )
    )
    handler = User.get_or_none(User.id == handler_id) if handler_id else None
    if scorecard_id:
        from tracker.assessment.models import Scorecard

        scorecard = Scorecard.get_or_none(Scorecard.id == scorecard_id)
    else:
        from tracker.assessment.services import default_scorecard

        scorecard = default_scorecard(scorecard_kind(role))
    errors, fields = plan_assignment(
        actor=actor, item_tier=item.tier, item_leader_id=item.leader_id,
        item_received_on=item.received_on, item_registered_on=clock.local_date(item.registered_at),
        existing=[(a.role, a.unit_id) for a in existing], unit=unit, unit_id=unit_id, role=role, task=task,
        responsible_leader=responsible_leader, handler=handler, handler_id=handler_id,
        handler_phone=handler_phone, scorecard=scorecard, scorecard_id=scorecard_id,
        assigned_on=assigned_on or clock.today(), reply_due=reply_due, reassigned_from=reassigned_from,
        item_rules=rule_set_for(item), cal=rules.work_calendar(),
    )
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)

    with db.atomic():
        a = Assignment(item=item, **fields)
        a.unit, a.handler, a.scorecard, a.reassigned_from = unit, handler, scorecard, reassigned_from
        a.save()
        roles = [x.role for x in existing] + [role]
        Item.update(handling_mode=_mode_of(roles)).where(Item.id == item.id).execute()
        item.handling_mode = _mode_of(roles)
        audit.record("assigned", a, actor=actor, item_id=item.id, unit_id=unit.id,
                     **assigned_audit(unit, handler, fields))
        items.refresh_status(item)
        if notify_unit:
            notify([handler, *unit_users(unit.id, (Role.UNIT_LEADER,))],
                   f"交办通知：{item.number}号 {item.title}",
                   f"{label(HandlingRole(role))}，请于 {a.receipt_due.isoformat()} 前签收，"
                   + (f"会办意见请于 {a.co_opinion_due.isoformat()} 前提交主办单位。"
                      if role == HandlingRole.CO.value and a.co_opinion_due
                      else f"答复期限 {a.reply_due.isoformat()}。"), item=item)
    return a


def assign_many(item: Item, *, actor: Any, tier: str, leader_id: int | None,
                units: list[dict], common: dict | None = None) -> list[Assignment]:
    """The assignment desk: set the tier and assign several units at once, all or nothing."""
    ensure(policy.can(actor, Action.ASSIGN, item))
    if not units:
        raise ValidationFailed("请至少选择一个承办单位", fields={"units": "请至少选择一个承办单位"})
    with db.atomic():
        changes: dict[str, Any] = {}
        if tier and tier != item.tier:
            changes["tier"] = tier
        if leader_id != item.leader_id and (leader_id or item.leader_id):
            changes["leader_id"] = leader_id
        if changes:
            item = items.edit_item(item, actor=actor, **changes)
        created = []
        # Check every unit before giving up, so the desk can show each unit's problems at once.
        unit_errors: dict[int, ValidationFailed] = {}
        for index, spec in enumerate(units):
            try:
                created.append(assign(item, actor=actor, **{**(common or {}), **spec}))
            except ValidationFailed as exc:
                unit_errors[index] = exc
        if unit_errors:
            first = next(iter(unit_errors.values()))
            exc = ValidationFailed(first.message, fields=first.fields)
            exc.unit_errors = {i: e.fields for i, e in unit_errors.items()}  # index in ``units``
            raise exc
    return created


# --- unit actions ---------------------------------------------------------------------------


# States in which the office may still adjust the five fixes of an assignment.
ADJUSTABLE = frozenset({AssignmentStatus.PENDING_RECEIPT, AssignmentStatus.HANDLING, AssignmentStatus.RETURN_REQUESTED,
                        AssignmentStatus.OPINION_SUBMITTED, AssignmentStatus.REHANDLING})


def open_duties_of(user: Any) -> list[Assignment]:
    """The assignments that name ``user`` as their handler (定人员) while the unit still handles
    them (:data:`ADJUSTABLE`: from 签收 to the reply or the co opinion, and re-handling) on an item
    still open, with their items and units, in the items' order. Moving such a user to another
    unit, taking their unit role or deactivating them would leave these with a handler who can no
    longer act on them: the office first names another (:func:`transfer_duties` for all of them at
    once, :func:`adjust_assignment` for one). Once the reply is out, the handler named is a record
    of who handled it."""
    return list(Assignment.select(Assignment, Item, Unit)
                .join(Item, on=(Assignment.item == Item.id))
                .switch(Assignment).join(Unit, on=(Assignment.unit == Unit.id))
                .where((Assignment.handler == user.id)
                       & Assignment.status.in_(sorted(s.value for s in ADJUSTABLE))
                       & Item.status.not_in(sorted(s.value for s in workflow.ITEM_TERMINAL)))
                .order_by(Item.id, Assignment.id))


def adjust_blocker(a: Assignment) -> str | None:
    """Why the office cannot adjust the assignment now (Chinese), or None."""
    if a.item.is_read_only:
        return f"该件{label(ItemStatus(a.item.status))}，不能再调整"
    status = AssignmentStatus(a.status)
    if status not in ADJUSTABLE:
        return f"该承办任务{label(status)}，不能再调整"
    return None


def reply_due_adjustable(a: Assignment) -> bool:
    """The office sets the reply date of an answering unit's first round here; a co unit's date
    follows the lead's, and a re-handling round has its own (set when re-handling is ordered)."""
    return a.role != HandlingRole.CO.value and (a.round or 1) == 1


# What an adjustment of the five fixes may change, in the order its summary names them.
ADJUSTED_FIELDS = {"task": "办理任务", "responsible_leader": "责任领导", "handler": "经办人",
                   "handler_phone": "经办人电话", "reply_due": "答复期限"}
NOTE_MAX = 500  # the office's note on an adjustment or a transfer


def _handler_phone(a: Assignment, handler: User, typed: str = "") -> str:
    """The handler's phone an adjustment records: the one typed, else the new handler's account's
    (when the handler changes), else the one recorded."""
    return typed or (handler.phone if handler.id != a.handler_id else a.handler_phone) or ""


def _write_adjustment(a: Assignment, *, actor: Any, before: dict[str, str], after: dict[str, str],
                      fields: dict[str, Any], note: str = "", heading: str = "调整交办内容") -> str | None:
    """Write one adjustment of an assignment's five fixes, inside the caller's transaction: the
    columns in ``fields`` with the version bump (StaleVersion when someone changed the assignment
    since ``a`` was read) and the audit entry with the before and after (keys of
    :data:`ADJUSTED_FIELDS`) of what changed. Returns the summary of the change ("经办人：甲 → 乙；…")
    for the unit's notification, or None — writing nothing — when nothing changed."""
    changed = [k for k in ADJUSTED_FIELDS if k in before and before[k] != after[k]]
    if not changed:
        return None
    what = "；".join(f"{ADJUSTED_FIELDS[k]}：{before[k] or '（空）'} → {after[k]}" for k in changed
                    if k != "task") + ("；办理任务已修改" if "task" in changed else "")
    rows = (Assignment.update(**fields, version=Assignment.version + 1, updated_at=clock.now())
            .where((Assignment.id == a.id) & (Assignment.version == a.version)).execute())
    if rows != 1:
        raise StaleVersion()
    audit.record("assignment_edited", a, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                 before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
                 detail=f"{heading}（{a.unit.name}）：{what}" + (f"。说明：{note}" if note else ""))
    return what


def adjust_assignment(a: Assignment, *, actor: Any, task: Any, responsible_leader: Any, handler_id: Any,
                      handler_phone: Any = "", reply_due: Any = None, note: Any = "",
                      version: Any = None) -> Assignment:
    """The office adjusts the five fixes of an open assignment (DOMAIN.md §4: 定任务, 定责任,
    定人员, 定时限 within the cap; the 定考核办法 stays as assigned): e.g. a handler who left, or more
    time for a hard item. Bad input raises ValidationFailed and changes nothing; the change is
    logged with before and after, and the unit is told."""
    ensure(policy.can(actor, Action.EDIT_ASSIGNMENT, a), "只有交办单位可以调整交办内容")
    a = Assignment.get_by_id(a.id)
    why_not = adjust_blocker(a)
    if why_not:
        raise Conflict(why_not, code="not_adjustable")
    items.check_version(a, version)
    errors: dict[str, str] = {}
    task = str(task or "").strip()
    leader = str(responsible_leader or "").strip()
    phone = str(handler_phone or "").strip()
    if not task:
        errors["task"] = "请填写办理任务（定任务）"
    elif len(task) > 2000:
        errors["task"] = "不能超过 2000 字"
    if not leader:
        errors["responsible_leader"] = "请填写责任领导（定责任）"
    elif len(leader) > 100:
        errors["responsible_leader"] = "不能超过 100 字"
    if len(phone) > 50:
        errors["handler_phone"] = "不能超过 50 字"
    handler = _user_or_none(handler_id)
    if handler is None or handler.unit_id != a.unit_id or handler.role not in _UNIT_ROLES or not handler.active:
        errors["handler_id"] = "经办人须为该承办单位的在职用户（定人员）"
    new_due = a.reply_due
    if reply_due not in (None, "") and not reply_due_adjustable(a) and clock.as_date(reply_due) != a.reply_due:
        errors["reply_due"] = "会办单位的答复期限随主办单位，重新办理的期限在重新办理时确定，不在此调整"
    elif reply_due not in (None, "") and reply_due_adjustable(a):
        new_due = clock.as_date(reply_due)
        if new_due is None:
            errors["reply_due"] = "日期格式不正确，应为 YYYY-MM-DD"
        elif new_due != a.reply_due:
            msg = deadlines.validate_reply_due(new_due, a.assigned_on, rule_set_for(a.item), rules.work_calendar(),
                                               stored_cap=a.reply_due_max)
            if msg:
                errors["reply_due"] = msg
    note = str(note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = f"不能超过 {NOTE_MAX} 字"
    if errors:
        raise ValidationFailed("交办内容未调整：" + "；".join(errors.values()), fields=errors)

    phone = _handler_phone(a, handler, phone)
    before = {"task": a.task, "responsible_leader": a.responsible_leader, "handler": a.handler.display if a.handler else "",
              "handler_phone": a.handler_phone, "reply_due": a.reply_due.isoformat()}
    after = {"task": task, "responsible_leader": leader, "handler": handler.display, "handler_phone": phone,
             "reply_due": new_due.isoformat()}
    fields: dict[str, Any] = {"task": task, "responsible_leader": leader, "handler": handler.id,
                              "handler_phone": phone}
    if new_due != a.reply_due:
        fields["reply_due"] = new_due
        fields["reply_due_set_by_office"] = True
        fields["current_due"] = current_due_of(SimpleNamespace(
            role=a.role, round=a.round, co_opinion_due=a.co_opinion_due, reply_due=new_due,
            rehandle_due=a.rehandle_due, extended_due=a.extended_due))
    with db.atomic():
        what = _write_adjustment(a, actor=actor, before=before, after=after, fields=fields, note=note)
        if what is None:
            return a
        notify(unit_users(a.unit_id), f"交办内容已调整：{a.item.number}号 {a.item.title}",
               what + (f"。说明：{note}" if note else ""), item=a.item)
    return Assignment.get_by_id(a.id)


def _user_or_none(user_id: Any) -> User | None:
    try:
        return User.get_or_none(User.id == int(user_id)) if user_id not in (None, "") else None
    except (TypeError, ValueError):
        return None


# --- 移交经办任务: a handler's open assignments to a colleague at once ------------------------


def transfer_candidates(from_user: Any) -> list[User]:
    """Who may take over ``from_user``'s assignments: the active users of the same unit with a unit
    role (those :func:`adjust_assignment` accepts as handler), but ``from_user``."""
    if not from_user.unit_id:
        return []
    return list(User.select().where((User.unit == from_user.unit_id) & User.role.in_(_UNIT_ROLES)
                                    & (User.active == True) & (User.id != from_user.id))  # noqa: E712
                .order_by(User.role, User.id))


def transfer_target_problem(from_user: Any, to_user: User | None) -> str | None:
    """Why ``to_user`` cannot take over ``from_user``'s assignments (Chinese), or None."""
    if to_user is None:
        return "请选择新的经办人"
    if to_user.id == from_user.id:
        return "新的经办人不能是原经办人"
    if to_user.role not in _UNIT_ROLES:
        return f"{to_user.display}不是承办单位的经办人或负责人，不能作为经办人"
    if not from_user.unit_id or to_user.unit_id != from_user.unit_id:
        unit = Unit.get_or_none(Unit.id == from_user.unit_id) if from_user.unit_id else None
        return (f"新的经办人须为原经办人所在单位（{unit.name}）的用户" if unit is not None
                else "原经办人不属于任何承办单位，请在各件的“调整交办”中逐件更换经办人")
    if not to_user.active:
        return f"{to_user.display}的账号已停用，不能作为经办人"
    return None


def transfer_duties(from_user: Any, *, actor: Any, to_user_id: Any, assignment_ids: Any = None,
                    note: Any = "") -> list[Assignment]:
    """移交经办任务: the office names ``to_user_id`` — an active colleague of ``from_user`` in the
    same unit, with a unit role — the handler (定人员) of ``from_user``'s open assignments
    (:func:`open_duties_of`; ``assignment_ids``: the ones chosen, by default all), e.g. before the
    user moves to another unit or leaves. Returns the assignments moved.

    All or nothing, in one transaction. Bad input raises ValidationFailed (field -> message). Each
    chosen assignment is re-read and re-checked: one the actor may not adjust raises
    PermissionDenied; one that is no longer ``from_user``'s, no longer adjustable
    (:func:`adjust_blocker`) or of another unit than the new handler's refuses the whole transfer
    (Conflict ``transfer_blocked``, naming the items; ``details`` lists them). Each assignment
    changes as :func:`adjust_assignment` changes a handler — the new handler's phone, the version
    bump, an ``assignment_edited`` audit entry with the handler's before and after — and each unit
    gets one notice listing its items (not one per item)."""
    ensure(policy.can(actor, policy.Perm.TRANSFER_DUTIES), "只有交办单位可以移交经办任务")
    errors: dict[str, str] = {}
    to_user = _user_or_none(to_user_id)
    problem = transfer_target_problem(from_user, to_user)
    if problem:
        errors["to_user_id"] = "新的经办人不存在" if to_user is None and to_user_id not in (None, "") else problem
    if assignment_ids is None:
        ids = [a.id for a in open_duties_of(from_user)]
        if not ids:
            errors["assignment_ids"] = f"{from_user.display}目前没有未办结的经办任务"
    else:
        try:
            ids = sorted({int(x) for x in assignment_ids})
        except (TypeError, ValueError):
            ids = []
            errors["assignment_ids"] = "所选承办任务不正确"
        else:
            if not ids:
                errors["assignment_ids"] = "请至少选择一项要移交的承办任务"
    note = str(note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = f"不能超过 {NOTE_MAX} 字"
    if errors:
        raise ValidationFailed("经办任务未移交：" + "；".join(errors.values()), fields=errors)

    with db.atomic():
        rows = list(Assignment.select(Assignment, Item, Unit)
                    .join(Item, on=(Assignment.item == Item.id))
                    .switch(Assignment).join(Unit, on=(Assignment.unit == Unit.id))
                    .where(Assignment.id.in_(ids)).order_by(Item.id, Assignment.id))
        details: list[dict[str, Any]] = [{"assignment_id": i, "number": None, "reason": "该承办任务不存在"}
                                         for i in sorted(set(ids) - {a.id for a in rows})]
        for a in rows:
            ensure(policy.can(actor, Action.EDIT_ASSIGNMENT, a), "只有交办单位可以调整交办内容")
            why = f"经办人已不是{from_user.display}" if a.handler_id != from_user.id else adjust_blocker(a)
            if why is None and a.unit_id != to_user.unit_id:
                why = f"承办单位为{a.unit.name}，{to_user.display}不是该单位的用户"
            if why:
                details.append({"assignment_id": a.id, "number": a.item.number, "reason": why})
        if details:
            named = "；".join(f"第{d['number']}号（{d['reason']}）" if d["number"] is not None
                             else f"编号 {d['assignment_id']}（{d['reason']}）" for d in details)
            raise Conflict(f"经办任务未移交，以下承办任务不能移交：{named}。所有任务均未更改，请刷新列表后重新选择。",
                           code="transfer_blocked", details=details)
        by_unit: dict[int, list[Assignment]] = {}
        for a in rows:
            phone = _handler_phone(a, to_user)
            try:
                _write_adjustment(a, actor=actor, heading="移交经办任务", note=note,
                                  before={"handler": from_user.display, "handler_phone": a.handler_phone},
                                  after={"handler": to_user.display, "handler_phone": phone},
                                  fields={"handler": to_user.id, "handler_phone": phone})
            except StaleVersion:
                raise Conflict(f"第{a.item.number}号的承办任务刚被他人修改，经办任务未移交（所有任务均未更改），"
                               "请刷新后重试", code="stale_version") from None
            by_unit.setdefault(a.unit_id, []).append(a)
        said = f"说明：{note}" if note else ""
        for unit_id, moved in by_unit.items():
            numbers = "、".join(f"{a.item.number}号" for a in moved[:10]) + ("等" if len(moved) > 10 else "")
            notify(unit_users(unit_id), f"经办任务已移交：{from_user.display} → {to_user.display}",
                   f"以下 {len(moved)} 项承办任务的经办人已由{from_user.display}改为{to_user.display}：{numbers}。"
                   + said)
    return list(Assignment.select().where(Assignment.id.in_([a.id for a in rows])).order_by(Assignment.id))


def get_assignment_for(user: Any, assignment_id: int) -> Assignment:
    a = Assignment.get_or_none(Assignment.id == assignment_id)
    if a is None or not policy.can_view_assignment(user, a):
        raise NotFound()
    return a


def receive(a: Assignment, *, actor: Any) -> Assignment:
    ensure(policy.can(actor, Action.RECEIVE, a))
    items.ensure_writable(a.item)
    with db.atomic():
        _transition(a, Action.RECEIVE)
        Assignment.update(received_at=clock.now(), received_by=actor.id).where(
            Assignment.id == a.id).execute()
        a.received_by = actor.id
        late = clock.today() > a.receipt_due
        audit.record("received", a, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                     detail=f"{a.unit.name}签收" + ("（逾期签收）" if late else ""))
        items.refresh_status(a.item)
    return a


def request_return(a: Assignment, *, actor: Any, reason: str, today: dt.date | None = None,
                   late: bool = False) -> ReturnRequest:
    """申退. A unit asks within the window (``return_due``); after it, only the office may accept
    the unit's request (``late``: DOMAIN.md §3, "later requests refused unless the office
    overrides"), which it then decides like any other."""
    ensure(policy.can(actor, Action.ACCEPT_LATE_RETURN if late else Action.REQUEST_RETURN, a))
    items.ensure_writable(a.item)
    today = today or clock.today()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写申请退回的理由", fields={"reason": "请填写申请退回的理由"})
    if late and today <= a.return_due:
        raise Conflict(f"申退期限未过（截止 {a.return_due.isoformat()}），请由承办单位自行申请退回",
                       code="return_window_open")
    if not late and today > a.return_due:
        raise Conflict(
            f"申退期限已过（截止 {a.return_due.isoformat()}），不能再申请退回；"
            "如确需调整，请联系交办单位（督查室）处理。",
            code="return_window_closed",
        )
    if not workflow.assignment_allows(AssignmentStatus(a.status), Action.REQUEST_RETURN):
        workflow.assignment_next(AssignmentStatus(a.status), Action.REQUEST_RETURN)
    profile_rules = rules.rule_set(a.item.session)
    decision_due = deadlines.add_period(
        today, profile_rules.clocks["return_decision"], rules.work_calendar(),
        key="return_decision", roll_forward=profile_rules.roll_forward,
    ).due
    with db.atomic():
        _transition(a, Action.REQUEST_RETURN)
        req = ReturnRequest.create(assignment=a, reason=reason, requested_at=clock.now(), late_override=late,
                                   requested_by=actor.id, decision_due=decision_due)
        if late:
            detail = f"督查室受理{a.unit.name}逾期申退（申退期限 {a.return_due.isoformat()}）：{reason}"
        else:
            detail = f"{a.unit.name}申请退回：{reason}"
        audit.record("return_requested", req, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                     after={"reason": reason, "late_override": late}, detail=detail)
        items.refresh_status(a.item)
        if late:
            notify(unit_users(a.unit_id), f"督查室已受理逾期申退：{a.item.number}号 {a.item.title}",
                   f"理由：{sentence(reason)}审核期间请照常办理。", item=a.item)
        else:
            notify(office_users(), f"申退待审核：{a.item.number}号 {a.item.title}",
                   f"{a.unit.name}申请退回，理由：{sentence(reason)}请于 {decision_due.isoformat()} 前审核。",
                   item=a.item)
    return req


def decide_return(req: ReturnRequest, *, actor: Any, approve: bool, note: str = "",
                  reassign_to: dict | None = None) -> ReturnRequest:
    """Office decides a return request; on approval it may reassign in the same step."""
    a = req.assignment
    ensure(policy.can(actor, Action.APPROVE_RETURN, a))
    if req.status != RequestStatus.PENDING.value:
        raise Conflict("该申退申请已处理", code="already_decided")
    if not approve and not (note or "").strip():
        raise ValidationFailed("驳回申退须填写理由", fields={"note": "驳回申退须填写理由"})
    with db.atomic():
        _transition(a, Action.APPROVE_RETURN if approve else Action.REJECT_RETURN)
        req.status = (RequestStatus.APPROVED if approve else RequestStatus.REJECTED).value
        req.decided_at = clock.now()
        req.decided_by = actor.id
        req.decision_note = (note or "").strip()
        req.save()
        verdict = "同意退回" if approve else "驳回申退"
        audit.record("return_decided", req, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                     after={"decision": req.status, "note": req.decision_note},
                     detail=f"{verdict}（{a.unit.name}）" + (f"：{req.decision_note}" if req.decision_note else ""))
        moved = "" if approve else _pause_for_return(a, req, actor=actor)
        notify(unit_users(a.unit_id), f"申退审核结果：{a.item.number}号",
               f"{verdict}。{sentence(req.decision_note) if moved else req.decision_note}{moved}", item=a.item)
        if approve:
            from tracker.handling import services as handling

            handling.lapse_pending_extensions(a, actor=actor, why="承办任务已退回")
        if approve and reassign_to:
            reassign_to = {"role": a.role, **reassign_to}
            assign(a.item, actor=actor, reassigned_from=a, **reassign_to)
        items.refresh_status(a.item)
    return req


def _pause_for_return(a: Assignment, req: ReturnRequest, *, actor: Any) -> str:
    """A rejected return request, when the item's profile stops the unit's clocks while one is
    pending (``clocks_run_during_return`` off, DOMAIN.md §3): move the unit's dates that had not
    passed when it asked by the days the review took (deadlines.apply_pauses), audited. Returns
    the sentence for the unit's notice ("" when nothing moved)."""
    from tracker.assignments import deadline_notice

    item_rules = rule_set_for(a.item)
    if item_rules.clocks_run_during_return:
        return ""
    start, end = clock.local_date(req.requested_at), clock.local_date(req.decided_at)
    days = (end - start).days
    stored = {key: getattr(a, key) for key in deadlines.PAUSABLE_KEYS}
    cal = rules.work_calendar()
    # the session's absolute date and a 三书一函's written deadline are no clocks (with_pauses);
    # a reply date the office set moves (paused() keeps it through recomputation)
    fixed = deadlines.fixed_keys(deadlines.assignment_deadlines(a.assigned_on, a.role, item_rules, cal))
    if a.reply_due_set_by_office:
        fixed -= {"reply_due"}
    moved = deadlines.apply_pauses(stored, [(start, end)], cal, item_rules.roll_forward, fixed=fixed)
    before = {k: v for k, v in stored.items() if moved[k] != v}
    after = {k: moved[k] for k in before}
    if not after:
        return ""
    for key, value in after.items():
        setattr(a, key, value)
    a.current_due = current_due_of(a)
    now = clock.now()
    rows = (Assignment.update(**after, current_due=a.current_due, version=Assignment.version + 1, updated_at=now)
            .where((Assignment.id == a.id) & (Assignment.version == a.version)).execute())
    if rows != 1:
        raise StaleVersion()
    a.version += 1
    a.updated_at = now
    changes = deadline_notice.changes_text(deadline_notice.changes_of(before, after))
    audit.record("deadline_recomputed", a, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                 before={k: v.isoformat() for k, v in before.items()},
                 after={k: v.isoformat() for k, v in after.items()},
                 detail=f"{a.unit.name}申退审核用时 {days} 天，期限顺延：{changes}")
    return f"申退审核期间暂停计时 {days} 天，期限顺延：{changes}。"


def pending_return_requests():
    return (ReturnRequest.select(ReturnRequest, Assignment, Item, Unit)
            .join(Assignment).join(Item).switch(Assignment).join(Unit)
            .where(ReturnRequest.status == RequestStatus.PENDING.value)
            .order_by(ReturnRequest.requested_at))


def get_return_request_for(user: Any, request_id: int) -> ReturnRequest:
    req = ReturnRequest.get_or_none(ReturnRequest.id == request_id)
    if req is None or not policy.can_view_assignment(user, req.assignment):
        raise NotFound()
    return req


def item_assignments(item: Item) -> list[Assignment]:
    order = {HandlingRole.LEAD.value: 0, HandlingRole.SOLE.value: 0, HandlingRole.SEPARATE.value: 1,
             HandlingRole.CO.value: 2}
    from tracker.assessment.models import Scorecard

    # the unit, the handler and the scorecard the item page shows, in the same query
    rows = list(Assignment.select(Assignment, Unit, User, Scorecard).join(Unit)
                .switch(Assignment).join(User, pw.JOIN.LEFT_OUTER, on=(Assignment.handler == User.id))
                .switch(Assignment).join(Scorecard, pw.JOIN.LEFT_OUTER)
                .where(Assignment.item == item.id))
    for a in rows:
        a.item = item  # the caller's copy: no query per assignment for ``a.item``
    return sorted(rows, key=lambda a: (a.status == AssignmentStatus.RETURNED.value,
                                       order.get(a.role, 3), a.id))


AWAITING_ME = "awaiting_me"  # the inbox tab of drafts waiting for this user's sign-off or co-signature


def _awaiting_me(user: Any) -> pw.Expression:
    """The unit's assignments whose reply waits for ``user``, a unit leader: a draft to sign off
    (on the unit's answering assignments), or the lead unit's draft to co-sign that this co unit
    has not co-signed in the current cycle. Nothing waits for a handler: both acts are leaders'."""
    from tracker.replies.models import Reply, ReplyCosign

    sign_off = (Assignment.role != HandlingRole.CO.value) & pw.fn.EXISTS(
        Reply.select(Reply.id).where((Reply.assignment == Assignment.id)
                                     & (Reply.status == ReplyStatus.AWAITING_SIGN_OFF.value)))
    lead = Assignment.alias("lead")
    cosign = ((Assignment.role == HandlingRole.CO.value)
              & (Assignment.status != AssignmentStatus.RETURNED.value)
              & pw.fn.EXISTS(
                  Reply.select(Reply.id).join(lead, on=(Reply.assignment == lead.id))
                  .where((lead.item == Assignment.item) & (lead.role == HandlingRole.LEAD.value)
                         & (Reply.status == ReplyStatus.AWAITING_COSIGN.value)
                         & ~pw.fn.EXISTS(ReplyCosign.select(ReplyCosign.id).where(
                             (ReplyCosign.reply == Reply.id) & (ReplyCosign.assignment == Assignment.id)
                             & (ReplyCosign.cycle == Reply.cycle))))))
    return (sign_off | cosign) if user.role in policy.SIGN_OFF_ROLES else (Assignment.id < 0)


def unit_inbox(user: Any, *, status: str | None = None):
    ensure(policy.can(user, policy.Perm.UNIT_INBOX))
    query = (Assignment.select(Assignment, Item).join(Item)
             .where(Assignment.unit == user.unit_id)
             .order_by(Assignment.current_due, Assignment.id))
    if status == AWAITING_ME:
        query = query.where(_awaiting_me(user))
    elif status:
        query = query.where(Assignment.status == status)
    return query


def unit_inbox_counts(user: Any) -> dict[str, int]:
    """How many of the unit's assignments are in each status (the inbox's tab counts), and how
    many wait for this user's sign-off or co-signature (``AWAITING_ME``)."""

    ensure(policy.can(user, policy.Perm.UNIT_INBOX))
    rows = (Assignment.select(Assignment.status, pw.fn.COUNT(Assignment.id).alias("n"))
            .where(Assignment.unit == user.unit_id).group_by(Assignment.status))
    counts = {row.status: row.n for row in rows}
    counts[""] = sum(counts.values())
    counts[AWAITING_ME] = (Assignment.select()
                           .where((Assignment.unit == user.unit_id) & _awaiting_me(user)).count())
    return counts
