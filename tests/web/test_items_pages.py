"""Item pages as users meet them: register, list, item page, edit, sessions, my items."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from playhouse.test_utils import count_queries

from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core.enums import ItemStatus, Role, Tier
from tracker.items.models import Item, Session, Submitter

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture()
def travel():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def text(response) -> str:
    return response.get_data(as_text=True)


def register_data(session, **overrides):
    data = {
        "kind": "suggestion", "session_id": str(session.id), "number": "101",
        "title": "关于加快老旧小区加装电梯的建议", "content": "建议简化审批流程。", "category": "城乡建设",
        "tier": "department", "received_on": "2026-02-20", "lead_name": "张代表",
        "cosigners-0-name": "李代表", "cosigners-1-name": "", "cosigners-2-name": "王代表",
    }
    data.update(overrides)
    return data


# --- register --------------------------------------------------------------------------------


def test_office_registers_an_item_with_co_signers(f, client, login_as):
    office = f.office()
    session = f.session()
    login_as(office)
    form = text(client.get("/items/new"))
    assert "登记建议提案" in form and 'data-add-row="cosigner-rows"' in form
    response = client.post("/items/new", data=register_data(session))
    assert response.status_code == 302
    item = Item.get(Item.number == "101")
    assert response.headers["Location"].endswith(f"/items/{item.id}")
    assert item.title == "关于加快老旧小区加装电梯的建议" and item.category == "城乡建设"
    assert item.received_on == dt.date(2026, 2, 20)
    subs = [(s.name, s.role) for s in Submitter.select().where(Submitter.item == item).order_by(Submitter.position)]
    assert subs == [("张代表", "lead"), ("李代表", "co"), ("王代表", "co")]
    page = text(client.get(response.headers["Location"]))
    assert "已登记第 101 号" in page and "李代表、王代表" in page


def test_the_form_suggests_the_categories_in_use_in_order(f, client, login_as):
    session = f.session()
    for number, category in [("1", "教育"), ("2", "城乡建设"), ("3", ""), ("4", "教育"), ("5", "交通")]:
        f.item(session=session, number=number, category=category)
    login_as(f.office())
    for page in (text(client.get("/items/new")), text(client.get(f"/items/{Item.get(Item.number == '1').id}/edit"))):
        datalist = re.search(r'<datalist id="category-options">(.*?)</datalist>', page).group(1)
        assert re.findall(r'<option value="([^"]*)">', datalist) == sorted(["交通", "城乡建设", "教育"])


def test_register_and_go_on_to_assign(f, client, login_as):
    session = f.session()
    login_as(f.office())
    response = client.post("/items/new", data={**register_data(session), "then": "assign"})
    item = Item.get(Item.number == "101")
    assert response.headers["Location"].endswith(f"/items/{item.id}/assign")


def test_duplicate_number_is_refused_with_a_chinese_message_and_keeps_input(f, client, login_as):
    session = f.session()
    f.item(session=session, number="101")
    login_as(f.office())
    before = Item.select().count()
    response = client.post("/items/new", data=register_data(session, title="另一条建议"))
    assert response.status_code == 422
    page = text(response)
    assert "该会次已有案号为“101”的建议，不能重复登记" in page
    assert 'value="另一条建议"' in page and 'value="李代表"' in page and 'value="王代表"' in page
    assert "建议简化审批流程。" in page
    assert Item.select().count() == before
    assert Submitter.select().join(Item).where(Item.title == "另一条建议").count() == 0


def test_missing_fields_are_named_and_the_typed_rows_stay(f, client, login_as):
    session = f.session()
    login_as(f.office())
    response = client.post("/items/new", data=register_data(session, number="", title="", lead_name=""))
    assert response.status_code == 422
    page = text(response)
    for message in ("请填写案号", "请填写标题", "请至少填写一名领衔人"):
        assert message in page
    assert 'value="李代表"' in page and 'value="王代表"' in page and "建议简化审批流程。" in page
    assert Item.select().count() == 0


def test_register_validates_the_lead_leader(f, client, login_as):
    session = f.session()
    not_a_leader = f.user(Role.OFFICE)
    login_as(f.office())
    response = client.post("/items/new", data=register_data(session, tier="leader_led",
                                                            leader_id=str(not_a_leader.id)))
    assert response.status_code == 422
    assert Item.select().count() == 0


@pytest.mark.parametrize(("received_on", "message"), [
    ("2030-01-01", "收到日期 2030-01-01 不能晚于今天"),
    ("1900-01-01", "收到日期 1900-01-01 早于"),
])
def test_register_refuses_an_impossible_received_date_and_keeps_the_form(f, client, login_as, received_on, message):
    session = f.session(year=2026)
    login_as(f.office())
    response = client.post("/items/new", data=register_data(session, received_on=received_on))
    assert response.status_code == 422
    page = text(response)
    assert message in page and f'value="{received_on}"' in page and "关于加快老旧小区加装电梯的建议" in page
    assert Item.select().count() == 0
    item = f.item(session=session)
    edit = client.post(f"/items/{item.id}/edit", data={"title": item.title, "received_on": received_on,
                                                        "lead_name": "张代表", "tier": "department"})
    assert edit.status_code == 422 and message in text(edit)
    assert Item.get_by_id(item.id).received_on is None


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.UNIT_LEADER, Role.LEADER, Role.SUBMITTER])
def test_only_the_office_registers(f, client, login_as, role):
    unit = f.unit()
    session = f.session()
    login_as(f.user(role, unit if role in (Role.UNIT_HANDLER, Role.UNIT_LEADER) else None))
    assert client.get("/items/new").status_code == 403
    assert client.post("/items/new", data=register_data(session)).status_code == 403
    assert Item.select().count() == 0


def test_anonymous_users_are_sent_to_login(f, client):
    item = f.item()
    for path in ("/items", "/items/new", f"/items/{item.id}", f"/items/{item.id}/edit", "/sessions",
                 "/my-items", f"/items/{item.id}/assign", "/inbox", "/desk", "/assignments/unit-users/1"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]


# --- list ------------------------------------------------------------------------------------


def test_register_button_only_for_the_office(f, client, login_as):
    f.item()
    login_as(f.office())
    assert "/items/new" in text(client.get("/items"))
    login_as(f.user(Role.LEADER))
    page = text(client.get("/items"))
    assert "关于加强老旧小区加装电梯工作的建议" in page and "/items/new" not in page


def test_list_filters_and_search(f, client, login_as):
    npc, cppcc = f.session(), f.session(body="cppcc", name="市政协十四届四次会议")
    water, roads = f.unit("市水务局"), f.unit("市交通运输局")
    a = f.item(session=npc, number="11", title="关于改善城区供水水质的建议", content="二次供水设施老化")
    b = f.item(session=npc, number="12", title="关于增设公交线路的建议", tier=Tier.OFFICE_SUPERVISED.value,
               is_key=True)
    c = f.item(session=cppcc, number="3", title="关于发展社区托育服务的提案", kind="proposal")
    f.assign(a, water)
    f.assign(b, roads)
    login_as(f.office())

    def titles(query: str) -> set[str]:
        page = text(client.get("/items" + query))
        return {t for t in (a.title, b.title, c.title) if t in page}

    assert titles("") == {a.title, b.title, c.title}
    assert titles(f"?session_id={cppcc.id}") == {c.title}
    assert titles("?kind=proposal") == {c.title}
    assert titles("?status=registered") == {c.title}
    assert titles("?status=assigned") == {a.title, b.title}
    assert titles("?tier=office_supervised") == {b.title}
    assert titles(f"?unit_id={water.id}") == {a.title}
    assert titles("?is_key=1") == {b.title}
    assert titles("?q=公交") == {b.title}
    assert titles("?q=二次供水") == {a.title}
    assert titles("?q=3") == {c.title}
    assert titles("?session_id=abc&unit_id=x") == {a.title, b.title, c.title}  # junk is ignored
    page = text(client.get(f"/items?unit_id={water.id}"))
    assert "共 1 件" in page and "市水务局" in page


def test_list_shows_units_lead_and_due_dates_colored(f, client, login_as, travel):
    unit = f.unit("市水务局", "水务局")
    item = f.item(number="7", submitters=[{"name": "赵代表", "role": "lead"}, {"name": "钱代表", "role": "co"}])
    a = f.assign(item, unit)
    login_as(f.office())
    page = text(client.get("/items"))
    assert "赵代表" in page and "等 2 人" in page and "水务局" in page and "独办" in page
    assert a.reply_due.isoformat() in page and "row-overdue" not in page
    travel.move_to(dt.datetime.combine(a.reply_due - dt.timedelta(days=3), dt.time(9), dt.UTC))
    page = text(client.get("/items"))
    assert "row-due-soon" in page and "剩 3 天" in page
    travel.move_to(dt.datetime.combine(a.reply_due + dt.timedelta(days=2), dt.time(9), dt.UTC))
    page = text(client.get("/items"))
    assert "row-overdue" in page and "超期 2 天" in page
    assert "关于加强" in text(client.get("/items?overdue=1"))
    f.item(number="8", title="另一条未交办的建议")
    page = text(client.get("/items?overdue=1"))
    assert "另一条未交办的建议" not in page


def test_list_sorts_numbers_numerically_and_by_due_date(f, client, login_as, travel):
    session = f.session()
    unit = f.unit()
    for number in ("10", "2", "1"):
        f.item(session=session, number=number, title=f"第{number}号标题")
    later = f.item(session=session, number="20", title="后交办的件")
    sooner = f.item(session=session, number="30", title="先到期的件")
    f.assign(later, unit, reply_due=dt.date(2026, 5, 30))
    f.assign(sooner, unit, reply_due=dt.date(2026, 4, 30))
    login_as(f.office())
    page = text(client.get("/items"))
    order = [page.index(f"第{n}号标题") for n in ("1", "2", "10")]
    assert order == sorted(order)
    page = text(client.get("/items?sort=-number"))
    assert page.index("第10号标题") < page.index("第2号标题")
    page = text(client.get("/items?sort=due"))
    assert page.index("先到期的件") < page.index("后交办的件") < page.index("第1号标题")
    page = text(client.get("/items?sort=-due"))
    assert page.index("后交办的件") < page.index("先到期的件")
    assert client.get("/items?sort=status").status_code == 200
    assert client.get("/items?sort=nonsense").status_code == 200


def test_list_paginates_by_fifty(f, client, login_as):
    session = f.session()
    for n in range(1, 56):
        f.item(session=session, number=str(n), title=f"标题{n:03d}号")
    login_as(f.office())
    first = text(client.get("/items"))
    assert "共 55 件" in first and "标题050号" in first and "标题051号" not in first
    second = text(client.get("/items?page=2"))
    assert "标题051号" in second and "标题055号" in second and "标题001号" not in second
    assert 'aria-current="page">2<' in second
    assert "标题051号" in text(client.get("/items?page=99"))


def test_list_has_no_n_plus_one_queries(f, client, login_as):
    session = f.session()
    units = [f.unit() for _ in range(3)]
    login_as(f.office())

    def make(count: int, start: int) -> None:
        for n in range(start, start + count):
            item = f.item(session=session, number=str(n), submitters=[
                {"name": "甲", "role": "lead"}, {"name": "乙", "role": "co"}])
            f.assign(item, units[n % 3])

    def queries() -> int:
        with count_queries() as counter:
            assert client.get("/items").status_code == 200
        return counter.count

    make(3, 1)
    few = queries()
    make(20, 100)
    many = queries()
    assert many == few, f"{few} queries for 3 items, {many} for 23"
    assert few <= 12


# --- item page --------------------------------------------------------------------------------


def test_item_page_shows_header_assignments_dates_explainer_and_timeline(f, client, login_as, travel):
    unit = f.unit("市住房和城乡建设局")
    handler = f.user(Role.UNIT_HANDLER, unit, name="周经办", phone="0571-88880000")
    leader = f.user(Role.LEADER, name="孙副市长")
    item = f.item(number="55", title="关于加装电梯的建议", tier=Tier.LEADER_LED.value, leader_id=leader.id,
                  is_key=True, category="城乡建设",
                  submitters=[{"name": "张代表", "role": "lead"}, {"name": "李代表", "role": "co"}])
    a = f.assign(item, unit, handler=handler, task="制定加装电梯补助办法", responsible_leader="吴副局长")
    login_as(f.office())
    page = text(client.get(f"/items/{item.id}"))
    for expected in ("55", "关于加装电梯的建议", "市领导领办", "重点", "孙副市长", "张代表", "李代表",
                     "城乡建设", "市住房和城乡建设局", "独办", "周经办", "0571-88880000", "吴副局长",
                     "制定加装电梯补助办法", "待签收", "2026-03-02", a.receipt_due.isoformat(),
                     a.return_due.isoformat(), a.first_contact_due.isoformat(), a.reply_due.isoformat(),
                     "为什么是这些日期", "登记人大代表建议第55号", "交办市住房和城乡建设局"):
        assert expected in page, expected
    # the explainer is in the title attribute of the deadline and in the details element
    assert re.search(r'<span class="deadline"[^>]*title="[^"]*第 2 个工作日为 2026-03-04', page)
    assert "自交办日 2026-03-02 起（当日不计）按 3 个月计算" in page
    # office sees edit and assign, not the unit's receive button
    assert f"/items/{item.id}/edit" in page and f"/items/{item.id}/assign" in page
    assert f"/assignments/{a.id}/receive" not in page
    # timeline: oldest first, newest last
    assert page.index("登记人大代表建议第55号") < page.index("交办市住房和城乡建设局")


def test_item_page_warns_about_an_unconfirmed_calendar_year(f, client, login_as):
    unit = f.unit()
    item = f.item()
    with time_machine.travel(dt.datetime(2027, 11, 1, 9, tzinfo=dt.UTC), tick=False):
        f.assign(item, unit)
        login_as(f.office())
        page = text(client.get(f"/items/{item.id}"))
        assert re.search(r'class="alert alert-warning[^"]*" role="alert">[^<]*工作日历尚未确认', page)
        english = text(client.get(f"/items/{item.id}?lang=en"))
        assert "Note: the working calendar for 2027, 2028 has not been confirmed." in english
        client.get(f"/items/{item.id}?lang=zh")
        # once the unit owes nothing more (here: done), the warning has nothing left to warn about
        Assignment.update(status="done").where(Assignment.item == item.id).execute()
        page = text(client.get(f"/items/{item.id}"))
        assert not re.search(r'class="alert alert-warning[^"]*" role="alert">[^<]*工作日历尚未确认', page)


def test_item_page_renders_panels_in_order(f, client, login_as, monkeypatch):
    from tracker.items import panels

    item = f.item()
    monkeypatch.setattr(panels, "collect", lambda item, user, assignments: [
        ("errors/error.html", {"unused": True})])
    login_as(f.office())
    # The panel template is included in the page (the error template proves the wiring).
    assert "无法完成请求" in text(client.get(f"/items/{item.id}"))


# --- edit ------------------------------------------------------------------------------------


def edit_data(item, **overrides):
    data = {"version": str(item.version), "title": item.title, "content": "改写后的内容",
            "category": "教育", "tier": item.tier, "lead_name": "张代表", "cosigners-0-name": "新附议人"}
    data.update(overrides)
    return data


def test_office_edits_an_item(f, client, login_as):
    item = f.item()
    login_as(f.office())
    page = text(client.get(f"/items/{item.id}/edit"))
    assert f'name="version" type="hidden" value="{item.version}"' in page
    response = client.post(f"/items/{item.id}/edit", data=edit_data(item, title="新标题"))
    assert response.status_code == 302
    fresh = item.refresh()
    assert fresh.title == "新标题" and fresh.category == "教育" and fresh.version == item.version + 1
    assert [s.name for s in Submitter.select().where(Submitter.item == item).order_by(Submitter.position)] == [
        "张代表", "新附议人"]
    assert AuditEntry.select().where((AuditEntry.item_id == item.id) & (AuditEntry.action == "edited")).exists()


def test_stale_version_shows_the_conflict_and_keeps_input(f, client, login_as):
    item = f.item()
    office = f.office()
    stale = item.version
    from tracker.items import services as items

    items.edit_item(item, actor=office, title="别人先改了")
    login_as(office)
    response = client.post(f"/items/{item.id}/edit", data=edit_data(item, version=str(stale), title="我的修改"))
    assert response.status_code == 409
    page = text(response)
    assert "该记录已被他人修改，请刷新后重试" in page and 'value="我的修改"' in page
    assert item.refresh().title == "别人先改了"


def test_edit_is_office_only(f, client, login_as):
    unit = f.unit()
    item = f.item()
    f.assign(item, unit)
    for user in (f.user(Role.LEADER), f.user(Role.UNIT_HANDLER, unit)):
        login_as(user)
        assert client.get(f"/items/{item.id}/edit").status_code == 403
        assert client.post(f"/items/{item.id}/edit", data=edit_data(item, title="x")).status_code == 403
    assert item.refresh().title != "x"


# --- sessions --------------------------------------------------------------------------------


def test_office_creates_a_session_and_duplicates_are_refused(f, client, login_as):
    login_as(f.office())
    assert "新建会次" in text(client.get("/sessions"))
    data = {"body": "npc", "name": "市十七届人大四次会议", "year": "2026", "opened_on": "2026-01-10",
            "closed_on": "2026-01-14", "reply_due_absolute": "2026-06-30"}
    response = client.post("/sessions", data=data)
    assert response.status_code == 302
    session = Session.get(Session.name == "市十七届人大四次会议")
    assert session.reply_due_absolute == dt.date(2026, 6, 30) and session.closed_on == dt.date(2026, 1, 14)
    response = client.post("/sessions", data=data)
    assert response.status_code == 422
    assert "会次“市十七届人大四次会议”已存在" in text(response)
    response = client.post("/sessions", data={**data, "name": "另一会次", "closed_on": "2026-01-01"})
    assert "闭会日期不能早于开幕日期" in text(response) and 'value="另一会次"' in text(response)
    response = client.post("/sessions", data={**data, "name": "市十七届人大五次会议", "year": "2027",
                                              "opened_on": "2027-01-20", "closed_on": "",
                                              "reply_due_absolute": "2026-06-30"})
    assert response.status_code == 422 and "统一答复日期须晚于开幕日期 2027-01-20" in text(response)
    assert Session.select().count() == 1


def test_sessions_page_is_for_the_office(f, client, login_as):
    login_as(f.user(Role.UNIT_HANDLER, f.unit()))
    assert client.get("/sessions").status_code == 403
    assert client.post("/sessions", data={"body": "npc", "name": "x", "year": "2026"}).status_code == 403


# --- permissions by role ---------------------------------------------------------------------


def test_item_page_permissions_by_role(f, client, login_as):
    mine, other = f.unit("本单位"), f.unit("其他单位")
    person = f.person("张代表")
    item = f.item(submitters=[{"name": "张代表", "role": "lead", "person_id": person.id}])
    f.assign(item, mine)
    foreign = f.item(number="999", title="别人的建议", submitters=[{"name": "赵代表", "role": "lead"}])
    f.assign(foreign, other)

    login_as(f.user(Role.UNIT_HANDLER, other))
    response = client.get(f"/items/{item.id}")
    assert response.status_code == 404 and "未找到" in text(response)
    assert "别人的建议" in text(client.get("/items")) and item.title not in text(client.get("/items"))

    login_as(f.user(Role.UNIT_HANDLER, mine))
    assert client.get(f"/items/{item.id}").status_code == 200
    assert client.get(f"/items/{foreign.id}").status_code == 404

    login_as(f.user(Role.LEADER))
    page = text(client.get(f"/items/{item.id}"))
    assert item.title in page and f"/items/{item.id}/edit\"" not in page and f"/items/{item.id}/assign\"" not in page

    login_as(f.user(Role.SUBMITTER, person=person))
    page = text(client.get(f"/items/{item.id}"))
    assert item.title in page and "/edit" not in page and "/receive" not in page
    assert client.get(f"/items/{foreign.id}").status_code == 404
    assert client.get("/items").status_code == 403


def test_submitter_timeline_hides_internal_steps(f, client, login_as):
    unit = f.unit()
    person = f.person("张代表")
    item = f.item(submitters=[{"name": "张代表", "role": "lead", "person_id": person.id}])
    a = f.assign(item, unit)
    from tracker.audit import services as audit

    audit.record("reply_drafted", a, actor=f.office(), item_id=item.id, detail="起草答复（内部）")
    login_as(f.user(Role.SUBMITTER, person=person))
    page = text(client.get(f"/items/{item.id}"))
    assert "起草答复（内部）" not in page and "交办" in page
    login_as(f.office())
    assert "起草答复（内部）" in text(client.get(f"/items/{item.id}"))


def test_timeline_names_an_entry_without_words_of_its_own_as_the_audit_log_does(f, client, login_as):
    item = f.item()
    a = f.assign(item, f.unit())
    from tracker.audit import services as audit

    audit.record("reply_edited", a, actor=f.office(), item_id=item.id)  # no detail, no timeline word
    login_as(f.office())
    timeline = text(client.get(f"/items/{item.id}")).split('id="h-timeline"')[1]
    assert "修改答复" in timeline and "reply_edited" not in timeline


def test_my_items_lists_only_the_submitters_own_items(f, client, login_as):
    unit = f.unit("市教育局")
    person = f.person("钱委员", body="cppcc")
    own = f.item(title="关于校园周边交通安全的提案", kind="proposal", submitters=[
        {"name": "孙委员", "role": "lead"}, {"name": "钱委员", "role": "co", "person_id": person.id}])
    f.assign(own, unit)
    f.item(title="与我无关的提案", kind="proposal")
    login_as(f.user(Role.SUBMITTER, person=person))
    page = text(client.get("/my-items"))
    assert "关于校园周边交通安全的提案" in page and "与我无关的提案" not in page
    assert "市教育局" in page and "待签收" in page and "共 1 件" in page
    login_as(f.office())
    assert client.get("/my-items").status_code == 403


def test_item_status_label_shows_in_chinese(f, client, login_as):
    item = f.item()
    login_as(f.office())
    assert item.status == ItemStatus.REGISTERED
    assert "已登记" in text(client.get(f"/items/{item.id}"))


def test_only_overdue_counts_late_receipts_and_commitments_as_the_overdue_list_does(f, client, login_as, travel,
                                                                                     api):
    from tests.closeout_support import replied_item

    unit = f.unit("市水务局", "水务局")
    unsigned = f.item(number="31", title="未按时签收的建议")
    a = f.assign(unsigned, unit)
    promised = replied_item(number="33", title="承诺逾期的建议",
                            commitments=[("年内完成改造", a.receipt_due + dt.timedelta(days=1))])
    assert a.receipt_due < a.reply_due
    travel.move_to(dt.datetime.combine(a.receipt_due + dt.timedelta(days=3), dt.time(9), dt.UTC))
    fresh = f.item(number="32", title="刚交办的建议")
    f.assign(fresh, unit)  # assigned today: nothing late
    office = f.office()
    login_as(office)
    page = text(client.get("/items?overdue=1"))
    assert "未按时签收的建议" in page and "承诺逾期的建议" in page and "刚交办的建议" not in page
    listed = {row["item_id"] for row in api(office).get("/overdue?per_page=100").get_json()["items"]}
    body = api(office).get("/items?overdue=1").get_json()
    ids = {row["id"] for row in body["items"]}
    assert ids == listed == {unsigned.id, promised.item.id}
    [row] = [r for r in body["items"] if r["id"] == unsigned.id]
    assert row["days_overdue"] == 3 and row["assignments"][0]["days_overdue"] == 3
