"""The audit log's 变更内容 column: what an entry's recorded before/after reads as.

Most actions show one row per recorded key: the key's Chinese name (FIELD_LABELS) and its value
(an enum value by its label, a boolean as 是/否, anything else as stored, cut at 300 characters).
Labels, 是/否 and （空） are translated.

The administrators' own changes — the rule profile, settings, the 3+1 checklist, reminder rules
and the working calendar — record codes and nested values; ACTION_WORDING says how each of their
keys reads, with the words of the pages where those things are edited: a clock is a row of its
own ("答复期限：3 个月 → 2 个月", and only the clocks that changed), a code is its label, a list is
its items. Labels are translated where shown; values keep the domain's Chinese wording, as the
audit log's details do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from tracker.admin.services import SETTING_LABELS, WEEKDAYS
from tracker.assignments.deadlines import CLOCK_KEYS, CLOCK_LABELS, PERIOD_UNIT_LABELS, REPLY_ANCHORS, Clock
from tracker.audit.models import AuditEntry
from tracker.core.enums import ContactMethod, label
from tracker.core.i18n import N_
from tracker.reminders.rules import RECIPIENTS, SLIP_COLORS, describe_when
from tracker.rules.checklist import requirement_label

Row = tuple[str, str | None, str | None]  # (label, before, after); None: that side not recorded

FIELD_LABELS = {
    "username": N_("用户名"), "name": N_("名称"), "role": N_("角色"), "unit_id": N_("单位"), "active": N_("是否启用"),
    "phone": N_("电话"), "email": N_("邮箱"), "title": N_("标题/职务"), "person_id": N_("代表委员"),
    "short_name": N_("简称"), "category": N_("类别"), "body": N_("身份"), "delegation": N_("代表团/界别"),
    "clocks": N_("时限"), "roll_forward": N_("顺延"), "review_department_replies": N_("部门件审核"),
    "checklist_blocks_closeout": N_("清单阻止销号"), "clocks_run_during_return": N_("申退期间照常计时"),
    "requirement": N_("要求"), "label": N_("名称"),
    "order": N_("顺序"), "day": N_("日期"), "is_workday": N_("工作日"), "reason": N_("原因"), "source": N_("来源"),
    "number": N_("案号"), "kind": N_("类别"), "status": N_("状态"), "unit": N_("单位"), "handler": N_("经办人"),
    "reply_due": N_("答复期限"), "task": N_("任务"), "decision": N_("决定"), "note": N_("说明"),
    "child_id": N_("并入件ID"), "child_number": N_("并入件案号"), "commitments": N_("承诺事项"),
    "result_class": N_("分类"), "round": N_("轮次"), "late_days": N_("逾期天数"), "text": N_("内容"),
    "date": N_("日期"), "method": N_("方式"), "participants": N_("参加人员"), "stage": N_("阶段"),
    "summary": N_("摘要"), "sent_on": N_("发送日期"), "requested_due": N_("申请延至"), "extended_due": N_("延期至"),
    "current_due": N_("当前期限"), "due": N_("期限"), "work": N_("办理工作"), "result": N_("办理结果"),
    "adoption": N_("采纳情况"), "submitter": N_("提出人"), "evidence": N_("佐证"), "fulfilled_on": N_("兑现日期"),
    "rehandle_due": N_("重新办理期限"), "units": N_("单位"), "tier": N_("办理层级"), "leader_id": N_("领办领导"),
    "is_key": N_("重点"), "content": N_("内容"), "submitters": N_("提出人"), "received_on": N_("收到日期"),
    "waiting": N_("待会签"), "receipt_due": N_("签收期限"), "return_due": N_("申退期限"),
    "first_contact_due": N_("办前沟通期限"), "co_opinion_due": N_("会办意见期限"), "reply_due_max": N_("最长期限"),
    "late": N_("逾期"), "dissatisfied": N_("不满意的提出人"), **SETTING_LABELS,
}
# Keys whose stored values are enum values: shown with their Chinese labels.
ENUM_KEYS = {"status", "role", "decision", "stage", "method", "work", "result", "adoption", "source", "tier",
             "kind", "body"}

LIMIT = 300  # characters of a value shown; longer text is cut


def _clip(text: str) -> str:
    return text if len(text) <= LIMIT else text[:LIMIT] + "…"


def _value_text(value: Any, key: str = "") -> str:
    if key in ENUM_KEYS and isinstance(value, str):
        return label(value)
    if value is None:
        return gettext("（空）")
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    return _clip(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str))


def change_rows(entry: AuditEntry) -> list[Row]:
    """(field label, before, after) for an entry's recorded change; before None when not recorded."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    wording = ACTION_WORDING.get(entry.action)
    if wording is not None:
        prepare = PREPARE.get(entry.action)
        if prepare is not None:
            before, after = prepare(before), prepare(after)
        return _worded_rows(wording, before, after)
    keys = list(dict.fromkeys([*before, *after]))
    return [
        (gettext(FIELD_LABELS[k]) if k in FIELD_LABELS else k, _value_text(before[k], k) if k in before else None,
         _value_text(after[k], k) if k in after else None)
        for k in keys
    ]


# --- the administrators' changes, in words --------------------------------------------------


@dataclass(frozen=True)
class Wording:
    """How one recorded key reads: its label, its value's words and, for a dict of parts (the
    profile's clocks), each part's label — a row per part, only the changed ones."""

    label: str = ""  # "": FIELD_LABELS
    text: Callable[[Any], str] | None = None  # None: _plain
    part_label: Callable[[str], str] | None = None
    part_order: tuple[str, ...] = ()  # the parts in this order, any others after them


