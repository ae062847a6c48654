"""The JSON API of shared/API.md (v1): thin views over the same services as the pages."""

from __future__ import annotations

import importlib

from flask import Blueprint

from tracker.core.security import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)

# Each module adds its routes to ``bp`` on import.
MODULES = ["auth", "items", "assignments", "handling", "replies", "closeout", "reminders", "ledger", "supervision",
           "openapi"]

for _name in MODULES:
    try:
        importlib.import_module(f"tracker.api.{_name}")
    except ModuleNotFoundError as exc:  # modules land one issue at a time
        if exc.name != f"tracker.api.{_name}":
            raise
