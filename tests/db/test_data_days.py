"""epi_private.data_day: the days with any data in the whole city, so that a unit's per-day chart can
tell 无数据 from 0 (issue 24). Kept by the database on every insert, delete, dropped month and recount;
read by every kind of caller through epi.data_days(), written by none."""
from __future__ import annotations

from tests.conftest import as_admin, as_jobs, as_ops, as_unit, attempt


def days(conn, become=as_ops, start="2022-01-01", end="2022-12-31") -> list[str]:
    become(conn)
    return [str(r[0]) for r in conn.execute("select day from epi.data_days(%s, %s) order by 1", (start, end))]


def test_the_days_follow_inserts_deletes_and_a_dropped_month(conn, world):
    assert days(conn) == ["2022-03-01", "2022-03-02", "2022-03-03", "2022-03-04"]
    as_ops(conn)
    conn.execute("""insert into epi.scan (venue_id, collected_at, batch_id, imported_by)
                    values ('VA1', '2022-03-05 23:30+08', %s, 'ops.tester')""", (world["batch"],))
    assert days(conn)[-1] == "2022-03-05"  # 23:30 in Shanghai is still the 5th
    as_ops(conn)
    conn.execute("delete from epi.scan where venue_id = 'VA1'")  # 03-01 keeps VA2's, 03-02 had VA1's only
    assert days(conn) == ["2022-03-01", "2022-03-03", "2022-03-04"]
    as_ops(conn)
    conn.execute("select epi.drop_scan_month('2022-03-01')")
    assert days(conn) == []


def test_a_unit_knows_the_days_of_the_whole_city_but_not_their_scans(conn, world):
    # T-B's venue has scans on 03-01 and 03-03 only; 03-02 (VA1) and 03-04 (V404) are days with data too
    assert days(conn, lambda c: as_unit(c, "T-B")) == ["2022-03-01", "2022-03-02", "2022-03-03", "2022-03-04"]
    as_unit(conn, "T-B")
    assert conn.execute("select count(*) from oa.daily_count where day = '2022-03-02'").fetchone()[0] == 0
    assert days(conn, lambda c: as_unit(c, "T-A"), "2022-03-03", "2022-03-31") == ["2022-03-03", "2022-03-04"]


def test_no_runtime_role_reads_or_writes_the_table_itself(conn, world):
    for become in (as_ops, as_jobs, lambda c: as_unit(c, "T-A")):
        become(conn)
        assert "permission denied" in str(attempt(conn, "select * from epi_private.data_day"))
        become(conn)
        assert "permission denied" in str(attempt(conn, "insert into epi_private.data_day values ('2022-04-01')"))


def test_a_caller_without_a_kind_sees_no_day(conn, world):
    as_admin(conn)
    conn.execute("set local role epi_ops")  # a superuser who merely took the role: no kind, nothing
    assert conn.execute("select count(*) from epi.data_days('2022-01-01', '2022-12-31')").fetchone()[0] == 0


def test_the_full_recount_puts_the_days_right(conn, world):
    as_admin(conn)
    conn.execute("alter table epi_private.data_day no force row level security")
    conn.execute("delete from epi_private.data_day where day = '2022-03-02'")
    conn.execute("insert into epi_private.data_day values ('2022-03-20')")
    conn.execute("alter table epi_private.data_day force row level security")
    as_jobs(conn)
    conn.execute("select epi.job_counts('2022-03-31', true)")
    assert days(conn) == ["2022-03-01", "2022-03-02", "2022-03-03", "2022-03-04"]


def test_the_nightly_repair_of_a_count_repairs_its_day(conn, world):
    as_admin(conn)
    conn.execute("alter table epi_private.daily_count no force row level security")
    conn.execute("alter table epi_private.data_day no force row level security")
    conn.execute("delete from epi_private.daily_count where day = '2022-03-04'")
    conn.execute("delete from epi_private.data_day where day = '2022-03-04'")
    conn.execute("insert into epi_private.count_dirty_day values ('2022-03-04') on conflict do nothing")
    conn.execute("alter table epi_private.daily_count force row level security")
    conn.execute("alter table epi_private.data_day force row level security")
    as_jobs(conn)
    assert conn.execute("select epi.job_counts('2022-03-31')").fetchone()[0] == 1
    assert "2022-03-04" in days(conn)
