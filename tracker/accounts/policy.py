"""Who may do what, on which object. The one home of permissions.

Policy decides *who*; the workflow (items/workflow.py) decides *when*; services enforce both.
Templates ask ``can(user, ...)`` / ``available(user, ...)``, never look at roles themselves.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import peewee as pw

from tracker.core.enums import AssignmentStatus, HandlingRole, ReplyStatus, Role
from tracker.items.workflow import Action


class Perm(StrEnum):
    """Page-level permissions that do not depend on one object."""

    REGISTER_ITEMS = "register_items"
    LIST_ITEMS = "list_items"
    VIEW_ALL_ITEMS = "view_all_items"
    UNIT_INBOX = "unit_inbox"
    MY_ITEMS = "my_items"
    VIEW_OVERDUE = "view_overdue"
    VIEW_STATS = "view_stats"
    OFFICE_DESK = "office_desk"  # decide returns/extensions, review replies, reconcile, import
    VIEW_LEDGER = "view_ledger"  # the ledger (台账) and its Excel export: city leaders read everything
    MANAGE_USERS = "manage_users"
    MANAGE_UNITS = "manage_units"
    MANAGE_RULES = "manage_rules"
    VIEW_AUDIT = "view_audit"
    LIST_USERS = "list_users"
    CREATE_SESSIONS = "create_sessions"
    VIEW_ASSESSMENT = "view_assessment"  # every unit's scores and the ranking
    SCORE_ITEMS = "score_items"  # manual criteria, organisational items, deductions
    MANAGE_SCORECARDS = "manage_scorecards"
    TRANSFER_DUTIES = "transfer_duties"  # 移交经办任务: a handler's open assignments to a colleague at once


OFFICE = {Role.OFFICE}
UNIT = {Role.UNIT_HANDLER, Role.UNIT_LEADER}
READ_ALL = {Role.OFFICE, Role.LEADER, Role.ADMIN}
SIGN_OFF_ROLES = {Role.UNIT_LEADER}  # who signs off the unit's reply (签发)

PERMS: dict[Perm, set[Role]] = {
    Perm.REGISTER_ITEMS: OFFICE,
    Perm.LIST_ITEMS: {Role.OFFICE, Role.LEADER, Role.ADMIN, *UNIT},
    Perm.VIEW_ALL_ITEMS: READ_ALL,
    Perm.UNIT_INBOX: UNIT,
    Perm.MY_ITEMS: {Role.SUBMITTER},
    Perm.VIEW_OVERDUE: {Role.OFFICE, Role.LEADER},
    Perm.VIEW_STATS: {Role.OFFICE, Role.LEADER},
    Perm.OFFICE_DESK: OFFICE,
    Perm.VIEW_LEDGER: {Role.OFFICE, Role.LEADER},
    Perm.MANAGE_USERS: {Role.ADMIN},
    Perm.MANAGE_UNITS: {Role.ADMIN},
    Perm.MANAGE_RULES: {Role.ADMIN},
    Perm.VIEW_AUDIT: {Role.ADMIN},
    Perm.LIST_USERS: {Role.OFFICE, Role.ADMIN},
    Perm.CREATE_SESSIONS: {Role.OFFICE, Role.ADMIN},
    Perm.VIEW_ASSESSMENT: {Role.OFFICE, Role.LEADER},
    Perm.SCORE_ITEMS: OFFICE,
    Perm.MANAGE_SCORECARDS: {Role.ADMIN},
    # the page of whoever may adjust an assignment (Action.EDIT_ASSIGNMENT, below: the office); the
    # service checks that action on each assignment it moves as well
    Perm.TRANSFER_DUTIES: OFFICE,
}

# Actions the office takes on an item or an assignment.
OFFICE_ITEM_ACTIONS = {
    Action.EDIT, Action.ASSIGN, Action.CLOSE, Action.ARCHIVE, Action.WITHDRAW, Action.MERGE,
    Action.REHANDLE, Action.UNMERGE,
}
OFFICE_ASSIGNMENT_ACTIONS = {
    Action.APPROVE_RETURN, Action.REJECT_RETURN, Action.DECIDE_EXTENSION, Action.ISSUE_SLIP,
    Action.EDIT_ASSIGNMENT, Action.DECIDE_OBJECTION, Action.ACCEPT_LATE_RETURN,
}
UNIT_ASSIGNMENT_ACTIONS = {
    Action.RECEIVE, Action.REQUEST_RETURN, Action.RECORD_PROGRESS, Action.RECORD_CONTACT,
    Action.REQUEST_EXTENSION, Action.DRAFT_REPLY, Action.SUBMIT_OPINION,
    Action.RAISE_OBJECTION, Action.RECORD_RECTIFICATION,
}


def role_of(user: Any) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Role(user.role)


def has(user: Any, perm: Perm) -> bool:
    role = role_of(user)
    return role is not None and role in PERMS[perm]


def _same_unit(user: Any, assignment: Any) -> bool:
    return user.unit_id is not None and assignment.unit_id == user.unit_id


def can_view_item(user: Any, item: Any) -> bool:
    role = role_of(user)
    if role is None:
        return False
    if role in READ_ALL:
        return True
    if role in UNIT:
        from tracker.assignments.models import Assignment

        return (
            user.unit_id is not None
            and Assignment.select()
            .where((Assignment.item == item.id) & (Assignment.unit == user.unit_id))
            .exists()
        )
    if role == Role.SUBMITTER:
        return is_submitter_of(user, item)
    return False


def is_submitter_of(user: Any, item: Any) -> bool:
    from tracker.items.models import Submitter

    return (
        user.person_id is not None
        and Submitter.select()
        .where((Submitter.item == item.id) & (Submitter.person == user.person_id))
        .exists()
    )


def sees_as_submitter(user: Any, item: Any) -> bool:
    """The item is this user's own suggestion or proposal and they read it as its submitter: the
    public steps and their own ratings only (the office, leaders and admins read everything)."""
    return is_submitter_of(user, item) and not has(user, Perm.VIEW_ALL_ITEMS)


def reads_handling_of(user: Any, item: Any, parent: Any = None) -> bool:
    """Whether the user reads how the item is answered when that happens on another item: a merged
    item (并案) is handled with its parent and answered by the parent's reply, and its pages show
    that reply, the group's ratings and the commitments. Whoever may see the parent reads them, and
    so do the merged item's own submitters (they rate that reply); a unit whose returned assignment
    on the merged item is its only link to it does not (its own records alone, as on any item).
    ``parent``: the item whose reply answers this one (merging.handling_item) when the caller has it."""
    if parent is None:
        from tracker.items import merging

        parent = merging.handling_item(item)
    if parent.id == item.id:
        return True
    return can_view_item(user, parent) or is_submitter_of(user, item)


def can_view_assignment(user: Any, assignment: Any) -> bool:
    role = role_of(user)
    if role is None:
        return False
    if role in READ_ALL:
        return True
    if role in UNIT:
        return _same_unit(user, assignment)
    return False


def record_units(user: Any, item_id: int, assignments: list[Any] | None = None) -> set[int] | None:
    """The units whose internal records on the item the user reads — None for every unit.

    Internal records: an assignment's five fixes, progress notes, contacts with the submitters,
    return and extension requests with their reasons, slips, and its reply's workflow (drafts'
    sign-off, co-signatures, office review, send-back reasons, class changes). The office, city
    leaders and admins read every unit's; the lead unit (主办) every unit's on the item (its co
    units', which it coordinates, and those of a unit it replaced); any other unit — a co unit
    (会办), a separate one (分办), one whose assignment was returned — its own alone; a submitter
    none (DOMAIN.md §6: co units see the item and the lead's draft for 会签; submitters their
    items and the replies sent to them).
    ``assignments``: the item's assignments when the caller has them (saves a query).
    """
    role = role_of(user)
    if role in READ_ALL:
        return None
    if role not in UNIT or user.unit_id is None:
        return set()
    if assignments is None:
        from tracker.assignments.models import Assignment

        assignments = list(Assignment.select(Assignment.unit, Assignment.role, Assignment.status)
                           .where(Assignment.item == item_id))
    leads = any(a.unit_id == user.unit_id and a.role == HandlingRole.LEAD.value
                and a.status != AssignmentStatus.RETURNED.value for a in assignments)
    if leads:
        return None
    return {user.unit_id}


def sees_records_of(user: Any, assignment: Any, assignments: list[Any] | None = None) -> bool:
    """Whether the user reads this assignment's internal records (see :func:`record_units`)."""
    units = record_units(user, assignment.item_id, assignments)
    return units is None or assignment.unit_id in units


def can_view_reply(user: Any, reply: Any) -> bool:
    """Drafts: the replying unit, the office (and leaders/admins); a co unit once the lead has
    submitted it (会签); the item's other units and its submitters once it is sent."""
    role = role_of(user)
    if role is None:
        return False
    if role in READ_ALL:
        return True
    assignment = reply.assignment
    sent = reply.status == ReplyStatus.SENT.value
    if role in UNIT:
        if _same_unit(user, assignment):
            return True
        if user.unit_id is None:
            return False
        from tracker.assignments.models import Assignment

        others = Assignment.select().where(
            (Assignment.item == assignment.item_id) & (Assignment.unit == user.unit_id)
            & (Assignment.status != AssignmentStatus.RETURNED.value)
        )
        if sent:
            return others.exists()
        return (reply.status != ReplyStatus.DRAFT.value
                and others.where(Assignment.role == HandlingRole.CO.value).exists()
                and assignment.role == HandlingRole.LEAD.value)
    if role == Role.SUBMITTER:
        return sent and is_submitter_of(user, assignment.item)
    return False


def visible_items(query: pw.ModelSelect, user: Any) -> pw.ModelSelect:
    """Restrict an Item query to what the user may see."""
    from tracker.assignments.models import Assignment
    from tracker.items.models import Item, Submitter

    role = role_of(user)
    if role in READ_ALL:
        return query
    if role in UNIT and user.unit_id is not None:
        sub = Assignment.select(Assignment.item).where(Assignment.unit == user.unit_id)
        return query.where(Item.id.in_(sub))
    if role == Role.SUBMITTER and user.person_id is not None:
        sub = Submitter.select(Submitter.item).where(Submitter.person == user.person_id)
        return query.where(Item.id.in_(sub))
    return query.where(Item.id == -1)


def can(user: Any, action: Perm | Action, obj: Any = None) -> bool:
    """Whether the user's role and relation to ``obj`` allow the action (not the state)."""
    role = role_of(user)
    if role is None:
        return False
    if isinstance(action, Perm):
        return role in PERMS[action]
    from tracker.assignments.models import Assignment
    from tracker.items.models import Item
    from tracker.replies.models import Commitment, Reply

    if obj is None:
        if action == Action.REGISTER:
            return role == Role.OFFICE
        return False
    if isinstance(obj, Item):
        if action in OFFICE_ITEM_ACTIONS:
            return role == Role.OFFICE
        if action == Action.INSTRUCT:
            return role == Role.LEADER
        if action == Action.FEEDBACK:
            return role == Role.OFFICE or (role == Role.SUBMITTER and is_submitter_of(user, obj))
        return False
    if isinstance(obj, Assignment):
        if action in OFFICE_ASSIGNMENT_ACTIONS:
            return role == Role.OFFICE
        if action in UNIT_ASSIGNMENT_ACTIONS:
            if role not in UNIT or not _same_unit(user, obj):
                return False
            if action == Action.SUBMIT_OPINION:
                return obj.role == HandlingRole.CO.value
            if action in (Action.DRAFT_REPLY, Action.REQUEST_EXTENSION):
                return obj.role != HandlingRole.CO.value
            if action in (Action.RAISE_OBJECTION, Action.RECORD_RECTIFICATION):
                return obj.role != HandlingRole.CO.value  # the answering unit of a 三书一函
            return True
        return False
    if isinstance(obj, Reply):
        assignment = obj.assignment
        if action in (Action.DRAFT_REPLY, Action.SUBMIT):
            return role in UNIT and _same_unit(user, assignment)
        if action == Action.SIGN_OFF:
            return role in SIGN_OFF_ROLES and _same_unit(user, assignment)
        if action == Action.COSIGN:  # 会签: the co unit's leader, as 签发 is the answering unit's
            return role in SIGN_OFF_ROLES and user.unit_id in cosigning_units(obj)
        if action == Action.REVIEW:
            return role == Role.OFFICE
        if action == Action.RECORD_PUBLICATION:  # the answering unit publishes its reply; the office may record it
            return role == Role.OFFICE or (role in UNIT and _same_unit(user, assignment))
        if action == Action.RETURN:
            status = ReplyStatus(obj.status)
            if status == ReplyStatus.AWAITING_SIGN_OFF:
                return can(user, Action.SIGN_OFF, obj)
            if status == ReplyStatus.AWAITING_COSIGN:
                return can(user, Action.COSIGN, obj)
            if status == ReplyStatus.AWAITING_OFFICE_REVIEW:
                return role == Role.OFFICE
            return False
        return False
    if isinstance(obj, Commitment):
        if action == Action.FULFIL_COMMITMENT:
            return role in UNIT and _same_unit(user, obj.assignment)
        if action == Action.CARRY_OVER_COMMITMENT:
            return role == Role.OFFICE
        return False
    return False


def cosigning_units(reply: Any) -> set[int]:
    """Units whose co-signature a reply needs: the item's active co assignments."""
    from tracker.assignments.models import Assignment

    lead = reply.assignment
    if lead.role != HandlingRole.LEAD.value:
        return set()
    rows = Assignment.select(Assignment.unit).where(
        (Assignment.item == lead.item_id)
        & (Assignment.role == HandlingRole.CO.value)
        & (Assignment.status != AssignmentStatus.RETURNED.value)
    )
    return {a.unit_id for a in rows}
