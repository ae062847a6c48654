"""Browser journeys: a live server (its own process and database) and Debian's Chromium.

The server's database is seeded by seed_e2e.py (units, one user per role, the items the role
journeys start from); its log goes to test-output/e2e-server-<worker>.log, and a traceback in it
fails the run. What a person does is in e2e_steps.py; the journeys are test_journey_*.py.

Screenshots go to test-output/screenshots/<journey>/ at desktop 1366x900 and phone 390x844;
``j.shot(label, docs=name)`` also keeps a viewport-sized copy in test-output/screenshots/docs/
(the README's pictures in docs/screenshots/ come from there).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "Passw0rd!"

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(tmp_path_factory) -> str:
    if os.environ.get("TRACKER_TEST_BACKEND") == "postgresql":
        import psycopg2
        from psycopg2 import sql

        base = os.environ.get("TRACKER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/tracker_test")
        prefix, _, name = base.rpartition("/")
        # One database per worker under a fixed name, dropped and re-created at the start of a run
        # (not dropped at the end: DROP DATABASE waits for a checkpoint, up to a minute on a busy server).
        name = f"{name}_e2e_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
        conn = psycopg2.connect(f"{prefix}/postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        conn.close()
        return f"{prefix}/{name}"
    return f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'tracker.db'}"



@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser journeys: apt-get install chromium")
    url = _database_url(tmp_path_factory)
    env = dict(os.environ, TRACKER_DATABASE_URL=url, TRACKER_SECRET_KEY="e2e-secret",
               TRACKER_UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")), TRACKER_RATELIMIT="0",
               TRACKER_LOG_JSON="0")
    subprocess.run([sys.executable, str(Path(__file__).with_name("seed_e2e.py"))], cwd=ROOT, env=env,
                   check=True)
    port = _free_port()
    # The server's log goes to a file: a pipe nobody reads fills up after a few hundred
    # requests and then blocks the server in the middle of a journey.
    OUT.parent.mkdir(parents=True, exist_ok=True)
    log_path = OUT.parent / f"e2e-server-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "tracker", "run", "--host", "127.0.0.1", "--port", str(port),
         "--no-reload"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310 - our own http URL
                break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                log.close()
                pytest.fail(f"live server did not start: {log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=20)
    log.close()
    errors = [line for line in log_path.read_text(errors="replace").splitlines() if "Traceback" in line]
    assert not errors, f"the live server logged {len(errors)} traceback(s), see {log_path}"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


class Journey:
    """A user's browser session with screenshot, accessibility and JS-error checks."""

    def __init__(self, browser, base: str, name: str, viewport: dict, device: str):
        self.base = base
        self.name = name
        self.device = device
        # reduced motion: Bootstrap then skips its transitions, so no check sees a colour mid-fade
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=device == "phone",
                                           has_touch=device == "phone", reduced_motion="reduce")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.external: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("console", lambda msg: self.errors.append(f"console {msg.type}: {msg.text}")
                     if msg.type == "error" else None)
        self.page.on("request", self._on_request)
        self.counter = 0

    def _on_request(self, request) -> None:
        if not request.url.startswith((self.base, "data:", "about:")):
            self.external.append(request.url)

    def goto(self, path: str):
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, f"{path}: {response and response.status}"
        return response

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.page.goto(self.base + "/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        with self.page.expect_navigation():  # the POST, then the redirect to the role's home page
            self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, f"login failed for {username}"

    def logout(self) -> None:
        self.page.get_by_role("button", name="退出").first.click()

    def shot(self, label: str, docs: str | None = None) -> Path:
        """Screenshot + checks of the current page: no horizontal scroll, a11y, no JS errors.

        ``docs``: also keep a viewport-sized screenshot as test-output/screenshots/docs/<docs>-<device>.png
        (small enough for the README; see docs/screenshots/)."""
        self.counter += 1
        folder = OUT / self.name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.counter:02d}-{label}-{self.device}.png"
        self.page.wait_for_load_state()  # the pages render on the server; steps wait for what they need
        self.page.screenshot(path=str(path), full_page=True)
        if docs:
            (OUT / "docs").mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(OUT / "docs" / f"{docs}-{self.device}.png"))
        self.assert_no_horizontal_scroll()
        self.assert_accessible()
        self.assert_labels_unambiguous()
        assert not self.errors, self.errors
        assert not self.external, f"external requests: {self.external}"
        return path

    def assert_no_horizontal_scroll(self) -> None:
        overflow = self.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{self.page.url} scrolls horizontally by {overflow}px on {self.device}"

    def assert_accessible(self) -> None:
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate(
            """async () => {
                const r = await axe.run(document, {runOnly: {type: 'rule', values: [
                    'label', 'button-name', 'color-contrast', 'image-alt', 'link-name',
                    'select-name', 'input-button-name', 'document-title', 'html-has-lang',
                    'duplicate-id-aria', 'aria-valid-attr']}});
                return r.violations.map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
            }"""
        )
        assert not result, f"accessibility problems on {self.page.url}: {result}"

    def assert_labels_unambiguous(self) -> None:
        """A <label for=X> must name one element: with two ids X it labels the first one only
        (axe-core no longer checks duplicate ids)."""
        clashes = self.page.evaluate(
            """() => [...document.querySelectorAll('label[for]')]
                .map(l => l.htmlFor).filter(id => document.querySelectorAll('[id="' + CSS.escape(id) + '"]').length > 1)""")
        assert not clashes, f"labels pointing at duplicate ids on {self.page.url}: {sorted(set(clashes))}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture(params=["desktop", "phone"])
def device(request):
    return request.param


@pytest.fixture()
def journey(browser, live_server, device, request):
    journeys: list[Journey] = []

    def _make(name: str) -> Journey:
        j = Journey(browser, live_server, name, DESKTOP if device == "desktop" else PHONE, device)
        journeys.append(j)
        return j

    yield _make
    for j in journeys:
        j.close()
