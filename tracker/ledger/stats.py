"""The statistics of DOMAIN.md §8 as PURE formulas over per-assignment facts.

No database, no Flask, no clock: :mod:`tracker.ledger.stats_queries` loads the facts (a few
batched queries) and passes ``today`` in. Every figure is defined ONCE here as a per-fact
count, so the page, the API, the dispatch report and the drill-down ("which items are behind
this number") all use the same predicate.

Definitions (one row of facts = one unit's part of one item, an assignment):

* **N** (``assigned``): answering assignments (lead / sole / separate) that are not void —
  neither returned (申退已同意) nor on a withdrawn or merged item. Co assignments are counted
  apart (``co_*``), so lead and co are never mixed.
* **replied**: at least one reply of the assignment has been sent (``replied_on`` is the date
  the FIRST reply was sent; an assignment being re-handled still counts as replied).
* **办复率** ``reply_rate`` = replied / N.
* **按期办复率** ``on_time_rate`` = replied on or before the approved due date (the extended
  date if an extension was approved, else the reply date as assigned) / N whose due date has
  passed (due < today) or which are replied.
* **见面率** ``face_to_face_rate`` = N with a face-to-face contact (``ContactFact.in_person``: its
  method is one the setting ``face_to_face_methods`` counts as 见面, by default ``meeting``) on
  or before the reply date (any date while not yet replied) / N.
* **沟通率** ``contact_rate`` = N with any recorded contact on or before the reply date / N.
* **满意率** ``satisfaction_rate_work`` / ``_result`` = feedback forms rated 满意 or 基本满意 on
  that dimension / feedback forms returned; ``satisfied_only_rate_*`` counts 满意 alone. A form
  is one submitter's latest round; forms recorded as 逾期未表态 (window ran out) are not
  "returned". Feedback is given on the item, so each answering unit of the item gets its forms.
* **反馈率** ``feedback_rate`` = replied N with at least one returned form / replied N.
* **解决率** ``solved_rate`` = class A / N; ``solved_or_planned_rate`` = class A + B / N
  (the class of the latest sent reply). ``class_counts`` and ``class_shares`` (share of replied).
* **公开率** ``publish_rate`` = replied N whose latest sent reply was actually published
  (publish decision 全文/摘要 and a ``published_on`` date recorded) / replied N.
* **承诺兑现率** ``commitment_kept_rate`` = commitments kept on or before their due date /
  commitments due (due date passed, or already kept).
* **会办意见按时率** ``co_opinion_on_time_rate`` = co opinions submitted on or before their due
  date / co assignments whose opinion is due (due date passed, or submitted) — the same rule as
  the on-time rate, so a fresh assignment does not count as late.

Rates are floats in 0..1, or ``None`` when the denominator is 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple, TypeVar

from tracker.core.collector import pause_collector, resume_collector
from tracker.core.i18n import N_  # marks the labels for the English catalog (still plain str)

# Values as stored (English snake_case, see tracker.core.enums).
ANSWERING = ("lead", "sole", "separate")
CO = "co"
SATISFIED = "satisfied"
BASICALLY_SATISFIED = "basically_satisfied"
CLASSES = ("A", "B", "C", "D")
NOT_PUBLISHED = "none"
KEPT = "kept"
SLIP_COLORS = ("blue", "orange", "red")


# The facts are named tuples: immutable, compared and hashed by value like frozen dataclasses,
# and built in one C call each (see from_columns), where a session's 15,000 frozen dataclass
# instances (each field set through object.__setattr__) cost more to build than the rest of
# loading them. Change one with ``fact._replace(...)``.


_Fact = TypeVar("_Fact", bound=tuple)


class ContactFact(NamedTuple):
    on: dt.date
    method: str
    stage: str = ""
    in_person: bool = False  # face-to-face (见面): the loader applies the setting to the method


class FormFact(NamedTuple):
    """One returned feedback form (征询意见表): a submitter's latest rating of the item."""

    submitter: str
    work: str
    result: str
    round: int = 1
    on: dt.date | None = None  # the day the form came in


class CommitmentFact(NamedTuple):
    id: int
    text: str
    due_on: dt.date
    status: str
    fulfilled_on: dt.date | None = None

    def is_due(self, today: dt.date) -> bool:
        return self.due_on < today or self.status == KEPT

    def kept_on_time(self) -> bool:
        return self.status == KEPT and self.fulfilled_on is not None and self.fulfilled_on <= self.due_on


