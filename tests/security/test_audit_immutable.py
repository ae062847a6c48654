"""The audit log: append-only through the app (no route changes it) and in the database itself
(triggers refuse UPDATE, DELETE and — on PostgreSQL — TRUNCATE); each entry names who, when,
what, before and after; the administrator's page filters it."""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path

import peewee as pw
import pytest

from tests.security.support import browser
from tracker.accounts import services as accounts
from tracker.assignments import services as assignments
from tracker.audit import immutability
from tracker.audit import services as audit_services
from tracker.audit.models import AuditEntry
from tracker.core.db import db, is_postgres
from tracker.core.enums import Role
from tracker.items import services as items
from tracker.replies import services as replies

ROOT = Path(__file__).resolve().parents[2]


def _migration():
    path = ROOT / "migrations" / "002_audit_append_only.py"
    spec = importlib.util.spec_from_file_location("audit_append_only_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def entry(f):
    office = f.office()
    item = f.item(title="审计测试", actor=office)
    return AuditEntry.get((AuditEntry.item_id == item.id) & (AuditEntry.action == "registered"))


# --- no route --------------------------------------------------------------------------------


def test_no_route_changes_or_deletes_audit_entries(app):
    writes = []
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}
        if methods and ("audit" in rule.rule or "audit" in rule.endpoint):
            writes.append(f"{sorted(methods)} {rule.rule} ({rule.endpoint})")
    assert not writes, f"routes that could change the audit log: {writes}"
    audit_routes = [r for r in app.url_map.iter_rules() if "audit" in r.rule]
    assert audit_routes and all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in audit_routes)


def test_the_audit_services_only_append():
    source = inspect.getsource(audit_services)
    assert "AuditEntry.create(" in source
    for forbidden in (".update(", ".delete(", "delete_instance", ".save(", "execute_sql"):
        assert forbidden not in source, forbidden


def test_the_audit_page_offers_no_form_that_changes_entries(f, app, entry):
    html = browser(app, f.user(Role.ADMIN)).get("/admin/audit").get_data(as_text=True)
    assert "审计测试" in html
    posts = re.findall(r"<form[^>]*method=\"post\"[^>]*>", html, re.I)
    assert all('action="/logout"' in form for form in posts), posts


# --- the database refuses ---------------------------------------------------------------------


def test_the_database_refuses_to_update_an_audit_entry(entry):
    assert immutability.installed(db)
    for change in (
        lambda: AuditEntry.update(detail="篡改").where(AuditEntry.id == entry.id).execute(),
        lambda: AuditEntry.update(actor_name="别人").execute(),
        lambda: db.execute_sql("UPDATE audit_entries SET action = 'nothing'"),
    ):
        with pytest.raises(pw.DatabaseError) as caught, db.atomic():
            change()
        assert "audit log is append-only" in str(caught.value)
    again = AuditEntry.get_by_id(entry.id)
    assert (again.detail, again.actor_name, again.action) == (entry.detail, entry.actor_name, entry.action)


def test_the_database_refuses_to_delete_audit_entries(entry):
    count = AuditEntry.select().count()
    deletes = [
        lambda: AuditEntry.get_by_id(entry.id).delete_instance(),
        lambda: AuditEntry.delete().execute(),
        lambda: db.execute_sql("DELETE FROM audit_entries"),
    ]
    if is_postgres():
        deletes.append(lambda: db.execute_sql("TRUNCATE audit_entries"))
    for delete in deletes:
        with pytest.raises(pw.DatabaseError) as caught, db.atomic():
            delete()
        assert "audit log is append-only" in str(caught.value)
    assert AuditEntry.select().count() == count


def test_appending_still_works(entry):
    before = AuditEntry.select().count()
    audit_services.record("test_event", detail="追加一条")
    assert AuditEntry.select().count() == before + 1


def test_the_migration_installs_what_the_module_describes_and_rolls_back(ctx):
    migration = _migration()
    for remove in (False, True):
        expected = immutability.statements(db, remove=remove)
        assert migration._statements(db.obj, remove) == expected
    from peewee_migrate import Migrator

    try:
        migrator = Migrator(db.obj)
        migration.rollback(migrator, db.obj)
        migrator()
        assert not immutability.installed(db)
        migrator = Migrator(db.obj)
        migration.migrate(migrator, db.obj)
        migrator()
        assert immutability.installed(db)
    finally:
        immutability.install(db)


