"""The administrator's unit form refuses a name that is another unit's full or short name,
naming that unit and keeping what was typed."""

from __future__ import annotations

import pytest

from tracker.core.enums import Role
from tracker.units.models import Unit


@pytest.fixture()
def as_admin(f, login_as):
    return login_as(f.user(Role.ADMIN, username="root", name="管理员甲"))


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_new_unit_may_not_take_another_units_short_name_as_its_name(f, as_admin):
    housing = f.unit("市住房和城乡建设局", "市住建局")
    response = as_admin.post("/admin/units/new", data={"name": "市住建局", "short_name": "住建",
                                                       "category": "district"})
    assert response.status_code == 422
    body = text(response)
    assert "单位全称“市住建局”已是承办单位“市住房和城乡建设局”的简称，不能使用" in body
    assert 'value="市住建局"' in body and 'value="住建"' in body
    assert [u.id for u in Unit.select()] == [housing.id]


def test_a_unit_may_not_be_renamed_to_another_units_short_name(f, as_admin):
    f.unit("市住房和城乡建设局", "市住建局")
    water = f.unit("市水务局", "水务局")
    response = as_admin.post(f"/admin/units/{water.id}/edit", data={"name": "市水务局", "short_name": "市 住建局",
                                                                    "category": "department"})
    assert response.status_code == 422
    assert "简称“市 住建局”已被其他单位使用（承办单位“市住房和城乡建设局”）" in text(response)
    assert Unit.get_by_id(water.id).short_name == "水务局"
