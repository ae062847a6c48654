"""Helpers shared by the security tests."""

from __future__ import annotations

from html.parser import HTMLParser

from flask import Flask, g
from flask.testing import FlaskClient

PASSWORD = "Passw0rd!"


class OwnSessionClient(FlaskClient):
    """A test client that behaves like its own browser while a test holds an app context open
    (the ``f`` fixture): the per-request caches in ``g`` (Flask-Login's user, Flask-WTF's CSRF
    token) are dropped around each request, as a real new request would."""

    PER_REQUEST = ("_login_user", "csrf_token")  # Flask-Login's user, Flask-WTF's token

    def open(self, *args, **kwargs):
        for name in self.PER_REQUEST:
            g.pop(name, None)
        response = super().open(*args, **kwargs)
        for name in self.PER_REQUEST:
            g.pop(name, None)
        return response


def browser(app: Flask, user=None, password: str = PASSWORD) -> OwnSessionClient:
    """A new browser, logged in as ``user`` when given."""
    client = OwnSessionClient(app, app.response_class, use_cookies=True)
    if user is not None:
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


class PageScan(HTMLParser):
    """Forms (with their CSRF fields: Flask-WTF accepts prefixed names such as "a1-csrf_token"),
    inline scripts, event-handler and style attributes, javascript: links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> (inline event handler)")
            if name == "style":
                self.problems.append(f"<{tag} style=\"{value}\"> (inline style, blocked by the CSP)")
            if name in ("href", "src", "action") and value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=\"javascript:...\">")
        if tag == "script" and not attr.get("src"):
            self.problems.append("<script> without src (inline script)")
        if tag == "style":
            self.problems.append("<style> element (inline style, blocked by the CSP)")
        if tag == "form":
            self._form = {"method": (attr.get("method") or "get").lower(), "action": attr.get("action") or "",
                          "csrf": []}
            self.forms.append(self._form)
        if tag == "input" and self._form is not None and (attr.get("name") or "").endswith("csrf_token"):
            self._form["csrf"].append(attr.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


class _FormFields(HTMLParser):
    def __init__(self, index: int) -> None:
        super().__init__(convert_charrefs=True)
        self.index, self.seen, self.inside = index, -1, False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        if tag == "form" and (attr.get("method") or "").lower() == "post":
            self.seen += 1
            self.inside = self.seen == self.index
        if not self.inside:
            return
        name = attr.get("name")
        if tag == "input" and name and attr.get("type") not in ("submit", "button", "file"):
            if attr.get("type") in ("checkbox", "radio") and "checked" not in attr:
                return
            self.fields[name] = attr.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attr:
            self.fields[self._select] = attr.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self.inside and self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(html: str, index: int = 1) -> dict[str, str]:
    """The values a browser would send for the ``index``-th POST form of a page (0 is the
    logout button of the navigation bar)."""
    parser = _FormFields(index)
    parser.feed(html)
    return {k: v.lstrip("\n") for k, v in parser.fields.items()}
