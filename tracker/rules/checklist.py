"""The requirements a "3+1" checklist entry can name (DOMAIN.md §4), with Chinese labels.

Administrators compose each tier's checklist from these keys (``ChecklistEntry.requirement``);
the close-out code evaluates them against the handling record.
"""

from __future__ import annotations

from tracker.core.i18n import N_  # pages translate the labels

REQUIREMENTS: dict[str, str] = {
    "contact_before": N_("办前沟通"),
    "contact_during": N_("办中沟通"),
    "contact_after": N_("办后沟通"),
    "face_to_face": N_("与代表委员当面沟通"),
    "commitments_kept": N_("承诺事项兑现"),
    "leader_instruction": N_("市领导批示已落实"),
}


def requirement_label(key: str) -> str:
    return REQUIREMENTS.get(key, key)
