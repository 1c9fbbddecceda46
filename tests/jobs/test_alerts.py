"""The 7-day alert rules (SPEC section 4), each on its own."""
from __future__ import annotations

import datetime as dt

from tests.conftest import as_admin, as_jobs, as_ops, as_unit
from tests.jobs.helpers import add_scans, alerts, cover, day, run_alerts, setup_units_and_venues

DAYS = [day(i) for i in range(20)]


def test_strictly_below_and_strictly_above(conn):
    setup_units_and_venues(conn, {"EQMIN": ("T-A", 5, None), "LOW": ("T-A", 5, None),
                                  "EQMAX": ("T-A", None, 3), "HIGH": ("T-A", None, 3)})
    cover(conn, DAYS[:7])
    add_scans(conn, "EQMIN", {d: 5 for d in DAYS[:7]})
    add_scans(conn, "LOW", {d: 4 for d in DAYS[:7]})
    add_scans(conn, "EQMAX", {d: 3 for d in DAYS[:7]})
    add_scans(conn, "HIGH", {d: 4 for d in DAYS[:7]})
    assert run_alerts(conn, day(7)) == 2
    assert alerts(conn) == [("HIGH", "大于阈值", "2022-03-01", "2022-03-07"),
                            ("LOW", "小于阈值", "2022-03-01", "2022-03-07")]


def test_days_without_scans_count_as_zero(conn):
    setup_units_and_venues(conn, {"QUIET": ("T-A", 1, None)})
    cover(conn, DAYS[:7])
    assert run_alerts(conn, day(7)) == 1
    as_admin(conn)
    assert [r[0] for r in conn.execute("select n from epi.alert_day order by day")] == [0] * 7


def test_a_day_without_any_record_in_the_city_breaks_every_streak(conn):
    setup_units_and_venues(conn, {"QUIET": ("T-A", 1, None), "BUSY": ("T-A", None, 0)})
    covered = [d for d in DAYS[:8] if d != day(3)]  # 2022-03-04: no scan anywhere
    cover(conn, covered)
    add_scans(conn, "BUSY", {d: 1 for d in covered})
    assert run_alerts(conn, day(8)) == 0
    cover(conn, DAYS[8:11])  # 03-05 … 03-11 is a full week again
    add_scans(conn, "BUSY", {d: 1 for d in DAYS[8:11]})
    assert run_alerts(conn, day(11)) == 2
    assert {a[2:] for a in alerts(conn)} == {("2022-03-05", "2022-03-11")}


def test_scans_near_midnight_count_on_their_shanghai_day(conn):
    setup_units_and_venues(conn, {"V": ("T-A", None, 1)})
    cover(conn, DAYS[:7])
    add_scans(conn, "V", {d: 1 for d in DAYS[:7]}, hour=0, minute=10)   # 00:10 = 16:10 UTC the day before
    add_scans(conn, "V", {d: 1 for d in DAYS[:7]}, hour=23, minute=50)  # 23:50 = 15:50 UTC the same day
    assert run_alerts(conn, day(7)) == 1
    as_admin(conn)
    assert conn.execute("select array_agg(n order by day), min(day)::text, max(day)::text from epi.alert_day"
                        ).fetchone() == ([2] * 7, "2022-03-01", "2022-03-07")


def test_alerts_of_one_venue_and_reason_never_overlap(conn):
    setup_units_and_venues(conn, {"QUIET": ("T-A", 1, None)})
    cover(conn, DAYS[:13])
    assert run_alerts(conn, day(13)) == 1                      # 13 days: one alert, 6 days left over
    cover(conn, [day(13)])
    assert run_alerts(conn, day(14)) == 1                      # day 14 completes the second week
    cover(conn, DAYS[14:20])
    assert run_alerts(conn, day(20)) == 0                      # 6 more days: not yet a third
    assert alerts(conn) == [("QUIET", "小于阈值", "2022-03-01", "2022-03-07"),
                            ("QUIET", "小于阈值", "2022-03-08", "2022-03-14")]


