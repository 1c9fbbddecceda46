"""Personal data 2 of 3, point 3: retention of scans (scan_retention_days, by the nightly, through the
delete path, audited, also while the sync is on; purged days are gaps that raise no alert) and of
the audit log (audit_retention_days ≥ 180; a purge leaves a checkpoint audit.verify starts from)."""
from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from db import database
from jobs import audit
from tests.conftest import SEALED_COLUMNS, as_admin, as_auditor, as_jobs, as_ops, as_owner, as_unit, attempt, sealed


def city(c) -> None:
    """VA1 (T-A, at least 10 a day) has no scans; VB1 has one a day from 2022-01-01 to 2022-02-20, so
    the city has records on those days and VA1's zeros are below its threshold."""
    as_ops(c)
    c.execute("select epi.ensure_scan_partitions(array['2022-01-01 00:00+08', '2022-02-01 00:00+08']::timestamptz[])")
    c.execute("insert into epi.unit (unit_code, unit_name, head_name, head_phone) values "
              "('T-A', '测试监管单位甲', '测试负责人甲', '14400000001'), ('T-B', '测试监管单位乙', '测试负责人乙', '14400000002')")
    c.execute("insert into epi.venue (venue_id, venue_name, unit_code, flow_min, flow_max) values "
              "('VA1', '测试场所甲一', 'T-A', 10, 100), ('VB1', '测试场所乙一', 'T-B', null, null)")
    batch = c.execute("insert into epi.import_batch (file_name, file_hash, row_count, imported_by) "
                      "values ('测试.xlsx', 'h-r', 51, 'ops.tester') returning batch_id").fetchone()[0]
    c.execute(f"""insert into epi.scan (venue_id, venue_name, {SEALED_COLUMNS}, collected_at, batch_id, imported_by)
                 select 'VB1', '测试场所乙一', {sealed('00000000000000000X', '测试人', '14400009999')},
                        (d::date + time '10:00') at time zone 'Asia/Shanghai', %s, 'ops.tester'
                   from generate_series(date '2022-01-01', date '2022-02-20', interval '1 day') d""", (batch,))


def scan_days(c) -> tuple:
    as_admin(c)
    return c.execute("select min((collected_at at time zone 'Asia/Shanghai')::date), count(*) from epi.scan").fetchone()


def test_the_settings_are_checked_and_ops_set_the_scan_retention_audited(conn):
    as_owner(conn)
    for key, value in (("audit_retention_days", "179"), ("audit_retention_days", "200.5"),
                       ("scan_retention_days", "13"), ("scan_retention_days", '"30"')):
        err = attempt(conn, "update epi.setting set value = %s::jsonb where key = %s", (value, key))
        assert isinstance(err, psycopg.errors.CheckViolation), (key, value)
    assert attempt(conn, "update epi.setting set value = '365' where key = 'audit_retention_days'") == 1
    as_unit(conn, "T-A")
    assert "permission denied" in str(attempt(conn, "select epi.set_scan_retention(30)"))
    as_ops(conn, account="ops.wang")
    assert isinstance(attempt(conn, "select epi.set_scan_retention(13)"), psycopg.errors.CheckViolation)
    conn.execute("select epi.set_scan_retention(30)")
    conn.execute("select epi.set_scan_retention(null)")
    as_auditor(conn)
    changes = conn.execute("select account, detail->'old', detail->'new' from epi.audit_log "
                           "where action = 'setting.update' and detail->>'key' = 'scan_retention_days' "
                           "order by audit_id").fetchall()
    assert changes == [("ops.wang", None, 30), ("ops.wang", 30, None)]


