"""Use cases after the reply: feedback (征询意见), re-handling (重新办理), commitments (承诺事项),
the "3+1" checklist, close-out (对账销号), archiving and the reconciliation with the list received
from the NPC/CPPCC office (DOMAIN.md §4, §6, §7).

The decisions are pure (tracker.replies.checklist); this module gathers the facts from the
records in a fixed number of queries for any number of items (:func:`closeout_many`), and
carries out the units of work: policy, state, audit entry and queued notifications in one
transaction each.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import peewee as pw

from tracker.accounts import policy
from tracker.accounts.models import User
from tracker.assignments import deadlines
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.collector import pause_collector, resume_collector
from tracker.core.db import db, fetch_objects, in_ids
from tracker.core.enums import (
    ANSWERING_ROLES,
    Adoption,
    AssignmentStatus,
    CommitmentStatus,
    ContactMethod,
    FeedbackSource,
    ItemStatus,
    Rating,
    ReplyStatus,
    Role,
    is_supervision_kind,
    label,
)
from tracker.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, ensure
from tracker.handling.models import Contact
from tracker.items import merging, workflow
from tracker.items import services as items
from tracker.items.models import Instruction, Item, Session, Submitter
from tracker.items.workflow import Action
from tracker.reminders.services import notify, office_users, unit_users
from tracker.replies.checklist import (
    BLOCKERS,
    ChecklistFacts,
    CheckResult,
    CloseoutFacts,
    OpenCommitment,
    UnitReply,
    closeout_conditions,
    closeout_warnings,
    evaluate_checklist,
    missing,
    unmet_conditions,
)
from tracker.replies.models import Commitment, Feedback, Reply
from tracker.rules import services as rules
from tracker.rules.models import ChecklistEntry
from tracker.units.models import Unit

__all__ = [
    "Closeout", "carry_over_commitment", "carry_over_year", "close_item", "archive_item",
    "closeout_conditions", "closeout_for", "closeout_many", "commitments_for", "count_commitments_for",
    "unmet_before_reply",
    "fulfil_commitment",
    "give_feedback", "order_rehandling", "record_expired_feedback", "reconcile",
    "resolve_dissatisfaction",
]

TEXT_MAX = 2000
ANSWERING = frozenset(r.value for r in ANSWERING_ROLES)
REPLIED_STATES = frozenset({AssignmentStatus.REPLIED.value, AssignmentStatus.DONE.value})
FINISHED_ITEM_STATES = frozenset({ItemStatus.CLOSED.value, ItemStatus.ARCHIVED.value,
                                  ItemStatus.WITHDRAWN.value, ItemStatus.MERGED.value})
# Items that have had a reply and may still be waiting for close-out.
AFTER_REPLY_STATES = (ItemStatus.REPLIED.value, ItemStatus.EVALUATED.value, ItemStatus.FOLLOW_UP.value)


def _fail(field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field_name: message})


def _text(value: Any, field_name: str, missing_message: str | None, *, limit: int = TEXT_MAX) -> str:
    text = "" if value is None else str(value).strip()
    if not text and missing_message:
        raise _fail(field_name, missing_message)
    if len(text) > limit:
        raise _fail(field_name, f"不能超过 {limit} 个字")
    return text


def _short(text: str, n: int = 30) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


_DISSATISFIED = Rating.DISSATISFIED.value


def is_dissatisfied(fb: Feedback) -> bool:
    return fb.work == _DISSATISFIED or fb.result == _DISSATISFIED


# --- gathering the facts --------------------------------------------------------------------


@dataclass
class UnitChecklist:
    unit: str
    results: list[CheckResult]
    unit_id: int | None = None


@dataclass
class Closeout:
    """What close-out knows about one item: the pure facts and what they mean."""

    item: Item
    facts: CloseoutFacts
    conditions: list[str]
    kinds: tuple[str, ...]  # the kinds of the unmet conditions (checklist.BLOCKERS), each once
    warnings: list[str]
    checklist: list[UnitChecklist]
    round: int
    window_due: dt.date | None
    window_over: bool
    raters: list[Submitter]
    missing_raters: list[Submitter]  # no feedback yet in the current round
    feedback: list[Feedback]  # every round, oldest first
    dissatisfied: list[Feedback]  # current round, unresolved
    reply_sent: bool  # a reply of the current round has been sent
    answering: list[Assignment] = field(default_factory=list)
    awaiting: list[str] = field(default_factory=list)  # answering units yet to send this round's reply

    @property
    def feedback_open(self) -> bool:
        """Feedback is given on the item (DOMAIN.md §7): once every answering unit has sent this
        round's reply, so that a 分办 item's rating covers each unit's reply."""
        return self.reply_sent and not self.awaiting

    @property
    def closable(self) -> bool:
        return not self.conditions

    @property
    def window_expired_unrecorded(self) -> list[Submitter]:
        return self.missing_raters if self.window_over else []


def _checklist_entries() -> dict[str, list[tuple[str, str]]]:
    by_tier: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for e in (ChecklistEntry.select().where(ChecklistEntry.active == True)  # noqa: E712
              .order_by(ChecklistEntry.tier, ChecklistEntry.position, ChecklistEntry.id)):
        by_tier[e.tier].append((e.requirement, e.label))
    return by_tier


def _dedupe(subs: Iterable[Submitter]) -> list[Submitter]:
    """The same rule as merging.group_submitters: one rater per person (or per name)."""
    seen: set[tuple[str, Any]] = set()
    out = []
    for sub in subs:
        identity = ("person", sub.person_id) if sub.person_id else ("name", sub.name)
        if identity not in seen:
            seen.add(identity)
            out.append(sub)
    return out


def closeout_many(item_list: Sequence[Any], today: dt.date | None = None, *,
                  light: bool = False) -> dict[int, Closeout]:
    """Close-out facts for many items in a fixed number of queries per batch (desk,
    reconciliation). ``light``: the items are light rows (:func:`_item_rows`) and their records
    are read as such too, for callers that want the facts and conditions of thousands of items
    (see :func:`_closeout_batch`)."""
    today = today or clock.today()
    result: dict[int, Closeout] = {}
    item_list = list(item_list)
    size = BATCH * 4 if light else BATCH
    # thousands of items' records and facts, hardly any in a reference cycle: see pause_collector
    paused = pause_collector()
    try:
        for start in range(0, len(item_list), size):
            result.update(_closeout_batch(item_list[start:start + size], today, light=light))
    finally:
        resume_collector(paused)
    return result


BATCH = 500


