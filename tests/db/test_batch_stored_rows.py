"""epi.import_batch.stored_rows: how many of an import's rows are still stored, kept by the database
on every insert, delete and partition drop, whoever writes (issue 21, point 3)."""
from __future__ import annotations

from tests.conftest import as_admin, as_jobs, as_ops, attempt


def stored(conn, batch) -> int:
    as_admin(conn)
    return conn.execute("select stored_rows from epi.import_batch where batch_id = %s", (batch,)).fetchone()[0]


def test_inserts_deletes_and_a_dropped_month_keep_the_count(conn, world):
    batch = world["batch"]
    assert stored(conn, batch) == 7
    as_ops(conn)
    other = conn.execute("""insert into epi.import_batch (file_name, file_hash, row_count, imported_by)
                            values ('测试2.xlsx', 'h2', 2, 'ops.tester') returning batch_id""").fetchone()[0]
    conn.execute("""insert into epi.scan (venue_id, collected_at, batch_id, imported_by)
                    values ('VA1', '2022-03-05 08:00+08', %s, 'ops.tester'), ('VB1', '2022-03-05 09:00+08', %s, 'ops.tester')""",
                 (other, other))
    assert (stored(conn, batch), stored(conn, other)) == (7, 2)
    as_ops(conn)
    assert conn.execute("delete from epi.scan where venue_id = 'VA1'").rowcount == 3
    assert (stored(conn, batch), stored(conn, other)) == (5, 1)
    as_ops(conn)
    assert conn.execute("select epi.drop_scan_month('2022-03-01')").fetchone()[0] == 6
    assert (stored(conn, batch), stored(conn, other)) == (0, 0)


def test_the_retention_purge_keeps_the_count(conn, world):
    as_ops(conn)
    conn.execute("select epi.set_scan_retention(14)")
    as_jobs(conn)
    # as of 2022-03-16 the days before 03-02 go: the 4 scans of 03-01 (by DELETE, the month stays)
    assert conn.execute("select epi.job_retention('2022-03-16')").fetchone()[0] == 4
    assert stored(conn, world["batch"]) == 3
    as_jobs(conn)
    assert conn.execute("select epi.job_retention('2022-05-01')").fetchone()[0] == 3  # the month, dropped
    assert stored(conn, world["batch"]) == 0


def test_no_runtime_role_writes_the_count(conn, world):
    for become in (as_ops, as_jobs):
        become(conn)
        assert "permission denied" in str(attempt(conn, "update epi.import_batch set stored_rows = 0"))


def months(conn) -> tuple[list, list]:
    """epi_private.batch_month as kept, and as the scans count it now."""
    as_admin(conn)
    kept = conn.execute("select month, batch_id, n from epi_private.batch_month order by 1, 2").fetchall()
    counted = conn.execute("""select date_trunc('month', collected_at at time zone 'Asia/Shanghai')::date, batch_id, count(*)
                                from epi.scan group by 1, 2 order by 1, 2""").fetchall()
    return kept, counted


def test_each_imports_rows_per_month_follow_every_write(conn, world):
    """The month drop takes its rows from epi_private.batch_month (issue 22: counting a peak month
    took seconds), so it must agree with the scans after inserts over two months — the month's
    edges in Asia/Shanghai —, deletes by row and by import, and drops."""
    kept, counted = months(conn)
    assert kept == counted and sum(n for *_, n in kept) == 7
    as_ops(conn)
    other = conn.execute("""insert into epi.import_batch (file_name, file_hash, row_count, imported_by)
                            values ('测试3.xlsx', 'h3', 4, 'ops.tester') returning batch_id""").fetchone()[0]
    conn.execute("select epi.ensure_scan_partitions(array['2022-02-28 12:00+08', '2022-04-01 12:00+08']::timestamptz[])")
    conn.execute("""insert into epi.scan (venue_id, collected_at, batch_id, imported_by)
                    values ('VA1', '2022-02-28 23:59:59+08', %(b)s, 'o'), ('VA1', '2022-03-01 00:00+08', %(b)s, 'o'),
                           ('VB1', '2022-03-31 23:59:59+08', %(b)s, 'o'), ('VB1', '2022-04-01 00:00:00+08', %(b)s, 'o')""",
                 {"b": other})
    kept, counted = months(conn)
    assert kept == counted
    assert [(m.isoformat(), n) for m, b, n in kept if b == other] == [("2022-02-01", 1), ("2022-03-01", 2), ("2022-04-01", 1)]
    as_ops(conn)
    conn.execute("delete from epi.scan where venue_id = 'VB1'")     # the import's April goes wholly
    kept, counted = months(conn)
    assert kept == counted and ("2022-04-01", other) not in [(m.isoformat(), b) for m, b, _ in kept]
    as_ops(conn)
    assert conn.execute("select epi.drop_scan_month('2022-03-01')").fetchone()[0] == sum(
        n for m, _, n in counted if m.isoformat() == "2022-03-01")
    kept, counted = months(conn)
    assert kept == counted == [(kept[0][0], other, 1)]
    assert (stored(conn, world["batch"]), stored(conn, other)) == (0, 1)


def test_a_months_drop_returns_what_the_scans_held_per_import(conn, world):
    """The audit entry of a dropped month carries the rows the partition held."""
    as_ops(conn)
    rows = conn.execute("select epi.drop_scan_month('2022-03-01')").fetchone()[0]
    as_admin(conn)
    entry = conn.execute("""select row_count, detail->>'rows' from epi.audit_log where action = 'scan.delete'
                             order by audit_id desc limit 1""").fetchone()
    assert rows == 7 and entry == (7, "7")


def test_no_runtime_role_writes_the_months(conn, world):
    for become in (as_ops, as_jobs):
        become(conn)
        assert "permission denied" in str(attempt(conn, "update epi_private.batch_month set n = n + 1"))
        become(conn)
        assert "permission denied" in str(attempt(conn, "delete from epi_private.batch_month"))
