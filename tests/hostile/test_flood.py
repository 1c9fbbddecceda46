"""A flood of requests: the web app keeps a bounded pool of database connections; a request that
cannot get one within DB_POOL_TIMEOUT is told the system is busy (503), and no statement runs past
DB_STATEMENT_TIMEOUT (503, asking for a narrower query). Neither is a 500, and the app serves the
next request normally. The figures under load are in docs/load-test.md (invoke soak)."""
from __future__ import annotations

import threading
import time

from db import database
from tests.web.conftest import SECRET, ticket
from web.db import tx


def make_app(seeded_db, **config):
    from web import create_app

    app = create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "k", "SESSION_COOKIE_SECURE": False,
                      "DATABASE_WEB_URL": database.web_url(database.database_name(seeded_db)), **config})

    @app.get("/_test/slow/<float:seconds>")
    def slow(seconds):
        from flask import g

        from web.auth import User
        g.user = User("t.slow", "测试", "T-A", ("alert",))
        with tx("unit") as conn:
            conn.execute("select pg_sleep(%s)", (seconds,))
        return {"ok": True}

    return app


def test_a_statement_past_the_timeout_is_a_503_and_the_next_request_works(seeded_db):
    app = make_app(seeded_db, DB_STATEMENT_TIMEOUT="300ms")
    client = app.test_client()
    res = client.get("/_test/slow/2.0")
    assert res.status_code == 503 and "查询超时" in res.get_data(as_text=True)
    assert client.get("/_test/slow/0.0").status_code == 200
    bearer = {"Authorization": "Bearer " + ticket()}
    assert client.get("/api/alerts", headers=bearer).status_code == 200
    app.extensions["epi_pool"].close()


def test_no_free_connection_within_the_pool_timeout_is_a_503_busy(seeded_db):
    app = make_app(seeded_db, DB_POOL_SIZE=1, DB_POOL_TIMEOUT=0.5)
    holder = threading.Thread(target=lambda: app.test_client().get("/_test/slow/2.0"))
    holder.start()
    time.sleep(0.5)                       # the one connection is taken
    res = app.test_client().get("/api/alerts", headers={"Authorization": "Bearer " + ticket()})
    holder.join()
    assert res.status_code == 503 and res.get_json() == {"error": "系统繁忙，请稍后重试"}
    assert app.test_client().get("/api/alerts", headers={"Authorization": "Bearer " + ticket()}).status_code == 200
    app.extensions["epi_pool"].close()