def _closeout_batch(batch: list[Any], today: dt.date, *, light: bool = False) -> dict[int, Closeout]:
    """The facts of one batch of items. ``light``: read plain rows instead of model instances
    (the facts, conditions and counts are the same; ``raters``, ``feedback``, ``dissatisfied``
    and ``answering`` then hold light rows, not models)."""
    if not batch:
        return {}
    ids = [i.id for i in batch]
    cal = rules.work_calendar()
    # merged children (their submitters rate the parent's reply) and parents' numbers
    kids: dict[int, list[int]] = defaultdict(list)
    for child_id, parent_id in (Item.select(Item.id, Item.merged_into)
                                .where(in_ids(Item.merged_into, ids) & (Item.status == ItemStatus.MERGED.value))
                                .order_by(Item.id).tuples()):
        kids[parent_id].append(child_id)
    parent_ids = {i.merged_into_id for i in batch if i.merged_into_id}
    parent_numbers = dict(Item.select(Item.id, Item.number).where(Item.id.in_(list(parent_ids))).tuples()) \
        if parent_ids else {}
    all_item_ids = ids + [c for cs in kids.values() for c in cs]
    subs_by_item: dict[int, list[Any]] = defaultdict(list)
    sub_query = Submitter.select().where(in_ids(Submitter.item, all_item_ids)).order_by(
        Submitter.item, Submitter.position, Submitter.id)
    subs = (fetch_objects(sub_query.select(Submitter.id, Submitter.item, Submitter.name, Submitter.person))
            if light else sub_query)
    for s in subs:
        subs_by_item[s.item_id].append(s)
    by_item: dict[int, list[Any]] = defaultdict(list)
    rounds: dict[int, int] = defaultdict(lambda: 1)
    unit_names = dict(Unit.select(Unit.id, Unit.name).tuples())
    a_query = Assignment.select(Assignment, Unit).join(Unit).where(in_ids(Assignment.item, ids)).order_by(Assignment.id)
    rows = (fetch_objects(a_query.select(Assignment.id, Assignment.item, Assignment.unit, Assignment.role,
                                         Assignment.status, Assignment.round))
            if light else a_query)
    for a in rows:
        rounds[a.item_id] = max(rounds[a.item_id], a.round)
        if a.status != AssignmentStatus.RETURNED.value:
            by_item[a.item_id].append(a)
    a_ids = [a.id for rows in by_item.values() for a in rows]
    sent: dict[int, dict[int, dt.date | None]] = defaultdict(dict)  # assignment -> round -> sent_on
    sent_reply_ids: list[int] = []
    if a_ids:
        for r in fetch_objects(Reply.select(Reply.id, Reply.assignment, Reply.round, Reply.sent_on, Reply.sent_at)
                               .where(in_ids(Reply.assignment, a_ids) & (Reply.status == ReplyStatus.SENT.value))):
            sent[r.assignment_id][r.round] = r.sent_on or (clock.local_date(r.sent_at) if r.sent_at else None)
            sent_reply_ids.append(r.id)
    # commitments of sent replies: (text, due_on, status) per assignment
    commitments: dict[int, list[tuple[str, dt.date, str]]] = defaultdict(list)
    if sent_reply_ids:
        for c in fetch_objects(Commitment.select(Commitment.assignment, Commitment.text, Commitment.due_on,
                                                 Commitment.status)
                               .where(in_ids(Commitment.reply, sent_reply_ids)).order_by(Commitment.id)):
            commitments[c.assignment_id].append((c.text, c.due_on, c.status))
    contacts: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if a_ids:
        for c in fetch_objects(Contact.select(Contact.assignment, Contact.stage, Contact.method)
                               .where(in_ids(Contact.assignment, a_ids))):
            contacts[c.assignment_id].append((c.stage, c.method))
    instructed = {i for (i,) in Instruction.select(Instruction.item).where(in_ids(Instruction.item, ids))
                  .distinct().tuples()}
    feedback: dict[int, list[Any]] = defaultdict(list)
    fb_query = Feedback.select().where(in_ids(Feedback.item, ids)).order_by(Feedback.round, Feedback.id)
    fbs_rows = (fetch_objects(fb_query.select(Feedback.id, Feedback.item, Feedback.submitter, Feedback.round,
                                              Feedback.work, Feedback.result, Feedback.resolution))
                if light else fb_query)
    for fb in fbs_rows:
        feedback[fb.item_id].append(fb)
    entries = _checklist_entries()
    face_methods = rules.face_to_face_methods()
    kind_conditions = _kind_conditions(batch)
    profiles: dict[int | None, Any] = {}
    windows: dict[tuple[int | None, dt.date], dt.date] = {}  # (profile, anchor) -> window's last day
    sessions = {s.id: s for s in Session.select().where(Session.id.in_(list({i.session_id for i in batch})))}

    out: dict[int, Closeout] = {}
    for item in batch:
        session = sessions.get(item.session_id)
        key = session.profile_id if session is not None else None
        if key not in profiles:
            profiles[key] = (rules.profile_for(session), rules.rule_set(session))
        profile, rule_set = profiles[key]
        rnd = rounds[item.id]
        active = by_item[item.id]
        answering = [a for a in active if a.role in ANSWERING]
        raters = _dedupe(subs_by_item[item.id] + [s for c in kids[item.id] for s in subs_by_item[c]])
        fbs = feedback[item.id]
        current = {fb.submitter_id: fb for fb in fbs if fb.round == rnd}
        missing_raters = [s for s in raters if s.id not in current]
        names = {s.id: s.name for s in raters}
        dissatisfied = [fb for fb in current.values() if is_dissatisfied(fb) and not fb.resolution]
        # the feedback window runs once every answering unit has sent this round's reply
        reply_sent = any(rnd in sent[a.id] for a in answering)
        awaiting = [unit_names.get(a.unit_id, "") for a in answering if rnd not in sent[a.id]]
        window_due = None
        anchor = deadlines.feedback_window_anchor(
            (a.status in REPLIED_STATES and rnd in sent[a.id], sent[a.id].get(rnd)) for a in answering)
        if anchor is not None:
            window_due = windows.get((key, anchor))
            if window_due is None:
                window_due = windows[(key, anchor)] = deadlines.feedback_window_due(anchor, rule_set, cal)
        window_over = deadlines.window_over(window_due, today)
        open_commitments = []
        checklist: list[UnitChecklist] = []
        # the "3+1" checklist (contacts with deputies, commitments) is not asked of 三书一函
        tier_entries = [] if is_supervision_kind(item.kind) else entries.get(item.tier, [])
        for a in answering:
            unit_name = unit_names.get(a.unit_id, "")
            cs = commitments[a.id]
            for text, due_on, status in cs:
                if status == CommitmentStatus.OPEN.value:
                    open_commitments.append(OpenCommitment(text, unit_name, due_on))
            if tier_entries:
                stages = frozenset(s for s, _ in contacts[a.id])
                in_person = any(m in face_methods for _, m in contacts[a.id])
                cfacts = ChecklistFacts(
                    reply_sent=bool(sent[a.id]),
                    contact_stages=stages, face_to_face=in_person, commitments_total=len(cs),
                    commitments_kept=sum(1 for c in cs if c[2] == CommitmentStatus.KEPT.value),
                    commitments_carried=sum(1 for c in cs if c[2] == CommitmentStatus.CARRIED_OVER.value),
                    has_instruction=item.id in instructed,
                )
                checklist.append(UnitChecklist(unit_name, evaluate_checklist(tier_entries, cfacts), a.unit_id))
        missing_labels: list[str] = []
        for uc in checklist:
            for text in missing(uc.results):
                missing_labels.append(f"{text}（{uc.unit}）" if len(checklist) > 1 else text)
        facts = CloseoutFacts(
            status=item.status,
            merged_into=f"第{parent_numbers[item.merged_into_id]}号" if item.merged_into_id in parent_numbers else "",
            answering=tuple(UnitReply(unit_names.get(a.unit_id, ""), a.status in REPLIED_STATES,
                                      a.status == AssignmentStatus.REHANDLING.value, a.round)
                            for a in answering),
            round=rnd,
            raters=tuple(s.name for s in raters),
            rated=frozenset(names[sid] for sid in current if sid in names),
            window_due=window_due,
            window_over=window_over,
            dissatisfied_unresolved=tuple(names.get(fb.submitter_id, "") for fb in dissatisfied),
            open_commitments=tuple(open_commitments),
            checklist_missing=tuple(missing_labels),
            checklist_blocks=bool(profile.checklist_blocks_closeout),
            extra=tuple(kind_conditions.get(item.id, ())),
        )
        unmet = unmet_conditions(facts)
        out[item.id] = Closeout(
            item=item, facts=facts, conditions=[text for _kind, text in unmet],
            kinds=tuple(dict.fromkeys(kind for kind, _text in unmet)), warnings=closeout_warnings(facts),
            checklist=checklist, round=rnd, window_due=window_due, window_over=window_over, raters=raters,
            missing_raters=missing_raters, feedback=fbs, dissatisfied=dissatisfied, reply_sent=reply_sent, awaiting=awaiting,
            answering=answering,
        )
    return out


