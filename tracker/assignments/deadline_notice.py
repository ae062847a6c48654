"""The notice a unit gets when its open assignments' dates are recomputed (办理期限已调整).

A calendar, profile or written-deadline change recomputes the dates of open assignments
(``assignments.services.recompute_open_deadlines``). Each unit whose dates changed is told ONCE
per change, with every item named by session and number and each changed date old → new::

    因工作日历调整（2026-12-01 设为休息日），你单位以下件的期限已重新计算：
    市十七届人大一次会议 第10号：答复期限 2026-12-01 → 2026-12-02

An administrator entering a five-day holiday day by day makes five changes; a person who has not
read the unit's last such notice (and whose e-mail of it has not gone out) does not get five: the
unread notice is brought up to date instead — the reasons listed, each item's dates from the
first old to the latest new, an item whose dates came back to where they were dropped (and the
notice deleted when nothing is left). The update is conditional on the notice being still unread
and its e-mail still unsent, so it never races the user reading it or the mail deliverer claiming
it (then a new notice is written, as before).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracker.core import clock

TITLE = "办理期限已调整"
_OPENING, _CLOSING = "因", "，你单位以下件的期限已重新计算："
_ARROW = "→"
NO_DATE = "（无）"
MAX_LINES = 200  # items listed in one notice; a longer list ends with a line saying how many more
# the e-mail states in which the notice's text may still change: not sent, nor being sent
_MERGEABLE = ("pending", "skipped")

# an assignment's dates (assignments.services.DATE_FIELDS) as a notice names them, in this order
DATE_LABELS = {"receipt_due": "签收期限", "return_due": "申退期限", "first_contact_due": "办前沟通期限",
               "co_opinion_due": "会办意见期限", "reply_due": "答复期限", "reply_due_max": "最长办理期限"}
_RANK = {label: n for n, label in enumerate(DATE_LABELS.values())}

Change = tuple[str, str, str]  # (date label, old, new): dates as ISO text, NO_DATE for none
Lines = dict[str, list[Change]]  # item → its changed dates, in the order of the labels


def item_label(item: Any) -> str:
    """The item as a notice names it: its session and number ("市十七届人大一次会议 第10号"; a
    三书一函's document number, which ends in 号, as it is)."""
    number = str(item.number)
    return f"{item.session.name} {number if number.endswith('号') else f'第{number}号'}"


def changes_of(before: dict[str, dt.date | None], after: dict[str, dt.date | None]) -> list[Change]:
    """The dates that changed (keys of :data:`DATE_LABELS`), old → new, in the labels' order."""
    return [(label, _date_text(before.get(key)), _date_text(after.get(key)))
            for key, label in DATE_LABELS.items() if key in after and before.get(key) != after[key]]


def _date_text(value: dt.date | None) -> str:
    return value.isoformat() if value else NO_DATE


def changes_text(changes: list[Change]) -> str:
    """"答复期限 2026-12-01 → 2026-12-02；签收期限 …"."""
    return "；".join(f"{label} {old} {_ARROW} {new}" for label, old, new in changes)


def body(reasons: list[str], lines: Lines) -> str:
    shown = list(lines.items())[:MAX_LINES]
    text = [f"{_OPENING}{'；'.join(reasons)}{_CLOSING}"]
    text += [f"{item}：{changes_text(changes)}" for item, changes in shown]
    if len(lines) > len(shown):
        text.append(f"另有 {len(lines) - len(shown)} 件的期限也已重新计算，请到“本单位待办”查看。")
    return "\n".join(text)


def parse(text: str) -> tuple[list[str], Lines] | None:
    """The reasons and items of a notice :func:`body` wrote; None for any other text (an older
    notice's wording, a cut list), which is then left as it is."""
    first, *rest = (text or "").split("\n")
    if not (first.startswith(_OPENING) and first.endswith(_CLOSING)) or not rest:
        return None
    reasons = first[len(_OPENING):-len(_CLOSING)].split("；")
    lines: Lines = {}
    for line in rest:
        item, sep, changes = line.rpartition("：")
        if not sep or not item or item in lines:
            return None
        parsed: list[Change] = []
        for part in changes.split("；"):
            pieces = part.rsplit(" ", 3)
            if len(pieces) != 4 or pieces[2] != _ARROW:
                return None
            parsed.append((pieces[0], pieces[1], pieces[3]))
        lines[item] = parsed
    return reasons, lines


def merge(earlier: Lines, later: Lines) -> Lines:
    """Each item's dates from ``earlier``'s old to ``later``'s new; a date back where it was is
    no change, and an item with none left is dropped."""
    merged: dict[str, dict[str, tuple[str, str]]] = {
        item: {label: (old, new) for label, old, new in changes} for item, changes in earlier.items()}
    for item, changes in later.items():
        dates = merged.setdefault(item, {})
        for label, old, new in changes:
            dates[label] = (dates[label][0] if label in dates else old, new)
    out: Lines = {}
    for item, dates in merged.items():
        kept = sorted(((label, old, new) for label, (old, new) in dates.items() if old != new),
                      key=lambda change: _RANK.get(change[0], len(_RANK)))
        if kept:
            out[item] = kept
    return out


def tell_unit(unit_id: int, reason: str, lines: Lines) -> int:
    """Tell the unit's handlers and leaders what changed (see the module's docstring): a person's
    unread notice of this kind whose e-mail has not gone out is brought up to date, else a new one
    is written. Returns the number of people told."""
    from tracker.reminders.models import Notification
    from tracker.reminders.services import notification_row, unit_users

    reason = " ".join((reason or "").split()).replace("；", "，")  # one line, one reason
    now = clock.now()
    told = 0
    for user in unit_users(unit_id):
        told += 1
        prior = (Notification.select()
                 .where((Notification.user == user.id) & (Notification.title == TITLE)
                        & Notification.item.is_null() & Notification.read_at.is_null()
                        & Notification.email_status.in_(_MERGEABLE))
                 .order_by(Notification.id.desc()).first())
        parsed = parse(prior.body) if prior is not None else None
        if parsed is not None:
            reasons, earlier = parsed
            merged = merge(earlier, lines)
            if reason not in reasons:
                reasons.append(reason)
            unchanged = ((Notification.id == prior.id) & Notification.read_at.is_null()
                         & (Notification.email_status == prior.email_status))
            if merged:
                done = (Notification.update(body=body(reasons, merged), created_at=now)
                        .where(unchanged).execute())
            else:  # every date came back to where the unread notice found it: nothing to tell
                done = Notification.delete().where(unchanged).execute()
            if done:
                continue
        Notification.insert(notification_row(user, TITLE, body([reason], lines), now=now)).execute()
    return told
