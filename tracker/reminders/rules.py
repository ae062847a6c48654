"""The default reminder schedule of DOMAIN.md §10, as data. (Evaluated by the reminders issue.)"""

from __future__ import annotations

# key, label, event, offset, offset_unit, recipients, slip
DEFAULT_RULES: list[tuple[str, str, str, int, str, list[str], str]] = [
    ("assigned", "交办通知", "assigned_on", 0, "calendar_day", ["handler", "unit_leader"], ""),
    ("receipt_overdue", "催签", "receipt_due", 0, "working_day", ["handler"], ""),
    ("return_window", "申退期限提醒", "return_due", -2, "working_day", ["handler"], ""),
    ("co_due_5", "会办意见预警（5个工作日）", "co_opinion_due", -5, "working_day", ["handler"], ""),
    ("co_due_0", "会办意见今日到期", "co_opinion_due", 0, "working_day", ["handler"], ""),
    ("co_late_1", "会办意见逾期催办", "co_opinion_due", 1, "working_day", ["handler", "unit_leader"], ""),
    ("reply_due_30", "答复预警（30天）", "reply_due", -30, "calendar_day", ["handler", "unit_leader"], ""),
    ("reply_due_15", "答复预警（15天）", "reply_due", -15, "calendar_day", ["handler", "unit_leader"], ""),
    ("reply_due_5", "答复预警（5个工作日）", "reply_due", -5, "working_day", ["handler", "unit_leader"], ""),
    ("overdue_1", "督办通知（蓝单）", "reply_due", 1, "working_day", ["unit_leader"], "blue"),
    ("overdue_5", "督办通知（橙单）", "reply_due", 5, "working_day", ["unit_leader", "office"], "orange"),
    ("overdue_10", "督办通知（红单）", "reply_due", 10, "working_day", ["city_leader", "office"], "red"),
    ("no_contact", "沟通提醒", "reply_due", -20, "calendar_day", ["handler"], ""),
    ("feedback_window", "征询意见期满", "feedback_due", 0, "working_day", ["office"], ""),
    ("commitment_15", "承诺事项到期提醒", "commitment_due", -15, "calendar_day", ["handler"], ""),
    ("commitment_overdue", "承诺事项逾期", "commitment_due", 1, "calendar_day", ["handler", "unit_leader"], ""),
]