class SlipFact(NamedTuple):
    color: str
    issued_on: dt.date


class AssignmentFacts(NamedTuple):
    """Everything the statistics and the scoring need to know about one assignment."""

    assignment_id: int
    item_id: int
    item_number: str
    item_title: str
    session_id: int
    kind: str
    tier: str
    unit_id: int
    unit_name: str
    role: str
    status: str
    assigned_on: dt.date
    due_on: dt.date  # approved due of the act: reply (extended or as assigned), or co opinion
    current_due: dt.date  # what is due now (re-handling round included)
    original_due: dt.date | None = None  # the reply date as assigned (before any extension)
    void: bool = False  # returned, or the item withdrawn / merged
    owing: bool = True  # the unit still owes its act (reply or opinion)
    is_key: bool = False
    received_on: dt.date | None = None
    replied_on: dt.date | None = None  # first reply sent
    opinion_on: dt.date | None = None  # co opinion submitted
    result_class: str | None = None
    published_on: dt.date | None = None  # the latest sent reply was published (全文/摘要) on this day
    session_name: str = ""
    contacts: tuple[ContactFact, ...] = ()
    forms: tuple[FormFact, ...] = ()
    commitments: tuple[CommitmentFact, ...] = ()
    slips: tuple[SlipFact, ...] = ()
    scorecard_id: int | None = None  # 定考核办法 of the assignment

    @property
    def is_answering(self) -> bool:
        return self.role in ANSWERING

    @property
    def is_co(self) -> bool:
        return self.role == CO

    @property
    def published(self) -> bool:
        return self.published_on is not None

    def days_overdue(self, today: dt.date) -> int:
        """Calendar days past the current due date while the act is still owed (0 if not)."""
        if self.void or not self.owing or self.current_due >= today:
            return 0
        return (today - self.current_due).days


def from_columns(cls: type[_Fact], columns: Sequence[Iterable]) -> list[_Fact]:
    """``[cls(*row) for row in zip(*columns)]`` for a fact class of this module, one column per
    field in order: what loaders of thousands of facts use (one C-level pass, as
    ``NamedTuple._make`` without its per-row length check: the columns are checked once)."""
    if len(columns) != len(cls._fields):
        raise TypeError(f"{cls.__name__}: {len(cls._fields)} columns expected, {len(columns)} given")
    return list(map(partial(tuple.__new__, cls), zip(*columns, strict=True)))


# --- counts: what each fact adds to each figure ------------------------------------------------


def _counted(f: AssignmentFacts) -> bool:
    return f.is_answering and not f.void


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    unit: str = "件"  # what is counted: 件 (assignments), 份 (forms), 项 (commitments)

    def fn(self, f: AssignmentFacts, today: dt.date) -> int:
        """How much one fact adds to this count."""
        return int(contributions(f, today)[COUNT_INDEX[self.key]])


# In the order of the values of :func:`contributions` (which defines them).
COUNTS: tuple[Count, ...] = (
    Count("assigned", N_("应办件数（N）")),
    Count("received", N_("已签收")),
    Count("replied", N_("已答复")),
    Count("unreplied", N_("未答复")),
    Count("on_time_due", N_("已到期或已答复")),
    Count("replied_on_time", N_("按期答复")),
    Count("overdue", N_("超期未答复")),
    Count("face_to_face", N_("见面沟通")),
    Count("contacted", N_("有沟通记录")),
    Count("feedback_forms", N_("收回测评表"), "份"),
    Count("satisfied_work", N_("办理工作满意+基本满意"), "份"),
    Count("satisfied_result", N_("办理结果满意+基本满意"), "份"),
    Count("satisfied_only_work", N_("办理工作满意"), "份"),
    Count("satisfied_only_result", N_("办理结果满意"), "份"),
    Count("feedback_items", N_("已收回测评的答复")),
    Count("class_A", N_("A类")),
    Count("class_B", N_("B类")),
    Count("class_C", N_("C类")),
    Count("class_D", N_("D类")),
    Count("class_AB", N_("A类+B类")),
    Count("published", N_("已公开")),
    Count("commitments_due", N_("到期承诺事项"), "项"),
    Count("commitments_kept", N_("按期兑现承诺"), "项"),
    Count("co_assigned", N_("会办件数")),
    Count("co_submitted", N_("已提交会办意见")),
    Count("co_opinion_due", N_("会办意见已到期或已提交")),
    Count("co_opinion_on_time", N_("会办意见按期提交")),
    Count("co_overdue", N_("会办意见超期")),
)
COUNT_INDEX = {c.key: i for i, c in enumerate(COUNTS)}
_NOTHING = (0,) * len(COUNTS)
_NO_ANSWER = (0,) * COUNT_INDEX["co_assigned"]  # a co fact adds nothing before the co counts
_SATISFIED = (SATISFIED, BASICALLY_SATISFIED)


