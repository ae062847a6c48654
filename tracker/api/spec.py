"""Describing API endpoints for /api/v1/openapi.json.

Decorate each API view with ``@documented(...)``; the OpenAPI builder walks the URL map and
reads these. Schemas are plain JSON-Schema dicts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def documented(summary: str, *, request: dict[str, Any] | None = None,
               response: dict[str, Any] | None = None, tags: tuple[str, ...] = (),
               query: dict[str, dict[str, Any]] | None = None, status: int = 200,
               description: str = "") -> Callable:
    """Attach OpenAPI facts to a view: request body schema, response schema, query params."""

    def decorator(fn: Callable) -> Callable:
        fn._api_doc = {
            "summary": summary, "request": request, "response": response, "tags": list(tags),
            "query": query or {}, "status": status, "description": description,
        }
        return fn

    return decorator


def obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def arr(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def page_of(items: dict[str, Any]) -> dict[str, Any]:
    return obj({"items": arr(items), "total": INT, "page": INT, "per_page": INT})


STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
DECISION = obj({"decision": {"type": "string", "enum": ["approve", "return", "reject"]}, "reason": STR},
               ["decision"])
