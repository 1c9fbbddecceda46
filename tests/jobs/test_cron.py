"""pg_cron registration (`invoke jobs.schedule`), where the server has pg_cron loaded: in CI, the
Debian PostgreSQL 15 pass with postgresql-15-cron. Skipped on servers without it."""
from __future__ import annotations

import time

import psycopg
import pytest

from db import database
from jobs import cron


def cron_db(url):
    try:
        return cron.cron_database(url)
    except cron.NoCron:
        return None


@pytest.fixture
def cron_url(fresh_db):
    name = cron_db(fresh_db)
    if name is None:
        pytest.skip("pg_cron is not loaded on this server (the PostgreSQL 15 pass of .ci/run has it)")
    url = database.with_params(fresh_db, dbname=name)
    yield url
    with psycopg.connect(url, autocommit=True) as c:
        for (job_id,) in c.execute("select jobid from cron.job where database = %s",
                                   (database.database_name(fresh_db),)).fetchall():
            c.execute("select cron.unschedule(%s::bigint)", (job_id,))


def test_no_cron_is_a_clear_message(fresh_db):
    if cron_db(fresh_db) is not None:
        pytest.skip("this server has pg_cron")
    with pytest.raises(cron.NoCron, match="invoke scheduler"):
        cron.schedule(fresh_db)


def test_jobs_are_registered_in_utc_for_this_database_as_the_jobs_role(cron_url, fresh_db):
    first = cron.schedule(fresh_db)
    again = cron.schedule(fresh_db)
    assert [j[0] for j in first] == [j[0] for j in again]  # idempotent: the same jobs, updated
    dbname = database.database_name(fresh_db)
    with psycopg.connect(cron_url) as c:
        rows = c.execute("select jobname, schedule, command, database, username, active from cron.job "
                         "where database = %s order by jobname", (dbname,)).fetchall()
    assert rows == [(f"epi_audit_seal_{dbname}", "* * * * *", "select epi.audit_seal(), epi.end_long_oa_transactions();",
                     dbname, "epi_jobs", True),
                    (f"epi_counts_full_{dbname}", "0 19 * * 6", "call epi.run_job('counts_full');", dbname,
                     "epi_jobs", True),
                    (f"epi_nightly_{dbname}", "0 18 * * *", "call epi.run_job('nightly');", dbname, "epi_jobs", True)]
    assert cron.unschedule(fresh_db) == 3


def test_pg_cron_really_runs_a_job_as_the_jobs_role(cron_url, fresh_db):
    dbname = database.database_name(fresh_db)
    with psycopg.connect(cron_url, autocommit=True) as c:
        c.execute("select cron.schedule_in_database(%s, '* * * * *', 'call epi.run_job(''discover'')', %s, 'epi_jobs')",
                  (f"epi_test_{dbname}", dbname))
    deadline = time.monotonic() + 90
    with psycopg.connect(fresh_db, autocommit=True) as c:
        while True:
            row = c.execute("select ok, error from epi.job_run where job = 'discover'").fetchone()
            if row:
                break
            assert time.monotonic() < deadline, "pg_cron did not run the job within 90 s"
            time.sleep(2)
    assert row == (True, None)


def test_the_lines_follow_the_schedule(cron_url, fresh_db):
    """Moved to 03:00 (Asia/Shanghai), the nightly's line is 19:00 UTC; the Sunday check stays."""
    import datetime as dt

    from jobs import schedule

    schedule.change({"nightly": (dt.time(3, 0), None)}, by="dba", url=fresh_db)
    cron.schedule(fresh_db)
    dbname = database.database_name(fresh_db)
    with psycopg.connect(cron_url) as c:
        rows = c.execute("select jobname, schedule from cron.job where database = %s order by jobname", (dbname,)).fetchall()
    assert rows == [(f"epi_audit_seal_{dbname}", "* * * * *"), (f"epi_counts_full_{dbname}", "0 19 * * 6"),
                    (f"epi_nightly_{dbname}", "0 19 * * *")]
