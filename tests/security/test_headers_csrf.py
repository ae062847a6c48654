"""CSRF on every form, and the security headers (CSP without inline scripts, nosniff,
frame-ancestors/X-Frame-Options, Referrer-Policy) on every page and API answer.

The page checks render every GET page of the URL map as every subject allowed to see it (the
security world of tests/security/world.py and the table of permission_matrix.py), so a new
page is checked as soon as it lands.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.security import permission_matrix as table
from tests.security import world as world_module
from tests.security.matrix_runner import Runner, is_api, routes, subjects_for
from tests.security.support import PageScan, browser
from tracker.core.db import db
from tracker.core.enums import Role
from tracker.items.models import Item

ROOT = Path(__file__).resolve().parents[2]
CSRF_MESSAGE = "页面已过期或缺少安全令牌，请刷新页面后重新提交"


@pytest.fixture()
def rendered(app, monkeypatch):
    """Every GET page of the app as every subject who may see it, rendered with CSRF on."""
    with app.test_request_context():
        db.connect(reuse_if_open=True)
        built = world_module.build()
        db.close()
    built.ids["import_token"] = world_module.upload_import(app, built)
    runner = Runner(app, built)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    pages = []
    for rule in routes(app):
        if is_api(rule) or "GET" not in (rule.methods or set()) or rule.endpoint.endswith("static"):
            continue
        expect = table.expectation(rule.endpoint, "GET")
        if expect is None:
            continue
        for subject in subjects_for(rule):
            if subject != "anon" and expect.answer(subject, "GET") == table.OK:
                pages.append(runner.request(rule, "GET", subject, keep=True))
    return pages


def test_every_page_form_carries_a_csrf_token_and_no_inline_script(rendered):
    html_pages = [p for p in rendered if p.status == 200 and p.mimetype == "text/html"]
    assert len(html_pages) > 100
    missing, inline = [], []
    posts = 0
    for page in html_pages:
        scan = PageScan()
        scan.feed(page.content.decode("utf-8"))
        for form in scan.forms:
            if form["method"] == "post":
                posts += 1
                if not form["csrf"] or not all(form["csrf"]):
                    missing.append(f"  {page.url} as {page.subject}: <form action=\"{form['action']}\">")
        inline.extend(f"  {page.url} as {page.subject}: {p}" for p in dict.fromkeys(scan.problems))
    assert posts > 50
    assert not missing, "POST forms without a csrf_token:\n" + "\n".join(sorted(set(missing)))
    assert not inline, "inline code the CSP forbids:\n" + "\n".join(sorted(set(inline)))


def test_security_headers_on_every_page_and_download(rendered):
    assert {p.mimetype for p in rendered} >= {"text/html"}
    for page in rendered:
        _check_headers(page.headers, f"{page.url} as {page.subject}")


def _check_headers(headers: dict, where: str) -> None:
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("script-src") == ["'self'"], (where, csp)
    assert directives.get("default-src") == ["'self'"], (where, csp)
    assert directives.get("object-src") == ["'none'"], (where, csp)
    assert directives.get("frame-ancestors") == ["'none'"], (where, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (where, csp)
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), where


def test_security_headers_on_api_answers_and_errors(f, client, api):
    office = api(f.user(Role.OFFICE))
    calls = [
        lambda: office.get("/items"),
        lambda: office.get("/items/999999"),
        lambda: client.get("/api/v1/items"),
        lambda: client.post("/api/v1/token", data="{not json", content_type="application/json"),
        lambda: client.get("/api/v1/openapi.json"),
        lambda: client.get("/no-such-page"),
        lambda: client.get("/login"),
        lambda: client.get("/static/css/app.css"),
        lambda: client.get("/healthz"),
    ]
    for call in calls:
        response = call()
        _check_headers(dict(response.headers), response.request.path)
        response.close()
    listing = office.get("/items")
    assert listing.headers["Cache-Control"] == "no-store"


def test_templates_put_a_csrf_token_in_every_post_form():
    forms = re.compile(r"<form\b[^>]*method=[\"']post[\"'][^>]*>(.*?)</form>", re.S | re.I)
    missing = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for body in forms.findall(path.read_text(encoding="utf-8")):
            if not re.search(r"csrf|hidden_tag", body):
                missing.append(str(path.relative_to(ROOT)))
    assert not missing, f"POST forms without {{{{ csrf() }}}} / form.hidden_tag(): {missing}"


# --- CSRF refused, in Chinese, changing nothing ---------------------------------------------


@pytest.fixture()
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, html[:500]
    return match.group(1)


def test_login_without_a_csrf_token_is_refused_in_chinese(f, csrf_on):
    user = f.user(Role.OFFICE)
    client = browser(csrf_on)
    response = client.post("/login", data={"username": user.username, "password": "Passw0rd!"})
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert client.get("/me").status_code == 302  # not logged in
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": user.username, "password": "Passw0rd!",
                                           "csrf_token": token})
    assert response.status_code == 302 and client.get("/me").status_code == 200


def test_a_forged_post_changes_nothing(f, csrf_on):
    office = f.user(Role.OFFICE)
    session = f.session()
    client = browser(csrf_on)
    token = _token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": office.username, "password": "Passw0rd!", "csrf_token": token})
    form = {"kind": "suggestion", "session_id": str(session.id), "number": "88", "title": "伪造的登记",
            "tier": "department", "submitters-0-name": "王代表", "submitters-0-role": "lead"}
    before = Item.select().count()
    for forged in (form, {**form, "csrf_token": "not-a-token"}):
        response = client.post("/items/new", data=forged)
        assert response.status_code == 400
        assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert Item.select().count() == before
    # A token from another user's session does not fit this one.
    other = browser(csrf_on)
    foreign = _token(other.get("/login").get_data(as_text=True))
    assert client.post("/items/new", data={**form, "csrf_token": foreign}).status_code == 400
    assert Item.select().count() == before
    # Logging out needs the token too (no forced logout by another site).
    assert client.post("/logout").status_code == 400
    assert client.get("/me").status_code == 200


def test_the_api_needs_no_csrf_token_but_a_bearer_token(f, csrf_on, api, client):
    office = f.user(Role.OFFICE)
    session = f.session()
    body = {"kind": "suggestion", "session_id": session.id, "number": "77", "title": "接口登记",
            "submitters": [{"name": "王代表", "role": "lead"}]}
    assert api(office).post("/items", json=body).status_code == 201
    # A browser's cookie is no credential for the API.
    login = browser(csrf_on)
    token = _token(login.get("/login").get_data(as_text=True))
    login.post("/login", data={"username": office.username, "password": "Passw0rd!", "csrf_token": token})
    response = login.post("/api/v1/items", json={**body, "number": "78"})
    assert response.status_code == 401
    assert not Item.select().where(Item.number == "78").exists()
