"""Pure rules of the 三书一函: the objection's states, what close-out still needs, and how the
ledger words a record. No database, no Flask, no clock.

Everything else (deadlines, reminders, the reply pipeline, close-out, statistics) is the shared
machinery; the kinds plug into it:

* the reply clock of each kind is a profile clock (``deadlines.reply_clock_key``); a deadline
  written in the document wins over it and is never shortened by the cap;
* submitters' feedback does not apply (the issuing body has no account): a replied document stays
  ``replied`` until it is closed out;
* close-out also needs, for every answering unit, a recorded rectification and no objection still
  waiting for the issuing body's decision (:func:`closeout_conditions`);
* an objection does not stop the clocks (like a return request, DOMAIN.md §3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tracker.core.enums import ItemKind, ObjectionStatus, label
from tracker.core.errors import InvalidTransition
from tracker.core.i18n import N_  # REPLY_NOUN: pages translate it

# The office's two answers on behalf of the issuing body.
UPHOLD = "upheld"  # 异议成立: the issuing body withdraws the document; the item is withdrawn
DISMISS = "dismissed"  # 异议不成立: the document stands, handling continues
DECISIONS = (UPHOLD, DISMISS)

OBJECTION_TRANSITIONS: dict[tuple[ObjectionStatus, str], ObjectionStatus] = {
    (ObjectionStatus.PENDING, UPHOLD): ObjectionStatus.UPHELD,
    (ObjectionStatus.PENDING, DISMISS): ObjectionStatus.DISMISSED,
}

# Kinds whose documents carry no case code (监察建议书 are about organisations, not court cases).
NO_CASE_CODE = frozenset({ItemKind.SUPERVISORY.value})

# How each kind names the recipient's written answer.
REPLY_NOUN = {
    ItemKind.PROCURATORIAL.value: N_("回复（整改情况报告）"),
    ItemKind.JUDICIAL.value: N_("回复（整改情况报告）"),
    ItemKind.SUPERVISORY.value: N_("回复（采纳监察建议情况）"),
    ItemKind.POLICE.value: N_("回复（整改情况报告）"),
}


def objection_next(status: str, decision: str) -> ObjectionStatus:
    """The objection's state after the issuing body's decision; 409 when already decided."""
    current = ObjectionStatus(status)
    try:
        return OBJECTION_TRANSITIONS[(current, decision)]
    except KeyError:
        raise InvalidTransition(f"该异议已有决定（{label(current)}），不能再次登记",
                                code="objection_decided") from None


def has_case_code(kind: str) -> bool:
    return kind not in NO_CASE_CODE


@dataclass(frozen=True)
class UnitFacts:
    """One answering unit of a document, as close-out sees it."""

    unit: str
    rectified: bool
    objection_pending: bool


def closeout_conditions(units: Iterable[UnitFacts], *, has_document: bool = True) -> list[str]:
    """What a 三书一函 still needs before close-out, beyond the shared conditions (reply sent,
    commitments kept), in Chinese; [] when nothing more is needed."""
    unmet: list[str] = []
    if not has_document:
        unmet.append("尚未登记文书信息（制发机关、制发日期等）")
    for u in units:
        if u.objection_pending:
            unmet.append(f"{u.unit}提出的异议尚待登记制发机关的决定")
        if not u.rectified:
            unmet.append(f"{u.unit}尚未登记整改情况")
    return unmet


def yes_no(flag: bool, note: str = "") -> str:
    """"是：建立了……" / "否" for the ledger's 系统治理 and 长效机制 columns."""
    if not flag:
        return "否"
    note = (note or "").strip()
    return f"是：{note}" if note else "是"


def objection_text(status: str, reason: str, decision: str = "") -> str:
    """The ledger's 异议情况 for one objection."""
    text = f"{label(ObjectionStatus(status))}（异议：{_short(reason)}"
    if decision:
        text += f"；制发机关决定：{_short(decision)}"
    return text + "）"


def _short(text: str, n: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"
