"""Hand-built records for the statistics, dispatch and assessment tests.

Rows are inserted directly (not through the handling/reply services) so that each test states
exactly the records a figure is computed from: a reply sent on a given day, a feedback form,
a contact, a commitment, a slip.
"""

from __future__ import annotations

import datetime as dt

from tests import factories
from tracker.assignments.models import Assignment
from tracker.core import clock
from tracker.core.enums import AssignmentStatus, ItemStatus, ReplyStatus
from tracker.handling.models import Contact, CoOpinion
from tracker.items.models import Item, Submitter
from tracker.reminders.models import Slip
from tracker.replies.models import Commitment, Feedback, Reply

D = dt.date


def item(session, number: str, *, submitters=("张代表",), tier: str = "department", is_key: bool = False,
         kind: str = "suggestion", title: str | None = None, leader=None) -> Item:
    subs = [{"name": n, "role": "lead" if i == 0 else "co"} for i, n in enumerate(submitters)]
    return factories.item(session=session, number=number, submitters=subs, tier=tier, is_key=is_key,
                          kind=kind, title=title or f"关于第{number}号事项的建议",
                          leader_id=leader.id if leader is not None else None)


def assignment(item_: Item, unit, *, role: str = "sole", assigned_on: dt.date, reply_due: dt.date,
               status: str = AssignmentStatus.HANDLING.value, extended_due: dt.date | None = None,
               co_opinion_due: dt.date | None = None, rehandle_due: dt.date | None = None,
               received: bool = True, handler=None, scorecard=None) -> Assignment:
    if role == "co" and co_opinion_due is None:
        co_opinion_due = reply_due
    current = co_opinion_due if role == "co" else rehandle_due or extended_due or reply_due
    now = clock.now()
    Item.update(status=ItemStatus.IN_PROGRESS.value).where(
        (Item.id == item_.id) & (Item.status == ItemStatus.REGISTERED.value)).execute()
    if scorecard is None:
        from tracker.assessment.services import default_scorecard

        scorecard = default_scorecard("co" if role == "co" else "lead")
    return Assignment.create(
        item=item_, unit=unit, role=role, status=status, task="研究办理", responsible_leader="王副局长",
        handler=handler, scorecard=scorecard, assigned_on=assigned_on,
        receipt_due=assigned_on + dt.timedelta(days=2), return_due=assigned_on + dt.timedelta(days=9),
        first_contact_due=assigned_on + dt.timedelta(days=20), co_opinion_due=co_opinion_due,
        reply_due=reply_due, reply_due_max=reply_due + dt.timedelta(days=92), extended_due=extended_due,
        rehandle_due=rehandle_due, current_due=current,
        received_at=clock.start_of_local_day(assigned_on + dt.timedelta(days=1)) if received else None,
        created_at=now, updated_at=now,
    )


def reply(a: Assignment, sent_on: dt.date, *, result_class: str = "A", publish: str = "full",
          published_on: dt.date | None = None, round: int = 1, author=None,
          status: str = AssignmentStatus.REPLIED.value) -> Reply:
    author = author or factories.office()
    sent_at = clock.start_of_local_day(sent_on) + dt.timedelta(hours=10)
    r = Reply.create(assignment=a, round=round, status=ReplyStatus.SENT.value, result_class=result_class,
                     text="答复正文", publish=publish, created_by=author, created_at=sent_at,
                     updated_at=sent_at, sent_at=sent_at, sent_on=sent_on, published_on=published_on)
    Assignment.update(replied_on=sent_on, status=status).where(Assignment.id == a.id).execute()
    return r


def commitment(r: Reply, due_on: dt.date, *, status: str = "open", fulfilled_on: dt.date | None = None,
               text: str = "年内完成改造") -> Commitment:
    return Commitment.create(reply=r, assignment=r.assignment_id, text=text, due_on=due_on, status=status,
                             fulfilled_on=fulfilled_on)


def contact(a: Assignment, on: dt.date, method: str = "phone", stage: str = "before", author=None) -> Contact:
    author = author or factories.office()
    return Contact.create(assignment=a, stage=stage, method=method, contact_on=on, summary="沟通情况",
                          author=author, created_at=clock.start_of_local_day(on))


def feedback(item_: Item, submitter_name: str, work: str, result: str, *, source: str = "online",
             round: int = 1, on: dt.date | None = None) -> Feedback:
    sub = Submitter.get((Submitter.item == item_.id) & (Submitter.name == submitter_name))
    at = clock.start_of_local_day(on) + dt.timedelta(hours=9) if on else clock.now()
    return Feedback.create(item=item_, submitter=sub, round=round, work=work, result=result, source=source,
                           created_at=at)


def co_opinion(a: Assignment, on: dt.date, author=None) -> CoOpinion:
    author = author or factories.office()
    Assignment.update(opinion_submitted_on=on, status=AssignmentStatus.OPINION_SUBMITTED.value).where(
        Assignment.id == a.id).execute()
    return CoOpinion.create(assignment=a, text="会办意见", author=author, submitted_on=on,
                            created_at=clock.start_of_local_day(on))


def slip(a: Assignment, color: str, on: dt.date) -> Slip:
    return Slip.create(assignment=a, color=color, issued_on=on, issued_at=clock.start_of_local_day(on),
                       reason="超期督办", key=f"test:{a.id}:{color}:{on.isoformat()}")


def set_item_status(item_: Item, status: ItemStatus) -> None:
    Item.update(status=status.value).where(Item.id == item_.id).execute()


