"""The "3+1" checklist (DOMAIN.md §4) and the close-out conditions (对账销号, DOMAIN.md §6).

PURE: no database, no Flask, no clock. The services gather plain facts from the records
(tracker.replies.closeout) and these functions decide what is met and what is missing, in
Chinese, so the item page, the close-out service, the desk and the API say the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from tracker.core.i18n import N_  # BLOCKERS: pages translate them

try:  # the administrators' list of requirement keys and labels
    from tracker.rules.checklist import REQUIREMENTS
except ImportError:  # pragma: no cover - the rules module ships with the admin pages
    REQUIREMENTS = {
        "contact_before": "办前沟通",
        "contact_during": "办中沟通",
        "contact_after": "办后沟通",
        "face_to_face": "与代表委员当面沟通",
        "commitments_kept": "承诺事项兑现",
        "leader_instruction": "市领导批示已落实",
    }

STAGE_REQUIREMENTS = {"contact_before": "before", "contact_during": "during", "contact_after": "after"}


# --- the 3+1 checklist ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistFacts:
    """What one answering unit's record shows (all rounds)."""

    contact_stages: frozenset[str] = frozenset()
    face_to_face: bool = False  # a contact in one of the methods that count as 见面 (a setting)
    commitments_total: int = 0  # commitments of sent replies
    commitments_kept: int = 0
    commitments_carried: int = 0
    has_instruction: bool = False  # a leader's instruction (批示) on the item
    reply_sent: bool = True  # the unit has sent a reply (its commitments are known only then)


@dataclass(frozen=True)
class CheckResult:
    requirement: str
    label: str
    met: bool | None  # None: cannot be judged from the records (an unknown requirement)
    note: str = ""


def evaluate_checklist(entries: Sequence[tuple[str, str]], facts: ChecklistFacts) -> list[CheckResult]:
    """Each active entry ``(requirement, label)`` of the tier's checklist, judged from ``facts``."""
    results: list[CheckResult] = []
    for requirement, text in entries:
        label = text or REQUIREMENTS.get(requirement, requirement)
        if requirement in STAGE_REQUIREMENTS:
            met = STAGE_REQUIREMENTS[requirement] in facts.contact_stages
            results.append(CheckResult(requirement, label, met, "" if met else "尚无沟通记录"))
        elif requirement == "face_to_face":
            met = facts.face_to_face
            results.append(CheckResult(requirement, label, met, "" if met else "尚无见面沟通记录"))
        elif requirement == "commitments_kept":
            results.append(_commitments_result(requirement, label, facts))
        elif requirement == "leader_instruction":
            met = facts.has_instruction
            results.append(CheckResult(requirement, label, met, "" if met else "尚无市领导批示记录"))
        else:
            results.append(CheckResult(requirement, label, None, "无法根据办理记录自动判断，请人工核对"))
    return results


def _commitments_result(requirement: str, label: str, facts: ChecklistFacts) -> CheckResult:
    if not facts.reply_sent:
        return CheckResult(requirement, label, False, "尚未发送答复")
    if facts.commitments_total == 0:
        return CheckResult(requirement, label, True, "答复无承诺事项")
    if facts.commitments_kept == facts.commitments_total:
        return CheckResult(requirement, label, True, f"{facts.commitments_total} 项均已兑现")
    pending = facts.commitments_total - facts.commitments_kept
    note = f"{pending} 项未兑现"
    if facts.commitments_carried:
        note += f"（其中 {facts.commitments_carried} 项已结转下年）"
    return CheckResult(requirement, label, False, note)


def missing(results: Sequence[CheckResult]) -> list[str]:
    """Labels of the entries that are not met (unknown ones are not counted as missing)."""
    return [r.label for r in results if r.met is False]


# --- close-out conditions -------------------------------------------------------------------


@dataclass(frozen=True)
class UnitReply:
    unit: str
    replied: bool  # the unit's reply of the current round has been sent
    rehandling: bool = False
    round: int = 1


@dataclass(frozen=True)
class OpenCommitment:
    text: str
    unit: str
    due_on: dt.date


