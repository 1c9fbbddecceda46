"""epi.job_list, epi.job_begin, epi.job_end: the one bookkeeping of every job's runs (epi.run_job
uses it for its jobs and steps, jobs/frontdb.py for the sync)."""
from __future__ import annotations

import datetime as dt

import psycopg

from tests.conftest import as_jobs, as_unit, attempt

DAY = dt.date(2022, 3, 11)


def test_the_job_list_names_every_job_once_with_its_steps(conn):
    as_jobs(conn)
    jobs = {r[0]: (r[1], r[2], r[4]) for r in conn.execute("select * from epi.job_list()")}
    assert list(jobs) == ["partitions", "retention", "discover", "counts", "counts_full", "alerts", "sms", "nightly", "frontdb",
                          "units", "menus"]
    assert jobs["nightly"] == ("夜间任务", ["partitions", "retention", "discover", "counts", "alerts", "sms"], True)
    # the sync and the units' and menus' refreshes run in Python (another database, files)
    assert jobs["frontdb"][2] is False and jobs["units"][2] is False and jobs["menus"][2] is False
    assert all(ok for name, (_, _, ok) in jobs.items() if name not in ("frontdb", "units", "menus"))


def test_every_step_in_the_database_has_a_call_that_exists_and_run_job_has_no_list_of_its_own(conn):
    """epi.run_job runs each step by the call epi.job_list gives it: the list is the one place."""
    as_jobs(conn)
    rows = conn.execute("select job, steps, call, in_database from epi.job_list()").fetchall()
    steps = {s for _, ss, _, db in rows if db for s in ss}
    calls = {job: call for job, _, call, _ in rows}
    assert steps == {"partitions", "retention", "discover", "counts", "counts_full", "alerts", "sms"}
    for step in steps:
        function = calls[step].split("(")[0]
        assert conn.execute("select to_regproc(%s) is not null", (function,)).fetchone()[0], step
    assert calls["nightly"] is None and calls["frontdb"] is None and calls["units"] is None and calls["menus"] is None
    body = conn.execute("select prosrc from pg_proc where oid = 'epi.run_job'::regproc").fetchone()[0]
    assert "job_alerts" not in body and "job_counts" not in body


def test_run_job_answers_its_run_id_and_the_steps_name_their_run(fresh_db):
    """`call epi.run_job(…, null)` returns the run's id; a nightly's steps are its children."""
    from db import database

    with psycopg.connect(database.jobs_url(database.database_name(fresh_db)), autocommit=True) as c:
        run_id = c.execute("call epi.run_job('nightly', %s, null)", (DAY,)).fetchone()[0]
        assert c.execute("select job, parent_run from epi.job_run where run_id = %s", (run_id,)).fetchone() \
            == ("nightly", None)
        assert [r[0] for r in c.execute("select job from epi.job_run where parent_run = %s order by run_id",
                                        (run_id,))] == ["partitions", "retention", "discover", "counts", "alerts", "sms"]
        # a job of one step is its own run
        alerts = c.execute("call epi.run_job('alerts', %s, null)", (DAY,)).fetchone()[0]
        assert c.execute("select job, parent_run, ok from epi.job_run where run_id = %s", (alerts,)).fetchone() \
            == ("alerts", None, True)


def test_run_job_answers_the_refusal_when_another_run_holds_the_job(fresh_db):
    from db import database

    url = database.jobs_url(database.database_name(fresh_db))
    with psycopg.connect(url, autocommit=True) as holder, psycopg.connect(url, autocommit=True) as c:
        held = holder.execute("select epi.job_begin('alerts', %s)", (DAY,)).fetchone()[0]
        try:
            refused = c.execute("call epi.run_job('alerts', %s, null)", (DAY,)).fetchone()[0]
            assert refused != held
            assert c.execute("select job, ok, error from epi.job_run where run_id = %s", (refused,)).fetchone() \
                == ("alerts", False, "同名任务正在运行，本次未执行")
        finally:
            holder.execute("select epi.job_end(%s, null, 0)", (held,))


def test_a_run_is_begun_recorded_and_ended(conn):
    as_jobs(conn)
    run = conn.execute("select epi.job_begin('alerts', %s)", (DAY,)).fetchone()[0]
    assert conn.execute("select job, as_of, finished_at from epi.job_run where run_id = %s", (run,)).fetchone() \
        == ("alerts", DAY, None)
    conn.execute("select epi.job_end(%s, null, 7)", (run,))
    assert conn.execute("select ok, error, rows, finished_at is not null from epi.job_run where run_id = %s",
                        (run,)).fetchone() == (True, None, 7, True)
    failed = conn.execute("select epi.job_begin('alerts', %s)", (DAY,)).fetchone()[0]   # the lock was released
    conn.execute("select epi.job_end(%s, '出错了', null)", (failed,))
    assert conn.execute("select ok, error from epi.job_run where run_id = %s", (failed,)).fetchone() == (False, "出错了")


def test_an_unfinished_run_is_marked_interrupted_by_the_next(conn):
    as_jobs(conn)
    conn.execute("insert into epi.job_run (job, as_of, started_at) values ('counts', %s, now())", (DAY,))
    run = conn.execute("select epi.job_begin('counts', %s)", (DAY,)).fetchone()[0]
    rows = conn.execute("select run_id = %s, finished_at is null, ok, error from epi.job_run where job = 'counts'"
                        " order by run_id", (run,)).fetchall()
    assert rows == [(False, False, False, "任务中断（进程退出或数据库重启），未完成"), (True, True, None, None)]
    conn.execute("select epi.job_end(%s, null, 0)", (run,))


def test_a_second_runner_is_refused_while_the_first_holds_the_lock(conn, db_url):
    as_jobs(conn)
    run = conn.execute("select epi.job_begin('discover', %s)", (DAY,)).fetchone()[0]
    with psycopg.connect(db_url) as other:
        as_jobs(other)
        assert other.execute("select epi.job_begin('discover', %s)", (DAY,)).fetchone()[0] is None
        assert other.execute("select ok, error from epi.job_run where job = 'discover' and run_id <> %s", (run,)
                             ).fetchall() == [(False, "同名任务正在运行，本次未执行")]
        other.rollback()
    conn.execute("select epi.job_end(%s, null, 0)", (run,))


def test_unknown_jobs_and_other_callers_are_refused(conn):
    as_jobs(conn)
    assert isinstance(attempt(conn, "select epi.job_begin('nope', %s)", (DAY,)), psycopg.errors.InvalidParameterValue)
    as_unit(conn, "T-A")
    assert isinstance(attempt(conn, "select epi.job_begin('alerts', %s)", (DAY,)), psycopg.errors.InsufficientPrivilege)


def test_run_job_leaves_the_python_job_to_python(conn):
    """The front-database sync reads another database: epi.run_job refuses it by the job list."""
    as_jobs(conn)
    err = attempt(conn, "call epi.run_job('frontdb', %s)", (DAY,))
    assert isinstance(err, psycopg.errors.InvalidParameterValue)
    assert err.diag.message_primary == "未知的任务：frontdb（可用：partitions、retention、discover、counts、counts_full、alerts、sms、nightly）"