def test_the_nightly_purges_old_scans_through_the_delete_path_audited(conn):
    city(conn)
    as_jobs(conn)
    # the control: as the data stands, VA1's zeros on the city's days raise 小于阈值 alerts
    with conn.transaction(force_rollback=True):
        assert conn.execute("select epi.job_alerts('2022-03-01')").fetchone()[0] > 0
    as_ops(conn)
    conn.execute("select epi.set_scan_retention(14)")
    as_owner(conn)
    conn.execute("update epi.setting set value = 'true' where key = 'frontdb_sync_enabled'")  # the sync is on
    as_jobs(conn)
    assert conn.execute("select epi.job_retention('2022-03-01')").fetchone()[0] == 45  # 31 + 14 days
    assert scan_days(conn) == (dt.date(2022, 2, 15), 6)
    assert conn.execute("select to_regclass('epi.scan_y2022m01')").fetchone()[0] is None  # January: dropped
    assert conn.execute("select min(day), count(*) from epi_private.daily_count").fetchone() == (dt.date(2022, 2, 15), 6)
    as_auditor(conn)
    deletes = conn.execute("select row_count, detail from epi.audit_log where action = 'scan.delete' "
                           "order by audit_id").fetchall()
    assert [d[0] for d in deletes] == [31, 14]
    assert deletes[0][1]["reason"] == "retention" and deletes[0][1]["month"] == "2022-01"
    assert deletes[1][1]["operation"]["retention"] == {"scan_retention_days": 14, "deleted_before": "2022-02-15"}
    # purged days are gaps in the data: no 小于阈值 alert from them (six days remain, fewer than seven)
    as_jobs(conn)
    assert conn.execute("select epi.job_alerts('2022-03-01')").fetchone()[0] == 0
    # nothing more to purge the next night
    assert conn.execute("select epi.job_retention('2022-03-02')").fetchone()[0] == 1  # 2022-02-15 is now too old


def test_alerts_keep_their_seven_counts(conn, world):
    as_ops(conn)
    conn.execute("select epi.set_scan_retention(14)")
    as_jobs(conn)
    assert conn.execute("select epi.job_retention('2022-06-01')").fetchone()[0] == 7  # every scan of March 2022
    as_admin(conn)
    assert conn.execute("select count(*) from epi.scan").fetchone()[0] == 0
    assert conn.execute("select count(*) from epi.alert_day").fetchone()[0] == 14


def test_unset_keeps_scans_and_only_the_jobs_purge(conn, world):
    as_jobs(conn)
    assert conn.execute("select epi.job_retention('2030-01-01')").fetchone()[0] == 0
    as_admin(conn)
    assert conn.execute("select count(*) from epi.scan").fetchone()[0] == 7
    for become in (as_ops, lambda c: as_unit(c, "T-A"), as_auditor):
        become(conn)
        assert "permission denied" in str(attempt(conn, "select epi.job_retention('2030-01-01')"))


@pytest.fixture
def jobs_url(fresh_db):
    return database.jobs_url(database.database_name(fresh_db))


def test_the_audit_purge_keeps_180_days_and_leaves_a_checkpoint(fresh_db, jobs_url):
    with psycopg.connect(fresh_db) as c:
        city(c)
        c.commit()
    sealed = audit.seal(jobs_url)
    assert sealed > 0
    now = dt.datetime.now(dt.UTC).date()
    with database.connect_jobs(jobs_url) as c:
        c.execute(f"select epi.job_retention('{now + dt.timedelta(days=179)}')")  # nothing is 180 days old yet
    with psycopg.connect(fresh_db) as c:
        assert c.execute("select checkpoint_seq from epi_private.audit_chain").fetchone()[0] == 0
    with psycopg.connect(fresh_db) as c:
        as_ops(c)
        c.execute("update epi.venue set venue_name = '未封存的修改' where venue_id = 'VA1'")  # written, not sealed
        c.commit()
    with database.connect_jobs(jobs_url) as c:
        c.execute(f"select epi.job_retention('{now + dt.timedelta(days=200)}')")
    with psycopg.connect(fresh_db) as c:
        chain = c.execute("select checkpoint_seq, checkpoint_hash <> '' from epi_private.audit_chain").fetchone()
        left = c.execute("select action, seal_seq from epi.audit_log order by audit_id").fetchall()
    assert chain == (sealed, True)
    assert left == [("venue.update", None), ("audit.purge", None)]  # the unsealed entry stays
    verdict = audit.verify(fresh_db)
    assert verdict.ok and f"自第 {sealed} 号校验点起" in verdict.message, verdict.message
    audit.seal(jobs_url)
    verdict = audit.verify(fresh_db)
    assert verdict.ok and verdict.intact == 2, verdict.message
    # moving the checkpoint by hand (deleting recent entries) is found
    with psycopg.connect(fresh_db) as c:
        c.execute("set session_replication_role = replica")
        c.execute("update epi_private.audit_chain set checkpoint_seq = %s, checkpoint_hash = "
                  "(select hash from epi.audit_log where seal_seq = %s)", (sealed + 1, sealed + 1))
        c.execute("delete from epi.audit_log where seal_seq = %s", (sealed + 1,))
        c.commit()
    verdict = audit.verify(fresh_db)
    assert not verdict.ok and "没有对应的清理记录" in verdict.message