def _kind_conditions(batch: list[Item]) -> dict[int, list[str]]:
    """Further unmet conditions of items of other kinds, from their module (三书一函: the
    rectification is recorded and an objection is decided) — one batched call."""
    from tracker.core.plugins import optional_module

    if not any(is_supervision_kind(i.kind) for i in batch):
        return {}
    supervision = optional_module("tracker.supervision.services")
    return supervision.closeout_conditions_for(batch) if supervision is not None else {}


def seen_by(co: Closeout, units: set[int] | None) -> Closeout:
    """The close-out as a reader of ``units``' internal records sees it (policy.record_units:
    None for every unit). Which "3+1" steps a unit has done is read off its contacts and
    commitments, its internal records: another unit — a co unit, a separate (分办) one — sees
    its own checklist and, of the others, only that their lists are unfinished, not which
    steps are missing. What close-out decides is unchanged."""
    if units is None or all(uc.unit_id in units for uc in co.checklist):
        return co
    several = len(co.checklist) > 1
    labels: list[str] = []
    for uc in co.checklist:
        texts = missing(uc.results)
        if uc.unit_id in units:
            labels.extend(f"{text}（{uc.unit}）" if several else text for text in texts)
        elif texts:
            labels.append(f"{uc.unit}的办理清单")
    facts = replace(co.facts, checklist_missing=tuple(labels))
    unmet = unmet_conditions(facts)
    return replace(co, facts=facts, conditions=[text for _kind, text in unmet],
                   kinds=tuple(dict.fromkeys(kind for kind, _text in unmet)),
                   warnings=closeout_warnings(facts),
                   checklist=[uc for uc in co.checklist if uc.unit_id in units])


def closeout_for(item: Item, today: dt.date | None = None) -> Closeout:
    return closeout_many([item], today)[item.id]


def conditions(item: Item, today: dt.date | None = None) -> list[str]:
    """The unmet close-out conditions of one item, in Chinese ([] when it may close)."""
    return closeout_for(item, today).conditions


# --- feedback -------------------------------------------------------------------------------


def _choice(value: Any, enum: type, field_name: str, missing_message: str, *, required: bool = True) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise _fail(field_name, missing_message)
        return ""
    if text not in {m.value for m in enum}:
        raise _fail(field_name, f"“{text}”不是有效的选项")
    return text


def _pick_rater(co: Closeout, actor: Any, submitter_id: Any, submitter_name: Any) -> Submitter:
    raters = co.raters
    if policy.role_of(actor) == Role.SUBMITTER:
        own = [s for s in raters if actor.person_id and s.person_id == actor.person_id]
        if not own:
            raise PermissionDenied("您不是该件的提出人，不能评价")
        mine = own[0]
        if submitter_id not in (None, "") and str(submitter_id) != str(mine.id):
            other = next((s for s in raters if str(s.id) == str(submitter_id)), None)
            if other is None or other.person_id != actor.person_id:
                raise PermissionDenied("您只能以本人名义评价")
        name = (submitter_name or "").strip() if isinstance(submitter_name, str) else ""
        if name and name != mine.name:
            raise PermissionDenied("您只能以本人名义评价")
        return mine
    if submitter_id not in (None, ""):
        found = next((s for s in raters if str(s.id) == str(submitter_id)), None)
        if found is None:
            raise _fail("submitter", "该提出人不是本件（含并案件）的领衔人或附议人")
        return found
    name = (submitter_name or "").strip() if isinstance(submitter_name, str) else ""
    if not name:
        raise _fail("submitter", "请选择提出评价的领衔人或附议人")
    matches = [s for s in raters if s.name == name]
    if not matches:
        raise _fail("submitter", f"“{name}”不是本件（含并案件）的领衔人或附议人")
    if len(matches) > 1:
        raise _fail("submitter", f"本件有多位名为“{name}”的提出人，请用 submitter_id 指明")
    return matches[0]


def give_feedback(item: Item, *, actor: Any, work: Any, result: Any, adoption: Any, comment: Any = "",
                  contacted: bool | None = None, contact_method: Any = "", submitter_id: Any = None,
                  submitter_name: Any = None, today: dt.date | None = None) -> Feedback:
    """One submitter's rating of the current round's reply (DOMAIN.md §7).

    A submitter account rates online as itself; the office enters a paper form for the submitter
    it picks. On a merged child the rating goes to the parent's reply (the group's reply).
    """
    ensure(policy.can(actor, Action.FEEDBACK, item), "您没有权限对该件作出评价")
    target = merging.handling_item(item)
    items.ensure_writable(target)
    today = today or clock.today()
    co = closeout_for(target, today)
    rater = _pick_rater(co, actor, submitter_id, submitter_name)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, enum, msg in (("work", Rating, "请选择对办理工作的评价"),
                            ("result", Rating, "请选择对办理结果的评价"),
                            ("adoption", Adoption, "请选择采纳情况")):
        try:
            values[name] = _choice({"work": work, "result": result, "adoption": adoption}[name], enum, name, msg)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    try:
        values["contact_method"] = _choice(contact_method, ContactMethod, "contact_method", "", required=False)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    text = "" if comment is None else str(comment).strip()
    if len(text) > TEXT_MAX:
        errors["comment"] = f"不能超过 {TEXT_MAX} 个字"
    if Rating.DISSATISFIED.value in (values.get("work"), values.get("result")) and not text:
        errors["comment"] = "评价为不满意的，请填写意见和理由"
    if contacted is not None and not isinstance(contacted, bool):
        errors["contacted"] = "应为是或否"
    if contacted is False and values.get("contact_method"):
        errors["contact_method"] = "未沟通时不填沟通方式"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    if not co.reply_sent:
        raise Conflict("答复尚未发送，暂不能评价" if co.round == 1
                       else f"第 {co.round} 轮答复尚未发送，暂不能评价", code="no_reply_yet")
    if not co.feedback_open:
        raise Conflict(f"{'、'.join(co.awaiting)}尚未发送答复，各承办单位答复后方可评价", code="no_reply_yet")
    online = policy.role_of(actor) == Role.SUBMITTER
    source = FeedbackSource.ONLINE if online else FeedbackSource.PAPER
    now = clock.now()
    with db.atomic():
        existing = Feedback.get_or_none((Feedback.item == target.id) & (Feedback.submitter == rater.id)
                                        & (Feedback.round == co.round))
        replaced = False
        if existing is not None:
            if existing.source != FeedbackSource.WINDOW_EXPIRED.value:
                raise Conflict(f"{rater.name}已对本轮答复作出评价，不能重复提交", code="feedback_exists")
            replaced = True
            fb = existing
        else:
            fb = Feedback(item=target.id, submitter=rater.id, round=co.round)
        fb.work, fb.result, fb.adoption = values["work"], values["result"], values["adoption"]
        fb.contacted = contacted
        fb.contact_method = values["contact_method"]
        fb.comment = text
        fb.source = source.value
        fb.entered_by = actor.id
        fb.created_at = now
        fb.resolution = ""
        try:
            with db.atomic():
                fb.save()
        except pw.IntegrityError:
            raise Conflict(f"{rater.name}已对本轮答复作出评价，不能重复提交", code="feedback_exists") from None
        how = label(source)
        detail = (f"{rater.name}（{how}）评价第 {co.round} 轮答复：办理工作{label(Rating(fb.work))}，"
                  f"办理结果{label(Rating(fb.result))}，{label(Adoption(fb.adoption))}")
        if replaced:
            detail += "（补录，替换逾期未表态）"
        audit.record("feedback", fb, actor=actor, item_id=target.id,
                     after={"submitter": rater.name, "round": co.round, "work": fb.work, "result": fb.result,
                            "adoption": fb.adoption, "source": fb.source},
                     detail=detail)
        answering_units = {a.unit_id for a in co.answering}
        recipients = [u for uid in answering_units for u in unit_users(uid)]
        notify(recipients, f"收到反馈：{target.number}号 {target.title}", detail, item=target)
        if is_dissatisfied(fb):
            notify(office_users(), f"不满意：{target.number}号 {target.title}",
                   f"{detail}。请决定是否要求重新办理。", item=target)
        items.refresh_status(target)
    return fb


