"""One schedule (issue 40, point 2): epi.job_schedule is read by pg_cron's lines, the scheduler,
the retention page, /healthz/jobs and the Prometheus rules, and changed by `invoke jobs.schedule`
(audited). Moving the nightly to 03:00 moves every one of them."""
from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from db import database
from db.vocabulary import SHANGHAI
from jobs import cron, scheduler
from jobs import schedule as timetable
from ops import prometheus

ROOT = Path(__file__).resolve().parents[2]


def jobs_conn(url):
    return database.connect_jobs(database.jobs_url(database.database_name(url)))


def test_the_committed_rules_are_the_default_schedules(seeded_db):
    with jobs_conn(seeded_db) as c:
        slots = timetable.read(c)
    assert slots == {"counts_full": timetable.Slot(dt.time(3, 0), 0), "nightly": timetable.Slot(dt.time(2, 0)),
                     "units": timetable.Slot(dt.time(1, 45))}
    assert prometheus.COMMITTED.read_text(encoding="utf-8") == prometheus.render(slots)


def test_moving_the_nightly_to_three_moves_cron_the_scheduler_the_page_health_and_rules(seeded_db, ops):
    client, _token = ops
    after = timetable.change({"nightly": (dt.time(3, 0), None)}, by="dba.wang", url=seeded_db)
    assert after["nightly"] == timetable.Slot(dt.time(3, 0)) and after["units"] == timetable.Slot(dt.time(2, 45))
    with jobs_conn(seeded_db) as c:
        slots = timetable.read(c)
        # pg_cron's lines: 03:00 in Kaiping is 19:00 UTC the day before; the Sunday check stays
        assert timetable.cron_lines(c) == {"counts_full": "0 19 * * 6", "nightly": "0 19 * * *"}
    assert slots == after
    # the scheduler's next nightly, anchor and units refresh
    now = dt.datetime(2022, 3, 10, 2, 30, tzinfo=SHANGHAI)
    plan = scheduler.Plan(slots, now, dispatch_only=False)
    assert plan.next["nightly"] == dt.datetime(2022, 3, 10, 3, 0, tzinfo=SHANGHAI) == plan.next["anchor"]
    assert plan.next["units"] == dt.datetime(2022, 3, 10, 2, 45, tzinfo=SHANGHAI)
    assert plan.next["counts_full"] == dt.datetime(2022, 3, 13, 3, 0, tzinfo=SHANGHAI)   # a Sunday
    # the retention page announces the nightly at 03:00
    with psycopg.connect(seeded_db, autocommit=True) as c:
        c.execute("alter table epi.setting no force row level security")
        c.execute("update epi.setting set value = '30' where key = 'scan_retention_days'")
        c.execute("alter table epi.setting force row level security")
    page = client.get("/scan-admin").get_data(as_text=True)
    assert " 03:00 的夜间任务" in page and " 02:00 的夜间任务" not in page
    # /healthz/jobs and the rules name it
    assert client.get("/healthz/jobs").get_json()["reasons"] == ["26 小时内没有成功结束的夜间任务（每日 03:00）"]
    rules = prometheus.render(slots)
    assert 'summary: "26 小时内没有成功结束的夜间任务（每日 03:00）"' in rules and "02:00" not in rules
    # audited like a setting, under the DBA's account
    with psycopg.connect(seeded_db) as c:
        entries = c.execute("select account, detail->>'job', detail->'old'->>'at', detail->'new'->>'at' "
                            "from epi.audit_log where action = 'schedule.update' order by audit_id").fetchall()
    assert entries == [("dba.wang", "nightly", "02:00", "03:00"), ("dba.wang", "units", "01:45", "02:45")]


def test_a_bad_time_or_job_is_refused_and_nothing_changes(seeded_db):
    with pytest.raises(ValueError, match=r"--nightly-at 应为北京时间的整分钟 HH:MM，如 02:00（当前为“3点”）"):
        timetable.parse_at("3点", "--nightly-at")
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="没有定时的任务：alerts（可用：counts_full、nightly、units）"):
        timetable.change({"nightly": (dt.time(4, 0), None), "alerts": (dt.time(4, 0), None)}, by="dba", url=seeded_db)
    with jobs_conn(seeded_db) as c:
        assert timetable.read(c)["nightly"] == timetable.Slot(dt.time(2, 0))   # one transaction: nothing moved


def test_invoke_jobs_schedule_sets_the_time_and_says_where_it_runs(seeded_db):
    env = {"DATABASE_URL": seeded_db, "PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    try:
        done = subprocess.run([sys.executable, "-m", "invoke", "jobs.schedule", "--nightly-at", "03:30", "--by", "dba.li"],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    finally:
        with contextlib.suppress(cron.NoCron):   # where pg_cron is loaded the command registered the jobs
            cron.unschedule(seeded_db)
    assert "nightly 每日 03:30" in done.stdout and "units 每日 03:15" in done.stdout, done.stdout + done.stderr
    with jobs_conn(seeded_db) as c:
        assert timetable.read(c)["nightly"] == timetable.Slot(dt.time(3, 30))
    bad = subprocess.run([sys.executable, "-m", "invoke", "jobs.schedule", "--nightly-at", "25:00"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "--nightly-at 应为北京时间的整分钟 HH:MM" in bad.stderr
