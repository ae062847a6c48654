"""Scorecards (定考核办法) as data; scoring a session; manual scores and adjustments.

The rules are pure (assessment/scoring.py); this module loads the records and writes the
office's scores, the per-unit adjustments and the administrators' scorecards (audited).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tracker.accounts import policy
from tracker.assessment import scoring
from tracker.assessment.models import Criterion, Scorecard
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.db import db
from tracker.core.errors import NotFound, PermissionDenied, ValidationFailed, ensure
from tracker.core.i18n import N_

DEFAULT_LEAD = (
    "建议提案办理考核（主办）",
    "lead",
    [
        ("timeliness", "办理时效", 20, "auto"),
        ("contact", "沟通联系", 15, "auto"),
        ("reply_quality", "答复质量（格式、逐条答复、分类准确）", 35, "manual"),
        ("satisfaction", "代表委员满意度", 20, "auto"),
        ("commitments", "承诺兑现", 10, "auto"),
    ],
)
DEFAULT_CO = (
    "建议提案办理考核（会办）",
    "co",
    [
        ("opinion_on_time", "会办意见按时提交", 50, "auto"),
        ("opinion_quality", "会办意见质量", 50, "manual"),
    ],
)


def ensure_default_scorecards() -> None:
    for name, applies_to, criteria in (DEFAULT_LEAD, DEFAULT_CO):
        card = Scorecard.get_or_none(Scorecard.name == name)
        if card is not None:
            continue
        card = Scorecard.create(name=name, applies_to=applies_to, is_default=True)
        for pos, (key, label, weight, method) in enumerate(criteria):
            Criterion.create(scorecard=card, key=key, label=label, weight=weight,
                             method=method, position=pos)


def default_scorecard(applies_to: str) -> Scorecard | None:
    return (
        Scorecard.select()
        .where((Scorecard.applies_to == applies_to) & (Scorecard.is_default == True))  # noqa: E712
        .first()
    )


def active_scorecards():
    return Scorecard.select().where(Scorecard.active == True).order_by(Scorecard.id)  # noqa: E712


# --- scoring a session -------------------------------------------------------------------------

RED_SLIP_SETTING = "assessment_red_slip_points"
ADJUSTMENT_KINDS = {"organisational": N_("组织工作加分"), "deduction": N_("扣分（通报等）")}  # N_: pages translate


def red_slip_points() -> float:
    from tracker.rules.services import get_setting

    value = get_setting(RED_SLIP_SETTING)
    return scoring.DEFAULT_RED_SLIP_POINTS if value is None else float(value)


def set_red_slip_points(points: Any, *, actor: Any) -> float:
    ensure(policy.has(actor, policy.Perm.MANAGE_SCORECARDS), "只有系统管理员可以修改考核办法")
    try:
        value = round(float(points), 2)
    except (TypeError, ValueError):
        raise ValidationFailed("每张红单扣分应为数字", fields={"red_slip_points": "应为数字"}) from None
    if not 0 <= value <= 100:
        raise ValidationFailed("每张红单扣分应在 0 到 100 之间", fields={"red_slip_points": "应在 0 到 100 之间"})
    from tracker.rules.services import set_setting

    set_setting(RED_SLIP_SETTING, value, actor=actor)
    return value


def may_view_unit(user: Any, unit_id: int) -> bool:
    """Office and leaders see every unit; a unit's own users see their unit (read-only)."""
    if policy.has(user, policy.Perm.VIEW_ASSESSMENT):
        return True
    return (policy.role_of(user) in policy.UNIT and user.unit_id is not None
            and int(user.unit_id) == int(unit_id))


def _specs() -> dict[int, tuple[str, list[scoring.CriterionSpec]]]:
    cards: dict[int, tuple[str, list[scoring.CriterionSpec]]] = {
        c.id: (c.name, []) for c in Scorecard.select()
    }
    for crit in Criterion.select().order_by(Criterion.position, Criterion.id):
        if crit.scorecard_id in cards:
            cards[crit.scorecard_id][1].append(scoring.CriterionSpec(
                key=crit.key, label=crit.label, weight=crit.weight, method=crit.method, id=crit.id))
    return cards


