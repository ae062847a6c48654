"""A database migrated from empty has exactly the models' tables, columns and indexes."""

from tracker.core import migrations
from tracker.core.db import db
from tracker.models import MODELS


def _model_columns(model):
    return {field.column_name for field in model._meta.sorted_fields}


def test_migrated_schema_matches_models(ctx):
    assert migrations.pending() == []
    # SQLite's own tables (sqlite_stat1, written by the planner-statistics job) are not the schema
    tables = {name for name in db.get_tables() if not name.startswith("sqlite_")}
    for model in MODELS:
        name = model._meta.table_name
        assert name in tables, f"table {name} missing from migrations"
        columns = {c.name for c in db.get_columns(name)}
        assert columns == _model_columns(model), f"columns differ for {name}"
    expected = {m._meta.table_name for m in MODELS} | {"migratehistory"}
    assert tables == expected


def test_migrated_indexes_cover_model_indexes(ctx):
    for model in MODELS:
        name = model._meta.table_name
        actual = {tuple(i.columns): i.unique for i in db.get_indexes(name)}
        for index in model._meta.fields_to_index():
            cols = tuple(f.column_name for f in index._expressions) if hasattr(index, "_expressions") else None
            if cols:
                assert cols in actual, f"index {cols} missing on {name}"
                assert actual[cols] == index._unique, f"index {cols} uniqueness differs on {name}"


def test_nullability_matches(ctx):
    for model in MODELS:
        name = model._meta.table_name
        actual = {c.name: c.null for c in db.get_columns(name)}
        for field in model._meta.sorted_fields:
            if field.primary_key:
                continue
            assert actual[field.column_name] == field.null, f"{name}.{field.column_name} nullability differs"


def test_no_index_repeats_the_start_of_another(ctx):
    """A non-unique index whose columns begin another index on the same table only costs writes
    (migration 006 dropped seventeen); a search on its columns uses the longer one."""
    repeated = []
    for model in MODELS:
        name = model._meta.table_name
        indexes = [(i.name, tuple(i.columns), i.unique) for i in db.get_indexes(name)]
        for index_name, columns, unique in indexes:
            if unique:
                continue
            for other_name, other_columns, _ in indexes:
                if other_name != index_name and other_columns[:len(columns)] == columns \
                        and len(other_columns) > len(columns):
                    repeated.append(f"{name}: {index_name} {columns} begins {other_name} {other_columns}")
    assert repeated == []
