"""``tracker loadtest``: a bounded load test against a running Tracker (gunicorn on loopback).

    tracker loadtest --url http://127.0.0.1:8000 --users 50 --seconds 60
    python -m tracker.loadtest --url http://127.0.0.1:8000 --users 50 --seconds 60

Simulated users, each a thread with its own cookies, for a fixed time, then it stops by itself:

- office staff (40 %) browse the item list, item pages, the ledger and the dashboard;
- unit handlers (30 %) open their inbox and item pages and record progress notes (a real
  form POST with its CSRF token);
- city leaders (15 %) open the overdue list, the dashboard and item pages;
- API clients (15 %) list items and read item details with a Bearer token.

It reports throughput (requests per second), p50/p95/p99 latency per kind of request and the
errors (any status >= 400, a redirect to the login page, a refused form, a network error).
The accounts default to those of ``tracker seed-demo``; ``--account role=user:password``
changes them (roles: office, handler, leader, api). Plain HTTP with the standard library.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import random
import re
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

DEFAULT_ACCOUNTS = {
    "office": ("office", "Office#2026"),
    "handler": ("handler", "Handler#2026"),
    "leader": ("leader", "Leader#2026"),
    "api": ("office", "Office#2026"),
}
MIX = (("office", 40), ("handler", 30), ("leader", 15), ("api", 15))
WORKING = ("handling", "rehandling", "return_requested", "opinion_submitted")
TIMEOUT = 60


class LoadTestError(Exception):
    """The test could not start (server down, an account cannot log in, no data)."""


# --- one HTTP "browser" ---------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Browser:
    """Cookies and one request at a time (a new loopback connection per request: gunicorn's
    sync workers close the connection after each answer anyway)."""

    def __init__(self, base: str, cookies: dict[str, str] | None = None, headers: dict[str, str] | None = None):
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise LoadTestError(f"网址不正确：{base}")
        self.scheme, self.host, self.port = parts.scheme, parts.hostname, parts.port
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                json_body: dict[str, Any] | None = None) -> Answer:
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        conn = cls(self.host, self.port, timeout=TIMEOUT)
        headers = {"User-Agent": "tracker-loadtest", "Accept-Language": "zh-CN", **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
            for raw in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(raw)
                for name, morsel in cookie.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return answer
        finally:
            conn.close()


class _Forms(HTMLParser):
    """The POST forms of a page: action and the values a browser would send."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        if tag == "form" and (attr.get("method") or "").lower() == "post":
            self._current = {"action": attr.get("action") or "", "fields": {}}
            self.forms.append(self._current)
        elif self._current is not None and tag == "input" and attr.get("name"):
            if attr.get("type") not in ("submit", "button", "file", "checkbox", "radio") or "checked" in attr:
                self._current["fields"][attr["name"]] = attr.get("value") or ""
        elif self._current is not None and tag == "textarea" and attr.get("name"):
            self._textarea = attr["name"]
            self._current["fields"][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "textarea":
            self._textarea = None


def post_forms(html: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def login(base: str, username: str, password: str) -> dict[str, str]:
    """The session cookies of a fresh login (through the real form with its CSRF token)."""
    browser = Browser(base)
    page = browser.request("GET", "/login")
    if page.status != 200:
        raise LoadTestError(f"打不开登录页（{page.status}）：{base}/login")
    token = next((f["fields"].get("csrf_token", "") for f in post_forms(page.text) if "csrf_token" in f["fields"]),
                 "")
    answer = browser.request("POST", "/login", {"username": username, "password": password, "csrf_token": token})
    if answer.status != 302 or urlsplit(answer.location).path == "/login":
        raise LoadTestError(f"账号 {username} 无法登录（{answer.status}）")
    return browser.cookies


def api_token(base: str, username: str, password: str) -> str:
    answer = Browser(base).request("POST", "/api/v1/token", json_body={"username": username, "password": password})
    if answer.status != 201:
        raise LoadTestError(f"账号 {username} 无法获取 API 令牌（{answer.status}）")
    return json.loads(answer.body)["token"]


# --- measurements ---------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by the nearest-rank method."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), math.ceil(q / 100 * len(sorted_values))))
    return sorted_values[rank - 1]


@dataclass
class Kind:
    name: str
    count: int
    errors: int
    p50: float
    p95: float
    p99: float
    max: float


@dataclass
class Report:
    url: str
    users: int
    seconds: float
    requests: int
    errors: int
    throughput: float
    p50: float
    p95: float
    p99: float
    kinds: list[Kind]
    users_by_role: dict[str, int]
    error_samples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["kinds"] = [k.__dict__ for k in self.kinds]
        return out


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []

    def add(self, kind: str, seconds: float, problem: str | None) -> None:
        with self._lock:
            self.latencies[kind].append(seconds * 1000)
            if problem:
                self.errors[kind] += 1
                if len(self.samples) < 20:
                    self.samples.append(f"{kind}: {problem}")

    def report(self, url: str, users: int, elapsed: float, by_role: dict[str, int]) -> Report:
        kinds = []
        everything: list[float] = []
        for name in sorted(self.latencies):
            values = sorted(self.latencies[name])
            everything.extend(values)
            kinds.append(Kind(name, len(values), self.errors.get(name, 0), round(percentile(values, 50), 1),
                              round(percentile(values, 95), 1), round(percentile(values, 99), 1),
                              round(values[-1], 1)))
        everything.sort()
        total = len(everything)
        return Report(url=url, users=users, seconds=round(elapsed, 1), requests=total,
                      errors=sum(self.errors.values()), throughput=round(total / elapsed, 1) if elapsed else 0.0,
                      p50=round(percentile(everything, 50), 1), p95=round(percentile(everything, 95), 1),
                      p99=round(percentile(everything, 99), 1), kinds=kinds, users_by_role=by_role,
                      error_samples=list(self.samples))


# --- the simulated users --------------------------------------------------------------------


@dataclass
class Shared:
    """What the users need to know, found out once before the test starts."""

    base: str
    cookies: dict[str, dict[str, str]]
    token: str
    item_ids: list[int]
    handler_items: list[int]
    handler_assignments: list[int]
    list_pages: int


class User:
    role = ""

    def __init__(self, shared: Shared, recorder: Recorder, rng: random.Random):
        self.shared, self.recorder, self.rng = shared, recorder, rng
        self.browser = Browser(shared.base, shared.cookies.get(self.role))

    def actions(self) -> list[tuple[Any, int]]:
        raise NotImplementedError

    def step(self) -> None:
        actions = self.actions()
        action = self.rng.choices([a for a, _ in actions], weights=[w for _, w in actions])[0]
        action()

    def get(self, kind: str, path: str, expect_json: bool = False) -> Answer | None:
        started = time.perf_counter()
        problem = None
        answer = None
        try:
            answer = self.browser.request("GET", path)
            problem = _problem(answer, expect_json)
        except (OSError, http.client.HTTPException) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        self.recorder.add(kind, time.perf_counter() - started, problem and f"GET {path} → {problem}")
        return answer if problem is None else None

    def item_page(self) -> None:
        self.get("page: item", f"/items/{self.rng.choice(self.shared.item_ids)}")


def _problem(answer: Answer, expect_json: bool = False) -> str | None:
    if answer.status >= 400:
        return f"HTTP {answer.status}"
    if answer.status in (301, 302, 303, 307, 308) and urlsplit(answer.location).path == "/login":
        return "redirected to the login page"
    if expect_json:
        try:
            json.loads(answer.body)
        except ValueError:
            return "not JSON"
    return None


class Office(User):
    role = "office"

    def actions(self):
        return [(self.item_list, 35), (self.item_page, 35), (self.ledger, 15), (self.dashboard, 15)]

    def item_list(self) -> None:
        self.get("page: item list", f"/items?page={self.rng.randint(1, self.shared.list_pages)}")

    def ledger(self) -> None:
        self.get("page: ledger", f"/ledger/?page={self.rng.randint(1, 3)}")

    def dashboard(self) -> None:
        self.get("page: dashboard", "/dashboard")


class Handler(User):
    role = "handler"

    def actions(self):
        return [(self.inbox, 35), (self.own_item, 35), (self.progress, 30)]

    def inbox(self) -> None:
        self.get("page: inbox", "/inbox")

    def own_item(self) -> None:
        self.get("page: item", f"/items/{self.rng.choice(self.shared.handler_items)}")

    def progress(self) -> None:
        assignment_id = self.rng.choice(self.shared.handler_assignments)
        path = f"/assignments/{assignment_id}/progress"
        page = self.get("page: progress form", path)
        if page is None:
            return
        form = next((f for f in post_forms(page.text) if any(k.endswith("text") for k in f["fields"])), None)
        started = time.perf_counter()
        problem = None
        if form is None:
            problem = "no progress form on the page"
        else:
            fields = dict(form["fields"])
            name = next(k for k in fields if k.endswith("text"))
            fields[name] = f"压力测试：第 {self.rng.randint(1, 10**6)} 次记录办理进展"
            try:
                answer = self.browser.request("POST", form["action"] or path, fields)
                problem = _problem(answer)
                if problem is None and answer.status != 302:
                    problem = f"the form was refused ({answer.status})"
            except (OSError, http.client.HTTPException) as exc:
                problem = f"{type(exc).__name__}: {exc}"
        self.recorder.add("post: progress note", time.perf_counter() - started, problem and f"POST {path} → {problem}")


class Leader(User):
    role = "leader"

    def actions(self):
        return [(self.overdue, 45), (self.dashboard, 30), (self.item_page, 25)]

    def overdue(self) -> None:
        self.get("page: overdue", "/overdue")

    def dashboard(self) -> None:
        self.get("page: dashboard", "/dashboard")


class ApiClient(User):
    role = "api"

    def __init__(self, shared, recorder, rng):
        super().__init__(shared, recorder, rng)
        self.browser = Browser(shared.base, headers={"Authorization": f"Bearer {shared.token}"})

    def actions(self):
        return [(self.listing, 50), (self.detail, 50)]

    def listing(self) -> None:
        self.get("api: list items", f"/api/v1/items?page={self.rng.randint(1, 4)}&per_page=50", expect_json=True)

    def detail(self) -> None:
        self.get("api: item", f"/api/v1/items/{self.rng.choice(self.shared.item_ids)}", expect_json=True)


ROLES: dict[str, type[User]] = {"office": Office, "handler": Handler, "leader": Leader, "api": ApiClient}


def roles_for(users: int) -> list[str]:
    """Which role each of ``users`` simulated users plays: the proportions of MIX by largest
    remainder, and (with 4 users or more) at least one user of every kind."""
    total = sum(w for _, w in MIX)
    shares = {role: users * w / total for role, w in MIX}
    counts = {role: int(share) for role, share in shares.items()}
    by_remainder = sorted(MIX, key=lambda rw: -(shares[rw[0]] - counts[rw[0]]))
    for role, _w in by_remainder[: users - sum(counts.values())]:
        counts[role] += 1
    if users >= len(MIX):
        for role in counts:
            if counts[role] == 0:
                counts[max(counts, key=counts.get)] -= 1
                counts[role] = 1
    return [role for role, _ in MIX for _ in range(counts[role])]


def prepare(base: str, accounts: dict[str, tuple[str, str]]) -> Shared:
    base = base.rstrip("/")
    cookies = {role: login(base, *accounts[role]) for role in ("office", "handler", "leader")}
    token = api_token(base, *accounts["api"])
    office_api = Browser(base, headers={"Authorization": f"Bearer {token}"})
    listing = office_api.request("GET", "/api/v1/items?per_page=500")
    if listing.status != 200:
        raise LoadTestError(f"无法读取件列表（{listing.status}）")
    data = json.loads(listing.body)
    item_ids = [row["id"] for row in data["items"]]
    handler_token = api_token(base, *accounts["handler"])
    handler_api = Browser(base, headers={"Authorization": f"Bearer {handler_token}"})
    me = json.loads(handler_api.request("GET", "/api/v1/me").body)
    own = json.loads(handler_api.request("GET", "/api/v1/items?per_page=500").body)["items"]
    handler_items = [row["id"] for row in own]
    assignments = [a["id"] for row in own for a in row["assignments"]
                   if a["unit_id"] == me.get("unit_id") and a["status"] in WORKING]
    if not item_ids or not handler_items or not assignments:
        raise LoadTestError("数据不足：需要若干件，且经办人所在单位有办理中的承办任务（可先运行 tracker seed-demo）")
    return Shared(base=base, cookies=cookies, token=token, item_ids=item_ids, handler_items=handler_items,
                  handler_assignments=assignments, list_pages=max(1, min(10, (data["total"] + 49) // 50)))


def run(url: str, *, users: int = 50, seconds: float = 60, accounts: dict[str, tuple[str, str]] | None = None,
        seed: int = 2026, think_ms: int = 0) -> Report:
    """Run the load test and return its report (blocks for about ``seconds``)."""
    if users < 1 or seconds <= 0:
        raise LoadTestError("用户数须至少为 1，时长须大于 0")
    try:
        shared = prepare(url, {**DEFAULT_ACCOUNTS, **(accounts or {})})
    except (OSError, http.client.HTTPException) as exc:
        raise LoadTestError(f"无法连接被测系统 {url}：{exc}") from None
    recorder = Recorder()
    roles = roles_for(users)
    deadline = time.monotonic() + seconds
    crashes: list[str] = []

    def worker(index: int, role: str) -> None:
        rng = random.Random(seed * 1000 + index)
        user = ROLES[role](shared, recorder, rng)
        while time.monotonic() < deadline:
            try:
                user.step()
            except Exception as exc:  # a bug in the load test itself must not go unnoticed
                crashes.append(f"{role}: {type(exc).__name__}: {exc}")
                recorder.add("load test error", 0.0, str(exc))
                return
            if think_ms:
                time.sleep(rng.uniform(0, think_ms) / 1000)

    threads = [threading.Thread(target=worker, args=(i, role), daemon=True, name=f"load-{role}-{i}")
               for i, role in enumerate(roles)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + TIMEOUT + 10)
    elapsed = time.monotonic() - started
    by_role = {role: roles.count(role) for role, _ in MIX}
    return recorder.report(shared.base, users, elapsed, by_role)


def format_report(report: Report) -> str:
    lines = [
        f"压力测试：{report.url}，{report.users} 个并发用户（"
        + "，".join(f"{role} {n}" for role, n in report.users_by_role.items()) + f"），{report.seconds} 秒",
        f"请求 {report.requests} 次，吞吐量 {report.throughput} 次/秒，错误 {report.errors} 次；"
        f"延迟 p50 {report.p50} ms，p95 {report.p95} ms，p99 {report.p99} ms",
        "",
        f"{'kind':<24}{'count':>8}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}",
    ]
    for k in report.kinds:
        lines.append(f"{k.name:<24}{k.count:>8}{k.errors:>8}{k.p50:>10}{k.p95:>10}{k.p99:>10}{k.max:>10}")
    if report.error_samples:
        lines += ["", "错误示例："] + [f"  {s}" for s in report.error_samples]
    return "\n".join(lines)


def _accounts(values: list[str]) -> dict[str, tuple[str, str]]:
    out = {}
    for value in values:
        match = re.fullmatch(r"(office|handler|leader|api)=([^:]+):(.+)", value)
        if not match:
            raise LoadTestError(f"--account 格式应为 角色=用户名:密码（角色：office/handler/leader/api）：{value}")
        out[match.group(1)] = (match.group(2), match.group(3))
    return out


def register(app) -> None:
    import click

    @app.cli.command("loadtest")
    @click.option("--url", required=True, help="被测系统地址，如 http://127.0.0.1:8000")
    @click.option("--users", default=50, show_default=True, type=click.IntRange(1, 1000), help="并发用户数")
    @click.option("--seconds", default=60.0, show_default=True, type=click.FloatRange(0.1, 3600), help="持续秒数")
    @click.option("--account", "account", multiple=True, help="角色=用户名:密码（office/handler/leader/api）")
    @click.option("--think-ms", default=0, show_default=True, type=click.IntRange(0, 60000), help="每步间隔上限（毫秒）")
    @click.option("--json", "json_path", default=None, type=click.Path(dir_okay=False), help="另存 JSON 结果")
    def loadtest_cmd(url, users, seconds, account, think_ms, json_path):
        """有界压力测试：模拟交办单位、承办单位、市领导和接口客户端并发访问，报告吞吐量、延迟和错误。"""
        try:
            report = run(url, users=users, seconds=seconds, accounts=_accounts(list(account)), think_ms=think_ms)
        except LoadTestError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(format_report(report))
        if json_path:
            with open(json_path, "w", encoding="utf-8") as handle:
                json.dump(report.to_dict(), handle, ensure_ascii=False, indent=2)
        if report.errors:
            raise SystemExit(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker.loadtest", description="Tracker 有界压力测试")
    parser.add_argument("--url", required=True)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--account", action="append", default=[])
    parser.add_argument("--think-ms", type=int, default=0)
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args(argv)
    try:
        report = run(args.url, users=args.users, seconds=args.seconds, accounts=_accounts(args.account),
                     think_ms=args.think_ms)
    except LoadTestError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(format_report(report))
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as handle:
            json.dump(report.to_dict(), handle, ensure_ascii=False, indent=2)
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
