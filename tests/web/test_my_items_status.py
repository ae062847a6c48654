"""我的建议提案: what a submitter reads about each of their items in the units' column — a merged
item is handled with its parent, a withdrawn one is no longer handled, and one being re-handled
after 不满意 is owed a new reply (not "answered")."""

from __future__ import annotations

import re

from tests.closeout_support import replied_item, submitter_account
from tracker.core import clock
from tracker.items import merging, withdrawal
from tracker.replies import closeout

BAD = {"work": "satisfied", "result": "dissatisfied", "adoption": "not_adopted", "comment": "问题没有解决"}


def row_of(client, number: str) -> str:
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/my-items").get_data(as_text=True)))
    found = [r for r in re.split(r"(?= \d+ 市)", page) if r.startswith(f" {number} ")]  # number, session …
    assert found, page
    return found[0]


def test_a_merged_item_says_which_item_it_is_handled_with(f, client, login_as):
    s = replied_item(names=("张代表",), send=False)
    person, user = submitter_account("孙委员")
    child = f.item(session=s.item.session, title="关于推进老旧小区加装电梯的建议",
                   submitters=[{"name": "孙委员", "role": "lead", "person_id": person.id}])
    merging.merge(child, s.item, actor=s.office)
    login_as(user)
    row = row_of(client, child.number)
    assert f"已并入第 {s.item.number} 号，随主件办理，主件的答复同样答复您" in row
    assert "待交办" not in row


def test_a_withdrawn_item_is_no_longer_handled(f, client, login_as):
    s = replied_item(names=("张代表",), send=False)
    withdrawal.withdraw(s.item, actor=s.office, requested_on=clock.today(), reason="问题已解决")
    login_as(s.people["张代表"][1])
    row = row_of(client, s.item.number)
    assert "已撤回，不再办理" in row
    assert "答复期限" not in row and "已办结" not in row


def test_an_item_being_re_handled_shows_the_new_reply_date(f, client, login_as):
    s = replied_item(names=("张代表",))
    closeout.give_feedback(s.item, actor=s.people["张代表"][1], **BAD)
    closeout.order_rehandling(s.fresh(), actor=s.office, reason="请进一步落实")
    due = s.a().rehandle_due
    login_as(s.people["张代表"][1])
    row = row_of(client, s.item.number)
    assert "答复" in row and f"已于 {clock.today().isoformat()} 答复" not in row
    assert "重新办理" in row and f"答复期限 {due.isoformat()}" in row
