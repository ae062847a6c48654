"""How the app holds its database connections: pooled per process, and on PostgreSQL with the
planner settings of ``core.db.POSTGRES_OPTIONS`` unless the URL brings its own."""

import pytest

from tests.conftest import BACKEND
from tracker.core.db import POSTGRES_OPTIONS, make_database

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL connection settings")


def _backend_and_setting(client):
    from tracker.core.db import db as proxy

    client.get("/healthz")
    proxy.connect(reuse_if_open=True)
    try:
        pid = proxy.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        cost = proxy.execute_sql("SHOW random_page_cost").fetchone()[0]
        workers = proxy.execute_sql("SHOW max_parallel_workers_per_gather").fetchone()[0]
    finally:
        proxy.close()
    return pid, cost, workers


def test_requests_reuse_a_pooled_connection_with_the_planner_settings(app):
    client = app.test_client()
    with app.app_context():
        first = _backend_and_setting(client)
        second = _backend_and_setting(client)
    assert first[0] == second[0]  # the same server process: the connection went back to the pool
    assert first[1:] == ("1.1", "0")
    assert "random_page_cost=1.1" in POSTGRES_OPTIONS


def test_options_in_the_url_win(database_url):
    database = make_database(database_url + "?options=-c%20random_page_cost%3D2")
    database.connect()
    try:
        assert database.execute_sql("SHOW random_page_cost").fetchone()[0] == "2"
        # the URL's options replace the defaults altogether: the server's own value is back
        setting, boot = database.execute_sql(
            "SELECT setting, boot_val FROM pg_settings WHERE name = 'max_parallel_workers_per_gather'").fetchone()
        assert setting == boot
    finally:
        database.close()
        database.close_all()
