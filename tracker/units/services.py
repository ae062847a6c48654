from __future__ import annotations

from typing import Any

from tracker.accounts import policy
from tracker.audit import services as audit
from tracker.core.db import db
from tracker.core.errors import ValidationFailed, ensure
from tracker.units.models import Unit


def _norm(name: str) -> str:
    return "".join((name or "").split()).replace("\u3000", "")


def find_unit(name: str) -> Unit | None:
    """Match a unit by full or short name (spaces ignored)."""
    key = _norm(name)
    if not key:
        return None
    for unit in Unit.select():
        if _norm(unit.name) == key or (unit.short_name and _norm(unit.short_name) == key):
            return unit
    return None


def unit_name_map() -> dict[str, int]:
    """Every accepted name (full and short) → unit id, for imports."""
    mapping: dict[str, int] = {}
    for unit in Unit.select().where(Unit.active == True):  # noqa: E712
        mapping[_norm(unit.name)] = unit.id
        if unit.short_name:
            mapping.setdefault(_norm(unit.short_name), unit.id)
    return mapping


def create_unit(*, name: str, short_name: str = "", category: str = "department", actor: Any) -> Unit:
    if actor is not None:
        ensure(policy.can(actor, policy.Perm.MANAGE_UNITS))
    name = (name or "").strip()
    short_name = (short_name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "请填写单位名称"
    elif Unit.select().where(Unit.name == name).exists():
        errors["name"] = f"承办单位“{name}”已存在"
    if short_name and Unit.select().where(Unit.short_name == short_name).exists():
        errors["short_name"] = f"简称“{short_name}”已被其他单位使用"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    with db.atomic():
        sort = (Unit.select().count() + 1) * 10
        unit = Unit.create(name=name, short_name=short_name, category=category, sort_order=sort)
        audit.record("unit_created", unit, actor=actor, after={"name": name, "short_name": short_name})
    return unit


def city_leader_for(value: Any) -> Any:
    """The user named as a unit's city leader in charge (分管市领导): an active city-leader account,
    or None for none; ValidationFailed for anyone else."""
    from tracker.accounts.models import User
    from tracker.core.enums import Role

    if value in (None, "", 0):
        return None
    try:
        user = User.get_or_none(User.id == int(value))
    except (TypeError, ValueError):
        user = None
    if user is None or user.role != Role.LEADER.value or not user.active:
        raise ValidationFailed("分管市领导须为启用的市领导账号", fields={"city_leader_id": "分管市领导须为启用的市领导账号"})
    return user


def update_unit(unit: Unit, *, actor: Any, name: str, short_name: str, category: str,
                active: bool, city_leader_id: Any = ...) -> Unit:
    ensure(policy.can(actor, policy.Perm.MANAGE_UNITS))
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写单位名称", fields={"name": "请填写单位名称"})
    if Unit.select().where((Unit.name == name) & (Unit.id != unit.id)).exists():
        raise ValidationFailed(f"承办单位“{name}”已存在", fields={"name": f"承办单位“{name}”已存在"})
    leader = unit.city_leader if city_leader_id is ... else city_leader_for(city_leader_id)
    with db.atomic():
        before = {"name": unit.name, "short_name": unit.short_name, "category": unit.category,
                  "active": unit.active, "city_leader": unit.city_leader.display if unit.city_leader else ""}
        unit.name, unit.short_name, unit.category, unit.active = name, short_name.strip(), category, active
        unit.city_leader = leader
        unit.save()
        after = {"name": unit.name, "short_name": unit.short_name, "category": unit.category,
                 "active": unit.active, "city_leader": leader.display if leader else ""}
        b, a = audit.changes(before, after)
        audit.record("unit_updated", unit, actor=actor, before=b, after=a)
    return unit
