"""The audit log's 变更内容 column: what an entry's recorded before/after reads as.

Most actions show one row per recorded key: the key's Chinese name (FIELD_LABELS) and its value
(an enum value by its label, a boolean as 是/否, anything else as stored, cut at 300 characters).

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
    "username": "用户名", "name": "名称", "role": "角色", "unit_id": "单位", "active": "启用",
    "phone": "电话", "email": "邮箱", "title": "标题/职务", "person_id": "代表委员", "short_name": "简称",
    "category": "类别", "body": "身份", "delegation": "代表团/界别", "clocks": "时限",
    "roll_forward": "顺延", "review_department_replies": "部门件审核",
    "checklist_blocks_closeout": "清单阻止销号", "requirement": "要求", "label": "名称", "order": "顺序",
    "day": "日期", "is_workday": "工作日", "reason": "原因", "source": "来源", "number": "案号",
    "kind": "类别", "status": "状态", "unit": "单位", "handler": "经办人", "reply_due": "答复期限",
    "task": "任务", "decision": "决定", "note": "说明", "child_id": "并入件ID", "child_number": "并入件案号",
    "commitments": "承诺事项", "result_class": "分类", "round": "轮次", "late_days": "逾期天数",
    "text": "内容", "date": "日期", "method": "方式", "participants": "参加人员", "stage": "阶段",
    "summary": "摘要", "sent_on": "发送日期", "requested_due": "申请延至", "extended_due": "延期至",
    "current_due": "当前期限", "due": "期限", "work": "办理工作", "result": "办理结果", "adoption": "采纳情况",
    "submitter": "提出人", "evidence": "佐证", "fulfilled_on": "兑现日期", "rehandle_due": "重新办理期限",
    "units": "单位", "tier": "办理层级", "leader_id": "领办领导", "is_key": "重点", "content": "内容",
    "submitters": "提出人", "received_on": "收到日期", "waiting": "待会签", "receipt_due": "签收期限",
    "return_due": "申退期限", "first_contact_due": "办前沟通期限", "co_opinion_due": "会办意见期限",
    "reply_due_max": "最长期限", "late": "逾期", "dissatisfied": "不满意的提出人", **SETTING_LABELS,
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
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
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
        (FIELD_LABELS.get(k, k), _value_text(before[k], k) if k in before else None,
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
        "checklist_blocks_closeout": Wording(),
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
            rows.append((gettext(how.label or FIELD_LABELS.get(key, key)),
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
