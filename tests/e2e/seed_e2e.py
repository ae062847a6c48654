"""Baseline data for the browser journeys: units, one user per role, two sessions, a deputy,
and the items the role journeys start from (all made through the services):

- 900: a leader-led item whose reply is months overdue (the city leader's overdue list), and
  901, 902: overdue items of the other two units;
- 911 (desktop) / 912 (phone): an item whose reply was sent to the deputy (the submitter's journey);
- 921 (desktop) / 922 (phone): an item just assigned to 市住建局 (the unit's journey).

Run as a script against TRACKER_DATABASE_URL (the live server's own database).
"""

from __future__ import annotations

import datetime as dt

from tracker import create_app
from tracker.accounts import services as accounts
from tracker.accounts.models import Person, User
from tracker.assignments import services as assignments
from tracker.core import clock, migrations
from tracker.core.db import db
from tracker.core.enums import ReplyStatus
from tracker.handling import services as handling
from tracker.items import services as items
from tracker.items.models import Session
from tracker.replies import services as replies
from tracker.rules.services import ensure_defaults
from tracker.units import services as units
from tracker.units.models import Unit

PASSWORD = "Passw0rd!"
DEVICES = ("desktop", "phone")
OVERDUE_NUMBER = "900"
OVERDUE_TITLE = "关于整治城区道路积水点的建议"
OVERDUE_DAYS_AGO = 200
OTHER_OVERDUE = [
    ("901", "关于优化早晚高峰公交班次的建议", "市交通运输局", "cohandler", 130),
    ("902", "关于扩大中小学课后服务覆盖面的建议", "市教育局", "eduhandler", 100),
]


def replied_number(device: str) -> str:
    return {"desktop": "911", "phone": "912"}[device]


def replied_title(device: str) -> str:
    return {"desktop": "关于增设社区养老服务站的建议", "phone": "关于完善社区养老助餐服务的建议"}[device]


def unit_number(device: str) -> str:
    return {"desktop": "921", "phone": "922"}[device]


def unit_title(device: str) -> str:
    return {"desktop": "关于规范住宅小区物业服务收费的建议", "phone": "关于加强住宅小区消防通道管理的建议"}[device]


def _user(username: str) -> User:
    return User.get(User.username == username)


def _register(office: User, session: Session, number: str, title: str, *, lead: str, received_on: dt.date,
              tier: str = "department", leader: User | None = None):
    return items.register_item(
        actor=office, kind="suggestion", session_id=session.id, number=number, title=title,
        content=f"{title}。具体建议见正文。", category="城乡建设", tier=tier, received_on=received_on,
        leader_id=leader.id if leader else None,
        submitters=[{"name": lead, "role": "lead"}, {"name": "王丽", "role": "co"}])


def _assign(office: User, item, unit, *, assigned_on: dt.date | None = None, handler: str = "handler"):
    return assignments.assign(
        item, actor=office, unit_id=unit.id, role="sole", task="研究办理，按时答复代表。",
        responsible_leader="分管副局长", handler_id=_user(handler).id, assigned_on=assigned_on)


def seed_journey_items(session: Session, lead_unit, deputy: Person) -> None:
    office, handler, unitlead = _user("office"), _user("handler"), _user("unitlead")
    today = clock.today()

    # The city leader's overdue item: leader-led, assigned long ago, signed for, never answered.
    assigned_on = today - dt.timedelta(days=OVERDUE_DAYS_AGO)
    item = _register(office, session, OVERDUE_NUMBER, OVERDUE_TITLE, lead="陈志强", received_on=assigned_on,
                     tier="leader_led", leader=_user("leader"))
    a = _assign(office, item, lead_unit, assigned_on=assigned_on)
    assignments.receive(a, actor=handler)
    # Two more overdue items of other units, so the list has something to sort and filter.
    for number, title, unit, who, days_ago in OTHER_OVERDUE:
        assigned_on = today - dt.timedelta(days=days_ago)
        item = _register(office, session, number, title, lead="孙立新", received_on=assigned_on)
        a = _assign(office, item, Unit.get(Unit.name == unit), assigned_on=assigned_on, handler=who)
        assignments.receive(a, actor=_user(who))

    for device in DEVICES:
        # The deputy's item: the reply has been sent and waits for the deputy's feedback.
        item = _register(office, session, replied_number(device), replied_title(device), lead=deputy.name,
                         received_on=today)
        a = _assign(office, item, lead_unit)
        assignments.receive(a, actor=handler)
        handling.record_contact(a, actor=handler, stage="before", method="phone", contact_on=today,
                                summary="电话联系刘建国代表，听取意见。")
        reply = replies.draft_reply(a, actor=handler, result_class="B", submit=True,
                                    text="刘建国代表：\n您的建议已列入明年民生实事项目，年内完成选址。\n感谢您的关心和支持。")
        replies.sign_off(reply, actor=unitlead)
        reply = reply.refresh()
        if reply.status == ReplyStatus.AWAITING_OFFICE_REVIEW.value:
            replies.review(reply, actor=office)

        # The unit's item: just assigned, waiting to be signed for.
        item = _register(office, session, unit_number(device), unit_title(device), lead="赵敏", received_on=today)
        _assign(office, item, lead_unit)


def main() -> None:
    app = create_app()
    with app.app_context():
        db.connect(reuse_if_open=True)
        migrations.upgrade()
        ensure_defaults()
        lead = units.create_unit(name="市住房和城乡建设局", short_name="市住建局", actor=None)
        co = units.create_unit(name="市交通运输局", short_name="市交通局", actor=None)
        other = units.create_unit(name="市教育局", short_name="", actor=None)
        deputy = Person.create(name="刘建国", body="npc", delegation="东城区代表团", phone="13900000001")
        people = [
            ("office", "office", "督查室 陈科长", None, None),
            ("admin", "admin", "系统管理员", None, None),
            ("handler", "unit_handler", "住建局 王经办", lead.id, None),
            ("unitlead", "unit_leader", "住建局 李副局长", lead.id, None),
            ("cohandler", "unit_handler", "交通局 赵经办", co.id, None),
            ("coleader", "unit_leader", "交通局 孙副局长", co.id, None),
            ("eduhandler", "unit_handler", "教育局 周经办", other.id, None),
            ("leader", "leader", "张副市长", None, None),
            ("deputy", "submitter", "刘建国", None, deputy.id),
        ]
        for username, role, name, unit_id, person_id in people:
            accounts.create_user(username=username, password=PASSWORD, role=role, name=name, unit_id=unit_id,
                                 phone="13800000000", person_id=person_id)
        npc = Session.create(body="npc", name="市十七届人大四次会议", year=2026, created_at=clock.now())
        Session.create(body="cppcc", name="市政协十四届四次会议", year=2026, created_at=clock.now())
        seed_journey_items(npc, lead, deputy)
        db.close()


if __name__ == "__main__":
    main()
