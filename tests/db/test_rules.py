"""Rules the database enforces with messages a user can read: thresholds, alerts, acceptance,
and the audit entries that come with changes."""
from __future__ import annotations

import psycopg
import pytest

from tests.conftest import as_auditor, as_jobs, as_ops, as_unit, attempt


@pytest.mark.parametrize("values, message, column", [
    ((-1, 10), "场所日人流量阈值（最小值）必须是不小于0的整数", "flow_min"),
    ((1, -10), "场所日人流量阈值（最大值）必须是不小于0的整数", "flow_max"),
    ((20, 10), "场所日人流量阈值（最小值）不能大于最大值（最小值 20，最大值 10）", "flow_min"),
])
def test_threshold_rules_have_readable_messages(conn, world, values, message, column):
    as_unit(conn, "T-A")
    err = attempt(conn, "update epi.venue set flow_min = %s, flow_max = %s where venue_id = 'VA1'", values)
    assert isinstance(err, psycopg.errors.CheckViolation)
    assert err.diag.message_primary == message
    assert err.diag.column_name == column


@pytest.mark.parametrize("values", [(0, 0), (None, 5), (5, None), (None, None), (3, 3)])
def test_valid_thresholds_are_accepted(conn, world, values):
    as_unit(conn, "T-A")
    assert attempt(conn, "update epi.venue set flow_min = %s, flow_max = %s where venue_id = 'VA1'", values) == 1


def test_threshold_must_be_an_integer(conn, world):
    as_unit(conn, "T-A")
    assert isinstance(attempt(conn, "update epi.venue set flow_min = '1.5' where venue_id = 'VA1'"),
                      psycopg.errors.InvalidTextRepresentation)


def test_constraint_comments_carry_chinese_messages(conn):
    rows = conn.execute("""select conname, obj_description(oid, 'pg_constraint') from pg_constraint
                            where conrelid in ('epi.venue'::regclass, 'epi.alert'::regclass) and contype in ('c', 'x')""")
    assert all(msg and any('\u4e00' <= ch <= '\u9fff' for ch in msg) for _, msg in rows)


def raise_alert(c, venue, start, reason="小于阈值"):
    return attempt(c, "insert into epi.alert (venue_id, period_start, period_end, reason) values (%s, %s, %s::date + 6, %s)",
                   (venue, start, start, reason))


def test_alert_rules(conn, world):
    as_jobs(conn)
    assert isinstance(raise_alert(conn, "VA2", "2022-03-01", "太少"), psycopg.errors.CheckViolation)
    err = attempt(conn, "insert into epi.alert (venue_id, period_start, period_end, reason) "
                        "values ('VA2', '2022-03-01', '2022-03-05', '小于阈值')")
    assert isinstance(err, psycopg.errors.CheckViolation) and "alert_period_is_7_days" in str(err)
    # VA1 already has 2022-03-01..07 小于阈值: an overlapping period is refused, an adjacent one is fine
    assert isinstance(raise_alert(conn, "VA1", "2022-03-07"), psycopg.errors.ExclusionViolation)
    assert raise_alert(conn, "VA1", "2022-03-08") == 1
    assert raise_alert(conn, "VA1", "2022-03-03", "大于阈值") == 1


def test_accepting_records_who_and_when_and_cannot_be_undone(conn, world):
    alert = world["alerts"]["VA1"]
    as_unit(conn, "T-A", account="zhang.san")
    assert attempt(conn, "update epi.alert set status = '已接收' where alert_id = %s", (alert,)) == 1
    row = conn.execute("select status, accepted_by, accepted_at is not null from oa.alert where alert_id = %s",
                       (alert,)).fetchone()
    assert row == ("已接收", "zhang.san", True)
    err = attempt(conn, "update epi.alert set status = '未接收' where alert_id = %s", (alert,))
    assert isinstance(err, psycopg.errors.CheckViolation) and "不能撤销" in err.diag.message_primary
    as_auditor(conn)
    entry = conn.execute("select account, detail->>'alert_id' from epi.audit_log where action = 'alert.accept'").fetchone()
    assert entry == ("zhang.san", str(alert))


def test_unit_cannot_set_who_accepted(conn, world):
    as_unit(conn, "T-A")
    err = attempt(conn, "update epi.alert set status = '已接收', accepted_by = 'someone' where venue_id = 'VA1'")
    assert isinstance(err, psycopg.errors.InsufficientPrivilege)


def test_venue_and_threshold_changes_are_audited(conn, world):
    as_unit(conn, "T-A", account="li.si")
    conn.execute("update epi.venue set flow_min = 3, flow_max = 30 where venue_id = 'VA2'")
    as_ops(conn, account="ops.wang")
    conn.execute("update epi.venue set venue_name = '新名称' where venue_id = 'VA2'")
    conn.execute("delete from epi.venue where venue_id = 'VX'")
    as_auditor(conn)
    rows = conn.execute("""select account, action, detail->>'venue_id' from epi.audit_log
                            where action in ('threshold.update', 'venue.update', 'venue.delete') order by audit_id""").fetchall()
    assert rows == [("li.si", "threshold.update", "VA2"), ("ops.wang", "venue.update", "VA2"),
                    ("ops.wang", "venue.delete", "VX")]
    detail = conn.execute("select detail from epi.audit_log where action = 'threshold.update'").fetchone()[0]
    assert (detail["old"]["flow_min"], detail["new"]["flow_min"]) == (None, 3)


def test_city_defaults_to_kaiping_and_deleting_a_venue_keeps_its_scans(conn, world):
    as_ops(conn)
    conn.execute("insert into epi.venue (venue_id, venue_name) values ('VNEW', '新场所')")
    assert conn.execute("select city from oa.venue where venue_id = 'VNEW'").fetchone()[0] == "开平市"
    conn.execute("delete from epi.venue where venue_id = 'VA2'")
    assert conn.execute("select count(*), max(coalesce(unit_code, '空')) from oa.scan where venue_id = 'VA2'").fetchone() \
        == (1, "空")


def test_a_unit_in_use_cannot_be_deleted(conn, world):
    from tests.conftest import as_admin

    as_admin(conn)  # even a superuser: the foreign key keeps units that venues point at
    assert isinstance(attempt(conn, "delete from epi.unit where unit_code = 'T-A'"), psycopg.errors.RestrictViolation)
