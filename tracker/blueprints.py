"""Every blueprint, registered in one place."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from tracker.accounts.views import bp as accounts
    from tracker.api import bp as api
    from tracker.core.health import bp as health

    app.register_blueprint(health)
    app.register_blueprint(accounts)
    app.register_blueprint(api, url_prefix="/api/v1")
    for module in OPTIONAL:
        _register(app, module)


# Domain page blueprints; each module exposes ``bp``.
OPTIONAL = [
    "tracker.items.views",
    "tracker.assignments.views",
    "tracker.handling.views",
    "tracker.replies.views",
    "tracker.reminders.views",
    "tracker.ledger.views",
    "tracker.assessment.views",
    "tracker.admin.views",
]


def _register(app: Flask, module_name: str) -> None:
    import importlib
    import importlib.util

    if importlib.util.find_spec(module_name) is None:
        return
    module = importlib.import_module(module_name)
    app.register_blueprint(module.bp)
