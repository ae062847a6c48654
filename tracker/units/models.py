from __future__ import annotations

import peewee as pw

from tracker.core.db import BaseModel


class Unit(BaseModel):
    """承办单位: a department or a district that handles items."""

    name = pw.CharField(max_length=200, unique=True)
    short_name = pw.CharField(max_length=50, default="")
    category = pw.CharField(max_length=20, default="department")  # department / district / other
    active = pw.BooleanField(default=True)
    sort_order = pw.IntegerField(default=0)
    # 分管市领导: the city leader in charge of the unit, who gets its red slips (DOMAIN.md §10)
    # unless the item has a leading city leader of its own (deferred: accounts imports units)
    city_leader = pw.DeferredForeignKey("User", null=True, on_delete="SET NULL", index=False,
                                        column_name="city_leader_id", backref="units_in_charge")

    class Meta:
        table_name = "units"

    @classmethod
    def active_ordered(cls):
        return cls.select().where(cls.active == True).order_by(cls.sort_order, cls.id)  # noqa: E712

    @property
    def display(self) -> str:
        return self.name
