"""Writing the append-only audit log, and reading an item's timeline from it."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from tracker.audit.models import AuditEntry
from tracker.core import clock

SYSTEM = "系统"


def record(
    action: str,
    obj: Any = None,
    *,
    actor: Any = None,
    item_id: int | None = None,
    unit_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    detail: str = "",
) -> AuditEntry:
    """Append one entry. Called by services inside their transaction."""
    return AuditEntry.create(**entry(
        action, type(obj).__name__.lower() if obj is not None else "", getattr(obj, "id", None),
        actor=actor, item_id=item_id, unit_id=unit_id, before=before, after=after, detail=detail,
    ))


def entry(
    action: str,
    object_type: str,
    object_id: int | None,
    *,
    actor: Any = None,
    item_id: int | None = None,
    unit_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    detail: str = "",
    at: Any = None,
) -> dict[str, Any]:
    """The fields of one entry, as :func:`record` writes them (bulk writers insert many)."""
    return {
        "at": at or clock.now(),
        "actor_id": getattr(actor, "id", None),
        "actor_name": (getattr(actor, "display", None) or SYSTEM),
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "item_id": item_id,
        "unit_id": unit_id,
        "before": before,
        "after": after,
        "detail": detail,
    }


# Timeline types a submitter sees on their own item: no unit-internal steps, drafts or reviews.
PUBLIC_TYPES = frozenset({
    "registered", "assigned", "received", "contact", "reply_sent", "feedback", "rehandle_ordered",
    "commitment_fulfilled", "merged", "withdrawn", "closed", "archived", "reply_published",
})


# Of another unit's entries, what a unit that does not read that unit's records sees (a co unit
# reading the lead's, policy.record_units): what is public on the item, less the unit's contacts
# with the submitters. Item-level entries (no unit) and the reader's own are all shown.
OTHER_UNIT_TYPES = PUBLIC_TYPES - {"contact"}


class TimelineEntry(NamedTuple):
    at: Any
    actor_name: str
    action: str
    detail: str


def item_entries(item_id: int, *, unit_id: int | None = None, public_only: bool = False,
                 for_person: int | None = None, units: set[int] | None = None):
    """The item's timeline, oldest first: (at, actor_name, action, detail) rows. Named tuples,
    not models: an item may have hundreds of entries, and the before/after JSON is not shown.

    ``public_only``: what a submitter may read; with ``for_person`` (the submitter's person), of
    the ratings only their own: a joint item's co-signers do not see one another's feedback, nor
    who among them was dissatisfied (:func:`_rehandle_for_submitter`). The page and the API both
    read the timeline here.

    ``units``: the units whose records the reader reads (``policy.record_units``; None = all): of
    the other units' entries only :data:`OTHER_UNIT_TYPES`, besides what the reader's own unit did.
    """
    query = (AuditEntry.select(AuditEntry.at, AuditEntry.actor_name, AuditEntry.action, AuditEntry.detail)
             .where(AuditEntry.item_id == item_id))
    if unit_id is not None:
        query = query.where((AuditEntry.unit_id == unit_id) | AuditEntry.unit_id.is_null())
    if units is not None and not public_only:
        from tracker.accounts.models import User

        ids = sorted(units) or [0]
        own_acts = User.select(User.id).where(User.unit.in_(ids))  # e.g. its 会签 return of the lead's draft
        query = query.where(AuditEntry.unit_id.is_null() | AuditEntry.unit_id.in_(ids)
                            | AuditEntry.action.in_(sorted(OTHER_UNIT_TYPES))
                            | AuditEntry.actor_id.in_(own_acts))
    if not public_only:
        if units is None:
            return query.order_by(AuditEntry.at, AuditEntry.id).namedtuples()
        rows = list(query.select_extend(AuditEntry.unit_id).order_by(AuditEntry.at, AuditEntry.id).namedtuples())
        senders = _sending_units(rows, units)
        return [TimelineEntry(row.at, senders.get(row.unit_id, row.actor_name) if row.action == "reply_sent"
                              else row.actor_name, row.action, row.detail) for row in rows]
    from tracker.items.models import Submitter
    from tracker.replies.models import Feedback

    query = query.where(AuditEntry.action.in_(sorted(PUBLIC_TYPES)))
    own_names: set[str] = set()
    if for_person is not None:
        own = (Feedback.select(Feedback.id).join(Submitter, on=(Feedback.submitter == Submitter.id))
               .where((Feedback.item == item_id) & (Submitter.person == for_person)))
        query = query.where((AuditEntry.action != "feedback")
                            | ((AuditEntry.object_type == "feedback") & AuditEntry.object_id.in_(own)))
        own_names = {name for (name,) in Submitter.select(Submitter.name)
                     .where((Submitter.item == item_id) & (Submitter.person == for_person)).tuples()}
    rows = list(query.select_extend(AuditEntry.after, AuditEntry.unit_id, AuditEntry.actor_id)
                .order_by(AuditEntry.at, AuditEntry.id).namedtuples())
    senders = _sending_units(rows, set())
    bodies = _public_actors(rows)
    return [TimelineEntry(row.at, senders.get(row.unit_id, row.actor_name) if row.action == "reply_sent"
                          else bodies.get(row.actor_id, row.actor_name), row.action,
                          _rehandle_for_submitter(row.detail, row.after, own_names)
                          if row.action == "rehandle_ordered" else row.detail)
            for row in rows]


def _public_actors(rows: list[Any]) -> dict[int, str]:
    """Who a submitter reads as having taken each step: the body, not the member of staff — the
    office (its name, setting ``office_name``) for the office's, the city leaders' and the
    administrators' steps, the unit's name for a unit's. A submitter's own steps keep their name;
    a step without a person stays the system's."""
    from tracker.accounts import policy
    from tracker.accounts.models import User
    from tracker.core.enums import Role
    from tracker.rules.services import office_name
    from tracker.units.models import Unit

    ids = sorted({row.actor_id for row in rows if row.actor_id is not None})
    if not ids:
        return {}
    staff = list(User.select(User.id, User.role, User.unit)
                 .where(User.id.in_(ids) & (User.role != Role.SUBMITTER.value)).tuples())
    unit_ids = sorted({unit_id for _id, role, unit_id in staff if role in policy.UNIT and unit_id})
    units = dict(Unit.select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids)).tuples()) if unit_ids else {}
    office = office_name()
    return {user_id: units.get(unit_id, office) if role in policy.UNIT else office
            for user_id, role, unit_id in staff}


