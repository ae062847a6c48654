"""Assessment (定考核办法, DOMAIN.md §9) as PURE functions: no database, no clock.

A scorecard is a list of criteria (key, label, weight, method). An automatic criterion is a
function of the assignment's facts (:class:`tracker.ledger.stats.AssignmentFacts`) and
``today``; a manual criterion takes the office's score. Every criterion returns its points
AND a Chinese explanation naming the records that produced them, e.g.
"答复于 2026-03-02，期限 2026-03-10，按期：20/20".

A criterion that cannot be judged yet (no reply and not due, no feedback form yet, office
has not scored) is *pending*: it earns nothing and is left out of the item's possible points,
so an item's score is ``earned / possible × 100`` over the criteria judged so far.

A unit's score for a session = mean of its items' scores + organisational items − deductions
− red slips × the points per red slip (DOMAIN.md §10: red slips count in the assessment).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from tracker.ledger.stats import AssignmentFacts

LATE_GRACE_DAYS = 10  # late by at most this many calendar days: half the points
RATING_VALUES = {"satisfied": 1.0, "basically_satisfied": 0.8, "dissatisfied": 0.0}  # 未表态 not rated
RATING_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意",
                 "no_opinion": "未表态"}
STAGES = (("before", "办前沟通"), ("during", "办中沟通"), ("after", "办后沟通"))
METHOD_LABELS = {"meeting": "见面", "phone": "电话", "forum": "座谈", "visit": "走访", "other": "其他"}
DEFAULT_RED_SLIP_POINTS = 2.0


@dataclass(frozen=True)
class CriterionSpec:
    key: str
    label: str
    weight: int
    method: str = "auto"  # auto / manual
    id: int | None = None


@dataclass(frozen=True)
class ManualEntry:
    points: float
    note: str = ""
    by: str = ""
    on: dt.date | None = None


@dataclass(frozen=True)
class CriterionScore:
    key: str
    label: str
    weight: int
    method: str
    points: float | None  # None: pending (not judged yet)
    explanation: str
    criterion_id: int | None = None

    @property
    def pending(self) -> bool:
        return self.points is None


@dataclass(frozen=True)
class ItemScore:
    facts: AssignmentFacts
    scorecard: str
    criteria: tuple[CriterionScore, ...]

    # cached: an ItemScore is immutable, and a ranking reads each item's score many times
    @cached_property
    def earned(self) -> float:
        return sum(c.points for c in self.criteria if c.points is not None)

    @cached_property
    def possible(self) -> int:
        return sum(c.weight for c in self.criteria if c.points is not None)

    @property
    def full(self) -> int:
        return sum(c.weight for c in self.criteria)

    @cached_property
    def score(self) -> float | None:
        """Out of 100 over the criteria judged so far; None while nothing can be judged."""
        if not self.possible:
            return None
        return round(self.earned / self.possible * 100, 2)

    @property
    def explanation(self) -> str:
        if self.score is None:
            return "各项指标均待评，暂不计分"
        pending = [c.label for c in self.criteria if c.pending]
        text = f"已评指标满分 {self.possible} 分，得 {fmt(self.earned)} 分，折合百分制 {fmt(self.score)} 分"
        if pending:
            text += f"（待评：{'、'.join(pending)}）"
        return text


def fmt(value: float) -> str:
    """12.0 -> '12', 12.5 -> '12.5', 12.345 -> '12.35'."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def _d(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


def _pts(points: float, weight: int) -> str:
    return f"{fmt(points)}/{weight}"


# --- automatic criteria ------------------------------------------------------------------------

AutoRule = Callable[[AssignmentFacts, int, dt.date], tuple[float | None, str]]


def _on_time_points(done_on: dt.date, due: dt.date, weight: int, what: str, due_text: str) -> tuple[float, str]:
    late = (done_on - due).days
    if late <= 0:
        return float(weight), f"{what}于 {_d(done_on)}，{due_text}，按期：{_pts(weight, weight)}"
    if late <= LATE_GRACE_DAYS:
        points = weight / 2
        return points, (f"{what}于 {_d(done_on)}，{due_text}，逾期 {late} 天（{LATE_GRACE_DAYS} 天以内得一半）："
                        f"{_pts(points, weight)}")
    return 0.0, f"{what}于 {_d(done_on)}，{due_text}，逾期 {late} 天（超过 {LATE_GRACE_DAYS} 天不得分）：{_pts(0, weight)}"


