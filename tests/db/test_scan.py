"""Scan records: monthly partitions made on demand, daily counts kept in step, the sync lockout."""
from __future__ import annotations

import psycopg

from core import crypto
from tests.conftest import SEALED_COLUMNS, as_admin, as_jobs, as_nobody, as_oa, as_ops, as_unit, attempt, sealed

RECOUNT = """select venue_id, (collected_at at time zone 'Asia/Shanghai')::date, count(*)::int
               from epi.scan group by 1, 2 order by 1, 2"""
COUNTS = "select venue_id, day, n from oa.daily_count order by 1, 2"


def insert_scans(c, batch, rows):
    c.execute("""insert into epi.scan (venue_id, collected_at, batch_id, imported_by)
                 select v, t::timestamptz, %s, 'ops.tester' from unnest(%s::text[], %s::text[]) r(v, t)""",
              (batch, [r[0] for r in rows], [r[1] for r in rows]))


def new_batch(c):
    return c.execute("insert into epi.import_batch (file_name, imported_by) values ('t', 'ops.tester') "
                     "returning batch_id").fetchone()[0]


def test_partitions_follow_shanghai_months(conn):
    as_ops(conn)
    made = conn.execute("select epi.ensure_scan_partitions(array['2022-01-31 23:59+08', '2022-02-28 23:30+08', "
                        "'2022-03-01 00:00+08']::timestamptz[])").fetchone()[0]
    assert made == 3
    assert conn.execute("select epi.ensure_scan_partitions(array['2022-02-10', '2022-02-11']::timestamptz[])"
                        ).fetchone()[0] == 0
    batch = new_batch(conn)
    # 2022-02-28 23:30 in Kaiping is 15:30 UTC: February's partition, not March's
    insert_scans(conn, batch, [("V1", "2022-02-28 23:30+08"), ("V1", "2022-03-01 00:00+08")])
    as_admin(conn)
    rows = conn.execute("select tableoid::regclass::text from epi.scan order by collected_at").fetchall()
    assert rows == [("epi.scan_y2022m02",), ("epi.scan_y2022m03",)]


def test_only_months_with_rows_get_partitions_and_there_is_no_default(conn):
    """One stray 1980 date beside this year's rows makes one 1980 partition, not 500 between."""
    as_ops(conn)
    made = conn.execute("select epi.ensure_scan_partitions(array['1980-01-05 10:00+08', '2022-03-04 10:00+08', "
                        "null]::timestamptz[])").fetchone()[0]
    assert made == 2
    as_admin(conn)
    months = [r[0] for r in conn.execute("select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid "
                                         "where i.inhparent = 'epi.scan'::regclass order by 1")]
    assert months == ["scan_y1980m01", "scan_y2022m03"] and conn.execute("select to_regclass('epi.scan_default')"
                                                                          ).fetchone()[0] is None
    as_ops(conn)
    batch = new_batch(conn)
    err = attempt(conn, "insert into epi.scan (venue_id, collected_at, batch_id, imported_by) "
                        "values ('V1', '2019-07-04 10:00+08', %s, 'ops.tester')", (batch,))
    assert isinstance(err, psycopg.errors.CheckViolation)   # no partition: every write path makes it first


def test_partitions_are_made_only_by_callers_with_an_identity(conn, oa_login_a):
    for who in (lambda c: as_unit(c, "T-A"), as_nobody, as_admin, lambda c: as_oa(c, oa_login_a)):
        who(conn)
        err = attempt(conn, "select epi.ensure_scan_partitions(array['2022-01-01']::timestamptz[])")
        assert isinstance(err, psycopg.errors.InsufficientPrivilege), err


def test_daily_counts_agree_with_a_recount_after_inserts_and_deletes(conn, world):
    as_ops(conn)
    assert conn.execute(COUNTS).fetchall() == conn.execute(RECOUNT).fetchall()
    insert_scans(conn, world["batch"], [("VA1", "2022-03-01 23:59:59+08"), ("VA1", "2022-03-02 00:00:00+08"),
                                        ("VB1", "2022-03-01 00:00:01+08")] * 3)
    counts = {(v, str(d)): n for v, d, n in conn.execute(COUNTS).fetchall()}
    assert counts[("VA1", "2022-03-01")] == 4 and counts[("VA1", "2022-03-02")] == 4
    assert conn.execute(COUNTS).fetchall() == conn.execute(RECOUNT).fetchall()
    conn.execute("delete from epi.scan where venue_id = 'VA1' and collected_at < '2022-03-02 00:00+08'")
    assert conn.execute(COUNTS).fetchall() == conn.execute(RECOUNT).fetchall()
    assert ("VA1", "2022-03-01") not in {(v, str(d)) for v, d, _ in conn.execute(COUNTS).fetchall()}
    conn.execute("delete from epi.scan")
    assert conn.execute(COUNTS).fetchall() == []


