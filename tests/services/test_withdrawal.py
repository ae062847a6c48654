"""撤回 (DOMAIN.md §6): the office records the submitter's written request; the item becomes
withdrawn, every unit's open part ends, and the item leaves the counts and the reminders."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.closeout_support import send_reply, submitter_account
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.enums import AssignmentStatus, ItemStatus, Role
from tracker.core.errors import Conflict, PermissionDenied, StaleVersion, ValidationFailed
from tracker.items import merging, withdrawal
from tracker.items.models import Item
from tracker.ledger import stats
from tracker.ledger.stats_queries import StatsFilter, load_facts
from tracker.reminders import queries as reminder_queries
from tracker.reminders.models import Notification


def _snapshot(item_id: int) -> tuple:
    item = Item.get_by_id(item_id)
    parts = tuple((a.id, a.status, a.version) for a in Assignment.select().where(Assignment.item == item_id)
                  .order_by(Assignment.id))
    return (item.status, item.version, parts, AuditEntry.select().where(AuditEntry.item_id == item_id).count(),
            Notification.select().count())


@pytest.fixture()
def world(f):
    unit, co_unit = f.unit("市住建局"), f.unit("市财政局")
    handler = f.user(Role.UNIT_HANDLER, unit)
    co_handler = f.user(Role.UNIT_HANDLER, co_unit)
    person, deputy = submitter_account("张代表")
    item = f.item(submitters=[{"name": "张代表", "role": "lead", "person_id": person.id}])
    lead = f.assign(item, unit, role="lead", handler=handler)
    co = f.assign(item, co_unit, role="co", handler=co_handler)
    return {"item": Item.get_by_id(item.id), "unit": unit, "co_unit": co_unit, "handler": handler,
            "co_handler": co_handler, "deputy": deputy, "lead": lead, "co": co, "office": f.office()}


def test_withdrawing_ends_every_open_part_and_records_the_request(world):
    item, office = world["item"], world["office"]
    assignments.receive(Assignment.get_by_id(world["lead"].id), actor=world["handler"])  # lead: handling
    day = clock.today() - dt.timedelta(days=2)                                           # co: pending_receipt
    was = Item.get_by_id(item.id).status
    assert was == ItemStatus.IN_PROGRESS.value
    withdrawal.withdraw(item, actor=office, requested_on=day, reason="问题已在会后解决，申请撤回")

    item = Item.get_by_id(item.id)
    assert item.status == ItemStatus.WITHDRAWN.value
    assert item.is_read_only
    statuses = {a.unit_id: a.status for a in Assignment.select().where(Assignment.item == item.id)}
    assert statuses == {world["unit"].id: AssignmentStatus.DONE.value, world["co_unit"].id: AssignmentStatus.DONE.value}

    entry = AuditEntry.get((AuditEntry.item_id == item.id) & (AuditEntry.action == "withdrawn"))
    assert entry.before == {"status": was}
    assert entry.after["status"] == "withdrawn"
    assert entry.after["requested_on"] == day.isoformat()
    assert entry.after["reason"] == "问题已在会后解决，申请撤回"
    assert entry.after["consent"] is False
    assert entry.actor_id == office.id

    shown = withdrawal.last_withdrawal(item)
    assert shown.requested_on == day and shown.reason == "问题已在会后解决，申请撤回" and not shown.consent

    # the units and the deputy are told
    for user in (world["handler"], world["co_handler"]):
        assert Notification.select().where((Notification.user == user.id)
                                           & Notification.title.startswith("已撤回，无需继续办理")).count() == 1
    assert Notification.select().where((Notification.user == world["deputy"].id)
                                       & Notification.title.startswith("您的撤回申请已登记")).count() == 1


def test_a_returned_part_stays_returned_and_a_return_request_ends(world, f):
    item, office = world["item"], world["office"]
    lead = Assignment.get_by_id(world["lead"].id)
    assignments.request_return(lead, actor=world["handler"], reason="不属于本单位职责")
    withdrawal.withdraw(item, actor=office, requested_on=clock.today(), reason="书面申请撤回")
    assert Assignment.get_by_id(lead.id).status == AssignmentStatus.DONE.value


def test_a_joint_item_needs_every_co_signers_consent(f):
    office = f.office()
    item = f.item(submitters=[{"name": "李代表", "role": "lead"}, {"name": "王代表", "role": "co"}])
    assert withdrawal.is_joint(item)
    before = _snapshot(item.id)
    with pytest.raises(ValidationFailed) as refused:
        withdrawal.withdraw(item, actor=office, requested_on=clock.today(), reason="领衔人申请撤回")
    assert "联名" in refused.value.fields["consent"]
    assert _snapshot(item.id) == before

    withdrawal.withdraw(item, actor=office, requested_on=clock.today(), reason="全体联名人申请撤回", consent=True)
    assert Item.get_by_id(item.id).status == ItemStatus.WITHDRAWN.value
    assert withdrawal.last_withdrawal(Item.get_by_id(item.id)).consent
    assert "全体联名人已同意" in AuditEntry.get((AuditEntry.item_id == item.id)
                                          & (AuditEntry.action == "withdrawn")).detail


@pytest.mark.parametrize(("requested_on", "reason", "field", "message"), [
    (None, "申请撤回", "requested_on", "请填写书面申请撤回的日期"),
    ("2026-13-40", "申请撤回", "requested_on", "日期格式不正确"),
    ("tomorrow", "申请撤回", "requested_on", "日期格式不正确"),
    ("future", "申请撤回", "requested_on", "不能晚于今天"),
    ("today", "   ", "reason", "请填写撤回理由"),
    ("today", "字" * 2001, "reason", "不能超过 2000 个字"),
])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(world, requested_on, reason, field, message):
    item = world["item"]
    value = {"today": clock.today(), "future": clock.today() + dt.timedelta(days=1)}.get(requested_on, requested_on)
    before = _snapshot(item.id)
    with pytest.raises(ValidationFailed) as refused:
        withdrawal.withdraw(item, actor=world["office"], requested_on=value, reason=reason)
    assert message in refused.value.fields[field]
    assert refused.value.message.startswith("撤回未登记")
    assert _snapshot(item.id) == before


def test_only_the_office_may_withdraw(world):
    item = world["item"]
    before = _snapshot(item.id)
    for user in (world["handler"], world["deputy"]):
        with pytest.raises(PermissionDenied):
            withdrawal.withdraw(item, actor=user, requested_on=clock.today(), reason="申请撤回")
    assert _snapshot(item.id) == before
    assert not withdrawal.can_withdraw(world["handler"], item)
    assert withdrawal.can_withdraw(world["office"], item)


def test_an_answered_item_cannot_be_withdrawn(f):
    unit = f.unit()
    item = f.item()
    a = f.assign(item, unit, role="sole")
    assignments.receive(Assignment.get_by_id(a.id), actor=f.user(Role.UNIT_HANDLER, unit))
    send_reply(a)
    item = Item.get_by_id(item.id)
    assert item.status == ItemStatus.REPLIED.value
    assert "已答复的件不能撤回" in withdrawal.blocker(item)
    with pytest.raises(Conflict) as refused:
        withdrawal.withdraw(item, actor=f.office(), requested_on=clock.today(), reason="申请撤回")
    assert refused.value.code == "not_withdrawable"
    assert Item.get_by_id(item.id).status == ItemStatus.REPLIED.value


def test_a_withdrawn_or_merged_item_cannot_be_withdrawn_again(f):
    office = f.office()
    item = f.item()
    withdrawal.withdraw(item, actor=office, requested_on=clock.today(), reason="申请撤回")
    with pytest.raises(Conflict):
        withdrawal.withdraw(Item.get_by_id(item.id), actor=office, requested_on=clock.today(), reason="再次撤回")
    assert AuditEntry.select().where((AuditEntry.item_id == item.id) & (AuditEntry.action == "withdrawn")).count() == 1

    session = Item.get_by_id(item.id).session
    parent, child = f.item(session=session), f.item(session=session)
    merging.merge(child, parent, actor=office)
    assert "撤销并案" in withdrawal.blocker(Item.get_by_id(parent.id))  # a parent with children: unmerge first
    with pytest.raises(Conflict):
        withdrawal.withdraw(Item.get_by_id(parent.id), actor=office, requested_on=clock.today(), reason="撤回")
    assert withdrawal.blocker(Item.get_by_id(child.id)) == (f"该件已并入第{parent.number}号办理，不能直接撤回；"
                                                             "请先撤销并案，再登记撤回")
    merging.unmerge(Item.get_by_id(child.id), actor=office, reason="提出人申请撤回")
    withdrawal.withdraw(Item.get_by_id(child.id), actor=office, requested_on=clock.today(), reason="申请撤回")
    assert Item.get_by_id(child.id).status == ItemStatus.WITHDRAWN.value


def test_a_stale_version_changes_nothing(world):
    item = world["item"]
    before = _snapshot(item.id)
    with pytest.raises(StaleVersion):
        withdrawal.withdraw(item, actor=world["office"], requested_on=clock.today(), reason="申请撤回",
                            version=item.version - 1)
    assert _snapshot(item.id) == before


def test_a_withdrawn_item_leaves_the_overdue_list_and_the_counts(world):
    item, office = world["item"], world["office"]
    lead = Assignment.get_by_id(world["lead"].id)
    late = clock.today() + dt.timedelta(days=400)  # long after the reply date: the part is overdue
    flt = StatsFilter(session_id=item.session_id)
    assert stats.summary(load_facts(flt), late)["overall"]["assigned"] == 1
    overdue = reminder_queries.overdue_page(reminder_queries.OverdueFilters(), late)[0]
    assert lead.id in {r.assignment_id for r in overdue}

    withdrawal.withdraw(item, actor=office, requested_on=clock.today(), reason="申请撤回")
    assert stats.summary(load_facts(flt), late)["overall"]["assigned"] == 0
    assert reminder_queries.overdue_page(reminder_queries.OverdueFilters(), late) == ([], 0)


def test_an_upheld_objection_ends_parts_still_waiting_for_receipt(f):
    """The 三书一函 path (objection upheld) ends every open part too, not only those in handling."""
    item = f.item(kind="judicial_suggestion")
    unit = f.unit()
    a = f.assign(item, unit, role="sole")
    assert Assignment.get_by_id(a.id).status == AssignmentStatus.PENDING_RECEIPT.value
    from tracker.supervision.services import _finish_assignments

    _finish_assignments(Item.get_by_id(item.id))
    assert Assignment.get_by_id(a.id).status == AssignmentStatus.DONE.value


def test_a_partly_answered_item_cannot_be_withdrawn(f):
    """分办: one unit has replied, so the item is still in progress, but a submitter already has an
    answer: no withdrawal, and the replied part is left as it is."""
    first, second = f.unit("市教育局"), f.unit("市卫健委")
    item = f.item()
    a = f.assign(item, first, role="separate")
    f.assign(item, second, role="separate")
    assignments.receive(Assignment.get_by_id(a.id), actor=f.user(Role.UNIT_HANDLER, first))
    send_reply(a)
    item = Item.get_by_id(item.id)
    assert item.status == ItemStatus.IN_PROGRESS.value
    assert withdrawal.answered_units(item) == ["市教育局"]
    assert withdrawal.blocker(item) == "市教育局已答复，已答复的件不能撤回"
    before = _snapshot(item.id)
    with pytest.raises(Conflict):
        withdrawal.withdraw(item, actor=f.office(), requested_on=clock.today(), reason="申请撤回")
    assert _snapshot(item.id) == before
    assert Assignment.get_by_id(a.id).status == AssignmentStatus.REPLIED.value


def test_a_change_between_reading_and_writing_refuses_the_withdrawal(world, monkeypatch):
    """Someone else saves the item after the withdrawal read it and before it writes (two office
    staff at once): the withdrawal is refused and writes nothing."""
    item = world["item"]
    real_is_joint = withdrawal.is_joint

    def meanwhile(it):  # runs after the checks, before the write
        Item.update(version=Item.version + 1).where(Item.id == it.id).execute()
        return real_is_joint(it)

    monkeypatch.setattr(withdrawal, "is_joint", meanwhile)
    with pytest.raises(StaleVersion):
        withdrawal.withdraw(item, actor=world["office"], requested_on=clock.today(), reason="申请撤回")
    assert Item.get_by_id(item.id).status != ItemStatus.WITHDRAWN.value
    assert not AuditEntry.select().where((AuditEntry.item_id == item.id) & (AuditEntry.action == "withdrawn")).exists()
    assert {a.status for a in Assignment.select().where(Assignment.item == item.id)} == {"pending_receipt"}