def timeliness(f: AssignmentFacts, weight: int, today: dt.date) -> tuple[float | None, str]:
    """The first reply against the approved (extended) reply date."""
    extended = f.original_due is not None and f.original_due != f.due_on
    due_text = f"期限 {_d(f.due_on)}" + (f"（经批准延期，原期限 {_d(f.original_due)}）" if extended else "")
    if f.replied_on is not None:
        return _on_time_points(f.replied_on, f.due_on, weight, "答复", due_text)
    if f.due_on < today:
        late = (today - f.due_on).days
        return 0.0, f"期限 {_d(f.due_on)} 已过，截至 {_d(today)} 仍未答复（逾期 {late} 天）：{_pts(0, weight)}"
    return None, f"期限 {_d(f.due_on)}，尚未答复，未到期：待评"


def contact(f: AssignmentFacts, weight: int, today: dt.date) -> tuple[float | None, str]:
    """办前、办中、办后沟通: a third of the points for each stage with a recorded contact."""
    by_stage: dict[str, list[str]] = {}
    for c in f.contacts:  # one pass (a session scores ~10,000 items)
        by_stage.setdefault(c.stage, []).append(f"{_d(c.on)}（{METHOD_LABELS.get(c.method, c.method)}）")
    parts = []
    covered = 0
    for stage, stage_label in STAGES:
        rows = by_stage.get(stage)
        if rows:
            covered += 1
            parts.append(stage_label + " " + "、".join(rows))
        else:
            parts.append(f"{stage_label} 无记录")
    listing = "；".join(parts)
    if f.replied_on is None and f.due_on >= today:
        return None, f"{listing}。尚未答复：待评"
    points = weight * covered / len(STAGES)
    return points, f"{listing}。{covered}/{len(STAGES)} × {weight} = {_pts(points, weight)}"


def face_to_face(f: AssignmentFacts, weight: int, today: dt.date) -> tuple[float | None, str]:
    """A face-to-face contact with the submitter (见面: the methods the setting counts) on or
    before the reply."""
    meetings = [c for c in f.contacts if c.in_person and (f.replied_on is None or c.on <= f.replied_on)]
    if meetings:
        met = "、".join(f"{_d(c.on)}（{METHOD_LABELS.get(c.method, c.method)}）" for c in meetings)
        return float(weight), f"见面沟通 {met}：{_pts(weight, weight)}"
    if f.replied_on is None and f.due_on >= today:
        return None, "尚无见面沟通记录，尚未答复：待评"
    return 0.0, f"答复前无见面沟通记录：{_pts(0, weight)}"


def satisfaction(f: AssignmentFacts, weight: int, today: dt.date) -> tuple[float | None, str]:
    """The submitters' ratings: 满意 1, 基本满意 0.8, 不满意 0 (未表态 is not a rating), both
    dimensions, averaged over the returned forms."""
    values = []
    parts = []
    for form in f.forms:
        rated = [RATING_VALUES[r] for r in (form.work, form.result) if r in RATING_VALUES]
        text = (f"{form.submitter}：工作 {RATING_LABELS.get(form.work, form.work)}、"
                f"结果 {RATING_LABELS.get(form.result, form.result)}")
        if rated:
            value = sum(rated) / len(rated)
            values.append(value)
            text += f"（{fmt(value)}）"
        else:
            text += "（未表态，不计）"
        parts.append(text)
    if not values:
        listing = "；".join(parts) + "。" if parts else ""
        return None, f"{listing}暂无有效测评意见：待评"
    mean = sum(values) / len(values)
    points = weight * mean
    return points, f"{'；'.join(parts)}。平均 {fmt(mean)} × {weight} = {_pts(points, weight)}"


def commitments(f: AssignmentFacts, weight: int, today: dt.date) -> tuple[float | None, str]:
    """Commitments kept by their due dates (kept late: half); none promised: full points."""
    if f.replied_on is None:
        return None, "尚未答复：待评"
    if not f.commitments:
        return float(weight), f"答复无承诺事项：{_pts(weight, weight)}"
    due = [c for c in f.commitments if c.is_due(today)]
    parts = []
    for c in f.commitments:
        if c.kept_on_time():
            parts.append(f"“{c.text}”期限 {_d(c.due_on)}，{_d(c.fulfilled_on)} 兑现（按期）")
        elif c.status == "kept":
            parts.append(f"“{c.text}”期限 {_d(c.due_on)}，{_d(c.fulfilled_on)} 兑现（逾期，计一半）")
        elif c.is_due(today):
            parts.append(f"“{c.text}”期限 {_d(c.due_on)}，未兑现")
        else:
            parts.append(f"“{c.text}”期限 {_d(c.due_on)}，未到期")
    if not due:
        return None, "；".join(parts) + "。承诺事项均未到期：待评"
    value = sum(1.0 if c.kept_on_time() else 0.5 if c.status == "kept" else 0.0 for c in due)
    points = weight * value / len(due)
    return points, f"{'；'.join(parts)}。{fmt(value)}/{len(due)} × {weight} = {_pts(points, weight)}"


