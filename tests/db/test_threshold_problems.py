"""epi.threshold_problems: the threshold rules, written once in the database and asked by the
pages, the API and the venue loader before they write (the venue trigger raises its first answer)."""
from __future__ import annotations

import pytest

from tests.conftest import as_jobs, as_ops, as_unit


def problems(conn, flow_min, flow_max):
    return conn.execute("select field, message, cell_message, constraint_name from epi.threshold_problems(%s, %s)",
                        (flow_min, flow_max)).fetchall()


@pytest.mark.parametrize("flow_min, flow_max", [
    (None, None), ("0", "0"), ("5", None), (None, "5"), ("3", "3"), (" 7 ", "+8"), ("5.0", "10.00"),
    ("2147483647", None),
])
def test_integers_from_zero_up_with_min_not_above_max_are_accepted(conn, flow_min, flow_max):
    as_unit(conn, "T-A")
    assert problems(conn, flow_min, flow_max) == []


def test_each_field_gets_its_own_message(conn):
    as_unit(conn, "T-A")
    assert problems(conn, "-3", "x") == [
        ("flow_min", "场所日人流量阈值（最小值）必须是不小于0的整数", "必须是不小于0的整数", "venue_flow_min_nonnegative"),
        ("flow_max", "场所日人流量阈值（最大值）必须是不小于0的整数", "必须是不小于0的整数", "venue_flow_max_nonnegative"),
    ]
    assert problems(conn, "1.5", None)[0][:2] == ("flow_min", "场所日人流量阈值（最小值）必须是不小于0的整数")
    assert problems(conn, None, "2147483648")[0][:3] == ("flow_max", "场所日人流量阈值（最大值）不能超过 2147483647",
                                                       "不能超过 2147483647")


def test_minimum_above_maximum_names_both_values(conn):
    as_unit(conn, "T-A")
    assert problems(conn, "20", "10.0") == [
        ("flow_min", "场所日人流量阈值（最小值）不能大于最大值（最小值 20，最大值 10）", "最小值 20 不能大于最大值 10",
         "venue_flow_min_le_max")]
    assert problems(conn, "x", "10") != [] and all(p[0] == "flow_min" for p in problems(conn, "x", "10"))


@pytest.mark.parametrize("become", [as_ops, lambda c: as_unit(c, "T-A"), as_jobs])
def test_every_writer_of_venues_may_ask(conn, become):
    become(conn)
    assert problems(conn, "9", "3")[0][0] == "flow_min"
