"""Scan import (SPEC section 2): values as given, 采集时间 parsed, all rows or none, clear errors."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from db.vocabulary import SHANGHAI
from loaders import files, scans
from loaders.errors import LoadError
from tests.conftest import opened_scans
from tests.loaders import workbooks as wbk

T = dt.datetime(2022, 3, 4, 8, 1, 2)


def stored(admin):
    return opened_scans(admin, ["venue_id", "venue_name", "id_card", "phone", "nat_result_time",
                                "to_char(collected_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS')"])


def nothing_written(admin):
    assert admin.execute("select count(*) from epi.scan").fetchone()[0] == 0
    assert admin.execute("select count(*) from epi.import_batch").fetchone()[0] == 0
    assert admin.execute("select count(*) from epi_private.daily_count").fetchone()[0] == 0
    assert admin.execute("select count(*) from epi.audit_log where action = 'scan.import'").fetchone()[0] == 0


def test_xlsxwriter_file_is_stored_as_given(tmp_path, web, admin):
    path = wbk.xlsxwriter_book(tmp_path / "scans.xlsx", {"扫码": wbk.rows_with_times([T, T + dt.timedelta(hours=1)])})
    result = scans.import_scans(path, by="ops.zhang", url=web)
    assert result.rows == 2 and result.sheets == [("扫码", 2)]
    assert stored(admin)[0] == ("0044078300001", "测试场所一", "44078319900101123X", "10012345678",
                                "2022-03-04 10:00:00", "2022-03-04 08:01:02")
    batch = admin.execute("select file_name, row_count, imported_by, file_hash, "
                          "collected_min = %s, collected_max = %s from epi.import_batch",
                          (T.replace(tzinfo=SHANGHAI), (T + dt.timedelta(hours=1)).replace(tzinfo=SHANGHAI))).fetchone()
    assert batch[:3] == ("scans.xlsx", 2, "ops.zhang") and len(batch[3]) == 64 and batch[4:] == (True, True)
    assert admin.execute("select imported_by, count(*) from epi.scan group by 1").fetchall() == [("ops.zhang", 2)]
    audit = admin.execute("select account, detail from epi.audit_log where action = 'scan.import'").fetchone()
    assert audit[0] == "ops.zhang" and audit[1]["rows"] == 2 and audit[1]["batch_id"] == result.batch_id
    # daily counts updated in the same transaction
    assert admin.execute("select venue_id, day::text, n from epi_private.daily_count").fetchall() == \
        [("0044078300001", "2022-03-04", 2)]


def test_shared_strings_workbook_as_excel_and_wps_write_it(tmp_path, web, admin):
    rows = wbk.rows_with_times([T])
    rows[0][8] = 10012345678  # a phone typed as a number
    path = wbk.shared_strings_book(tmp_path / "wps.xlsx", rows)
    scans.import_scans(path, by="ops", url=web)
    row = stored(admin)[0]
    assert row[1] == "测试场所一"  # the rich-text (two runs) string comes back whole
    assert row[3] == "10012345678"
    assert row[5] == "2022-03-04 08:01:02"  # a serial number with a date style, to the second


def test_a_numeric_mobile_number_cell_is_exactly_its_digits(tmp_path, web, admin):
    row = [*wbk.ROW, T]
    row[8] = 10012345678   # an 11-digit mobile number: no leading zero to lose, exact in a float
    path = wbk.xlsxwriter_book(tmp_path / "n.xlsx", {"S": [row]})
    scans.import_scans(path, by="ops", url=web)
    assert stored(admin)[0][3] == "10012345678"


def test_date_cell_at_midnight(tmp_path, web, admin):
    midnight = dt.datetime(2022, 3, 5)
    path = wbk.xlsxwriter_book(tmp_path / "m.xlsx", {"S": wbk.rows_with_times([midnight])})
    scans.import_scans(path, by="ops", url=web)
    assert stored(admin)[0][5] == "2022-03-05 00:00:00"
    assert admin.execute("select day::text from epi_private.daily_count").fetchone()[0] == "2022-03-05"


@pytest.mark.parametrize("text, expected", [
    ("2022-03-05 08:01:02", "2022-03-05 08:01:02"),
    ("2022/3/5 8:01", "2022-03-05 08:01:00"),
    ("2022-03-05T08:01:02", "2022-03-05 08:01:02"),
    (" 2022-03-05 08:01:02 ", "2022-03-05 08:01:02"),
    ("2022年3月5日 8:01:02", "2022-03-05 08:01:02"),
    ("2022-03-05", "2022-03-05 00:00:00"),
])
def test_text_times(tmp_path, web, admin, text, expected):
    path = wbk.csv_file(tmp_path / "t.csv", wbk.rows_with_times([text]))
    scans.import_scans(path, by="ops", url=web)
    assert stored(admin)[0][5] == expected


def test_excel_serial_number_cell(tmp_path, web, admin):
    serial = (T - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    path = wbk.xlsxwriter_book(tmp_path / "s.xlsx", {"S": wbk.rows_with_times([serial])}, date_format=False)
    scans.import_scans(path, by="ops", url=web)
    assert stored(admin)[0][5] == "2022-03-04 08:01:02"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path, web, admin, encoding):
    path = wbk.csv_file(tmp_path / "c.csv", wbk.rows_with_times(["2022-03-04 08:01:02"]), encoding=encoding)
    scans.import_scans(path, by="ops", url=web)
    assert stored(admin)[0][:3] == ("0044078300001", "测试场所一", "44078319900101123X")


def test_xls_file(tmp_path, web, admin):
    path = wbk.xls_book(tmp_path / "old.xls", wbk.rows_with_times([T]))
    scans.import_scans(path, by="ops", url=web)
    assert stored(admin)[0][5] == "2022-03-04 08:01:02"
    assert stored(admin)[0][0] == "0044078300001"


def test_every_sheet_with_the_header_is_read_in_any_column_order(tmp_path, web, admin):
    order = list(reversed(range(len(wbk.LABELS))))
    reordered = [[wbk.LABELS[i] for i in order] + ["备注"]]
    second = [[([*wbk.ROW, T + dt.timedelta(days=1)])[i] for i in order] + ["多余的列"]]
    path = tmp_path / "multi.xlsx"
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws = wb.add_worksheet("一日")
    ws.write_row(0, 0, wbk.LABELS)
    ws.write_row(1, 0, wbk.ROW)
    ws.write_datetime(1, 14, T, fmt)
    ws2 = wb.add_worksheet("二日")
    ws2.write_row(0, 0, reordered[0])
    for c, v in enumerate(second[0]):
        ws2.write_datetime(1, c, v, fmt) if isinstance(v, dt.datetime) else ws2.write_string(1, c, v)
    wb.add_worksheet("说明").write(0, 0, "本表由测试生成")
    wb.close()
    result = scans.import_scans(path, by="ops", url=web)
    assert result.sheets == [("一日", 1), ("二日", 1)]
    assert result.skipped_sheets == ["说明"] and result.ignored_columns == ["备注"]
    assert [r[5] for r in stored(admin)] == ["2022-03-04 08:01:02", "2022-03-05 08:01:02"]


def test_missing_header_is_named_and_nothing_is_written(tmp_path, web, admin):
    header = [label for label in wbk.LABELS if label not in ("被采集人身份证", "采集时间")]
    rows = [wbk.ROW[:6] + wbk.ROW[7:]]
    path = wbk.xlsxwriter_book(tmp_path / "h.xlsx", {"扫码": rows}, header=header)
    with pytest.raises(LoadError) as info:
        scans.import_scans(path, by="ops", url=web)
    message = str(info.value)
    assert "h.xlsx" in message and "工作表“扫码”第 1 行" in message and "缺少表头：被采集人身份证、采集时间" in message
    nothing_written(admin)


def test_bad_time_on_the_second_sheet_rejects_the_whole_file(tmp_path, web, admin):
    good = wbk.rows_with_times([T] * 30)
    bad = [*wbk.rows_with_times([T, "明天上午", T, ""]), wbk.ROW[:5] + [""] * 10]  # last row: 采集时间 empty
    path = wbk.xlsxwriter_book(tmp_path / "bad.xlsx", {"第一天": good, "第二天": bad})
    with pytest.raises(LoadError) as info:
        scans.import_scans(path, by="ops", url=web)
    text = str(info.value)
    assert "文件“bad.xlsx”未导入，没有写入任何数据" in text
    assert "工作表“第二天”第 3 行 O 列“采集时间”：无法识别的时间“明天上午”" in text   # its label once (issue 47)
    assert "工作表“第二天”第 5 行 O 列“采集时间”：不能为空" in text
    assert "第 6 行" in text
    nothing_written(admin)


def test_at_most_20_bad_rows_are_listed_and_the_rest_counted(tmp_path, web, admin):
    path = wbk.csv_file(tmp_path / "many.csv", wbk.rows_with_times(["坏"] * 25 + ["2022-03-04 08:00"]))
    with pytest.raises(LoadError) as info:
        scans.import_scans(path, by="ops", url=web)
    assert len(info.value.problems) == 20 and info.value.more == 5
    assert "另有 5 处错误未列出" in str(info.value) and "第 2 行" in str(info.value)
    nothing_written(admin)


def test_a_file_imported_before_is_refused_unless_forced(tmp_path, web, admin):
    path = wbk.csv_file(tmp_path / "d.csv", wbk.rows_with_times(["2022-03-04 08:00"]))
    scans.import_scans(path, by="ops.li", url=web)
    copy = tmp_path / "same-content-other-name.csv"
    copy.write_bytes(path.read_bytes())
    with pytest.raises(scans.DuplicateFile) as info:
        scans.import_scans(copy, by="ops.wang", url=web)
    assert "由 ops.li 导入的文件“d.csv”完全相同" in str(info.value)
    assert "--force" not in str(info.value) and "命令行" not in str(info.value)  # also shown on the import page
    assert admin.execute("select count(*) from epi.scan").fetchone()[0] == 1
    scans.import_scans(copy, by="ops.wang", force=True, url=web)
    assert admin.execute("select count(*), count(*) filter (where forced) from epi.import_batch").fetchone() == (2, 1)


@pytest.mark.parametrize("maker, message", [
    (lambda p: p.write_bytes(os.urandom(4096)) and p, "不是 Excel 工作簿"),
    (lambda p: p.write_text("公共场所ID,采集时间\n1,2022-01-01\n", encoding="utf-8") and p, "不是 Excel 工作簿"),
    (lambda p: p.write_bytes(files.OLE2_MAGIC + b"\0" * 512 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 512) and p,
     "工作簿已加密"),
    (lambda p: wbk.zip_bomb(p), "疑似压缩炸弹"),
    (lambda p: p.write_bytes(b"") or p, "文件是空的"),
])
def test_hostile_or_broken_xlsx_gets_a_clear_message(tmp_path, web, admin, maker, message):
    path = tmp_path / "upload.xlsx"
    maker(path)
    with pytest.raises(LoadError, match=message):
        scans.import_scans(path, by="ops", url=web)
    nothing_written(admin)


def test_xml_entity_bomb_is_not_expanded(tmp_path, web, admin):
    path = wbk.entity_bomb(tmp_path / "laughs.xlsx")
    start = time.monotonic()
    with pytest.raises(LoadError):
        scans.import_scans(path, by="ops", url=web)
    assert time.monotonic() - start < 10
    nothing_written(admin)


def test_wrong_extension_and_random_bytes(tmp_path, web, admin):
    xlsx = wbk.xlsxwriter_book(tmp_path / "a.xlsx", {"S": wbk.rows_with_times([T])})
    as_csv = tmp_path / "a.csv"
    as_csv.write_bytes(xlsx.read_bytes())
    with pytest.raises(LoadError, match=r"扩展名为 \.csv，但内容是 Excel 工作簿"):
        scans.import_scans(as_csv, by="ops", url=web)
    noise = tmp_path / "noise.csv"
    noise.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(LoadError, match="不是文本格式的 CSV"):
        scans.import_scans(noise, by="ops", url=web)
    with pytest.raises(LoadError, match="不支持的文件类型"):
        scans.import_scans(tmp_path / "x.pdf", by="ops", url=web)
    nothing_written(admin)


def test_size_cap(tmp_path, web, admin, monkeypatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1024)
    path = wbk.csv_file(tmp_path / "big.csv", wbk.rows_with_times(["2022-03-04 08:00"] * 50))
    with pytest.raises(LoadError, match="文件过大"):
        scans.import_scans(path, by="ops", url=web)
    nothing_written(admin)


def test_progress_is_reported(tmp_path, web, monkeypatch):
    monkeypatch.setattr(scans, "CHUNK", 10)
    path = wbk.csv_file(tmp_path / "p.csv", wbk.rows_with_times(["2022-03-04 08:00"] * 35))
    reports = []
    scans.import_scans(path, by="ops", url=web, progress=reports.append)
    assert {r["phase"] for r in reports} == {"reading", "writing", "done"}
    assert [r["written"] for r in reports if r["phase"] == "writing"] == [10, 20, 30, 35]
    assert reports[-1] == {"phase": "done", "read": 35, "written": 35, "total": 35, "batch_id": reports[-1]["batch_id"]}


def test_import_is_refused_while_the_sync_is_enabled(tmp_path, web, admin):
    import psycopg

    admin.execute("update epi.setting set value = 'true' where key = 'frontdb_sync_enabled'")
    path = wbk.csv_file(tmp_path / "s.csv", wbk.rows_with_times(["2022-03-04 08:00"]))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="前置库同步已启用"):
        scans.import_scans(path, by="ops", url=web)
    nothing_written(admin)


def test_import_killed_midway_leaves_nothing(tmp_path, fresh_db, web, admin):
    from bench.scanfile import write_scan_xlsx

    path = write_scan_xlsx(tmp_path / "big.xlsx", 60_000, venues=500)
    code = (
        "import sys\n"
        "from loaders import scans\n"
        "def report(info):\n"
        "    if info['phase'] == 'writing':\n"
        "        print('WRITING', info['written'], flush=True)\n"
        f"scans.CHUNK = 5000\n"
        f"scans.import_scans({str(path)!r}, by='ops', url={web!r}, progress=report)\n"
        "print('FINISHED', flush=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    try:
        line = proc.stdout.readline()
        assert line.startswith("WRITING"), line
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 30
    while admin.execute("select count(*) from pg_stat_activity where datname = current_database() "
                        "and usename = 'epi_web'").fetchone()[0]:
        assert time.monotonic() < deadline, "the killed import's session did not end"
        time.sleep(0.1)
    nothing_written(admin)


def test_by_is_required(tmp_path, web):
    path = wbk.csv_file(tmp_path / "b.csv", wbk.rows_with_times(["2022-03-04 08:00"]))
    with pytest.raises(ValueError, match="数据导入人"):
        scans.import_scans(path, by=" ", url=web)


def test_error_messages_never_echo_personal_data(tmp_path, web):
    rows = wbk.rows_with_times(["坏时间"])
    path = wbk.csv_file(tmp_path / "p.csv", rows)
    with pytest.raises(LoadError) as info:
        scans.import_scans(path, by="ops", url=web)
    text = str(info.value)
    assert wbk.ROW[6] not in text and wbk.ROW[8] not in text and wbk.ROW[7] not in text
    json.dumps(text)  # plain text, no objects
