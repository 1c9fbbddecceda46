"""Building daily scan counts for the job tests (inside the test's transaction)."""
from __future__ import annotations

import datetime as dt

from tests.conftest import as_admin, as_jobs, as_ops

D = dt.date(2022, 3, 1)


def day(i: int) -> dt.date:
    return D + dt.timedelta(days=i)


def setup_units_and_venues(c, venues: dict[str, tuple]):
    """venues: id -> (unit or None, flow_min, flow_max)."""
    as_ops(c)
    c.execute("insert into epi.unit (unit_code, unit_name, head_phone) values "
              "('T-A', '测试单位甲', '14400000001'), ('T-B', '测试单位乙', '14400000002') on conflict do nothing")
    for vid, (unit, lo, hi) in venues.items():
        c.execute("insert into epi.venue (venue_id, venue_name, unit_code, flow_min, flow_max) values (%s, %s, %s, %s, %s)",
                  (vid, f"测试场所{vid}", unit, lo, hi))


def add_scans(c, venue: str, per_day: dict[dt.date, int], hour: int = 12, minute: int = 0):
    """Insert per_day[d] scans for venue at hour:minute Asia/Shanghai of each day (as ops)."""
    as_ops(c)
    times = [dt.datetime.combine(d, dt.time(hour, minute)).isoformat() + "+08:00"
             for d, n in per_day.items() for _ in range(n)]
    if not times:
        return
    c.execute("select epi.ensure_scan_partitions(%s::timestamptz[])", (times,))
    batch = c.execute("insert into epi.import_batch (file_name, imported_by) values ('t', 'ops') returning batch_id"
                      ).fetchone()[0]
    c.execute("""insert into epi.scan (venue_id, venue_name, collected_at, batch_id, imported_by)
                 select %s, %s, t::timestamptz, %s, 'ops' from unnest(%s::text[]) t""",
              (venue, f"测试场所{venue}", batch, times))


def cover(c, days, venue="CITY"):
    """Make the city have data on these days (one scan of an unregistered venue each)."""
    add_scans(c, venue, {d: 1 for d in days})


def run_alerts(c, as_of: dt.date) -> int:
    as_jobs(c)
    n = c.execute("select epi.job_alerts(%s)", (as_of,)).fetchone()[0]
    as_admin(c)
    return n


def alerts(c):
    as_admin(c)
    return [(v, r, str(s), str(e)) for v, r, s, e in c.execute(
        "select venue_id, reason, period_start, period_end from epi.alert order by venue_id, reason, period_start")]


def seed_committed(url: str) -> None:
    """Committed, for code that opens its own connections: units T-A and T-B; A1 and B1 (minimum 1)
    scan nothing and A2 (maximum 0) scans once a day on 10 covered days from 2022-03-01, NEWVENUE
    too (unregistered): three alerts and one discovery as of 2022-03-11."""
    import psycopg

    with psycopg.connect(url) as c:
        c.execute("set session authorization epi_web; set role epi_ops")
        c.execute("select set_config('epi.account', 'ops', false)")
        c.execute("insert into epi.unit (unit_code, unit_name, head_phone) values "
                  "('T-A', '测试单位甲', '14400000001'), ('T-B', '测试单位乙', '14400000002')")
        c.execute("insert into epi.venue (venue_id, unit_code, flow_min, flow_max) values "
                  "('A1', 'T-A', 1, null), ('A2', 'T-A', null, 0), ('B1', 'T-B', 1, null)")
        c.execute("select epi.ensure_scan_partitions(array['2022-03-15 12:00+08']::timestamptz[])")
        b = c.execute("insert into epi.import_batch (file_name, imported_by) values ('s', 'ops') returning batch_id"
                      ).fetchone()[0]
        c.execute("""insert into epi.scan (venue_id, collected_at, batch_id, imported_by)
                     select v, timestamptz '2022-03-01 12:00+08' + d * interval '1 day', %s, 'ops'
                       from generate_series(0, 9) d, unnest(array['A2', 'NEWVENUE']) v""", (b,))
        c.commit()
