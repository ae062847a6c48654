"""A unit's request to return an item (申退) is between the unit and the office: its submitter
reads the item as still being handled (办理中) until the office decides — on the item page, on
their "my items" page and in the API alike (items.workflow.status_for_submitter). The office
and the unit read the request."""

from __future__ import annotations

import pytest

from tracker.assignments import services as assignments
from tracker.core.enums import Role


@pytest.fixture()
def s(f):
    class S:
        pass

    s = S()
    p = f.person("张代表")
    s.submitter = f.user(Role.SUBMITTER, person=p, name="张代表")
    s.item = f.item(title="关于加快老旧小区加装电梯的建议",
                    submitters=[{"name": "张代表", "role": "lead", "person_id": p.id}])
    unit = f.unit("市住房和城乡建设局")
    s.handler = f.user(Role.UNIT_HANDLER, unit, name="王经办")
    s.a = f.assign(s.item, unit, handler=s.handler)
    assignments.receive(s.a, actor=s.handler)
    assignments.request_return(assignments.Assignment.get_by_id(s.a.id), actor=s.handler, reason="不属于本单位职责")
    return s


def test_the_submitter_reads_the_item_as_handled_in_the_api(s, api):
    deputy = api(s.submitter)
    detail = deputy.get(f"/items/{s.item.id}").get_json()
    assert [a["status"] for a in detail["assignments"]] == ["handling"]
    listed = deputy.get("/items").get_json()
    rows = listed["items"] if isinstance(listed, dict) else listed
    assert [a["status"] for row in rows for a in row["assignments"]] == ["handling"]


def test_the_submitter_pages_say_handling(s, client, login_as):
    login_as(s.submitter)
    for path in (f"/items/{s.item.id}", "/my-items"):
        page = client.get(path).get_data(as_text=True)
        assert "申退中" not in page, path
        assert "办理中" in page, path


@pytest.mark.parametrize("who", ["office", "handler"])
def test_the_office_and_the_unit_read_the_request(s, f, api, who):
    user = f.office() if who == "office" else s.handler
    detail = api(user).get(f"/items/{s.item.id}").get_json()
    assert [a["status"] for a in detail["assignments"]] == ["return_requested"]
