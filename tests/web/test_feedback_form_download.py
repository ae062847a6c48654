"""The 征询意见表 (feedback form): it asks the submitters to rate this round's reply, so there is
one once that reply is out (every answering unit's, as online feedback), printed with the reply's
date, its class and the last day of the feedback window; before that the item page does not link
it and the download refuses, saying why."""

from __future__ import annotations

import datetime as dt

import time_machine

from tests.closeout_support import send_reply, submitter_account
from tests.docx_text import docx_lines
from tracker.assignments import services as assignments
from tracker.core import clock
from tracker.core.enums import Role
from tracker.items.models import Item

SENT = dt.date(2026, 6, 15)
DUE = "2026年7月7日"  # 15 working days after 06-15 (06-19 is 端午节)


def _item(f):
    person, deputy = submitter_account("王代表")
    item = f.item(submitters=[{"name": "王代表", "role": "lead", "person_id": person.id}])
    lead_unit, co_unit = f.unit("市民政局"), f.unit("市商务局")
    lead = f.assign(item, lead_unit, role="lead", handler=f.user(Role.UNIT_HANDLER, lead_unit))
    co = f.assign(item, co_unit, role="co", handler=f.user(Role.UNIT_HANDLER, co_unit))
    for a in (lead, co):
        assignments.receive(a, actor=a.handler)
    return Item.get_by_id(item.id), lead, co, deputy


def test_no_feedback_form_before_the_reply_then_one_with_its_date_class_and_deadline(f, client, login_as):
    item, lead, co, deputy = _item(f)
    url = f"/documents/items/{item.id}/feedback-form.docx"
    for user in (deputy, co.handler, f.office()):
        login_as(user)
        response = client.get(url)
        assert response.status_code == 404, user.username
        assert "答复尚未发送，暂无征询意见表" in response.get_data(as_text=True)
        assert "feedback-form.docx" not in client.get(f"/items/{item.id}").get_data(as_text=True)
    with time_machine.travel(dt.datetime(2026, 6, 15, 10, tzinfo=clock.LOCAL_TZ), tick=False):
        send_reply(lead, sent_on=SENT, result_class="B")
        for user in (deputy, co.handler):
            login_as(user)
            assert "feedback-form.docx" in client.get(f"/items/{item.id}").get_data(as_text=True)
            response = client.get(url)
            assert response.status_code == 200, user.username
            lines = docx_lines(response.get_data())
            assert "2026年6月15日" in lines and "B" in lines  # 答复日期, 分类标识
            note = next(line for line in lines if line.startswith("请代表"))
            assert note.startswith(f"请代表最迟于{DUE}填写本表并反馈")
            assert "按规定期限" not in "\n".join(lines)


def test_a_separate_items_form_waits_for_every_units_reply_of_the_round(f, client, login_as):
    person, deputy = submitter_account("王代表")
    item = f.item(submitters=[{"name": "王代表", "role": "lead", "person_id": person.id}])
    first, second = f.unit("市生态环境局"), f.unit("经开区管委会")
    a1 = f.assign(item, first, role="separate", handler=f.user(Role.UNIT_HANDLER, first))
    a2 = f.assign(item, second, role="separate", handler=f.user(Role.UNIT_HANDLER, second))
    for a in (a1, a2):
        assignments.receive(a, actor=a.handler)
    send_reply(a1, sent_on=dt.date(2026, 6, 12), result_class="A")
    login_as(deputy)
    url = f"/documents/items/{item.id}/feedback-form.docx"
    response = client.get(url)
    assert response.status_code == 404
    assert "经开区管委会尚未发送答复，各承办单位答复后方有征询意见表" in response.get_data(as_text=True)
    send_reply(a2, sent_on=SENT, result_class="B")
    lines = docx_lines(client.get(url).get_data())
    assert "2026年6月15日" in lines and "A/B" in lines  # the later reply's date; both classes
    assert any(line.startswith(f"请代表最迟于{DUE}") for line in lines)  # the item's window
