"""The item page's close-out panel: feedback per submitter and round, re-handling, commitments,
the "3+1" checklist, close-out conditions, archive, and merging with similar items.

``item_panel(item, user, assignments)`` gives the context of templates/replies/_closeout_panel.html;
the buttons shown are those the user may use now (the server re-checks). ``forms`` lets a page
that failed a POST show the user's input again in the right form.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from tracker.accounts import policy
from tracker.assignments.models import Assignment
from tracker.core import clock
from tracker.core.enums import (
    AssignmentStatus,
    CommitmentStatus,
    FeedbackSource,
    ItemStatus,
    ReplyStatus,
    Role,
)
from tracker.items import merging, similarity, withdrawal
from tracker.items.models import Item
from tracker.items.workflow import Action
from tracker.replies import closeout
from tracker.replies import closeout_forms as forms
from tracker.replies.models import Commitment, Feedback, Reply
from tracker.units.models import Unit

MERGEABLE = {ItemStatus.REGISTERED.value, ItemStatus.ASSIGNED.value, ItemStatus.IN_PROGRESS.value}
# the items another may be merged into: not yet answered (a 分办 item in progress may still have a
# unit's reply out, which merging.merge refuses with the units' names)
MERGE_TARGETS = MERGEABLE


@dataclass
class RaterRow:
    name: str
    role: str
    from_child: str  # "第12号" when the submitter filed a merged child
    feedback: Feedback | None
    resolve_form: Any = None


@dataclass
class RoundBlock:
    round: int
    current: bool
    rows: list[RaterRow] = field(default_factory=list)


@dataclass
class CommitmentRow:
    c: Commitment
    unit: str
    overdue_days: int
    fulfil_form: Any = None
    carry_form: Any = None
    carry_hint: str = ""


@dataclass
class SimilarRow:
    s: similarity.Suggestion
    can_merge_into: bool  # this item -> that one
    can_take: bool  # that one -> this item


def _form(cls, prefix: str, given: dict, key: Any):
    found = given.get(key)
    return found if found is not None else cls(prefix=prefix, formdata=None)


def _feedback_form(co: closeout.Closeout, user: Any, writable: bool, given: dict):
    if not writable or not co.feedback_open:
        return None, ""
    current = {fb.submitter_id: fb for fb in co.feedback if fb.round == co.round}

    def open_for(sub) -> bool:
        fb = current.get(sub.id)
        return fb is None or fb.source == FeedbackSource.WINDOW_EXPIRED.value

    role = policy.role_of(user)
    if role == Role.SUBMITTER:
        mine = closeout.rater_for(co, user)
        if mine is None or not open_for(mine):
            return None, ""
        form = _form(forms.FeedbackForm, "fb", given, "feedback")
        form.submitter_id.choices = forms.options([(mine.id, mine.name)])
        form.submitter_id.data = mine.id
        return form, "online"
    if role == Role.OFFICE:
        choices = [(s.id, s.name + ("（逾期未表态，补录）" if s.id in current else "")) for s in co.raters if open_for(s)]
        if not choices:
            return None, ""
        form = _form(forms.FeedbackForm, "fb", given, "feedback")
        form.submitter_id.choices = forms.options(choices, blank="请选择")
        return form, "paper"
    return None, ""


def _rounds(co: closeout.Closeout, user: Any, can_resolve: bool, given: dict) -> list[RoundBlock]:
    visible = closeout.visible_feedback(co, user)
    child_numbers = {}
    ids = {s.item_id for s in co.raters if s.item_id != co.item.id}
    if ids:
        child_numbers = dict(Item.select(Item.id, Item.number).where(Item.id.in_(list(ids))).tuples())
    by_id = {s.id: s for s in co.raters}
    blocks: dict[int, RoundBlock] = {}
    for fb in visible:
        block = blocks.setdefault(fb.round, RoundBlock(fb.round, fb.round == co.round))
        sub = by_id.get(fb.submitter_id) or fb.submitter
        row = RaterRow(sub.name, sub.role, f"第{child_numbers[sub.item_id]}号" if sub.item_id in child_numbers else "",
                       fb)
        if can_resolve and fb in co.dissatisfied:
            row.resolve_form = _form(forms.ResolveForm, f"rs{fb.id}", given, ("resolve", fb.id))
        block.rows.append(row)
    if co.reply_sent or co.round > 1 or visible:
        current = blocks.setdefault(co.round, RoundBlock(co.round, True))
        shown = {r.feedback.submitter_id for r in current.rows if r.feedback}
        mine = closeout.rater_for(co, user)
        for sub in co.missing_raters:
            if sub.id in shown or (policy.role_of(user) == Role.SUBMITTER and (mine is None or sub.id != mine.id)):
                continue
            current.rows.append(RaterRow(sub.name, sub.role, f"第{child_numbers[sub.item_id]}号"
                                         if sub.item_id in child_numbers else "", None))
    return [blocks[k] for k in sorted(blocks)]


def _commitments(target: Item, user: Any, writable: bool, today, given: dict) -> list[CommitmentRow]:
    query = (Commitment.select(Commitment, Reply, Assignment, Unit)
             .join(Reply).switch(Commitment).join(Assignment).join(Unit)
             .where((Assignment.item == target.id) & (Reply.status == ReplyStatus.SENT.value))
             .order_by(Commitment.due_on, Commitment.id))
    rows = []
    for c in query:
        row = CommitmentRow(c, c.assignment.unit.name,
                            (today - c.due_on).days if c.status == CommitmentStatus.OPEN.value and c.due_on < today else 0)
        if writable and c.status != CommitmentStatus.KEPT.value and policy.can(user, Action.FULFIL_COMMITMENT, c):
            row.fulfil_form = _form(forms.FulfilForm, f"cf{c.id}", given, ("fulfil", c.id))
        if writable and c.status == CommitmentStatus.OPEN.value and policy.can(user, Action.CARRY_OVER_COMMITMENT, c):
            if closeout.carry_over_allowed(c.due_on, today):
                row.carry_form = _form(forms.CarryOverForm, f"cc{c.id}", given, ("carry", c.id))
            else:
                row.carry_hint = f"{c.due_on.year} 年 12 月 1 日起可结转下年"
        rows.append(row)
    return rows


def _similar(item: Item, user: Any, given: dict) -> tuple[list[SimilarRow], Any]:
    if not policy.can(user, Action.MERGE, item) or item.is_read_only:
        return [], None
    suggestions = [x for x in similarity.similar_to(item, limit=8) if x.merged_into_id != item.id][:6]
    active_items = {
        i for (i,) in Assignment.select(Assignment.item)
        .where((Assignment.item.in_([s.item_id for s in suggestions] + [item.id]))
               & (Assignment.status != AssignmentStatus.RETURNED.value)).tuples()
    }
    has_children = {
        i for (i,) in Item.select(Item.merged_into)
        .where((Item.merged_into.in_([s.item_id for s in suggestions] + [item.id]))
               & (Item.status == ItemStatus.MERGED.value)).tuples()
    }
    self_mergeable = item.status in MERGEABLE and item.id not in active_items and item.id not in has_children
    # an item is merged into another only before that one's reply is out (merging.merge)
    self_answered = bool(merging.parent_answered_by(item))
    rows = []
    for s in suggestions:
        open_target = s.status in MERGE_TARGETS
        rows.append(SimilarRow(
            s, can_merge_into=self_mergeable and open_target and s.kind == item.kind,
            can_take=(not self_answered and s.status in MERGEABLE and s.item_id not in active_items
                      and s.item_id not in has_children and s.kind == item.kind),
        ))
    merge_form = _form(forms.MergeForm, "mg", given, "merge") if self_mergeable else None
    return rows, merge_form


def item_panel(item: Any, user: Any, assignments: list[Any], forms_given: dict | None = None) -> dict | None:
    given = forms_given or {}
    today = clock.today()
    target = merging.handling_item(item)
    is_child = target.id != item.id
    co = closeout.seen_by(closeout.closeout_for(target, today),
                          policy.record_units(user, target.id, assignments if target.id == item.id else None))
    # a merged item's page shows its parent's reply, ratings and commitments only to those who read
    # the parent's handling: not to a unit whose returned assignment on the child is its only link
    reads_group = policy.reads_handling_of(user, item, target)
    if not reads_group:
        co = replace(co, raters=[], missing_raters=[], feedback=[], dissatisfied=[], checklist=[])
    writable = not target.is_read_only
    role = policy.role_of(user)
    sees_all = policy.has(user, policy.Perm.VIEW_ALL_ITEMS)
    office = role == Role.OFFICE
    feedback_form, feedback_mode = _feedback_form(co, user, writable, given)
    can_rehandle = (writable and not is_child and policy.can(user, Action.REHANDLE, target) and bool(co.dissatisfied)
                    and all(a.status in closeout.REPLIED_STATES for a in co.answering))
    rehandle_form = rehandle_default = rehandle_cap = None
    if can_rehandle:
        rehandle_form = _form(forms.RehandleForm, "rh", given, "rehandle")
        rehandle_default, rehandle_cap = closeout.rehandle_dates(target, today)
    can_resolve = writable and not is_child and policy.can(user, Action.REHANDLE, target)
    child_replies = []
    if is_child and reads_group:
        child_replies = list(Reply.select(Reply, Assignment, Unit).join(Assignment).join(Unit)
                             .where((Assignment.item == target.id) & (Reply.status == ReplyStatus.SENT.value))
                             .order_by(Reply.round, Reply.sent_at))
    can_close = (not is_child and office and policy.can(user, Action.CLOSE, target)
                 and target.status not in closeout.FINISHED_ITEM_STATES)
    similar_rows, merge_form = ([], None) if is_child else _similar(item, user, given)
    children = merging.children(item) if not is_child else []
    unmerge_forms = {}
    if policy.can(user, Action.UNMERGE, item):
        open_parent = target.status not in (ItemStatus.CLOSED.value, ItemStatus.ARCHIVED.value)
        if is_child and open_parent:
            unmerge_forms[item.id] = _form(forms.UnmergeForm, f"um{item.id}", given, ("unmerge", item.id))
        if writable:
            for child in children:
                unmerge_forms[child.id] = _form(forms.UnmergeForm, f"um{child.id}", given, ("unmerge", child.id))
    withdraw_form = None
    if office and withdrawal.can_withdraw(user, item):
        withdraw_form = _form(forms.WithdrawForm, "wd", given, "withdraw")
        if withdraw_form.version.data in (None, ""):
            withdraw_form.version.data = str(item.version)
    return {
        "item": item, "target": target, "is_child": is_child, "co": co, "today": today,
        "sees_all": sees_all, "office": office, "submitter": role == Role.SUBMITTER, "writable": writable,
        "rounds": _rounds(co, user, can_resolve, given),
        "feedback_form": feedback_form, "feedback_mode": feedback_mode,
        "rehandle_form": rehandle_form, "rehandle_default": rehandle_default, "rehandle_cap": rehandle_cap,
        "commitments": _commitments(target, user, writable, today, given) if reads_group else [],
        "checklist": co.checklist if role != Role.SUBMITTER and item.status != ItemStatus.WITHDRAWN.value else [],
        "conditions": co.conditions, "warnings": co.warnings,
        "show_conditions": role != Role.SUBMITTER and target.status not in closeout.FINISHED_ITEM_STATES
        and not is_child,
        "can_close": can_close,
        "close_form": _form(forms.CloseForm, "close", given, "close") if can_close and co.closable else None,
        "can_archive": (not is_child and policy.can(user, Action.ARCHIVE, target)
                        and target.status == ItemStatus.CLOSED.value),
        "child_replies": child_replies, "reads_group": reads_group,
        "opens_parent": is_child and policy.can_view_item(user, target),
        "similar": similar_rows, "merge_form": merge_form,
        "children": children, "unmerge_forms": unmerge_forms,
        "withdraw_form": withdraw_form, "joint": withdraw_form is not None and withdrawal.is_joint(item),
    }
