"""并案: similar items handled together (DOMAIN.md §5).

A child item points at its parent (``merged_into``) and takes the status ``merged``; the
parent is handled and replied to, and every submitter of the group — the parent's and each
child's — gets the reply and may rate it. An item joins a parent only before the parent's
reply is out, and the child's submitters are told of the merge (and of its undoing). The office
may undo a merge while the parent is still open.
"""

from __future__ import annotations

from typing import Any

from tracker.accounts import policy
from tracker.assignments.models import Assignment
from tracker.audit import services as audit
from tracker.core.db import db
from tracker.core.enums import AssignmentStatus, ItemStatus, label
from tracker.core.errors import Conflict, NotFound, ValidationFailed, ensure
from tracker.items import services as items
from tracker.items.models import Item, Submitter
from tracker.items.workflow import ITEM_READ_ONLY, Action


def handling_item(item: Item) -> Item:
    """The item whose reply answers this one: its parent when merged, else itself."""
    if item.merged_into_id and item.status == ItemStatus.MERGED.value:
        parent = Item.get_or_none(Item.id == item.merged_into_id)
        if parent is not None:
            return parent
    return item


def children(item: Item) -> list[Item]:
    return list(Item.select().where((Item.merged_into == item.id) & (Item.status == ItemStatus.MERGED.value))
                .order_by(Item.id))


def group_submitters(item: Item) -> list[Submitter]:
    """Everyone who must get the reply and may rate it: the item's submitters, then those of the
    items merged into it. A person (or, without a person record, a name) counts once."""
    own = items.submitters_of(item)
    child_ids = [c.id for c in children(item)]
    merged = (list(Submitter.select().where(Submitter.item.in_(child_ids))
                   .order_by(Submitter.item, Submitter.position)) if child_ids else [])
    seen: set[tuple[str, Any]] = set()
    group: list[Submitter] = []
    for sub in own + merged:
        identity = ("person", sub.person_id) if sub.person_id else ("name", sub.name)
        if identity in seen:
            continue
        seen.add(identity)
        group.append(sub)
    return group


def parent_answered_by(parent: Item) -> list[str]:
    """The units that have already sent a reply on ``parent`` (any round): an item can be merged
    into it only before, so that the reply goes to the child's submitters as to the parent's."""
    from tracker.items.withdrawal import answered_units

    return answered_units(parent)


def _active_assignments(item: Item) -> list[Assignment]:
    return list(Assignment.select().where(
        (Assignment.item == item.id) & (Assignment.status != AssignmentStatus.RETURNED.value)))


def merge(child: Item, parent: Item, *, actor: Any, note: str = "") -> Item:
    """Link ``child`` into ``parent``: the child is handled with the parent and answered by its reply."""
    ensure(policy.can(actor, Action.MERGE, child))
    items.ensure_writable(child)
    if parent.id == child.id:
        raise ValidationFailed("不能将一件并入其自身", fields={"parent_id": "不能将一件并入其自身"})
    if parent.kind != child.kind:
        raise ValidationFailed("只能并入同类别的件（建议并入建议、提案并入提案）",
                               fields={"parent_id": "只能并入同类别的件"})
    if parent.status in {s.value for s in ITEM_READ_ONLY}:
        raise Conflict(f"主件第{parent.number}号已{label(ItemStatus(parent.status))}，不能再并入")
    answered = parent_answered_by(parent)
    if answered:  # its submitters would never be sent that reply, and the feedback window already runs
        raise Conflict(f"主件第{parent.number}号已由{'、'.join(answered)}答复，不能再并入；"
                       "请将本件单独交办办理", code="parent_replied")
    if children(child):
        raise Conflict("该件已有并入的件，不能再并入他件；请先撤销其下的并案")
    active = _active_assignments(child)
    if active:
        units = "、".join(a.unit.name for a in active)
        raise Conflict(f"该件已交办给{units}，不能并入他件；请在交办前并案，"
                       "或先经申退撤销其交办后再并案", code="merge_assigned")
    with db.atomic():
        Item.update(merged_into=parent.id).where(Item.id == child.id).execute()
        child.merged_into = parent.id
        detail = f"并入第{parent.number}号（{parent.title}），随主件办理" + (f"：{note.strip()}" if note.strip() else "")
        items.apply_item_action(child, Action.MERGE, actor=actor, audit_type="merged", detail=detail)
        audit.record("merged", parent, actor=actor, item_id=parent.id,
                     after={"child_id": child.id, "child_number": child.number},
                     detail=f"第{child.number}号（{child.title}）并入本件办理")
        items.refresh_status(parent)
        _tell(child, f"您的{items.noun(child.kind)}已并案办理：{child.number}号 {child.title}",
              f"已并入第{parent.number}号《{parent.title}》，随主件办理。主件的答复同样答复您，您可对其评价。")
    return child


