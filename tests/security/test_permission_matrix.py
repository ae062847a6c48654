"""The permission matrix: every route of the URL map (pages and /api/v1) × every role × its
relation to the object (own unit, partner unit, other unit, own/other deputy) and not logged in,
against the expected answers of tests/security/permission_matrix.py.

A route without an entry in the table fails ``test_every_route_has_an_entry``: add one.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.security import permission_matrix as table
from tests.security import world as world_module
from tests.security.matrix_runner import Runner, methods_of, routes, subjects_for
from tracker.core.db import db


def _pairs(app):
    for rule in routes(app):
        for method in methods_of(rule):
            yield rule, method


def test_every_route_has_an_entry(app):
    missing = []
    for rule, method in _pairs(app):
        if table.expectation(rule.endpoint, method) is None:
            missing.append(f"  {rule.endpoint:<34} {method:<6} {rule.rule}")
    assert not missing, (
        "These routes have no entry in the permission matrix. Add one per endpoint to ENDPOINTS in "
        "tests/security/permission_matrix.py (who may call it; see the presets only(...) / on(...)):\n"
        + "\n".join(missing)
    )


def test_the_table_names_no_route_that_is_gone(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = sorted(set(table.ENDPOINTS) - endpoints)
    assert not stale, f"permission_matrix.ENDPOINTS names endpoints that no longer exist: {stale}"


def test_each_entry_covers_the_methods_of_its_route(app):
    for rule, method in _pairs(app):
        entry = table.ENDPOINTS.get(rule.endpoint)
        if isinstance(entry, dict):
            assert method in entry, f"{rule.endpoint}: no expectation for {method}"


@pytest.fixture()
def security_world(app):
    with app.test_request_context():
        db.connect(reuse_if_open=True)
        built = world_module.build()
        db.close()
    built.ids["import_token"] = world_module.upload_import(app, built)
    return built


def test_permission_matrix(app, security_world):
    if any(table.expectation(r.endpoint, m) is None for r, m in _pairs(app)):
        pytest.skip("routes without an entry: see test_every_route_has_an_entry")
    runner = Runner(app, security_world)
    observations = runner.run(routes(app))
    wrong, changed = [], []
    for o in observations:
        expect = table.expectation(o.endpoint, o.method)
        wanted = expect.answer(o.subject, o.method)
        fits = o.answer == wanted or (wanted == table.PASS and o.answer in table.PASSING)
        if not fits:
            wrong.append(f"  {o.method:<6} {o.url:<48} {o.subject:<22} expected {wanted:<9} got {o.answer} "
                         f"({o.status}) {o.body[:120]!r}")
        refused = wanted not in (table.OK, table.PASS)
        if o.changed and (refused or o.method == "GET") and not expect.writes:
            changed.append(f"  {o.method:<6} {o.url:<48} {o.subject:<22} answered {o.answer} ({o.status})")
    assert not wrong, "answers that differ from tests/security/permission_matrix.py:\n" + "\n".join(wrong)
    assert not changed, ("refused requests (or GETs) that changed the database:\n"
                         + "\n".join(changed))
    # Every kind of answer occurs: the matrix is not trivially all-403 or all-ok.
    answers = Counter(o.answer for o in observations)
    for kind in ("ok", "login", "forbidden", "hidden", "refused"):
        assert answers[kind] > 0, answers
    size = sum(len(subjects_for(r)) for r, _m in _pairs(app))
    assert len(observations) == size
    print(f"\npermission matrix: {len({r.endpoint for r, _m in _pairs(app)})} endpoints, "
          f"{sum(1 for _ in _pairs(app))} endpoint×method pairs, {size} requests; answers {dict(answers)}")
