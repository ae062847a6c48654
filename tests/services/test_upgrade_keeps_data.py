"""`tracker db upgrade` on a database of the previous migration head keeps every row."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from peewee_migrate import Router

from tracker.core import clock
from tracker.core.db import make_database
from tracker.core.migrations import MIGRATIONS_DIR


def _migration_names() -> list[str]:
    return sorted(p.stem for p in MIGRATIONS_DIR.glob("0*.py"))


@pytest.fixture()
def scratch_db(tmp_path, database_url):
    if database_url.startswith("postgresql"):
        import psycopg2
        from psycopg2 import sql

        prefix, _, name = database_url.rpartition("/")
        scratch = f"{name}_upgrade"
        conn = psycopg2.connect(f"{prefix}/postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
        database = make_database(f"{prefix}/{scratch}")
        yield database
        database.close()
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
        conn.close()
    else:
        database = make_database(f"sqlite:///{tmp_path / 'previous.db'}")
        yield database
        database.close()


def test_upgrade_from_the_previous_head_keeps_all_rows(scratch_db):
    names = _migration_names()
    assert len(names) >= 2, "needs at least two migrations"
    previous_head = names[-2]
    router = Router(scratch_db, migrate_dir=str(MIGRATIONS_DIR))
    router.run(previous_head)
    assert [m for m in router.done] == names[:-1]

    from tracker.accounts.models import User
    from tracker.audit.models import AuditEntry
    from tracker.items.models import Item, Session, Submitter
    from tracker.units.models import Unit

    models = [Unit, User, Session, Item, Submitter, AuditEntry]
    now = clock.now()
    with scratch_db.bind_ctx(models):
        unit = Unit.create(name="市水务局", short_name="市水务局")
        user = User.create(username="office1", password_hash="x", name="督查室", role="office",
                           session_nonce="n", created_at=now)
        session = Session.create(body="npc", name="市十七届人大四次会议", year=2026, created_at=now)
        for n in range(1, 31):
            item = Item.create(kind="suggestion", session=session, number=str(n), title=f"关于第{n}项工作的建议",
                               registered_at=now, registered_by=user, updated_at=now,
                               received_on=dt.date(2026, 2, 1))
            Submitter.create(item=item, name=f"代表{n}", role="lead")
            AuditEntry.create(at=now, actor_id=user.id, actor_name="督查室", action="registered",
                              object_type="item", object_id=item.id, item_id=item.id, detail=f"登记第{n}号")
        # the columns each table has at the previous head (the last migration may add some)
        columns = {m: [m._meta.columns[c.name] for c in scratch_db.get_columns(m._meta.table_name)
                       if c.name in m._meta.columns] for m in models}
        before = {m.__name__: sorted(m.select(*columns[m]).tuples()) for m in models}
        assert unit.id and before["Item"]

    router = Router(scratch_db, migrate_dir=str(MIGRATIONS_DIR))
    assert router.diff == names[-1:]
    router.run()
    assert router.diff == []
    with scratch_db.bind_ctx(models):
        after = {m.__name__: sorted(m.select(*columns[m]).tuples()) for m in models}
    assert after == before


@pytest.mark.skipif(os.environ.get("TRACKER_TEST_BACKEND") == "postgresql", reason="SQLite file check")
def test_every_migration_can_be_applied_in_order_from_empty(tmp_path):
    database = make_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    router = Router(database, migrate_dir=str(MIGRATIONS_DIR))
    router.run()
    assert router.diff == []
    assert "items" in database.get_tables()
    database.close()
