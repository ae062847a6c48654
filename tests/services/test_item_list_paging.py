"""The item list's paging (services.list_page): the same rows in the same order as paginating
the sorted query, for every sort, filter, page and role, with the cheaper plans it uses at
200,000 items (ids off an index, due dates as a set, a text search read once)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tracker.assignments.models import Assignment
from tracker.core.db import db
from tracker.core.enums import AssignmentStatus, ItemStatus, Role
from tracker.items import queries
from tracker.items import services as item_services
from tracker.items.models import Item, Person, Session, Submitter
from tracker.items.queries import SORTS, sort_items

PER = 7  # small pages: many page boundaries, some inside the dated / undated split


@pytest.fixture()
def data(f):
    rng = random.Random(11)
    npc, cppcc = f.session(), f.session(body="cppcc", name="市政协十四届四次会议")
    units = [f.unit() for _ in range(3)]
    person = Person.create(name="李代表", body="npc", delegation="测试代表团")
    words = ["停车", "电梯", "养老服务", "公交线路", "托育"]
    statuses = [s.value for s in AssignmentStatus]
    items = []
    for n in range(1, 61):
        session = npc if n % 3 else cppcc
        # numbers repeat across sessions and kinds: the id breaks the tie
        number = str(rng.choice([n, n % 12 + 1, n * 7]))
        kind = "suggestion" if session == npc else "proposal"
        if Item.select().where((Item.session == session) & (Item.kind == kind) & (Item.number == number)).exists():
            number = f"{number}{n}"
        word = rng.choice(words)
        in_title = rng.random() < 0.5
        item = f.item(session=session, kind=kind, number=number,
                      title=f"关于加强{word}工作的建议" if in_title else f"关于第{n}件事的建议",
                      content=f"内容{n}" + ("" if in_title else f"，涉及{word}问题"))
        items.append(item)
        picked = rng.sample(units, rng.randint(0, 2))
        roles = ("sole",) if len(picked) == 1 else ("lead", "co")
        for unit, role in zip(picked, roles, strict=False):
            a = f.assign(item, unit, role=role)
            (Assignment.update(status=rng.choice(statuses),
                               current_due=dt.date(2026, 4, 1) + dt.timedelta(days=rng.randint(0, 9)))
             .where(Assignment.id == a.id).execute())
    Submitter.update(person=person.id).where(Submitter.item.in_([i.id for i in items[::4]])).execute()
    Item.update(status=ItemStatus.IN_PROGRESS.value).where(Item.id.in_([i.id for i in items[::5]])).execute()
    return {"npc": npc, "units": units, "person": person, "items": items}


def reference(query, sort: str, page: int) -> tuple[int, int, list[int]]:
    """What the list showed before: count, then the sorted query's page."""
    total = query.count()
    page = min(page, max(1, -(-total // PER)))
    rows = sort_items(query.select(Item, Session).join(Session), sort).paginate(page, PER)
    return total, page, [i.id for i in rows]


def filters(data) -> list[dict]:
    return [{}, {"q": "停车"}, {"q": "养老服务"}, {"q": "涉及"}, {"q": "车"}, {"q": "%"},
            {"q": data["items"][3].number}, {"status": ItemStatus.IN_PROGRESS.value},
            {"session_id": data["npc"].id}, {"unit_id": data["units"][0].id}, {"kind": "proposal", "q": "电梯"},
            {"kind": "proposal"}, {"tier": "department", "is_key": False}]


def check_every_page(user, data) -> int:
    checked = 0
    for kwargs in filters(data):
        query = item_services.search(user, **kwargs)
        total = query.count()
        for sort in SORTS:
            for page in range(1, -(-total // PER) + 3):  # past the last page too
                got_total, got_page, items = item_services.list_page(query, sort, page, PER, filters=kwargs)
                assert (got_total, got_page, [i.id for i in items]) == reference(query, sort, page), \
                    (kwargs, sort, page)
                assert all(isinstance(i.session, Session) for i in items)
                checked += 1
    return checked


@pytest.mark.parametrize("split_above", [queries.SPLIT_ABOVE, 0])
def test_every_page_of_every_sort_and_filter_matches_the_sorted_query(data, f, monkeypatch, split_above):
    # 0: the due-date and status sorts take the paths they take at national scale (by groups)
    monkeypatch.setattr(queries, "SPLIT_ABOVE", split_above)
    assert check_every_page(f.office(), data) > 300


def test_statuses_outside_the_enum_sort_last_together(data, f, monkeypatch):
    monkeypatch.setattr(queries, "SPLIT_ABOVE", 0)
    odd = data["items"][1::9]
    for n, item in enumerate(odd):
        Item.update(status=("zz_legacy", "aa_legacy")[n % 2]).where(Item.id == item.id).execute()
    check_every_page(f.office(), data)
    ids = [i.id for i in item_services.list_page(item_services.search(f.office()), "status", 1, 1000)[2]]
    assert set(ids[-len(odd):]) == {i.id for i in odd}


def test_roles_see_the_same_items_as_before(data, f, monkeypatch):
    monkeypatch.setattr(queries, "SPLIT_ABOVE", 0)
    leader = f.user(Role.LEADER)
    handler = f.user(Role.UNIT_HANDLER, data["units"][1])
    submitter = f.user(Role.SUBMITTER, person=data["person"])
    for user in (leader, handler, submitter):
        check_every_page(user, data)
    everything = item_services.list_page(item_services.search(f.office()), "number", 1, 1000)[2]
    assert item_services.list_page(item_services.search(leader), "number", 1, 1000)[2] == everything
    mine = {i.id for i in item_services.list_page(item_services.search(handler), "number", 1, 1000)[2]}
    assigned = {a.item_id for a in Assignment.select().where(Assignment.unit == data["units"][1].id)}
    assert mine == assigned and mine < {i.id for i in everything}


def test_a_text_search_finds_one_and_two_character_substrings_in_title_and_content(data, f):
    office = f.office()
    for q in ("停", "停车", "涉及", "车问"):
        _total, _page, items = item_services.list_page(item_services.search(office, q=q), "number", 1, 1000,
                                                       filters={"q": q})
        want = {i.id for i in Item.select() if q in i.title or q in i.content}
        assert {i.id for i in items} == want and want, q


def test_a_text_search_reads_the_items_once(data, f):
    """Its count is the number of matching ids, not a second scan."""
    query = item_services.search(f.office(), q="停车")
    statements = []
    original = db.obj.execute_sql

    def spy(sql, *args, **kwargs):
        statements.append(sql)
        return original(sql, *args, **kwargs)

    db.obj.execute_sql = spy
    try:
        item_services.list_page(query, "number", 2, PER, filters={"q": "停车"})
    finally:
        del db.obj.execute_sql
    assert sum("LIKE" in sql.upper() for sql in statements) == 1, statements


def test_list_page_of_the_web_list_keeps_deep_pages(data, f, client, login_as):
    login_as(f.office())
    query = item_services.search(f.office())
    total = query.count()
    last = -(-total // 50)
    page = client.get(f"/items?page={last + 3}&sort=-due").get_data(as_text=True)
    assert f"共 {total} 件" in page


def test_the_list_reads_its_orders_off_indexes(ctx):
    """Migration 009: the whole list, a status's list and the newest-first list are read in
    order from an index (no sort of every item for each page)."""
    if "sqlite" not in type(db.obj).__name__.lower():
        pytest.skip("SQLite query plan")
    cases = [(Item.select(Item.id), "number", "item_number_order"),
             (Item.select(Item.id), "-number", "item_number_order"),
             (Item.select(Item.id).where(Item.status == "closed"), "number", "item_status_number_order"),
             (Item.select(Item.id), "-registered", "item_registered_at_id")]
    for query, sort, index in cases:
        sql, params = sort_items(query, sort).limit(50).offset(1000).sql()
        plan = " ".join(str(row) for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall())
        assert index in plan and "TEMP B-TREE" not in plan, plan