def contributions(f: AssignmentFacts, today: dt.date) -> tuple[int, ...]:
    """What one fact adds to each count, in the order of :data:`COUNTS` (0/1 as booleans, forms
    and commitments as numbers): THE definition of every count (see the module docstring).
    One pass computing all of them: a session is ~15,000 facts times 28 counts."""
    if f.void:  # returned, or the item withdrawn / merged: in no count
        return _NOTHING
    role = f.role
    if role == CO:
        on = f.opinion_on
        submitted = on is not None
        return (*_NO_ANSWER,
                True,  # co_assigned
                submitted,  # co_submitted
                submitted or f.due_on < today,  # co_opinion_due: due date passed, or submitted
                submitted and on <= f.due_on,  # co_opinion_on_time
                f.days_overdue(today) > 0)  # co_overdue
    if role not in ANSWERING:
        return _NOTHING
    # an answering fact: counted in N
    replied_on = f.replied_on
    replied = replied_on is not None
    contacted = face_to_face = False
    for c in f.contacts:  # contacts on or before the reply (any date while not yet replied)
        if replied_on is None or c.on <= replied_on:
            contacted = True
            if c.in_person:
                face_to_face = True
                break
    forms = satisfied_work = satisfied_result = only_work = only_result = 0
    if replied:  # the forms returned on a replied assignment
        for x in f.forms:
            forms += 1
            if x.work in _SATISFIED:
                satisfied_work += 1
                if x.work == SATISFIED:
                    only_work += 1
            if x.result in _SATISFIED:
                satisfied_result += 1
                if x.result == SATISFIED:
                    only_result += 1
    commitments_due = commitments_kept = 0
    for c in f.commitments:
        if c.is_due(today):
            commitments_due += 1
        if c.kept_on_time():
            commitments_kept += 1
    result_class = f.result_class if replied else None  # the class of the latest sent reply
    return (
        True,  # assigned
        f.received_on is not None,  # received
        replied,  # replied
        not replied,  # unreplied
        replied or f.due_on < today,  # on_time_due: due date passed, or replied
        replied and replied_on <= f.due_on,  # replied_on_time: by the approved due date
        f.days_overdue(today) > 0,  # overdue
        face_to_face,  # face_to_face
        contacted,  # contacted
        forms,  # feedback_forms
        satisfied_work,  # satisfied_work
        satisfied_result,  # satisfied_result
        only_work,  # satisfied_only_work
        only_result,  # satisfied_only_result
        forms > 0,  # feedback_items
        result_class == "A",  # class_A
        result_class == "B",  # class_B
        result_class == "C",  # class_C
        result_class == "D",  # class_D
        result_class in ("A", "B"),  # class_AB
        replied and f.published,  # published
        commitments_due,  # commitments_due
        commitments_kept,  # commitments_kept
        0, 0, 0, 0, 0,  # the co counts
    )


COUNT_BY_KEY = {c.key: c for c in COUNTS}


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    numerator: str  # a Count key
    denominator: str  # a Count key


RATES: tuple[Rate, ...] = (
    Rate("reply_rate", N_("办复率"), "replied", "assigned"),
    Rate("on_time_rate", N_("按期办复率"), "replied_on_time", "on_time_due"),
    Rate("face_to_face_rate", N_("见面率"), "face_to_face", "assigned"),
    Rate("contact_rate", N_("沟通率"), "contacted", "assigned"),
    Rate("satisfaction_rate_work", N_("满意率（办理工作）"), "satisfied_work", "feedback_forms"),
    Rate("satisfaction_rate_result", N_("满意率（办理结果）"), "satisfied_result", "feedback_forms"),
    Rate("satisfied_only_rate_work", N_("满意（不含基本满意）率（工作）"), "satisfied_only_work", "feedback_forms"),
    Rate("satisfied_only_rate_result", N_("满意（不含基本满意）率（结果）"), "satisfied_only_result",
         "feedback_forms"),
    Rate("feedback_rate", N_("反馈率"), "feedback_items", "replied"),
    Rate("solved_rate", N_("解决率（A类）"), "class_A", "assigned"),
    Rate("solved_or_planned_rate", N_("解决率（A+B类）"), "class_AB", "assigned"),
    Rate("publish_rate", N_("公开率"), "published", "replied"),
    Rate("commitment_kept_rate", N_("承诺兑现率"), "commitments_kept", "commitments_due"),
    Rate("co_opinion_on_time_rate", N_("会办意见按期率"), "co_opinion_on_time", "co_opinion_due"),
)
RATE_BY_KEY = {r.key: r for r in RATES}