def test_a_second_run_on_the_same_data_raises_nothing(conn):
    setup_units_and_venues(conn, {"QUIET": ("T-A", 1, None), "BUSY": ("T-B", None, 0)})
    cover(conn, DAYS)
    add_scans(conn, "BUSY", {d: 2 for d in DAYS})
    first = run_alerts(conn, day(20))
    assert first == 4
    assert run_alerts(conn, day(20)) == 0
    assert run_alerts(conn, day(25)) == 0  # later as-of, but no later data
    assert len(alerts(conn)) == 4


def test_venues_without_unit_or_thresholds_are_not_checked(conn):
    setup_units_and_venues(conn, {"NOUNIT": (None, 1, None), "NOTHRESH": ("T-A", None, None)})
    cover(conn, DAYS[:7])
    assert run_alerts(conn, day(7)) == 0


def test_a_threshold_changed_between_runs(conn):
    setup_units_and_venues(conn, {"V": ("T-A", 5, None)})
    cover(conn, DAYS[:14])
    add_scans(conn, "V", {d: 3 for d in DAYS[:14]})
    assert run_alerts(conn, day(7)) == 1
    as_unit(conn, "T-A")
    conn.execute("update epi.venue set flow_min = 2 where venue_id = 'V'")  # 3 is no longer below
    assert run_alerts(conn, day(14)) == 0
    as_unit(conn, "T-A")
    conn.execute("update epi.venue set flow_min = 4 where venue_id = 'V'")
    assert run_alerts(conn, day(14)) == 1
    as_admin(conn)
    assert conn.execute("select period_start::text, flow_min from epi.alert order by period_start").fetchall() == \
        [("2022-03-01", 5), ("2022-03-08", 4)]  # each keeps the threshold in force when raised


def test_days_after_the_latest_scan_and_on_the_as_of_day_are_not_evaluated(conn):
    setup_units_and_venues(conn, {"QUIET": ("T-A", 1, None)})
    cover(conn, DAYS[:6])
    assert run_alerts(conn, day(30)) == 0   # a month later, but data covers only 6 days
    cover(conn, [day(6)])
    assert run_alerts(conn, day(6)) == 0    # as of 03-07: 03-07 itself is not evaluated yet
    assert run_alerts(conn, day(7)) == 1


def test_alert_keeps_venue_thresholds_and_days_after_scans_are_deleted(conn):
    setup_units_and_venues(conn, {"HIGH": ("T-A", 1, 2)})
    cover(conn, DAYS[:7])
    add_scans(conn, "HIGH", {d: 3 + i for i, d in enumerate(DAYS[:7])})
    run_alerts(conn, day(7))
    as_ops(conn)
    conn.execute("delete from epi.scan")
    conn.execute("update epi.venue set venue_name = '改名', flow_max = 100 where venue_id = 'HIGH'")
    as_unit(conn, "T-A")
    row = conn.execute("select venue_name, flow_min, flow_max, reason, status from oa.alert").fetchone()
    assert row == ("测试场所HIGH", 1, 2, "大于阈值", "未接收")
    assert [r[0] for r in conn.execute("select n from oa.alert_day order by day")] == [3, 4, 5, 6, 7, 8, 9]


def test_only_the_jobs_identity_runs_detection(conn):
    import psycopg

    from tests.conftest import attempt

    as_ops(conn)
    refused = attempt(conn, "select epi.job_alerts('2022-03-08')")
    assert isinstance(refused, psycopg.errors.InsufficientPrivilege) and refused.diag.message_primary == "permission denied for function job_alerts"
    as_jobs(conn)
    assert attempt(conn, "select epi.job_alerts('2022-03-08')") == 1


def test_window_limits_how_far_back_detection_looks(conn):
    setup_units_and_venues(conn, {"QUIET": ("T-A", 1, None)})
    cover(conn, DAYS)
    as_admin(conn)
    conn.execute("update epi.setting set value = '10' where key = 'alert_window_days'")
    assert run_alerts(conn, day(20)) == 1
    assert alerts(conn) == [("QUIET", "小于阈值", "2022-03-11", "2022-03-17")]
    _ = dt