def _manual_entries(assignment_ids: Any) -> dict[int, dict[int, scoring.ManualEntry]]:
    from tracker.accounts.models import User
    from tracker.assessment.records import ManualScore

    out: dict[int, dict[int, scoring.ManualEntry]] = {}
    query = (ManualScore.select(ManualScore, User.name).join(User)
             .where(ManualScore.assignment.in_(assignment_ids)))
    for row in query:
        out.setdefault(row.assignment_id, {})[row.criterion_id] = scoring.ManualEntry(
            points=float(row.points), note=row.note, by=row.by.name, on=clock.local_date(row.at))
    return out


@dataclass
class SessionAssessment:
    """Scores and ranking of a session (``session``) or of a whole year (``year``)."""

    session: Any
    today: dt.date
    units: list[scoring.UnitScore]
    red_slip_points: float
    year: int | None = None

    @property
    def label(self) -> str:
        return self.session.name if self.session is not None else f"{self.year} 年度全部会次"

    @property
    def scope_args(self) -> dict[str, int]:
        """Query-string arguments naming this scope (``session=ID`` or ``year=YYYY``)."""
        return {"session": self.session.id} if self.session is not None else {"year": self.year}

    def unit(self, unit_id: int) -> scoring.UnitScore | None:
        return next((u for u in self.units if u.unit_id == unit_id), None)


def score_items(facts: list, today: dt.date, manual: Any = None) -> list[scoring.ItemScore]:
    """Score each non-void assignment with its own scorecard (else the default one).

    ``manual``: the assignments whose manual scores to load (a subquery or ids); default the facts'.
    """
    cards = _specs()
    defaults = {kind: default_scorecard(kind) for kind in ("lead", "co")}
    if manual is None:
        manual = [f.assignment_id for f in facts]
    entries = _manual_entries(manual) if facts else {}
    out = []
    for f in facts:
        if f.void:
            continue
        card_id = f.scorecard_id
        if card_id not in cards:
            default = defaults["co" if f.is_co else "lead"]
            card_id = default.id if default else None
        if card_id is None:
            continue
        name, specs = cards[card_id]
        out.append(scoring.score_item(f, name, specs, today, entries.get(f.assignment_id, {})))
    return out


def _assess(flt: Any, session_ids: Any, *, today: dt.date, unit_id: int | None) -> tuple[list, float]:
    from tracker.assessment.records import Adjustment
    from tracker.ledger.stats_queries import assignment_ids, load_facts
    from tracker.units.models import Unit

    facts = load_facts(flt)
    items = score_items(facts, today, manual=assignment_ids(flt))
    query = Adjustment.select().where(Adjustment.session.in_(session_ids))
    if unit_id:
        query = query.where(Adjustment.unit == unit_id)
    rows = list(query.select(Adjustment, Unit.id, Unit.name).join(Unit).order_by(Adjustment.at, Adjustment.id))
    adjustments = [
        scoring.AdjustmentFact(id=a.id, unit_id=a.unit_id, kind=a.kind, points=float(a.points),
                               reason=a.reason, by=a.by.name, on=clock.local_date(a.at))
        for a in rows
    ]
    # units with items, and any unit with an adjustment (its items returned since): listed, so it
    # can still be seen and revoked
    units = sorted({(f.unit_id, f.unit_name) for f in facts if not f.void}
                   | {(a.unit_id, a.unit.name) for a in rows})
    points = red_slip_points()
    return scoring.unit_scores(items, adjustments, points, units), points


def assess_session(session_id: int, *, today: dt.date | None = None, unit_id: int | None = None
                   ) -> SessionAssessment:
    """Scores and ranking of a session (units with assignments in it)."""
    from tracker.items.models import Session
    from tracker.ledger.stats_queries import StatsFilter

    session = Session.get_or_none(Session.id == session_id)
    if session is None:
        raise NotFound("会次不存在")
    today = today or clock.today()
    units, points = _assess(StatsFilter(session_id=session_id, unit_id=unit_id), [session_id],
                            today=today, unit_id=unit_id)
    return SessionAssessment(session=session, today=today, units=units, red_slip_points=points)