# The keys API.md fixes for GET /api/v1/stats (more are added freely).
API_KEYS = (
    "assigned", "replied", "reply_rate", "on_time_rate", "face_to_face_rate", "contact_rate",
    "satisfaction_rate_work", "satisfaction_rate_result", "feedback_rate", "solved_rate",
    "solved_or_planned_rate", "class_counts", "commitment_kept_rate", "co_opinion_on_time_rate",
)


def ratio(numerator: int, denominator: int) -> float | None:
    """A rate from 0 to 1, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return numerator / denominator


def counts(facts: Iterable[AssignmentFacts], today: dt.date) -> dict[str, int]:
    """Every count of a set of facts: the sum of the facts' :func:`contributions`."""
    sums = [sum(column) for column in zip(*[contributions(f, today) for f in facts], strict=True)] or [0] * len(COUNTS)
    return {c.key: n for c, n in zip(COUNTS, sums, strict=True)}


def metrics(facts: Iterable[AssignmentFacts], today: dt.date) -> dict[str, Any]:
    """All figures for a set of facts: counts, rates, class counts and shares."""
    return metrics_of(counts(facts, today))


def metrics_of(totals: dict[str, int]) -> dict[str, Any]:
    """The rates, class counts and shares of a set of counts (counts add up across groups)."""
    out: dict[str, Any] = dict(totals)
    for r in RATES:
        out[r.key] = ratio(totals[r.numerator], totals[r.denominator])
    out["class_counts"] = {k: totals[f"class_{k}"] for k in CLASSES}
    out["class_shares"] = {k: ratio(totals[f"class_{k}"], totals["replied"]) for k in CLASSES}
    return out


def group(facts: Iterable[AssignmentFacts], key: Callable[[AssignmentFacts], Any]
          ) -> dict[Any, list[AssignmentFacts]]:
    """The facts by key, keys in the order they first appear (runs of equal keys taken at once:
    the loader sorts facts by unit)."""
    groups: dict[Any, list[AssignmentFacts]] = {}
    for k, run in groupby(facts, key):
        if k in groups:
            groups[k].extend(run)
        else:
            groups[k] = list(run)
    return groups


_UNIT = attrgetter("unit_id", "unit_name")


def grouped(facts: Iterable[AssignmentFacts], key: Callable[[AssignmentFacts], Any], today: dt.date
            ) -> tuple[dict[str, Any], list[tuple[Any, dict[str, Any]]]]:
    """The figures of all the facts and of each group (keys as :func:`group` gives them). Each
    fact is in one group, so the overall counts are the groups' counts added up: each fact is
    counted once, not once in its group and again overall."""
    groups = [(k, counts(members, today)) for k, members in group(facts, key).items()]
    totals = {c.key: sum(g[c.key] for _, g in groups) for c in COUNTS}
    return metrics_of(totals), [(k, metrics_of(g)) for k, g in groups]


def by_unit(facts: Sequence[AssignmentFacts], today: dt.date) -> list[dict[str, Any]]:
    """Per-unit figures, units in the order they first appear (the loader sorts them)."""
    return _unit_rows(grouped(facts, _UNIT, today)[1])


