"""Structured logs (one JSON object a line) with a request id on every line of a request."""

from __future__ import annotations

import json
import logging
import secrets
import time

from flask import Flask, g, has_request_context, request


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if has_request_context():
            data["request_id"] = getattr(g, "request_id", None)
            data["path"] = request.path
            data["method"] = request.method
        for key in ("status", "duration_ms", "user_id"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def init_app(app: Flask) -> None:
    logger = logging.getLogger("tracker")
    if app.config.get("LOG_JSON") and not logger.handlers and not app.testing:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def _request_id() -> None:
        g.request_id = request.headers.get("X-Request-Id") or secrets.token_hex(8)
        g.started = time.perf_counter()

    @app.after_request
    def _log(response):
        rid = getattr(g, "request_id", None)
        if rid:
            response.headers["X-Request-Id"] = rid
        if not request.path.startswith("/static"):
            started = getattr(g, "started", None)
            duration = round((time.perf_counter() - started) * 1000, 1) if started else None
            logger.info(
                "request",
                extra={"status": response.status_code, "duration_ms": duration},
            )
        return response
