"""GET /api/v1/openapi.json: OpenAPI 3.1 built from the URL map — every API route is in it,
every reference resolves, and real answers match the schemas it publishes."""

from __future__ import annotations

import datetime as dt
import json
import re
from types import SimpleNamespace

import pytest
from flask import Blueprint, Flask, jsonify

from tracker.api.openapi import API_PREFIX, build_spec
from tracker.api.spec import STR, documented, obj, page_of
from tracker.core import clock

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture()
def doc(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def _api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        assert path.startswith(API_PREFIX)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path[len(API_PREFIX):], method.lower()))
    return routes


def _resolve(doc: dict, ref: str) -> dict:
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _refs(node, found=None) -> list[str]:
    found = [] if found is None else found
    if isinstance(node, dict):
        if "$ref" in node:
            found.append(node["$ref"])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "object": dict,
         "array": list, "null": type(None)}


def conforms(doc: dict, schema: dict, value, path: str = "$") -> list[str]:
    """The ways ``value`` breaks ``schema`` (the JSON-Schema subset the document uses)."""
    if "$ref" in schema:
        return conforms(doc, _resolve(doc, schema["$ref"]), value, path)
    problems = []
    for part in schema.get("allOf", []):
        problems += conforms(doc, part, value, path)
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        ok = any(isinstance(value, TYPES[k]) and not (k in ("integer", "number") and isinstance(value, bool))
                 for k in kinds)
        if not ok:
            return [f"{path}: {value!r} is not {kinds}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, str) and schema.get("format") == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            problems.append(f"{path}: {value!r} is not a date")
    if isinstance(value, str) and schema.get("format") == "date-time":
        try:
            assert dt.datetime.fromisoformat(value).utcoffset() is not None
        except (ValueError, AssertionError):
            problems.append(f"{path}: {value!r} is not a date-time with offset")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                problems.append(f"{path}: missing {name}")
        props = schema.get("properties", {})
        for name, sub in value.items():
            if name in props:
                problems += conforms(doc, props[name], sub, f"{path}.{name}")
            elif isinstance(schema.get("additionalProperties"), dict):
                problems += conforms(doc, schema["additionalProperties"], sub, f"{path}.{name}")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, sub in enumerate(value):
            problems += conforms(doc, schema["items"], sub, f"{path}[{i}]")
    return problems


def check(doc: dict, path: str, method: str, response) -> None:
    op = doc["paths"][path][method]
    entry = op["responses"].get(str(response.status_code))
    assert entry is not None, f"{method.upper()} {path} answered {response.status_code}, not documented"
    if "$ref" in entry:
        entry = _resolve(doc, entry["$ref"])
    if "content" not in entry:
        assert not response.get_data()
        return
    schema = entry["content"]["application/json"]["schema"]
    problems = conforms(doc, schema, response.get_json())
    assert problems == [], problems[:10]


# --- the document ----------------------------------------------------------------------------


def test_document_is_openapi_3_1_without_a_token(doc):
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["servers"] == [{"url": "/api/v1"}]
    components = doc["components"]
    assert components["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "POST /token 取得的访问令牌"}
    assert components["schemas"]["Error"]["required"] == ["error"]
    assert set(components["schemas"]["Error"]["properties"]["error"]["properties"]) >= {
        "code", "message", "fields"}
    assert set(components["schemas"]["Page"]["properties"]) == {"items", "total", "page", "per_page"}
    assert components["parameters"]["per_page"]["schema"]["maximum"] == 500
    json.dumps(doc)  # plain JSON throughout


def test_every_api_route_of_the_app_is_in_the_document(app, doc):
    documented_ops = {(path, method) for path, ops in doc["paths"].items() for method in ops
                      if method in METHODS}
    assert documented_ops == _api_routes(app)
    for required in [("/token", "post"), ("/token", "delete"), ("/me", "get"), ("/units", "get"),
                     ("/users", "get"), ("/sessions", "get"), ("/sessions", "post"), ("/items", "get"),
                     ("/items", "post"), ("/items/{item_id}", "get"), ("/items/{item_id}", "patch"),
                     ("/items/{item_id}/assignments", "post"),
                     ("/assignments/{assignment_id}/receive", "post"),
                     ("/assignments/{assignment_id}/return-request", "post"),
                     ("/return-requests/{request_id}/decision", "post"), ("/openapi.json", "get")]:
        assert required in documented_ops


def test_references_parameters_and_security_are_consistent(doc):
    for ref in _refs(doc):
        _resolve(doc, ref)
    operation_ids = []
    for path, ops in doc["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for method, op in ops.items():
            operation_ids.append(op["operationId"])
            params = [p if "$ref" not in p else _resolve(doc, p["$ref"]) for p in op.get("parameters", [])]
            assert {p["name"] for p in params if p["in"] == "path"} == names, (path, method)
            assert all(p["required"] for p in params if p["in"] == "path")
            assert op["responses"], (path, method)
            assert op["summary"]
            public = (path, method) in {("/token", "post"), ("/openapi.json", "get")}
            assert op["security"] == ([] if public else [{"bearerAuth": []}]), (path, method)
            if not public:
                assert op["responses"]["401"] == {"$ref": "#/components/responses/Unauthorized"}
    assert len(operation_ids) == len(set(operation_ids))


def test_documented_facts_of_the_views(doc):
    create = doc["paths"]["/items"]["post"]
    assert "201" in create["responses"] and "200" not in create["responses"]
    body = _resolve(doc, create["requestBody"]["content"]["application/json"]["schema"]["$ref"])
    assert set(body["required"]) == {"kind", "session_id", "number", "title", "submitters"}
    assert body["properties"]["kind"]["enum"][:2] == ["suggestion", "proposal"]
    assert {"400", "401", "403", "409", "422"} <= set(create["responses"])
    listing = doc["paths"]["/items"]["get"]
    names = {p.get("name") or p["$ref"].rsplit("/", 1)[-1] for p in listing["parameters"]}
    assert names == {"session_id", "kind", "status", "tier", "unit_id", "overdue", "due_within_days", "q",
                     "page", "per_page"}
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert page["allOf"][0] == {"$ref": "#/components/schemas/Page"}
    assert "version" in doc["paths"]["/items/{item_id}"]["patch"]["description"]
    detail = doc["components"]["schemas"]["ItemDetail"]
    assert {"status", "version", "submitters", "assignments", "feedback", "timeline"} <= set(detail["required"])
    assignment = doc["components"]["schemas"]["Assignment"]
    for key in ("receipt_due", "return_due", "first_contact_due", "co_opinion_due", "reply_due",
                "reply_due_max", "deadline_explanations", "replies"):
        assert key in assignment["properties"]
    assert doc["paths"]["/items/{item_id}"]["get"]["responses"]["404"] == {
        "$ref": "#/components/responses/NotFound"}


def test_the_builder_picks_up_routes_of_any_module():
    """A module added later (undocumented or not) appears without touching the builder."""
    app = Flask("probe")
    bp = Blueprint("api", "probe")

    @bp.get("/widgets/<int:widget_id>/parts/<slug>")
    @documented("零件", tags=("widgets",), response=page_of(obj({"name": STR})), query={"q": STR})
    def parts(widget_id, slug):
        return jsonify({})

    @bp.post("/widgets")
    def make_widget():
        """造一个零件。"""
        return jsonify({}), 201

    app.register_blueprint(bp, url_prefix=API_PREFIX)
    spec = build_spec(app)
    op = spec["paths"]["/widgets/{widget_id}/parts/{slug}"]["get"]
    assert op["summary"] == "零件" and op["tags"] == ["widgets"] and op["security"] == []
    params = {p.get("name"): p for p in op["parameters"]}
    assert params["widget_id"]["schema"] == {"type": "integer"} and params["slug"]["schema"] == {"type": "string"}
    assert "q" in params and {"$ref": "#/components/parameters/page"} in op["parameters"]
    undocumented = spec["paths"]["/widgets"]["post"]
    assert undocumented["x-undocumented"] is True and undocumented["summary"] == "造一个零件。"


# --- real answers match the published schemas -------------------------------------------------


def test_answers_match_the_schemas(app, doc, api, f, client):
    housing, transport = f.unit("市住房和城乡建设局", "市住建局"), f.unit("市交通运输局")
    w = SimpleNamespace(office=f.user("office"), handler=f.user("unit_handler", housing),
                        co_handler=f.user("unit_handler", transport), admin=f.user("admin"))
    office, handler = api(w.office), api(w.handler)
    session = office.post("/sessions", json={"body": "npc", "name": "市十七届人大四次会议", "year": 2026})
    check(doc, "/sessions", "post", session)
    check(doc, "/sessions", "get", office.get("/sessions"))
    check(doc, "/units", "get", office.get("/units"))
    check(doc, "/users", "get", api(w.admin).get("/users"))
    check(doc, "/me", "get", handler.get("/me"))
    created = office.post("/items", json={
        "kind": "suggestion", "session_id": session.get_json()["id"], "number": "1", "title": "关于公交优化的建议",
        "submitters": [{"name": "张代表", "role": "lead"}, {"name": "李代表", "role": "co"}]})
    check(doc, "/items", "post", created)
    item_id = created.get_json()["id"]
    check(doc, "/items/{item_id}", "patch", office.patch(f"/items/{item_id}", json={"version": 1, "is_key": True}))
    lead = office.post(f"/items/{item_id}/assignments", json={
        "unit_id": housing.id, "role": "lead", "task": "办理", "responsible_leader": "王副局长",
        "handler_user_id": w.handler.id})
    check(doc, "/items/{item_id}/assignments", "post", lead)
    co = office.post(f"/items/{item_id}/assignments", json={
        "unit_id": transport.id, "role": "co", "task": "会办", "responsible_leader": "陈副局长",
        "handler_user_id": w.co_handler.id})
    check(doc, "/items/{item_id}/assignments", "post", co)
    lead_id = lead.get_json()["id"]
    check(doc, "/assignments/{assignment_id}", "get", handler.get(f"/assignments/{lead_id}"))
    check(doc, "/assignments/{assignment_id}/receive", "post", handler.post(f"/assignments/{lead_id}/receive"))
    co_id = co.get_json()["id"]
    request = api(w.co_handler).post(f"/assignments/{co_id}/return-request", json={"reason": "非本单位职责"})
    check(doc, "/assignments/{assignment_id}/return-request", "post", request)
    check(doc, "/return-requests", "get", office.get("/return-requests"))
    decision = office.post(f"/return-requests/{request.get_json()['id']}/decision", json={"decision": "approve"})
    check(doc, "/return-requests/{request_id}/decision", "post", decision)
    from tracker.assignments.models import Assignment
    from tracker.replies.models import Commitment, Reply

    now = clock.now()
    reply = Reply.create(assignment=lead_id, status="sent", result_class="A", text="已解决", created_by=w.handler,
                         created_at=now, updated_at=now, sent_at=now, sent_on=clock.today())
    Commitment.create(reply=reply, assignment=Assignment.get_by_id(lead_id), text="年底前完工",
                      due_on=dt.date(2026, 12, 31))
    detail = office.get(f"/items/{item_id}")
    check(doc, "/items/{item_id}", "get", detail)
    assert detail.get_json()["assignments"][0]["replies"][0]["commitments"][0]["due_date"] == "2026-12-31"
    check(doc, "/items", "get", office.get("/items"))
    # errors match the Error component
    check(doc, "/items", "post", office.post("/items", data="{", headers={"Content-Type": "application/json"}))
    check(doc, "/items", "post", office.post("/items", json={}))
    check(doc, "/items/{item_id}", "get", api(w.co_handler).get("/items/99999"))
    check(doc, "/items/{item_id}", "patch", office.patch(f"/items/{item_id}", json={"version": 1}))
    check(doc, "/items", "get", client.get("/api/v1/items"))
    check(doc, "/users", "get", handler.get("/users"))
    check(doc, "/token", "post", client.post("/api/v1/token", json={"username": "nobody", "password": "x"}))
    check(doc, "/token", "delete", handler.delete("/token"))
