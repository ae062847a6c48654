"""Users, login with lockout, API tokens."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import peewee as pw
from flask import current_app

from tracker.accounts import policy
from tracker.accounts.models import ApiToken, Person, User
from tracker.audit import services as audit
from tracker.core import clock, security
from tracker.core.db import db
from tracker.core.enums import Role
from tracker.core.errors import DomainError, PermissionDenied, ValidationFailed, ensure
from tracker.units.models import Unit

UNIT_ROLES = {Role.UNIT_HANDLER.value, Role.UNIT_LEADER.value}


class LoginFailed(DomainError):
    status = 401
    code = "login_failed"


def _lock_settings() -> tuple[int, int]:
    try:
        cfg = current_app.config
        return int(cfg.get("LOGIN_MAX_FAILURES", 5)), int(cfg.get("LOGIN_LOCK_MINUTES", 15))
    except RuntimeError:
        return 5, 15


def authenticate(username: str, password: str) -> User:
    """Check a password; repeated failures lock the account for a while (DB-wide, all workers)."""
    generic = "用户名或密码错误"
    typed = (username or "").strip()
    # usernames are unique without regard to case (see create_user): 'Handler' logs in as 'handler'
    user = (User.get_or_none(User.username == typed)
            or User.get_or_none(pw.fn.LOWER(User.username) == typed.lower()))
    now = clock.now()
    if user is None:
        security.hash_password(password or "x")  # same work as a real check: no timing oracle
        raise LoginFailed(generic)
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise LoginFailed(f"登录失败次数过多，账号已临时锁定，请 {minutes} 分钟后再试", code="locked")
    if not security.verify_password(user.password_hash, password or ""):
        max_failures, lock_minutes = _lock_settings()
        # Count in the database (not read-modify-write): parallel guesses each count.
        User.update(failed_logins=User.failed_logins + 1).where(User.id == user.id).execute()
        failures = User.select(User.failed_logins).where(User.id == user.id).scalar() or 0
        if failures >= max_failures:
            locked_until = now + dt.timedelta(minutes=lock_minutes)
            User.update(failed_logins=0, locked_until=locked_until).where(User.id == user.id).execute()
            audit.record("login_locked", user, actor=None, detail=f"{user.username} 连续登录失败，临时锁定")
            raise LoginFailed(f"登录失败次数过多，账号已临时锁定 {lock_minutes} 分钟", code="locked")
        raise LoginFailed(generic)
    # Only after the password: a stranger must not learn that a username exists but is disabled.
    if not user.active:
        raise LoginFailed("该账号已停用，请联系管理员", code="inactive")
    User.update(failed_logins=0, locked_until=None, last_login_at=now).where(User.id == user.id).execute()
    return user


def logout_everywhere(user: User) -> None:
    """Invalidate every session of the user (a new nonce makes old cookies useless)."""
    User.update(session_nonce=security.new_nonce()).where(User.id == user.id).execute()


def create_user(*, username: str, password: str, role: str, name: str = "", unit_id: int | None = None,
                phone: str = "", email: str = "", title: str = "", person_id: int | None = None,
                actor: Any = None) -> User:
    if actor is not None:
        ensure(policy.can(actor, policy.Perm.MANAGE_USERS))
    errors: dict[str, str] = {}
    username = (username or "").strip()
    if not username or len(username) > 80:
        errors["username"] = "请填写用户名（不超过 80 个字符）"
    elif User.select().where(pw.fn.LOWER(User.username) == username.lower()).exists():
        errors["username"] = f"用户名“{username}”已存在（用户名不区分大小写）"
    if role not in {r.value for r in Role}:
        errors["role"] = "角色不正确"
    problem = security.password_problem(password or "")
    if problem:
        errors["password"] = problem
    if role in UNIT_ROLES:
        if not unit_id or Unit.get_or_none(Unit.id == unit_id) is None:
            errors["unit_id"] = "承办单位用户须选择所属单位"
    elif unit_id:
        unit_id = None
    if role == Role.SUBMITTER.value and person_id and Person.get_or_none(Person.id == person_id) is None:
        errors["person_id"] = "代表委员不存在"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    with db.atomic():
        user = User.create(
            username=username, password_hash=security.hash_password(password), name=(name or username).strip(),
            role=role, unit=unit_id, phone=phone.strip(), email=email.strip(), title=title.strip(),
            person=person_id, session_nonce=security.new_nonce(), created_at=clock.now(),
        )
        audit.record("user_created", user, actor=actor,
                     after={"username": username, "role": role, "unit_id": unit_id})
    return user


def update_user(user: User, *, actor: Any, **changes: Any) -> User:
    ensure(policy.can(actor, policy.Perm.MANAGE_USERS))
    errors: dict[str, str] = {}
    if "password" in changes and changes["password"]:
        problem = security.password_problem(changes["password"])
        if problem:
            errors["password"] = problem
    role = changes.get("role", user.role)
    unit_id = changes.get("unit_id", user.unit_id)
    if role not in {r.value for r in Role}:
        errors["role"] = "角色不正确"
    if role in UNIT_ROLES and not unit_id:
        errors["unit_id"] = "承办单位用户须选择所属单位"
    if role in UNIT_ROLES and unit_id and Unit.get_or_none(Unit.id == unit_id) is None:
        errors["unit_id"] = "承办单位不存在"
    if changes.get("person_id") and Person.get_or_none(Person.id == changes["person_id"]) is None:
        errors["person_id"] = "代表委员不存在"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    with db.atomic():
        before = {"role": user.role, "unit_id": user.unit_id, "active": user.active, "name": user.name,
                  "phone": user.phone, "email": user.email, "person_id": user.person_id}
        for key in ("name", "role", "phone", "email", "title", "active"):
            if key in changes and changes[key] is not None:
                setattr(user, key, changes[key])
        user.unit = unit_id if role in UNIT_ROLES else None
        if "person_id" in changes:  # only submitters are linked to a deputy / member
            user.person = changes["person_id"] if role == Role.SUBMITTER.value else None
        if changes.get("password"):
            user.password_hash = security.hash_password(changes["password"])
            user.session_nonce = security.new_nonce()
            # A new password ends every session and every API token issued with the old one.
            ApiToken.update(revoked_at=clock.now()).where(
                (ApiToken.user == user.id) & ApiToken.revoked_at.is_null()).execute()
        if "active" in changes and not changes["active"]:
            user.session_nonce = security.new_nonce()
        user.save()
        after = {"role": user.role, "unit_id": user.unit_id, "active": user.active, "name": user.name,
                 "phone": user.phone, "email": user.email, "person_id": user.person_id}
        b, a = audit.changes(before, after)
        audit.record("user_updated", user, actor=actor, before=b, after=a,
                     detail="重置密码" if changes.get("password") else "")
    return user


def issue_token(user: User) -> tuple[str, dt.datetime]:
    hours = 12
    with contextlib.suppress(RuntimeError):  # outside an app: the default
        hours = int(current_app.config.get("API_TOKEN_HOURS", 12))
    token = security.new_token()
    expires = clock.now() + dt.timedelta(hours=hours)
    ApiToken.create(user=user, token_hash=security.token_digest(token), created_at=clock.now(),
                    expires_at=expires)
    return token, expires


def user_for_token(token: str) -> User | None:
    row = ApiToken.get_or_none(ApiToken.token_hash == security.token_digest(token))
    now = clock.now()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = row.user
    if not user.active:
        return None
    return user


def revoke_token(token: str) -> bool:
    rows = ApiToken.update(revoked_at=clock.now()).where(
        (ApiToken.token_hash == security.token_digest(token)) & ApiToken.revoked_at.is_null()
    ).execute()
    return rows == 1


def users_query(*, unit_id: int | None = None, role: str | None = None, actor: Any):
    if not policy.can(actor, policy.Perm.LIST_USERS):
        raise PermissionDenied()
    query = User.select().order_by(User.role, User.unit, User.id)
    if unit_id:
        query = query.where(User.unit == unit_id)
    if role:
        query = query.where(User.role == role)
    return query


def leaders():
    return User.select().where((User.role == Role.LEADER.value) & (User.active == True)).order_by(User.id)  # noqa: E712
