"""db/vocabulary.py: the values that Python shares with the database are the database's own."""
from __future__ import annotations

from db import vocabulary


def check_values(conn, table: str, column: str) -> set[str]:
    """The literals that a CHECK constraint of ``table`` allows for ``column`` (column in (...))."""
    definitions = [r[0] for r in conn.execute(
        "select pg_get_constraintdef(oid) from pg_constraint where conrelid = %s::regclass and contype = 'c'",
        (table,))]
    found = [d for d in definitions if column in d and "ARRAY" in d]
    assert found, definitions
    return {part.split("'")[1] for part in found[0].split("ARRAY[")[1].split(",")}


def test_alert_statuses_and_reasons_are_the_constraints_values(conn):
    assert check_values(conn, "epi.alert", "status") == set(vocabulary.ALERT_STATUSES)
    assert check_values(conn, "epi.alert", "reason") == set(vocabulary.ALERT_REASONS)


def test_scan_columns_are_the_views_columns_in_order(conn):
    """oa.scan, what every reader reads (epi.scan holds the personal values sealed since issue 49)."""
    columns = [r[0] for r in conn.execute(
        "select attname from pg_attribute where attrelid = 'oa.scan'::regclass and attnum > 0 and not attisdropped"
        " order by attnum")]
    assert [c for c in columns if c in vocabulary.SCAN] == list(vocabulary.SCAN)
    assert set(vocabulary.SCAN_IMPORT) <= set(columns)


def test_venue_and_unit_columns_exist(conn):
    for table, fields in (("epi.venue", vocabulary.VENUE | vocabulary.FLOW), ("epi.unit", vocabulary.UNIT)):
        columns = {r[0] for r in conn.execute(
            "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0", (table,))}
        assert set(fields) <= columns, table


def test_labels_are_spelled_once():
    """A label names one column wherever it appears (公共场所ID is venue_id in every map)."""
    maps = [vocabulary.UNIT, vocabulary.VENUE_TEMPLATE, vocabulary.SCAN_LIST, vocabulary.STATS]
    seen: dict[str, str] = {}
    for fields in maps:
        for column, label in fields.items():
            if column == "unit":   # the venue template's 监管单位 holds a name or a code
                continue
            assert seen.setdefault(label, column) == column, label
