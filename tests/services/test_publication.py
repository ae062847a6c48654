"""公开 (DOMAIN.md §3, §8): a sent reply to be published (全文/摘要) has a deadline of 20 working
days; the answering unit or the office records the day it was published; 公开率 counts those."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.closeout_support import replied_item
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.enums import Publish, Role
from tracker.core.errors import Conflict, PermissionDenied, StaleVersion, ValidationFailed
from tracker.ledger import stats
from tracker.ledger.stats_queries import StatsFilter, load_facts
from tracker.replies import publication
from tracker.replies.models import Reply

SENT = dt.date(2026, 9, 25)  # a Friday before the National Day holiday (10-01 .. 10-08)


def _reply(s) -> Reply:
    return Reply.get(Reply.assignment == s.assignment.id)


@pytest.fixture()
def sent(f):
    with time_machine.travel(dt.datetime(2026, 9, 25, 10, tzinfo=dt.UTC), tick=False):
        return replied_item(sent_on=SENT)


def test_the_deadline_is_20_working_days_after_the_reply(sent):
    reply = _reply(sent)
    # 20 working days after Friday 09-25 by the working calendar (the National Day holiday
    # skipped, make-up workdays counted), the deadline being the 20th
    due = publication.due_date(reply)
    assert due is not None and due > SENT + dt.timedelta(days=28)
    from tracker.rules import services as rules

    cal = rules.work_calendar()
    working = [SENT + dt.timedelta(days=n) for n in range(1, (due - SENT).days + 1)
               if cal.is_workday(SENT + dt.timedelta(days=n))]
    assert len(working) == 20 and working[-1] == due

    with time_machine.travel(dt.datetime.combine(due + dt.timedelta(days=3), dt.time(10), dt.UTC), tick=False):
        st = publication.state(_reply(sent))
        assert st.pending and st.overdue_days == 3


def test_the_unit_records_the_publication_and_the_rate_counts_it(sent):
    reply = _reply(sent)
    flt = StatsFilter(session_id=sent.item.session_id)
    today = clock.today()
    assert stats.summary(load_facts(flt), today)["overall"]["publish_rate"] == 0

    day = SENT + dt.timedelta(days=5)
    publication.record(reply, actor=sent.handler, published_on=day)
    reply = _reply(sent)
    assert reply.published_on == day
    st = publication.state(reply)
    assert not st.pending and st.overdue_days == 0
    assert stats.summary(load_facts(flt), today)["overall"]["publish_rate"] == 1
    entry = AuditEntry.get((AuditEntry.item_id == sent.item.id) & (AuditEntry.action == "reply_published"))
    assert entry.after == {"published_on": day.isoformat()} and entry.before == {"published_on": None}
    assert "按期" in entry.detail and sent.unit.name in entry.detail

    # the office corrects the date; the change is logged
    publication.record(reply, actor=sent.office, published_on=day + dt.timedelta(days=1))
    assert _reply(sent).published_on == day + dt.timedelta(days=1)
    assert AuditEntry.select().where((AuditEntry.item_id == sent.item.id)
                                     & (AuditEntry.action == "reply_published")).count() == 2


@pytest.mark.parametrize(("value", "message"), [
    (None, "请填写公开日期"),
    ("2026-02-30", "日期格式不正确"),
    ("before", "不能早于答复发送日期"),
    ("future", "不能晚于今天"),
])
def test_bad_dates_are_refused_and_change_nothing(sent, value, message):
    reply = _reply(sent)
    value = {"before": SENT - dt.timedelta(days=1), "future": clock.today() + dt.timedelta(days=1)}.get(value, value)
    with pytest.raises(ValidationFailed) as refused:
        publication.record(reply, actor=sent.handler, published_on=value)
    assert message in refused.value.fields["published_on"]
    assert _reply(sent).published_on is None and _reply(sent).version == reply.version


def test_who_may_record_it(sent, f):
    reply = _reply(sent)
    other_unit_handler = f.user(Role.UNIT_HANDLER, f.unit())
    for user in (other_unit_handler, sent.people["张代表"][1], f.user(Role.LEADER)):
        with pytest.raises(PermissionDenied):
            publication.record(reply, actor=user, published_on=SENT)
        assert not publication.can_record(user, reply)
    assert publication.can_record(sent.handler, reply) and publication.can_record(sent.leader, reply)
    assert publication.can_record(sent.office, reply)
    assert _reply(sent).published_on is None


def test_a_reply_not_to_be_published_or_not_sent_is_refused(f, sent):
    reply = _reply(sent)
    Reply.update(publish=Publish.NONE.value).where(Reply.id == reply.id).execute()
    with pytest.raises(Conflict):
        publication.record(_reply(sent), actor=sent.handler, published_on=SENT)
    assert publication.due_date(_reply(sent)) is None
    assert not publication.state(_reply(sent)).pending

    draft_scenario = replied_item(send=False)
    from tracker.replies import services as replies

    draft = replies.draft_reply(draft_scenario.assignment, actor=draft_scenario.handler, result_class="A",
                                text="答复正文")
    assert publication.state(draft) is None
    with pytest.raises(Conflict):
        publication.record(draft, actor=draft_scenario.handler, published_on=clock.today())


def test_a_stale_version_changes_nothing(sent):
    reply = _reply(sent)
    with pytest.raises(StaleVersion):
        publication.record(reply, actor=sent.handler, published_on=SENT, version=reply.version - 1)
    assert _reply(sent).published_on is None