def opinion_on_time(f: AssignmentFacts, weight: int, today: dt.date) -> tuple[float | None, str]:
    """The co unit's opinion against its due date."""
    if f.opinion_on is not None:
        return _on_time_points(f.opinion_on, f.due_on, weight, "会办意见提交", f"期限 {_d(f.due_on)}")
    if f.due_on < today:
        late = (today - f.due_on).days
        return 0.0, f"会办意见期限 {_d(f.due_on)} 已过，截至 {_d(today)} 未提交（逾期 {late} 天）：{_pts(0, weight)}"
    return None, f"会办意见期限 {_d(f.due_on)}，尚未提交，未到期：待评"


AUTO_RULES: dict[str, tuple[str, AutoRule, tuple[str, ...]]] = {
    # key: (label, rule, scorecards it fits: lead / co)
    "timeliness": ("办理时效（按期答复）", timeliness, ("lead",)),
    "contact": ("沟通联系（办前、办中、办后）", contact, ("lead",)),
    "face_to_face": ("见面沟通", face_to_face, ("lead",)),
    "satisfaction": ("代表委员满意度", satisfaction, ("lead",)),
    "commitments": ("承诺兑现", commitments, ("lead",)),
    "opinion_on_time": ("会办意见按时提交", opinion_on_time, ("co",)),
}


def manual(spec: CriterionSpec, entry: ManualEntry | None) -> tuple[float | None, str]:
    if entry is None:
        return None, "待督查室评分"
    points = max(0.0, min(float(entry.points), float(spec.weight)))
    who = "、".join(x for x in (entry.by, _d(entry.on) if entry.on else "") if x)
    text = f"督查室评分 {_pts(points, spec.weight)}" + (f"（{who}）" if who else "")
    if entry.note:
        text += f"：{entry.note}"
    return points, text


def score_criterion(spec: CriterionSpec, f: AssignmentFacts, today: dt.date,
                    entry: ManualEntry | None = None) -> CriterionScore:
    if spec.method == "manual":
        points, text = manual(spec, entry)
    elif spec.key in AUTO_RULES:
        points, text = AUTO_RULES[spec.key][1](f, spec.weight, today)
    else:
        points, text = None, f"未知的自动指标“{spec.key}”：不计分，请管理员检查考核办法"
    if points is not None:
        points = round(points, 2)
    return CriterionScore(key=spec.key, label=spec.label, weight=spec.weight, method=spec.method,
                          points=points, explanation=text, criterion_id=spec.id)


def score_item(f: AssignmentFacts, card_name: str, specs: Sequence[CriterionSpec], today: dt.date,
               manual_entries: dict[int | str, ManualEntry] | None = None) -> ItemScore:
    entries = manual_entries or {}
    criteria = tuple(
        score_criterion(spec, f, today, entries.get(spec.id) if spec.id is not None else entries.get(spec.key))
        for spec in specs
    )
    return ItemScore(facts=f, scorecard=card_name, criteria=criteria)


# --- units and ranking -------------------------------------------------------------------------


@dataclass(frozen=True)
class AdjustmentFact:
    id: int
    unit_id: int
    kind: str  # organisational / deduction
    points: float
    reason: str
    by: str = ""
    on: dt.date | None = None

    @property
    def signed(self) -> float:
        return self.points if self.kind == "organisational" else -self.points


@dataclass
class UnitScore:
    unit_id: int
    unit_name: str
    items: list[ItemScore] = field(default_factory=list)
    adjustments: list[AdjustmentFact] = field(default_factory=list)
    red_slips: int = 0
    red_slip_points: float = DEFAULT_RED_SLIP_POINTS
    rank: int | None = None

    @property
    def scored_items(self) -> list[ItemScore]:
        return [i for i in self.items if i.score is not None]

    @property
    def item_mean(self) -> float | None:
        scored = self.scored_items
        if not scored:
            return None
        return round(sum(i.score for i in scored) / len(scored), 2)

    @property
    def organisational(self) -> float:
        return round(sum(a.points for a in self.adjustments if a.kind == "organisational"), 2)

    @property
    def deductions(self) -> float:
        return round(sum(a.points for a in self.adjustments if a.kind != "organisational"), 2)

    @property
    def red_slip_deduction(self) -> float:
        return round(self.red_slips * self.red_slip_points, 2)

    @property
    def total(self) -> float | None:
        return self._total(self.item_mean)

    def _total(self, mean: float | None) -> float | None:
        if mean is None:
            return None
        return round(mean + self.organisational - self.deductions - self.red_slip_deduction, 2)

    @property
    def explanation(self) -> str:
        scored = self.scored_items  # each read walks every item of the unit: once here
        mean = round(sum(i.score for i in scored) / len(scored), 2) if scored else None
        if mean is None:
            return "暂无可评分的件，不参加排名"
        text = f"{len(scored)} 件平均 {fmt(mean)} 分"
        if self.organisational:
            text += f" + 组织工作 {fmt(self.organisational)} 分"
        if self.deductions:
            text += f" − 扣分 {fmt(self.deductions)} 分"
        if self.red_slips:
            text += f" − 红单 {self.red_slips} 张 × {fmt(self.red_slip_points)} 分"
        return text + f" = {fmt(self._total(mean))} 分"


