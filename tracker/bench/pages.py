"""Every page at scale: each role's pages, timed on the seeded database.

The six scenarios time the pages the benchmark issue names. A page nobody named can still read
ten years of history on every view (the office desk once rendered 6.8 MB in 5.9 s at 200,000
items): this sweep opens every GET page without URL arguments, as each role's first account,
plus a few pages with typical arguments (a search, the last page of the item list, an item),
and lists those over :data:`PAGE_BUDGET_MS`. Informational: the budget is the project's own,
not one of the issue's targets. Exports and the API are left out (the scenarios time exports;
the API shares the pages' queries).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import Flask

from tracker.accounts.models import User
from tracker.assignments.models import Assignment
from tracker.bench.scenarios import logged_in_client
from tracker.bench.seed import SeedResult
from tracker.core.db import connection
from tracker.core.enums import AssignmentStatus, HandlingRole, ReplyStatus, Role
from tracker.items.models import Item
from tracker.replies.models import Reply

PAGE_BUDGET_MS = 300
RUNS = 3
SKIPPED_PREFIXES = ("/api/", "/static/", "/login", "/logout", "/healthz")
SKIPPED_SUFFIXES = (".xlsx", ".docx", ".css", ".json", ".csv", ".js")
SEARCH_TERM = "停车"  # in the seeded titles (停车难, one of the topics)


def plain_paths(app: Flask) -> list[str]:
    """The app's GET pages that take no URL arguments, in path order."""
    paths = set()
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        path = rule.rule
        if path.startswith(SKIPPED_PREFIXES) or path.endswith(SKIPPED_SUFFIXES):
            continue
        paths.add(path)
    return sorted(paths)


UNIT_ROLES = (Role.UNIT_HANDLER.value, Role.UNIT_LEADER.value)


def _open_part(unit_id: Any) -> Assignment | None:
    """The unit's latest part being handled (signed for, not a co unit's), or None."""
    return (Assignment.select(Assignment.id, Assignment.item, Assignment.unit)
            .where(Assignment.unit == unit_id, Assignment.role != HandlingRole.CO.value,
                   Assignment.status == AssignmentStatus.HANDLING.value)
            .order_by(Assignment.id.desc()).first())


def sweep_unit() -> int | None:
    """The unit whose accounts open the unit roles' pages: the first unit (in the order of its
    first handler account) that has a part being handled, so that its forms can be opened; on
    a small database the first handler's unit may have none on a given day."""
    with connection():
        units = list(dict.fromkeys(
            u.unit_id for u in User.select(User.unit).where(User.role == Role.UNIT_HANDLER.value,
                                                            User.active == True)  # noqa: E712
            .order_by(User.id)))
        return next((u for u in units if _open_part(u) is not None), units[0] if units else None)


def extra_paths(seeded: SeedResult, unit_id: int | None) -> list[str]:
    """Pages with the arguments users give most: a search, the last page of the list, and the
    pages of one item being handled by the unit ``unit_id`` (its assignment, forms and latest
    sent reply; the latest such part), each opened by every role (those refused are left out)."""
    with connection():
        items = Item.select().count()
        open_part = _open_part(unit_id) if unit_id else None
        sent = (Reply.select(Reply.id).join(Assignment)
                .where(Assignment.unit == unit_id, Reply.status == ReplyStatus.SENT.value)
                .order_by(Reply.id.desc()).first()) if unit_id else None
    last_page = max(1, -(-items // 50))
    paths = [f"/items?q={quote(SEARCH_TERM)}", f"/items?page={last_page}", "/items?sort=-due",
             f"/items/similar?title={quote('关于' + SEARCH_TERM)}"]
    if open_part is not None:
        a, item = open_part.id, open_part.item_id
        paths += [f"/items/{item}", f"/items/{item}/edit", f"/items/{item}/closeout", f"/items/{item}/similar",
                  f"/assignments/{a}/progress", f"/assignments/{a}/contacts", f"/assignments/{a}/reply/new",
                  f"/assignments/{a}/extension", f"/assignments/{a}/adjust", f"/assessment/assignment/{a}",
                  f"/assessment/unit/{open_part.unit_id}", f"/sessions/{seeded.latest_npc}/reconcile"]
    if sent is not None:
        paths.append(f"/replies/{sent.id}")
    return paths


def role_accounts(unit_id: int | None = None) -> dict[str, str]:
    """Each role's first active account (the seeded ones are ``bench_*``); for the unit roles,
    the first of the unit ``unit_id`` when it has one."""
    accounts = {}
    with connection():
        for role in Role:
            query = (User.select(User.username)
                     .where(User.role == role.value, User.active == True)  # noqa: E712
                     .order_by(User.id))
            user = (query.where(User.unit == unit_id).first() if unit_id and role.value in UNIT_ROLES else None) \
                or query.first()
            if user is not None:
                accounts[role.value] = user.username
    return accounts


def sweep(app: Flask, seeded: SeedResult, password: str, echo: Callable[[str], None] = print,
          runs: int = RUNS) -> dict[str, Any]:
    """Median time and size of every page each role can open (status 200), slowest first."""
    unit_id = sweep_unit()
    paths = plain_paths(app) + extra_paths(seeded, unit_id)
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    for role, username in role_accounts(unit_id).items():
        client = logged_in_client(app, username, password)
        for path in paths:
            response = client.get(path)  # warm-up; pages the role may not open are left out
            if response.status_code >= 500:  # a page that fails is a finding, never skipped
                errors.append(f"{role} {path}: HTTP {response.status_code}")
            if response.status_code != 200:
                continue
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            rows.append({"role": role, "user": username, "path": path,
                         "median_ms": round(statistics.median(times), 1), "bytes": len(response.data)})
    rows.sort(key=lambda r: -r["median_ms"])
    over = [r for r in rows if r["median_ms"] > PAGE_BUDGET_MS]
    echo(f"  各角色页面：{len(rows)} 个（{len({r['path'] for r in rows})} 个地址），"
         f"超过 {PAGE_BUDGET_MS} ms 的 {len(over)} 个；最慢：")
    for r in rows[:5]:
        echo(f"    {r['median_ms']:>8.1f} ms  {r['bytes'] / 1024:>7.0f} KB  {r['role']:<13} {r['path']}")
    for error in errors:
        echo(f"  页面出错：{error}")
    return {"budget_ms": PAGE_BUDGET_MS, "runs": runs, "pages": rows,
            "over_budget": [f"{r['role']} {r['path']}" for r in over], "errors": errors}
