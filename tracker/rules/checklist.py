"""The requirements a "3+1" checklist entry can name (DOMAIN.md §4), with Chinese labels.

Administrators compose each tier's checklist from these keys (``ChecklistEntry.requirement``);
the close-out code evaluates them against the handling record.
"""

from __future__ import annotations

REQUIREMENTS: dict[str, str] = {
    "contact_before": "办前沟通",
    "contact_during": "办中沟通",
    "contact_after": "办后沟通",
    "face_to_face": "与代表委员当面沟通",
    "commitments_kept": "承诺事项兑现",
    "leader_instruction": "市领导批示已落实",
}


def requirement_label(key: str) -> str:
    return REQUIREMENTS.get(key, key)
