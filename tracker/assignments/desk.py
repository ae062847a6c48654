"""The office desk (交办审核) collects the queues that wait for the office, one section per domain.

A module listed here defines ``desk_section(user) -> dict | None``; its template gets it as ``s``.
"""

from __future__ import annotations

from typing import Any

from tracker.core.plugins import optional_module

# Every queue on the desk shows its most urgent rows only, with the full count and a link to
# the queue's own paginated page (PER_PAGE rows a page).
ROWS = 20
PER_PAGE = 50


SECTIONS: list[tuple[str, str]] = [
    ("tracker.assignments.desk_returns", "assignments/_desk_returns.html"),   # 申退待审核
    ("tracker.handling.desk", "handling/_desk.html"),                         # 延期待审核
    ("tracker.replies.desk", "replies/_desk.html"),                           # 答复待审核
    ("tracker.replies.closeout_desk", "closeout/_desk.html"),                 # 待反馈/不满意/可销号
    ("tracker.documents.desk", "documents/_desk.html"),                       # 交办通知 (Word)
]


def collect(user: Any) -> list[tuple[str, dict]]:
    sections = []
    for module_name, template in SECTIONS:
        module = optional_module(module_name)
        if module is None:
            continue
        context = module.desk_section(user)
        if context is not None:
            sections.append((template, context))
    return sections
