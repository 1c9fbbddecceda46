"""The provincial front-database sync against a second real PostgreSQL database acting as the
front database: initial load, new rows arriving, rows sharing a key, a bad row, a crash in the
middle of a batch followed by a resume, one run at a time, and the lockout of import and delete
(direct SQL, the commands, the page) while the sync is on."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from db import database
from demo.fake import fake_id_number, fake_name, fake_person_phone, is_valid_id_number
from jobs import frontdb, runner
from tests.conftest import opened_scans
from tests.loaders import workbooks as wbk

ROOT = Path(__file__).resolve().parents[2]
_n = itertools.count()

FRONT_TABLES = """
create table venue (
  id bigint generated always as identity primary key,
  venue_id text, venue_name text, category text, city text, street text, venue_admin text, location text);
create table scan (
  id bigint generated always as identity primary key,
  venue_id text, venue_name text, category text, city text, street text, venue_admin text,
  id_card text, person_name text, phone text, collect_result text, nat_result text, nat_result_time text,
  health_code text, collector_location text, collected_at timestamp);
"""
SCAN_COLS = ["venue_id", "venue_name", "category", "city", "street", "venue_admin", "id_card", "person_name",
             "phone", "collect_result", "nat_result", "nat_result_time", "health_code", "collector_location",
             "collected_at"]


@pytest.fixture
def front(cluster_url):
    """Admin URL of an empty front database holding the province's two tables."""
    name = f"epi_test_front_{os.getpid()}_{next(_n)}"
    with psycopg.connect(database.with_params(cluster_url, dbname="postgres"), autocommit=True) as c:
        c.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    url = database.with_params(cluster_url, dbname=name)
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(FRONT_TABLES)
    yield url
    with psycopg.connect(database.with_params(cluster_url, dbname="postgres"), autocommit=True) as c:
        c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@pytest.fixture
def local(fresh_db):
    """The zone's fresh database with the sync switched on; yields (admin URL, jobs URL)."""
    frontdb.switch(True, by="dba.test", url=fresh_db)
    return fresh_db, database.jobs_url(database.database_name(fresh_db))


def config(**over) -> frontdb.Config:
    cfg = frontdb.load_config(None)
    for k, v in over.items():
        setattr(cfg, k, v)
    return cfg


def add_venues(front_url, rows):
    with psycopg.connect(front_url, autocommit=True) as c:
        c.cursor().executemany("""insert into venue (venue_id, venue_name, category, city, street, venue_admin, location)
                                  values (%s, %s, %s, %s, %s, %s, %s)""", rows)


