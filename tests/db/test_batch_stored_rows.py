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