def _record_expired(co: Closeout, *, actor: Any = None) -> int:
    """Record 未表态 for every rater of the current round who did not answer (window over)."""
    if not co.window_over or not co.missing_raters:
        return 0
    now = clock.now()
    for sub in co.missing_raters:
        fb = Feedback.create(item=co.item.id, submitter=sub.id, round=co.round, work=Rating.NO_OPINION.value,
                             result=Rating.NO_OPINION.value, adoption="", source=FeedbackSource.WINDOW_EXPIRED.value,
                             entered_by=getattr(actor, "id", None), created_at=now)
        audit.record("feedback", fb, actor=actor, item_id=co.item.id,
                     after={"submitter": sub.name, "round": co.round, "source": fb.source},
                     detail=f"{sub.name}在征询期（至 {co.window_due.isoformat()}）内未反馈，记为未表态")
    items.refresh_status(co.item)
    return len(co.missing_raters)


def record_expired_feedback(today: dt.date | None = None) -> int:
    """The scheduler's job: after each feedback window, record 未表态 for those who did not answer.

    Idempotent; each item in its own transaction. Returns the number of records made.
    """
    today = today or clock.today()
    # Only a *replied* item can still wait for a rater: ``items.refresh_status`` moves an item on
    # to evaluated / follow-up once every rater of the round has answered. (Loading the close-out
    # facts of every evaluated and follow-up item too cost ~10 s a sweep at 200,000 items.)
    # Light rows for the scan (thousands of items at 200,000); an item found is read again below.
    candidates = _item_rows(Item.select().where(Item.status == ItemStatus.REPLIED.value).order_by(Item.id))
    made = 0
    for co in closeout_many(candidates, today, light=True).values():
        if not co.window_over or not co.missing_raters:
            continue
        try:
            with db.atomic():
                fresh = closeout_for(Item.get_by_id(co.item.id), today)
                made += _record_expired(fresh)
        except pw.IntegrityError:  # someone answered meanwhile; the next run sees it
            continue
    return made


def record_expired_for_item(item: Item, *, actor: Any, today: dt.date | None = None) -> int:
    """The office records 未表态 now for one item whose window is over (the desk's button)."""
    ensure(policy.can(actor, Action.FEEDBACK, item) and policy.role_of(actor) == Role.OFFICE)
    items.ensure_writable(item)
    today = today or clock.today()
    with db.atomic():
        co = closeout_for(item, today)
        if not co.window_over:
            raise Conflict("征询期尚未届满，不能记为未表态"
                           + (f"（征询期至 {co.window_due.isoformat()}）" if co.window_due else ""))
        return _record_expired(co, actor=actor)


def resolve_dissatisfaction(fb: Feedback, *, actor: Any, reason: Any) -> Feedback:
    """The office decides not to re-handle after 不满意, with a reason (resolves it for close-out)."""
    item = Item.get_by_id(fb.item_id)
    ensure(policy.can(actor, Action.REHANDLE, item))
    items.ensure_writable(item)
    text = _text(reason, "reason", "请填写不重新办理的决定及理由")
    if not is_dissatisfied(fb):
        raise Conflict("该评价不是不满意，无需作出处理决定")
    if fb.round != items.current_round(item):
        raise Conflict("该评价属于以前的办理轮次，无需再作决定")
    if fb.resolution:
        raise Conflict("已对该不满意意见作出处理决定", code="already_resolved")
    with db.atomic():
        Feedback.update(resolution=text).where(Feedback.id == fb.id).execute()
        fb.resolution = text
        name = fb.submitter.name
        audit.record("feedback_resolved", fb, actor=actor, item_id=item.id, after={"resolution": text},
                     detail=f"对{name}的不满意意见作出处理决定（不重新办理）：{text}")
        person_id = fb.submitter.person_id
        if person_id:
            # a merged child's submitter reads it through their own item (the parent's page is not theirs)
            own = fb.submitter.item
            told = User.select().where((User.person == person_id) & (User.role == Role.SUBMITTER.value))
            notify(told, f"交办单位已对您的不满意意见作出决定：{own.number}号 {own.title}",
                   f"经研究，不再要求重新办理：{text}", item=own)
        items.refresh_status(item)
    return fb


def get_feedback_for(user: Any, feedback_id: int) -> Feedback:
    fb = Feedback.get_or_none(Feedback.id == feedback_id)
    if fb is None:
        raise NotFound()
    items.get_item_for(user, fb.item_id)
    return fb


# --- re-handling ----------------------------------------------------------------------------


def rehandle_dates(item: Item, today: dt.date) -> tuple[dt.date, dt.date]:
    """(default re-handling date from the profile, latest date allowed) counted from ``today``."""
    rs = rules.rule_set(item.session)
    cal = rules.work_calendar()
    default = deadlines.add_period(today, rs.clock("rehandle"), cal, key="rehandle",
                                   roll_forward=rs.roll_forward).due
    cap = deadlines.add_period(today, rs.clock("reply_cap"), cal, key="reply_cap",
                               roll_forward=rs.roll_forward).due
    return default, max(cap, default)


def order_rehandling(item: Item, *, actor: Any, reason: Any, reply_due: dt.date | None = None,
                     today: dt.date | None = None) -> list[Assignment]:
    """After 不满意: reopen the answering assignments for a new round with a new reply date."""
    ensure(policy.can(actor, Action.REHANDLE, item))
    items.ensure_writable(item)
    text = _text(reason, "reason", "请填写重新办理的理由")
    today = today or clock.today()
    default_due, cap = rehandle_dates(item, today)
    if reply_due is not None:
        if reply_due <= today:
            raise _fail("reply_due", "重新办理期限须晚于今天")
        if reply_due > cap:
            raise _fail("reply_due", f"重新办理期限不能晚于 {cap.isoformat()}（自重新交办之日起最长 "
                                     f"{rules.rule_set(item.session).clock('reply_cap').label}）")
    due = reply_due or default_due
    with db.atomic():
        co = closeout_for(Item.get_by_id(item.id), today)
        if not co.dissatisfied:
            raise Conflict("只有提出人对本轮答复不满意（且未作处理决定）时才能要求重新办理",
                           code="no_dissatisfaction")
        pending = [a for a in co.answering if a.status not in REPLIED_STATES]
        if pending:
            raise Conflict("、".join(a.unit.name for a in pending) + "尚未答复，不能要求重新办理")
        new_round = co.round + 1
        now = clock.now()
        reopened = []
        for a in co.answering:
            assignments.transition(a, Action.REHANDLE)
            # the new round's cap counts from the re-assignment, as its date does (rehandle_dates):
            # the page's 最长 and an extension in this round go by it, not by the first round's
            a.round, a.rehandle_due, a.reply_due_max = new_round, due, max(a.reply_due_max, cap)
            a.current_due = assignments.current_due_of(a)
            Assignment.update(round=new_round, rehandle_due=due, current_due=a.current_due,
                              reply_due_max=a.reply_due_max, updated_at=now).where(Assignment.id == a.id).execute()
            reopened.append(a)
        dissatisfied = list(dict.fromkeys(fb.submitter.name for fb in co.dissatisfied))
        names = "、".join(dissatisfied)
        units = "、".join(a.unit.name for a in reopened)
        audit.record("rehandle_ordered", item, actor=actor, item_id=item.id,
                     after={"round": new_round, "rehandle_due": due.isoformat(), "reason": text,
                            "units": [a.unit.name for a in reopened], "dissatisfied": dissatisfied},
                     detail=f"因{names}不满意，要求{units}重新办理（第 {new_round} 轮），"
                            f"期限 {due.isoformat()}：{text}")
        for a in reopened:
            notify([a.handler, *unit_users(a.unit_id)], f"重新办理通知：{item.number}号 {item.title}",
                   f"提出人对答复不满意，交办单位要求重新办理（第 {new_round} 轮），"
                   f"请于 {due.isoformat()} 前重新答复。理由：{text}", item=item)
        # every submitter of the group gets the new round's reply and rates it again
        from tracker.replies.services import merged_note, submitters_by_item

        for own, users in submitters_by_item(item):
            notify(users, f"您的{items.noun(own.kind)}将重新办理：{own.number}号 {own.title}",
                   f"因对第 {co.round} 轮答复不满意，交办单位已要求{units}重新办理，答复期限 {due.isoformat()}。"
                   + merged_note(own, item) + "新的答复发送后，请再次评价。", item=own)
        items.refresh_status(item)
    return reopened


