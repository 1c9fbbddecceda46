"""Batch delete by 采集时间 or 数据导入时间 range: preview, confirm, delete, counts follow."""
from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from admin import scans as scan_delete
from db import database
from db.vocabulary import SHANGHAI
from loaders import scans
from tests.loaders import workbooks as wbk

RECOUNT = """select venue_id, (collected_at at time zone 'Asia/Shanghai')::date, count(*)::int
               from epi.scan group by 1, 2 order by 1, 2"""
COUNTS = "select venue_id, day, n from epi_private.daily_count order by 1, 2"


def sh(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def loaded(tmp_path, web, admin):
    """Two imports: March 2022 (whole month, 31 days) + 1–2 April, then 3 April by someone else."""
    march = [f"2022-03-{d:02d} 10:00:00" for d in range(1, 32)] + ["2022-04-01 00:00:00", "2022-04-02 23:59:59"]
    scans.import_scans(wbk.csv_file(tmp_path / "march.csv", wbk.rows_with_times(march)), by="ops.li", url=web)
    scans.import_scans(wbk.csv_file(tmp_path / "april.csv", wbk.rows_with_times(["2022-04-03 08:00:00"] * 3)),
                       by="ops.wang", url=web)
    return web


def test_parse_range():
    assert scan_delete.parse_range("2022-03-01..2022-03-31") == (sh(2022, 3, 1), sh(2022, 4, 1))
    assert scan_delete.parse_range("2022-03-01 08:00..2022-03-01 09:30:00") == (sh(2022, 3, 1, 8), sh(2022, 3, 1, 9, 30, 1))
    # as precise as it is written: a minute includes that whole minute (a page's time inputs)
    assert scan_delete.parse_range("2022-03-01T08:00..2022-03-01T09:30") == (sh(2022, 3, 1, 8), sh(2022, 3, 1, 9, 31))
    for bad in ("2022-03-01", "2022-03-05..2022-03-01", "昨天..今天"):
        with pytest.raises(ValueError):
            scan_delete.parse_range(bad)


def test_preview_counts_and_breaks_down_by_import(loaded, admin):
    lo, hi = scan_delete.parse_range("2022-03-31..2022-04-03")
    plan = scan_delete.plan_delete(field="collected", lo=lo, hi=hi, account="ops", url=loaded)
    assert plan.total == 6
    assert [(b["file_name"], b["imported_by"], b["n"]) for b in plan.batches] == \
        [("march.csv", "ops.li", 3), ("april.csv", "ops.wang", 3)]
    assert "共 6 条" in plan.describe() and "march.csv" in plan.describe()
    assert admin.execute("select count(*) from epi.scan").fetchone()[0] == 36  # a preview writes nothing


def test_delete_by_collected_range_drops_whole_months_and_deletes_the_rest(loaded, admin):
    lo, hi = scan_delete.parse_range("2022-03-01..2022-04-01")
    plan = scan_delete.plan_delete(field="collected", lo=lo, hi=hi, account="ops", url=loaded)
    result = scan_delete.delete_scans(field="collected", lo=lo, hi=hi, account="ops.zhao", expected=plan.total, url=loaded)
    assert result.rows == 32 and result.months_dropped == ["2022-03"]
    assert admin.execute("select to_regclass('epi.scan_y2022m03')").fetchone()[0] is None
    left = [r[0] for r in admin.execute("select to_char(collected_at at time zone 'Asia/Shanghai', 'MM-DD HH24:MI') "
                                        "from epi.scan order by 1")]
    assert left == ["04-02 23:59", "04-03 08:00", "04-03 08:00", "04-03 08:00"]
    assert admin.execute(COUNTS).fetchall() == admin.execute(RECOUNT).fetchall()
    # the database audits the month it dropped (epi.drop_scan_month) and the rows it deleted (the
    # statement trigger), each with the request as the operation and the counts
    entries = admin.execute("select account, row_count, detail, menu, os_user from epi.audit_log "
                            "where action = 'scan.delete' order by audit_id").fetchall()
    assert [(a, n, d.get("month"), d["operation"]["delete"]) for a, n, d, _, _ in entries] == [
        ("ops.zhao", 31, "2022-03", "collected"), ("ops.zhao", 1, None, "collected")]
    assert entries[1][2]["batches"] and entries[1][2]["operation"]["expected"] == 32
    assert {os_user for *_, os_user in entries} == {database.os_user()}
    # imports can still come for that month afterwards
    scans.import_scans(wbk.csv_file(admin_tmp(admin), wbk.rows_with_times(["2022-03-15 10:00"])), by="o", url=loaded)
    assert admin.execute(COUNTS).fetchall() == admin.execute(RECOUNT).fetchall()


def admin_tmp(admin):
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp()) / "again.csv"


def test_delete_by_import_time(loaded, admin):
    second = admin.execute("select imported_at from epi.import_batch where file_name = 'april.csv'").fetchone()[0]
    lo, hi = second, second + dt.timedelta(microseconds=1)
    plan = scan_delete.plan_delete(field="imported", lo=lo, hi=hi, account="ops", url=loaded)
    assert plan.total == 3
    result = scan_delete.delete_scans(field="imported", lo=lo, hi=hi, account="ops", expected=3, url=loaded)
    assert result.rows == 3
    assert admin.execute("select count(*) from epi.scan").fetchone()[0] == 33
    assert admin.execute(COUNTS).fetchall() == admin.execute(RECOUNT).fetchall()
    # the import history stays
    assert admin.execute("select count(*) from epi.import_batch").fetchone()[0] == 2


def test_delete_refuses_when_data_changed_since_the_preview(loaded, admin):
    lo, hi = scan_delete.parse_range("2022-04-01..2022-04-30")
    with pytest.raises(scan_delete.ChangedSincePreview, match="预览后数据已变化"):
        scan_delete.delete_scans(field="collected", lo=lo, hi=hi, account="ops", expected=4, url=loaded)
    assert admin.execute("select count(*) from epi.scan").fetchone()[0] == 36


def test_delete_is_refused_while_the_sync_is_enabled(loaded, admin):
    admin.execute("update epi.setting set value = 'true' where key = 'frontdb_sync_enabled'")
    for text in ("2022-03-01..2022-03-31", "2022-04-03..2022-04-03"):  # a month drop, and a row delete
        lo, hi = scan_delete.parse_range(text)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="前置库同步已启用"):
            scan_delete.delete_scans(field="collected", lo=lo, hi=hi, account="ops", url=loaded)
    assert admin.execute("select count(*) from epi.scan").fetchone()[0] == 36


def test_units_cannot_drop_a_month(loaded):
    from db import database

    with psycopg.connect(loaded) as conn, database.acting_as(conn, kind="unit", unit="T-A"), \
            pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select epi.drop_scan_month('2022-03-01')")


def test_latest_collected(loaded):
    assert scans.latest_collected(url=loaded) == sh(2022, 4, 3, 8)
