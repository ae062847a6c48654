"""Sessions and login: cookie flags, lockout and rate limits (in Chinese), password rules, API
tokens (hashed, expiring, revocable) and logout that really ends the session."""

from __future__ import annotations

import datetime as dt
import importlib
import threading

import pytest
import time_machine

from tests.security.support import browser
from tracker.accounts import services as accounts
from tracker.accounts.models import ApiToken, User
from tracker.audit.models import AuditEntry
from tracker.core import clock, security
from tracker.core.db import db
from tracker.core.enums import Role
from tracker.core.errors import ValidationFailed
from tracker.models import MODELS

WRONG = "wrong-Passw0rd"


def set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def session_cookie(response) -> str:
    cookies = [c for c in set_cookies(response) if c.startswith("session=")]
    assert cookies, set_cookies(response)
    return cookies[0]


def page_text(response) -> str:
    return response.get_data(as_text=True)


# --- cookies ---------------------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(f, client):
    user = f.user(Role.OFFICE)
    response = client.post("/login", data={"username": user.username, "password": "Passw0rd!"})
    assert response.status_code == 302
    cookie = session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback in tests


def test_secure_cookies_setting_marks_the_cookie_secure(f, app, client, monkeypatch):
    import config

    monkeypatch.setenv("TRACKER_SECURE_COOKIES", "1")
    try:
        reloaded = importlib.reload(config)
        assert reloaded.Config.SESSION_COOKIE_SECURE is True
        assert reloaded.Config.REMEMBER_COOKIE_SECURE is True
    finally:
        monkeypatch.delenv("TRACKER_SECURE_COOKIES")
        importlib.reload(config)
    assert config.Config.SESSION_COOKIE_SECURE is False
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    user = f.user(Role.OFFICE)
    response = client.post("/login", data={"username": user.username, "password": "Passw0rd!"},
                           base_url="https://localhost")
    cookie = session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- lockout and rate limits -----------------------------------------------------------------


def test_repeated_failures_lock_the_account_for_a_while(f, app, client, api):
    user = f.user(Role.UNIT_HANDLER, f.unit())
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        response = client.post("/login", data={"username": user.username, "password": WRONG})
        assert response.status_code == 200 and "用户名或密码错误" in page_text(response)
    response = client.post("/login", data={"username": user.username, "password": WRONG})
    assert "登录失败次数过多，账号已临时锁定 15 分钟" in page_text(response)
    assert AuditEntry.select().where(AuditEntry.action == "login_locked").count() == 1
    # Locked: even the right password does not get in, on the page nor through the API.
    response = client.post("/login", data={"username": user.username, "password": "Passw0rd!"})
    assert response.status_code == 200 and "账号已临时锁定，请 15 分钟后再试" in page_text(response)
    assert client.get("/me").status_code == 302
    token = client.post("/api/v1/token", json={"username": user.username, "password": "Passw0rd!"})
    assert token.status_code == 401
    assert "账号已临时锁定" in token.get_json()["error"]["message"]
    # After the lock the right password works again and the counter starts afresh.
    with time_machine.travel(clock.now() + dt.timedelta(minutes=16), tick=False):
        response = client.post("/login", data={"username": user.username, "password": "Passw0rd!"})
        assert response.status_code == 302
    fresh = User.get_by_id(user.id)
    assert fresh.failed_logins == 0 and fresh.locked_until is None


def test_a_disabled_account_is_only_named_to_whoever_knows_its_password(f, client):
    user = f.user(Role.OFFICE)
    User.update(active=False).where(User.id == user.id).execute()
    wrong = client.post("/login", data={"username": user.username, "password": WRONG})
    assert "用户名或密码错误" in page_text(wrong) and "停用" not in page_text(wrong)
    nobody = client.post("/login", data={"username": "no-such-user", "password": WRONG})
    assert "用户名或密码错误" in page_text(nobody)
    right = client.post("/login", data={"username": user.username, "password": "Passw0rd!"})
    assert "该账号已停用" in page_text(right)


