"""The Arrow path of the .xlsx import (loaders.fastxlsx, issue 22 point 2): a file it takes is
stored exactly as the row-by-row reader stores it, and a file it cannot take exactly goes to the
row-by-row reader, whose messages name sheet, row and column as before."""
from __future__ import annotations

import datetime as dt

import pytest

from core import crypto
from loaders import fastxlsx, scans
from loaders.errors import LoadError
from tests.conftest import opened_scans
from tests.loaders import workbooks as wbk

T = dt.datetime(2022, 3, 4, 8, 1, 2)
# every stored column but the ciphertext itself (its nonce is random): the values it holds, the
# digests and the masks are the same both ways (issue 49)
COLUMNS = ["venue_id", "venue_name", "category", "city", "street", "venue_admin", "id_card", "person_name", "phone",
           "collect_result", "nat_result", "nat_result_time", "health_code", "collector_location", "collected_at",
           "id_card_masked", "person_name_masked", "phone_masked", "key_version", "id_card_digest", "phone_digest",
           "name_grams"]


def rows_of(admin, batch_id):
    return opened_scans(admin, COLUMNS, where=f"batch_id = {int(batch_id)}")


def both_ways(path, web, admin, monkeypatch):
    """(Arrow path's result, row-by-row result, their stored rows) of the same file."""
    assert fastxlsx.read(path) is not None, "the Arrow path should take this file"
    fast = scans.import_scans(path, by="ops.fast", url=web)
    with monkeypatch.context() as m:
        m.setattr(fastxlsx, "read", lambda _path, _spent=None: None)
        slow = scans.import_scans(path, by="ops.slow", force=True, url=web)
    return fast, slow, rows_of(admin, fast.batch_id), rows_of(admin, slow.batch_id)


def test_a_clean_file_is_stored_as_the_row_by_row_reader_stores_it(tmp_path, web, admin, monkeypatch):
    """Several sheets (one without the headers), columns in another order with an extra one,
    empty cells, an empty row in the middle, text with quotes, commas and a line break, date cells
    on a month's Asia/Shanghai edge, at midnight and with milliseconds."""
    odd = [*wbk.ROW]
    odd[1] = '测试"场所",二号\n楼'
    odd[7] = None
    odd[12] = ""
    times = [T, dt.datetime(2022, 3, 31, 23, 59, 59), dt.datetime(2022, 4, 1, 0, 0, 0),
             dt.datetime(2022, 3, 5, 12, 0, 0, 250000), dt.date(2022, 3, 6)]
    order = list(reversed(range(15)))
    header = [scans.LABELS[i] for i in order] + ["备注"]
    first = [[row[i] for i in order] + ["随便"] for row in wbk.rows_with_times(times[:3])]
    first.insert(1, [None] * 16)
    second = [[row[i] for i in order] + [None] for row in wbk.rows_with_times(times[3:], base=odd)]
    path = tmp_path / "多表.xlsx"
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for name, rows in (("一日", first), ("二日", second)):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if isinstance(value, (dt.datetime, dt.date)):
                    ws.write_datetime(r, c, value if isinstance(value, dt.datetime)
                                      else dt.datetime.combine(value, dt.time()), fmt)
                elif value is not None:
                    ws.write_string(r, c, value)
    wb.add_worksheet("说明").write(0, 0, "本表由测试生成")
    wb.close()
    fast, slow, fast_rows, slow_rows = both_ways(path, web, admin, monkeypatch)
    assert fast_rows == slow_rows and len(fast_rows) == 5
    assert fast.sheets == slow.sheets == [("一日", 3), ("二日", 2)]
    assert fast.skipped_sheets == slow.skipped_sheets == ["说明"]
    assert fast.ignored_columns == slow.ignored_columns == ["备注"]
    assert (fast.collected_min, fast.collected_max) == (slow.collected_min, slow.collected_max)
    assert ('测试"场所",二号\n楼', None, None) in [(r[1], r[7], r[12]) for r in fast_rows]
    assert admin.execute("select stored_rows, row_count from epi.import_batch where batch_id = %s",
                         (fast.batch_id,)).fetchone() == (5, 5)


def test_text_times_are_parsed_as_the_row_by_row_reader_parses_them(tmp_path, web, admin, monkeypatch):
    texts = ["2022-03-05 08:01:02", "2022/3/5 8:01", "2022-03-05T08:01:02", "2022年3月5日 8时1分2秒"]
    path = wbk.xlsxwriter_book(tmp_path / "文本时间.xlsx", {"扫码": wbk.rows_with_times(texts)})
    _, _, fast_rows, slow_rows = both_ways(path, web, admin, monkeypatch)
    assert fast_rows == slow_rows and len(fast_rows) == 4


@pytest.mark.parametrize("damage, where", [
    (lambda rows: rows[1].__setitem__(6, 440783199001011234), "第 3 行"),          # a numeric ID number
    (lambda rows: rows[1].__setitem__(0, 44078300001), "第 3 行"),                 # a numeric venue ID
    (lambda rows: rows[0].__setitem__(6, "4.40783E+17"), "第 2 行"),               # scientific notation
    (lambda rows: rows[1].__setitem__(14, "不是时间"), "第 3 行"),                   # a time that does not parse
    (lambda rows: rows[1].__setitem__(14, None), "第 3 行"),                        # no time
    (lambda rows: rows[0].__setitem__(0, None), "第 2 行"),                         # no venue
    (lambda rows: rows[1].__setitem__(14, dt.datetime(1999, 12, 31)), "第 3 行"),   # out of range
])
def test_a_file_the_arrow_path_cannot_take_gets_the_row_by_row_readers_message(tmp_path, web, admin, damage,
                                                                                where):
    rows = wbk.rows_with_times([T, T, T])
    damage(rows)
    path = wbk.xlsxwriter_book(tmp_path / "坏.xlsx", {"扫码": rows})
    assert fastxlsx.read(path) is None
    with pytest.raises(LoadError) as err:
        scans.import_scans(path, by="ops", url=web)
    assert where in str(err.value) and "扫码" in str(err.value)
    assert admin.execute("select count(*) from epi.scan").fetchone()[0] == 0


