"""Strong locks never queue readers for long (issue 44, point 1): an OA login's transaction holds a
month of scans while ops delete that month. The delete asks for its ACCESS EXCLUSIVE lock for at
most 200 ms at a time and tries again with back-off, so scan readers never queue behind it for
longer; once the reader lets go, the delete completes; when it cannot get the lock in its bounded
time, the user is told to retry and nothing changed — counts, batches and audit as before."""
from __future__ import annotations

import os
import threading
import time

import psycopg
import psycopg.sql
import pytest

from db import database, upgrade
from tests.conftest import as_ops, as_unit, build_world, drop_role, quiet

PASSWORD = "not-a-real-secret"
BUSY = "扫码数据正被其他查询使用，未能取得删除所需的锁；本次操作未做任何更改，请稍后重试"


@pytest.fixture
def month_held(cluster_url, fresh_db):
    """A world committed, an OA login of unit T-A, and that login's open transaction over oa.scan."""
    login = f"oa_lock_{os.getpid()}"
    with psycopg.connect(fresh_db) as c:
        build_world(c)
        c.commit()
    upgrade.grant_oa(login, unit="T-A", ops=False, password=PASSWORD, url=fresh_db, echo=quiet)
    reader = psycopg.connect(database.with_params(fresh_db, user=login, password=PASSWORD))
    assert reader.execute("select count(*) from oa.scan").fetchone()[0] == 3   # and stays in its transaction
    try:
        yield fresh_db, reader
    finally:
        reader.close()
        drop_role(cluster_url, login, [database.database_name(fresh_db)])


def state(url) -> tuple:
    with psycopg.connect(url) as c:
        return (c.execute("select count(*) from epi.scan").fetchone()[0],
                c.execute("select coalesce(sum(n), 0) from epi_private.daily_count").fetchone()[0],
                c.execute("select coalesce(sum(n), 0) from epi_private.batch_month").fetchone()[0],
                c.execute("select count(*) from epi.audit_log").fetchone()[0])


def delete_month(url, wait_seconds: str, out: dict) -> None:
    with psycopg.connect(url) as c:
        c.execute("set statement_timeout = '40s'")   # a delete that waits without bound fails, not hangs
        c.execute("set application_name = 'month delete'")
        as_ops(c)
        c.execute("select set_config('epi.strong_lock_wait_seconds', %s, true)", (wait_seconds,))
        try:
            out["rows"] = c.execute("select epi.drop_scan_month('2022-03-01')").fetchone()[0]
            c.commit()
        except psycopg.Error as exc:
            out["error"] = exc


def test_readers_wait_at_most_the_lock_timeout_and_the_delete_completes_after(month_held):
    url, reader = month_held
    out: dict = {}
    deleter = threading.Thread(target=delete_month, args=(url, "30", out))
    deleter.start()
    waits, lock_waits = [], []
    with psycopg.connect(url, autocommit=True) as watch, psycopg.connect(url) as unit:
        until = time.monotonic() + 3
        while time.monotonic() < until:
            as_unit(unit, "T-B")
            began = time.monotonic()
            unit.execute("select count(*) from epi.scan").fetchone()
            waits.append(time.monotonic() - began)
            unit.rollback()
            lock_waits += [r[0] for r in watch.execute(
                "select extract(epoch from clock_timestamp() - state_change) from pg_stat_activity "
                "where wait_event_type = 'Lock' and datname = current_database() "
                "and application_name <> 'month delete'")]   # the readers (the delete's own statement runs on)
    assert deleter.is_alive() and "rows" not in out, "the delete did not wait for the reader"
    assert len(waits) > 10 and max(waits) < 1.0, max(waits)            # not the reader's whole transaction
    assert max(lock_waits, default=0) < 1.0, lock_waits                  # no reader queued beyond ~200 ms
    reader.rollback()                                                  # the reader lets go
    deleter.join(20)
    assert not deleter.is_alive() and out.get("rows") == 7, out
    with psycopg.connect(url) as c:
        assert c.execute("select to_regclass('epi.scan_y2022m03')").fetchone()[0] is None
        assert c.execute("select count(*) from epi.audit_log where action = 'scan.delete'").fetchone()[0] == 1


def test_a_delete_that_cannot_get_its_lock_changes_nothing_and_says_retry(month_held, tmp_path):
    url, reader = month_held
    before = state(url)
    out: dict = {}
    began = time.monotonic()
    delete_month(url, "1", out)
    assert 0.9 < time.monotonic() - began < 5
    err = out["error"]
    assert (err.sqlstate, err.diag.message_primary) == ("55P03", BUSY)
    reader.rollback()
    assert state(url) == before
    with psycopg.connect(url) as c:
        assert c.execute("select to_regclass('epi.scan_y2022m03')").fetchone()[0] is not None


def test_the_page_says_retry(month_held, tmp_path):
    """Ops' month delete on the page: 503 with the message, the month still there."""
    import re

    from tests.web.conftest import OPS_MENUS, SECRET, ticket
    from web import create_app

    url, reader = month_held
    with psycopg.connect(url, autocommit=True) as c:   # a short wait for the test (new sessions read it)
        c.execute(psycopg.sql.SQL("alter database {} set epi.strong_lock_wait_seconds = '1'").format(
            psycopg.sql.Identifier(database.database_name(url))))
    app = create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "k", "SESSION_COOKIE_SECURE": False,
                      "DATABASE_WEB_URL": database.web_url(database.database_name(url)), "UPLOAD_DIR": str(tmp_path)})
    try:
        client = app.test_client()
        client.get("/?ticket=" + ticket(sub="ops.li", unit="OPS", menus=OPS_MENUS))
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/scan-admin").get_data(as_text=True)).group(1)
        form = {"csrf_token": token, "by": "collected", "from": "2022-03-01", "to": "2022-03-31"}
        preview = client.post("/scan-admin/delete/preview", data=form).get_data(as_text=True)
        expected = re.search(r'name="expected" value="(\d+)"', preview).group(1)
        res = client.post("/scan-admin/delete", data=form | {"expected": expected})
        assert res.status_code == 503 and BUSY in res.get_data(as_text=True)
    finally:
        app.extensions["epi_pool"].close()
    reader.rollback()
    with psycopg.connect(url) as c:
        assert c.execute("select count(*) from epi.scan").fetchone()[0] == 7
