"""Use cases on sessions and items: register, edit, status derivation, loading with permission."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any

import peewee as pw

from tracker.accounts import policy
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import (
    ANSWERING_ROLES,
    AssignmentStatus,
    Body,
    CommitmentStatus,
    ItemKind,
    ItemStatus,
    Rating,
    SubmitterRole,
    Tier,
    is_supervision_kind,
    label,
)
from tracker.core.errors import NotFound, StaleVersion, ValidationFailed, ensure
from tracker.items import workflow
from tracker.items.models import TITLE_MAX_LENGTH, Item, Session, Submitter
from tracker.items.workflow import Action

KIND_BODY = {ItemKind.SUGGESTION: Body.NPC, ItemKind.PROPOSAL: Body.CPPCC}
ITEM_NOUN = {ItemKind.SUGGESTION: "建议", ItemKind.PROPOSAL: "提案"}


def noun(kind: str) -> str:
    try:
        return ITEM_NOUN.get(ItemKind(kind), label(ItemKind(kind)))
    except ValueError:
        return "件"


# --- sessions -------------------------------------------------------------------------------


def create_session(*, body: str, name: str, year: int, opened_on: dt.date | None = None,
                   closed_on: dt.date | None = None, reply_due_absolute: dt.date | None = None,
                   actor: Any) -> Session:
    ensure(policy.can(actor, policy.Perm.CREATE_SESSIONS))
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if body not in {b.value for b in Body}:
        errors["body"] = "请选择人大或政协"
    if not name:
        errors["name"] = "请填写会次名称"
    if not year or not (1990 <= int(year) <= 2100):
        errors["year"] = "年份不正确"
    if opened_on and closed_on and closed_on < opened_on:
        errors["closed_on"] = "闭会日期不能早于开幕日期"
    start = closed_on or opened_on  # a common reply date comes after the session (it would be ignored)
    if reply_due_absolute and start and reply_due_absolute <= start:
        errors["reply_due_absolute"] = f"统一答复日期须晚于{'闭会' if closed_on else '开幕'}日期 {start.isoformat()}"
    if not errors and Session.select().where((Session.body == body) & (Session.name == name)).exists():
        errors["name"] = f"会次“{name}”已存在"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    with db.atomic():
        session = Session.create(body=body, name=name, year=int(year), opened_on=opened_on,
                                 closed_on=closed_on, reply_due_absolute=reply_due_absolute,
                                 created_at=clock.now())
        audit.record("session_created", session, actor=actor, after={"name": name, "body": body})
    return session


def sessions_ordered():
    return Session.select().order_by(Session.year.desc(), Session.id.desc())


# --- items ----------------------------------------------------------------------------------


def clean_submitters(raw: list[dict] | None) -> list[dict]:
    """The submitters as stored: blank names dropped, the first one lead by default, positions."""
    cleaned = []
    for pos, sub in enumerate(raw or []):
        name = (sub.get("name") or "").strip()
        if not name:
            continue
        role = sub.get("role") or (_LEAD if pos == 0 else SubmitterRole.CO.value)
        cleaned.append({"name": name, "role": role, "person_id": sub.get("person_id"), "position": pos})
    return cleaned


_KINDS = frozenset(k.value for k in ItemKind)
_TIERS = frozenset(t.value for t in Tier)
_SUBMITTER_ROLES = frozenset(r.value for r in SubmitterRole)
_LEAD = SubmitterRole.LEAD.value


def clean_number(kind: str | None, number: Any) -> str:
    """案号 (文书编号 for a 三书一函) as stored and compared, whichever way it came in (page,
    API, Excel import): the Excel import's normalisation — full-width digits folded, spaces
    removed, 12.0 -> "12", "第１２号" -> "12" (a 三书一函 keeps its 第…号, as its import does)."""
    if is_supervision_kind(kind):
        from tracker.supervision.importing import document_number

        return document_number(number)
    from tracker.items.importing import normalise_number

    return normalise_number(number)


# A 案号 as lists write them, after clean_number: digits, with letters, Chinese characters and
# hyphens or dashes ("12", "0012", "A12", "12-1", "建001"; "－" folds to "-"). Nothing else: it
# is shown as "第…号" in notices and goes into file names, so no "/", "\\", ".", spaces, quotes.
_NUMBER_RE = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\-\u2014]+")
_DIGIT_RE = re.compile(r"[0-9]")
NUMBER_CHARACTERS = "案号只能包含数字、字母、汉字和连字符"
NUMBER_DIGITS = "案号须包含数字"
DOCUMENT_NUMBER_MAX_LENGTH = 30  # 文书编号 of a 三书一函 ("沪检建〔2026〕3号"): Item.number


def number_problem(kind: str | None, number: str) -> str | None:
    """What is wrong with a 案号 as :func:`clean_number` stores it, or None. The one home of
    this rule: the form, the API and the Excel import register through it."""
    from tracker.items.importing import NUMBER_MAX_LENGTH

    if not number:
        return "请填写案号"
    if is_supervision_kind(kind):
        return "案号不能超过 30 个字符" if len(number) > DOCUMENT_NUMBER_MAX_LENGTH else None
    if len(number) > NUMBER_MAX_LENGTH:
        return f"案号不能超过 {NUMBER_MAX_LENGTH} 个字符"
    if not _NUMBER_RE.fullmatch(number):
        return NUMBER_CHARACTERS
    if not _DIGIT_RE.search(number):
        return NUMBER_DIGITS
    return None


def _validate_item_fields(data: dict, *, creating: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if creating:
        if data.get("kind") not in _KINDS:
            errors["kind"] = "类别不正确"
        problem = number_problem(data.get("kind"), clean_number(data.get("kind"), data.get("number")))
        if problem:
            errors["number"] = problem
        if not data.get("session_id"):
            errors["session_id"] = "请选择会次"
    if "title" in data or creating:
        title = (data.get("title") or "").strip()
        if not title:
            errors["title"] = "请填写标题"
        elif len(title) > TITLE_MAX_LENGTH:
            errors["title"] = f"标题不能超过 {TITLE_MAX_LENGTH} 个字符"
    if "tier" in data and data["tier"] not in _TIERS:
        errors["tier"] = "办理层级不正确"
    # 三书一函 have no submitters (the issuing body is a field of the document): none needed.
    if ("submitters" in data or creating) and not (
            not data.get("submitters") and is_supervision_kind(data.get("kind"))):
        subs = clean_submitters(data.get("submitters"))
        if not subs:
            errors["submitters"] = "请至少填写一名领衔人"
        elif sum(1 for s in subs if s["role"] == _LEAD) != 1:
            errors["submitters"] = "领衔人须有且只有一名"
        elif any(s["role"] not in _SUBMITTER_ROLES for s in subs):
            errors["submitters"] = "提交人身份不正确"
    return errors


def received_on_problem(received_on: dt.date | None, session: Any) -> dict[str, str]:
    """收到日期: not after today, not before the year ahead of the session's (items for a session
    are filed from the winter before it opens)."""
    if received_on is None:
        return {}
    if received_on > clock.today():
        return {"received_on": f"收到日期 {received_on.isoformat()} 不能晚于今天"}
    if session is not None and received_on.year < session.year - 1:
        return {"received_on": f"收到日期 {received_on.isoformat()} 早于{session.name}"
                               f"（{session.year} 年）的上一年，请核对"}
    return {}


def kind_session_problem(kind: str, session: Any, *, verb: str = "登记") -> dict[str, str]:
    """The rule of a kind and its session's body: 人大代表建议 go into 人大 sessions, 政协提案
    into 政协 ones. A session of another body (闭会期间 batches …) takes either, and 三书一函 go
    into any session (their page offers the "other" batches first)."""
    expected = KIND_BODY.get(ItemKind(kind)) if kind in _KINDS else None
    if session is None or expected is None or session.body not in _BODIES or session.body == expected:
        return {}
    return {"kind": f"会次“{session.name}”属于{label(Body(session.body))}，不能{verb}{label(ItemKind(kind))}"}


_BODIES = frozenset(KIND_BODY.values())
LEADER_MISSING = "市领导领办件须指定领办领导"


def leader_missing_problem(tier: Any, leader_id: Any) -> dict[str, str]:
    """A 市领导领办 item names its city leader (DOMAIN.md §4)."""
    if tier == Tier.LEADER_LED.value and not leader_id:
        return {"leader_id": LEADER_MISSING}
    return {}


def registration_errors(*, kind: str, session_id: int | None, number: Any, title: Any,
                        submitters: list[dict] | None, tier: str, leader_id: int | None,
                        session_found: bool, number_taken: Callable[[str], bool],
                        leader: Any = None, session: Any = None) -> dict[str, str]:
    """The rules of registering an item (field -> Chinese message; empty when it may be
    registered): the one home of these rules, for :func:`register_item` and the Excel import.

    What the rules need from the database comes in: whether the session exists (and the
    ``session`` itself, whose body decides the kinds it takes), ``number_taken(number)`` —
    whether the session already has the number (as :func:`clean_number` stores it) for
    ``kind`` — and the ``leader`` account named by ``leader_id`` (None if there is none)."""
    data = {"kind": kind, "session_id": session_id, "number": number, "title": title,
            "submitters": submitters, "tier": tier}
    errors = _validate_item_fields(data, creating=True)
    if session_id and not session_found:
        errors["session_id"] = "会次不存在"
    elif "kind" not in errors:
        errors.update(kind_session_problem(kind, session))
    number = clean_number(kind, number)
    if not errors and number_taken(number):
        errors["number"] = f"该会次已有案号为“{number}”的{noun(kind)}，不能重复登记"
    if leader_id:
        errors.update(leader_problem(leader))
    else:
        errors.update(leader_missing_problem(tier, leader_id))
    return errors


def build_item_fields(*, actor: Any, kind: str, session_id: int, number: Any, title: str,
                      content: str = "", category: str = "", is_key: bool = False,
                      tier: str = Tier.DEPARTMENT.value, received_on: dt.date | None = None,
                      leader_id: int | None = None, from_motion: bool = False, note: str = "",
                      now: dt.datetime) -> dict[str, Any]:
    """The new item's columns (a valid registration: see :func:`registration_errors`)."""
    return {
        "kind": kind, "session": session_id, "number": clean_number(kind, number), "title": title.strip(),
        "content": (content or "").strip(), "category": (category or "").strip(), "tier": tier,
        "is_key": bool(is_key), "from_motion": bool(from_motion), "received_on": received_on,
        "leader": leader_id or None, "registered_at": now, "registered_by": actor.id, "updated_at": now,
        "note": note or "",
    }


