"""Runs every route of the URL map as every subject of the security world.

Each request runs inside a database transaction that is rolled back afterwards, so every
request meets the same world (a POST that succeeds does not change what the next one sees).
For refused requests (login / forbidden / hidden / refused) the whole database is compared
before and after: a refused request must change nothing.
"""

from __future__ import annotations

import hashlib
import io
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask
from peewee import CompositeKey
from werkzeug.routing import Rule

from tests.security import permission_matrix as table
from tests.security.world import SUBJECTS_WITH_OBJECT, SUBJECTS_WITHOUT_OBJECT, World, login, token_for
from tracker.core.db import db
from tracker.models import MODELS

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


def _flashed_error(client) -> bool:
    """Whether the page put a red (danger) message in the session for the next page."""
    with client.session_transaction() as session:
        return any(category == "danger" for category, _message in session.get("_flashes", []))


def classify(status: int, location: str | None) -> str:
    if status == 401:
        return "login"
    if status in (301, 302, 303, 307, 308):
        if location is not None and urlsplit(location).path == "/login":
            return "login"
        return "ok"
    if 200 <= status < 300:
        return "ok"
    return {400: "bad_request", 403: "forbidden", 404: "hidden", 405: "method", 409: "refused",
            413: "too_large", 422: "refused", 429: "throttled"}.get(status, f"error_{status}")


def fingerprint() -> str:
    """A digest of every row of every table."""
    digest = hashlib.sha256()
    for model in MODELS:
        name = model._meta.table_name
        pk = model._meta.primary_key
        order = f' ORDER BY "{pk.column_name}"' if pk is not None and not isinstance(pk, CompositeKey) else ""
        digest.update(name.encode())
        for row in db.execute_sql(f'SELECT * FROM "{name}"{order}').fetchall():  # noqa: S608
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def routes(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def methods_of(rule: Rule) -> list[str]:
    return [m for m in METHODS if m in (rule.methods or set())]


def is_api(rule: Rule) -> bool:
    return rule.rule.startswith("/api/")


def has_object(rule: Rule) -> bool:
    return bool(rule.arguments)


def subjects_for(rule: Rule) -> tuple[str, ...]:
    return SUBJECTS_WITH_OBJECT if has_object(rule) else SUBJECTS_WITHOUT_OBJECT


def url_for_rule(rule: Rule, world: World) -> str:
    values = {}
    for arg in sorted(rule.arguments):
        key = table.object_for(rule.endpoint, arg)
        if key not in world.ids and key in table.LITERAL_ARGUMENTS:
            values[arg] = table.LITERAL_ARGUMENTS[key]
        else:
            values[arg] = world.ids[key]
    built = rule.build(values, append_unknown=False)
    assert built is not None, rule.rule
    query = table.QUERIES.get(rule.endpoint)
    return built[1] + ("?" + table.fill(query, world.ids) if query else "")


@dataclass
class Observation:
    endpoint: str
    method: str
    subject: str
    url: str
    status: int
    answer: str
    changed: bool
    body: str
    seconds: float = 0.0
    headers: dict | None = None
    content: bytes = b""
    mimetype: str = ""


class Runner:
    def __init__(self, app: Flask, world: World):
        self.app = app
        self.world = world
        self.cookies: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        for subject, user in world.users.items():
            client = app.test_client()
            login(client, user)
            cookie = client.get_cookie("session")
            assert cookie is not None
            self.cookies[subject] = cookie.value
            self.tokens[subject] = token_for(user)
        # Every request is rolled back, so each one starts from this very database.
        db.connect(reuse_if_open=True)
        self.baseline = fingerprint()
        db.close()

    def _key(self, subject: str) -> str | None:
        if subject == "anon":
            return None
        from tests.security.world import ALIASES

        return ALIASES.get(subject, subject)

    def request(self, rule: Rule, method: str, subject: str, keep: bool = False,
                raw_body: tuple[bytes, str] | None = None) -> Observation:
        """One request in a transaction that is rolled back; ``keep`` keeps the whole answer;
        ``raw_body`` (bytes, content type) replaces the table's body."""
        url = url_for_rule(rule, self.world)
        client = self.app.test_client()
        key = self._key(subject)
        headers = {}
        kwargs: dict = {}
        api = is_api(rule)
        if api and key is not None:
            headers["Authorization"] = f"Bearer {self.tokens[key]}"
        if not api and key is not None:
            client.set_cookie("session", self.cookies[key])
        if raw_body is not None:
            kwargs["data"], kwargs["content_type"] = raw_body
        elif method in ("POST", "PATCH", "PUT"):
            body = (table.API_BODIES if api else table.FORM_BODIES).get(rule.endpoint, {})
            if isinstance(body, table.Multipart):
                kwargs["data"] = {k: (io.BytesIO(v[0]), v[1]) for k, v in body.fields.items()}
                kwargs["content_type"] = "multipart/form-data"
            elif api:
                kwargs["json"] = table.fill(body, self.world.ids)
            else:
                kwargs["data"] = table.fill(body, self.world.ids)
        db.connect(reuse_if_open=True)
        with db.atomic() as txn:
            started = time.perf_counter()
            response = client.open(url, method=method, headers=headers, **kwargs)
            answer = classify(response.status_code, response.headers.get("Location"))
            if answer == "ok" and not api and 300 <= response.status_code < 400 and _flashed_error(client):
                answer = "flash"
            elapsed = time.perf_counter() - started
            changed = fingerprint() != self.baseline
            content = response.get_data()
            body = content[:300].decode("utf-8", "replace")
            response.close()
            txn.rollback()
        observation = Observation(rule.endpoint, method, subject, url, response.status_code, answer, changed, body,
                                  elapsed)
        if keep:
            observation.headers = dict(response.headers)
            observation.content = content
            observation.mimetype = response.mimetype
        return observation

    def run(self, rules: list[Rule]) -> list[Observation]:
        out = []
        for rule in rules:
            for method in methods_of(rule):
                for subject in subjects_for(rule):
                    out.append(self.request(rule, method, subject))
        return out
