"""移交经办任务 (assignments.transfer_duties): the office names a colleague of the same unit the
handler of every open assignment of a user at once — all or nothing, each one logged as an
adjustment of the handler, the unit told once; a target outside the unit, inactive or without a
unit role, an assignment that is no longer the user's or no longer open, or an actor who is not
the office changes nothing."""

from __future__ import annotations

import pytest

from tests.closeout_support import send_reply
from tracker.accounts import policy
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core.enums import Role
from tracker.core.errors import Conflict, PermissionDenied, ValidationFailed
from tracker.items.workflow import Action
from tracker.reminders.models import Notification


@pytest.fixture()
def world(f):
    unit, other = f.unit("市水务局"), f.unit("市城管局")
    old = f.user(Role.UNIT_HANDLER, unit, name="钱经办", phone="0571-1111")
    new = f.user(Role.UNIT_HANDLER, unit, name="孙经办", phone="0571-2222")
    leader = f.user(Role.UNIT_LEADER, unit, name="李局长", phone="0571-3333")
    gone = f.user(Role.UNIT_HANDLER, unit, name="周离职")
    gone.active = False
    gone.save()
    stranger = f.user(Role.UNIT_HANDLER, other, name="外单位经办")
    office = f.office()
    pending = f.assign(f.item(number="101", title="关于整治城区积水点的建议"), unit, role="sole", handler=old)
    handling = f.assign(f.item(number="102", title="关于加快雨污分流改造的建议"), unit, role="sole", handler=old)
    assignments.receive(handling, actor=old)
    shared = f.item(number="103", title="关于河道保洁的建议")
    f.assign(shared, other, role="lead", handler=stranger)
    co = f.assign(shared, unit, role="co", handler=old)
    replied = f.assign(f.item(number="104", title="关于增设排涝泵站的建议"), unit, role="sole", handler=old)
    assignments.receive(replied, actor=old)
    send_reply(replied)
    colleagues = f.assign(f.item(number="105"), unit, role="sole", handler=new)
    return {"unit": unit, "other": other, "old": old, "new": new, "leader": leader, "gone": gone,
            "stranger": stranger, "office": office, "open": [pending.id, handling.id, co.id],
            "replied": replied.id, "colleagues": colleagues.id}


def _state() -> tuple:
    """Everything a transfer may write: every assignment's handler columns, the audit log and
    the notifications."""
    rows = tuple((a.id, a.handler_id, a.handler_phone, a.version)
                 for a in Assignment.select().order_by(Assignment.id))
    return rows, AuditEntry.select().count(), Notification.select().count()


def test_the_office_moves_every_open_duty_and_logs_each(world):
    old, new = world["old"], world["new"]
    versions = {a.id: a.version for a in Assignment.select()}
    assert [a.id for a in assignments.open_duties_of(old)] == world["open"]

    moved = assignments.transfer_duties(old, actor=world["office"], to_user_id=new.id, note="原经办人调离")

    assert sorted(a.id for a in moved) == world["open"]
    for a in moved:
        assert a.handler_id == new.id and a.handler_phone == "0571-2222"
        assert a.version == versions[a.id] + 1
    assert assignments.open_duties_of(old) == []
    # the replied one keeps its handler: the record of who handled it; a colleague's is untouched
    assert Assignment.get_by_id(world["replied"]).handler_id == old.id
    assert Assignment.get_by_id(world["colleagues"]).version == versions[world["colleagues"]]

    entries = list(AuditEntry.select().where(AuditEntry.action == "assignment_edited"))
    assert sorted(e.object_id for e in entries) == world["open"]
    for e in entries:
        assert e.object_type == "assignment" and e.actor_id == world["office"].id
        assert e.before == {"handler": "钱经办", "handler_phone": "0571-1111"}
        assert e.after == {"handler": "孙经办", "handler_phone": "0571-2222"}
        assert e.detail.startswith("移交经办任务（市水务局）：经办人：钱经办 → 孙经办")
        assert e.detail.endswith("说明：原经办人调离")

    # the unit is told once, with the items' numbers; the other unit is not told
    for user in (old, new, world["leader"]):
        notes = list(Notification.select().where((Notification.user == user.id)
                                                 & Notification.title.startswith("经办任务已移交")))
        assert len(notes) == 1
        assert notes[0].title == "经办任务已移交：钱经办 → 孙经办"
        assert "以下 3 项承办任务" in notes[0].body and "101号、102号、103号" in notes[0].body
    assert not Notification.select().where((Notification.user == world["stranger"].id)
                                           & Notification.title.startswith("经办任务已移交")).exists()


def test_only_the_ticked_assignments_move_and_the_unit_leader_may_take_them(world):
    first, *rest = world["open"]
    assignments.transfer_duties(world["old"], actor=world["office"], to_user_id=world["leader"].id,
                                assignment_ids=[str(first)])
    assert Assignment.get_by_id(first).handler_id == world["leader"].id
    assert Assignment.get_by_id(first).handler_phone == "0571-3333"
    assert [a.id for a in assignments.open_duties_of(world["old"])] == rest


@pytest.mark.parametrize(("target", "message"), [
    ("stranger", "新的经办人须为原经办人所在单位（市水务局）的用户"),
    ("gone", "周离职的账号已停用，不能作为经办人"),
    ("office", "不是承办单位的经办人或负责人，不能作为经办人"),
    ("old", "新的经办人不能是原经办人"),
    (None, "请选择新的经办人"),
    ("missing", "新的经办人不存在"),
])
def test_a_target_outside_the_unit_inactive_or_without_a_unit_role_changes_nothing(world, target, message):
    before = _state()
    to_user_id = {None: None, "missing": 999999}.get(target) or (world[target].id if target else None)
    with pytest.raises(ValidationFailed) as refused:
        assignments.transfer_duties(world["old"], actor=world["office"], to_user_id=to_user_id)
    assert message in refused.value.fields["to_user_id"]
    assert refused.value.message.startswith("经办任务未移交：")
    assert _state() == before