def registered_audit(fields: dict[str, Any]) -> dict[str, Any]:
    """The ``after`` and ``detail`` of an item's "registered" audit entry."""
    kind, number, title = fields["kind"], fields["number"], fields["title"]
    return {"after": {"number": number, "title": title, "kind": kind},
            "detail": f"登记{label(kind, ItemKind)}第{number}号：{title}"}


def register_item(*, actor: Any, kind: str, session_id: int, number: str, title: str,
                  content: str = "", category: str = "", submitters: list[dict] | None = None,
                  is_key: bool = False, tier: str = Tier.DEPARTMENT.value,
                  received_on: dt.date | None = None, leader_id: int | None = None,
                  from_motion: bool = False, note: str = "") -> Item:
    ensure(policy.can(actor, Action.REGISTER))
    session = Session.get_or_none(Session.id == session_id) if session_id else None

    def number_taken(stripped: str) -> bool:
        return Item.select().where(
            (Item.session == session_id) & (Item.kind == kind) & (Item.number == stripped)
        ).exists()

    errors = registration_errors(
        kind=kind, session_id=session_id, number=number, title=title, submitters=submitters, tier=tier,
        leader_id=leader_id, session_found=session is not None, number_taken=number_taken,
        leader=_user(leader_id) if leader_id else None, session=session,
    )
    errors.update(received_on_problem(received_on, session))
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    now = clock.now()
    fields = build_item_fields(
        actor=actor, kind=kind, session_id=session_id, number=number, title=title, content=content,
        category=category, is_key=is_key, tier=tier, received_on=received_on, leader_id=leader_id,
        from_motion=from_motion, note=note, now=now,
    )
    with db.atomic():
        item = Item.create(**fields)
        _write_submitters(item, clean_submitters(submitters))
        audit.record("registered", item, actor=actor, item_id=item.id, **registered_audit(fields))
    return item


