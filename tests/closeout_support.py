"""Scenarios for the close-out tests: an item whose reply has been sent to its submitters.

``send_reply`` writes a sent reply directly (as the replies pipeline's last step does): the reply
row with ``sent_on`` and its commitments, and the assignment moved with SEND_REPLY.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tests import factories as f
from tracker.accounts.models import User
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.core import clock
from tracker.core.enums import Role
from tracker.items import services as items
from tracker.items.models import Item
from tracker.items.workflow import Action
from tracker.replies.models import Commitment, Reply
from tracker.units.models import Unit


def send_reply(a: Assignment, *, commitments=(), result_class: str = "A", sent_on: dt.date | None = None,
               text: str = "经研究，现答复如下：已列入年度计划并组织实施。") -> Reply:
    a = Assignment.get_by_id(a.id)
    sent_on = sent_on or clock.today()
    now = clock.now()
    reply = Reply.create(assignment=a, round=a.round, status="sent", result_class=result_class, text=text,
                         created_by=a.handler_id, created_at=now, updated_at=now, sent_at=now, sent_on=sent_on)
    for c_text, due in commitments:
        Commitment.create(reply=reply, assignment=a, text=c_text, due_on=due)
    assignments.transition(a, Action.SEND_REPLY)
    Assignment.update(replied_on=sent_on).where(Assignment.id == a.id).execute()
    items.refresh_status(a.item)
    return reply


def submitter_account(name: str):
    """A deputy (Person) with a submitter login."""
    person = f.person(name)
    user = f.user(Role.SUBMITTER, person=person, name=name)
    return person, user


@dataclass
class Scenario:
    item: Item
    unit: Unit
    assignment: Assignment
    handler: User
    leader: User
    office: User
    people: dict = field(default_factory=dict)  # name -> (person, user)

    def fresh(self) -> Item:
        return Item.get_by_id(self.item.id)

    def a(self) -> Assignment:
        return Assignment.get_by_id(self.assignment.id)


def replied_item(*, names=("张代表",), commitments=(), tier: str = "department", send: bool = True,
                 unit_name: str | None = None, number: str | None = None, title: str | None = None,
                 session=None, assigned_on: dt.date | None = None, sent_on: dt.date | None = None) -> Scenario:
    """An item by ``names`` (first is the lead), assigned solely to one unit, received, and — with
    ``send`` — its reply sent (with ``commitments`` as (text, due_on) pairs)."""
    office = f.office()
    people = {n: submitter_account(n) for n in names}
    subs = [{"name": n, "role": "lead" if i == 0 else "co", "person_id": people[n][0].id}
            for i, n in enumerate(names)]
    unit = f.unit(unit_name)
    handler = f.user(Role.UNIT_HANDLER, unit)
    leader = f.user(Role.UNIT_LEADER, unit)
    kw = {}
    if tier == "leader_led":
        kw["leader_id"] = f.user(Role.LEADER).id
    item = f.item(submitters=subs, tier=tier, number=number, session=session,
                  title=title or "关于加快老旧小区加装电梯的建议", **kw)
    a = f.assign(item, unit, role="sole", handler=handler, assigned_on=assigned_on)
    assignments.receive(a, actor=handler)
    if send:
        send_reply(a, commitments=commitments, sent_on=sent_on)
    return Scenario(item=Item.get_by_id(item.id), unit=unit, assignment=Assignment.get_by_id(a.id),
                    handler=handler, leader=leader, office=office, people=people)
