"""撤回: an item withdrawn before it is answered (DOMAIN.md §6).

The submitter withdraws in writing (a joint item needs every co-signer's consent); for a
三书一函 the issuing body withdraws its document (see also the objection decision in
:mod:`tracker.supervision.services`). The office records the written request: its date, its
reason and, for a joint item, that every co-signer agreed. The item becomes ``withdrawn``
(read-only, out of every count and every reminder) and each unit's open part ends (办结), so
no inbox keeps showing it; the units and the submitters are told.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tracker.accounts import policy
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import AssignmentStatus, ItemStatus, ReplyStatus, label
from tracker.core.errors import Conflict, StaleVersion, ValidationFailed, ensure
from tracker.items import services as items
from tracker.items import workflow
from tracker.items.models import Item
from tracker.items.workflow import Action

REASON_MAX = 2000


@dataclass(frozen=True)
class Withdrawal:
    """What the office recorded when the item was withdrawn (from the audit entry)."""

    at: dt.datetime
    actor_name: str
    requested_on: dt.date | None
    reason: str
    consent: bool
    detail: str


def is_joint(item: Item) -> bool:
    """A joint item (联名件): more than one submitter signed it."""
    from tracker.items.models import Submitter

    return Submitter.select().where(Submitter.item == item.id).count() > 1


def blocker(item: Item) -> str | None:
    """Why the item cannot be withdrawn now (a Chinese sentence), or None when it can."""
    status = ItemStatus(item.status)
    if status == ItemStatus.MERGED and item.merged_into_id:
        parent = Item.get_or_none(Item.id == item.merged_into_id)
        where = f"第{parent.number}号" if parent is not None else "他件"
        return f"该件已并入{where}办理，不能直接撤回；请先撤销并案，再登记撤回"
    if item.is_read_only:
        return f"该件{label(status)}，不能撤回"
    if status not in workflow.ITEM_WITHDRAWABLE:
        return f"该件当前状态为“{label(status)}”，已答复的件不能撤回"
    from tracker.items.merging import children

    if children(item):
        return "有其他件并入本件办理，请先撤销并案，再撤回本件"
    answered = answered_units(item)
    if answered:  # 分办: the item is still in progress, but a submitter already has a reply
        return f"{'、'.join(answered)}已答复，已答复的件不能撤回"
    return None


def answered_units(item: Item) -> list[str]:
    """The units that have sent a reply on the item (any round)."""
    from tracker.replies.models import Reply
    from tracker.units.models import Unit

    rows = (Unit.select(Unit.name).join(Assignment, on=(Assignment.unit == Unit.id))
            .join(Reply, on=(Reply.assignment == Assignment.id))
            .where((Assignment.item == item.id) & (Reply.status == ReplyStatus.SENT.value))
            .distinct().order_by(Unit.name).tuples())
    return [name for (name,) in rows]


def can_withdraw(user: Any, item: Item) -> bool:
    return policy.can(user, Action.WITHDRAW, item) and blocker(item) is None


def withdraw(item: Item, *, actor: Any, requested_on: Any, reason: Any, consent: bool = False,
             version: Any = None) -> Item:
    """Record the written request and withdraw the item; the units' open parts end. Bad input
    raises ValidationFailed with a message per field and changes nothing. Returns the item as
    it is now (read again: the caller's copy may be older than the database)."""
    ensure(policy.can(actor, Action.WITHDRAW, item), "只有交办单位可以登记撤回")
    item = Item.get_by_id(item.id)
    why_not = blocker(item)
    if why_not:
        raise Conflict(why_not, code="not_withdrawable")
    items.check_version(item, version)
    errors: dict[str, str] = {}
    day = clock.as_date(requested_on)
    if requested_on in (None, ""):
        errors["requested_on"] = "请填写书面申请撤回的日期"
    elif day is None:
        errors["requested_on"] = "日期格式不正确，应为 YYYY-MM-DD"
    elif day > clock.today():
        errors["requested_on"] = "申请日期不能晚于今天"
    text = str(reason or "").strip()
    if not text:
        errors["reason"] = "请填写撤回理由（书面申请的内容）"
    elif len(text) > REASON_MAX:
        errors["reason"] = f"不能超过 {REASON_MAX} 个字"
    joint = is_joint(item)
    if joint and not consent:
        errors["consent"] = "联名件须经全体联名人书面同意方可撤回，请确认后勾选"
    if errors:
        raise ValidationFailed("撤回未登记：" + "；".join(errors.values()), fields=errors)

    with db.atomic():
        # claim the item first: of two people withdrawing it at once, the second is refused here
        # (PostgreSQL: it waits for the first's row lock, then finds the version moved on)
        claimed = (Item.update(version=Item.version + 1)
                   .where((Item.id == item.id) & (Item.version == item.version) & (Item.status == item.status))
                   .execute())
        if claimed != 1:
            raise StaleVersion()
        item.version += 1
        ended = end_assignments(item)
        detail = f"{_who(item)}书面申请撤回（{day.isoformat()}）：{text}" + ("（全体联名人已同意）" if joint else "")
        items.apply_item_action(item, Action.WITHDRAW, actor=actor, audit_type="withdrawn", detail=detail,
                                facts={"requested_on": day.isoformat(), "reason": text, "consent": joint})
        _tell(item, ended, day, text)
    return item


def end_assignments(item: Item) -> list[Assignment]:
    """Every unit's part still open ends (办结) because the item was withdrawn; returns them."""
    from tracker.assignments import services as assignments

    ended = []
    for a in Assignment.select().where(Assignment.item == item.id).order_by(Assignment.id):
        if workflow.assignment_allows(AssignmentStatus(a.status), Action.WITHDRAW):
            assignments.transition(a, Action.WITHDRAW)
            ended.append(a)
    return ended


def _tell(item: Item, ended: list[Assignment], day: dt.date, reason: str) -> None:
    from tracker.reminders.services import notify, unit_users
    from tracker.replies.services import submitter_users

    title = f"已撤回，无需继续办理：{item.number}号 {item.title}"
    body = f"{_who(item)}于 {day.isoformat()} 书面申请撤回：{reason}"
    for unit_id in dict.fromkeys(a.unit_id for a in ended):
        notify(unit_users(unit_id), title, body, item=item)
    notify(submitter_users(item), f"您的撤回申请已登记：{item.number}号 {item.title}",
           f"申请日期 {day.isoformat()}。该件已撤回，不再办理。", item=item)


def last_withdrawal(item: Item) -> Withdrawal | None:
    """The withdrawal of a withdrawn item as recorded (None for any other item)."""
    if item.status != ItemStatus.WITHDRAWN.value:
        return None
    entry = (AuditEntry.select().where((AuditEntry.item_id == item.id) & (AuditEntry.action == "withdrawn"))
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).first())
    if entry is None:
        return None
    after = entry.after if isinstance(entry.after, dict) else {}
    return Withdrawal(at=entry.at, actor_name=entry.actor_name, requested_on=clock.as_date(after.get("requested_on")),
                      reason=str(after.get("reason") or ""), consent=bool(after.get("consent")),
                      detail=entry.detail)


def _who(item: Item) -> str:
    from tracker.core.enums import is_supervision_kind

    return "制发机关" if is_supervision_kind(item.kind) else "提出人"
