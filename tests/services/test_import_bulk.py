"""The Excel import writes in bulk what registering and assigning each row one by one
would write: the same items, submitters, assignments (five fixes, dates), statuses and
audit entries — and tells each unit once per import instead of once per item."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.xlsx import xlsx_bytes
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core import db as core_db
from tracker.core.enums import Role
from tracker.core.errors import Conflict
from tracker.items import imports
from tracker.items import services as items
from tracker.items.importing import parse_rows, read_rows
from tracker.items.imports import CO_TASK, DEFAULT_TASK, import_items
from tracker.items.models import Item, Submitter
from tracker.reminders.models import Notification
from tracker.units.services import unit_name_map

HEADER = ["建议号", "标题", "内容", "领衔代表", "附议代表", "主办单位", "会办单位", "分级", "重点", "内容分类", "领办领导"]
ASSIGNED_ON = dt.date(2026, 4, 30)  # before the May Day holidays: the dates skip them

ROWS = [
    ["1", "关于发展社区嵌入式养老服务的建议", "内容一", "王丽", "张敏、周斌", "市民政局", "市商务局", "", "", "社会", ""],
    ["2", "关于完善夜间经济配套设施的建议", "内容二", "刘强", None, "市民政局、市商务局", None, "政府办督办", "是", "经济", ""],
    ["3", "关于加强社区食堂建设的建议", "", "陈东", "", "民政局", "", "", "", "", ""],
    ["4", "关于优化营商环境的建议", "内容四", "赵敏", "王丽", "市商务局", "市民政局、市交通局", "市领导领办", "", "经济", "赵市长"],
    ["5", "关于增设公交线路的建议", "内容五", "孙立", "", "市交通局", "", "", "否", "交通", ""],
    ["6", "关于加快人才公寓建设的建议", "内容六", "钱进", "", "市人社局", "市民政局", "", "", "", ""],  # no accounts
]


@pytest.fixture(autouse=True)
def on_the_assignment_day():
    """The import runs on ASSIGNED_ON: an item is not assigned before the day it is registered."""
    with time_machine.travel(dt.datetime(2026, 4, 30, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield


def workbook(rows: list[list]) -> bytes:
    return xlsx_bytes(rows, HEADER)


def staffed(f, name: str, short: str = ""):
    unit = f.unit(name, short=short)
    f.user(Role.UNIT_HANDLER, unit, name=f"{name}经办人", phone="0571-1234")
    f.user(Role.UNIT_HANDLER, unit, name=f"{name}第二经办人")
    f.user(Role.UNIT_LEADER, unit, name=f"{name}领导")
    f.user(Role.UNIT_LEADER, unit, name=f"{name}副职领导")
    return unit


@pytest.fixture()
def world(f):
    office = f.office()
    units = [staffed(f, "市民政局", "民政局"), staffed(f, "市商务局"), staffed(f, "市交通局")]
    f.unit("市人社局")  # no accounts: its item is imported unassigned
    f.user(Role.LEADER, name="赵市长")
    wang = f.person("王丽")
    return {"office": office, "units": units, "wang": wang,
            "bulk": f.session(name="市十七届人大四次会议"), "single": f.session(name="市十七届人大五次会议")}


def one_by_one(data: bytes, session, actor) -> None:
    """What the import did before it wrote in bulk: every row through register_item and
    assign, with the import's defaults for the five fixes."""
    parsed = parse_rows(read_rows(data), known_units=unit_name_map())
    accounts = imports._Accounts(uid for row in parsed.rows for uid in (*row.lead_unit_ids, *row.co_unit_ids))
    for row in parsed.rows:
        submitters = [{"name": row.lead_submitter, "role": "lead"}]
        submitters += [{"name": name, "role": "co"} for name in row.co_submitters]
        item = items.register_item(
            actor=actor, kind="suggestion", session_id=session.id, number=row.number, title=row.title,
            content=row.content, category=row.category, submitters=submitters, is_key=row.is_key,
            tier=row.tier or "department", leader_id=accounts.leaders.get(row.leader) if row.leader else None,
        )
        plan = imports._plan(row)
        if any(unit_id not in accounts.handler or unit_id not in accounts.leader for unit_id, _ in plan):
            continue
        for unit_id, role in plan:
            handler = accounts.handler[unit_id]
            task = CO_TASK if role == "co" else DEFAULT_TASK
            assignments.assign(item, actor=actor, unit_id=unit_id, role=role, task=task,
                               responsible_leader=accounts.leader[unit_id].name, handler_id=handler.id,
                               handler_phone=handler.phone, assigned_on=ASSIGNED_ON)


ITEM_FIELDS = ("kind", "number", "title", "content", "category", "tier", "is_key", "from_motion", "handling_mode",
               "status", "version", "leader_id", "received_on", "registered_by_id", "note", "merged_into_id")