def _unit_rows(units: list[tuple[Any, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [{"unit_id": unit_id, "unit_name": unit_name, **m} for (unit_id, unit_name), m in units]


def summary(facts: Sequence[AssignmentFacts], today: dt.date) -> dict[str, Any]:
    """``{"overall": {...}, "by_unit": [...]}`` — the shape of GET /api/v1/stats. Every count
    is a sum over facts, so the overall counts are the units' counts added up (each fact is
    counted once, not once per unit and again overall)."""
    paused = pause_collector()  # fresh facts: see pause_collector (nothing allocated before)
    try:
        return _summary(facts, today)
    finally:
        resume_collector(paused)


def _summary(facts: Sequence[AssignmentFacts], today: dt.date) -> dict[str, Any]:
    overall, units = grouped(facts, _UNIT, today)
    return {"overall": overall, "by_unit": _unit_rows(units)}


# --- drill-down: exactly the facts behind a figure --------------------------------------------


def figure(key: str) -> tuple[str, Count | None, Rate | None]:
    """Resolve a figure key (a count, a rate or ``class_counts.A``) to its definition."""
    if key.startswith("class_counts."):
        key = "class_" + key.split(".", 1)[1]
    if key in COUNT_BY_KEY:
        return key, COUNT_BY_KEY[key], None
    if key in RATE_BY_KEY:
        return key, None, RATE_BY_KEY[key]
    raise KeyError(key)


def figure_count_key(key: str, part: str = "num") -> str:
    """The count behind a figure: itself for a count, numerator or denominator for a rate."""
    key, count, rate = figure(key)
    if count is not None:
        return count.key
    assert rate is not None
    return rate.denominator if part == "den" else rate.numerator


def members(facts: Iterable[AssignmentFacts], key: str, today: dt.date, part: str = "num"
            ) -> list[tuple[AssignmentFacts, int]]:
    """The facts that contribute to a figure (with how much each adds: forms, commitments)."""
    index = COUNT_INDEX[figure_count_key(key, part)]
    out = []
    for f in facts:
        n = contributions(f, today)[index]
        if n:
            out.append((f, int(n)))
    return out


# --- as of a past date -----------------------------------------------------------------------


def as_of(facts: Iterable[AssignmentFacts], day: dt.date) -> list[AssignmentFacts]:
    """The facts as they stood at the end of ``day``: later assignments dropped, later replies,
    opinions, contacts, forms, commitments kept and slips forgotten."""
    out = []
    for f in facts:
        if f.assigned_on > day:
            continue
        changes: dict[str, Any] = {}
        if f.replied_on is not None and f.replied_on > day:
            changes.update(replied_on=None, owing=True, result_class=None, published_on=None, forms=(),
                           commitments=())
        if f.published_on is not None and f.published_on > day:
            changes["published_on"] = None
        if f.opinion_on is not None and f.opinion_on > day:
            changes.update(opinion_on=None, owing=True)
        if f.received_on is not None and f.received_on > day:
            changes["received_on"] = None
        forms = changes.get("forms", f.forms)
        if any(x.on is not None and x.on > day for x in forms):
            changes["forms"] = tuple(x for x in forms if x.on is None or x.on <= day)
        if any(c.on > day for c in f.contacts):
            changes["contacts"] = tuple(c for c in f.contacts if c.on <= day)
        if any(s.issued_on > day for s in f.slips):
            changes["slips"] = tuple(s for s in f.slips if s.issued_on <= day)
        commitments = changes.get("commitments", f.commitments)
        if any(c.status == KEPT and c.fulfilled_on and c.fulfilled_on > day for c in commitments):
            changes["commitments"] = tuple(
                c._replace(status="open", fulfilled_on=None)
                if c.status == KEPT and c.fulfilled_on and c.fulfilled_on > day else c
                for c in commitments
            )
        out.append(f._replace(**changes) if changes else f)
    return out


# --- charts' data ------------------------------------------------------------------------------


def overdue_by_unit(facts: Iterable[AssignmentFacts], today: dt.date) -> list[tuple[str, int, int]]:
    """(unit name, overdue replies, overdue co opinions) for units with anything overdue,
    most overdue first."""
    rows: dict[tuple[int, str], list[int]] = {}
    for f in facts:
        if f.days_overdue(today) <= 0:
            continue
        slot = rows.setdefault((f.unit_id, f.unit_name), [0, 0])
        slot[1 if f.is_co else 0] += 1
    ordered = sorted(rows.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), kv[0][1]))
    return [(name, a, c) for (_uid, name), (a, c) in ordered]


def period_start(day: dt.date, granularity: str) -> dt.date:
    if granularity == "month":
        return day.replace(day=1)
    return day - dt.timedelta(days=day.weekday())


def _shift(start: dt.date, granularity: str, steps: int) -> dt.date:
    if granularity == "month":
        month = start.month - 1 + steps
        return dt.date(start.year + month // 12, month % 12 + 1, 1)
    return start + dt.timedelta(weeks=steps)


def trend(facts: Iterable[AssignmentFacts], today: dt.date, granularity: str = "week",
          periods: int = 12) -> list[tuple[dt.date, int, int]]:
    """(period start, answering assignments made, first replies sent) for the last ``periods``
    weeks (Monday-based) or months, oldest first."""
    if granularity not in ("week", "month"):
        raise ValueError(granularity)
    last = period_start(today, granularity)
    starts = [_shift(last, granularity, -i) for i in range(periods - 1, -1, -1)]
    index = {s: i for i, s in enumerate(starts)}
    assigned = [0] * periods
    replied = [0] * periods
    for f in facts:
        if not _counted(f):
            continue
        i = index.get(period_start(f.assigned_on, granularity))
        if i is not None:
            assigned[i] += 1
        if f.replied_on is not None:
            j = index.get(period_start(f.replied_on, granularity))
            if j is not None:
                replied[j] += 1
    return list(zip(starts, assigned, replied, strict=True))


# --- dispatch report (定期调度): progress per unit, overdue list, ranking -----------------------


def _slip_counts(facts: Iterable[AssignmentFacts]) -> dict[str, int]:
    out = dict.fromkeys(SLIP_COLORS, 0)
    for f in facts:
        for s in f.slips:
            if s.color in out:
                out[s.color] += 1
    return out


def progress_row(facts: Sequence[AssignmentFacts], today: dt.date) -> dict[str, Any]:
    m = metrics(facts, today)
    return {
        "assigned": m["assigned"], "received": m["received"], "replied": m["replied"],
        "overdue": m["overdue"], "reply_rate": m["reply_rate"], "on_time_rate": m["on_time_rate"],
        "co_assigned": m["co_assigned"], "co_submitted": m["co_submitted"],
        "co_overdue": m["co_overdue"], "slips": _slip_counts(f for f in facts if not f.void),
    }


def rank_key(row: dict[str, Any]) -> tuple:
    """Ranking of the dispatch report: reply rate, then on-time rate (higher first), then fewer
    overdue items (replies and co opinions), then fewer red slips."""
    return (
        -(row["reply_rate"] if row["reply_rate"] is not None else -1),
        -(row["on_time_rate"] if row["on_time_rate"] is not None else -1),
        row["overdue"] + row["co_overdue"],
        row["slips"].get("red", 0),
    )


def ranked(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], tuple]) -> list[dict[str, Any]]:
    """Sort by ``key`` and number the rows; equal keys share a rank (1, 2, 2, 4)."""
    ordered = sorted(rows, key=lambda r: (key(r), r.get("unit_name", "")))
    previous = None
    for i, row in enumerate(ordered, start=1):
        k = key(row)
        row["rank"] = ordered[i - 2]["rank"] if previous is not None and k == previous else i
        previous = k
    return ordered


