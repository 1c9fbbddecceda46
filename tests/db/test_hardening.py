"""Hardening (issue 19, point 1): what an OA reader login cannot take, hold or stall — the zone's
advisory locks, temporary objects, long statements, idle transactions, many connections — and
an import of a new month that an OA login's idle transaction over the scans does not make wait."""
from __future__ import annotations

import os
import threading

import psycopg
import pytest

from db import database, upgrade
from loaders import scans
from tests.conftest import as_jobs, as_ops, as_unit, attempt, build_world, drop_role, quiet
from tests.loaders import workbooks as wbk

PASSWORD = "not-a-real-secret"


def login_url(url, login):
    return database.with_params(url, user=login, password=PASSWORD)


@pytest.mark.parametrize("call", ["pg_advisory_lock(hashtext('epi job nightly'))",
                                  "pg_try_advisory_lock(1)", "pg_advisory_xact_lock(hashtext('epi.scan writes'))",
                                  "pg_advisory_lock_shared(1, 2)", "pg_try_advisory_xact_lock_shared(7)"])
def test_an_oa_login_cannot_take_an_advisory_lock(db_url, oa_login_a, call):
    with psycopg.connect(login_url(db_url, oa_login_a), autocommit=True) as c, \
            pytest.raises(psycopg.errors.InsufficientPrivilege):
        c.execute(f"select {call}")


def test_the_zones_roles_still_take_their_locks(conn):
    for who in (as_ops, as_jobs):
        who(conn)
        assert conn.execute("select pg_try_advisory_xact_lock(hashtext('epi.scan writes'))").fetchone()[0]
    as_unit(conn, "T-A")
    assert isinstance(attempt(conn, "select pg_try_advisory_xact_lock(1)"), psycopg.errors.InsufficientPrivilege)


def test_an_oa_login_cannot_create_temporary_objects(db_url, oa_login_a):
    with psycopg.connect(login_url(db_url, oa_login_a), autocommit=True) as c, \
            pytest.raises(psycopg.errors.InsufficientPrivilege):
        c.execute("create temporary table t (x int)")


def test_an_oa_login_has_timeouts_and_a_connection_limit(db_url, oa_login_a):
    with psycopg.connect(login_url(db_url, oa_login_a), autocommit=True) as c:
        assert c.execute("show statement_timeout").fetchone()[0] == "1min"
        assert c.execute("show idle_in_transaction_session_timeout").fetchone()[0] == "1min"
    with psycopg.connect(db_url) as c:
        assert c.execute("select rolconnlimit from pg_roles where rolname = %s", (oa_login_a,)).fetchone()[0] == \
            upgrade.OA_CONNECTION_LIMIT


@pytest.mark.parametrize("call, name", [("lo_from_bytea(0, convert_to(repeat('x', 1048576), 'UTF8'))", "lo_from_bytea"),
                                        ("lo_create(0)", "lo_create"), ("lo_creat(-1)", "lo_creat"),
                                        ("lo_put(1, 0, '\\x00')", "lo_put")])
def test_an_oa_login_cannot_write_a_large_object(db_url, oa_login_a, call, name):
    """Issue 44, point 3: a "read-only" OA login wrote 1 MB with lo_from_bytea (no size limit)."""
    with psycopg.connect(login_url(db_url, oa_login_a), autocommit=True) as c:
        err = attempt(c, f"select {call}")
    assert (err.sqlstate, err.diag.message_primary) == ("42501", f"permission denied for function {name}")


def test_an_oa_login_has_a_temp_file_limit_and_a_transaction_limit(db_url, oa_login_a):
    """Issue 44, points 2 and 3: temp_file_limit set; on PostgreSQL 17+ transaction_timeout too (on
    15 and 16 epi.end_long_oa_transactions ends the transaction: the next test)."""
    with psycopg.connect(login_url(db_url, oa_login_a), autocommit=True) as c:
        assert c.execute("show temp_file_limit").fetchone()[0] == upgrade.OA_TEMP_FILE_LIMIT
        if c.info.server_version >= 170000:
            assert c.execute("show transaction_timeout").fetchone()[0] == "2min"
        err = attempt(c, "select count(*) from generate_series(1, 20000000) g order by 1")   # sorts on disk
    # "temporary file size exceeds temp_file_limit (102400kB)" (PostgreSQL 18 quotes the name)
    assert (err.sqlstate, err.diag.message_primary[:27]) == ("53400", "temporary file size exceeds")