def assess_year(year: int, *, today: dt.date | None = None, unit_id: int | None = None) -> SessionAssessment:
    """Scores and ranking over every session of a year (each item scored once; adjustments of
    all those sessions)."""
    from tracker.items.models import Session
    from tracker.ledger.stats_queries import StatsFilter

    today = today or clock.today()
    session_ids = Session.select(Session.id).where(Session.year == year)
    units, points = _assess(StatsFilter(year=year, unit_id=unit_id), session_ids, today=today, unit_id=unit_id)
    return SessionAssessment(session=None, year=year, today=today, units=units, red_slip_points=points)


def item_score(assignment: Any, *, today: dt.date | None = None) -> scoring.ItemScore | None:
    from tracker.ledger.stats_queries import StatsFilter, load_facts

    facts = [f for f in load_facts(StatsFilter(session_id=assignment.item.session_id,
                                               unit_id=assignment.unit_id))
             if f.assignment_id == assignment.id]
    scored = score_items(facts, today or clock.today())
    return scored[0] if scored else None


def manual_criteria(assignment: Any) -> list[Criterion]:
    card = assignment.scorecard if assignment.scorecard_id else default_scorecard(
        "co" if assignment.role == "co" else "lead")
    if card is None:
        return []
    return list(Criterion.select().where((Criterion.scorecard == card.id) & (Criterion.method == "manual"))
                .order_by(Criterion.position, Criterion.id))


def score_assignment(assignment: Any, scores: dict[int, tuple[Any, str]], *, actor: Any) -> int:
    """The office scores the manual criteria of one assignment: ``{criterion_id: (points, note)}``.

    Blank points remove an earlier score. All or nothing; every change is audited.
    """
    from tracker.assessment.records import ManualScore

    ensure(policy.has(actor, policy.Perm.SCORE_ITEMS), "只有交办单位（督查室）可以评分")
    if assignment.status == "returned":
        raise ValidationFailed("已退回的承办任务不参加考核")
    criteria = {c.id: c for c in manual_criteria(assignment)}
    errors: dict[str, str] = {}
    cleaned: dict[int, tuple[float | None, str]] = {}
    for cid, (raw, note) in scores.items():
        crit = criteria.get(int(cid))
        if crit is None:
            errors[f"points_{cid}"] = "该指标不是本件考核办法中的人工评分指标"
            continue
        note = (note or "").strip()
        if raw in (None, ""):
            cleaned[crit.id] = (None, note)
            continue
        try:
            value = round(float(raw), 2)
        except (TypeError, ValueError):
            errors[f"points_{crit.id}"] = "分值应为数字"
            continue
        if not 0 <= value <= crit.weight:
            errors[f"points_{crit.id}"] = f"分值应在 0 到 {crit.weight} 之间"
        elif value < crit.weight and not note:
            errors[f"note_{crit.id}"] = "未给满分时请填写评分说明"
        cleaned[crit.id] = (value, note)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    changed = 0
    now = clock.now()
    with db.atomic():
        existing = {m.criterion_id: m for m in ManualScore.select().where(ManualScore.assignment == assignment.id)}
        for cid, (value, note) in cleaned.items():
            crit = criteria[cid]
            old = existing.get(cid)
            before = {"points": float(old.points), "note": old.note} if old else None
            if value is None:
                if old is None:
                    continue
                old.delete_instance()
                after = None
                detail = f"撤销“{crit.label}”评分"
            else:
                if old is not None and float(old.points) == value and old.note == note:
                    continue
                if old is None:
                    old = ManualScore(assignment=assignment.id, criterion=cid)
                old.points, old.note, old.by, old.at = value, note, actor.id, now
                old.save()
                after = {"points": value, "note": note}
                detail = f"“{crit.label}”评分 {scoring.fmt(value)}/{crit.weight}" + (f"：{note}" if note else "")
            audit.record("assessment_scored", assignment, actor=actor, item_id=assignment.item_id,
                         unit_id=assignment.unit_id, before=before, after=after,
                         detail=f"{assignment.unit.name}：{detail}")
            changed += 1
    return changed


