"""The streaming xlsx writer (web/xlsx.py): what it writes is read back by two other readers
(openpyxl, python-calamine) exactly, and it writes while it is given rows."""
from __future__ import annotations

import datetime as dt
import decimal
import io
import zipfile

import openpyxl
import python_calamine

from web import xlsx

HEADER = ["公共场所ID", "被采集人", "扫码量", "采集时间"]


def read_back(data: bytes):
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cal = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    return ws, cal


def test_values_read_back_exactly_by_two_readers():
    when = dt.datetime(2022, 3, 1, 2, 3, 4, tzinfo=dt.UTC)
    rows = [["0044010005", "测*人", 12, when],
            ["=HYPERLINK(\"http://evil\")", "+10*****5678", decimal.Decimal("3"), dt.date(2022, 3, 1)],
            [None, "", 0, "a & b <c> \x01 end  "],
            ["-1", "@sum", 2.5, True]]
    ws, cal = read_back(xlsx.workbook("扫码/进场:信息[1]", HEADER, rows))
    assert ws.title == "扫码_进场_信息_1_"
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == tuple(HEADER)
    assert values[1] == ("0044010005", "测*人", 12, "2022-03-01 10:03:04")   # leading zeros kept, Shanghai time
    assert values[2] == ("=HYPERLINK(\"http://evil\")", "+10*****5678", 3, "2022-03-01")
    assert values[3] == (None, None, 0, "a & b <c> \ufffd end  ")           # empty cells keep their places
    assert values[4] == ("-1", "@sum", 2.5, "是")
    # what a spreadsheet could evaluate is text with the quote-prefix style, the value unchanged
    cells = list(ws.iter_rows(min_row=2))
    assert [c.quotePrefix for c in cells[1][:2]] == [True, True]
    assert [c.quotePrefix for c in cells[3][:2]] == [True, True]
    assert not cells[0][0].quotePrefix and cells[0][0].data_type == "s" and cells[0][2].data_type == "n"
    assert ws.freeze_panes == "A2"
    assert cal[1] == ["0044010005", "测*人", 12.0, "2022-03-01 10:03:04"]
    assert cal[3][:2] == ["", ""]


def test_it_writes_while_it_is_given_rows():
    """The first chunk leaves before the rows are all read; chunks stay small, the file is whole."""
    given = 0

    def rows():
        nonlocal given
        for i in range(60_000):
            given += 1
            yield [f"V{i:06d}", "测*人", i, "已采集"]

    stream = xlsx.stream("扫码进场信息", HEADER, rows())
    first = next(stream)
    assert given < 60_000 and first[:2] == b"PK"
    chunks = [first, *stream]
    assert given == 60_000 and len(chunks) > 3
    assert max(len(c) for c in chunks) < 4 * xlsx.FLUSH_BYTES
    data = b"".join(chunks)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    ws, cal = read_back(data)
    assert ws.max_row == 60_001 and cal[-1] == ["V059999", "测*人", 59999.0, "已采集"]


def test_an_empty_export_is_a_valid_workbook():
    ws, cal = read_back(xlsx.workbook("审计日志", HEADER, []))
    assert list(ws.iter_rows(values_only=True)) == [tuple(HEADER)] and cal == [HEADER]
