"""Reminders: queueing notifications (outbox rows), the rule table, the notification centre,
and the office's manual 催办 / 督办 slips. Sending mail is the delivery job's work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from tracker.accounts import policy
from tracker.accounts.models import User
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import AssignmentStatus, HandlingRole, Role, SlipColor, label
from tracker.core.errors import Conflict, NotFound, ValidationFailed, ensure
from tracker.items.workflow import Action
from tracker.reminders import rules
from tracker.reminders.models import Notification, ReminderRule, Slip

# Notifications of these kinds also go out as a text message when an SMS gateway is set up.
SMS_KINDS = frozenset({"slip"})

# Assignment states in which a unit still owes its act (so a 催办 makes sense).
URGEABLE = frozenset(
    {
        AssignmentStatus.PENDING_RECEIPT.value,
        AssignmentStatus.HANDLING.value,
        AssignmentStatus.RETURN_REQUESTED.value,
        AssignmentStatus.REHANDLING.value,
    }
)

MANUAL_COLORS = (SlipColor.URGE.value, SlipColor.BLUE.value, SlipColor.ORANGE.value, SlipColor.RED.value)


# --- the rule table -------------------------------------------------------------------------


def ensure_default_rules() -> None:
    """Create the default schedule's rules that are missing (never overwrites an edit)."""
    existing = {key for (key,) in ReminderRule.select(ReminderRule.key).tuples()}
    for position, (key, text, event, offset, unit, recipients, slip, condition) in enumerate(
        rules.DEFAULT_RULES
    ):
        if key in existing:
            continue
        ReminderRule.insert(
            key=key,
            label=text,
            event=event,
            offset=offset,
            offset_unit=unit,
            recipients=recipients,
            slip=slip,
            condition=condition,
            position=position,
        ).on_conflict_ignore().execute()


def rules_ordered():
    return ReminderRule.select().order_by(ReminderRule.position, ReminderRule.id)


def to_spec(row: ReminderRule) -> rules.RuleSpec:
    return rules.RuleSpec(
        key=row.key,
        label=row.label,
        event=row.event,
        offset=row.offset,
        unit=row.offset_unit,
        recipients=tuple(row.recipients or ()),
        slip=row.slip or "",
        active=row.active,
        condition=row.condition or "",
    )


def rule_specs() -> list[rules.RuleSpec]:
    """The schedule as the pure evaluation sees it (inactive rules included, flagged)."""
    return [to_spec(row) for row in rules_ordered()]


def get_rule(rule_id: int) -> ReminderRule:
    row = ReminderRule.get_or_none(ReminderRule.id == rule_id)
    if row is None:
        raise NotFound()
    return row


def update_rule(
    rule: ReminderRule,
    *,
    actor: Any,
    label: str,
    offset: int | None,
    offset_unit: str,
    recipients: Iterable[str],
    slip: str,
    active: bool,
) -> ReminderRule:
    """An administrator edits one rule of the schedule; the change is audited."""
    ensure(policy.can(actor, policy.Perm.MANAGE_RULES))
    recipients = [r for r in rules.RECIPIENTS if r in set(recipients or ())] or list(recipients or ())
    errors = rules.validate_rule(
        label=label, offset=offset, unit=offset_unit, recipients=recipients, slip=slip or ""
    )
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    with db.atomic():
        row = ReminderRule.get_by_id(rule.id)
        before = {
            "label": row.label,
            "offset": row.offset,
            "offset_unit": row.offset_unit,
            "recipients": list(row.recipients or []),
            "slip": row.slip,
            "active": row.active,
        }
        row.label = label.strip()
        row.offset = int(offset)
        row.offset_unit = offset_unit
        row.recipients = recipients
        row.slip = slip or ""
        row.active = bool(active)
        row.updated_at = clock.now()
        row.save()
        after = {
            "label": row.label,
            "offset": row.offset,
            "offset_unit": row.offset_unit,
            "recipients": recipients,
            "slip": row.slip,
            "active": row.active,
        }
        b, a = audit.changes(before, after)
        if "offset" in a or "offset_unit" in a:
            # the whole "when" on both sides, so that the audit log words it: 答复期限前 5 个工作日
            for side, values in ((b, before), (a, after)):
                side.update(event=row.event, offset=values["offset"], offset_unit=values["offset_unit"])
        if a:
            audit.record(
                "reminder_rule_changed",
                row,
                actor=actor,
                before=b,
                after=a,
                detail=f"修改提醒规则“{row.label}”（{row.key}）",
            )
    return row