def unmerge(child: Item, *, actor: Any, reason: str = "") -> Item:
    """Undo a merge while the parent is open; the child goes back to its own handling."""
    ensure(policy.can(actor, Action.UNMERGE, child))
    if child.status != ItemStatus.MERGED.value or not child.merged_into_id:
        raise Conflict("该件未并入他件", code="not_merged")
    parent = Item.get_or_none(Item.id == child.merged_into_id)
    if parent is not None and parent.status in (ItemStatus.CLOSED.value, ItemStatus.ARCHIVED.value):
        raise Conflict(f"主件第{parent.number}号已{label(ItemStatus(parent.status))}，不能撤销并案")
    if parent is not None:
        from tracker.replies.models import Feedback

        sub_ids = [s.id for s in items.submitters_of(child)]
        if sub_ids and Feedback.select().where((Feedback.item == parent.id)
                                               & (Feedback.submitter.in_(sub_ids))).exists():
            raise Conflict("该件的提出人已对主件答复作出评价，不能撤销并案")
    with db.atomic():
        Item.update(merged_into=None).where(Item.id == child.id).execute()
        child.merged_into = None
        detail = "撤销并案" + (f"：{reason.strip()}" if reason.strip() else "")
        items.apply_item_action(child, Action.UNMERGE, actor=actor, audit_type="unmerged", detail=detail)
        items.refresh_status(child)
        if parent is not None:
            audit.record("unmerged", parent, actor=actor, item_id=parent.id,
                         before={"child_id": child.id}, detail=f"第{child.number}号撤销并案")
            items.refresh_status(parent)
        _tell(child, f"已撤销并案：{child.number}号 {child.title}",
              "本件不再随" + (f"第{parent.number}号" if parent is not None else "主件") + "办理，恢复单独办理。")
    return child


def _tell(child: Item, title: str, body: str) -> None:
    """Tell the child's own submitters (those with an account) what happened to their item."""
    from tracker.reminders.services import notify
    from tracker.replies.services import submitter_users

    notify(submitter_users(child), title, body, item=child)


def find_parent(child: Item, *, parent_id: Any = None, number: str = "", session_id: Any = None) -> Item:
    """The parent named by id, or by number (in the child's session unless another is given)."""
    if parent_id not in (None, ""):
        try:
            parent = Item.get_or_none(Item.id == int(parent_id))
        except (TypeError, ValueError):
            parent = None
        if parent is None:
            raise NotFound("未找到要并入的主件")
        return parent
    number = (number or "").strip()
    if not number:
        raise ValidationFailed("请填写主件案号", fields={"parent_number": "请填写主件案号"})
    sid = int(session_id) if session_id not in (None, "") else child.session_id
    parent = Item.get_or_none((Item.session == sid) & (Item.kind == child.kind) & (Item.number == number))
    if parent is None:
        raise ValidationFailed(f"该会次没有第{number}号", fields={"parent_number": f"该会次没有第{number}号"})
    return parent