def test_the_migration_is_applied_by_upgrade(ctx):
    from tracker.core import migrations

    assert "002_audit_append_only" in [m.name for m in migrations.router().model.select()]
    assert immutability.installed(db)


# --- who, when, what, before and after ---------------------------------------------------------


def test_each_entry_names_who_when_what_before_and_after(f):
    office = f.office()
    admin = f.user(Role.ADMIN)
    unit = f.unit("市审计测试局")
    handler = f.user(Role.UNIT_HANDLER, unit)
    leader = f.user(Role.UNIT_LEADER, unit)
    item = f.item(title="旧标题", actor=office, tier="office_supervised")
    items.edit_item(item, actor=office, title="新标题", version=item.version)
    a = f.assign(item, unit, handler=handler)
    assignments.receive(a, actor=handler)
    reply = replies.draft_reply(assignments.Assignment.get_by_id(a.id), actor=handler, result_class="B",
                                text="答复", submit=True)
    replies.sign_off(replies.Reply.get_by_id(reply.id), actor=leader)
    replies.review(replies.Reply.get_by_id(reply.id), actor=office, result_class="A", reason="已解决")
    accounts.update_user(handler, actor=admin, phone="13912345678")

    def one(action: str, **where) -> AuditEntry:
        query = AuditEntry.select().where(AuditEntry.action == action)
        for key, value in where.items():
            query = query.where(getattr(AuditEntry, key) == value)
        rows = list(query)
        assert len(rows) == 1, (action, rows)
        return rows[0]

    edited = one("edited", item_id=item.id)
    assert (edited.actor_id, edited.actor_name) == (office.id, office.display)
    assert edited.before == {"title": "旧标题"} and edited.after == {"title": "新标题"}
    assigned = one("assigned", item_id=item.id)
    assert assigned.after["unit"] == "市审计测试局" and assigned.unit_id == unit.id
    reviewed = one("reply_reviewed", item_id=item.id)
    assert reviewed.before == {"result_class": "B"} and reviewed.after["result_class"] == "A"
    assert reviewed.actor_id == office.id and "分类标识由 B类 改为 A类" in reviewed.detail
    user_updated = one("user_updated", object_id=handler.id)
    assert user_updated.actor_id == admin.id and user_updated.after == {"phone": "13912345678"}
    assert user_updated.before["phone"] != "13912345678"
    for e in AuditEntry.select():
        assert e.at is not None and e.action and e.object_type, e.__data__
        assert (e.actor_id is None) == (e.actor_name == audit_services.SYSTEM), e.__data__
        if e.action in ("received", "reply_drafted", "reply_signed_off", "reply_reviewed"):
            assert e.item_id == item.id and e.unit_id == unit.id
    timeline = [t["type"] for t in audit_services.timeline(item.id)]
    assert timeline[:3] == ["registered", "edited", "assigned"] and timeline[-1] == "reply_sent"


def test_a_lockout_is_logged_as_the_system(f, app):
    user = f.user(Role.OFFICE)
    client = browser(app)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"username": user.username, "password": "wrong-Passw0rd"})
    locked = AuditEntry.get(AuditEntry.action == "login_locked")
    assert locked.actor_id is None and locked.actor_name == "系统" and locked.object_id == user.id
    assert user.username in locked.detail


def test_the_administrator_filters_the_log(f, app):
    office = f.office()
    item = f.item(title="筛选测试甲", actor=office)
    other = f.item(title="筛选测试乙", actor=office)
    items.edit_item(item, actor=office, title="筛选测试甲改")
    client = browser(app, f.user(Role.ADMIN))
    by_item = client.get(f"/admin/audit?item_id={item.id}").get_data(as_text=True)
    assert "筛选测试甲" in by_item and "筛选测试乙" not in by_item
    by_action = client.get("/admin/audit?action=edited").get_data(as_text=True)
    assert "筛选测试甲改" in by_action and "登记人大代表建议第" not in by_action
    by_actor = client.get(f"/admin/audit?actor_id={office.id}").get_data(as_text=True)
    assert "登记人大代表建议第" in by_actor and f"第{other.number}号" in by_actor
    assert browser(app, office).get("/admin/audit").status_code == 403
