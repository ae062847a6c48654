from __future__ import annotations

import peewee as pw

from tracker.core.db import BaseModel, UTCDateTimeField
from tracker.core.enums import Body, Role
from tracker.units.models import Unit


class Person(BaseModel):
    """A deputy (人大代表) or CPPCC member (政协委员), or a group filing in their name."""

    name = pw.CharField(max_length=100, index=True)
    body = pw.CharField(max_length=10, default=Body.NPC.value)
    delegation = pw.CharField(max_length=200, default="")  # 代表团 or 界别
    phone = pw.CharField(max_length=50, default="")
    email = pw.CharField(max_length=200, default="")

    class Meta:
        table_name = "persons"


class User(BaseModel):
    username = pw.CharField(max_length=80, unique=True)
    password_hash = pw.CharField(max_length=255)
    name = pw.CharField(max_length=100)
    role = pw.CharField(max_length=20, index=True)
    unit = pw.ForeignKeyField(Unit, null=True, backref="users", on_delete="RESTRICT")
    person = pw.ForeignKeyField(Person, null=True, backref="users", on_delete="SET NULL")
    phone = pw.CharField(max_length=50, default="")
    email = pw.CharField(max_length=200, default="")
    title = pw.CharField(max_length=100, default="")  # job title, e.g. 副局长
    active = pw.BooleanField(default=True)
    locale = pw.CharField(max_length=10, default="zh")
    # Changing it logs out every session of the user (logout, password change).
    session_nonce = pw.CharField(max_length=32)
    failed_logins = pw.IntegerField(default=0)
    locked_until = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField()
    last_login_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "users"

    # Flask-Login
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def display(self) -> str:
        return self.name or self.username


class ApiToken(BaseModel):
    user = pw.ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    token_hash = pw.CharField(max_length=64, unique=True)
    created_at = UTCDateTimeField()
    expires_at = UTCDateTimeField()
    revoked_at = UTCDateTimeField(null=True)
    last_used_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "api_tokens"
