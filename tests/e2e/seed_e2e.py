"""Baseline data for the browser journeys: units, one user per role, a session, a deputy.

Run as a script against TRACKER_DATABASE_URL (the live server's own database).
"""

from __future__ import annotations

from tracker import create_app
from tracker.accounts import services as accounts
from tracker.accounts.models import Person
from tracker.core import clock, migrations
from tracker.core.db import db
from tracker.items.models import Session
from tracker.rules.services import ensure_defaults
from tracker.units import services as units

PASSWORD = "Passw0rd!"


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
        Session.create(body="npc", name="市十七届人大四次会议", year=2026, created_at=clock.now())
        Session.create(body="cppcc", name="市政协十四届四次会议", year=2026, created_at=clock.now())
        db.close()


if __name__ == "__main__":
    main()
