"""Reset the database between tests: data tables emptied, baseline tables restored."""

from __future__ import annotations

from tracker.audit import immutability
from tracker.core.db import db, is_postgres
from tracker.models import MODELS
from tracker.rules.models import CalendarDay

BASELINE_NAMES = {"rule_profiles", "settings", "checklist_entries", "scorecards", "criteria",
                  "reminder_rules"}
_snapshot: dict[str, list[dict]] = {}


def _baseline():
    return [m for m in MODELS if m._meta.table_name in BASELINE_NAMES]


def snapshot() -> None:
    for model in _baseline():
        _snapshot[model._meta.table_name] = list(model.select().dicts())


def reset() -> None:
    from tracker.rules import services as rules

    db.connect(reuse_if_open=True)
    data_models = [m for m in MODELS if m._meta.table_name not in BASELINE_NAMES and m is not CalendarDay]
    with db.atomic():
        # The audit log is append-only (database triggers): lift that for the cleanup only.
        immutability.uninstall(db)
        if is_postgres():
            names = ", ".join(f'"{m._meta.table_name}"' for m in data_models + _baseline())
            db.execute_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for model in reversed(data_models + _baseline()):
                model.delete().execute()
        for model in _baseline():
            rows = _snapshot.get(model._meta.table_name) or []
            for start in range(0, len(rows), 100):
                model.insert_many(rows[start:start + 100]).execute()
        CalendarDay.delete().where(CalendarDay.source == "admin").execute()
        immutability.install(db)
        if is_postgres():
            for model in _baseline():
                pk = model._meta.primary_key
                if pk.field_type == "AUTO":
                    db.execute_sql(
                        f"SELECT setval(pg_get_serial_sequence('\"{model._meta.table_name}\"', '{pk.column_name}'), "  # noqa: S608
                        f"COALESCE((SELECT MAX({pk.column_name}) FROM \"{model._meta.table_name}\"), 0) + 1, false)"
                    )
    rules.seed_calendar()
    rules.clear_calendar_cache()
    db.close()
