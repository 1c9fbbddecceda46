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
    # ON DELETE RESTRICT: PostgreSQL 18 names it (23001), earlier versions report the foreign key (23503)
    refusal = psycopg.errors.RestrictViolation if conn.info.server_version >= 180000 else psycopg.errors.ForeignKeyViolation
    assert type(attempt(conn, "delete from epi.unit where unit_code = 'T-A'")) is refusal


def test_the_rules_limits_are_stated_once_and_read_by_the_checks(conn):
    as_ops(conn)
    limits = dict(conn.execute("select rule, value from epi.rule_limits()").fetchall())
    assert limits == {"threshold_max": 2147483647, "scan_retention_min_days": 14, "scan_retention_max_days": 36500,
                      "name_search_min_chars": 2, "unmasked_export_max_rows": 5000, "unmasked_export_window_hours": 24,
                      "reveal_budget_max": 1000000, "reveal_per_minute_max": 600, "reveal_raise_max_days": 30,
                      "oa_transaction_max_seconds": 120, "strong_lock_timeout_ms": 200,
                      "strong_lock_wait_seconds": 10}
    problems = conn.execute("select field, message from epi.threshold_problems('1', '2147483648')").fetchall()
    assert problems == [("flow_max", "场所日人流量阈值（最大值）不能超过 2147483647")]


@pytest.mark.parametrize("statement, field, message", [
    ("select epi.scan_retention_days('13')", "days", "扫码记录保存天数应为不小于 14 的整数天（留空表示一直保存）"),
    ("select epi.scan_retention_days('36501')", "days", "扫码记录保存天数应为不小于 14 的整数天（留空表示一直保存）"),
    ("select epi.scan_retention_days('1.5')", "days", "扫码记录保存天数应为不小于 14 的整数天（留空表示一直保存）"),
    ("select * from epi.find_scans(null, null, '{1}', null, 1)", "person_name", "被采集人请至少输入2个字"),
])
def test_a_value_a_rule_refuses_is_ep400_on_its_field(conn, world, statement, field, message):
    """The project's SQLSTATE for a refused value (web.errors.RULE_REFUSED) and the field it concerns."""
    as_ops(conn)
    err = attempt(conn, statement)
    assert (err.sqlstate, err.diag.column_name, err.diag.message_primary) == ("EP400", field, message)


def test_retention_days_as_typed(conn):
    as_ops(conn)
    assert [conn.execute("select epi.scan_retention_days(%s)", (t,)).fetchone()[0] for t in ("", " 30 ", "14", None)] \
        == [None, 30, 14, None]


def test_the_one_guard_refuses_other_kinds_and_no_kind(conn, world):
    """epi_private.require_kind: the jobs' steps refuse ops, a unit and a caller of no kind alike."""
    from tests.conftest import as_nobody

    for who in (as_ops, lambda c: as_unit(c, "T-A")):
        who(conn)
        err = attempt(conn, "select epi.job_discover('2022-03-09')")
        assert (err.sqlstate, err.diag.message_primary) == ("42501", "permission denied for function job_discover")
    from tests.conftest import as_admin

    as_admin(conn)   # a superuser has no kind: past the grants, the guard itself refuses it
    err = attempt(conn, "select epi.job_discover('2022-03-09')")
    assert (err.sqlstate, err.diag.message_primary) == ("42501", "只有系统任务可以运行场所发现")
    assert conn.execute("select epi_private.caller_is('ops', 'jobs', 'unit', 'auditor')").fetchone()[0] is False
    as_nobody(conn)
    assert attempt(conn, "select epi_private.caller_is('ops')").sqlstate == "42501"   # not even nameable
