"""epi_private.month_count (each venue's scans per month) and
epi.venue_totals, which reads it for 扫码统计查询 (issue 22, point 3): the month counts follow every
change of the daily counts, whoever makes it, and a range's totals are the daily counts' sums, for
the caller's venues only."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import as_admin, as_jobs, as_nobody, as_ops, as_unit, attempt

TOTALS = "select venue_id, n from epi.venue_totals(%s, %s) order by 1"
SUMS = "select venue_id, sum(n)::bigint from epi.daily_counts(%s, %s) group by 1 order by 1"


def months(conn) -> tuple[list, list]:
    """epi_private.month_count as kept (each month's total and its running totals), and as the
    daily counts make it now."""
    as_admin(conn)
    kept = conn.execute("select venue_id, month, cum[31], cum from epi_private.month_count order by 1, 2").fetchall()
    counted = conn.execute("""
        select c.venue_id, c.month,
               (select sum(x.n) from epi_private.daily_count x
                 where x.venue_id = c.venue_id and date_trunc('month', x.day)::date = c.month),
               array(select (select coalesce(sum(x.n), 0)::int from epi_private.daily_count x
                              where x.venue_id = c.venue_id and date_trunc('month', x.day)::date = c.month
                                and extract(day from x.day) <= g)
                       from generate_series(1, 31) g order by g)
          from (select distinct venue_id, date_trunc('month', day)::date as month from epi_private.daily_count) c
         order by 1, 2""").fetchall()
    return kept, counted


def add_scans(conn, *rows):
    as_ops(conn)
    batch = conn.execute("""insert into epi.import_batch (file_name, file_hash, row_count, imported_by)
                            values ('测试月.xlsx', 'hm', %s, 'ops.tester') returning batch_id""", (len(rows),)).fetchone()[0]
    conn.execute("select epi.ensure_scan_partitions(%s::timestamptz[])", ([t for _, t in rows],))
    with conn.cursor() as cur:
        cur.executemany("insert into epi.scan (venue_id, collected_at, batch_id, imported_by) values (%s, %s, %s, 'o')",
                        [(v, t, batch) for v, t in rows])
    return batch


def test_the_month_counts_follow_every_write_of_the_daily_counts(conn, world):
    """Inserts on the months' Asia/Shanghai edges, a row delete, the counts job's repair of counts
    a superuser broke, a month's drop: after each, the month counts are what the daily counts make."""
    kept, counted = months(conn)
    assert kept == counted and sum(n for _, _, n, _ in kept) == 7
    add_scans(conn, ("VA1", "2022-02-28 23:59:59+08"), ("VA1", "2022-03-01 00:00+08"), ("VA1", "2022-03-31 23:59:59+08"),
              ("VB1", "2022-04-01 00:00:00+08"), ("VB1", "2022-04-01 08:00:00+08"))
    kept, counted = months(conn)
    assert kept == counted
    va1 = {(m.isoformat(), n) for v, m, n, _ in kept if v == "VA1"}
    assert va1 == {("2022-02-01", 1), ("2022-03-01", 4)}
    assert ("VB1", dt.date(2022, 4, 1), 2) in [(v, m, n) for v, m, n, _ in kept]
    va1_march = next(c for v, m, _, c in kept if v == "VA1" and m == dt.date(2022, 3, 1))
    assert len(va1_march) == 31 and va1_march == sorted(va1_march) and va1_march[-1] == 4   # running totals
    as_ops(conn)
    assert conn.execute("delete from epi.scan where venue_id = 'VB1' and collected_at >= '2022-04-01 00:00+08'").rowcount == 2
    kept, counted = months(conn)
    assert kept == counted and ("VB1", dt.date(2022, 4, 1)) not in [(v, m) for v, m, _, _ in kept]
    as_admin(conn)   # counts broken under the job (as a superuser can): the month counts follow them …
    conn.execute("update epi_private.daily_count set n = 99 where venue_id = 'VA1' and day = '2022-03-02'")
    conn.execute("delete from epi_private.daily_count where venue_id = 'VB1' and day = '2022-03-03'")
    conn.execute("insert into epi_private.daily_count values ('GHOST', '2022-03-05', 5)")
    kept, counted = months(conn)
    assert kept == counted and ("GHOST", dt.date(2022, 3, 1), 5) in [(v, m, n) for v, m, n, _ in kept]
    as_jobs(conn)    # … and the repair brings both back to the scans
    assert conn.execute("select epi.job_counts('2022-03-08', true)").fetchone()[0] == 3
    kept, counted = months(conn)
    assert kept == counted and "GHOST" not in [v for v, *_ in kept]
    assert [n for v, m, n, _ in kept if v == "VA1" and m == dt.date(2022, 3, 1)] == [4]
    as_ops(conn)
    conn.execute("select epi.drop_scan_month('2022-03-01')")
    kept, counted = months(conn)
    assert kept == counted and {m for _, m, _, _ in kept} == {dt.date(2022, 2, 1)}


@pytest.mark.parametrize("lo, hi", [
    ("2022-03-01", "2022-03-31"),    # one whole month
    ("2022-03-02", "2022-03-02"),    # one day
    ("2022-03-02", "2022-03-30"),    # inside one month
    ("2022-02-15", "2022-04-01"),    # two edges and a whole month
    ("2022-02-01", "2022-04-30"),    # whole months only
    ("2021-12-31", "2022-03-01"),    # over a year's end
    ("2022-03-05", "2022-03-30"),    # days without scans
    ("2022-02-28", "2022-03-01"),    # two edge days, no whole month
    ("2022-02-01", "2022-03-31"),    # two whole months, no edge
    ("2022-01-17", "2022-04-02"),    # edges on both sides of two whole months
])
def test_a_ranges_totals_are_the_daily_counts_sums(conn, world, lo, hi):
    add_scans(conn, ("VA1", "2022-02-15 00:00+08"), ("VA1", "2022-02-28 12:00+08"), ("VA2", "2022-04-01 00:00+08"),
              ("VA2", "2022-04-30 23:59:59+08"), ("VB1", "2022-03-31 23:59:59+08"), ("VA1", "2021-12-31 23:00+08"),
              ("VX", "2022-04-02 12:00+08"))
    for become in (as_ops, lambda c: as_unit(c, "T-A"), lambda c: as_unit(c, "T-B")):
        become(conn)
        assert conn.execute(TOTALS, (lo, hi)).fetchall() == conn.execute(SUMS, (lo, hi)).fetchall()


def test_a_ranges_totals_are_the_callers_venues_only(conn, world):
    as_ops(conn)
    assert {v for v, _ in conn.execute(TOTALS, ("2022-03-01", "2022-03-31")).fetchall()} == {"VA1", "VA2", "VB1", "VX", "V404"}
    as_unit(conn, "T-A")
    for _ in range(7):   # the session's later calls as well
        assert conn.execute(TOTALS, ("2022-03-01", "2022-03-31")).fetchall() == [("VA1", 2), ("VA2", 1)]
    assert conn.execute(TOTALS, ("2022-03-02", "2022-03-01")).fetchall() == []
    as_unit(conn, "T-B")
    assert conn.execute(TOTALS, ("2022-03-01", "2022-03-31")).fetchall() == [("VB1", 2)]
    as_nobody(conn)   # a login of no kind may not even call it
    assert "permission denied" in str(attempt(conn, TOTALS, ("2022-03-01", "2022-03-31")))


def test_no_runtime_role_reads_or_writes_the_month_counts(conn, world):
    for become in (as_ops, as_jobs, lambda c: as_unit(c, "T-A")):
        become(conn)
        assert "permission denied" in str(attempt(conn, "select * from epi_private.month_count"))
        assert "permission denied" in str(attempt(conn, "update epi_private.month_count set n = 0"))


def test_the_migration_fills_the_month_counts_as_the_triggers_keep_them(conn, world):
    """Migration 0019's fill, run again over today's daily counts into a copy of the table, gives
    what the triggers have kept."""
    from pathlib import Path

    add_scans(conn, ("VA1", "2022-02-28 23:59:59+08"), ("VB1", "2022-04-30 12:00+08"), ("VX", "2022-03-31 23:00+08"))
    kept, _ = months(conn)
    text = (Path(__file__).parents[2] / "db" / "schema" / "0019_month_counts.sql").read_text(encoding="utf-8")
    fill = text[text.index("insert into epi_private.month_count"):text.index("alter table epi_private.daily_count force")]
    as_admin(conn)
    conn.execute("create temp table month_fill (like epi_private.month_count)")
    conn.execute(fill.replace("insert into epi_private.month_count", "insert into pg_temp.month_fill"))
    assert conn.execute("select venue_id, month, cum[31], cum from pg_temp.month_fill order by 1, 2").fetchall() == kept


def test_the_month_counts_upkeep_is_planned_for_its_arrays_on_every_call(conn, world):
    """From its sixth call in a session PostgreSQL 18 may give a SQL function's statement the
    generic plan, which knows nothing of the arrays' sizes: 0.3 s a chunk instead of 0.05 in an
    import (docs/scaling.md). The function's statement is EXECUTEd (planned with each call's
    arrays; its 31 elements generated, not written out), and twelve calls in one session still
    keep the month counts equal to a recount."""
    as_admin(conn)
    language, source = conn.execute("""select l.lanname, p.prosrc from pg_catalog.pg_proc p join pg_catalog.pg_language l
                                        on l.oid = p.prolang
                                      where p.oid = 'epi_private.month_count_add(text[], date[], bigint[])'::regprocedure
                                   """).fetchone()
    assert language == "plpgsql" and "execute format(" in source and "cum[31] + d.cum[31]" not in source
    for i in range(12):   # each an upsert of existing daily counts: the update trigger's path
        conn.execute("""insert into epi_private.daily_count as c (venue_id, day, n)
                        select venue_id, day, %s from epi_private.daily_count
                        on conflict (venue_id, day) do update set n = c.n + excluded.n""", (1 + i % 2,))
    kept, counted = months(conn)
    assert kept == counted and kept
