"""领导批示: a city leader's instruction on an item, shown on the item page and the timeline."""

from __future__ import annotations

from typing import Any

from tracker.accounts import policy
from tracker.assignments.models import Assignment
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import AssignmentStatus
from tracker.core.errors import ValidationFailed, ensure
from tracker.items import services as items
from tracker.items.models import Instruction, Item
from tracker.items.workflow import Action
from tracker.reminders.services import notify, office_users, unit_users

TEXT_MAX = 5000


def add_instruction(item: Item, *, actor: Any, text: str) -> Instruction:
    """A leader instructs on an item; the item's units (and the office) are told."""
    ensure(policy.can(actor, Action.INSTRUCT, item))
    items.ensure_writable(item)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("请填写批示内容", fields={"text": "请填写批示内容"})
    if len(text) > TEXT_MAX:
        raise ValidationFailed(f"批示内容不能超过 {TEXT_MAX} 个字",
                               fields={"text": f"批示内容不能超过 {TEXT_MAX} 个字"})
    with db.atomic():
        instruction = Instruction.create(item=item, author=actor.id, text=text, created_at=clock.now())
        audit.record("instruction", instruction, actor=actor, item_id=item.id, after={"text": text},
                     detail=f"{actor.display}批示：{text}")
        recipients = list(office_users())
        unit_ids = {a.unit_id for a in Assignment.select(Assignment.unit).where(
            (Assignment.item == item.id) & (Assignment.status != AssignmentStatus.RETURNED.value))}
        for unit_id in sorted(unit_ids):
            recipients.extend(unit_users(unit_id))
        notify(recipients, f"领导批示：{item.number}号 {item.title}", f"{actor.display}批示：{text}", item=item)
    return instruction


def instructions_of(item: Item) -> list[Instruction]:
    return list(Instruction.select().where(Instruction.item == item.id)
                .order_by(Instruction.created_at, Instruction.id))
