"""Tracker 建议提案办理系统: the app factory is the only place the app is assembled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    from config import Config

    app.config.from_object(Config)
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'tracker.db'}"
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = str(Path(app.instance_path) / "uploads")

    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    from tracker.core import logging as tracker_logging
    from tracker.core import security, templating, web
    from tracker.core.db import init_app as init_db_app

    tracker_logging.init_app(app)
    init_db_app(app)
    security.init_app(app)
    templating.init_app(app)
    web.init_app(app)

    from tracker import blueprints

    blueprints.init_app(app)

    from tracker.rules.services import start_memo

    app.before_request(start_memo)  # a page reads the settings and rule profiles once

    from tracker import commands

    commands.init_app(app)
    return app