ASSIGNMENT_FIELDS = ("role", "status", "version", "round", "task", "responsible_leader", "handler_id",
                     "handler_phone", "scorecard_id", "assigned_on", *assignments.DATE_FIELDS, "extended_due",
                     "rehandle_due", "reply_due_set_by_office", "current_due", "assigned_by_id", "received_by_id",
                     "reassigned_from_id")


def snapshot(session) -> dict[str, dict]:
    """Everything the import writes for a session, keyed by case number (ids left out)."""
    out = {}
    for item in Item.select().where(Item.session == session.id).order_by(Item.number):
        subs = [(s.name, s.role, s.person_id, s.position)
                for s in Submitter.select().where(Submitter.item == item.id).order_by(Submitter.position)]
        rows = {a.unit_id: a for a in Assignment.select().where(Assignment.item == item.id)}
        units = {a.id: a.unit_id for a in rows.values()}
        entries = []
        for e in AuditEntry.select().where(AuditEntry.item_id == item.id).order_by(AuditEntry.at, AuditEntry.id):
            target = "item" if e.object_type == "item" and e.object_id == item.id else units.get(e.object_id)
            entries.append((e.action, e.object_type, target, e.unit_id, e.actor_id, e.actor_name, e.before,
                            e.after, e.detail))
        out[item.number] = {
            "item": {name: getattr(item, name) for name in ITEM_FIELDS},
            "submitters": subs,
            "assignments": {unit_id: {name: getattr(a, name) for name in ASSIGNMENT_FIELDS}
                            for unit_id, a in sorted(rows.items())},
            "audit": entries,
        }
    return out


def test_bulk_import_writes_what_registering_and_assigning_one_by_one_writes(world):
    data = workbook(ROWS)
    report = import_items(data, world["bulk"], actor=world["office"], assigned_on=ASSIGNED_ON)
    assert report.ok, report.problems
    assert report.imported == 6
    one_by_one(data, world["single"], world["office"])

    bulk, single = snapshot(world["bulk"]), snapshot(world["single"])
    assert list(bulk) == ["1", "2", "3", "4", "5", "6"]
    assert bulk == single
    # And what that is, spelled out for a few rows.
    first = bulk["1"]
    assert first["item"]["status"] == "assigned" and first["item"]["handling_mode"] == "lead_co"
    assert first["submitters"][0] == ("王丽", "lead", world["wang"].id, 0)
    assert [entry[0] for entry in first["audit"]] == ["registered", "assigned", "assigned"]
    assert bulk["4"]["item"]["tier"] == "leader_led" and bulk["4"]["item"]["leader_id"] is not None
    unassigned = bulk["6"]
    assert unassigned["item"]["status"] == "registered" and unassigned["item"]["handling_mode"] == ""
    assert unassigned["assignments"] == {} and [e[0] for e in unassigned["audit"]] == ["registered"]
    lead = first["assignments"][world["units"][0].id]
    assert lead["assigned_on"] == ASSIGNED_ON and lead["receipt_due"] > dt.date(2026, 5, 5)  # after the holidays
    assert [r.item_id is not None for r in report.rows] == [True] * 6
    assert {r.item_id for r in report.rows} == {i.id for i in Item.select().where(Item.session == world["bulk"].id)}


def test_each_unit_gets_one_summary_notification_per_import(world):
    report = import_items(workbook(ROWS), world["bulk"], actor=world["office"], assigned_on=ASSIGNED_ON)
    assert report.ok
    civil, commerce, transport = world["units"]
    notes = list(Notification.select().order_by(Notification.id))
    by_user: dict[int, list[Notification]] = {}
    for note in notes:
        by_user.setdefault(note.user_id, []).append(note)
    # Each unit's handler whose name is on its assignments and both its unit leaders; one each.
    assert all(len(rows) == 1 for rows in by_user.values())
    expected = {}
    for unit in (civil, commerce, transport):
        from tracker.accounts.models import User

        users = list(User.select().where(User.unit == unit.id).order_by(User.id))
        first_handler = next(u for u in users if u.role == Role.UNIT_HANDLER.value)
        for user in users:
            if user.role == Role.UNIT_LEADER.value or user.id == first_handler.id:
                expected[user.id] = unit
    assert set(by_user) == set(expected)
    given = {civil.id: 4, commerce.id: 3, transport.id: 2}  # rows 1-4 (6 is unassigned); 1, 2, 4; 4, 5
    for user_id, [note] in by_user.items():
        unit = expected[user_id]
        count = Assignment.select().where(Assignment.unit == unit.id).count()
        assert count == given[unit.id]
        assert note.title == f"交办通知：本次导入交办你单位 {count} 件建议"
        assert note.item_id is None
        a = Assignment.select().where(Assignment.unit == unit.id).first()
        assert f"请于 {a.receipt_due.isoformat()} 前签收" in note.body
        assert f"答复期限 {a.reply_due.isoformat()}" in note.body
        assert "本单位待办" in note.body
    commerce_note = by_user[next(uid for uid, u in expected.items() if u.id == commerce.id)][0]
    assert "主办 1 件" in commerce_note.body and "会办 1 件" in commerce_note.body and "分办 1 件" in commerce_note.body


