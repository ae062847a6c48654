from __future__ import annotations

from flask import Blueprint, jsonify

from tracker.core.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.connect(reuse_if_open=True)
        db.execute_sql("SELECT 1").fetchone()
    except Exception as exc:  # noqa: BLE001 - any database failure is "unhealthy"
        return jsonify({"status": "error", "database": "unavailable", "detail": type(exc).__name__}), 503
    return jsonify({"status": "ok", "database": "ok"})
