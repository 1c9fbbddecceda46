"""epi.run_job and `invoke jobs.run`: recorded runs, one at a time, as-of days, failures."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from db import database
from db.vocabulary import SHANGHAI
from jobs import gateways, runner
from jobs.schedule import next_time
from tests.jobs.helpers import seed_committed

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def seeded(fresh_db):
    """Units, three checked venues and 10 covered days, committed; returns the jobs URL."""
    seed_committed(fresh_db)
    return database.jobs_url(database.database_name(fresh_db))


def runs(url):
    with psycopg.connect(url) as c:
        return c.execute("select job, as_of::text, ok, error, rows from epi.job_run order by run_id").fetchall()


def test_nightly_runs_every_step_as_of_the_day_and_records_each(seeded):
    result = runner.run("nightly", dt.date(2022, 3, 11), url=seeded, gateway=gateways.LogGateway())
    assert [(r["job"], r["ok"]) for r in result] == [("nightly", True), ("partitions", True), ("retention", True),
                                                     ("discover", True), ("counts", True), ("alerts", True), ("sms", True),
                                                     ("sms_dispatch", True)]
    assert runs(seeded) == [("nightly", "2022-03-11", True, None, 7), ("partitions", "2022-03-11", True, None, 1),
                            ("retention", "2022-03-11", True, None, 0), ("discover", "2022-03-11", True, None, 1),
                            ("counts", "2022-03-11", True, None, 0), ("alerts", "2022-03-11", True, None, 3),
                            ("sms", "2022-03-11", True, None, 2)]
    assert "预警检测（alerts，业务日期 2022-03-11）：成功，影响 3 行" in runner.describe(result)
    assert result[-1]["summary"].sent == 2


def test_repeated_nightly_runs_send_one_text_per_unit_per_day(seeded):
    for _ in range(3):
        runner.run("nightly", dt.date(2022, 3, 11), url=seeded, gateway=gateways.LogGateway())
    with psycopg.connect(seeded) as c:
        assert c.execute("select unit_code, day::text, status from epi.sms_outbox order by 1").fetchall() == \
            [("T-A", "2022-03-11", "sent"), ("T-B", "2022-03-11", "sent")]
    runner.run("nightly", dt.date(2022, 3, 12), url=seeded, gateway=gateways.LogGateway())
    with psycopg.connect(seeded) as c:
        assert c.execute("select count(*) from epi.sms_outbox where day = '2022-03-12'").fetchone()[0] == 2


def test_a_failing_step_is_recorded_and_the_others_still_run(seeded, fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("update epi.setting set value = '\"ninety\"' where key = 'alert_window_days'")
    result = runner.run("nightly", dt.date(2022, 3, 11), url=seeded, dispatch_sms=False)
    by_job = {r["job"]: r for r in result}
    assert by_job["alerts"]["ok"] is False and "ninety" in by_job["alerts"]["error"]
    assert by_job["discover"]["ok"] and by_job["sms"]["ok"]
    assert by_job["nightly"]["ok"] is False and "部分步骤失败" in by_job["nightly"]["error"]


def test_a_job_never_runs_twice_at_once(seeded):
    with psycopg.connect(seeded, autocommit=True) as holder:
        holder.execute("select pg_advisory_lock(hashtext('epi job alerts'))")
        result = runner.run("alerts", dt.date(2022, 3, 11), url=seeded)
        assert result[0]["ok"] is False and result[0]["error"] == "同名任务正在运行，本次未执行"
        nightly = runner.run("nightly", dt.date(2022, 3, 11), url=seeded, dispatch_sms=False)
        assert {r["job"]: r["ok"] for r in nightly} == {"nightly": False, "partitions": True, "retention": True, "discover": True,
                                                      "counts": True, "alerts": False, "sms": True}
    assert runner.run("alerts", dt.date(2022, 3, 11), url=seeded)[0]["ok"] is True


def test_a_run_left_unfinished_is_marked_failed_by_the_next(seeded, fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("insert into epi.job_run (job, as_of) values ('alerts', '2022-03-10')")  # a crashed run
    runner.run("alerts", dt.date(2022, 3, 11), url=seeded)
    assert runs(seeded)[0] == ("alerts", "2022-03-10", False, "任务中断（进程退出或数据库重启），未完成", None)


def test_unknown_job(seeded):
    with pytest.raises(ValueError, match="未知的任务"):
        runner.run("cleanup", url=seeded)
    with psycopg.connect(seeded, autocommit=True) as c, pytest.raises(psycopg.errors.InvalidParameterValue):
        c.execute("call epi.run_job('cleanup')")


def test_only_the_jobs_role_may_run_jobs(fresh_db):
    web = database.web_url(database.database_name(fresh_db))
    with psycopg.connect(web, autocommit=True) as c:
        c.execute("set role epi_ops")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("call epi.run_job('nightly')")


def test_jobs_run_command(seeded, fresh_db):
    env = dict(os.environ, EPI_JOBS_DATABASE_URL=seeded)
    res = subprocess.run([sys.executable, "-m", "invoke", "jobs.run", "alerts", "--date", "2022-03-11"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    assert "预警检测（alerts，业务日期 2022-03-11）：成功，影响 3 行" in res.stdout
    bad = subprocess.run([sys.executable, "-m", "invoke", "jobs.run", "alerts", "--date", "11/03/2022"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_scheduler_times_are_in_shanghai():
    utc = dt.UTC
    assert next_time(dt.datetime(2022, 3, 10, 17, 59, tzinfo=utc), dt.time(2, 0)) == \
        dt.datetime(2022, 3, 11, 2, 0, tzinfo=SHANGHAI)                      # 01:59 in Kaiping: today 02:00
    assert next_time(dt.datetime(2022, 3, 10, 18, 0, tzinfo=utc), dt.time(2, 0)) == \
        dt.datetime(2022, 3, 12, 2, 0, tzinfo=SHANGHAI)                      # 02:00 exactly: tomorrow
    assert next_time(dt.datetime(2022, 3, 10, 0, 0, tzinfo=utc), dt.time(3, 0), weekday=6).weekday() == 6


def test_the_log_gateways_lines_reach_stderr_under_jobs_run(seeded):
    """The log gateway's line was silently dropped under jobs.run (no logging set up there); now
    every command logs through ops.logs — here as JSON — and no line holds a phone number."""
    import json
    import re

    env = dict(os.environ, EPI_JOBS_DATABASE_URL=seeded, EPI_SMS_GATEWAY="log", EPI_LOG_FORMAT="json")
    res = subprocess.run([sys.executable, "-m", "invoke", "jobs.run", "nightly", "--date", "2022-03-11"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    lines = [json.loads(line) for line in res.stderr.splitlines()]
    sent = [line for line in lines if line["logger"] == "epi.sms" and "log 网关" in line["message"]]
    assert len(sent) == 2 and all(line["level"] == "INFO" for line in sent)
    assert not re.search(r"1\d{10}", res.stderr)
