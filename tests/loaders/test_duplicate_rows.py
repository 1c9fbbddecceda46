"""Records imported before are recognised (issue 51, point 2): the same 公共场所ID, 被采集人身份证 and
采集时间 already stored — whatever file they come in — refuse the import until the importer
confirms; nothing is written meanwhile, no record is changed or dropped when confirmed."""
from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from admin import keys
from core import crypto
from loaders import scans
from tests.conftest import as_ops, as_unit, become, quiet
from tests.loaders import workbooks as wbk
from tests.loaders.test_cli import invoke

T = dt.datetime(2022, 3, 4, 8, 1, 2)
HOUR = dt.timedelta(hours=1)


def xlsx(path, rows, sheet="扫码"):
    """An .xlsx file (the Arrow path: loaders.fastxlsx)."""
    return wbk.xlsxwriter_book(path, {sheet: rows})


def csv(path, rows, sheet=None):
    """A .csv file (the row-by-row path)."""
    return wbk.csv_file(path, [[*r[:-1], r[-1].strftime("%Y-%m-%d %H:%M:%S")] for r in rows])


WRITERS = pytest.mark.parametrize("write", [xlsx, csv], ids=["arrow-path", "row-path"])


def counts(admin) -> tuple:
    return admin.execute("""select (select count(*) from epi.scan), (select count(*) from epi.import_batch),
                                   (select coalesce(sum(n), 0) from epi_private.daily_count),
                                   (select count(*) from epi.audit_log where action = 'scan.import')""").fetchone()


@WRITERS
def test_the_same_records_in_another_file_are_refused_until_confirmed(tmp_path, web, admin, write):
    rows = wbk.rows_with_times([T, T + HOUR])
    first = scans.import_scans(xlsx(tmp_path / "first.xlsx", rows), by="ops.li", url=web)
    assert first.rows == 2
    before = counts(admin)
    # the same records saved again by another program (other bytes: the identical-file check misses it)
    again = write(tmp_path / f"again{'.xlsx' if write is xlsx else '.csv'}", rows, sheet="再次导出")
    with pytest.raises(scans.DuplicateRows) as info:
        scans.import_scans(again, by="ops.wang", url=web)
    assert info.value.found == 2
    assert str(info.value) == (f"文件“{again.name}”含已导入过的记录，没有写入任何数据：\n"
                               "  本文件 2 条中有 2 条与已导入记录相同（最早 2022-03-04 08:01:02，"
                               "最晚 2022-03-04 09:01:02），仍要导入吗？")
    assert counts(admin) == before                     # nothing written, no batch, no count, no audit entry
    confirmed = scans.import_scans(again, by="ops.wang", force=True, url=web)
    assert confirmed.rows == 2                          # no record dropped or changed: the importer decided
    assert admin.execute("select count(*) from epi.scan").fetchone()[0] == 4
    assert admin.execute("select batch_id, forced from epi.import_batch order by batch_id").fetchall() == \
        [(first.batch_id, False), (confirmed.batch_id, True)]
    audit = admin.execute("select detail from epi.audit_log where action = 'scan.import' order by audit_id desc limit 1"
                          ).fetchone()[0]
    assert audit["forced"] is True and audit["rows"] == 2


def test_the_same_workbook_re_zipped_is_recognised_by_its_records(tmp_path, web, admin):
    """The case of the issue: one workbook re-zipped (other bytes, the same cells) went in three times."""
    import zipfile

    original = xlsx(tmp_path / "导出.xlsx", wbk.rows_with_times([T, T + HOUR, T + 2 * HOUR]))
    scans.import_scans(original, by="ops", url=web)
    for n, level in enumerate((1, 9)):
        again = tmp_path / f"导出-{n}.xlsx"
        with zipfile.ZipFile(original) as src, zipfile.ZipFile(again, "w", zipfile.ZIP_DEFLATED,
                                                                compresslevel=level) as dst:
            for item in src.infolist():
                dst.writestr(item.filename, src.read(item.filename))
        assert again.read_bytes() != original.read_bytes()
        with pytest.raises(scans.DuplicateRows) as info:
            scans.import_scans(again, by="ops", url=web)
        assert info.value.found == 3
    assert admin.execute("select count(*) from epi.scan").fetchone()[0] == 3


@WRITERS
def test_an_overlapping_export_names_how_many_and_when(tmp_path, web, admin, write):
    scans.import_scans(xlsx(tmp_path / "day1.xlsx", wbk.rows_with_times([T, T + HOUR, T + 2 * HOUR])), by="ops",
                       url=web)
    # the next export starts where the last ended: 2 of its 5 records are stored already
    overlap = wbk.rows_with_times([T + HOUR, T + 2 * HOUR, T + 3 * HOUR, T + 4 * HOUR, T + 5 * HOUR])
    with pytest.raises(scans.DuplicateRows) as info:
        scans.import_scans(write(tmp_path / f"day2{'.xlsx' if write is xlsx else '.csv'}", overlap), by="ops", url=web)
    assert info.value.problems[0].message == ("本文件 5 条中有 2 条与已导入记录相同（最早 2022-03-04 09:01:02，"
                                              "最晚 2022-03-04 10:01:02），仍要导入吗？")