# --- commitments ----------------------------------------------------------------------------


def _write_commitment(c: Commitment, action: Action, **fields: Any) -> CommitmentStatus:
    """The only writer of Commitment.status (optimistic: a concurrent change gets 409)."""
    from tracker.core.errors import StaleVersion

    new = workflow.commitment_next(CommitmentStatus(c.status), action)
    rows = (Commitment.update(status=new.value, version=Commitment.version + 1, **fields)
            .where((Commitment.id == c.id) & (Commitment.version == c.version)).execute())
    if rows != 1:
        raise StaleVersion()
    c.status = new.value
    c.version += 1
    for key, value in fields.items():
        setattr(c, key, value)
    return new


def _ensure_sent(c: Commitment) -> None:
    if c.reply.status != ReplyStatus.SENT.value:
        raise Conflict("答复尚未发送，其承诺事项暂不能办理", code="reply_not_sent")


def fulfil_commitment(c: Commitment, *, actor: Any, evidence: Any, fulfilled_on: dt.date | None = None,
                      today: dt.date | None = None) -> Commitment:
    """The unit records that a commitment is kept, with evidence."""
    ensure(policy.can(actor, Action.FULFIL_COMMITMENT, c), "只有承办该件的单位才能登记承诺兑现")
    item = c.assignment.item
    items.ensure_writable(item)
    _ensure_sent(c)
    text = _text(evidence, "evidence", "请填写兑现情况及佐证")
    today = today or clock.today()
    fulfilled_on = fulfilled_on or today
    if fulfilled_on > today:
        raise _fail("fulfilled_on", "兑现日期不能晚于今天")
    promised_on = c.reply.sent_on if c.reply_id else None
    if promised_on and fulfilled_on < promised_on:  # a promise is kept after it is made
        raise _fail("fulfilled_on", f"兑现日期不能早于作出承诺的答复发送日期（{promised_on.isoformat()}）")
    with db.atomic():
        _write_commitment(c, Action.FULFIL_COMMITMENT, fulfilled_on=fulfilled_on, fulfilled_by=actor.id,
                          evidence=text)
        late = fulfilled_on > c.due_on
        unit = c.assignment.unit.name
        audit.record("commitment_fulfilled", c, actor=actor, item_id=item.id, unit_id=c.assignment.unit_id,
                     after={"fulfilled_on": fulfilled_on.isoformat(), "evidence": text},
                     detail=f"{unit}兑现承诺“{_short(c.text)}”" + ("（逾期兑现）" if late else "") + f"：{text}")
        notify(office_users(), f"承诺已兑现：{item.number}号 {item.title}",
               f"{unit}兑现承诺“{_short(c.text)}”：{text}", item=item)
        items.refresh_status(item)
    return c


def carry_over_allowed(due_on: dt.date, today: dt.date) -> bool:
    """Open commitments may be carried over at the end of their due year (from 1 December on)."""
    return today >= dt.date(due_on.year, 12, 1)


def carry_over_commitment(c: Commitment, *, actor: Any, reason: Any, today: dt.date | None = None) -> Commitment:
    """The office carries an open commitment over to next year, with a reason (结转下年)."""
    ensure(policy.can(actor, Action.CARRY_OVER_COMMITMENT, c), "只有交办单位可以结转承诺事项")
    item = c.assignment.item
    items.ensure_writable(item)
    _ensure_sent(c)
    text = _text(reason, "reason", "请填写结转理由")
    today = today or clock.today()
    if c.status == CommitmentStatus.OPEN.value and not carry_over_allowed(c.due_on, today):
        raise Conflict(f"承诺期限为 {c.due_on.isoformat()}，须在 {c.due_on.year} 年 12 月 1 日起（年末）方可结转下年",
                       code="carry_over_too_early")
    with db.atomic():
        _write_commitment(c, Action.CARRY_OVER_COMMITMENT, carry_reason=text)
        unit = c.assignment.unit.name
        audit.record("commitment_carried_over", c, actor=actor, item_id=item.id, unit_id=c.assignment.unit_id,
                     after={"reason": text}, detail=f"承诺“{_short(c.text)}”（{unit}）结转下年：{text}")
        notify(unit_users(c.assignment.unit_id), f"承诺事项结转下年：{item.number}号",
               f"承诺“{_short(c.text)}”已结转下年继续落实：{text}", item=item)
        items.refresh_status(item)
    return c


def carry_over_year(year: int, *, actor: Any, reason: Any, today: dt.date | None = None) -> int:
    """Carry over every open commitment due in ``year`` or before (all or nothing)."""
    ensure(policy.has(actor, policy.Perm.OFFICE_DESK), "只有交办单位可以结转承诺事项")
    text = _text(reason, "reason", "请填写结转理由")
    today = today or clock.today()
    if not year or not carry_over_allowed(dt.date(int(year), 1, 1), today):
        raise _fail("year", f"{year} 年的承诺事项须在该年 12 月 1 日起方可结转")
    rows = list(open_commitments().where(Commitment.due_on <= dt.date(int(year), 12, 31))
                .where(Item.status.not_in(list(FINISHED_ITEM_STATES))))
    if not rows:
        raise Conflict(f"{year} 年没有需要结转的未兑现承诺事项", code="nothing_to_carry")
    with db.atomic():
        for c in rows:
            carry_over_commitment(c, actor=actor, reason=text, today=today)
    return len(rows)


def open_commitments() -> pw.ModelSelect:
    return (Commitment.select(Commitment, Reply, Assignment, Unit, Item)
            .join(Reply).switch(Commitment).join(Assignment).join(Unit).switch(Assignment).join(Item)
            .where((Reply.status == ReplyStatus.SENT.value) & (Commitment.status == CommitmentStatus.OPEN.value)))


# the commitments still followed up (not yet kept): the default of the commitments page
PENDING = "pending"
PENDING_STATUSES = (CommitmentStatus.OPEN.value, CommitmentStatus.CARRIED_OVER.value)


