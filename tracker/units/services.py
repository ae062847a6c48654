from __future__ import annotations

from typing import Any

from tracker.accounts import policy
from tracker.audit import services as audit
from tracker.core.db import db
from tracker.core.errors import ValidationFailed, ensure
from tracker.units.models import Unit


def _norm(name: str) -> str:
    """A unit name's matching key: the Excel import's (full-width folded, whitespace removed,
    case folded), so that what the import takes for one name is one name everywhere."""
    from tracker.items.importing import normalise_unit_name

    return normalise_unit_name(name or "")


def find_unit(name: str) -> Unit | None:
    """The one unit whose full or short name is ``name`` (as the import matches names); None
    when there is none, or more than one (old data where one's short name is another's name)."""
    key = _norm(name)
    if not key:
        return None
    found = [unit for unit in Unit.select().order_by(Unit.id)
             if key in (_norm(unit.name), _norm(unit.short_name))]
    return found[0] if len(found) == 1 else None


def _active_names() -> dict[str, dict[int, str]]:
    """Each name key of the active units → {unit id: full name} of the units it names."""
    names: dict[str, dict[int, str]] = {}
    for unit in Unit.active_ordered():
        for name in (unit.name, unit.short_name):
            key = _norm(name)
            if key:
                names.setdefault(key, {})[unit.id] = unit.name
    return names


def unit_name_map() -> dict[str, int]:
    """Every accepted name (full and short) → unit id, for imports; a name that names more
    than one active unit is left out (see :func:`ambiguous_unit_names`)."""
    return {key: next(iter(units)) for key, units in _active_names().items() if len(units) == 1}


def ambiguous_unit_names() -> dict[str, tuple[str, ...]]:
    """The names that name more than one active unit (one's full name is another's short name:
    data from before names were kept unique) → those units' full names. An import refuses a
    row naming one rather than give the item to either."""
    return {key: tuple(units.values()) for key, units in _active_names().items() if len(units) > 1}


def name_problems(name: str, short_name: str, unit: Unit | None = None) -> dict[str, str]:
    """What is wrong with a unit's full and short name: each must be unique across every unit's
    full AND short names (as the import matches them: an import takes either for the unit), the
    unit's own aside. A name the unit already has is not checked again (a unit of old data whose
    name clashes can still be edited or deactivated)."""
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "请填写单位名称"
    typed = {"name": name, "short_name": short_name}
    stored = {"name": unit.name, "short_name": unit.short_name} if unit is not None else {}
    checks = {field: _norm(value) for field, value in typed.items()
              if value and _norm(value) != _norm(stored.get(field, ""))}
    if not checks:
        return errors
    others = Unit.select() if unit is None else Unit.select().where(Unit.id != unit.id)
    for other in others.order_by(Unit.id):
        for field, key in checks.items():
            if field in errors:
                continue
            if key == _norm(other.name):
                errors[field] = (f"承办单位“{other.name}”已存在" if field == "name"
                                 else f"简称“{short_name}”已是承办单位“{other.name}”的全称，不能使用")
            elif other.short_name and key == _norm(other.short_name):
                errors[field] = (f"简称“{short_name}”已被其他单位使用（承办单位“{other.name}”）"
                                 if field == "short_name"
                                 else f"单位全称“{name}”已是承办单位“{other.name}”的简称，不能使用")
    return {k: errors[k] for k in ("name", "short_name") if k in errors}


def create_unit(*, name: str, short_name: str = "", category: str = "department", actor: Any) -> Unit:
    if actor is not None:
        ensure(policy.can(actor, policy.Perm.MANAGE_UNITS))
    name = (name or "").strip()
    short_name = (short_name or "").strip()
    errors = name_problems(name, short_name)
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
    short_name = (short_name or "").strip()
    errors = name_problems(name, short_name, unit)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    leader = unit.city_leader if city_leader_id is ... else city_leader_for(city_leader_id)
    with db.atomic():
        before = {"name": unit.name, "short_name": unit.short_name, "category": unit.category,
                  "active": unit.active, "city_leader": unit.city_leader.display if unit.city_leader else ""}
        unit.name, unit.short_name, unit.category, unit.active = name, short_name, category, active
        unit.city_leader = leader
        unit.save()
        after = {"name": unit.name, "short_name": unit.short_name, "category": unit.category,
                 "active": unit.active, "city_leader": leader.display if leader else ""}
        b, a = audit.changes(before, after)
        audit.record("unit_updated", unit, actor=actor, before=b, after=a)
    return unit
