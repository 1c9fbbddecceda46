"""Property test: the SQL detection agrees with an independent Python reference of SPEC section 4
on random counts, random city-wide gaps, random thresholds and several runs at increasing as-of days."""
from __future__ import annotations

import datetime as dt

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import as_admin, as_jobs, as_ops
from tests.jobs.helpers import day

N_DAYS = 24
VENUES = ("P1", "P2", "P3")


def reference(counts, thresholds, covered, runs, window=90):
    """Alerts the rules call for after running detection as of each day in ``runs``, in order.
    counts: {(venue, day_index): n}; thresholds: {venue: (min, max) or None (not checked)};
    covered: set of day indexes on which the city has data."""
    raised: list[tuple[str, str, int]] = []  # (venue, reason, start index)
    last_data = max(covered) if covered else None
    for as_of in runs:
        if last_data is None:
            continue
        last = min(as_of - 1, last_data)
        first = last - window + 1
        for venue, limits in thresholds.items():
            if limits is None:
                continue
            lo, hi = limits
            for reason, hit in (("小于阈值", lambda n, lo=lo: lo is not None and n < lo),
                                ("大于阈值", lambda n, hi=hi: hi is not None and n > hi)):
                run_start = None
                prev = None
                runs_found = []
                for d in range(first, last + 1):
                    ok = d in covered and hit(counts.get((venue, d), 0))
                    if ok and prev is not None and d == prev + 1 and run_start is not None:
                        pass
                    elif ok:
                        if run_start is not None:
                            runs_found.append((run_start, prev))
                        run_start = d
                    if not ok and run_start is not None:
                        runs_found.append((run_start, prev))
                        run_start = None
                    if ok:
                        prev = d
                if run_start is not None:
                    runs_found.append((run_start, prev))
                for start, end in runs_found:
                    if end - start + 1 < 7:
                        continue
                    ends = [s + 6 for v, r, s in raised if v == venue and r == reason and s <= end and s + 6 >= start]
                    pos = max([start] + [e + 1 for e in ends])
                    while pos + 6 <= end:
                        raised.append((venue, reason, pos))
                        pos += 7
    return sorted(raised)


# a series of daily counts per venue: a level 0–3 with an occasional deviation, so that thresholds
# of 0–3 make long streaks (and their interruptions) common
series = st.tuples(st.integers(0, 3), st.lists(st.sampled_from([0] * 14 + [1, -1, 2]),
                                               min_size=N_DAYS, max_size=N_DAYS)).map(
    lambda t: [max(0, t[0] + d) for d in t[1]])
counts_strategy = st.fixed_dictionaries({v: series for v in VENUES}).map(
    lambda per_venue: {(v, d): n for v, ns in per_venue.items() for d, n in enumerate(ns) if n})
limits = st.tuples(st.one_of(st.none(), st.integers(1, 3)), st.one_of(st.none(), st.integers(0, 2)))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(counts=counts_strategy,
       thresholds=st.fixed_dictionaries({v: limits for v in VENUES}),
       gaps=st.sets(st.integers(0, N_DAYS - 1), max_size=2),
       runs=st.lists(st.integers(5, N_DAYS + 3), min_size=1, max_size=3).map(sorted))
def test_detection_matches_the_reference(conn, counts, thresholds, gaps, runs):
    thresholds = {v: (None if t is None or t == (None, None) or (t[0] is not None and t[1] is not None and t[0] > t[1])
                      else t) for v, t in thresholds.items()}
    covered = set(range(N_DAYS)) - gaps
    counts = {k: n for k, n in counts.items() if k[1] in covered}
    try:
        with conn.transaction():
            as_ops(conn)
            conn.execute("insert into epi.unit (unit_code, unit_name) values ('T-P', '测试单位')")
            for v, t in thresholds.items():
                conn.execute("insert into epi.venue (venue_id, unit_code, flow_min, flow_max) values (%s, 'T-P', %s, %s)",
                             (v, *(t if t else (None, None))))
            conn.execute("select epi.ensure_scan_partitions(array['2022-03-15 12:00+08', '2022-04-15 12:00+08']::timestamptz[])")
            batch = conn.execute("insert into epi.import_batch (file_name, imported_by) values ('p', 'o') "
                                 "returning batch_id").fetchone()[0]
            # the city's coverage: one scan of an unregistered venue on each covered day
            rows = [("CITY", day(d)) for d in covered] + [(v, day(d)) for (v, d), n in counts.items() for _ in range(n)]
            conn.execute("""insert into epi.scan (venue_id, collected_at, batch_id, imported_by)
                            select v, (d + time '12:00') at time zone 'Asia/Shanghai', %s, 'o'
                              from unnest(%s::text[], %s::date[]) r(v, d)""",
                         (batch, [r[0] for r in rows], [r[1] for r in rows]))
            for as_of in runs:
                as_jobs(conn)
                conn.execute("select epi.job_alerts(%s)", (day(as_of),))
            as_admin(conn)
            got = sorted((v, r, (s - day(0)).days) for v, r, s in
                         conn.execute("select venue_id, reason, period_start from epi.alert"))
            days_ok = conn.execute("""select bool_and(d.n = coalesce(c.n, 0)) from epi.alert a
                                        join epi.alert_day d using (alert_id)
                                        left join epi_private.daily_count c on c.venue_id = a.venue_id and c.day = d.day
                                   """).fetchone()[0]
            raise psycopg.Rollback()
    finally:
        pass
    assert got == reference(counts, thresholds, covered, runs)
    assert days_ok in (True, None)
    _ = dt