# --- queueing notifications -----------------------------------------------------------------


def notification_row(
    user: Any,
    title: str,
    body: str,
    *,
    item: Any = None,
    kind: str = "event",
    reminder: Any = None,
    now: dt.datetime | None = None,
) -> dict:
    """The outbox row for one person (in-app at once; e-mail and SMS by the delivery job)."""
    now = now or clock.now()
    return {
        "user": user.id,
        "kind": kind,
        "title": title[:200],
        "body": body,
        "item": getattr(item, "id", item),
        "reminder": getattr(reminder, "id", reminder),
        "created_at": now,
        "email_status": "pending" if user.email else "skipped",
        "email_next_at": now,
        "sms_status": "pending" if kind in SMS_KINDS and (user.phone or "").strip() else "",
    }


def notify(
    users: Iterable[Any],
    title: str,
    body: str = "",
    *,
    item: Any = None,
    kind: str = "event",
    reminder: Any = None,
) -> int:
    """Queue one notification per distinct active user (in-app now, e-mail by the outbox job)."""
    seen: set[int] = set()
    rows = []
    now = clock.now()
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        rows.append(notification_row(user, title, body, item=item, kind=kind, reminder=reminder, now=now))
    if rows:
        Notification.insert_many(rows).execute()
    return len(rows)


def unit_users(unit_id: int, roles: Iterable[Role] = (Role.UNIT_HANDLER, Role.UNIT_LEADER)):
    return list(
        User.select().where(
            (User.unit == unit_id) & (User.role.in_([r.value for r in roles])) & (User.active == True)  # noqa: E712
        )
    )


def office_users():
    return list(User.select().where((User.role == Role.OFFICE.value) & (User.active == True)))  # noqa: E712


# --- the notification centre ----------------------------------------------------------------


def get_notification_for(user: Any, notification_id: int) -> Notification:
    row = Notification.get_or_none((Notification.id == notification_id) & (Notification.user == user.id))
    if row is None:
        raise NotFound("未找到该消息")
    return row


def mark_read(notification: Notification, *, actor: Any) -> Notification:
    if notification.user_id != actor.id:
        raise NotFound("未找到该消息")
    if notification.read_at is None:
        now = clock.now()
        Notification.update(read_at=now).where(
            (Notification.id == notification.id) & Notification.read_at.is_null()
        ).execute()
        notification.read_at = now
    return notification


def mark_all_read(*, actor: Any) -> int:
    return (
        Notification.update(read_at=clock.now())
        .where((Notification.user == actor.id) & Notification.read_at.is_null())
        .execute()
    )


# --- manual 催办 / 督办 by the office -------------------------------------------------------


def throttle_hours() -> float:
    from tracker.rules.services import get_setting

    value = get_setting("urge_throttle_hours")
    try:
        return max(0.0, float(value if value is not None else 24))
    except (TypeError, ValueError):
        return 24.0


def owed_act(assignment: Any, today: dt.date | None = None) -> tuple[str, dt.date]:
    """What the unit owes now and by when: ("receipt"|"reply"|"co_opinion", due date).

    An unsigned assignment whose receipt date has passed owes its receipt first.
    """
    today = today or clock.today()
    if (
        assignment.status == AssignmentStatus.PENDING_RECEIPT.value
        and assignment.receipt_due
        and today > assignment.receipt_due
    ):
        return "receipt", assignment.receipt_due
    if assignment.role == HandlingRole.CO.value and assignment.co_opinion_due:
        return "co_opinion", assignment.co_opinion_due
    return "reply", assignment.current_due