def add_scans(front_url, n, *, seed=1, day=dt.date(2022, 3, 1), days=3, venues=("0044078300001", "0044078300002")):
    """n fake scans spread over ``days`` days from ``day`` (timestamp without time zone, Kaiping time)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        when = dt.datetime.combine(day + dt.timedelta(days=i % days), dt.time(0, 10)) + dt.timedelta(minutes=rng.randrange(1420))
        v = venues[i % len(venues)]
        rows.append((v, f"测试场所{v[-1]}", "商场", "开平市", "长沙街道", "测试管理员", fake_id_number(rng),
                     fake_name(rng), fake_person_phone(rng), "已采集", "阴性", "2022-02-28 10:00:00", "绿码",
                     "长沙街道测试点", when))
    with (psycopg.connect(front_url, autocommit=True) as c,
          c.cursor().copy(f"copy scan ({', '.join(SCAN_COLS)}) from stdin") as copy):
        for r in rows:
            copy.write_row(r)


def ordered(rows):
    return sorted((tuple(r) for r in rows), key=lambda t: tuple("" if v is None else v for v in t))


def front_rows(front_url):
    with psycopg.connect(front_url) as c:
        c.execute("set time zone 'Asia/Shanghai'")
        return ordered(c.execute(
            f"select {', '.join(SCAN_COLS[:-1])}, (collected_at::timestamp at time zone 'Asia/Shanghai')::text from scan"))


def local_rows(admin_url):
    with psycopg.connect(admin_url) as c:
        c.execute("set time zone 'Asia/Shanghai'")
        return ordered(opened_scans(c, [*SCAN_COLS[:-1], "collected_at::text"]))


def counts_agree(admin_url):
    with psycopg.connect(admin_url) as c:
        return c.execute("""select count(*) from (
                              (select venue_id, day, n from epi_private.daily_count
                               except all
                               select venue_id, (collected_at at time zone 'Asia/Shanghai')::date, count(*)::int
                                 from epi.scan group by 1, 2)
                              union all
                              (select venue_id, (collected_at at time zone 'Asia/Shanghai')::date, count(*)::int
                                 from epi.scan group by 1, 2
                               except all
                               select venue_id, day, n from epi_private.daily_count)) d""").fetchone()[0] == 0


def as_ops(admin_url):
    """An autocommit connection of the web login acting as ops (how the pages write)."""
    c = psycopg.connect(database.web_url(database.database_name(admin_url)), autocommit=True)
    c.execute("set role epi_ops")
    c.execute("select set_config('epi.account', 'ops.test', false)")
    return c


def one(url, query, params=None):
    with psycopg.connect(url) as c:
        return c.execute(query, params).fetchone()


# --- initial load and new rows ---------------------------------------------------------------------

def test_initial_load_takes_every_row_as_it_is_in_batches(front, local):
    admin, jobs = local
    with as_ops(admin) as c:   # a venue Kaiping already supervises
        c.execute("insert into epi.unit (unit_code, unit_name, head_phone) values ('T-A', '测试单位甲', '14400000001')")
        c.execute("""insert into epi.venue (venue_id, venue_name, unit_code, flow_min, flow_max, source)
                     values ('0044078300001', '旧名称', 'T-A', 5, 50, 'bulk')""")
    add_venues(front, [("0044078300001", "测试场所1", "商场", None, "长沙街道", "测试管理员", "测试路1号"),
                       ("0044078300002", "测试场所2", "餐馆", "开平市", "三埠街道", "测试管理员", "测试路2号")])
    add_scans(front, 2_500)
    with psycopg.connect(front, autocommit=True) as c:  # leading zeros, a trailing X, empty values kept as given
        c.execute("""insert into scan (venue_id, id_card, phone, person_name, collected_at)
                     values ('0044078300002', '00000000000000000X', '01400000000', null, '2022-03-03 23:50:00')""")

    result = frontdb.sync(front, config=config(batch_rows=1_000, fetch_rows=300), url=jobs)

    assert (result.scans, result.venue_rows, result.venues_added, result.venues_updated) == (2_501, 2, 1, 1)
    assert result.batches == 1 + 3   # one venue batch, 2,501 scans in batches of 1,000
    assert local_rows(admin) == front_rows(front)
    assert counts_agree(admin)
    with psycopg.connect(admin) as c:
        assert c.execute("""select venue_name, unit_code, flow_min, flow_max, city, location, source from epi.venue
                             order by venue_id""").fetchall() == [
            ("测试场所1", "T-A", 5, 50, "开平市", "测试路1号", "bulk"),       # unit and thresholds untouched
            ("测试场所2", None, None, None, "开平市", "测试路2号", "frontdb")]  # new: 未设置, for ops
        assert c.execute("select count(*), sum(row_count), min(source), max(source), min(imported_by) "
                         "from epi.import_batch").fetchone() == (3, 2_501, "frontdb", "frontdb", frontdb.ACCOUNT)
        assert c.execute("select count(*) from epi.scan where imported_by <> %s", (frontdb.ACCOUNT,)).fetchone()[0] == 0
        assert c.execute("select job, ok, rows, error from epi.job_run").fetchall() == [("frontdb", True, 2_503, None)]
        actions = [r[0] for r in c.execute("select action from epi.audit_log order by audit_id")]
        assert actions.count("scan.sync") == 3 and actions.count("venue.sync") == 1 and "setting.update" in actions
        assert c.execute("select last_key, rows_taken from epi_private.frontdb_watermark where front_table = 'scan'"
                         ).fetchone() == ("2501", 2_501)
    assert not any(is_valid_id_number(r[6]) for r in front_rows(front) if r[6] and len(r[6]) == 18)


def test_new_rows_are_taken_once_and_a_run_with_nothing_new_takes_nothing(front, local):
    admin, jobs = local
    add_venues(front, [("0044078300001", "测试场所1", "商场", "开平市", "长沙街道", "测试管理员", None)])
    add_scans(front, 700, seed=1)
    first = frontdb.sync(front, config=config(batch_rows=500), url=jobs)
    assert (first.scans, first.batches) == (700, 3)

    add_scans(front, 450, seed=2, day=dt.date(2022, 3, 30), days=4)  # across a month boundary: a new partition
    add_venues(front, [("0044078300001", "测试场所1（更名）", "商场", "开平市", "长沙街道", "测试管理员", None),
                       ("0044078300003", "测试场所3", "超市", "开平市", "月山镇", "测试管理员", None)])
    second = frontdb.sync(front, config=config(batch_rows=500), url=jobs)
    assert (second.scans, second.venue_rows, second.venues_added, second.venues_updated) == (450, 2, 1, 1)
    assert local_rows(admin) == front_rows(front)
    assert counts_agree(admin)
    assert one(admin, "select to_regclass('epi.scan_y2022m04') is not null")[0]   # the new month's partition

    third = frontdb.sync(front, config=config(batch_rows=500), url=jobs)
    assert (third.scans, third.venue_rows, third.batches) == (0, 0, 0)
    with psycopg.connect(admin) as c:
        assert [r[0] for r in c.execute("select ok from epi.job_run order by run_id")] == [True, True, True]
        assert c.execute("select count(*) from epi.scan").fetchone()[0] == 1_150


def test_the_nightly_jobs_see_synced_scans_like_imported_ones(front, local):
    admin, jobs = local
    add_scans(front, 30, venues=("0044078300009",))
    frontdb.sync(front, config=config(venues=None), url=jobs)
    runs = runner.run("discover", dt.date(2022, 3, 5), url=jobs)
    assert runs[0]["ok"] and runs[0]["rows"] == 1
    assert one(admin, "select source, venue_name from epi.venue")[0] == "discovery"


def test_rows_sharing_a_key_are_never_split_across_batches(front, local):
    """A load-time key: five rows share one time. Batches of 2 keys still take all five together."""
    admin, jobs = local
    with psycopg.connect(front, autocommit=True) as c:
        c.execute("create table scan_feed as select * from scan with no data")
        c.execute("alter table scan_feed add column loaded_at timestamptz")
        rows = [("V1", f"2022-03-01 0{i}:00", f"2022-03-02 10:00:0{0 if i < 5 else i}+08") for i in range(8)]
        c.cursor().executemany("insert into scan_feed (venue_id, collected_at, loaded_at) values (%s, %s, %s)", rows)
    cfg = config(batch_rows=2, venues=None)
    cfg.scans = frontdb.TableMap("public.scan_feed", "loaded_at", dict(cfg.scans.columns))
    result = frontdb.sync(front, config=cfg, url=jobs)
    assert result.scans == 8 and result.batches == 3   # {5 rows sharing a key}, {:05, :06}, {:07}
    assert one(admin, "select count(*), count(distinct collected_at) from epi.scan") == (8, 8)


# --- bad rows, crashes, concurrency --------------------------------------------------------------

def test_a_bad_row_refuses_its_batch_and_the_sync_goes_on_once_it_is_fixed(front, local):
    admin, jobs = local
    add_scans(front, 250)
    with psycopg.connect(front, autocommit=True) as c:
        c.execute("alter table scan alter column collected_at type text")
        c.execute("update scan set collected_at = '2022-13-45 08:00' where id = 130")
        c.execute("update scan set venue_id = null where id = 140")
    with pytest.raises(frontdb.SyncError) as err:
        frontdb.sync(front, config=config(batch_rows=100), url=jobs)
    message = str(err.value)
    assert "前置库表 scan" in message and "id = 130" in message and "“collected_at”列" in message
    assert "id = 140" in message and "公共场所ID为空" in message and "未写入" in message
    assert one(admin, "select count(*) from epi.scan")[0] == 100        # the first batch only
    assert one(admin, "select ok, error from epi.job_run")[0] is False
    assert "id = 130" in one(admin, "select error from epi.job_run")[0]

    with psycopg.connect(front, autocommit=True) as c:
        c.execute("update scan set collected_at = '2022-03-02 08:00:00' where id = 130")
        c.execute("update scan set venue_id = '0044078300001' where id = 140")
    again = frontdb.sync(front, config=config(batch_rows=100), url=jobs)
    assert again.scans == 150
    assert local_rows(admin) == front_rows(front)


def test_a_crash_in_the_middle_of_a_batch_then_a_resume_gives_every_row_once(front, local, tmp_path):
    """The command is killed (SIGKILL) while its second batch is half written; the next run takes
    that batch again from the start."""
    admin, jobs = local
    add_scans(front, 3_000)
    # a feed that stalls when row 1500 is read (batch 2 of 1000, after two chunks of 200 are written)
    with psycopg.connect(front, autocommit=True) as c:
        # declared stable (it is not) so that the view is flattened: only a query that outputs
        # person_name, i.e. the batch's read and not its boundary query, calls it
        c.execute("""create function stall_at_1500(p_id bigint, p_value text) returns text
                     language plpgsql stable as $$
                     begin
                       if p_id = 1500 then perform pg_sleep(120); end if;
                       return p_value;
                     end $$""")
        c.execute("""create view scan_feed as
                     select id, venue_id, venue_name, category, city, street, venue_admin, id_card,
                            stall_at_1500(id, person_name) as person_name,
                            phone, collect_result, nat_result, nat_result_time, health_code, collector_location,
                            collected_at
                       from scan""")
    cfg_file = tmp_path / "frontdb.json"
    cfg_file.write_text(json.dumps({"scans": {"table": "scan_feed"}, "venues": None,
                                    "batch_rows": 1000, "fetch_rows": 200}), encoding="utf-8")
    env = dict(os.environ, EPI_JOBS_DATABASE_URL=jobs)
    proc = subprocess.Popen([sys.executable, "-m", "invoke", "sync.frontdb", "--dsn", front, "--config", str(cfg_file)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            stalled = one(front, "select count(*) from pg_stat_activity where wait_event = 'PgSleep'")[0]
            if stalled:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        else:
            pytest.fail("the sync never reached row 1500")
        in_batch = one(admin, """select count(*) from pg_stat_activity
                                  where usename = 'epi_jobs' and datname = current_database() and xact_start is not null""")[0]
        assert in_batch == 1                                       # batch 2 is open, rows written, not committed
        assert one(admin, "select count(*) from epi.scan")[0] == 1000  # batch 1 committed
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        with psycopg.connect(front, autocommit=True) as c:
            c.execute("select pg_terminate_backend(pid) from pg_stat_activity where wait_event = 'PgSleep'")
    for _ in range(100):   # the server notices the lost client and rolls batch 2 back
        if not one(admin, "select count(*) from pg_stat_activity where usename = 'epi_jobs'")[0]:
            break
        time.sleep(0.1)
    assert one(admin, "select count(*) from epi.scan")[0] == 1000

    with psycopg.connect(front, autocommit=True) as c:  # the feed works again
        c.execute("create or replace view scan_feed as select * from scan")
    result = frontdb.sync(front, config=frontdb.load_config(cfg_file), url=jobs)
    assert result.scans == 2000
    assert local_rows(admin) == front_rows(front)
    assert counts_agree(admin)
    with psycopg.connect(admin) as c:
        assert c.execute("select ok, error from epi.job_run order by run_id").fetchall() == [
            (False, "任务中断（进程退出或数据库重启），未完成"), (True, None)]


def test_one_sync_at_a_time(front, local):
    admin, jobs = local
    add_scans(front, 10)
    with psycopg.connect(jobs, autocommit=True) as holder:  # another sync holds the job's lock
        holder.execute("select pg_advisory_lock(hashtext('epi job frontdb'))")
        with pytest.raises(frontdb.SyncError, match="正在运行"):
            frontdb.sync(front, config=config(), url=jobs)
    assert one(admin, "select count(*) from epi.scan")[0] == 0
    assert one(admin, "select ok, error from epi.job_run") == (False, "同名任务正在运行，本次未执行")
    assert frontdb.sync(front, config=config(), url=jobs).scans == 10


def test_a_moved_watermark_refuses_the_batch(local):
    """Compare-and-set: a batch that starts from a stale position is rolled back."""
    admin, jobs = local
    with psycopg.connect(jobs) as c:
        c.execute("select epi.frontdb_advance('scan', 'id', null, '100', 100)")
        c.commit()
        with pytest.raises(psycopg.errors.SerializationFailure, match="另一次同步推进"):
            c.execute("select epi.frontdb_advance('scan', 'id', '50', '200', 100)")
        c.rollback()
        with pytest.raises(psycopg.errors.SerializationFailure):
            c.execute("select epi.frontdb_advance('scan', 'id', null, '200', 100)")
    assert one(admin, "select last_key from epi_private.frontdb_watermark")[0] == "100"


# --- the switch and the lockout ------------------------------------------------------------------

def test_the_sync_writes_nothing_while_switched_off(front, fresh_db, monkeypatch):
    jobs = database.jobs_url(database.database_name(fresh_db))
    add_scans(front, 5)
    with pytest.raises(frontdb.SyncDisabled, match="前置库同步未启用"):
        frontdb.sync(front, config=config(), url=jobs)
    with psycopg.connect(jobs) as c, pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="未启用"):
        c.execute("select epi.frontdb_advance('scan', 'id', null, '5', 5)")
    monkeypatch.setenv("EPI_FRONTDB_DSN", front)
    with pytest.raises(ValueError, match="前置库同步未启用"):
        runner.run("frontdb", url=jobs)
    assert one(fresh_db, "select count(*) from epi.job_run")[0] == 0


def invoke(*args, env=None, stdin=None):
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, env=dict(os.environ, **(env or {})),
                          text=True, check=False, capture_output=True, input=stdin, timeout=120)


def test_lockout_through_the_commands_direct_sql_and_the_page(front, fresh_db, tmp_path):
    web = database.web_url(database.database_name(fresh_db))
    jobs = database.jobs_url(database.database_name(fresh_db))
    env = {"DATABASE_URL": fresh_db, "EPI_WEB_DATABASE_URL": web, "EPI_JOBS_DATABASE_URL": jobs}
    csv = wbk.csv_file(tmp_path / "s.csv", wbk.rows_with_times(["2022-03-04 08:00"]))
    assert invoke("load.scans", str(csv), "--by", "ops.cli", env=env).returncode == 0

    refused = invoke("sync.enable", env=env)  # no terminal, no --yes: nothing changes
    assert refused.returncode == 2 and "需要确认" in refused.stderr and "文件导入和批量删除" in refused.stdout
    assert one(fresh_db, "select value from epi.setting where key = 'frontdb_sync_enabled'")[0] is False
    on = invoke("sync.enable", "--yes", "--by", "dba.li", env=env)
    assert on.returncode == 0 and "前置库同步已启用" in on.stdout
    assert one(fresh_db, "select account, detail->>'new' from epi.audit_log where action = 'setting.update'"
               ) == ("dba.li", "true")

    # the commands exit with the database's message
    res = invoke("load.scans", str(csv), "--by", "ops.cli", "--force", env=env)
    assert res.returncode == 2 and "前置库同步已启用" in res.stderr and "Traceback" not in res.stderr
    res = invoke("scans.delete", "--collected", "2022-03-04..2022-03-04", "--by", "ops.cli", "--yes", env=env)
    assert res.returncode == 2 and "前置库同步已启用" in res.stderr
    # a direct SQL call as ops (what the page and loaders run) fails in the database
    with psycopg.connect(web) as c:
        c.execute("set role epi_ops")
        c.execute("select set_config('epi.account', 'ops.sql', false)")
        for statement in ("delete from epi.scan",
                          ("insert into epi.scan (venue_id, collected_at, batch_id, imported_by) "
                          "values ('V', '2022-03-04 09:00+08', 1, 'ops.sql')"),
                          "select epi.drop_scan_month('2022-03-01')"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="前置库同步已启用"):
                c.execute(statement)
            c.rollback()
            c.execute("set role epi_ops")
    assert one(fresh_db, "select count(*) from epi.scan")[0] == 1

    # the sync itself writes; the page says why import and delete are gone, and how the sync went
    add_scans(front, 20)
    synced = invoke("sync.frontdb", "--dsn", front, env=env)
    assert synced.returncode == 0 and "扫码进场信息 20 条" in synced.stdout, synced.stderr
    status = invoke("sync.status", env=env)
    assert "已启用" in status.stdout and "已同步至 id = 20" in status.stdout and "成功，20 条" in status.stdout

    from tests.web.conftest import OPS_MENUS, SECRET, enter
    from web import create_app

    app = create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "test-session-key",
                      "DATABASE_WEB_URL": web, "UPLOAD_DIR": str(tmp_path / "up"), "SESSION_COOKIE_SECURE": False})
    try:
        client = app.test_client()
        token = enter(client, sub="ops.li", unit="OPS", menus=OPS_MENUS)
        page = client.get("/scan-admin").get_data(as_text=True)
        assert "前置库同步已启用" in page and "上传并导入" not in page and "预览删除条数" not in page
        assert "最近一次同步" in page and "成功，20 条" in page and "前置库表 scan" in page
        res = client.post("/scan-admin/upload", data={"csrf_token": token, "file": (csv.open("rb"), "s.csv")})
        assert res.status_code == 403
    finally:
        app.extensions["epi_pool"].close()

    off = invoke("sync.disable", "--yes", env=env)
    assert off.returncode == 0 and "前置库同步已停用" in off.stdout
    res = invoke("load.scans", str(csv), "--by", "ops.cli", "--force", env=env)
    assert res.returncode == 0, res.stderr
    assert invoke("sync.frontdb", "--dsn", front, env=env).returncode == 2


def test_switching_on_waits_for_an_import_in_progress(fresh_db):
    web = database.web_url(database.database_name(fresh_db))
    with psycopg.connect(web) as importing:   # an import holds the shared lock for its whole transaction
        importing.execute("set role epi_ops")
        importing.execute("select pg_advisory_xact_lock_shared(hashtext('epi.scan writes'))")
        said, done = [], threading.Event()

        def flip():
            frontdb.switch(True, by="dba.test", url=fresh_db, echo=said.append)
            done.set()

        t = threading.Thread(target=flip)
        t.start()
        time.sleep(1.0)
        assert not done.is_set() and said == ["正在等待进行中的导入或删除完成……"]
        assert one(fresh_db, "select value from epi.setting where key = 'frontdb_sync_enabled'")[0] is False
        importing.commit()
    t.join(timeout=30)
    assert done.is_set()
    assert one(fresh_db, "select value from epi.setting where key = 'frontdb_sync_enabled'")[0] is True


# --- who may touch the sync's state --------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "select epi.frontdb_position('scan', 'id')",
    "select epi.frontdb_advance('scan', 'id', null, '999', 1)",
    "select * from epi.frontdb_merge_venues('[{\"venue_id\": \"VX\"}]')",
    "select * from epi_private.frontdb_watermark",
    "update epi.setting set value = 'false' where key = 'frontdb_sync_enabled'",
])
@pytest.mark.parametrize("who", ["ops", "unit"])
def test_ops_and_units_cannot_touch_the_sync(local, statement, who):
    admin, _ = local
    web = database.web_url(database.database_name(admin))
    with psycopg.connect(web) as c:
        c.execute("set role " + ("epi_ops" if who == "ops" else "epi_unit"))
        c.execute("select set_config('epi.unit', 'T-A', false), set_config('epi.account', 'x', false)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute(statement)


def test_the_jobs_role_changes_venues_only_through_the_merge(local):
    admin, jobs = local
    with as_ops(admin) as c:
        c.execute("insert into epi.unit (unit_code, unit_name) values ('T-A', '测试单位甲'), ('T-B', '测试单位乙')")
        c.execute("insert into epi.venue (venue_id, unit_code, flow_min) values ('VA', 'T-A', 3)")
    with psycopg.connect(jobs) as c:
        for statement in ("update epi.venue set unit_code = 'T-B'", "update epi.venue set flow_min = 0",
                          "update epi.venue set venue_name = 'x'", "delete from epi.venue"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                c.execute(statement)
            c.rollback()
        added, updated = c.execute("""select * from epi.frontdb_merge_venues(
            '[{"venue_id": "VA", "venue_name": "省平台名称", "unit_code": "T-B", "flow_min": 0}]')""").fetchone()
        c.commit()
    assert (added, updated) == (0, 1)
    assert one(admin, "select venue_name, unit_code, flow_min from epi.venue") == ("省平台名称", "T-A", 3)


def test_config_errors_name_what_is_wrong(tmp_path, monkeypatch):
    bad = tmp_path / "c.json"
    bad.write_text(json.dumps({"scans": {"table": "s", "columns": {"collected_at": None}}}), encoding="utf-8")
    with pytest.raises(frontdb.SyncError, match="采集时间"):
        frontdb.load_config(bad)
    bad.write_text(json.dumps({"scans": {"columns": {"身份证": "x"}}}), encoding="utf-8")
    with pytest.raises(frontdb.SyncError, match="无法识别的列：身份证"):
        frontdb.load_config(bad)
    bad.write_text(json.dumps({"scan": {}}), encoding="utf-8")
    with pytest.raises(frontdb.SyncError, match="无法识别的项：scan"):
        frontdb.load_config(bad)
    monkeypatch.delenv("EPI_FRONTDB_DSN", raising=False)
    with pytest.raises(frontdb.SyncError, match="EPI_FRONTDB_DSN"):
        frontdb.front_dsn(None)


def test_a_missing_front_table_is_a_clear_failed_run(front, local):
    admin, jobs = local
    cfg = config()
    cfg.scans = frontdb.TableMap("prov.scan_entry", "id", dict(cfg.scans.columns))
    with pytest.raises(frontdb.SyncError, match="前置库中找不到表"):
        frontdb.sync(front, config=cfg, url=jobs)
    assert one(admin, "select ok from epi.job_run")[0] is False
    with pytest.raises(frontdb.SyncError, match="无法连接前置库"):
        frontdb.sync(database.with_params(front, dbname="no_such_front_db"), config=config(), url=jobs)


def test_front_tables_with_other_names_and_chinese_columns(front, local, monkeypatch, tmp_path):
    """The province has not fixed the names: a table named in Chinese, columns named by the labels,
    a load-sequence key, a venue table without 所在位置, run as the frontdb job."""
    admin, jobs = local
    labels = dict(zip(SCAN_COLS, ["公共场所ID", "公共场所", "类别", "所在市区", "所在街道", "公共场所管理员",
                                  "被采集人身份证", "被采集人", "联系电话", "采集结果", "核酸结果", "核酸结果时间",
                                  "健康码状态", "采集人所在位置", "采集时间"], strict=False))
    with psycopg.connect(front, autocommit=True) as c:
        c.execute("create schema prov")
        c.execute(sql.SQL("create table prov.{} (序号 bigint primary key, {})").format(
            sql.Identifier("扫码进场信息"),
            sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(v)) for v in labels.values())))
        c.execute(sql.SQL("insert into prov.{} (序号, {}) values (10, %s, %s, %s), (20, %s, %s, %s)").format(
            sql.Identifier("扫码进场信息"),
            sql.SQL(", ").join(sql.Identifier(labels[k]) for k in ("venue_id", "id_card", "collected_at"))),
            ("0044078300001", "44078300000000000X", "2022/3/5 8:01", "0044078300002", None, "2022-03-05T23:50:00"))
        c.execute('create table prov.venue_info (seq bigint, "ID" text, "NAME" text)')
        c.execute("insert into prov.venue_info values (1, '0044078300001', '测试场所甲')")
    cfg = tmp_path / "frontdb.json"
    cfg.write_text(json.dumps({
        "scans": {"table": "prov.扫码进场信息", "key": "序号", "columns": labels},
        "venues": {"table": "prov.venue_info", "key": "seq",
                   "columns": {"venue_id": "ID", "venue_name": "NAME", "category": None, "city": None,
                               "street": None, "venue_admin": None, "location": None}},
    }, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("EPI_FRONTDB_CONFIG", str(cfg))
    monkeypatch.setenv("EPI_FRONTDB_DSN", front)
    runs = runner.run("frontdb", url=jobs)
    assert [(r["job"], r["ok"], r["rows"]) for r in runs] == [("frontdb", True, 3)]
    assert "前置库同步（frontdb" in runner.describe(runs)
    with psycopg.connect(admin) as c:
        c.execute("set time zone 'Asia/Shanghai'")
        assert opened_scans(c, ["venue_id", "id_card", "collected_at::text"], order="1") == [
            ("0044078300001", "44078300000000000X", "2022-03-05 08:01:00+08"),
            ("0044078300002", None, "2022-03-05 23:50:00+08")]
        assert c.execute("select venue_id, venue_name, city, source from epi.venue").fetchall() == [
            ("0044078300001", "测试场所甲", "开平市", "frontdb")]
        assert c.execute("select front_table, key_column, last_key from epi_private.frontdb_watermark order by 1"
                         ).fetchall() == [("prov.venue_info", "seq", "1"), ("prov.扫码进场信息", "序号", "20")]