def _user(user_id: int) -> Any:
    from tracker.accounts.models import User

    return User.get_or_none(User.id == user_id)


def leader_problem(leader: Any) -> dict[str, str]:
    """The rule for a leader-led item's leader: a city leader's account."""
    from tracker.core.enums import Role

    if leader is None or leader.role != Role.LEADER.value:
        return {"leader_id": "领办领导须为市领导账号"}
    return {}


def _leader_problem(leader_id: int) -> dict[str, str]:
    return leader_problem(_user(leader_id))


def person_ids(names: Iterable[str]) -> dict[str, int]:
    """name -> the person a submitter of that name is linked to (the first such person)."""
    from tracker.accounts.models import Person

    wanted = sorted(set(names))
    found: dict[str, int] = {}
    table, param = Person._meta.table_name, db.obj.param
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        # Built here rather than by peewee (whose IN of hundreds of values costs more than
        # the query); identifiers from the model, values as parameters.
        sql = (f'SELECT "id", "name" FROM "{table}" WHERE "name" IN ({", ".join([param] * len(chunk))}) '  # noqa: S608
               'ORDER BY "id"')
        for person_id, name in db.execute_sql(sql, chunk).fetchall():
            found.setdefault(name, person_id)
    return found


def submitter_rows(subs: list[dict], persons: dict[str, int]) -> list[dict[str, Any]]:
    """The submitters' columns (without the item) for cleaned ``subs``; a submitter not
    linked to a person yet is linked to the person of the same name, if any (see
    :func:`person_ids`)."""
    rows = []
    for sub in subs:
        person_id = sub.get("person_id")
        if person_id is None:
            person_id = persons.get(sub["name"])
        rows.append({"name": sub["name"], "role": sub["role"], "person": person_id,
                     "position": sub["position"]})
    return rows