def _sending_units(rows: list[Any], units: set[int]) -> dict[int, str]:
    """The unit names to show as who sent a reply, for the replies of units outside ``units``: the
    entry's actor is whoever approved it last (the unit's leader, a co unit's co-signer, the
    office's reviewer) — an internal step of the workflow the reader does not read."""
    from tracker.units.models import Unit

    ids = {row.unit_id for row in rows if row.action == "reply_sent" and row.unit_id not in units}
    ids.discard(None)
    if not ids:
        return {}
    return dict(Unit.select(Unit.id, Unit.name).where(Unit.id.in_(sorted(ids))).tuples())


# "因叶秀英、张敏不满意，要求…重新办理…" (replies.closeout.order_rehandling)
_WHO_DISSATISFIED = re.compile(r"^因(.+?)不满意，")


def _rehandle_for_submitter(detail: str, after: Any, own_names: set[str]) -> str:
    """What a submitter reads of a re-handling order: that it was ordered, of which units, in which
    round and by when — not which co-signers were dissatisfied (nor the office's reason, which
    may say it). An order that names the reader alone keeps its words. The stored entry is not
    changed (append-only)."""
    after = after if isinstance(after, dict) else {}
    if "dissatisfied" in after:  # recorded with the order (entries since 2026-11-28)
        who = set(after["dissatisfied"] or [])
    else:  # older entries name them in their words only
        named = _WHO_DISSATISFIED.match(detail or "")
        who = set(named.group(1).split("、")) if named else set()
    if who and own_names and who <= own_names:
        return detail
    units = "、".join(str(u) for u in after.get("units") or [])
    text = f"要求{units}重新办理" if units else "要求重新办理"
    if after.get("round"):
        text += f"（第 {after['round']} 轮）"
    if after.get("rehandle_due"):
        text += f"，期限 {after['rehandle_due']}"
    return text


def timeline(item_id: int, *, public_only: bool = False, for_person: int | None = None,
             units: set[int] | None = None) -> list[dict]:
    """The item's events, oldest first, as API.md's ``{"at", "type", "actor", "detail"}`` (for a
    submitter, or a unit reading only some units' records: what :func:`item_entries` shows them)."""
    return [
        {
            "at": entry.at.isoformat(),
            "type": entry.action,
            "actor": entry.actor_name,
            "detail": entry.detail,
        }
        for entry in item_entries(item_id, public_only=public_only, for_person=for_person, units=units)
    ]


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values differ, for compact before/after records."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