def unit_scores(items: Iterable[ItemScore], adjustments: Iterable[AdjustmentFact] = (),
                red_slip_points: float = DEFAULT_RED_SLIP_POINTS,
                units: Iterable[tuple[int, str]] = ()) -> list[UnitScore]:
    """Per-unit scores, ranked (highest total first; units without a total last, unranked)."""
    by_unit: dict[int, UnitScore] = {}
    for unit_id, name in units:
        by_unit.setdefault(unit_id, UnitScore(unit_id, name, red_slip_points=red_slip_points))
    for item in items:
        f = item.facts
        score = by_unit.setdefault(f.unit_id, UnitScore(f.unit_id, f.unit_name, red_slip_points=red_slip_points))
        score.items.append(item)
        score.red_slips += sum(1 for s in f.slips if s.color == "red")
    for adj in adjustments:
        if adj.unit_id in by_unit:
            by_unit[adj.unit_id].adjustments.append(adj)
    for score in by_unit.values():  # by session, then by 案号 as the ledger reads them: 2 before 10
        score.items.sort(key=_item_order)
    return rank(list(by_unit.values()))


def _item_order(item: ItemScore) -> tuple[int, int, str, int]:
    f = item.facts
    return (f.session_id, len(f.item_number), f.item_number, f.assignment_id)


def rank(scores: list[UnitScore]) -> list[UnitScore]:
    totals = {id(s): s.total for s in scores}  # each total walks the unit's items: once
    ranked = sorted((s for s in scores if totals[id(s)] is not None), key=lambda s: (-totals[id(s)], s.unit_name))
    previous = None
    for i, s in enumerate(ranked, start=1):
        s.rank = previous.rank if previous is not None and totals[id(previous)] == totals[id(s)] else i
        previous = s
    rest = sorted((s for s in scores if totals[id(s)] is None), key=lambda s: s.unit_name)
    for s in rest:
        s.rank = None
    return ranked + rest


def is_blank(row: dict) -> bool:
    """A criterion row the user left empty (ignored)."""
    return not any(str(row.get(k) or "").strip() for k in ("key", "label", "weight"))


def validate_criteria(rows: Sequence[dict], applies_to: str) -> dict[str, str]:
    """Problems with a scorecard's criteria (Chinese), keyed by ``criteria-<row>-<field>`` (row
    numbers as given, blank rows skipped) or ``criteria`` for the whole card."""
    errors: dict[str, str] = {}
    if not any(not is_blank(r) for r in rows):
        return {"criteria": "请至少设置一项考核指标"}
    keys = set()
    total = 0
    for i, row in enumerate(rows):
        if is_blank(row):
            continue
        key = (row.get("key") or "").strip()
        label = (row.get("label") or "").strip()
        method = row.get("method") or ""
        try:
            weight = int(row.get("weight"))
        except (TypeError, ValueError):
            errors[f"criteria-{i}-weight"] = "权重应为整数"
            continue
        if not label:
            errors[f"criteria-{i}-label"] = "请填写指标名称"
        if weight <= 0:
            errors[f"criteria-{i}-weight"] = "权重应大于 0"
        if method not in ("auto", "manual"):
            errors[f"criteria-{i}-method"] = "评分方式应为自动或人工"
        elif method == "auto":
            if key not in AUTO_RULES:
                errors[f"criteria-{i}-key"] = "自动评分指标须从系统提供的指标中选择"
            elif applies_to not in AUTO_RULES[key][2]:
                errors[f"criteria-{i}-key"] = (f"“{AUTO_RULES[key][0]}”不适用于"
                                               f"{'会办' if applies_to == 'co' else '主办'}考核办法")
        elif not key or not all(ch.isalnum() or ch == "_" for ch in key) or not key.isascii():
            errors[f"criteria-{i}-key"] = "人工指标代码只能使用英文字母、数字和下划线"
        if key in keys:
            errors[f"criteria-{i}-key"] = f"指标代码“{key}”重复"
        keys.add(key)
        total += weight
    if not errors and total != 100:
        errors["criteria"] = f"各项指标权重之和须为 100（现为 {total}）"
    return errors