def commitments_for(user: Any, *, unit_id: int | None = None, status: str | None = None,
                    overdue: bool = False, item_id: int | None = None,
                    today: dt.date | None = None) -> pw.ModelSelect:
    """Commitments of sent replies the user may see: a unit its own, the office and leaders all.

    ``status``: one CommitmentStatus value, or :data:`PENDING` (open or carried over).
    Ordered open first, then carried over, then kept; by due date within each.
    """
    # the unit and the item are only shown: outer joins (their keys are never null), so that the
    # database reads the commitments first (by status and due date) and never all units' assignments
    query = (Commitment.select(Commitment, Reply, Assignment, Unit, Item)
             .join(Reply).switch(Commitment).join(Assignment)
             .join(Unit, pw.JOIN.LEFT_OUTER).switch(Assignment).join(Item, pw.JOIN.LEFT_OUTER))
    query = _filter_commitments(query, user, unit_id=unit_id, status=status, overdue=overdue, item_id=item_id,
                                today=today)
    if overdue or (status and status != PENDING):  # one status: the rank is constant (index order)
        return query.order_by(Commitment.due_on, Commitment.id)
    rank = pw.Case(Commitment.status, [(CommitmentStatus.OPEN.value, 0), (CommitmentStatus.CARRIED_OVER.value, 1)], 2)
    return query.order_by(rank, Commitment.due_on, Commitment.id)


def count_commitments_for(user: Any, *, unit_id: int | None = None, status: str | None = None,
                          overdue: bool = False, item_id: int | None = None,
                          today: dt.date | None = None) -> int:
    """How many rows :func:`commitments_for` gives (without reading the units and items)."""
    query = Commitment.select(Commitment.id).join(Reply)
    if policy.role_of(user) in policy.UNIT or unit_id or item_id:
        query = query.switch(Commitment).join(Assignment)
    return _filter_commitments(query, user, unit_id=unit_id, status=status, overdue=overdue, item_id=item_id,
                               today=today).count()


def _filter_commitments(query: pw.ModelSelect, user: Any, *, unit_id: int | None, status: str | None,
                        overdue: bool, item_id: int | None, today: dt.date | None) -> pw.ModelSelect:
    ensure(policy.has(user, policy.Perm.LIST_ITEMS), "您没有权限查看承诺事项")
    today = today or clock.today()
    query = query.where(Reply.status == ReplyStatus.SENT.value)
    role = policy.role_of(user)
    if role in policy.UNIT:
        query = query.where(Assignment.unit == (user.unit_id or -1))
    elif unit_id:
        query = query.where(Assignment.unit == unit_id)
    if status == PENDING:
        query = query.where(Commitment.status.in_(PENDING_STATUSES))
    elif status:
        query = query.where(Commitment.status == status)
    if overdue:
        query = query.where((Commitment.status == CommitmentStatus.OPEN.value) & (Commitment.due_on < today))
    if item_id:
        query = query.where(Assignment.item == item_id)
    return query


def get_commitment_for(user: Any, commitment_id: int) -> Commitment:
    c = Commitment.get_or_none(Commitment.id == commitment_id)
    if c is None or not policy.can_view_assignment(user, c.assignment) or c.reply.status != ReplyStatus.SENT.value:
        raise NotFound()
    return c


# --- the 3+1 checklist ----------------------------------------------------------------------


def checklist_for(item: Item) -> list[UnitChecklist]:
    return closeout_for(item).checklist


# The checklist entries that belong before the reply: the talks before and during handling, and
# the face-to-face meeting a leader-led item requires (DOMAIN.md §4).
BEFORE_REPLY = frozenset({"contact_before", "contact_during", "face_to_face"})


def unmet_before_reply(a: Assignment) -> list[str]:
    """The labels of the answering unit's "3+1" entries that belong before the reply and are not
    met: the unit leader's sign-off and the office's review show them (a warning; close-out is
    where the checklist may block)."""
    unit_name = a.unit.name
    for uc in closeout_for(a.item).checklist:
        if uc.unit == unit_name:
            return [r.label for r in uc.results if r.requirement in BEFORE_REPLY and r.met is False]
    return []


# --- close-out and archive ------------------------------------------------------------------


def close_item(item: Item, *, actor: Any, note: Any = "", today: dt.date | None = None) -> Item:
    """对账销号: only when DOMAIN.md §6's conditions hold; else 409 whose ``details`` list them."""
    ensure(policy.can(actor, Action.CLOSE, item))
    text = _text(note, "note", None)
    today = today or clock.today()
    with db.atomic():
        item = Item.get_by_id(item.id)
        if item.status in FINISHED_ITEM_STATES:
            workflow.item_next(ItemStatus(item.status), Action.CLOSE)  # raises 409 in Chinese
        co = closeout_for(item, today)
        _record_expired(co, actor=None)  # an over window counts as 未表态, recorded now
        co = closeout_for(item, today)
        if co.conditions:
            raise Conflict("该件尚不具备销号条件：" + "；".join(co.conditions), code="closeout_conditions_unmet",
                           details=co.conditions)
        items.refresh_status(item)
        for a in co.answering + [a for a in Assignment.select().where(
                (Assignment.item == item.id) & (Assignment.role == "co")
                & (Assignment.status != AssignmentStatus.RETURNED.value))]:
            if workflow.assignment_allows(AssignmentStatus(a.status), Action.COMPLETE):
                assignments.transition(a, Action.COMPLETE)
        now = clock.now()
        Item.update(closed_at=now, close_note=text).where(Item.id == item.id).execute()
        item.closed_at, item.close_note = now, text
        detail = "对账销号" + (f"：{text}" if text else "")
        if co.warnings:
            detail += "（" + "；".join(co.warnings) + "）"
        items.apply_item_action(item, Action.CLOSE, actor=actor, audit_type="closed", detail=detail)
        recipients = [u for a in co.answering for u in unit_users(a.unit_id)]
        notify(recipients, f"已销号：{item.number}号 {item.title}", detail, item=item)
    return item


def archive_item(item: Item, *, actor: Any) -> Item:
    """归档 after close-out."""
    ensure(policy.can(actor, Action.ARCHIVE, item))
    with db.atomic():
        item = Item.get_by_id(item.id)
        now = clock.now()
        items.apply_item_action(item, Action.ARCHIVE, actor=actor, audit_type="archived", detail="归档")
        Item.update(archived_at=now).where(Item.id == item.id).execute()
        item.archived_at = now
    return item


# --- reconciliation (对账) ------------------------------------------------------------------

_RANGE_RE = re.compile(r"^(\d+)\s*[-~～—–至到]+\s*(\d+)$")
_SPLIT_RE = re.compile(r"[\s,，;；、]+")
MAX_RANGE = 20000


def number_key(value: Any) -> str:
    """How two 案号 compare: "第０１２号" == "12"; text numbers compared case-insensitively."""
    from tracker.items.importing import normalise_number

    text = normalise_number(value)
    return str(int(text)) if text.isdigit() else text.upper()


def parse_numbers(text: str, known: Collection[str] = ()) -> tuple[list[str], list[str]]:
    """Pasted numbers: one per line (or separated by commas), ranges like 1-120. (numbers, problems).

    ``known``: the session's numbers (:func:`number_key`); one written like a backwards range
    ("12-1", a sub-number the registration takes) is that number, not a range to refuse."""
    numbers: list[str] = []
    problems: list[str] = []
    text = unicodedata.normalize("NFKC", text or "")
    for line_no, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        pieces = [line] if _RANGE_RE.match(line) else [p for p in _SPLIT_RE.split(line) if p]
        for piece in pieces:
            m = _RANGE_RE.match(piece)
            if m and int(m.group(2)) < int(m.group(1)) and number_key(piece) in known:
                numbers.append(piece)
            elif m:
                lo, hi = int(m.group(1)), int(m.group(2))
                if hi < lo:
                    problems.append(f"第 {line_no} 行：范围“{piece}”的起号大于止号")
                elif hi - lo + 1 > MAX_RANGE:
                    problems.append(f"第 {line_no} 行：范围“{piece}”过大（最多 {MAX_RANGE} 个号）")
                else:
                    numbers.extend(str(n) for n in range(lo, hi + 1))
            else:
                numbers.append(piece)
    return numbers, problems