def _write_submitters(item: Item, subs: list[dict]) -> None:
    Submitter.delete().where(Submitter.item == item.id).execute()
    persons = person_ids(s["name"] for s in subs if s.get("person_id") is None)
    for row in submitter_rows(subs, persons):
        Submitter.create(item=item, **row)


def submitters_of(item: Item) -> list[Submitter]:
    return list(Submitter.select().where(Submitter.item == item.id).order_by(Submitter.position))


def _received_after_assignment(item: Item, received_on: Any) -> dict[str, str]:
    """An item is not assigned before it reaches the office (assignments.assigned_on_problem),
    so its 收到日期 may not move past the day it was first assigned."""
    from tracker.assignments.models import Assignment

    received = clock.as_date(received_on)
    first = (Assignment.select(pw.fn.MIN(Assignment.assigned_on)).where(Assignment.item == item.id).scalar())
    first = clock.as_date(first) if first else None
    if received is not None and first is not None and received > first:
        return {"received_on": f"收到日期 {received.isoformat()} 不能晚于该件的交办日期 {first.isoformat()}"}
    return {}


EDITABLE = ("title", "content", "category", "tier", "is_key", "note", "leader_id", "received_on")


def edit_item(item: Item, *, actor: Any, version: int | None = None, **changes: Any) -> Item:
    ensure(policy.can(actor, Action.EDIT, item))
    ensure_writable(item)
    errors = _validate_item_fields(changes, creating=False)
    if changes.get("leader_id"):
        errors.update(_leader_problem(changes["leader_id"]))
    elif "tier" in changes or "leader_id" in changes:  # the item as it would be after the edit
        errors.update(leader_missing_problem(changes.get("tier", item.tier),
                                             changes.get("leader_id", item.leader_id)))
    if changes.get("received_on"):
        errors.update(received_on_problem(changes["received_on"], Session.get_by_id(item.session_id))
                      or _received_after_assignment(item, changes["received_on"]))
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    with db.atomic():
        current = Item.get_by_id(item.id)
        if version is not None and int(version) != current.version:
            raise StaleVersion()
        before = {k: _plain(getattr(current, k if k != "leader_id" else "leader_id")) for k in EDITABLE}
        before["submitters"] = [s.name for s in submitters_of(current)]
        updates: dict[str, Any] = {}
        for key in EDITABLE:
            if key in changes:
                value = changes[key]
                if isinstance(value, str):
                    value = value.strip()
                updates[key] = value
        for key, value in updates.items():
            setattr(current, key, value)
        if "submitters" in changes:
            _write_submitters(current, clean_submitters(changes["submitters"]))
        after = {k: _plain(getattr(current, k)) for k in EDITABLE}
        after["submitters"] = [s.name for s in submitters_of(current)]
        b, a = audit.changes(before, after)
        _bump(current)
        if b or a:
            audit.record("edited", current, actor=actor, item_id=current.id, before=b, after=a,
                         detail="修改：" + "、".join(FIELD_LABELS.get(k, k) for k in a))
    return current