def test_an_oa_logins_long_transaction_is_ended_and_recorded(db_url, oa_login_a):
    """Issue 44, point 2: two pg_sleep(40) in one transaction held a month for 80 s; the function the
    sealer runs every minute ends a transaction older than the limit (here 1 s) and says so."""
    import time

    reader = psycopg.connect(login_url(db_url, oa_login_a))
    try:
        reader.execute("select count(*) from oa.scan")
        time.sleep(1.5)
        with psycopg.connect(db_url) as c:
            as_ops(c)
            err = attempt(c, "select epi.end_long_oa_transactions(1)")
            assert (err.sqlstate, err.diag.message_primary) == ("42501", "permission denied for function end_long_oa_transactions")
            as_jobs(c)
            assert c.execute("select epi.end_long_oa_transactions(1)").fetchone()[0] == 1
            assert c.execute("select epi.end_long_oa_transactions(1)").fetchone()[0] == 0   # only that one
            c.commit()
        with pytest.raises(psycopg.OperationalError):
            reader.execute("select 1")
    finally:
        reader.close()
    with psycopg.connect(db_url) as c:
        rows = c.execute("select caller_kind, detail from epi.audit_log where action = 'oa.transaction_ended'").fetchall()
    assert [(k, d["login"], d["limit_seconds"]) for k, d in rows] == [("jobs", oa_login_a, 1)]


def test_an_oa_logins_idle_transaction_does_not_stall_an_import_of_a_new_month(cluster_url, fresh_db, web, tmp_path):
    """Before, the partition of a new month was attached with a default partition that every reader
    of epi.scan had locked: the import waited (38 s in the attack). Now nothing it needs is held."""
    login = f"oa_stall_{os.getpid()}"
    with psycopg.connect(fresh_db) as c:
        build_world(c)
        c.commit()
    upgrade.grant_oa(login, unit="T-A", ops=False, password=PASSWORD, url=fresh_db, echo=quiet)
    try:
        with psycopg.connect(login_url(fresh_db, login)) as reader:
            assert reader.execute("select count(*) from oa.scan").fetchone()[0] == 3   # and stays idle in it
            path = wbk.csv_file(tmp_path / "新月份.csv", wbk.rows_with_times(["2031-05-01 10:00", "2031-06-02 11:00"]))
            done = {}
            worker = threading.Thread(target=lambda: done.setdefault("result", scans.import_scans(path, by="ops.li", url=web)))
            worker.start()
            worker.join(20)   # far below the import's own lock_timeout (30 s)
            assert not worker.is_alive() and done["result"].rows == 2, "the import waited for the reader"
            reader.rollback()
    finally:
        drop_role(cluster_url, login, [database.database_name(fresh_db)])
    with psycopg.connect(fresh_db) as c:
        assert c.execute("select count(*) from epi.scan_y2031m05").fetchone()[0] == 1


def test_an_import_gives_up_on_a_lock_with_a_clear_message(fresh_db, web, tmp_path, monkeypatch):
    """Someone (here a DBA) holds epi.scan exclusively: the import stops after its lock_timeout with
    a message that says what happened, and writes nothing."""
    monkeypatch.setitem(scans.SQL, "import_lock_timeout", "set local lock_timeout = '1s'")
    path = wbk.csv_file(tmp_path / "a.csv", wbk.rows_with_times(["2022-03-05 10:00"]))
    with psycopg.connect(fresh_db) as dba:
        dba.execute("lock table epi.scan in access exclusive mode")
        with pytest.raises(scans.LoadError, match="等待数据库锁"):
            scans.import_scans(path, by="ops.li", url=web)
        dba.rollback()
    with psycopg.connect(fresh_db) as c:
        assert c.execute("select count(*) from epi.import_batch").fetchone()[0] == 0
