"""The page 移交经办任务 (/assignments/transfer?from=<user>): the office lists a handler's open
assignments, picks a colleague of the same unit and moves them all at once; refused input keeps
what was chosen and changes nothing; only the office; the admin's refusal to move or deactivate a
named handler points to it, and once it is done the admin may."""

from __future__ import annotations

import re

import pytest

from tests.closeout_support import send_reply
from tracker.accounts.models import User
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core.enums import Role
from tracker.reminders.models import Notification


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _state() -> tuple:
    rows = tuple((a.id, a.handler_id, a.handler_phone, a.version)
                 for a in Assignment.select().order_by(Assignment.id))
    return rows, AuditEntry.select().count(), Notification.select().count()


def _checked(html: str) -> set[int]:
    return {int(v) for v in re.findall(r'name="assignment_ids" value="(\d+)"[^>]*\bchecked\b', html)}


@pytest.fixture()
def world(f):
    unit, other = f.unit("市水务局"), f.unit("市城管局")
    old = f.user(Role.UNIT_HANDLER, unit, name="钱经办", phone="0571-1111")
    new = f.user(Role.UNIT_HANDLER, unit, name="孙经办", phone="0571-2222")
    leader = f.user(Role.UNIT_LEADER, unit, name="李局长")
    gone = f.user(Role.UNIT_HANDLER, unit, name="周离职")
    gone.active = False
    gone.save()
    stranger = f.user(Role.UNIT_HANDLER, other, name="外单位经办")
    duties = [f.assign(f.item(number=str(n), title=f"关于第{n}条积水点整治的建议"), unit, role="sole", handler=old).id
              for n in (201, 202, 203)]
    return {"unit": unit, "old": old, "new": new, "leader": leader, "gone": gone, "stranger": stranger,
            "office": f.office(), "admin": f.user(Role.ADMIN, username="root"), "duties": duties}


def _url(world) -> str:
    return f"/assignments/transfer?from={world['old'].id}"


def test_the_page_lists_the_open_duties_and_only_same_unit_colleagues(world, client, login_as):
    login_as(world["office"])
    response = client.get(_url(world))
    assert response.status_code == 200
    html, text = response.get_data(as_text=True), _text(response)
    assert "移交经办任务：钱经办" in text
    for n in (201, 202, 203):
        assert f"{n}号 关于第{n}条积水点整治的建议" in text
    assert "市水务局（独办）" in text and "待签收" in text
    assert _checked(html) == set(world["duties"])  # all ticked by default
    select = re.search(r'<select[^>]*name="to_user_id".*?</select>', html, re.S).group(0)
    offered = set(re.findall(r'<option[^>]*value="(\d+)"', select))
    # not the handler, not the inactive colleague, not another unit's handler
    assert offered == {str(world["new"].id), str(world["leader"].id)}


def test_the_office_moves_them_all(world, client, login_as):
    login_as(world["office"])
    response = client.post(_url(world), data={"to_user_id": str(world["new"].id), "note": "原经办人调离",
                                              "assignment_ids": [str(i) for i in world["duties"]]})
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(world))
    for a in Assignment.select().where(Assignment.id.in_(world["duties"])):
        assert a.handler_id == world["new"].id and a.handler_phone == "0571-2222"
    entries = AuditEntry.select().where(AuditEntry.action == "assignment_edited")
    assert sorted(e.object_id for e in entries) == world["duties"]
    after = client.get(_url(world))
    assert "已将 3 项承办任务的经办人由钱经办改为孙经办" in _text(after)
    assert "该用户目前没有未办结的经办任务" in _text(after)


def test_a_wrong_target_is_refused_and_the_form_keeps_what_was_chosen(world, client, login_as):
    login_as(world["office"])
    first, second, third = world["duties"]
    before = _state()
    for target, message in ((world["stranger"], "新的经办人须为原经办人所在单位（市水务局）的用户"),
                            (world["gone"], "周离职的账号已停用，不能作为经办人"),
                            (world["office"], "不是承办单位的经办人或负责人，不能作为经办人")):
        response = client.post(_url(world), data={"to_user_id": str(target.id), "note": "岗位调整",
                                                  "assignment_ids": [str(first), str(third)]})
        assert response.status_code == 422
        assert message in _text(response)
        html = response.get_data(as_text=True)
        assert _checked(html) == {first, third}  # the unticked one stays unticked
        assert 'value="岗位调整"' in html
    assert _state() == before


def test_a_note_too_long_keeps_the_chosen_handler(world, client, login_as):
    login_as(world["office"])
    before = _state()
    response = client.post(_url(world), data={"to_user_id": str(world["leader"].id), "note": "长" * 501,
                                              "assignment_ids": [str(world["duties"][1])]})
    assert response.status_code == 422
    assert "不能超过 500 字" in _text(response)
    html = response.get_data(as_text=True)
    assert re.search(rf'<option selected value="{world["leader"].id}"', html)
    assert _checked(html) == {world["duties"][1]}
    nothing = client.post(_url(world), data={"to_user_id": str(world["new"].id)})
    assert nothing.status_code == 422 and "请至少选择一项要移交的承办任务" in _text(nothing)
    assert _state() == before