def test_parallel_guesses_each_count_towards_the_lock(f, app, database_url):
    if database_url.startswith("sqlite") and ":memory:" in database_url:
        pytest.skip("needs a shared database")
    user = f.user(Role.OFFICE)
    db.close()
    n = app.config["LOGIN_MAX_FAILURES"] + 3
    barrier = threading.Barrier(n)
    answers: list[int] = []

    def guess():
        client = app.test_client()
        barrier.wait()
        response = client.post("/login", data={"username": user.username, "password": WRONG})
        answers.append(response.status_code)
        if not db.is_closed():
            db.close()

    threads = [threading.Thread(target=guess) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    db.connect(reuse_if_open=True)
    assert answers == [200] * n
    assert User.get_by_id(user.id).locked_until is not None


@pytest.fixture()
def limited_app(app):
    """A second app on the same database with rate limits ON (the suite's app has them off)."""
    from tracker import create_app
    from tracker.core.security import limiter

    original_db, was_enabled = db.obj, limiter.enabled
    keys = ("TESTING", "DATABASE_URL", "UPLOAD_DIR", "SECRET_KEY", "WTF_CSRF_ENABLED", "SMTP_HOST",
            "PASSWORD_HASH_METHOD")
    limited = create_app({**{k: app.config[k] for k in keys}, "RATELIMIT_ENABLED": True,
                          "RATELIMIT_STORAGE_URI": "memory://"})
    db.initialize(original_db)  # one database object for both apps
    limiter.reset()
    yield limited
    limiter.reset()
    limiter.enabled = was_enabled


def test_login_is_rate_limited_per_address_in_chinese(limited_app):
    client = limited_app.test_client()
    for _ in range(20):
        response = client.post("/login", data={"username": "nobody", "password": WRONG})
        assert response.status_code == 200
    response = client.post("/login", data={"username": "nobody", "password": WRONG})
    assert response.status_code == 429
    assert "尝试次数过多，请稍后再试" in page_text(response)
    assert client.get("/login").status_code == 200  # only POSTs count


def test_token_endpoint_is_rate_limited_with_a_json_error(limited_app):
    client = limited_app.test_client()
    for _ in range(20):
        assert client.post("/api/v1/token", json={"username": "nobody", "password": WRONG}).status_code == 401
    response = client.post("/api/v1/token", json={"username": "nobody", "password": WRONG})
    assert response.status_code == 429
    assert response.get_json()["error"] == {"code": "too_many_requests", "message": "请求过于频繁，请稍后再试",
                                            "fields": {}}


# --- password rules --------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["", "Ab1", "abcdefgh", "12345678", "ABCDEFGH", "        "])
def test_weak_passwords_are_refused_when_creating_a_user(ctx, password):
    before = User.select().count()
    with pytest.raises(ValidationFailed) as caught:
        accounts.create_user(username="weakling", password=password, role="office")
    assert caught.value.fields["password"] == security.PASSWORD_RULE == "密码至少 8 位，且须同时包含字母和数字"
    assert User.select().count() == before


def test_password_rule_on_the_admin_pages(f, client, login_as):
    admin = f.user(Role.ADMIN)
    victim = f.user(Role.OFFICE)
    login_as(admin)
    response = client.post("/admin/users/new", data={
        "username": "weak_user", "password": "abcdefgh", "confirm": "abcdefgh", "name": "弱密码",
        "role": "office", "unit_id": "0", "person_id": "0"})
    assert response.status_code == 422 and "密码至少 8 位，且须同时包含字母和数字" in page_text(response)
    assert not User.select().where(User.username == "weak_user").exists()
    old_hash = User.get_by_id(victim.id).password_hash
    response = client.post(f"/admin/users/{victim.id}/password", data={"password": "short1", "confirm": "short1"})
    assert response.status_code == 422 and "密码至少 8 位" in page_text(response)
    assert User.get_by_id(victim.id).password_hash == old_hash


def test_password_rule_on_the_command_line(ctx, runner):
    result = runner.invoke(args=["users", "create", "cli_weak", "--role", "office", "--password-stdin"],
                           input="password\n")
    assert result.exit_code != 0 and "密码至少 8 位" in result.output
    assert not User.select().where(User.username == "cli_weak").exists()


def test_passwords_are_stored_hashed(f):
    user = f.user(Role.OFFICE)
    stored = User.get_by_id(user.id).password_hash
    assert "Passw0rd!" not in stored and stored.startswith("pbkdf2:sha256:")
    assert not _database_contains("Passw0rd!")


# --- API tokens ------------------------------------------------------------------------------


def _database_contains(needle: str) -> bool:
    for model in MODELS:
        for row in model.select().tuples():
            if any(isinstance(v, str) and needle in v for v in row):
                return True
    return False


def test_api_tokens_are_stored_only_as_a_digest(f, client):
    user = f.user(Role.OFFICE)
    token = client.post("/api/v1/token", json={"username": user.username, "password": "Passw0rd!"}).get_json()["token"]
    assert len(token) >= 40
    assert not _database_contains(token)
    row = ApiToken.get(ApiToken.user == user.id)
    assert row.token_hash == security.token_digest(token) != token


def test_api_tokens_expire(f, app, client):
    user = f.user(Role.OFFICE)
    body = client.post("/api/v1/token", json={"username": user.username, "password": "Passw0rd!"}).get_json()
    headers = {"Authorization": f"Bearer {body['token']}"}
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert expires - clock.now() <= dt.timedelta(hours=app.config["API_TOKEN_HOURS"])
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with time_machine.travel(expires + dt.timedelta(seconds=1), tick=False):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["message"] == "访问令牌无效、已过期或已撤销"


def test_api_tokens_are_revocable_and_die_with_a_new_password_or_a_disabled_account(f, client):
    admin = f.user(Role.ADMIN)
    user = f.user(Role.OFFICE)

    def new_token() -> dict:
        value = client.post("/api/v1/token", json={"username": user.username, "password": "Passw0rd!"})
        return {"Authorization": f"Bearer {value.get_json()['token']}"}

    first, second = new_token(), new_token()
    assert client.delete("/api/v1/token", headers=first).status_code == 204
    assert client.get("/api/v1/me", headers=first).status_code == 401
    assert client.get("/api/v1/me", headers=second).status_code == 200  # only that token
    accounts.update_user(User.get_by_id(user.id), actor=admin, password="N3w-password")
    assert client.get("/api/v1/me", headers=second).status_code == 401
    third = client.post("/api/v1/token", json={"username": user.username, "password": "N3w-password"})
    headers = {"Authorization": f"Bearer {third.get_json()['token']}"}
    accounts.update_user(User.get_by_id(user.id), actor=admin, active=False)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_malformed_or_foreign_bearer_header_is_a_401_in_chinese(client):
    for header in ("Bearer", "Bearer ", "Basic abc", "Bearer " + "x" * 5000, "bearer abc"):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


# --- logout ----------------------------------------------------------------------------------


def test_logout_invalidates_the_session_even_for_a_copied_cookie(f, app):
    user = f.user(Role.OFFICE)
    client = browser(app, user)
    stolen = client.get_cookie("session").value
    other_device = browser(app, user)
    assert other_device.get("/me").status_code == 200
    nonce = User.get_by_id(user.id).session_nonce
    response = client.post("/logout")
    assert response.status_code == 302 and response.location.endswith("/login")
    assert User.get_by_id(user.id).session_nonce != nonce
    thief = browser(app)
    thief.set_cookie("session", stolen)
    response = thief.get("/me")
    assert response.status_code == 302 and "/login" in response.location
    assert other_device.get("/me").status_code == 302  # logged out everywhere


def test_logout_needs_a_post(f, client, login_as):
    login_as(f.user(Role.OFFICE))
    assert client.get("/logout").status_code == 405
    assert client.get("/me").status_code == 200


def test_a_password_reset_ends_the_users_sessions(f, app):
    admin = f.user(Role.ADMIN)
    user = f.user(Role.OFFICE)
    theirs = browser(app, user)
    assert theirs.get("/me").status_code == 200
    client = browser(app, admin)
    response = client.post(f"/admin/users/{user.id}/password", data={"password": "N3w-password",
                                                                     "confirm": "N3w-password"})
    assert response.status_code == 302
    assert theirs.get("/me").status_code == 302


# --- redirects stay on this site -------------------------------------------------------------


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example/",
                                    "/\t/evil.example", "///evil.example"])
def test_login_never_redirects_to_another_site(f, client, target):
    user = f.user(Role.OFFICE)
    response = client.post("/login", query_string={"next": target},
                           data={"username": user.username, "password": "Passw0rd!"})
    assert response.status_code == 302
    assert "evil" not in response.location


def test_login_returns_to_the_page_asked_for(f, client):
    user = f.user(Role.OFFICE)
    response = client.post("/login", query_string={"next": "/items?status=assigned"},
                           data={"username": user.username, "password": "Passw0rd!"})
    assert response.location == "/items?status=assigned"


def test_no_page_redirects_to_another_site_through_a_next_field(f, app):
    from tracker.reminders.models import Notification
    from tracker.reminders.services import notify

    user = f.user(Role.OFFICE)
    notify([user], "测试通知")
    note = Notification.get(Notification.user == user.id)
    client = browser(app, user)
    # every view checks "next" with core.security.is_local_url (and an app-wide guard backs it up)
    response = client.post(f"/notifications/{note.id}/read", data={"next": "/\\evil.example"})
    assert response.status_code == 302 and response.location in ("/", "/notifications")
    response = client.post(f"/notifications/{note.id}/read", data={"next": "/notifications?page=2"})
    assert response.location == "/notifications?page=2"
