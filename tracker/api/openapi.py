"""GET /api/v1/openapi.json: an OpenAPI 3.1 document built from the app's URL map.

Every rule of the ``api`` blueprint becomes an operation: its methods, its path parameters (from
the rule's converters), and the ``@documented(...)`` facts of the view (tracker/api/spec.py):
summary, description, tags, query parameters, request and response schemas, success status.
Views wrapped by ``api_login_required`` are marked as needing the bearer token. Modules added
later are picked up automatically; an undocumented view still appears (marked
``x-undocumented``). A view may add error statuses with an ``_api_errors`` attribute.

Schemas of ``tracker.api.serializers.SCHEMAS`` become named components, referenced by ``$ref``;
list answers reference the ``Page`` component, errors the ``Error`` component.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, jsonify, request

from tracker.api import bp
from tracker.api.spec import INT, documented, obj

API_PREFIX = "/api/v1"
BLUEPRINT = "api"
SKIP_METHODS = {"HEAD", "OPTIONS"}
RULE_ARG = re.compile(r"<(?:(?P<conv>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<args>[^)]*)\))?:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")
CONVERTER_SCHEMAS = {
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "uuid": {"type": "string", "format": "uuid"},
    "path": {"type": "string"},
    "string": {"type": "string"},
    "default": {"type": "string"},
    "any": {"type": "string"},
}
PAGE_KEYS = {"items", "total", "page", "per_page"}

ERROR_SCHEMA = obj({
    "error": obj({
        "code": {"type": "string", "description": "snake_case 错误代码，如 validation_failed、stale_version"},
        "message": {"type": "string", "description": "中文说明"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "字段名 → 中文说明（422 时）"},
        "details": {"type": "array", "items": {}},
    }, ["code", "message", "fields"]),
}, ["error"])
PAGE_SCHEMA = obj({
    "items": {"type": "array", "items": {}},
    "total": {"type": "integer", "minimum": 0},
    "page": {"type": "integer", "minimum": 1},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 500},
}, ["items", "total", "page", "per_page"])

ERRORS: dict[int, tuple[str, str, str, str]] = {
    400: ("BadRequest", "请求体不是有效的 JSON", "malformed_json", "请求体不是有效的 JSON"),
    401: ("Unauthorized", "缺少、无效、过期或已撤销的访问令牌", "unauthorized", "访问令牌无效、已过期或已撤销"),
    403: ("Forbidden", "当前角色不能执行此操作", "forbidden", "您没有权限执行此操作"),
    404: ("NotFound", "记录不存在或无权查看（例如其他单位的任务）", "not_found", "未找到该记录，或您无权查看"),
    409: ("Conflict", "与当前状态冲突，或 version 已过期", "stale_version", "该记录已被他人修改，请刷新后重试"),
    422: ("ValidationFailed", "提交的内容有误；fields 给出各字段的说明", "validation_failed", "缺少必填字段：title"),
}


def _component_name(key: str) -> str:
    return "".join(part.capitalize() for part in key.lower().split("_"))


class _Builder:
    def __init__(self) -> None:
        from tracker.api.serializers import SCHEMAS

        self.named = {id(schema): _component_name(key) for key, schema in SCHEMAS.items()}
        self.components: dict[str, Any] = {"Error": ERROR_SCHEMA, "Page": PAGE_SCHEMA}
        for key, schema in SCHEMAS.items():
            self.components[_component_name(key)] = self.schema(schema, top=True)
        self.tags: set[str] = set()

    def schema(self, schema: Any, *, top: bool = False) -> Any:
        """Copy a schema, replacing known schemas by ``$ref`` and pages by the Page component."""
        if isinstance(schema, dict):
            if not top and id(schema) in self.named:
                return {"$ref": f"#/components/schemas/{self.named[id(schema)]}"}
            props = schema.get("properties")
            if not top and isinstance(props, dict) and set(props) == PAGE_KEYS:
                return {"allOf": [{"$ref": "#/components/schemas/Page"},
                                  {"type": "object", "properties": {"items": self.schema(props["items"])}}]}
            return {k: self.schema(v) for k, v in schema.items()}
        if isinstance(schema, list):
            return [self.schema(v) for v in schema]
        return copy.copy(schema)


def _unwrap(view: Callable) -> list[Callable]:
    chain = []
    while view is not None and view not in chain:
        chain.append(view)
        view = getattr(view, "__wrapped__", None)
    return chain


def _attr(view: Callable, name: str) -> Any:
    for fn in _unwrap(view):
        value = getattr(fn, name, None)
        if value is not None:
            return value
    return None


def _path_and_params(rule_text: str) -> tuple[str, list[dict]]:
    params = []

    def repl(match: re.Match) -> str:
        conv = match.group("conv") or "default"
        params.append({"name": match.group("name"), "in": "path", "required": True,
                       "schema": dict(CONVERTER_SCHEMAS.get(conv, {"type": "string"}))})
        return "{" + match.group("name") + "}"

    path = RULE_ARG.sub(repl, rule_text)
    if path.startswith(API_PREFIX):
        path = path[len(API_PREFIX):] or "/"
    return path, params


def _error_statuses(method: str, *, auth: bool, has_path_params: bool, has_body: bool,
                    has_query: bool, extra: tuple[int, ...]) -> list[int]:
    statuses = set(extra)
    if auth:
        statuses |= {401, 403}
    if has_path_params:
        statuses.add(404)
    if method in {"POST", "PUT", "PATCH"} or has_body:
        statuses |= {400, 422}
    if method in {"POST", "PUT", "PATCH"} and auth:
        statuses.add(409)
    if has_query:
        statuses.add(422)
    return sorted(statuses)


def _operation(builder: _Builder, rule: Any, method: str, view: Callable, path_params: list[dict],
               multi_method: bool) -> dict[str, Any]:
    doc = _attr(view, "_api_doc") or {}
    auth = bool(_attr(view, "_api_auth"))
    module = (getattr(_unwrap(view)[-1], "__module__", "") or "").rsplit(".", 1)[-1]
    summary = doc.get("summary") or ((_unwrap(view)[-1].__doc__ or "").strip().splitlines() or [""])[0]
    endpoint = rule.endpoint.split(".", 1)[-1]
    tags = list(doc.get("tags") or [module or "api"])
    builder.tags.update(tags)
    op: dict[str, Any] = {
        "operationId": f"{endpoint}_{method.lower()}" if multi_method else endpoint,
        "summary": summary or endpoint,
        "tags": tags,
    }
    if doc.get("description"):
        op["description"] = doc["description"]
    if not doc:
        op["x-undocumented"] = True
    parameters = [dict(p) for p in path_params]
    query = dict(doc.get("query") or {})
    response = doc.get("response")
    is_page = isinstance(response, dict) and set(response.get("properties") or {}) == PAGE_KEYS
    for name, schema in query.items():
        schema = dict(schema)
        param = {"name": name, "in": "query", "required": False}
        if "description" in schema:
            param["description"] = schema.pop("description")
        param["schema"] = builder.schema(schema)
        parameters.append(param)
    if is_page:
        names = {p["name"] for p in parameters}
        parameters += [{"$ref": f"#/components/parameters/{n}"} for n in ("page", "per_page")
                       if n not in names]
    if parameters:
        op["parameters"] = parameters
    if doc.get("request") and method in {"POST", "PUT", "PATCH", "DELETE"}:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": builder.schema(doc["request"])}}}
    status = int(doc.get("status") or 200)
    if status == 204:
        ok: dict[str, Any] = {"description": "成功，无内容"}
    else:
        schema = builder.schema(response) if response else {"type": "object"}
        ok = {"description": "成功", "content": {"application/json": {"schema": schema}}}
    responses: dict[str, Any] = {str(status): ok}
    for code in _error_statuses(method, auth=auth, has_path_params=bool(path_params),
                                has_body=bool(doc.get("request")), has_query=bool(query) or is_page,
                                extra=tuple(_attr(view, "_api_errors") or ())):
        if code in ERRORS:
            responses[str(code)] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
        else:
            responses[str(code)] = {"description": "错误", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}
    op["responses"] = responses
    op["security"] = [{"bearerAuth": []}] if auth else []
    return op


def build_spec(app: Flask, server_url: str = API_PREFIX) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route of the api blueprint registered in ``app``."""
    builder = _Builder()
    paths: dict[str, dict[str, Any]] = {}
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint.startswith(BLUEPRINT + ".")),
                   key=lambda r: r.rule)
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        path, params = _path_and_params(rule.rule)
        methods = sorted(m for m in (rule.methods or ()) if m not in SKIP_METHODS)
        entry = paths.setdefault(path, {})
        for method in methods:
            entry[method.lower()] = _operation(builder, rule, method, view, params, len(methods) > 1)
    responses = {}
    for status, (name, description, code, message) in ERRORS.items():
        responses[name] = {
            "description": f"{status}：{description}",
            "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "example": {"error": {"code": code, "message": message,
                                      "fields": {"title": "此项为必填项"} if status == 422 else {}}},
            }},
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tracker 建议提案办理系统 API",
            "version": "1.0.0",
            "description": (
                "建议提案办理系统的 JSON 接口（v1）。先用 POST /token 换取令牌，之后以 "
                "`Authorization: Bearer <token>` 访问。日期为 YYYY-MM-DD（北京时间的本地日期），"
                "时间为带时区的 ISO 8601。错误统一为 `{\"error\": {\"code\", \"message\", \"fields\"}}`："
                "400 JSON 格式错误，401 未登录或令牌无效，403 角色无权，404 不存在或无权查看，"
                "409 状态冲突或 version 过期，422 校验失败。失败的请求不会改变任何数据。"
                "列表支持 ?page=1&per_page=50（最大 500）。"
            ),
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": t} for t in sorted(builder.tags)],
        "paths": paths,
        "components": {
            "schemas": builder.components,
            "responses": responses,
            "parameters": {
                "page": {"name": "page", "in": "query", "required": False,
                         "description": "页码，从 1 开始", "schema": {**INT, "minimum": 1, "default": 1}},
                "per_page": {"name": "per_page", "in": "query", "required": False,
                             "description": "每页条数，最大 500",
                             "schema": {**INT, "minimum": 1, "maximum": 500, "default": 50}},
            },
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "POST /token 取得的访问令牌"},
            },
        },
    }


@bp.get("/openapi.json")
@documented("OpenAPI 文档", tags=("meta",), response={"type": "object"},
            description="本接口的 OpenAPI 3.1 描述，无需令牌。")
def openapi():
    return jsonify(build_spec(current_app, request.script_root + API_PREFIX))