def test_a_closed_or_stale_assignment_blocks_the_whole_transfer(world, client, login_as):
    first, second, third = world["duties"]
    a = Assignment.get_by_id(second)
    assignments.receive(a, actor=world["old"])
    send_reply(a)  # 202 was answered after the office opened the page
    b = Assignment.get_by_id(third)  # and someone named the leader on 203 by itself
    assignments.adjust_assignment(b, actor=world["office"], task=b.task,
                                  responsible_leader=b.responsible_leader, handler_id=world["leader"].id,
                                  version=b.version)
    before = _state()
    login_as(world["office"])
    response = client.post(_url(world), data={"to_user_id": str(world["new"].id),
                                              "assignment_ids": [str(i) for i in world["duties"]]})
    assert response.status_code == 409
    text = _text(response)
    assert "第202号（该承办任务已答复，不能再调整）" in text and "第203号（经办人已不是钱经办）" in text
    assert "所有任务均未更改" in text
    assert _checked(response.get_data(as_text=True)) == {first}  # what is still theirs, as chosen
    assert _state() == before


@pytest.mark.parametrize("who", ["old", "leader", "stranger", "admin", "city_leader"])
def test_only_the_office_may_open_or_post_the_page(world, client, login_as, f, who):
    user = f.user(Role.LEADER) if who == "city_leader" else world[who]
    before = _state()
    login_as(user)
    assert client.get(_url(world)).status_code == 403
    response = client.post(_url(world), data={"to_user_id": str(world["new"].id),
                                              "assignment_ids": [str(i) for i in world["duties"]]})
    assert response.status_code == 403
    assert _state() == before


def test_the_page_does_not_query_per_row(world, client, login_as, f):
    from playhouse.test_utils import count_queries

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(_url(world)).status_code == 200
        return counter.count

    login_as(world["office"])
    few = queries()
    for n in range(10):
        f.assign(f.item(number=str(300 + n)), world["unit"], role="sole", handler=world["old"])
    assert queries() == few


def test_not_logged_in_goes_to_login_and_an_unknown_user_is_not_found(world, client, login_as):
    response = client.get(_url(world))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login_as(world["office"])
    assert client.get("/assignments/transfer?from=999999").status_code == 404
    assert client.get("/assignments/transfer").status_code == 404


def test_the_form_needs_its_csrf_token(world, app, client, login_as, monkeypatch):
    login_as(world["office"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = _state()
    response = client.post(_url(world), data={"to_user_id": str(world["new"].id),
                                              "assignment_ids": [str(i) for i in world["duties"]]})
    assert response.status_code == 400
    assert _state() == before
    assert 'name="csrf_token"' in client.get(_url(world)).get_data(as_text=True)


def test_the_item_page_links_the_office_to_the_handlers_transfer(world, client, login_as):
    item_id = Assignment.get_by_id(world["duties"][0]).item_id
    login_as(world["office"])
    assert f'href="/assignments/transfer?from={world["old"].id}"' in client.get(f"/items/{item_id}").get_data(
        as_text=True)
    login_as(world["old"])
    assert "/assignments/transfer" not in client.get(f"/items/{item_id}").get_data(as_text=True)


def test_after_the_transfer_the_admin_may_move_and_deactivate_the_old_handler(world, client, login_as, f):
    old, other = world["old"], f.unit("市教育局")
    form = {"name": "钱经办", "role": Role.UNIT_HANDLER.value, "unit_id": str(other.id), "phone": "",
            "email": "", "title": ""}
    login_as(world["admin"])
    moved = client.post(f"/admin/users/{old.id}/edit", data=form)
    assert moved.status_code == 422
    text = _text(moved)
    assert "该用户是 3 项未办结承办任务的经办人（第201号、第202号、第203号）" in text
    assert "请交办单位先通过“移交经办任务”更换经办人" in text
    # the administrator may not transfer (the office's): the page's address to pass on, not a link
    assert f"/assignments/transfer?from={old.id}" in text
    assert f'href="/assignments/transfer?from={old.id}"' not in moved.get_data(as_text=True)
    refused = client.post(f"/admin/users/{old.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "移交经办任务" in _text(refused) and f"/assignments/transfer?from={old.id}" in _text(refused)
    assert User.get_by_id(old.id).active and User.get_by_id(old.id).unit_id == world["unit"].id

    login_as(world["office"])
    done = client.post(_url(world), data={"to_user_id": str(world["new"].id),
                                          "assignment_ids": [str(i) for i in world["duties"]]})
    assert done.status_code == 302

    login_as(world["admin"])
    assert client.post(f"/admin/users/{old.id}/edit", data=form).status_code == 302
    assert User.get_by_id(old.id).unit_id == other.id
    client.post(f"/admin/users/{old.id}/active", data={"active": "0"})
    assert not User.get_by_id(old.id).active


def test_whoever_may_transfer_gets_a_link_next_to_the_refusal(world, client, login_as, monkeypatch):
    """The admin pages are the administrator's; were the transfer theirs too, the refusal links it."""
    from tracker.accounts import policy

    monkeypatch.setitem(policy.PERMS, policy.Perm.TRANSFER_DUTIES, {Role.OFFICE, Role.ADMIN})
    login_as(world["admin"])
    refused = client.post(f"/admin/users/{world['old'].id}/active", data={"active": "0"},
                          follow_redirects=True)
    assert f'href="/assignments/transfer?from={world["old"].id}"' in refused.get_data(as_text=True)
    assert User.get_by_id(world["old"].id).active
