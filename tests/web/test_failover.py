"""The web app rides through a database failover (issue 46, point 3), shown without a cluster: a
connection of the pool that the server ended (as a dying or demoted leader ends them all) is dropped
as it leaves the pool and the request is served on a new one; a request whose connection breaks
under it gets a Chinese 503 with Retry-After and writes nothing; while no server answers, requests
and /readyz get 503 with Retry-After, never a traceback. (The drill, `invoke cluster.drill`, does
it on a real Patroni cluster.)"""
from __future__ import annotations

import psycopg

from db import database
from tests.web.conftest import SECRET, sign_on, ticket
from web.errors import DATABASE_SWITCHING


def end_web_sessions(seeded_db) -> int:
    with psycopg.connect(seeded_db, autocommit=True) as c:
        return c.execute("with web as materialized (select pid from pg_stat_activity where usename = 'epi_web' "
                         "and datname = current_database()) "
                         "select count(*) from web where pg_terminate_backend(pid)").fetchone()[0]


def test_connections_the_server_ended_are_replaced_without_an_error(app, client, seeded_db):
    sign_on(client, ticket())
    assert client.get("/alerts").status_code == 200
    assert end_web_sessions(seeded_db) >= 1            # the pool's idle connection is now dead
    assert client.get("/alerts").status_code == 200    # checked as it left the pool, replaced
    assert client.get("/readyz").status_code == 200


def test_a_connection_that_breaks_during_a_request_is_a_503_and_writes_nothing(app, seeded_db):
    from flask import g

    from web import auth
    from web.db import tx

    @app.get("/_test/leader-dies")
    def leader_dies():
        g.user = auth.User("ops.t", "测试", None, ("venue_admin",))
        with tx("ops") as conn:
            conn.execute("insert into epi.unit (unit_code, unit_name) values ('T-LOST', '测试')")
            end_web_sessions(seeded_db)              # the leader's server dies mid-request
            conn.execute("select 1")
        return "unreachable"

    res = app.test_client().get("/_test/leader-dies")
    assert res.status_code == 503 and res.headers["Retry-After"] == "5"
    assert DATABASE_SWITCHING in res.get_data(as_text=True) and "Traceback" not in res.get_data(as_text=True)
    res = app.test_client().get("/_test/leader-dies", headers={"Accept": "application/json"})
    assert res.get_json() == {"error": DATABASE_SWITCHING}
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.unit where unit_code = 'T-LOST'").fetchone()[0] == 0


def test_while_no_server_answers_requests_and_readyz_get_503_with_retry_after(seeded_db, tmp_path):
    from web import create_app

    # every host of a multi-host string refusing: the old leader dead, no new one elected yet
    url = database.with_params(database.web_url(database.database_name(seeded_db)), host="127.0.0.1,127.0.0.1",
                               port="9,19", target_session_attrs="read-write", connect_timeout="1")
    app = create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "k", "DATABASE_WEB_URL": url,
                      "UPLOAD_DIR": str(tmp_path), "SESSION_COOKIE_SECURE": False, "DB_POOL_TIMEOUT": 1.0})
    try:
        client = app.test_client()
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.headers["Retry-After"] == "5"
        assert ready.get_json() == {"error": "数据库无法连接（如在主备切换中，稍后自动恢复）"}
        page = client.get("/?ticket=" + ticket())
        assert page.status_code in (401, 503) and "Traceback" not in page.get_data(as_text=True)
        if page.status_code == 503:
            assert page.headers["Retry-After"] == "5"
    finally:
        app.extensions["epi_pool"].close()


def test_a_commit_the_server_does_not_confirm_is_a_503_saying_the_outcome_is_unknown(app, seeded_db):
    """The drill found it: the leader died between a request's last statement and its commit; the
    commit ran in the teardown, after the answer was made, and waitress answered 500."""
    from flask import g

    from web import auth
    from web.db import tx
    from web.errors import COMMIT_IN_DOUBT

    @app.get("/_test/dies-before-commit")
    def dies_before_commit():
        g.user = auth.User("ops.t", "测试", None, ("venue_admin",))
        with tx("ops") as conn:
            conn.execute("insert into epi.unit (unit_code, unit_name) values ('T-DOUBT', '测试')")
        end_web_sessions(seeded_db)                  # the leader's server dies before the commit
        return "saved"

    res = app.test_client().get("/_test/dies-before-commit", headers={"Accept": "application/json"})
    assert res.status_code == 503 and res.headers["Retry-After"] == "5"
    assert res.get_json() == {"error": COMMIT_IN_DOUBT} and "Content-Security-Policy" in res.headers
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.unit where unit_code = 'T-DOUBT'").fetchone()[0] == 0