def test_a_numeric_phone_that_is_a_mobile_number_is_kept_by_the_row_by_row_reader(tmp_path, web, admin):
    rows = wbk.rows_with_times([T, T])
    rows[1][8] = 10012345679
    path = wbk.xlsxwriter_book(tmp_path / "电话.xlsx", {"扫码": rows})
    assert fastxlsx.read(path) is None   # a mixed column: read row by row
    scans.import_scans(path, by="ops", url=web)
    assert sorted(r[0] for r in opened_scans(admin, ["phone"])) == ["10012345678", "10012345679"]


def test_repeated_or_missing_headers_are_named_as_before(tmp_path, web):
    header = [*scans.LABELS[:-1], scans.LABELS[0]]
    path = wbk.xlsxwriter_book(tmp_path / "表头.xlsx", {"扫码": [[*wbk.ROW, "x"]]}, header=header)
    assert fastxlsx.read(path) is None
    with pytest.raises(LoadError) as err:
        scans.import_scans(path, by="ops", url=web)
    assert "缺少表头：采集时间" in str(err.value) and "表头重复出现" in str(err.value)


def test_the_arrow_path_reports_progress_to_the_end(tmp_path, web):
    path = wbk.xlsxwriter_book(tmp_path / "进度.xlsx", {"扫码": wbk.rows_with_times([T] * 60)})
    seen = []
    (scans.ARROW_CHUNK, scans.ARROW_FIRST_CHUNK), chunks = (25, 10), (scans.ARROW_CHUNK, scans.ARROW_FIRST_CHUNK)
    try:
        scans.import_scans(path, by="ops", url=web, progress=seen.append)
    finally:
        scans.ARROW_CHUNK, scans.ARROW_FIRST_CHUNK = chunks
    written = [p["written"] for p in seen if p["phase"] == "writing"]
    # chunks of 10, then 20 (doubling up to 25), then the last 30: a rest of 5 goes with the last chunk
    assert written == [10, 30, 60]
    assert seen[-1] == {"phase": "done", "read": 60, "written": 60, "total": 60, "batch_id": seen[-1]["batch_id"]}


def test_a_panic_in_the_arrow_reader_sends_the_file_to_the_row_by_row_reader(tmp_path, web, admin, monkeypatch):
    """A Rust panic inside fastexcel (pyo3's PanicException derives from BaseException) is not the
    end of the import: the row-by-row reader, with its own guards, takes the file."""
    import fastexcel

    class PanicException(BaseException):
        pass

    def panics(*_args, **_kwargs):
        raise PanicException("index out of bounds")

    monkeypatch.setattr(fastexcel, "read_excel", panics)
    path = wbk.xlsxwriter_book(tmp_path / "恐慌.xlsx", {"扫码": wbk.rows_with_times([T, T])})
    assert fastxlsx.read(path) is None
    assert scans.import_scans(path, by="ops", url=web).rows == 2
    assert admin.execute("select count(*) from epi.scan").fetchone()[0] == 2


def _name_pending_pages(admin, month: str) -> int:
    """Pages merged from the month's name-index pending list now (so: how many were pending)."""
    return admin.execute("""select gin_clean_pending_list(i.inhrelid::regclass)
                              from pg_inherits i join pg_index x on x.indexrelid = i.inhrelid
                             where i.inhparent = 'epi.scan_name_grams_idx'::regclass
                               and x.indrelid = %s::regclass""", (f"epi.scan_{month}",)).fetchone()[0]


def test_an_import_leaves_no_pending_name_entries_for_the_searches_after_it(tmp_path, web, admin):
    """Rows written without the import's end leave the name index's pending list to be read by
    every name search; an import merges the lists of the months it wrote before it commits."""
    path = wbk.xlsxwriter_book(tmp_path / "待合并.xlsx", {"扫码": wbk.rows_with_times(
        [T + dt.timedelta(minutes=i) for i in range(300)] + [dt.datetime(2022, 4, 2, 9, 0)])})
    scans.import_scans(path, by="ops", url=web)
    assert _name_pending_pages(admin, "y2022m03") == 0 and _name_pending_pages(admin, "y2022m04") == 0
    batch = admin.execute("select batch_id from epi.import_batch").fetchone()[0]
    import psycopg

    from db import database

    with psycopg.connect(web) as conn, database.acting_as(conn, kind="ops", unit=None, account="ops"):
        sealer = crypto.sealer()   # 300 different names, sealed as an import seals them (issue 49)
        conn.execute("""insert into epi.scan (venue_id, name_grams, person_name_masked, collected_at, batch_id, imported_by)
                        select 'V1', g::bigint[], '测*', '2022-03-05 08:00+08', %s, 'x' from unnest(%s::text[]) t(g)""",
                     (batch, ["{" + ",".join(map(str, sealer.name_digests(f"测试{i}"))) + "}" for i in range(1, 301)]))
    assert _name_pending_pages(admin, "y2022m03") > 0   # the check above could fail