ACT_LABELS = {"reply": "答复", "co_opinion": "会办意见", "receipt": "签收", "commitment": "承诺事项"}


def slip_recipients(assignment: Any, color: str) -> list[User]:
    """Who a slip goes to: the handler and the unit's leaders; a red slip also the city leader."""
    users: list[User] = []
    if assignment.handler_id:
        handler = User.get_or_none(User.id == assignment.handler_id)
        if handler is not None:
            users.append(handler)
    users.extend(unit_users(assignment.unit_id, (Role.UNIT_LEADER,)))
    if color == SlipColor.RED.value and assignment.item.leader_id:
        users.append(assignment.item.leader)
    return users


def last_manual_slip(assignment: Any) -> Slip | None:
    return (
        Slip.select()
        .where((Slip.assignment == assignment.id) & Slip.issued_by.is_null(False))
        .order_by(Slip.issued_at.desc(), Slip.id.desc())
        .first()
    )


def urge(
    assignment: Any,
    *,
    actor: Any,
    color: str = SlipColor.URGE.value,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Slip:
    """催办: the office presses the button on an assignment; throttled per assignment."""
    from tracker.items import services as items

    ensure(policy.can(actor, Action.ISSUE_SLIP, assignment))
    item = assignment.item
    items.ensure_writable(item)
    color = (color or SlipColor.URGE.value).strip()
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if color not in MANUAL_COLORS:
        errors["color"] = "请选择催办单或督办单颜色"
    if len(reason) > 500:
        errors["reason"] = "催办说明不能超过 500 个字符"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    if assignment.status not in URGEABLE:
        raise Conflict(
            f"该承办任务当前状态为“{label(AssignmentStatus(assignment.status))}”，无需催办",
            code="not_urgeable",
        )
    now = now or clock.now()
    hours = throttle_hours()
    last = last_manual_slip(assignment)
    if last is not None and hours and last.issued_at > now - dt.timedelta(hours=hours):
        who = last.issued_by.display if last.issued_by else "交办单位"
        again = clock.to_local(last.issued_at + dt.timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")
        raise Conflict(
            f"该承办任务已于 {clock.to_local(last.issued_at).strftime('%Y-%m-%d %H:%M')} 由{who}催办，"
            f"{hours:g} 小时内不能重复催办，请于 {again} 后再试",
            code="urge_throttled",
        )
    today = clock.local_date(now)
    act, due = owed_act(assignment, today)
    days = rules.overdue_days(due, today)
    color_label = label(SlipColor(color))
    unit_name = assignment.unit.name
    state = f"已超期 {days} 天" if days else f"期限 {due.isoformat()}"
    body = (
        f"交办单位（{actor.display}）发出{color_label}：{unit_name}的{ACT_LABELS[act]}"
        f"（期限 {due.isoformat()}）{'，' + state if days else ''}，请抓紧办理。"
        + (f"说明：{reason}" if reason else "")
    )
    with db.atomic():
        slip = Slip.create(
            assignment=assignment.id,
            color=color,
            issued_on=today,
            issued_at=now,
            issued_by=actor.id,
            reason=reason,
            key=None,
        )
        audit.record(
            "slip_issued",
            slip,
            actor=actor,
            item_id=item.id,
            unit_id=assignment.unit_id,
            after={"color": color, "reason": reason, "unit": unit_name},
            detail=f"{color_label}：{unit_name}（{ACT_LABELS[act]}，{state}）"
            + (f"，{reason}" if reason else ""),
        )
        notify(
            slip_recipients(assignment, color),
            f"{color_label}：{item.number}号 {item.title}",
            body,
            item=item,
            kind="slip",
        )
    return slip