def test_a_row_problem_the_rules_find_writes_nothing_and_names_the_row(world):
    rows = [*ROWS, ["7", "关于某事的建议", "", "吴刚", "", "市民政局", "", "市领导领办", "", "", ""]]
    report = import_items(workbook(rows), world["bulk"], actor=world["office"], assigned_on=ASSIGNED_ON)
    assert [m for _, m in report.problems] == ["第 8 行：市领导领办件须指定领办领导"]
    assert report.imported == 0 and all(r.item_id is None for r in report.rows)
    assert Item.select().count() == 0 and Notification.select().count() == 0
    assert not AuditEntry.select().where(AuditEntry.action.in_(["registered", "assigned", "items_imported"])).exists()


def test_a_number_registered_meanwhile_is_a_conflict_and_nothing_is_written(world, monkeypatch):
    data = workbook(ROWS[:3])
    f_item = items.register_item(actor=world["office"], kind="suggestion", session_id=world["bulk"].id,
                                 number="2", title="同时登记的建议", submitters=[{"name": "某代表", "role": "lead"}])
    # The preview ran before that item was registered: the number was not in the session yet.
    monkeypatch.setattr(imports, "existing_numbers", lambda session_id, kind: [])
    before = (Item.select().count(), Assignment.select().count(), AuditEntry.select().count(),
              Notification.select().count(), Submitter.select().count())
    with pytest.raises(Conflict) as caught:
        import_items(data, world["bulk"], actor=world["office"], assigned_on=ASSIGNED_ON)
    assert caught.value.message == "导入期间有人登记了相同案号的件，请重新预览后再导入"
    after = (Item.select().count(), Assignment.select().count(), AuditEntry.select().count(),
             Notification.select().count(), Submitter.select().count())
    assert after == before
    assert Item.get_by_id(f_item.id).title == "同时登记的建议"


def test_a_large_list_is_written_in_several_batches(world, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_ROWS", 2)
    monkeypatch.setattr(core_db, "_MAX_PARAMS", 40)  # several statements per batch too
    report = import_items(workbook(ROWS), world["bulk"], actor=world["office"], assigned_on=ASSIGNED_ON)
    assert report.ok and report.imported == 6
    one_by_one(workbook(ROWS), world["single"], world["office"])
    assert snapshot(world["bulk"]) == snapshot(world["single"])


def test_the_sweep_after_an_import_tells_no_unit_again_item_by_item(world):
    """The import's one 交办通知 per unit is each imported assignment's 交办通知: the daily sweep
    records it as sent (its reminders point at the import's notice) and sends nobody another."""
    from tracker.reminders.models import Reminder
    from tracker.reminders.queries import item_reminders
    from tracker.reminders.sweep import sweep

    report = import_items(workbook(ROWS), world["bulk"], actor=world["office"], assigned_on=ASSIGNED_ON)
    assert report.ok
    before = Notification.select().count()
    assert before == 9  # three units: a handler and two leaders each
    result = sweep()
    assert Notification.select().where(Notification.title.startswith("交办通知")).count() == before
    assert not AuditEntry.select().where(AuditEntry.detail.startswith("交办通知")).exists()
    assigned = list(Reminder.select().where(Reminder.rule_key == "assigned"))
    assert len(assigned) == Assignment.select().count() == 9
    assert {r.assignment_id for r in assigned} == {a.id for a in Assignment.select()}
    assert "assigned" not in {r.rule_key for r in Reminder.select().where(Reminder.created_at > assigned[0].created_at)}
    # each recorded as sent when the import told the unit, to its handler and the unit's two leaders
    imported = {n.created_at for n in Notification.select()}
    assert {r.created_at for r in assigned} <= imported
    assert {r.told_in_batch for r in assigned} == {3}
    first = Item.get((Item.session == world["bulk"].id) & (Item.number == "1"))
    told = [r for r in item_reminders(first.id) if r["rule_key"] == "assigned"]
    assert [r["told"] for r in told] == [3, 3]
    assert result.errors == 0
    # and the next day's sweep adds nothing either
    with time_machine.travel(dt.datetime(2026, 5, 6, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        sweep()
    assert Notification.select().where(Notification.title.startswith("交办通知")).count() == before