TODAY = D(2026, 6, 15)


def build_fixture_session():
    """The hand-computed session of tests/services/test_stats_fixture.py (see the table there).

    Returns a namespace with the units, items and assignments by name.
    """
    from types import SimpleNamespace

    ns = SimpleNamespace()
    ns.u1 = factories.unit("市住房和城乡建设局", short="住建局")
    ns.u2 = factories.unit("市交通运输局", short="交通局")
    ns.u3 = factories.unit("市教育局", short="教育局")
    ns.session = factories.session(name="市十七届人大四次会议", year=2026)
    s = ns.session

    # I1: U1 sole, replied on time (A, published), meeting before the reply, 2 forms, 1 commitment kept
    ns.i1 = item(s, "1", submitters=("张代表", "李代表"))
    ns.a1 = assignment(ns.i1, ns.u1, assigned_on=D(2026, 3, 1), reply_due=D(2026, 6, 1))
    r1 = reply(ns.a1, D(2026, 5, 20), result_class="A", publish="full", published_on=D(2026, 5, 30))
    contact(ns.a1, D(2026, 4, 1), "meeting")
    contact(ns.a1, D(2026, 5, 25), "phone", stage="after")
    feedback(ns.i1, "张代表", "satisfied", "satisfied", on=D(2026, 6, 1))
    feedback(ns.i1, "李代表", "basically_satisfied", "dissatisfied", on=D(2026, 6, 2))
    commitment(r1, D(2026, 6, 10), status="kept", fulfilled_on=D(2026, 6, 5))

    # I2: U1 lead (extended to 06-20, replied 06-12: on time; B, not published), U3 co on time
    ns.i2 = item(s, "2")
    ns.a2 = assignment(ns.i2, ns.u1, role="lead", assigned_on=D(2026, 3, 1), reply_due=D(2026, 6, 1),
                       extended_due=D(2026, 6, 20))
    r2 = reply(ns.a2, D(2026, 6, 12), result_class="B", publish="none")
    contact(ns.a2, D(2026, 3, 10), "phone")
    commitment(r2, D(2026, 6, 1), text="六月前出台方案")
    commitment(r2, D(2026, 7, 1), text="七月前完成")
    ns.c2 = assignment(ns.i2, ns.u3, role="co", assigned_on=D(2026, 3, 1), reply_due=D(2026, 6, 1),
                       co_opinion_due=D(2026, 4, 1))
    co_opinion(ns.c2, D(2026, 3, 25))

    # I3: U1 sole, not replied, overdue since 06-01; blue and red slips
    ns.i3 = item(s, "3")
    ns.a3 = assignment(ns.i3, ns.u1, assigned_on=D(2026, 3, 1), reply_due=D(2026, 6, 1))
    slip(ns.a3, "blue", D(2026, 6, 2))
    slip(ns.a3, "red", D(2026, 6, 10))

    # I4: U2 lead, not yet due, meeting recorded; U3 co overdue (due 05-01, nothing)
    ns.leader = factories.user("leader", name="李副市长")  # I4's city leader (a leader-led item names one)
    ns.i4 = item(s, "4", tier="leader_led", is_key=True, leader=ns.leader)
    ns.a4 = assignment(ns.i4, ns.u2, role="lead", assigned_on=D(2026, 4, 1), reply_due=D(2026, 7, 1))
    contact(ns.a4, D(2026, 4, 10), "meeting")
    ns.c4 = assignment(ns.i4, ns.u3, role="co", assigned_on=D(2026, 4, 1), reply_due=D(2026, 7, 1),
                       co_opinion_due=D(2026, 5, 1))

    # I5: U2 separate, replied late (C, summary decided but not published), visit only;
    #     feedback window ran out (not returned); U1 separate returned (void)
    ns.i5 = item(s, "5")
    ns.a5 = assignment(ns.i5, ns.u2, role="separate", assigned_on=D(2026, 3, 1), reply_due=D(2026, 6, 1))
    reply(ns.a5, D(2026, 6, 5), result_class="C", publish="summary")
    contact(ns.a5, D(2026, 3, 5), "visit")
    feedback(ns.i5, "张代表", "no_opinion", "no_opinion", source="window_expired", on=D(2026, 6, 14))
    ns.a5_void = assignment(ns.i5, ns.u1, role="separate", assigned_on=D(2026, 3, 1), reply_due=D(2026, 6, 1),
                            status=AssignmentStatus.RETURNED.value)

    # I6: U2 sole on a withdrawn item (void)
    ns.i6 = item(s, "6")
    ns.a6 = assignment(ns.i6, ns.u2, assigned_on=D(2026, 3, 1), reply_due=D(2026, 6, 1))
    set_item_status(ns.i6, ItemStatus.WITHDRAWN)

    # I8: U2 sole, replied on time (D, published), now re-handling after 不满意; latest form counts
    ns.i8 = item(s, "8")
    ns.a8 = assignment(ns.i8, ns.u2, assigned_on=D(2026, 3, 1), reply_due=D(2026, 6, 1),
                       rehandle_due=D(2026, 7, 15))
    reply(ns.a8, D(2026, 5, 15), result_class="D", publish="full", published_on=D(2026, 5, 20),
          status=AssignmentStatus.REHANDLING.value)
    feedback(ns.i8, "张代表", "dissatisfied", "dissatisfied", round=1, on=D(2026, 5, 25))
    feedback(ns.i8, "张代表", "basically_satisfied", "basically_satisfied", round=2, on=D(2026, 6, 10))
    return ns