def _plain(value: Any, key: str = "") -> str:
    """As _value_text, but a list reads as its items (“A、B、C”), an empty one as empty."""
    if isinstance(value, list) and all(v is None or isinstance(v, str | int | float) for v in value):
        return _clip(gettext("、").join(_value_text(v, key) for v in value)) if value else _value_text(None)
    return _value_text(value, key)


def _words(names: Mapping[str, str]) -> Callable[[Any], str]:
    """A code by its (marked) name, translated; an unknown code as it is."""
    return lambda value: gettext(names[value]) if isinstance(value, str) and value in names else _plain(value)


def _each(text: Callable[[Any], str]) -> Callable[[Any], str]:
    """A list of codes, each in words: “经办人、承办单位领导”."""
    def words(value: Any) -> str:
        if isinstance(value, list) and value:
            return _clip(gettext("、").join(text(v) for v in value))
        return _plain(value)

    return words


def _period(value: Any) -> str:
    """A stored clock ``{"amount": 15, "unit": "working_day"}`` as the profile page words it:
    “15 个工作日”, “3 个月”."""
    try:
        return Clock.from_dict(value).label
    except (KeyError, TypeError, ValueError):
        return _plain(value)


def _clock_label(key: str) -> str:
    """A clock as the rule-profile form names it: “答复期限”."""
    return gettext("%(clock)s期限", clock=gettext(CLOCK_LABELS[key])) if key in CLOCK_LABELS else key


def _weekday(value: Any) -> str:
    return WEEKDAYS[value] if isinstance(value, int) and 0 <= value < len(WEEKDAYS) else _plain(value)


def _requirement(value: Any) -> str:
    return requirement_label(value) if isinstance(value, str) else _plain(value)


def _when(value: Any) -> str:
    """A reminder rule's (event, offset, unit) as the rule table words it: “答复期限前 5 个工作日”."""
    event, offset, unit = value
    if not isinstance(offset, int):
        return _plain(offset)
    return describe_when(event or "", offset, unit or "").strip()


def _reminder_when(values: dict[str, Any]) -> dict[str, Any]:
    """A reminder rule's event, offset and offset unit, read together as one “when”."""
    if "offset" not in values:
        return values
    merged = {k: v for k, v in values.items() if k not in ("event", "offset", "offset_unit")}
    merged["when"] = (values.get("event"), values["offset"], values.get("offset_unit"))
    return merged


CALENDAR_SOURCES = {"package": N_("软件包"), "admin": N_("人工")}  # CalendarDay.source

# Per action, its keys in the order of the page where they are edited (the stored JSON has its
# keys sorted); a key not listed reads as FIELD_LABELS and _plain say, after the listed ones.
ACTION_WORDING: dict[str, dict[str, Wording]] = {
    "profile_changed": {
        "clocks": Wording(text=_period, part_label=_clock_label, part_order=CLOCK_KEYS),
        "reply_anchor": Wording(N_("答复期限起算日"), _words(REPLY_ANCHORS)),
        "roll_forward": Wording(), "review_department_replies": Wording(),
        "checklist_blocks_closeout": Wording(), "clocks_run_during_return": Wording(),
    },
    "setting_changed": {
        "dispatch_weekday": Wording(text=_weekday),
        "face_to_face_methods": Wording(text=_each(lambda v: label(v, ContactMethod))),
    },
    "checklist_changed": {
        "tier": Wording(),
        "requirement": Wording(N_("考核要求"), _requirement),
        "label": Wording(N_("清单项名称")),
        "active": Wording(), "order": Wording(),
    },
    "reminder_rule_changed": {
        "label": Wording(N_("提醒名称")),
        "when": Wording(N_("何时提醒"), _when),
        "offset_unit": Wording(N_("单位"), _words({k.value: v for k, v in PERIOD_UNIT_LABELS.items()})),
        "recipients": Wording(N_("接收人"), _each(_words(RECIPIENTS))),
        "slip": Wording(N_("督办单"), _words(SLIP_COLORS)),
        "active": Wording(),
    },
    "calendar_changed": {
        "day": Wording(), "is_workday": Wording(),
        "reason": Wording(N_("调整原因")),
        "source": Wording(text=_words(CALENDAR_SOURCES)),
    },
}
# How an action's recorded values are put together before they are worded.
PREPARE: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {"reminder_rule_changed": _reminder_when}


def _worded_rows(wording: dict[str, Wording], before: dict[str, Any], after: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for key in _in_order(dict.fromkeys([*before, *after]), tuple(wording)):
        how = wording.get(key, Wording())
        text = how.text or (lambda value, key=key: _plain(value, key))
        old, new = before.get(key), after.get(key)
        if how.part_label is not None and (isinstance(old, dict) or isinstance(new, dict)):
            rows.extend(_part_rows(how, text, key in before, old, key in after, new))
        else:
            rows.append((gettext(how.label or FIELD_LABELS[key]) if how.label or key in FIELD_LABELS else key,
                         text(old) if key in before else None, text(new) if key in after else None))
    return rows


def _part_rows(how: Wording, text: Callable[[Any], str], has_old: bool, old: Any, has_new: bool,
               new: Any) -> list[Row]:
    """A row per part of a dict value (a clock of the profile); with both sides recorded, only
    the parts whose value changed."""
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    part_label = how.part_label or str
    return [
        (part_label(part), text(old.get(part)) if has_old else None, text(new.get(part)) if has_new else None)
        for part in _in_order(dict.fromkeys([*old, *new]), how.part_order)
        if not (has_old and has_new and old.get(part) == new.get(part))
    ]


def _in_order(keys: Iterable[str], order: tuple[str, ...]) -> list[str]:
    """``keys`` as ``order`` lists them, the others after them as they come."""
    return sorted(keys, key=lambda k: order.index(k) if k in order else len(order))