@pytest.mark.parametrize(("chosen", "note", "field", "message"), [
    ([], "", "assignment_ids", "请至少选择一项要移交的承办任务"),
    (["x"], "", "assignment_ids", "所选承办任务不正确"),
    (None, "说" * 501, "note", "不能超过 500 字"),
])
def test_bad_input_changes_nothing(world, chosen, note, field, message):
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        assignments.transfer_duties(world["old"], actor=world["office"], to_user_id=world["new"].id,
                                    assignment_ids=chosen, note=note)
    assert refused.value.fields[field] == message
    assert _state() == before


def test_a_user_without_open_duties_has_nothing_to_move(world):
    with pytest.raises(ValidationFailed) as refused:
        assignments.transfer_duties(world["leader"], actor=world["office"], to_user_id=world["new"].id)
    assert refused.value.fields["assignment_ids"] == "李局长目前没有未办结的经办任务"


def test_an_assignment_no_longer_the_users_blocks_the_whole_transfer(world):
    office, old, new = world["office"], world["old"], world["new"]
    first, second, third = world["open"]
    a = Assignment.get_by_id(second)  # meanwhile the office named the leader on 102 by itself
    assignments.adjust_assignment(a, actor=office, task=a.task, responsible_leader=a.responsible_leader,
                                  handler_id=world["leader"].id, version=a.version)
    before = _state()
    with pytest.raises(Conflict) as refused:
        assignments.transfer_duties(old, actor=office, to_user_id=new.id,
                                    assignment_ids=[first, second, third])
    assert refused.value.code == "transfer_blocked"
    assert "第102号（经办人已不是钱经办）" in refused.value.message
    assert "所有任务均未更改" in refused.value.message
    assert [d["number"] for d in refused.value.details] == ["102"]
    assert _state() == before


def test_a_closed_assignment_blocks_the_whole_transfer(world):
    office, old = world["office"], world["old"]
    first, second, third = world["open"]
    send_reply(Assignment.get_by_id(second))  # 102 was answered after the page was read
    before = _state()
    with pytest.raises(Conflict) as refused:
        assignments.transfer_duties(old, actor=office, to_user_id=world["new"].id,
                                    assignment_ids=[first, second, third, world["replied"], 999999])
    message = refused.value.message
    assert "第102号（该承办任务已答复，不能再调整）" in message
    assert "第104号（该承办任务已答复，不能再调整）" in message
    assert "编号 999999（该承办任务不存在）" in message
    assert "第101号" not in message and "第103号" not in message
    assert _state() == before


def test_an_assignment_of_another_unit_blocks_the_whole_transfer(world, f):
    """Data from before the admin's rule: the user is named on an assignment of another unit."""
    old = world["old"]
    foreign = f.assign(f.item(number="106"), world["other"], role="sole", handler=world["stranger"])
    Assignment.update(handler=old.id).where(Assignment.id == foreign.id).execute()
    before = _state()
    with pytest.raises(Conflict) as refused:
        assignments.transfer_duties(old, actor=world["office"], to_user_id=world["new"].id)
    assert "第106号（承办单位为市城管局，孙经办不是该单位的用户）" in refused.value.message
    assert _state() == before


@pytest.mark.parametrize("who", ["the handler", "the unit leader", "another unit", Role.ADMIN, Role.LEADER,
                                 Role.SUBMITTER])
def test_only_the_office_may_transfer(world, f, who):
    """Adjusting an assignment is the office's (Action.EDIT_ASSIGNMENT): not the administrator's,
    a city leader's or the unit's own."""
    in_world = {"the handler": "old", "the unit leader": "leader", "another unit": "stranger"}
    actor = world[in_world[who]] if who in in_world else f.user(who)
    before = _state()
    with pytest.raises(PermissionDenied):
        assignments.transfer_duties(world["old"], actor=actor, to_user_id=world["new"].id)
    with pytest.raises(PermissionDenied):  # refused before the input is looked at
        assignments.transfer_duties(world["leader"], actor=actor, to_user_id=None)
    assert _state() == before


def test_each_assignment_is_checked_against_adjusting_it(world, monkeypatch):
    """The page's permission is the office's; each assignment is still asked for EDIT_ASSIGNMENT."""
    barred = world["open"][1]
    allowed = policy.can

    def can(user, action, obj=None):
        if action == Action.EDIT_ASSIGNMENT and getattr(obj, "id", None) == barred:
            return False
        return allowed(user, action, obj)

    monkeypatch.setattr(policy, "can", can)
    before = _state()
    with pytest.raises(PermissionDenied):
        assignments.transfer_duties(world["old"], actor=world["office"], to_user_id=world["new"].id)
    assert _state() == before


def test_one_transaction_a_failure_after_the_writes_leaves_nothing_changed(world, monkeypatch):
    before = _state()

    def broken(*args, **kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(assignments, "notify", broken)
    with pytest.raises(RuntimeError):
        assignments.transfer_duties(world["old"], actor=world["office"], to_user_id=world["new"].id)
    assert _state() == before


def test_the_candidates_are_the_active_unit_staff_but_the_user(world):
    names = [u.display for u in assignments.transfer_candidates(world["old"])]
    assert sorted(names) == ["孙经办", "李局长"]
    assert assignments.transfer_candidates(world["office"]) == []
