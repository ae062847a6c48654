"""Applying the numbered migrations in migrations/ (peewee-migrate)."""

from __future__ import annotations

import logging

from peewee_migrate import Router

from tracker import ROOT
from tracker.core.db import db

MIGRATIONS_DIR = ROOT / "migrations"


def router() -> Router:
    return Router(db.obj, migrate_dir=str(MIGRATIONS_DIR), logger=logging.getLogger("peewee_migrate"))


def upgrade() -> list[str]:
    """Apply every pending migration, each in its own transaction; return their names."""
    r = router()
    pending = list(r.diff)
    r.run()
    return pending


def pending() -> list[str]:
    return list(router().diff)
