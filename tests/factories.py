"""Factories that read like the domain: ``item(status=...)``, ``user("unit_handler", unit)``."""

from __future__ import annotations

import datetime as dt
import itertools

from tracker.accounts import services as accounts
from tracker.accounts.models import Person, User
from tracker.assignments import services as assignments
from tracker.core.enums import ItemKind, Role, Tier
from tracker.items import services as items
from tracker.items.models import Session
from tracker.units.models import Unit

PASSWORD = "Passw0rd!"
_seq = itertools.count(1)


def unit(name: str | None = None, short: str = "") -> Unit:
    n = next(_seq)
    return Unit.create(name=name or f"测试局{n}", short_name=short or "", sort_order=n)


def user(role: str | Role = Role.OFFICE, unit: Unit | None = None, *, username: str | None = None,
         name: str = "", person: Person | None = None, email: str = "", phone: str = "13800000000") -> User:
    role = Role(role)
    n = next(_seq)
    return accounts.create_user(
        username=username or f"{role.value}{n}", password=PASSWORD, role=role.value,
        name=name or f"{role.value}-{n}", unit_id=unit.id if unit else None, phone=phone, email=email,
        person_id=person.id if person else None,
    )


def person(name: str | None = None, body: str = "npc") -> Person:
    return Person.create(name=name or f"代表{next(_seq)}", body=body, delegation="测试代表团")


def session(body: str = "npc", name: str | None = None, year: int = 2026, **kw) -> Session:
    from tracker.core import clock

    return Session.create(body=body, name=name or f"市十七届人大第{next(_seq)}次会议", year=year,
                          created_at=clock.now(), **kw)


def office() -> User:
    existing = User.select().where(User.role == Role.OFFICE.value).first()
    return existing or user(Role.OFFICE)


def item(*, session: Session | None = None, number: str | None = None, title: str = "关于加强老旧小区加装电梯工作的建议",
         kind: str | None = None, submitters: list[dict] | None = None, tier: str = Tier.DEPARTMENT.value,
         actor: User | None = None, **kw):
    # The service takes only suggestions into 人大 sessions and proposals into 政协 ones: without
    # a kind, the session's; without a session, one of the kind's body.
    if session is None:
        session = globals()["session"](**({"body": "cppcc"} if kind == ItemKind.PROPOSAL.value else {}))
    if kind is None:
        kind = ItemKind.PROPOSAL.value if session.body == "cppcc" else ItemKind.SUGGESTION.value
    return items.register_item(
        actor=actor or office(), kind=kind, session_id=session.id, number=number or str(next(_seq)),
        title=title, content=kw.pop("content", "建议内容"), submitters=submitters or [{"name": "张代表", "role": "lead"}],
        tier=tier, **kw,
    )


def assign(item_, unit_: Unit, *, role: str = "sole", handler: User | None = None,
           assigned_on: dt.date | None = None, actor: User | None = None, **kw):
    handler = handler or User.select().where((User.unit == unit_.id) & (User.role == Role.UNIT_HANDLER.value)).first() \
        or user(Role.UNIT_HANDLER, unit_)
    if assigned_on is not None:
        registered_by(item_, assigned_on)
    return assignments.assign(
        item_, actor=actor or office(), unit_id=unit_.id, role=role, task=kw.pop("task", "研究办理并答复"),
        responsible_leader=kw.pop("responsible_leader", "王副局长"), handler_id=handler.id,
        assigned_on=assigned_on, **kw,
    )


def registered_by(item_, day: dt.date) -> None:
    """Write the history a test asks for: an item assigned on ``day`` (a test's "200 days ago")
    was registered by then. The service refuses an assignment date before the item's 收到日期,
    or without one before the day it was registered (today, for an item a test just made): an
    item without a 收到日期 is registered at the start of ``day`` when it was registered later."""
    from tracker.core import clock
    from tracker.items.models import Item

    if item_.received_on is None and clock.local_date(item_.registered_at) > day:
        item_.registered_at = clock.start_of_local_day(day)
        Item.update(registered_at=item_.registered_at).where(Item.id == item_.id).execute()
