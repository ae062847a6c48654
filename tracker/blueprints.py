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
    "tracker.replies.closeout_views",
    "tracker.items.import_views",
    "tracker.ledger.stats_views",
    "tracker.reminders.views",
    "tracker.ledger.views",
    "tracker.assessment.views",
    "tracker.admin.views",
    "tracker.documents.views",
    "tracker.supervision.views",
]


def _register(app: Flask, module_name: str) -> None:
    from tracker.core.plugins import optional_module

    module = optional_module(module_name)
    if module is not None:
        app.register_blueprint(module.bp)
