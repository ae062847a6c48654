"""公开: a sent reply whose publication decision is 全文 or 摘要 is published, by default within 20
working days of the reply (DOMAIN.md §3, the ``publication`` clock of the rule profile); the
answering unit (or the office) records the day it was published. 公开率 (DOMAIN.md §8) counts
the replies with that day recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tracker.accounts import policy
from tracker.assignments import deadlines
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import Publish, ReplyStatus, label
from tracker.core.errors import Conflict, StaleVersion, ValidationFailed, ensure
from tracker.items import services as items
from tracker.items.workflow import Action
from tracker.replies.models import Reply
from tracker.rules import services as rules


@dataclass(frozen=True)
class PublicationState:
    """What a page shows about a sent reply's publication."""

    required: bool  # 全文 or 摘要 (不公开: nothing to do)
    due: dt.date | None  # the last day to publish on time
    published_on: dt.date | None
    overdue_days: int  # calendar days past ``due`` while unpublished

    @property
    def pending(self) -> bool:
        return self.required and self.published_on is None


def _sent_day(reply: Reply) -> dt.date | None:
    if reply.sent_on:
        return reply.sent_on
    return clock.local_date(reply.sent_at) if reply.sent_at else None


def due_date(reply: Reply) -> dt.date | None:
    """The publication deadline of a sent reply that is to be published (None otherwise)."""
    sent = _sent_day(reply)
    if reply.status != ReplyStatus.SENT.value or reply.publish == Publish.NONE.value or sent is None:
        return None
    rule_set = rules.rule_set(reply.assignment.item.session)
    return deadlines.add_period(sent, rule_set.clock("publication"), rules.work_calendar(), key="publication",
                                roll_forward=rule_set.roll_forward).due


def state(reply: Reply, today: dt.date | None = None) -> PublicationState | None:
    """The publication state of a sent reply (None while it is not sent)."""
    if reply.status != ReplyStatus.SENT.value:
        return None
    required = reply.publish != Publish.NONE.value
    due = due_date(reply) if required else None
    today = today or clock.today()
    late = (today - due).days if (required and reply.published_on is None and due and today > due) else 0
    return PublicationState(required=required, due=due, published_on=reply.published_on, overdue_days=late)


def can_record(user: Any, reply: Reply) -> bool:
    return (reply.status == ReplyStatus.SENT.value and reply.publish != Publish.NONE.value
            and policy.can(user, Action.RECORD_PUBLICATION, reply))


def record(reply: Reply, *, actor: Any, published_on: Any, version: Any = None) -> Reply:
    """Record (or correct) the day the reply was published. Bad input raises ValidationFailed
    and changes nothing."""
    ensure(policy.can(actor, Action.RECORD_PUBLICATION, reply), "只有答复单位或交办单位可以登记公开情况")
    reply = Reply.get_by_id(reply.id)
    if reply.status != ReplyStatus.SENT.value:
        raise Conflict("答复发送后才能登记公开情况", code="reply_not_sent")
    if reply.publish == Publish.NONE.value:
        raise Conflict(f"该答复的公开属性为“{label(Publish.NONE)}”，无需登记公开", code="not_to_publish")
    items.check_version(reply, version)
    day = clock.as_date(published_on)
    sent = _sent_day(reply)
    error = None
    if published_on in (None, ""):
        error = "请填写公开日期"
    elif day is None:
        error = "日期格式不正确，应为 YYYY-MM-DD"
    elif day > clock.today():
        error = "公开日期不能晚于今天"
    elif sent is not None and day < sent:
        error = f"公开日期不能早于答复发送日期（{sent.isoformat()}）"
    if error:
        raise ValidationFailed("公开情况未登记：" + error, fields={"published_on": error})
    if day == reply.published_on:
        return reply
    before = reply.published_on
    with db.atomic():
        changed = (Reply.update(published_on=day, version=Reply.version + 1, updated_at=clock.now())
                   .where((Reply.id == reply.id) & (Reply.version == reply.version)).execute())
        if changed != 1:
            raise StaleVersion()
        a = reply.assignment
        due = due_date(reply)
        when = "按期" if due is None or day <= due else f"超过公开期限（{due.isoformat()}）"
        audit.record("reply_published", reply, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                     before={"published_on": before.isoformat() if before else None},
                     after={"published_on": day.isoformat()},
                     detail=(f"{a.unit.name}第 {reply.round} 轮答复已公开（{label(Publish(reply.publish))}，"
                             f"{day.isoformat()}，{when}）" if before is None else
                             f"{a.unit.name}第 {reply.round} 轮答复的公开日期由 {before.isoformat()} 改为 {day.isoformat()}"))
    return Reply.get_by_id(reply.id)