def session_number_keys(session: Session) -> set[str]:
    """The :func:`number_key` of every item of the session."""
    return {number_key(n) for (n,) in Item.select(Item.number).where(Item.session == session.id).tuples()}


def numbers_from_xlsx(data: bytes, *, documents: bool = False) -> list[str]:
    """The 案号 column of an uploaded .xlsx list (other columns are ignored); ``documents``: a
    list of 三书一函, whose number is the 文书编号 (their "案号" is the court case's, not theirs)."""
    from tracker.items.importing import (
        HEADER_VARIANTS,
        ImportFileError,
        _looks_like_note,
        find_header,
        normalise_header,
        read_rows,
    )

    rows = read_rows(data)
    col = None
    start = 0
    if documents:
        from tracker.supervision.importing import DOCUMENT_HEADERS

        words = [normalise_header(w) for w in DOCUMENT_HEADERS["number"]]  # best first: 文书编号 before 编号
        for index, row in enumerate(rows[:15]):
            found = {normalise_header(cell): c for c, cell in enumerate(row) if isinstance(cell, str)}
            hit = next((found[w] for w in words if w in found), None)
            if hit is not None:
                col, start = hit, index + 1
                break
        if col is None:
            raise ImportFileError("未找到文书编号列：请确认表头含“文书编号”“文号”或“编号”等")
    else:
        try:
            index, columns = find_header(rows)
            col = next((c for c, f in columns.items() if f == "number"), None)
            start = index + 1
        except ImportFileError:
            pass
    if col is None:
        words = {normalise_header(w) for w in HEADER_VARIANTS["number"]}
        for index, row in enumerate(rows[:15]):
            hit = next((c for c, cell in enumerate(row) if isinstance(cell, str) and normalise_header(cell) in words),
                       None)
            if hit is not None:
                col, start = hit, index + 1
                break
    if col is None:
        raise ImportFileError("未找到案号列：请确认表头含“案号”“建议号”“提案号”或“编号”等")
    out = []
    for row in rows[start:]:
        cell = row[col] if col < len(row) else None
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        if isinstance(cell, str) and _looks_like_note(cell):
            continue  # notes such as "合计 3 件" or "制表人：张三" below the data, headings "一、经济类"
        # any 案号 the registration takes: "12", "A12", "建001", a 三书一函's "沪检建〔2026〕3号"
        out.append(number_key(cell))
    return out


def holds_documents(session: Session) -> bool:
    """Whether the session is one of 三书一函 (it has items, all of them documents): its list
    names them by 文书编号."""
    kinds = {k for (k,) in Item.select(Item.kind).where(Item.session == session.id).distinct().tuples()}
    return bool(kinds) and all(is_supervision_kind(k) for k in kinds)


class NotClosable(NamedTuple):
    """An open item that cannot close yet: the item (a light row), its unmet conditions and their kinds."""

    item: Any
    conditions: list[str]
    kinds: tuple[str, ...]


@dataclass
class SessionOverview:
    """Where a session's items stand for close-out."""

    status_counts: list[tuple[str, int]]
    closable: list[Any]  # light rows (id, number, title, status), by number
    not_closable: list[NotClosable]  # by number
    closed: int

    def blocker_counts(self) -> list[tuple[str, int]]:
        """How many items each kind of unmet condition holds back (checklist.BLOCKERS order)."""
        counts = Counter(kind for n in self.not_closable for kind in n.kinds)
        return [(kind, counts[kind]) for kind in BLOCKERS if counts.get(kind)]

    def blocked_by(self, kind: str | None) -> list[NotClosable]:
        """The items not closable, or only those held back by ``kind``."""
        return [n for n in self.not_closable if kind is None or kind in n.kinds]


@dataclass
class Reconciliation:
    session: Session
    ours: int
    theirs: int
    both: int
    only_ours: list[Any]  # light rows (id, number, title, status)
    only_theirs: list[str]
    duplicates_theirs: list[str]
    overview: SessionOverview
    problems: list[str] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return not self.only_ours and not self.only_theirs

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        return self.overview.status_counts

    @property
    def closable(self) -> list[Any]:
        return self.overview.closable

    @property
    def not_closable(self) -> list[NotClosable]:
        return self.overview.not_closable

    @property
    def closed(self) -> int:
        return self.overview.closed


def _sort_key(number: str) -> tuple[int, int, str]:
    return (0, int(number), "") if number.isdigit() else (1, 0, number)


def session_overview(session: Session, today: dt.date | None = None) -> SessionOverview:
    """Per-status counts, closable items, not-yet-closable items with why, and the closed count
    (items as light rows: id, number, title, status...)."""
    counts = Counter(s for (s,) in Item.select(Item.status).where(Item.session == session.id).tuples())
    status_counts = [(s.value, counts[s.value]) for s in ItemStatus if counts.get(s.value)]
    open_items = _item_rows(Item.select().where((Item.session == session.id)
                                                & Item.status.not_in(list(FINISHED_ITEM_STATES))))
    open_items.sort(key=lambda i: _sort_key(number_key(i.number)))
    facts = closeout_many(open_items, today, light=True)  # a session's open items: thousands
    closable = [i for i in open_items if facts[i.id].closable]
    not_closable = [NotClosable(i, facts[i.id].conditions, facts[i.id].kinds)
                    for i in open_items if not facts[i.id].closable]
    closed = counts.get(ItemStatus.CLOSED.value, 0) + counts.get(ItemStatus.ARCHIVED.value, 0)
    return SessionOverview(status_counts, closable, not_closable, closed)


def reconcile(session: Session, numbers: Sequence[str], *, actor: Any, problems: Sequence[str] = (),
              today: dt.date | None = None) -> Reconciliation:
    """Compare the session's items with the numbers on the NPC/CPPCC office's list."""
    ensure(policy.has(actor, policy.Perm.OFFICE_DESK), "只有交办单位可以对账")
    if not numbers:
        raise _fail("numbers", "请上传清单或粘贴案号")
    keys = [number_key(n) for n in numbers]
    counted = Counter(keys)
    theirs = set(counted)
    ours_items = _item_rows(Item.select().where(Item.session == session.id))  # light rows: thousands
    ours = {number_key(i.number): i for i in ours_items}
    only_ours = sorted((i for k, i in ours.items() if k not in theirs), key=lambda i: _sort_key(number_key(i.number)))
    only_theirs = sorted((k for k in theirs if k not in ours), key=_sort_key)
    result = Reconciliation(
        session=session, ours=len(ours_items), theirs=len(theirs), both=len(theirs & set(ours)),
        only_ours=only_ours, only_theirs=only_theirs,
        duplicates_theirs=sorted((k for k, n in counted.items() if n > 1), key=_sort_key),
        overview=session_overview(session, today),
        problems=list(problems),
    )
    audit.record("reconciled", session, actor=actor,
                 after={"ours": result.ours, "theirs": result.theirs, "only_ours": len(only_ours),
                        "only_theirs": len(only_theirs)},
                 detail=f"{session.name}对账：本系统 {result.ours} 件，清单 {result.theirs} 件，"
                        f"仅本系统有 {len(only_ours)} 件，仅清单有 {len(only_theirs)} 件")
    return result


# --- who may see which submitter's feedback -------------------------------------------------


