"""Files a spreadsheet program damaged (issue 19, point 3): a provincial export opened in an office
program and saved again has numbers where the province wrote text — 公共场所ID without its leading
zeros, 18-digit ID numbers rounded to one float, scientific notation in a CSV. Such a file is
refused whole, naming sheet, row, column and the cause; nothing is written."""
from __future__ import annotations

import datetime as dt

import pytest

from loaders import scans
from loaders.errors import LoadError
from tests.loaders import workbooks as wbk
from tests.loaders.test_scan_import import nothing_written, stored

T = dt.datetime(2022, 3, 4, 8, 1, 2)
CAUSE = "该列应为文本：表格软件已把它转换为数字，前导零或末几位已丢失，请从省平台重新导出或将该列设为文本"


def row_with(**cells):
    row = [*wbk.ROW, T]
    for index, value in cells.items():
        row[int(index[1:])] = value
    return row


@pytest.mark.parametrize(("cells", "column"), [
    ({"c0": 44010005}, " A 列“公共场所ID”"),                      # 0044010005 saved as a number
    ({"c6": 440783199000001024.0}, " G 列“被采集人身份证”"),      # every 18-digit ID becomes this float
    ({"c6": 44078319900101}, " G 列“被采集人身份证”"),
    ({"c8": 7502345678}, " I 列“联系电话”"),                     # a landline 0750… without its zero
    ({"c8": 13800000001.5}, " I 列“联系电话”"),
    ({"c0": dt.datetime(2022, 3, 4)}, " A 列“公共场所ID”"),      # a date made of an ID
])
def test_a_number_where_the_province_wrote_text_refuses_the_xlsx(tmp_path, web, admin, cells, column):
    path = wbk.xlsxwriter_book(tmp_path / "另存.xlsx", {"扫码": [[*wbk.ROW, T], row_with(**cells)]})
    with pytest.raises(LoadError) as info:
        scans.import_scans(path, by="ops", url=web)
    text = str(info.value)
    assert "文件“另存.xlsx”" in text and "工作表“扫码”第 3 行" + column in text
    assert ("该列应为文本" in text) and "440783199000001024" not in text
    nothing_written(admin)


def test_the_legacy_xls_format_is_checked_the_same_way(tmp_path, web, admin):
    path = wbk.xls_book(tmp_path / "旧格式.xls", [[*wbk.ROW, T], row_with(c0=44078300001.0, c6=4.40783199001012e17)])
    with pytest.raises(LoadError) as info:
        scans.import_scans(path, by="ops", url=web)
    text = str(info.value)
    assert "第 3 行 A 列“公共场所ID”：" + CAUSE in text and "第 3 行 G 列“被采集人身份证”：" + CAUSE in text
    nothing_written(admin)


@pytest.mark.parametrize(("value", "column"), [("4.40783E+17", 6), ("4.40783199001012e17", 6), ("1.38E+10", 8),
                                              (" 4.4E+10 ", 0)])
def test_scientific_notation_in_a_csv_refuses_it(tmp_path, web, admin, value, column):
    row = [*wbk.ROW, "2022-03-04 08:01:02"]
    row[column] = value
    path = wbk.csv_file(tmp_path / "另存.csv", [row])
    with pytest.raises(LoadError, match="科学计数法"):
        scans.import_scans(path, by="ops", url=web)
    nothing_written(admin)


def test_text_that_only_looks_numeric_is_stored_as_given(tmp_path, web, admin):
    """Digits written as text (what the province exports) keep their zeros and X; an E inside other
    text is not scientific notation."""
    row = [*wbk.ROW, "2022-03-04 08:01:02"]
    row[0], row[6] = "0044010005E", "00000000000000000X"
    path = wbk.csv_file(tmp_path / "原样.csv", [row])
    scans.import_scans(path, by="ops", url=web)
    assert stored(admin)[0][0] == "0044010005E" and stored(admin)[0][2] == "00000000000000000X"


FAKE_ID, FAKE_MOBILE, FAKE_LANDLINE = "44078319900101123X", "10012345678", "0750-2345678"


@pytest.mark.parametrize("value,masked", [
    (FAKE_ID, "440783********123X"), (FAKE_ID.lower(), "440783********123x"), ("440783900101123", "440783*****1123"),
    ("14400009999", "144****9999"), (FAKE_LANDLINE, "075*****5678"), ("07502345678", "075****5678"),
])
def test_a_shifted_column_never_prints_a_persons_number(tmp_path, web, admin, value, masked):
    """Issue 25, point 2: a file whose columns slid by one puts an ID number or a phone into 采集时间;
    the error names the cell and shows the value masked as the pages do."""
    row = [*wbk.ROW, value]  # 采集时间 (the last cell) gets the person's number
    path = wbk.csv_file(tmp_path / "错位.csv", [row, [*wbk.ROW, "2022-03-04 08:00"]])
    with pytest.raises(LoadError) as info:
        scans.import_scans(path, by="ops", url=web)
    text = str(info.value)
    assert "第 2 行 O 列“采集时间”" in text and masked in text and value not in text, text
    nothing_written(admin)


def test_the_mask_leaves_venue_ids_row_numbers_and_times_alone():
    from loaders.errors import Problem, mask_personal

    assert mask_personal("场所 44078300000104 第 200000 行 2022-03-04 08:00:00 共 123456 条") == \
        "场所 44078300000104 第 200000 行 2022-03-04 08:00:00 共 123456 条"
    assert str(Problem("扫码", 3, "联系电话（I列）", f"“{FAKE_MOBILE}”不对")) == "工作表“扫码”第 3 行 I 列“联系电话”：“100****5678”不对"
    assert FAKE_ID not in str(LoadError(f"{FAKE_ID}.xlsx", "坏"))