def overdue_list(facts: Iterable[AssignmentFacts], today: dt.date) -> list[dict[str, Any]]:
    """Every overdue act (reply or co opinion), most overdue first."""
    rows = []
    for f in facts:
        days = f.days_overdue(today)
        if days <= 0:
            continue
        colors = [s.color for s in f.slips if s.color in SLIP_COLORS]
        rows.append({
            "assignment_id": f.assignment_id, "item_id": f.item_id, "number": f.item_number,
            "title": f.item_title, "session": f.session_name, "unit_id": f.unit_id,
            "unit_name": f.unit_name, "role": f.role, "due_on": f.current_due.isoformat(),
            "days_overdue": days, "what": "会办意见" if f.is_co else "答复",
            "slip": max(colors, key=SLIP_COLORS.index) if colors else "",
        })
    rows.sort(key=lambda r: (-r["days_overdue"], r["unit_name"], r["number"]))
    return rows


def dispatch_content(facts: Sequence[AssignmentFacts], today: dt.date) -> dict[str, Any]:
    """The body of a dispatch report as plain JSON-able data (dates as ISO strings)."""
    units = []
    for (unit_id, unit_name), members_ in group(facts, _UNIT).items():
        units.append({"unit_id": unit_id, "unit_name": unit_name, **progress_row(members_, today)})
    return {
        "totals": progress_row(facts, today),
        "units": ranked(units, rank_key),
        "overdue": overdue_list(facts, today),
    }