def visible_feedback(co: Closeout, user: Any) -> list[Feedback]:
    """Submitters see their own ratings; everyone else who sees the item sees all."""
    if policy.role_of(user) == Role.SUBMITTER:
        mine = {s.id for s in co.raters if user.person_id and s.person_id == user.person_id}
        return [fb for fb in co.feedback if fb.submitter_id in mine]
    return list(co.feedback)


def rater_for(co: Closeout, user: Any) -> Submitter | None:
    if policy.role_of(user) != Role.SUBMITTER or not user.person_id:
        return None
    return next((s for s in co.raters if s.person_id == user.person_id), None)


class SessionTally(NamedTuple):
    """A session on the reconciliation index, with how far its ledger is crossed off."""

    session: Session
    items: int  # registered and still counted (not merged into another, not withdrawn)
    closed: int  # 已销号 or archived


def sessions_for_reconcile() -> list[SessionTally]:
    counted = Item.status.not_in([ItemStatus.MERGED.value, ItemStatus.WITHDRAWN.value])
    closed = Item.status.in_([ItemStatus.CLOSED.value, ItemStatus.ARCHIVED.value])
    tallies = {session_id: (total, done) for session_id, total, done in (
        Item.select(Item.session, pw.fn.COUNT(Item.id), pw.fn.SUM(pw.Case(None, [(closed, 1)], 0)))
        .where(counted).group_by(Item.session).tuples())}
    return [SessionTally(s, *(int(n or 0) for n in tallies.get(s.id, (0, 0))))
            for s in Session.select().order_by(Session.year.desc(), Session.id.desc())]


def user_display(user_id: int | None) -> str:
    if not user_id:
        return ""
    user = User.get_or_none(User.id == user_id)
    return user.display if user else ""


# --- the office's close-out queues (the desk) -----------------------------------------------

DESK_QUEUES = ("expired", "dissatisfied", "ready")


@dataclass
class OfficeQueues:
    """The items of the office's three close-out queues, most urgent first (ids; exact)."""

    expired: list[int]  # the feedback window is over and someone has not rated: oldest window first
    dissatisfied: list[int]  # an unresolved 不满意 in the current round
    ready: list[int]  # every close-out condition is met

    def count(self, queue: str) -> int:
        return len(getattr(self, queue))


def _item_rows(query: pw.ModelSelect) -> list[Any]:
    """Light item rows with what :func:`_closeout_batch` reads of an item, and its number and title."""
    return fetch_objects(query.select(Item.id, Item.session, Item.status, Item.tier, Item.kind, Item.merged_into,
                                      Item.number, Item.title))


def _queue_candidates(today: dt.date) -> pw.ModelSelect:
    """Items after the reply that may be in one of the office's queues, in one query.

    Only a filter in front of the facts, never a decision: an item is left out only when the
    facts cannot put it in any queue. An open commitment of a sent reply blocks close-out
    (:func:`closeout_conditions`), so such an item is left out unless it may be in one of the
    other two queues: it has an unresolved 不满意 in some round, or a submitter (of it or of a
    child merged into it) has no feedback in the current round."""
    a, r, c = Assignment.alias(), Reply.alias(), Commitment.alias()
    f, s, k, a2 = Feedback.alias(), Submitter.alias(), Item.alias(), Assignment.alias()
    open_commitment = (c.select(pw.SQL("1")).join(r, on=(c.reply == r.id)).switch(c)
                       .join(a, on=(c.assignment == a.id))
                       .where((a.item == Item.id) & (r.assignment == a.id) & a.role.in_(sorted(ANSWERING))
                              & (a.status != AssignmentStatus.RETURNED.value)
                              & (r.status == ReplyStatus.SENT.value)
                              & (c.status == CommitmentStatus.OPEN.value)))
    unresolved = f.select(pw.SQL("1")).where((f.item == Item.id) & items.unresolved_dissatisfaction(f))
    current_round = pw.fn.COALESCE(a2.select(pw.fn.MAX(a2.round)).where(a2.item == Item.id), 1)
    f2, s2, f3 = Feedback.alias(), Submitter.alias(), Feedback.alias()

    def unrated(feedback: Any, submitter: Any) -> pw.Expression:
        return ~pw.fn.EXISTS(feedback.select(pw.SQL("1")).where(
            (feedback.item == Item.id) & (feedback.submitter == submitter.id) & (feedback.round == current_round)))

    # two EXISTS, not one with "item = x OR item IN (children)": PostgreSQL cannot use the
    # submitters' item index for such an OR and scanned every submitter once per item (60 s)
    not_rated = (pw.fn.EXISTS(s.select(pw.SQL("1")).where((s.item == Item.id) & unrated(f2, s)))
                 | pw.fn.EXISTS(s2.select(pw.SQL("1")).join(k, on=(s2.item == k.id))
                                .where((k.merged_into == Item.id) & (k.status == ItemStatus.MERGED.value)
                                       & unrated(f3, s2))))
    # ... and the window can be over only when a reply of the current round was sent at least
    # the shortest feedback window before today (a day more for the time zone)
    cutoff = today - dt.timedelta(days=_shortest_window_days() - 1)
    a3, r3 = Assignment.alias(), Reply.alias()
    sent_long_ago = (r3.select(pw.SQL("1")).join(a3, on=(r3.assignment == a3.id))
                     .where((a3.item == Item.id) & (r3.round == current_round)
                            & (r3.status == ReplyStatus.SENT.value)
                            & ((r3.sent_on.is_null(False) & (r3.sent_on < cutoff))
                               | (r3.sent_on.is_null() & (r3.sent_at < clock.start_of_local_day(cutoff))))))
    return (Item.select().where(Item.status.in_(AFTER_REPLY_STATES)
                                & (~pw.fn.EXISTS(open_commitment) | pw.fn.EXISTS(unresolved)
                                   | (not_rated & pw.fn.EXISTS(sent_long_ago))))
            .order_by(Item.id))


def _shortest_window_days() -> int:
    """Days the shortest feedback window of any session lasts at least (a working day or a
    calendar day counts one, a month 28 days less the end-of-month clamp)."""
    days = []
    for session in [None, *Session.select()]:
        c = rules.rule_set(session).clock("feedback_window")
        if c.unit is deadlines.PeriodUnit.CALENDAR_MONTH:
            days.append(max(0, 28 * c.amount - 3))
        else:
            days.append(c.amount)
    return min(days)


def office_queues(today: dt.date | None = None) -> OfficeQueues:
    """Which items wait for the office after the reply: the feedback window is over with ratings
    missing (to record 未表态), an unresolved 不满意 (to decide), or close-out is possible.

    Exact: each item that may be in a queue gets its facts, the same as :func:`closeout_many`
    (read as light rows, without model instances); the rows to show are then loaded with
    :func:`queue_rows`."""
    today = today or clock.today()
    expired: list[tuple[dt.date, int]] = []
    dissatisfied: list[int] = []
    ready: list[int] = []
    for item_id, co in closeout_many(_item_rows(_queue_candidates(today)), today, light=True).items():
        if co.window_over and co.missing_raters:
            expired.append((co.window_due, item_id))
        if co.dissatisfied:
            dissatisfied.append(item_id)
        if co.closable:
            ready.append(item_id)
    expired.sort()
    return OfficeQueues(expired=[i for _, i in expired], dissatisfied=dissatisfied, ready=ready)


def queue_rows(item_ids: Sequence[int], today: dt.date | None = None) -> list[Closeout]:
    """The close-out facts (with the records) of the given items, in the given order."""
    items_by_id = {i.id: i for i in Item.select().where(Item.id.in_(list(item_ids)))} if item_ids else {}
    facts = closeout_many([items_by_id[i] for i in item_ids if i in items_by_id], today)
    return [facts[i] for i in item_ids if i in facts]
