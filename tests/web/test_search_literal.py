"""Search boxes find the text typed, literally: ``%`` and ``_`` are characters, not LIKE wildcards
(the item list page and ``GET /api/v1/items?q=``, and the administrator's user, person and audit
searches), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from tracker.admin import services as admin
from tracker.core.db import contains_text, like_escape
from tracker.core.enums import Role
from tracker.items.models import Item


@pytest.fixture()
def corpus(f):
    session = f.session()
    return {
        "plain": f.item(session=session, number="1", title="关于老旧小区改造的建议", content="老旧小区改造：加装电梯，改造管网。"),
        "percent": f.item(session=session, number="2", title="关于提高绿化覆盖率至40%的建议",
                          content="覆盖率由30%提高到40%。"),
        "underscore": f.item(session=session, number="3", title="关于统一数据接口命名的建议",
                             content="接口名如 get_user_info 应统一。"),
        "backslash": f.item(session=session, number="4", title="关于规范共享目录路径的建议",
                            content="路径 D:\\共享\\文件 应统一。"),
    }


@pytest.mark.parametrize(("q", "expected"), [
    ("%", {"percent"}),
    ("_", {"underscore"}),
    ("老旧%改造", set()),
    ("老旧_区", set()),
    ("40%", {"percent"}),
    ("get_user", {"underscore"}),
    ("\\", {"backslash"}),
    ("D:\\共享", {"backslash"}),
    ("小区改造", {"plain"}),
    ("GET_USER", {"underscore"}),  # ASCII letters in any case, as before
])
def test_the_api_search_matches_the_text_literally(corpus, f, api, q, expected):
    response = api(f.office()).get("/items", query_string={"q": q})
    assert response.status_code == 200
    numbers = {i["number"] for i in response.get_json()["items"]}
    assert numbers == {corpus[key].number for key in expected}


def test_the_item_list_page_matches_the_text_literally(corpus, f, client, login_as):
    login_as(f.office())

    def titles(q: str) -> set[str]:
        page = client.get("/items", query_string={"q": q}).get_data(as_text=True)
        return {key for key, item in corpus.items() if item.title in page}

    assert titles("%") == {"percent"}
    assert titles("_") == {"underscore"}
    assert titles("老旧%改造") == set()
    assert titles("改造") == {"plain"}


def test_admin_searches_match_the_text_literally(f):
    admin_user = f.user(Role.ADMIN, name="管理员")
    f.user(Role.OFFICE, username="office_a", name="张三", phone="13900000001")
    f.user(Role.OFFICE, username="officeb", name="李四", phone="13900000002")
    f.person(name="王_五")
    f.person(name="赵六")

    def users(q):
        return {u.username for u in admin.users_list(q=q, actor=admin_user)}

    assert users("_") == {"office_a"}
    assert users("%") == set()
    assert users("office") == {"office_a", "officeb"}
    assert {p.name for p in admin.persons_list(q="_", actor=admin_user)} == {"王_五"}
    assert {p.name for p in admin.persons_list(q="%", actor=admin_user)} == set()
    assert list(admin.audit_entries(admin.AuditFilters(actor="%"), actor=admin_user)) == []
    assert list(admin.audit_entries(admin.AuditFilters(actor="_"), actor=admin_user)) == []


def test_like_escape_and_contains_text(corpus):
    assert like_escape("a%b_c\\d") == "a\\%b\\_c\\\\d"
    assert like_escape("老旧小区") == "老旧小区"
    found = Item.select().where(contains_text(Item.content, "30%提"))
    assert [i.id for i in found] == [corpus["percent"].id]
