"""A merged item (并案) is answered by its parent's reply: its page, close-out and 征询意见表 show
that reply, the group's ratings and commitments to whoever may see the parent and to the merged
item's own submitters — not to a unit whose returned assignment on the merged item is its only
link to it (policy.reads_handling_of)."""

from __future__ import annotations

import pytest

from tests.closeout_support import replied_item, send_reply, submitter_account
from tracker.assignments import services as assignments
from tracker.core.enums import Role
from tracker.items import merging
from tracker.items.models import Item
from tracker.replies import closeout

REPLY_TEXT = "经研究，现答复如下：今年加装电梯 120 部。"
COMMENT = "电梯数量远远不够，没有解决"


@pytest.fixture()
def merged(f):
    """Item P (张代表) answered by unit U; item C (孙委员) was assigned to unit W, which had it
    returned, then merged into P; P's reply is out and 张代表 rated it."""
    s = replied_item(names=("张代表",), send=False, commitments=())
    w = f.unit("市水务局")
    w_handler = f.user(Role.UNIT_HANDLER, w)
    person, sun = submitter_account("孙委员")
    child = f.item(session=s.item.session, title="关于推进老旧小区加装电梯的建议",
                   submitters=[{"name": "孙委员", "role": "lead", "person_id": person.id}])
    a = f.assign(child, w, role="sole", handler=w_handler)
    req = assignments.request_return(a, actor=w_handler, reason="不属于本单位职责")
    assignments.decide_return(req, actor=s.office, approve=True, note="同意退回")
    merging.merge(Item.get_by_id(child.id), s.item, actor=s.office, note="内容相同")
    send_reply(s.a(), text=REPLY_TEXT)
    closeout.give_feedback(s.fresh(), actor=s.people["张代表"][1], work="satisfied", result="dissatisfied",
                           adoption="not_adopted", comment=COMMENT)
    return s, Item.get_by_id(child.id), w_handler, sun


def test_a_unit_that_returned_the_merged_item_does_not_read_the_parents_reply_or_ratings(merged, client, login_as):
    s, child, w_handler, _sun = merged
    login_as(w_handler)
    for path in (f"/items/{child.id}", f"/items/{child.id}/closeout"):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "本件已并入" in page  # the merge itself is the unit's to know
        assert REPLY_TEXT not in page and COMMENT not in page and "张代表" not in page, path
        assert f'href="/items/{s.item.id}"' not in page  # no link to a page it cannot open
    assert client.get(f"/items/{s.item.id}").status_code == 404
    assert client.get(f"/documents/items/{child.id}/feedback-form.docx").status_code == 404


def test_the_api_gives_that_unit_no_close_out_of_the_parent(merged, api):
    _s, child, w_handler, _sun = merged
    response = api(w_handler).get(f"/items/{child.id}/closeout")
    assert response.status_code == 403
    assert "张代表" not in response.get_data(as_text=True)


def test_the_merged_items_submitter_and_the_parents_unit_still_read_it(merged, client, login_as, api):
    s, child, _w_handler, sun = merged
    login_as(sun)
    page = client.get(f"/items/{child.id}").get_data(as_text=True)
    assert REPLY_TEXT in page and COMMENT not in page  # the reply, not another submitter's rating
    assert client.get(f"/documents/items/{child.id}/feedback-form.docx").status_code == 200
    login_as(s.handler)  # U answers P: it reads what the merged item's page shows (it cannot open C)
    assert client.get(f"/items/{child.id}").status_code == 404
    login_as(s.office)
    page = client.get(f"/items/{child.id}").get_data(as_text=True)
    assert REPLY_TEXT in page and COMMENT in page and f'href="/items/{s.item.id}"' in page
    assert api(s.office).get(f"/items/{child.id}/closeout").status_code == 200