FIELD_LABELS = {"title": "标题", "content": "内容", "category": "内容分类", "tier": "办理层级",
                "is_key": "重点", "note": "备注", "leader_id": "领办领导", "received_on": "收到日期",
                "submitters": "提交人"}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _bump(item: Item) -> None:
    """Save the item with a new version (optimistic locking)."""
    rows = (
        Item.update({Item.version: Item.version + 1, Item.updated_at: clock.now(),
                     **{getattr(Item, k): getattr(item, k) for k in (*EDITABLE, "handling_mode")}})
        .where((Item.id == item.id) & (Item.version == item.version))
        .execute()
    )
    if rows != 1:
        raise StaleVersion()
    item.version += 1


def ensure_writable(item: Item) -> None:
    if item.is_read_only:
        from tracker.core.errors import Conflict

        raise Conflict(f"该件{label(ItemStatus(item.status))}，不能再修改", code="item_read_only")


def check_version(obj: Any, version: Any) -> None:
    if version is not None and str(version) != "" and int(version) != obj.version:
        raise StaleVersion()


# --- status ---------------------------------------------------------------------------------


def _write_status(item: Item, status: ItemStatus) -> None:
    """The only writer of Item.status."""
    if item.status != status.value:
        Item.update(status=status.value, updated_at=clock.now()).where(Item.id == item.id).execute()
        item.status = status.value


def refresh_status(item: Item) -> ItemStatus:
    """Derive the item's status from its assignments, feedback and commitments, and store it."""
    from tracker.assignments.models import Assignment
    from tracker.replies.models import Commitment

    assignments = list(Assignment.select().where(Assignment.item == item.id))
    active = [a for a in assignments if a.status != AssignmentStatus.RETURNED.value]
    open_commitments = (
        Commitment.select()
        .where((Commitment.assignment.in_([a.id for a in active] or [0]))
               & (Commitment.status == CommitmentStatus.OPEN.value))
        .exists()
    )
    status = status_of(item.status, item.kind, [(a.role, a.status) for a in assignments],
                       all_feedback_in=all_feedback_in(item), open_commitments=open_commitments,
                       dissatisfied_unresolved=dissatisfied_unresolved(item))
    _write_status(item, status)
    return status


_RETURNED = AssignmentStatus.RETURNED.value
_ANSWERING_ROLES = frozenset(r.value for r in ANSWERING_ROLES)


def status_of(current: str, kind: str, assignments: Iterable[tuple[str, str]], *,
              all_feedback_in: bool, open_commitments: bool, dissatisfied_unresolved: bool = False
              ) -> ItemStatus:
    """The status an item derives from its assignments' (role, status) pairs, its feedback
    and commitments (what :func:`refresh_status` stores; the Excel import uses it too)."""
    active = [(role, status) for role, status in assignments if status != _RETURNED]
    answering = [status for role, status in active if role in _ANSWERING_ROLES]
    return workflow.derive_item_status(
        ItemStatus(current), answering, has_assignments=bool(active),
        all_feedback_in=all_feedback_in, open_commitments=open_commitments,
        feedback_applies=not is_supervision_kind(kind), dissatisfied_unresolved=dissatisfied_unresolved,
    )


def all_feedback_in(item: Item) -> bool:
    """Every submitter has feedback for the current round (or the window ran out)."""
    from tracker.items.merging import group_submitters
    from tracker.replies.models import Feedback

    subs = group_submitters(item)  # with the submitters of items merged into it (并案)
    if not subs:
        return True
    rnd = current_round(item)
    rated = {
        f.submitter_id
        for f in Feedback.select(Feedback.submitter).where(
            (Feedback.item == item.id) & (Feedback.round == rnd)
        )
    }
    return all(s.id in rated for s in subs)


