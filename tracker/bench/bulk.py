"""Writing many rows fast: buffered per table, flushed in chunks inside transactions.

Rows are plain tuples already in the form the database stores (naive UTC datetimes, dates,
JSON as text), in the column order given when the table is registered. SQLite gets one
prepared ``INSERT`` run with ``executemany`` per chunk; PostgreSQL gets ``COPY … FROM STDIN``
(CSV). Both are one to two orders of magnitude faster than building an ``INSERT`` per row
through the ORM, which matters when a benchmark seeds several million rows.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

import peewee as pw

from tracker.core.db import db, is_postgres

CHUNK = 5000
NULL = "\\N"


def dumps(value: Any) -> str | None:
    """JSON exactly as :class:`tracker.core.db.JSONField` stores it."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class Table:
    def __init__(self, model: type[pw.Model], columns: Sequence[str]):
        self.model = model
        self.name = model._meta.table_name
        self.columns = [model._meta.fields[c].column_name for c in columns]
        self.rows: list[tuple] = []
        self.next_id = 1


class BulkWriter:
    """Buffers rows per model; :meth:`flush` writes every buffer in dependency order."""

    def __init__(self, order: Sequence[type[pw.Model]]):
        self.order = list(order)
        self.tables: dict[type[pw.Model], Table] = {}
        self.counts: Counter[str] = Counter()

    def register(self, model: type[pw.Model], columns: Sequence[str]) -> Table:
        table = Table(model, columns)
        if "id" in columns:
            found = model.select(pw.fn.MAX(model.id)).scalar()
            table.next_id = (found or 0) + 1
        self.tables[model] = table
        return table

    def new_id(self, model: type[pw.Model]) -> int:
        table = self.tables[model]
        value = table.next_id
        table.next_id += 1
        return value

    def add(self, model: type[pw.Model], row: tuple) -> None:
        self.tables[model].rows.append(row)

    def pending(self) -> int:
        return sum(len(t.rows) for t in self.tables.values())

    def flush(self) -> None:
        for model in self.order:
            table = self.tables.get(model)
            if table is None or not table.rows:
                continue
            rows, table.rows = table.rows, []
            with db.atomic():
                for start in range(0, len(rows), CHUNK):
                    write_rows(table.name, table.columns, rows[start:start + CHUNK])
            self.counts[table.name] += len(rows)


def write_rows(table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    cols = ", ".join(f'"{c}"' for c in columns)
    if is_postgres():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for row in rows:
            writer.writerow([NULL if v is None else v for v in row])
        buffer.seek(0)
        cursor = db.cursor()
        cursor.copy_expert(f'COPY "{table}" ({cols}) FROM STDIN WITH (FORMAT csv, NULL \'{NULL}\')', buffer)
        return
    marks = ", ".join("?" for _ in columns)
    db.cursor().executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)  # noqa: S608


def reset_sequences(models: Sequence[type[pw.Model]]) -> None:
    """PostgreSQL: move each serial id sequence past the ids written explicitly."""
    if not is_postgres():
        return
    for model in models:
        pk = model._meta.primary_key
        if not isinstance(pk, pw.AutoField):
            continue
        table = model._meta.table_name
        db.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
            f"GREATEST((SELECT MAX(id) FROM \"{table}\"), 1))"
        )
