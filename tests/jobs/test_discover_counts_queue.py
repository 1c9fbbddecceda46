"""Venue discovery, the daily count check, and the SMS queue."""
from __future__ import annotations

from tests.conftest import as_admin, as_jobs, as_ops, as_unit
from tests.jobs.helpers import add_scans, cover, day, run_alerts, setup_units_and_venues

AS_OF = day(30)


def discover(c, as_of=AS_OF):
    as_jobs(c)
    n = c.execute("select epi.job_discover(%s)", (as_of,)).fetchone()[0]
    as_admin(c)
    return n


def test_discovery_adds_unknown_venues_from_their_latest_scan(conn):
    setup_units_and_venues(conn, {"KNOWN": ("T-A", None, None)})
    add_scans(conn, "NEW1", {day(0): 1}, hour=8)
    as_ops(conn)
    batch = conn.execute("insert into epi.import_batch (file_name, imported_by) values ('b', 'o') returning batch_id"
                         ).fetchone()[0]
    conn.execute("""insert into epi.scan (venue_id, venue_name, category, city, street, venue_admin, collected_at,
                                          batch_id, imported_by)
                    values ('NEW1', '新名称', '餐馆', '开平市', '赤坎镇', '测试管理员', '2022-03-02 09:00+08', %s, 'o'),
                           ('KNOWN', '别的名字', null, null, null, null, '2022-03-02 09:00+08', %s, 'o')""",
                 (batch, batch))
    assert discover(conn) == 1
    row = conn.execute("select venue_name, category, city, street, venue_admin, unit_code, source from epi.venue "
                       "where venue_id = 'NEW1'").fetchone()
    assert row == ("新名称", "餐馆", "开平市", "赤坎镇", "测试管理员", None, "discovery")
    assert conn.execute("select venue_name from epi.venue where venue_id = 'KNOWN'").fetchone()[0] == "测试场所KNOWN"
    assert discover(conn) == 0  # nothing new since


def test_a_deleted_venue_comes_back_only_with_new_records(conn):
    add_scans(conn, "GONE", {day(0): 2})
    assert discover(conn) == 1
    as_ops(conn)
    conn.execute("delete from epi.venue where venue_id = 'GONE'")
    assert discover(conn) == 0
    add_scans(conn, "GONE", {day(1): 1})
    assert discover(conn) == 1
    as_unit(conn, "T-A")
    assert conn.execute("select count(*) from oa.venue where venue_id = 'GONE'").fetchone()[0] == 0  # no unit yet


def counts_check(c, full=False):
    as_jobs(c)
    n = c.execute("select epi.job_counts(%s, %s)", (day(30), full)).fetchone()[0]
    as_admin(c)
    return n


def test_count_check_finds_and_repairs_drift_with_an_audit_entry(conn):
    add_scans(conn, "V1", {day(0): 3, day(1): 2})
    add_scans(conn, "V2", {day(0): 1})
    assert counts_check(conn) == 0       # the triggers kept them right; the dirty days are now checked
    as_admin(conn)                        # simulate drift (a superuser editing the summary by hand)
    conn.execute("update epi_private.daily_count set n = 99 where venue_id = 'V1' and day = %s", (day(0),))
    conn.execute("delete from epi_private.daily_count where venue_id = 'V2'")
    conn.execute("insert into epi_private.daily_count values ('GHOST', %s, 5)", (day(1),))
    assert counts_check(conn) == 0       # nightly: no day was touched since, so nothing is rechecked
    assert counts_check(conn, full=True) == 3
    assert conn.execute("""select venue_id, day, n from epi_private.daily_count order by 1, 2""").fetchall() == \
        [("V1", day(0), 3), ("V1", day(1), 2), ("V2", day(0), 1)]
    audit = conn.execute("select account, detail from epi.audit_log where action = 'counts.repair'").fetchone()
    assert audit[1]["repaired"] == 3 and audit[1]["full"] is True
    assert counts_check(conn, full=True) == 0


def test_nightly_check_covers_the_days_touched_since_the_last_run(conn):
    add_scans(conn, "V1", {day(0): 3})
    counts_check(conn)
    as_admin(conn)
    conn.execute("update epi_private.daily_count set n = 7 where venue_id = 'V1'")
    add_scans(conn, "V9", {day(0): 1})    # a new import touches day 0 again
    assert counts_check(conn) == 1
    assert conn.execute("select n from epi_private.daily_count where venue_id = 'V1'").fetchone()[0] == 3


def queue(c, as_of):
    as_jobs(c)
    n = c.execute("select epi.job_sms_queue(%s)", (as_of,)).fetchone()[0]
    as_admin(c)
    return n


def test_one_text_per_unit_per_day_and_none_without_unaccepted_alerts(conn):
    setup_units_and_venues(conn, {"A1": ("T-A", 1, None), "A2": ("T-A", 1, None), "B1": ("T-B", 1, None)})
    cover(conn, [day(i) for i in range(7)])
    assert run_alerts(conn, day(7)) == 3
    assert queue(conn, day(7)) == 2               # T-A (two alerts) and T-B: one text each
    assert queue(conn, day(7)) == 0               # again the same day: nothing
    rows = conn.execute("select unit_code, phone, status, content from epi.sms_outbox order by 1").fetchall()
    assert rows == [("T-A", "14400000001", "pending", "你有未接收的“扫码”预警待处理，请到OA系统的疫情防控专区查阅，谢谢！"),
                    ("T-B", "14400000002", "pending", "你有未接收的“扫码”预警待处理，请到OA系统的疫情防控专区查阅，谢谢！")]
    as_unit(conn, "T-B")
    conn.execute("update epi.alert set status = '已接收'")
    assert queue(conn, day(8)) == 1               # next day: only T-A still has unaccepted alerts
    assert conn.execute("select unit_code from epi.sms_outbox where day = %s", (day(8),)).fetchall() == [("T-A",)]


def test_a_unit_without_a_valid_phone_is_recorded_as_failed(conn):
    setup_units_and_venues(conn, {"A1": ("T-A", 1, None), "B1": ("T-B", 1, None)})
    as_ops(conn)
    conn.execute("update epi.unit set head_phone = null where unit_code = 'T-A'")
    conn.execute("update epi.unit set head_phone = '0750-1234567' where unit_code = 'T-B'")
    cover(conn, [day(i) for i in range(7)])
    run_alerts(conn, day(7))
    assert queue(conn, day(7)) == 2
    assert conn.execute("select unit_code, status, response from epi.sms_outbox order by 1").fetchall() == [
        ("T-A", "failed", "监管单位负责人手机号未填写，未发送"),
        ("T-B", "failed", "监管单位负责人手机号不是有效的11位手机号码，未发送")]