def manual_scores_of(assignment: Any) -> dict[int, Any]:
    from tracker.assessment.records import ManualScore

    return {m.criterion_id: m for m in ManualScore.select().where(ManualScore.assignment == assignment.id)}


# --- organisational items and deductions -------------------------------------------------------


def add_adjustment(*, unit_id: int, session_id: int, kind: str, points: Any, reason: str, actor: Any):
    from tracker.assessment.records import Adjustment
    from tracker.items.models import Session
    from tracker.units.models import Unit

    ensure(policy.has(actor, policy.Perm.SCORE_ITEMS), "只有交办单位（督查室）可以加减分")
    errors: dict[str, str] = {}
    unit = Unit.get_or_none(Unit.id == unit_id)
    session = Session.get_or_none(Session.id == session_id)
    if unit is None:
        errors["unit_id"] = "承办单位不存在"
    if session is None:
        errors["session_id"] = "会次不存在"
    if kind not in ADJUSTMENT_KINDS:
        errors["kind"] = "请选择加分或扣分"
    try:
        value = round(float(points), 2)
        if not 0 < value <= 100:
            errors["points"] = "分值应大于 0 且不超过 100"
    except (TypeError, ValueError):
        errors["points"] = "分值应为数字"
        value = 0.0
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "请填写加减分事由"
    if unit is not None and session is not None and "unit_id" not in errors and not _assessed_in(unit.id, session.id):
        # it would count nowhere: a unit without items has no score to add to or deduct from
        errors["unit_id"] = f"{unit.name}在{session.name}没有承办任务，不参加考核，不能登记加减分"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    with db.atomic():
        adj = Adjustment.create(unit=unit, session=session, kind=kind, points=value, reason=reason,
                                by=actor.id, at=clock.now())
        sign = "+" if kind == "organisational" else "−"
        audit.record("assessment_adjusted", adj, actor=actor, unit_id=unit.id,
                     after={"kind": kind, "points": value, "reason": reason, "session": session.name},
                     detail=f"{unit.name}（{session.name}）{ADJUSTMENT_KINDS[kind]} {sign}{scoring.fmt(value)}：{reason}")
    return adj


def _assessed_in(unit_id: int, session_id: int) -> bool:
    """Whether the unit has an item of the session that counts in the assessment (an assignment
    neither returned nor on a withdrawn or merged item)."""
    from tracker.assignments.models import Assignment
    from tracker.core.enums import AssignmentStatus
    from tracker.items.models import Item
    from tracker.ledger.stats_queries import VOID_ITEM_STATUSES

    return (Assignment.select(Assignment.id).join(Item)
            .where((Item.session == session_id) & (Assignment.unit == unit_id)
                   & (Assignment.status != AssignmentStatus.RETURNED.value)
                   & Item.status.not_in(VOID_ITEM_STATUSES))
            .exists())


def remove_adjustment(adjustment_id: int, *, actor: Any) -> None:
    from tracker.assessment.records import Adjustment

    ensure(policy.has(actor, policy.Perm.SCORE_ITEMS), "只有交办单位（督查室）可以加减分")
    adj = Adjustment.get_or_none(Adjustment.id == adjustment_id)
    if adj is None:
        raise NotFound()
    with db.atomic():
        audit.record("assessment_adjusted", adj, actor=actor, unit_id=adj.unit_id,
                     before={"kind": adj.kind, "points": float(adj.points), "reason": adj.reason},
                     detail=f"撤销{adj.unit.name}的{ADJUSTMENT_KINDS.get(adj.kind, adj.kind)}：{adj.reason}")
        adj.delete_instance()


def adjustments_of(session_id: int, unit_id: int):
    from tracker.assessment.records import Adjustment

    return list(Adjustment.select().where((Adjustment.session == session_id) & (Adjustment.unit == unit_id))
                .order_by(Adjustment.at, Adjustment.id))


