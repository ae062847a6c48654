"""The item page is the hub: each domain contributes a panel (context + template).

A domain module listed here defines ``item_panel(item, user, assignments) -> dict | None``;
its template receives the dict as ``p``. Panels render in this order.
"""

from __future__ import annotations

from typing import Any

from tracker.core.plugins import optional_module

PANELS: list[tuple[str, str]] = [
    ("tracker.supervision.panels", "supervision/_item_panel.html"),  # 三书一函: document, objection, rectification
    ("tracker.reminders.panels", "reminders/_item_panel.html"),   # deadlines explained, slips
    ("tracker.handling.panels", "handling/_item_panel.html"),     # progress, contacts, co opinions, extensions
    ("tracker.replies.panels", "replies/_item_panel.html"),       # drafts, sign-off, co-sign, review
    ("tracker.replies.closeout_panels", "replies/_closeout_panel.html"),  # feedback, commitments, 3+1, close
    ("tracker.documents.panels", "documents/_item_panel.html"),   # Word documents to download
]


def collect(item: Any, user: Any, assignments: list[Any]) -> list[tuple[str, dict]]:
    panels = []
    for module_name, template in PANELS:
        module = optional_module(module_name)
        if module is None:
            continue
        context = module.item_panel(item, user, assignments)
        if context is not None:
            panels.append((template, context))
    return panels
