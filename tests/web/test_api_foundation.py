"""The JSON API of the foundation (API.md): token, me, units, users, sessions, items,
assignments, receipt, return requests — as a client meets it, per role, with the Chinese errors,
and checking that a failing request changes nothing."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from playhouse.test_utils import count_queries

from tracker.accounts.models import ApiToken
from tracker.assignments.models import Assignment, ReturnRequest
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.enums import AssignmentStatus, ItemStatus, ReplyStatus
from tracker.items.models import Item, Session, Submitter
from tracker.reminders.models import Notification
from tracker.replies.models import Commitment, Feedback, Reply

DATE_KEYS = ("assigned_on", "receipt_due", "return_due", "first_contact_due", "co_opinion_due",
             "reply_due", "reply_due_max")


@pytest.fixture()
def w(f):
    """A small world: the office, two units with their users, a city leader, an admin, a deputy."""
    housing = f.unit("市住房和城乡建设局", "市住建局")
    transport = f.unit("市交通运输局", "市交通局")
    deputy = f.person("张建国")
    return SimpleNamespace(
        office=f.user("office", username="office1", name="督查室李明"),
        admin=f.user("admin", username="admin1"),
        leader=f.user("leader", username="leader1", name="王市长"),
        housing=housing, transport=transport,
        handler=f.user("unit_handler", housing, username="zj_handler", name="住建经办人",
                       phone="0571-87000001"),
        unit_leader=f.user("unit_leader", housing, username="zj_leader"),
        other_handler=f.user("unit_handler", transport, username="jt_handler"),
        deputy=deputy,
        submitter=f.user("submitter", person=deputy, username="deputy1"),
        stranger=f.user("submitter", person=f.person("赵委员"), username="deputy2"),
        session=f.session(name="市十七届人大四次会议"),
    )


def counts() -> dict[str, int]:
    return {m.__name__: m.select().count()
            for m in (Item, Submitter, Assignment, ReturnRequest, Session, AuditEntry, Notification)}


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()["error"]
    assert body["code"] == code
    assert set(body) >= {"code", "message", "fields"}
    return body


def item_body(w, **over) -> dict:
    body = {
        "kind": "suggestion", "session_id": w.session.id, "number": "101",
        "title": "关于加快老旧小区加装电梯的建议", "content": "建议简化审批流程。", "category": "城乡建设",
        "submitters": [{"name": "张建国", "role": "lead", "person_id": w.deputy.id},
                       {"name": "李华", "role": "co"}],
        "is_key": True, "tier": "department",
    }
    body.update(over)
    return body


def assignment_body(w, **over) -> dict:
    body = {"unit_id": w.housing.id, "role": "sole", "task": "研究加装电梯补贴政策并答复",
            "responsible_leader": "王副局长", "handler_user_id": w.handler.id}
    body.update(over)
    return body


# --- token, me ---------------------------------------------------------------------------------


def test_token_me_and_revocation(w, client, api):
    response = client.post("/api/v1/token", json={"username": "zj_handler", "password": "Passw0rd!"})
    assert response.status_code == 201
    data = response.get_json()
    assert dt.datetime.fromisoformat(data["expires_at"]).utcoffset() is not None
    headers = {"Authorization": f"Bearer {data['token']}"}
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me == {"id": w.handler.id, "username": "zj_handler", "name": "住建经办人",
                  "role": "unit_handler", "unit_id": w.housing.id, "unit_name": "市住房和城乡建设局",
                  "person_id": None}
    assert ApiToken.get().token_hash != data["token"]  # stored hashed
    assert client.delete("/api/v1/token", headers=headers).status_code == 204
    body = error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")
    assert body["message"] == "访问令牌无效、已过期或已撤销"


def test_no_token_bad_token_and_wrong_password(w, client):
    body = error(client.get("/api/v1/items"), 401, "unauthorized")
    assert body["message"] == "缺少访问令牌，请先调用 POST /api/v1/token 获取"
    error(client.get("/api/v1/items", headers={"Authorization": "Bearer nonsense"}), 401, "unauthorized")
    error(client.get("/api/v1/items", headers={"Authorization": "Basic abc"}), 401, "unauthorized")
    body = error(client.post("/api/v1/token", json={"username": "office1", "password": "wrong1234"}),
                 401, "unauthorized")
    assert body["message"] == "用户名或密码错误"
    body = error(client.post("/api/v1/token", json={"username": "office1"}), 422, "validation_failed")
    assert body["fields"] == {"password": "此项为必填项"}


def test_expired_token_is_refused(w, api):
    office = api(w.office)
    assert office.get("/me").status_code == 200
    with time_machine.travel(clock.now() + dt.timedelta(hours=13), tick=False):
        body = error(office.get("/me"), 401, "unauthorized")
        assert body["message"] == "访问令牌无效、已过期或已撤销"


def test_deactivated_user_token_is_refused(w, api):
    handler = api(w.handler)
    type(w.handler).update(active=False).where(type(w.handler).id == w.handler.id).execute()
    error(handler.get("/me"), 401, "unauthorized")


# --- units, users, sessions -----------------------------------------------------------------


def test_units_for_any_user(w, api):
    type(w.transport).update(active=False).where(type(w.transport).id == w.transport.id).execute()
    data = api(w.submitter).get("/units").get_json()
    assert data["total"] == 2 and data["page"] == 1 and data["per_page"] == 50
    first = data["items"][0]
    assert {k: first[k] for k in ("id", "name", "short_name", "active")} == {
        "id": w.housing.id, "name": "市住房和城乡建设局", "short_name": "市住建局", "active": True}
    active = api(w.handler).get("/units?active=1").get_json()
    assert [u["id"] for u in active["items"]] == [w.housing.id]


def test_users_for_office_and_admin_only(w, api):
    data = api(w.office).get(f"/users?unit_id={w.housing.id}&role=unit_handler").get_json()
    assert data["total"] == 1
    assert {k: data["items"][0][k] for k in ("id", "username", "name", "role", "unit_id", "phone")} == {
        "id": w.handler.id, "username": "zj_handler", "name": "住建经办人", "role": "unit_handler",
        "unit_id": w.housing.id, "phone": "0571-87000001"}
    assert api(w.admin).get("/users").get_json()["total"] == 8
    for user in (w.handler, w.leader, w.submitter):
        body = error(api(user).get("/users"), 403, "forbidden")
        assert body["message"] == "您没有权限执行此操作"
    body = error(api(w.office).get("/users?role=boss"), 422, "validation_failed")
    assert "role" in body["fields"]


def test_sessions_list_and_create(w, api):
    data = api(w.handler).get("/sessions").get_json()
    assert [s["name"] for s in data["items"]] == ["市十七届人大四次会议"]
    response = api(w.office).post("/sessions", json={
        "body": "cppcc", "name": "市政协十四届四次会议", "year": 2026, "opened_on": "2026-01-10",
        "closed_on": "2026-01-14", "reply_due_absolute": "2026-06-30"})
    assert response.status_code == 201
    created = response.get_json()
    assert {k: created[k] for k in ("body", "name", "year", "opened_on", "closed_on", "reply_due_absolute")} == {
        "body": "cppcc", "name": "市政协十四届四次会议", "year": 2026, "opened_on": "2026-01-10",
        "closed_on": "2026-01-14", "reply_due_absolute": "2026-06-30"}
    assert api(w.admin).post("/sessions", json={"body": "npc", "name": "闭会期间第一批", "year": 2026}).status_code == 201
    assert api(w.office).get("/sessions?body=cppcc").get_json()["total"] == 1


def test_session_errors_change_nothing(w, api):
    before = counts()
    error(api(w.handler).post("/sessions", json={"body": "npc", "name": "x", "year": 2026}), 403, "forbidden")
    error(api(w.leader).post("/sessions", json={"body": "npc", "name": "x", "year": 2026}), 403, "forbidden")
    body = error(api(w.office).post("/sessions", json={"year": "明年"}), 422, "validation_failed")
    assert body["fields"] == {"body": "此项为必填项", "name": "此项为必填项", "year": "应为整数"}
    body = error(api(w.office).post("/sessions", json={"body": "party", "name": "x", "year": 2026}), 422,
                 "validation_failed")
    assert body["fields"] == {"body": "请选择人大（npc）或政协（cppcc）"}
    body = error(api(w.office).post("/sessions", json={"body": "npc", "name": "市十七届人大四次会议", "year": 2026}),
                 422, "validation_failed")
    assert body["fields"] == {"name": "会次“市十七届人大四次会议”已存在"}
    body = error(api(w.office).post("/sessions", json={
        "body": "npc", "name": "新会次", "year": 2026, "opened_on": "2026-02-01", "closed_on": "2026-01-01"}),
        422, "validation_failed")
    assert body["fields"] == {"closed_on": "闭会日期不能早于开幕日期"}
    body = error(api(w.office).post("/sessions", json={"body": "npc", "name": "新会次", "year": 2026,
                                                        "opened_on": "2026/02/01"}), 422, "validation_failed")
    assert body["fields"] == {"opened_on": "日期格式应为 YYYY-MM-DD"}
    assert counts() == before


# --- register and edit items --------------------------------------------------------------------


def test_office_registers_an_item(w, api):
    response = api(w.office).post("/items", json=item_body(w, received_on="2026-01-20"))
    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert item["kind"] == "suggestion" and item["number"] == "101" and item["status"] == "registered"
    assert item["version"] == 1 and item["is_key"] is True and item["tier"] == "department"
    assert item["session_id"] == w.session.id and item["session_name"] == "市十七届人大四次会议"
    assert item["received_on"] == "2026-01-20"
    assert [(s["name"], s["role"], s["person_id"]) for s in item["submitters"]] == [
        ("张建国", "lead", w.deputy.id), ("李华", "co", None)]
    assert item["assignments"] == [] and item["feedback"] == []
    assert [e["type"] for e in item["timeline"]] == ["registered"]
    assert item["timeline"][0]["actor"] == "督查室李明"
    assert dt.datetime.fromisoformat(item["registered_at"]).utcoffset() == dt.timedelta(0)


def test_register_errors_say_why_and_change_nothing(w, api, client):
    office = api(w.office)
    assert office.post("/items", json=item_body(w)).status_code == 201
    before = counts()
    body = error(office.post("/items", data="{not json", headers={"Content-Type": "application/json"}),
                 400, "malformed_json")
    assert body["message"] == "请求体不是有效的 JSON"
    body = error(office.post("/items", json=[1, 2]), 400, "malformed_json")
    assert body["message"] == "请求体须为 JSON 对象"
    body = error(office.post("/items", json={}), 422, "validation_failed")
    assert body["fields"] == {"kind": "此项为必填项", "session_id": "此项为必填项", "number": "此项为必填项",
                              "title": "此项为必填项", "submitters": "请至少填写一名领衔人"}
    assert body["message"].startswith("提交的内容有误")
    body = error(office.post("/items", json=item_body(w)), 422, "validation_failed")
    assert body["fields"] == {"number": "该会次已有案号为“101”的建议，不能重复登记"}
    assert body["message"] == "该会次已有案号为“101”的建议，不能重复登记"
    body = error(office.post("/items", json=item_body(w, number="102", session_id=99999)), 422,
                 "validation_failed")
    assert body["fields"] == {"session_id": "会次不存在"}
    body = error(office.post("/items", json=item_body(w, number="102", submitters=[
        {"name": "甲", "role": "lead"}, {"name": "乙", "role": "lead"}])), 422, "validation_failed")
    assert body["fields"] == {"submitters": "领衔人须有且只有一名"}
    body = error(office.post("/items", json=item_body(w, number="102", kind="motion", tier="top",
                                                      is_key="yes")), 422, "validation_failed")
    assert body["fields"] == {"kind": "类别不正确", "tier": "办理层级不正确", "is_key": "应为 true 或 false"}
    body = error(office.post("/items", json=item_body(w, number="102", leader_id=w.handler.id)), 422,
                 "validation_failed")
    assert body["fields"] == {"leader_id": "领办领导须为市领导账号"}
    body = error(office.post("/items", json=item_body(w, number="102", submitters=[
        {"name": "甲", "role": "lead", "person_id": 99999}])), 422, "validation_failed")
    assert body["fields"] == {"submitters": "提交人关联的代表委员（person_id）不存在"}
    for user in (w.handler, w.leader, w.admin, w.submitter):
        body = error(api(user).post("/items", json=item_body(w, number="103")), 403, "forbidden")
        assert body["message"] == "您没有权限执行此操作"
    assert counts() == before


def test_patch_item_with_version(w, api):
    office = api(w.office)
    item = office.post("/items", json=item_body(w)).get_json()
    response = office.patch(f"/items/{item['id']}", json={
        "version": 1, "title": "关于加快推进老旧小区加装电梯的建议", "tier": "office_supervised", "is_key": False,
        "submitters": [{"name": "张建国", "role": "lead"}], "note": "重点督办"})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["version"] == 2 and data["title"] == "关于加快推进老旧小区加装电梯的建议"
    assert data["tier"] == "office_supervised" and data["is_key"] is False and data["note"] == "重点督办"
    assert [s["name"] for s in data["submitters"]] == ["张建国"]
    assert [e["type"] for e in data["timeline"]] == ["registered", "edited"]
    # without a version: last write wins
    response = office.patch(f"/items/{item['id']}", json={"category": "民生"})
    assert response.status_code == 200 and response.get_json()["version"] == 3


def test_patch_errors_change_nothing(w, api, f):
    office = api(w.office)
    item = office.post("/items", json=item_body(w)).get_json()
    office.patch(f"/items/{item['id']}", json={"version": 1, "title": "新标题"})
    before = counts()
    body = error(office.patch(f"/items/{item['id']}", json={"version": 1, "title": "旧版本上的修改"}),
                 409, "stale_version")
    assert body["message"] == "该记录已被他人修改，请刷新后重试"
    body = error(office.patch(f"/items/{item['id']}", json={"number": "999", "status": "closed"}),
                 422, "validation_failed")
    assert body["fields"] == {"number": "不能通过此接口修改", "status": "不能通过此接口修改"}
    body = error(office.patch(f"/items/{item['id']}", json={"title": ""}), 422, "validation_failed")
    assert body["fields"] == {"title": "此项为必填项"}
    body = error(office.patch(f"/items/{item['id']}", json={"submitters": [{"name": "乙", "role": "co"}]}),
                 422, "validation_failed")
    assert body["fields"] == {"submitters": "领衔人须有且只有一名"}
    error(office.patch(f"/items/{item['id']}", data="{", headers={"Content-Type": "application/json"}),
          400, "malformed_json")
    error(api(w.leader).patch(f"/items/{item['id']}", json={"title": "市领导改标题"}), 403, "forbidden")
    error(office.patch("/items/99999", json={"title": "不存在"}), 404, "not_found")
    assert counts() == before
    stored = Item.get_by_id(item["id"])
    assert stored.title == "新标题" and stored.version == 2


def test_patch_read_only_item_is_a_conflict(w, api, f):
    from tracker.items import services as items
    from tracker.items.workflow import Action

    item = f.item(session=w.session, number="7")
    items.apply_item_action(item, Action.WITHDRAW, actor=w.office, note="代表书面撤回")
    body = error(api(w.office).patch(f"/items/{item.id}", json={"title": "改"}), 409, "item_read_only")
    assert "不能再修改" in body["message"]


# --- listing --------------------------------------------------------------------------------


def test_list_filters_and_role_scope(w, api, f):
    today = clock.today()
    a = f.item(session=w.session, number="1", title="关于老旧小区改造的建议")
    b = f.item(session=w.session, number="2", title="关于公交线路优化的建议", tier="office_supervised")
    c = f.item(session=f.session("cppcc", name="市政协十四届四次会议"), number="1", kind="proposal",
               title="关于发展夜间经济的提案", submitters=[{"name": "张建国", "role": "lead", "person_id": w.deputy.id}])
    f.assign(a, w.housing, handler=w.handler, assigned_on=today - dt.timedelta(days=200))  # overdue
    f.assign(b, w.transport, handler=w.other_handler)
    office = api(w.office)

    def ids(path, client=office):
        response = client.get(path)
        assert response.status_code == 200, response.get_json()
        return sorted(i["id"] for i in response.get_json()["items"])

    assert ids("/items") == sorted([a.id, b.id, c.id])
    assert ids(f"/items?session_id={w.session.id}") == sorted([a.id, b.id])
    assert ids("/items?kind=proposal") == [c.id]
    assert ids("/items?status=registered") == [c.id]
    assert ids("/items?tier=office_supervised") == [b.id]
    assert ids(f"/items?unit_id={w.transport.id}") == [b.id]
    assert ids("/items?overdue=1") == [a.id]
    assert ids("/items?due_within_days=400") == [b.id]
    assert ids("/items?q=公交") == [b.id]
    assert ids("/items?q=2") == [b.id]
    # role scope
    assert ids("/items", api(w.handler)) == [a.id]
    assert ids("/items", api(w.other_handler)) == [b.id]
    assert ids("/items", api(w.leader)) == sorted([a.id, b.id, c.id])
    assert ids("/items", api(w.submitter)) == [c.id]
    assert ids("/items", api(w.stranger)) == []
    row = next(i for i in office.get("/items?overdue=1").get_json()["items"])
    assert row["days_overdue"] > 0 and row["next_due"] < today.isoformat()
    assert row["assignments"][0]["unit_name"] == "市住房和城乡建设局"
    assert row["assignments"][0]["days_overdue"] == row["days_overdue"]
    assert [s["name"] for s in row["submitters"]] == ["张代表"]


def test_list_pagination_and_bad_filters(w, api, f):
    for n in range(5):
        f.item(session=w.session, number=str(n + 1))
    office = api(w.office)
    data = office.get("/items?per_page=2&page=2").get_json()
    assert data["total"] == 5 and data["page"] == 2 and data["per_page"] == 2
    assert [i["number"] for i in data["items"]] == ["3", "4"]
    assert office.get("/items?per_page=10000").get_json()["per_page"] == 500
    assert office.get("/items?page=9").get_json()["items"] == []
    for query, field in (("status=lost", "status"), ("page=x", "page"), ("overdue=maybe", "overdue"),
                         ("due_within_days=-1", "due_within_days"), ("session_id=abc", "session_id")):
        body = error(office.get(f"/items?{query}"), 422, "validation_failed")
        assert field in body["fields"]


def test_list_has_no_n_plus_one(w, api, f):
    office = api(w.office)

    def make(n: int, start: int):
        for k in range(n):
            item = f.item(session=w.session, number=str(start + k),
                          submitters=[{"name": "甲", "role": "lead"}, {"name": "乙", "role": "co"}])
            f.assign(item, w.housing, role="lead", handler=w.handler)
            f.assign(item, w.transport, role="co", handler=w.other_handler)

    make(2, 1)
    with count_queries() as few:
        assert len(office.get("/items").get_json()["items"]) == 2
    make(10, 100)
    with count_queries() as many:
        assert len(office.get("/items").get_json()["items"]) == 12
    assert many.count == few.count
    assert many.count <= 10


# --- item detail ------------------------------------------------------------------------------


def test_item_detail_with_assignments_dates_and_timeline(w, api, f):
    office = api(w.office)
    item = office.post("/items", json=item_body(w)).get_json()
    office.post(f"/items/{item['id']}/assignments", json=assignment_body(w, role="lead"))
    office.post(f"/items/{item['id']}/assignments", json=assignment_body(
        w, unit_id=w.transport.id, role="co", handler_user_id=w.other_handler.id, task="提供公交配套意见"))
    data = office.get(f"/items/{item['id']}").get_json()
    assert data["status"] == "assigned" and data["handling_mode"] == "lead_co"
    lead, co = data["assignments"]
    assert lead["role"] == "lead" and co["role"] == "co"
    assert lead["unit_name"] == "市住房和城乡建设局" and lead["status"] == "pending_receipt"
    assert lead["handler"] == {"id": w.handler.id, "name": "住建经办人", "phone": "0571-87000001"}
    assert lead["responsible_leader"] == "王副局长" and lead["task"] == "研究加装电梯补贴政策并答复"
    for key in DATE_KEYS:
        assert key in lead
    assert lead["co_opinion_due"] is None and co["co_opinion_due"] is not None
    assert lead["assigned_on"] == clock.today().isoformat()
    assert lead["current_due"] == lead["reply_due"] and lead["days_overdue"] == 0
    assert set(lead["deadline_explanations"]) >= {"receipt_due", "return_due", "first_contact_due",
                                                  "reply_due", "reply_due_max"}
    assert "co_opinion_due" in co["deadline_explanations"]
    assert all(isinstance(t, str) and t for t in lead["deadline_explanations"].values())
    assert lead["replies"] == [] and lead["return_requests"] == []
    assert [e["type"] for e in data["timeline"]] == ["registered", "assigned", "assigned"]
    assert all(set(e) == {"at", "type", "actor", "detail"} for e in data["timeline"])


def test_item_detail_visibility_per_role(w, api, f):
    item = f.item(session=w.session, number="1",
                  submitters=[{"name": "张建国", "role": "lead", "person_id": w.deputy.id}])
    f.assign(item, w.housing, handler=w.handler)
    assert api(w.handler).get(f"/items/{item.id}").status_code == 200
    assert api(w.unit_leader).get(f"/items/{item.id}").status_code == 200
    assert api(w.leader).get(f"/items/{item.id}").status_code == 200
    assert api(w.admin).get(f"/items/{item.id}").status_code == 200
    assert api(w.submitter).get(f"/items/{item.id}").status_code == 200
    body = error(api(w.other_handler).get(f"/items/{item.id}"), 404, "not_found")
    assert body["message"] == "未找到该记录，或您无权查看"
    error(api(w.stranger).get(f"/items/{item.id}"), 404, "not_found")
    error(api(w.office).get("/items/424242"), 404, "not_found")
    error(api(w.office).get("/nowhere"), 404, "not_found")


def _reply(assignment, user, status, text="答复正文"):
    now = clock.now()
    reply = Reply.create(assignment=assignment, status=status, result_class="B", text=text,
                         created_by=user, created_at=now, updated_at=now,
                         sent_at=now if status == ReplyStatus.SENT.value else None)
    Commitment.create(reply=reply, assignment=assignment, text="年内完成改造",
                      due_on=dt.date(2026, 12, 31))
    return reply


def test_reply_visibility_follows_policy(w, api, f):
    item = f.item(session=w.session, number="1",
                  submitters=[{"name": "张建国", "role": "lead", "person_id": w.deputy.id}])
    lead = f.assign(item, w.housing, role="lead", handler=w.handler)
    f.assign(item, w.transport, role="co", handler=w.other_handler)
    reply = _reply(lead, w.handler, ReplyStatus.DRAFT.value)

    def seen(user):
        data = api(user).get(f"/items/{item.id}").get_json()
        return [r["id"] for a in data["assignments"] for r in a["replies"]]

    assert seen(w.handler) == [reply.id]  # the unit's own draft
    assert seen(w.office) == [reply.id] and seen(w.leader) == [reply.id]
    assert seen(w.other_handler) == []  # the co unit: not a draft
    assert seen(w.submitter) == []
    Reply.update(status=ReplyStatus.AWAITING_COSIGN.value).where(Reply.id == reply.id).execute()
    assert seen(w.other_handler) == [reply.id]  # submitted: the co unit sees it for 会签
    assert seen(w.submitter) == []
    Reply.update(status=ReplyStatus.SENT.value, sent_at=clock.now()).where(Reply.id == reply.id).execute()
    assert seen(w.submitter) == [reply.id]
    data = api(w.submitter).get(f"/items/{item.id}").get_json()
    shown = data["assignments"][0]["replies"][0]
    assert shown["status"] == "sent" and shown["result_class"] == "B" and shown["text"] == "答复正文"
    assert [(c["text"], c["due_date"], c["status"]) for c in shown["commitments"]] == [
        ("年内完成改造", "2026-12-31", "open")]


def test_feedback_is_listed(w, api, f):
    item = f.item(session=w.session, number="1")
    sub = Submitter.get(Submitter.item == item.id)
    Feedback.create(item=item, submitter=sub, round=1, work="satisfied", result="basically_satisfied",
                    adoption="adopted", comment="办理认真", source="online", created_at=clock.now())
    data = api(w.office).get(f"/items/{item.id}").get_json()
    assert [(x["submitter"], x["round"], x["work"], x["result"], x["adoption"], x["comment"], x["source"])
            for x in data["feedback"]] == [
        ("张代表", 1, "satisfied", "basically_satisfied", "adopted", "办理认真", "online")]


# --- assign -----------------------------------------------------------------------------------


def test_assign_answers_with_computed_dates(w, api, f):
    item = f.item(session=w.session, number="1")
    response = api(w.office).post(f"/items/{item.id}/assignments", json=assignment_body(w))
    assert response.status_code == 201, response.get_json()
    a = response.get_json()
    assert a["unit_id"] == w.housing.id and a["role"] == "sole" and a["status"] == "pending_receipt"
    assert a["version"] == 1 and a["handler"]["id"] == w.handler.id
    assert a["assessment_method_id"] is not None  # the default scorecard
    today = clock.today()
    assert a["assigned_on"] == today.isoformat()
    assert today.isoformat() < a["receipt_due"] <= a["return_due"] < a["first_contact_due"] < a["reply_due"]
    assert a["reply_due"] <= a["reply_due_max"] and a["co_opinion_due"] is None
    assert "reply_due" in a["deadline_explanations"]
    assert Item.get_by_id(item.id).status == ItemStatus.ASSIGNED.value
    assert Notification.select().where(Notification.user == w.handler.id).exists()


def test_assign_with_own_reply_due_and_date(w, api, f):
    assigned_on = clock.today() - dt.timedelta(days=3)
    item = f.item(session=w.session, number="1", received_on=assigned_on)
    first = api(w.office).post(f"/items/{item.id}/assignments", json=assignment_body(
        w, assigned_on=assigned_on.isoformat(), role="lead")).get_json()
    reply_due = dt.date.fromisoformat(first["reply_due"]) - dt.timedelta(days=10)
    item2 = f.item(session=w.session, number="2", received_on=assigned_on - dt.timedelta(days=1))
    a = api(w.office).post(f"/items/{item2.id}/assignments", json=assignment_body(
        w, assigned_on=assigned_on.isoformat(), reply_due=reply_due.isoformat())).get_json()
    assert a["assigned_on"] == assigned_on.isoformat() and a["reply_due"] == reply_due.isoformat()
    assert "交办单位" in a["deadline_explanations"]["reply_due"]


def test_assign_errors_change_nothing(w, api, f):
    item = f.item(session=w.session, number="1")
    office = api(w.office)
    before = counts()
    body = error(office.post(f"/items/{item.id}/assignments", json={}), 422, "validation_failed")
    assert body["fields"] == {"unit_id": "此项为必填项", "role": "此项为必填项"}
    body = error(office.post(f"/items/{item.id}/assignments", json=assignment_body(w, unit_id=99999)), 422,
                 "validation_failed")
    assert body["fields"]["unit_id"] == "承办单位不存在或已停用"
    body = error(office.post(f"/items/{item.id}/assignments",
                             json=assignment_body(w, handler_user_id=w.other_handler.id)), 422,
                 "validation_failed")
    assert body["fields"] == {"handler_user_id": "经办人须为该承办单位的用户"}
    body = error(office.post(f"/items/{item.id}/assignments",
                             json=assignment_body(w, task="", responsible_leader="", handler_user_id=None)),
                 422, "validation_failed")
    assert body["fields"] == {"task": "请填写办理任务（定任务）", "responsible_leader": "请填写责任领导（定责任）",
                              "handler_user_id": "请指定经办人（定人员）"}
    far = (clock.today() + dt.timedelta(days=400)).isoformat()
    body = error(office.post(f"/items/{item.id}/assignments", json=assignment_body(w, reply_due=far)), 422,
                 "validation_failed")
    assert set(body["fields"]) == {"reply_due"}
    body = error(office.post(f"/items/{item.id}/assignments", json=assignment_body(w, role="boss")), 422,
                 "validation_failed")
    assert body["fields"] == {"role": "承办方式应为 lead（主办）、co（会办）、separate（分办）或 sole（独办）"}
    body = error(office.post(f"/items/{item.id}/assignments", json=assignment_body(w, assessment_method_id=999)),
                 422, "validation_failed")
    assert body["fields"] == {"assessment_method_id": "考核办法不存在"}
    error(office.post(f"/items/{item.id}/assignments", json=assignment_body(w, version=7)), 409, "stale_version")
    for user in (w.leader, w.admin):
        error(api(user).post(f"/items/{item.id}/assignments", json=assignment_body(w)), 403, "forbidden")
    for user in (w.handler, w.other_handler, w.submitter):  # not their item (yet): they cannot see it
        error(api(user).post(f"/items/{item.id}/assignments", json=assignment_body(w)), 404, "not_found")
    assert counts() == before
    office.post(f"/items/{item.id}/assignments", json=assignment_body(w))
    error(api(w.handler).post(f"/items/{item.id}/assignments", json=assignment_body(w)), 403, "forbidden")
    body = error(office.post(f"/items/{item.id}/assignments", json=assignment_body(
        w, unit_id=w.transport.id, handler_user_id=w.other_handler.id)), 422, "validation_failed")
    assert body["fields"] == {"role": "独办件只能交办一个单位"}


# --- receive ----------------------------------------------------------------------------------


def test_unit_signs_for_receipt(w, api, f):
    item = f.item(session=w.session, number="1")
    a = f.assign(item, w.housing, handler=w.handler)
    response = api(w.handler).post(f"/assignments/{a.id}/receive", json={"version": 1})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["status"] == "handling" and data["version"] == 2 and data["received_at"]
    assert Item.get_by_id(item.id).status == ItemStatus.IN_PROGRESS.value
    detail = api(w.office).get(f"/items/{item.id}").get_json()
    assert [e["type"] for e in detail["timeline"]] == ["registered", "assigned", "received"]


def test_receive_errors_per_role(w, api, f):
    item = f.item(session=w.session, number="1")
    a = f.assign(item, w.housing, handler=w.handler)
    before = counts()
    error(api(w.other_handler).post(f"/assignments/{a.id}/receive"), 404, "not_found")
    error(api(w.submitter).post(f"/assignments/{a.id}/receive"), 404, "not_found")
    error(api(w.office).post(f"/assignments/{a.id}/receive"), 403, "forbidden")
    error(api(w.leader).post(f"/assignments/{a.id}/receive"), 403, "forbidden")
    error(api(w.handler).post(f"/assignments/{a.id}/receive", json={"version": 9}), 409, "stale_version")
    assert counts() == before
    assert api(w.unit_leader).post(f"/assignments/{a.id}/receive").status_code == 200
    body = error(api(w.handler).post(f"/assignments/{a.id}/receive"), 409, "invalid_state")
    assert body["message"] == "承办任务当前状态为“办理中”，不能执行“签收”"


def test_assignment_read_per_role(w, api, f):
    item = f.item(session=w.session, number="1")
    a = f.assign(item, w.housing, handler=w.handler)
    assert api(w.handler).get(f"/assignments/{a.id}").get_json()["id"] == a.id
    assert api(w.leader).get(f"/assignments/{a.id}").status_code == 200
    error(api(w.other_handler).get(f"/assignments/{a.id}"), 404, "not_found")


# --- return requests ----------------------------------------------------------------------------


def test_return_request_and_rejection(w, api, f):
    item = f.item(session=w.session, number="1")
    a = f.assign(item, w.housing, handler=w.handler)
    response = api(w.handler).post(f"/assignments/{a.id}/return-request", json={"reason": "不属于本单位职责"})
    assert response.status_code == 201, response.get_json()
    req = response.get_json()
    assert req["status"] == "pending" and req["reason"] == "不属于本单位职责" and req["decision_due"]
    assert req["assignment_id"] == a.id and req["unit_id"] == w.housing.id
    assert Assignment.get_by_id(a.id).status == AssignmentStatus.RETURN_REQUESTED.value
    listed = api(w.office).get("/return-requests?status=pending").get_json()
    assert [r["id"] for r in listed["items"]] == [req["id"]]
    assert api(w.handler).get("/return-requests").get_json()["total"] == 1
    assert api(w.other_handler).get("/return-requests").get_json()["total"] == 0
    error(api(w.submitter).get("/return-requests"), 403, "forbidden")
    before = counts()
    body = error(api(w.office).post(f"/return-requests/{req['id']}/decision", json={"decision": "reject"}),
                 422, "validation_failed")
    assert body["fields"] == {"note": "驳回申退须填写理由"}
    body = error(api(w.office).post(f"/return-requests/{req['id']}/decision", json={"decision": "maybe"}),
                 422, "validation_failed")
    assert body["fields"] == {"decision": "decision 应为 approve（同意）或 reject（驳回）"}
    error(api(w.handler).post(f"/return-requests/{req['id']}/decision", json={"decision": "approve"}),
          403, "forbidden")
    error(api(w.other_handler).post(f"/return-requests/{req['id']}/decision", json={"decision": "approve"}),
          404, "not_found")
    assert counts() == before
    response = api(w.office).post(f"/return-requests/{req['id']}/decision",
                                  json={"decision": "reject", "reason": "属于住建职责，请继续办理"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "rejected" and data["decision_note"] == "属于住建职责，请继续办理"
    assert Assignment.get_by_id(a.id).status == AssignmentStatus.HANDLING.value
    body = error(api(w.office).post(f"/return-requests/{req['id']}/decision",
                                    json={"decision": "approve"}), 409, "already_decided")
    assert body["message"] == "该申退申请已处理"


def test_return_approved_with_reassignment(w, api, f):
    item = f.item(session=w.session, number="1")
    a = f.assign(item, w.housing, handler=w.handler)
    req = api(w.handler).post(f"/assignments/{a.id}/return-request", json={"reason": "应由交通部门办理"}).get_json()
    before = counts()
    body = error(api(w.office).post(f"/return-requests/{req['id']}/decision", json={
        "decision": "approve", "reassign": {"unit_id": w.transport.id, "task": "研究办理",
                                            "responsible_leader": "陈副局长", "handler_user_id": w.handler.id}}),
        422, "validation_failed")
    assert body["fields"] == {"reassign.handler_user_id": "经办人须为该承办单位的用户"}
    body = error(api(w.office).post(f"/return-requests/{req['id']}/decision", json={
        "decision": "approve", "reassign": {"unit_id": "交通局"}}), 422, "validation_failed")
    assert body["fields"] == {"reassign.unit_id": "应为整数"}
    assert counts() == before
    assert ReturnRequest.get_by_id(req["id"]).status == "pending"
    assert Assignment.get_by_id(a.id).status == AssignmentStatus.RETURN_REQUESTED.value
    response = api(w.office).post(f"/return-requests/{req['id']}/decision", json={
        "decision": "approve", "note": "同意，改由交通局办理",
        "reassign": {"unit_id": w.transport.id, "task": "研究办理", "responsible_leader": "陈副局长",
                     "handler_user_id": w.other_handler.id}})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["status"] == "approved"
    new = data["reassigned_to"]
    assert new["unit_id"] == w.transport.id and new["role"] == "sole" and new["reassigned_from_id"] == a.id
    assert Assignment.get_by_id(a.id).status == AssignmentStatus.RETURNED.value
    # the old unit no longer... still sees its (void) assignment; the new unit now sees the item
    assert api(w.other_handler).get(f"/items/{item.id}").status_code == 200
    types = [e["type"] for e in api(w.office).get(f"/items/{item.id}").get_json()["timeline"]]
    assert types == ["registered", "assigned", "return_requested", "return_decided", "assigned"]


def test_return_request_after_the_window_is_refused(w, api, f):
    item = f.item(session=w.session, number="1")
    a = f.assign(item, w.housing, handler=w.handler, assigned_on=clock.today() - dt.timedelta(days=30))
    before = counts()
    body = error(api(w.handler).post(f"/assignments/{a.id}/return-request", json={"reason": "非本单位职责"}),
                 409, "return_window_closed")
    assert body["message"] == (f"申退期限已过（截止 {a.return_due.isoformat()}），不能再申请退回；"
                               "如确需调整，请联系交办单位（督查室）处理。")
    body = error(api(w.handler).post(f"/assignments/{a.id}/return-request", json={}), 422, "validation_failed")
    assert body["fields"] == {"reason": "此项为必填项"}
    error(api(w.office).post(f"/assignments/{a.id}/return-request", json={"reason": "x"}), 403, "forbidden")
    error(api(w.other_handler).post(f"/assignments/{a.id}/return-request", json={"reason": "x"}), 404,
          "not_found")
    assert counts() == before
    assert Assignment.get_by_id(a.id).status == AssignmentStatus.PENDING_RECEIPT.value