@WRITERS
def test_only_the_same_venue_person_and_instant_is_the_same_record(tmp_path, web, admin, write):
    base = wbk.ROW
    scans.import_scans(xlsx(tmp_path / "stored.xlsx", wbk.rows_with_times([T])), by="ops", url=web)
    other_person = [*base[:6], "44078319900101124X", *base[7:]]
    other_venue = ["0044078300002", *base[1:]]
    same_person_other_name = [*base[:7], "测试乙", "10000000001", *base[9:]]   # name and phone are not the key
    rows = [[*other_person, T], [*other_venue, T], [*base, T + dt.timedelta(seconds=1)],
            [*same_person_other_name, T]]
    with pytest.raises(scans.DuplicateRows) as info:
        scans.import_scans(write(tmp_path / f"near{'.xlsx' if write is xlsx else '.csv'}", rows), by="ops", url=web)
    assert info.value.found == 1     # only the last: same 公共场所ID, 被采集人身份证 and 采集时间
    # an ID number written with a lower-case check letter or full-width digits is the same number
    variant = [*base[:6], "44078319900101123x", *base[7:]]
    with pytest.raises(scans.DuplicateRows) as info:
        scans.import_scans(write(tmp_path / f"case{'.xlsx' if write is xlsx else '.csv'}", [[*variant, T]]), by="ops",
                           url=web)
    assert info.value.found == 1
    without_it = wbk.rows_with_times([T + dt.timedelta(seconds=1)])
    assert scans.import_scans(write(tmp_path / f"new{'.xlsx' if write is xlsx else '.csv'}", without_it), by="ops",
                              url=web).rows == 1


def test_records_without_an_id_number_match_on_venue_and_instant(tmp_path, web, admin):
    anonymous = [*wbk.ROW[:6], None, *wbk.ROW[7:]]
    scans.import_scans(xlsx(tmp_path / "a.xlsx", [[*anonymous, T]]), by="ops", url=web)
    with pytest.raises(scans.DuplicateRows) as info:
        scans.import_scans(csv(tmp_path / "a.csv", [[*anonymous, T], [*wbk.ROW, T]]), by="ops", url=web)
    assert info.value.found == 1     # the one without an ID number; the one with it is another record


def test_records_sealed_under_the_older_key_are_recognised_during_a_rotation(tmp_path, web, admin, key_file):
    rows = wbk.rows_with_times([T, T + HOUR])
    scans.import_scans(xlsx(tmp_path / "v1.xlsx", rows), by="ops", url=web)
    ring = keys.add(key_file, echo=quiet)          # version 2 seals; version 1 kept until the rotation ends
    assert (ring.version, [o.version for o in ring.older]) == (2, [1])
    crypto.reset()
    for write, name in ((xlsx, "v2.xlsx"), (csv, "v2.csv")):
        with pytest.raises(scans.DuplicateRows) as info:
            scans.import_scans(write(tmp_path / name, [*rows, *wbk.rows_with_times([T + 2 * HOUR])]), by="ops",
                               url=web)
        assert info.value.found == 2
    assert admin.execute("select key_version, count(*) from epi.scan group by 1").fetchall() == [(1, 2)]


def test_the_command_line_refuses_without_force_and_says_the_same(tmp_path, web, admin):
    rows = wbk.rows_with_times([T, T + HOUR])
    scans.import_scans(xlsx(tmp_path / "first.xlsx", rows), by="ops.cli", url=web)
    path = csv(tmp_path / "again.csv", rows)
    refused = invoke("load.scans", str(path), "--by", "ops.cli", env_url=web)
    assert refused.returncode == 2, refused.stderr
    assert ("本文件 2 条中有 2 条与已导入记录相同（最早 2022-03-04 08:01:02，最晚 2022-03-04 09:01:02），仍要导入吗？"
            in refused.stderr) and "强制导入：在本命令后加 --force" in refused.stderr
    assert admin.execute("select count(*) from epi.scan").fetchone()[0] == 2
    done = invoke("load.scans", str(path), "--by", "ops.cli", "--force", env_url=web)
    assert done.returncode == 0 and "共 2 条" in done.stdout
    assert admin.execute("select count(*) from epi.scan").fetchone()[0] == 4


DUPLICATES = ("select duplicates from epi.import_duplicates(array['0044078300001'], "
              "array['2022-03-04 08:01:02+08'::timestamptz], array[1]::bigint[], 1::smallint)")
STORED_DAYS = ("select count(*) - 1 from epi.import_stored_days(array['0044078300001', '0044078300002'], "
               "array['2022-03-04'::date, '2022-03-04'::date])")   # the first is stored, the second not


@pytest.mark.parametrize("query", [DUPLICATES, STORED_DAYS], ids=["import_duplicates", "import_stored_days"])
def test_only_ops_may_ask_which_records_are_stored(tmp_path, web, fresh_db, query):
    scans.import_scans(xlsx(tmp_path / "s.xlsx", wbk.rows_with_times([T])), by="ops", url=web)
    with psycopg.connect(fresh_db) as c:
        as_ops(c)
        assert c.execute(query).fetchone()[0] == 0   # digest 1 is nobody's; the venue-day is stored
        c.rollback()
        # a unit's session has no grant on it (an oracle of who scanned where and when)
        as_unit(c, "U01")
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
            c.execute(query)
        assert err.value.diag.message_primary in ("permission denied for function import_duplicates",
                                                  "permission denied for function import_stored_days")
        c.rollback()
        # the owner's rights do not make a caller of another kind ops: refused by the function itself
        become(c, role="epi_owner", unit="U01")
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
            c.execute(query)
        assert err.value.diag.message_primary == "只有运维人员可以检查导入文件的重复记录"