def unresolved_dissatisfaction(feedback: Any) -> Any:
    """The SQL condition on a Feedback row (or alias): rated 不满意 on the work or the result, and
    neither re-handled nor decided by the office (no ``resolution``)."""
    dissatisfied = Rating.DISSATISFIED.value
    return (((feedback.work == dissatisfied) | (feedback.result == dissatisfied))
            & ((feedback.resolution == "") | feedback.resolution.is_null()))


def dissatisfied_unresolved(item: Item) -> bool:
    """A 不满意 of the current round that the office has neither re-handled nor decided on."""
    from tracker.replies.models import Feedback

    return (Feedback.select().where((Feedback.item == item.id) & (Feedback.round == current_round(item))
                                    & unresolved_dissatisfaction(Feedback)).exists())


def current_round(item: Item) -> int:
    from tracker.assignments.models import Assignment

    value = (
        Assignment.select(pw.fn.MAX(Assignment.round))
        .where(Assignment.item == item.id)
        .scalar()
    )
    return value or 1


def apply_item_action(item: Item, action: Action, *, actor: Any, detail: str = "",
                      audit_type: str | None = None, note: str = "", facts: dict | None = None) -> Item:
    """Explicit item transitions (close, archive, withdraw, merge); ``facts`` go into the audit
    entry's "after" beside the new status (e.g. the date and reason of a withdrawal)."""
    new = workflow.item_next(ItemStatus(item.status), action)
    before = item.status
    _write_status(item, new)
    Item.update(version=Item.version + 1).where(Item.id == item.id).execute()
    item.version += 1
    audit.record(audit_type or action.value, item, actor=actor, item_id=item.id,
                 before={"status": before}, after={"status": new.value, **(facts or {})}, detail=detail or note)
    return item


# --- loading with permission ----------------------------------------------------------------


def get_item_for(user: Any, item_id: int) -> Item:
    """Load an item the user may see, else NotFound (404) — never reveal existence."""
    item = Item.get_or_none(Item.id == item_id)
    if item is None or not policy.can_view_item(user, item):
        raise NotFound()
    return item


def search(user: Any, *, session_id: int | None = None, kind: str | None = None,
           status: str | None = None, tier: str | None = None, unit_id: int | None = None,
           overdue: bool = False, due_within_days: int | None = None, q: str | None = None,
           is_key: bool | None = None, today: dt.date | None = None) -> pw.ModelSelect:
    from tracker.items.queries import filtered_items

    query = filtered_items(session_id=session_id, kind=kind, status=status, tier=tier,
                           unit_id=unit_id, overdue=overdue, due_within_days=due_within_days,
                           q=q, is_key=is_key, today=today or clock.today())
    return policy.visible_items(query, user)


# Filters on columns that the list's order indexes lack: SQLite reads a row to test each one.
ROW_FILTERS = ("kind", "tier", "is_key")


def list_page(query: pw.ModelSelect, sort: str, page: int, per_page: int, *,
              filters: dict | None = None) -> tuple[int, int, list[Item]]:
    """``(total, page, items)``: one page of a :func:`search` query (made with ``filters``) in a
    list order, the page number clamped to the last page. The same rows in the same order as
    paginating the sorted query, found more cheaply at 200,000 items:

    - a text search reads every item's title and content (a substring can be anywhere), so it
      runs once, for the ids of every match in order; its count is their number;
    - other filters are counted (from indexes), then only the page's ids are read, off the
      list-order indexes where they serve (any page of the whole list in a few ms), and the
      page's 50 rows are loaded by id (:func:`tracker.items.queries.page_ids`).
    """
    from tracker.core.paging import page_bounds
    from tracker.items.queries import items_by_ids, ordered_ids, page_ids

    filters = filters or {}
    if filters.get("q"):
        ids = ordered_ids(query, sort)
        total = len(ids)
        page, _pages = page_bounds(total, page, per_page)
        return total, page, items_by_ids(ids[(page - 1) * per_page:page * per_page])
    total = query.count()
    page, _pages = page_bounds(total, page, per_page)
    row_filters = any(filters.get(name) is not None for name in ROW_FILTERS)
    ids = page_ids(query, sort, (page - 1) * per_page, per_page, total=total, row_filters=row_filters)
    return total, page, items_by_ids(ids)