# --- editing scorecards (administrators) -------------------------------------------------------


def criteria_of(card: Scorecard) -> list[Criterion]:
    return list(Criterion.select().where(Criterion.scorecard == card.id).order_by(Criterion.position, Criterion.id))


def save_scorecard(card: Scorecard | None, *, name: str, applies_to: str, description: str = "",
                   active: bool = True, is_default: bool = False, criteria: list[dict],
                   actor: Any) -> Scorecard:
    """Create (``card`` None) or update a scorecard and its criteria, weights summing to 100."""
    from tracker.assessment.records import ManualScore

    ensure(policy.has(actor, policy.Perm.MANAGE_SCORECARDS), "只有系统管理员可以修改考核办法")
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写考核办法名称"
    elif Scorecard.select().where((Scorecard.name == name)
                                  & (Scorecard.id != (card.id if card else -1))).exists():
        errors["name"] = f"考核办法“{name}”已存在"
    if applies_to not in ("lead", "co"):
        errors["applies_to"] = "适用范围应为主办（答复）或会办"
    if card is not None and card.is_default and not is_default:
        errors["is_default"] = "默认考核办法不能取消默认，请先将另一考核办法设为默认"
    if card is not None and card.is_default and not active:
        errors["active"] = "默认考核办法不能停用"
    if card is not None and applies_to != card.applies_to and _in_use(card):
        errors["applies_to"] = "该考核办法已用于承办任务，不能改变适用范围"
    errors.update(scoring.validate_criteria(criteria, applies_to))
    rows = [r for r in criteria if not scoring.is_blank(r)]
    kept_keys = {(r.get("key") or "").strip() for r in rows}
    if card is not None:
        for crit in criteria_of(card):
            if crit.key not in kept_keys and ManualScore.select().where(ManualScore.criterion == crit.id).exists():
                errors["criteria"] = f"指标“{crit.label}”已有评分记录，不能删除（可调整其权重）"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    with db.atomic():
        before = None
        if card is None:
            card = Scorecard(name=name)
        else:
            before = _card_snapshot(card)
        card.name, card.applies_to, card.description = name, applies_to, (description or "").strip()
        card.active = bool(active) or bool(is_default)
        if is_default and not card.is_default:
            Scorecard.update(is_default=False).where(
                (Scorecard.applies_to == applies_to) & (Scorecard.id != (card.id or -1))).execute()
        card.is_default = bool(is_default)
        card.save()
        existing = {c.key: c for c in criteria_of(card)}
        for pos, row in enumerate(rows):
            key = row["key"].strip()
            crit = existing.pop(key, None) or Criterion(scorecard=card, key=key)
            crit.label, crit.weight, crit.method, crit.position = (
                row["label"].strip(), int(row["weight"]), row["method"], pos)
            crit.save()
        for crit in existing.values():
            crit.delete_instance()
        after = _card_snapshot(card)
        audit.record("scorecard_changed", card, actor=actor, before=before, after=after,
                     detail=f"{'修改' if before else '新建'}考核办法“{card.name}”")
    return card


def _in_use(card: Scorecard) -> bool:
    from tracker.assignments.models import Assignment

    return Assignment.select().where(Assignment.scorecard == card.id).exists()


def _card_snapshot(card: Scorecard) -> dict:
    return {"name": card.name, "applies_to": card.applies_to, "active": card.active,
            "is_default": card.is_default,
            "criteria": [[c.key, c.label, c.weight, c.method] for c in criteria_of(card)]}


def get_scorecard(card_id: int) -> Scorecard:
    card = Scorecard.get_or_none(Scorecard.id == card_id)
    if card is None:
        raise NotFound("考核办法不存在")
    return card


def all_scorecards():
    return list(Scorecard.select().order_by(Scorecard.applies_to.desc(), Scorecard.id))


def ensure_may_view(user: Any, unit_id: int) -> None:
    if not may_view_unit(user, unit_id):
        raise PermissionDenied("您只能查看本单位的考核得分")