@dataclass(frozen=True)
class CloseoutFacts:
    """Everything close-out looks at, for one item (with its merged children's submitters)."""

    status: str
    merged_into: str = ""  # "第12号" when the item is a merged child
    answering: tuple[UnitReply, ...] = ()
    round: int = 1
    raters: tuple[str, ...] = ()  # names of every submitter who must rate the current round
    rated: frozenset[str] = frozenset()  # of those, who has feedback in the current round
    window_due: dt.date | None = None  # last day of the feedback window (None: not running)
    window_over: bool = False
    dissatisfied_unresolved: tuple[str, ...] = ()  # names, current round
    open_commitments: tuple[OpenCommitment, ...] = ()
    checklist_missing: tuple[str, ...] = ()
    checklist_blocks: bool = False
    extra: tuple[str, ...] = field(default=())  # further unmet conditions from the caller


def _names(names: Sequence[str]) -> str:
    return "、".join(names)


def _short(text: str, n: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# Why an item cannot close yet, by kind: each unmet condition below is of one of these (the
# reconciliation page groups a session's items by them).
BLOCKERS: dict[str, str] = {
    "state": N_("已并入、撤回或已销号"),
    "unassigned": N_("尚未交办"),
    "reply": N_("答复尚未发送"),
    "feedback": N_("等待反馈意见"),
    "dissatisfied": N_("不满意尚未处理"),
    "commitment": N_("承诺事项尚未兑现"),
    "checklist": N_("“3+1”清单未完成"),
    "other": N_("其他条件"),
}


def unmet_conditions(facts: CloseoutFacts) -> list[tuple[str, str]]:
    """The unmet close-out conditions of DOMAIN.md §6 as (kind of :data:`BLOCKERS`, text in
    Chinese); [] when the item may close."""
    if facts.status == "merged":
        return [("state", f"该件已并入{facts.merged_into or '他件'}，随主件办理，不单独销号")]
    if facts.status in ("closed", "archived"):
        return [("state", "该件已销号")]
    if facts.status == "withdrawn":
        return [("state", "该件已撤回，无需销号")]
    unmet: list[tuple[str, str]] = []
    if not facts.answering:
        unmet.append(("unassigned", "尚未交办承办单位"))
    for u in facts.answering:
        if u.replied:
            continue
        if u.rehandling:
            unmet.append(("reply", f"{u.unit}正在重新办理，尚未发送第 {u.round} 轮答复"))
        else:
            unmet.append(("reply", f"{u.unit}尚未发送答复"))
    waiting = [name for name in facts.raters if name not in facts.rated]
    if waiting and not facts.window_over and facts.answering:
        text = f"尚未收到{_names(waiting)}的反馈意见"
        if facts.round > 1:
            text = f"尚未收到{_names(waiting)}对第 {facts.round} 轮答复的反馈意见"
        if facts.window_due is not None:
            text += f"（征询期至 {facts.window_due.isoformat()}，逾期记为未表态）"
        unmet.append(("feedback", text))
    if facts.dissatisfied_unresolved:
        unmet.append(("dissatisfied", f"{_names(facts.dissatisfied_unresolved)}对答复不满意，"
                                      "尚未重新办理，也未由交办单位作出处理决定"))
    for c in facts.open_commitments:
        unmet.append(("commitment", f"承诺事项“{_short(c.text)}”（{c.unit}，{c.due_on.isoformat()} 到期）尚未兑现或结转"))
    if facts.checklist_blocks and facts.checklist_missing:
        unmet.append(("checklist", f"“3+1”清单未完成：{_names(facts.checklist_missing)}"))
    unmet.extend(("other", text) for text in facts.extra)
    return unmet


def closeout_conditions(facts: CloseoutFacts) -> list[str]:
    """The unmet close-out conditions of DOMAIN.md §6, in Chinese; [] when the item may close."""
    return [text for _kind, text in unmet_conditions(facts)]


def closeout_warnings(facts: CloseoutFacts) -> list[str]:
    """What close-out shows but does not block on (the checklist, when the profile says so)."""
    if facts.status in ("merged", "closed", "archived", "withdrawn"):
        return []
    if facts.checklist_missing and not facts.checklist_blocks:
        return [f"“3+1”清单未完成：{_names(facts.checklist_missing)}（按规则配置不影响销号）"]
    return []
