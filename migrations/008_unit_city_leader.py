"""Peewee migrations -- 008_unit_city_leader.py.

Each unit may name its city leader in charge (分管市领导): the red slip (DOMAIN.md §10, 10
working days overdue) goes to "the city leader in charge", the item's leading city leader when
it has one, else the unit's.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        "units",
        city_leader=pw.ForeignKeyField(column_name="city_leader_id", field="id", model=migrator.orm["users"],
                                       null=True, on_delete="SET NULL", index=False),
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("units", "city_leader")