def test_sync_lockout_refuses_import_and_delete_in_the_database(conn, world):
    as_admin(conn)
    conn.execute("update epi.setting set value = 'true' where key = 'frontdb_sync_enabled'")
    as_ops(conn)
    for statement in (("insert into epi.scan (venue_id, collected_at, batch_id, imported_by) "
                      f"values ('VA1', '2022-03-05 10:00+08', {world['batch']}, 'x')"),
                      "delete from epi.scan where venue_id = 'VA1'"):
        err = attempt(conn, statement)
        assert isinstance(err, psycopg.errors.InsufficientPrivilege)
        assert "前置库同步已启用" in err.diag.message_primary
    # the sync job itself still writes
    as_jobs(conn)
    assert attempt(conn, "insert into epi.scan (venue_id, collected_at, batch_id, imported_by) "
                         f"values ('VA1', '2022-03-05 10:00+08', {world['batch']}, 'frontdb')") == 1


def test_scan_values_are_stored_as_given(conn, world):
    as_ops(conn)
    conn.execute(f"""insert into epi.scan (venue_id, {SEALED_COLUMNS}, collected_at, batch_id, imported_by)
                     values ('0012', {sealed('00000000000000000x', None, '014400000001')}, '2022-03-05 10:00+08', %s, 'x')""",
                 (world["batch"],))
    assert conn.execute("select venue_id, id_card, phone from oa.scan where venue_id = '0012'").fetchone() == \
        ("0012", "000000********000x", "014*****0001")      # what every reader sees (masked)
    as_admin(conn)                                          # what is stored: exactly as given, sealed (issue 49)
    row = conn.execute("select venue_id, personal, key_version, id_card_digest, phone_digest from epi.scan "
                       "where venue_id = '0012'").fetchone()
    assert row[0] == "0012" and crypto.sealer().open(*row[1:]) == ("00000000000000000x", None, "014400000001")


DAILY = "select venue_id, sum(n)::int from epi.daily_counts(%s, %s, %s) group by 1 order by 1"


def test_daily_counts_of_a_range_are_the_callers_venues_only(conn, world):
    """epi.daily_counts (statistics, calendar, charts): a unit gets its own venues' counts, by its
    venues' keys, and nothing of another unit's venue even when it names one; ops get every venue
    (the unregistered one included); a login of no kind may not call it."""
    as_ops(conn)
    everything = conn.execute(DAILY, ("2022-03-01", "2022-03-31", None)).fetchall()
    assert {v for v, _ in everything} >= {"VA1", "VA2", "VB1", "VX"}
    as_unit(conn, "T-A")
    mine = conn.execute(DAILY, ("2022-03-01", "2022-03-31", None)).fetchall()
    assert mine and {v for v, _ in mine} <= {"VA1", "VA2"} and mine == [r for r in everything if r[0] in ("VA1", "VA2")]
    for _ in range(7):   # the session's cached plan of later calls as well
        assert conn.execute(DAILY, ("2022-03-01", "2022-03-31", "VB1")).fetchall() == []
        assert conn.execute(DAILY, ("2022-03-01", "2022-03-31", "VA1")).fetchall() == [r for r in mine if r[0] == "VA1"]
    assert conn.execute(DAILY, ("2022-03-02", "2022-03-01", None)).fetchall() == []
    as_unit(conn, "T-B")
    assert {v for v, _ in conn.execute(DAILY, ("2022-03-01", "2022-03-31", None)).fetchall()} == {"VB1"}
    as_nobody(conn)   # a login of no kind may not even call it
    assert "permission denied" in str(attempt(conn, DAILY, ("2022-03-01", "2022-03-31", None)))
