"""扫码统计查询 says where nothing is known (issue 47, point 4): the days of the range on which the
whole city has no data are listed as 无数据; a range with no data at all shows 无数据, not 0, for
every venue and the total; the export carries the same note (and 无数据 in place of 0)."""
from __future__ import annotations

import io
import re

import openpyxl
import psycopg


def main_text(res) -> str:
    return re.sub(r"<[^>]+>", " ", re.search(r"<main.*?</main>", res.get_data(as_text=True), re.S).group(0))


def data_days(seeded_db) -> list:
    with psycopg.connect(seeded_db) as c:
        return [r[0].isoformat() for r in c.execute("select day from epi_private.data_day "
                                                    "where day between '2022-03-01' and '2022-03-31' order by 1")]


def test_a_range_without_any_data_says_so_and_shows_no_zero(unit_a, seeded_db):
    client, _ = unit_a
    res = client.get("/stats?from=2030-01-01&to=2030-01-03")
    text = main_text(res)
    assert "所选日期范围内全市均无数据（无数据：2030-01-01、2030-01-02、2030-01-03）：扫码量未知，不是 0。" in text
    assert "扫码量合计 无数据" in text
    cells = re.findall(r'<td class="num nodata">([^<]*)</td>', res.get_data(as_text=True))
    assert cells and set(cells) == {"无数据"}
    export = client.get("/stats/export?from=2030-01-01&to=2030-01-03")
    book = openpyxl.load_workbook(io.BytesIO(export.data))
    assert book.sheetnames == ["扫码统计", "说明"]
    rows = list(book["扫码统计"].iter_rows(values_only=True))
    assert len(rows) > 1 and {r[6] for r in rows[1:]} == {"无数据"}
    assert [r[0] for r in book["说明"].iter_rows(values_only=True)] == \
        ["所选日期范围内全市均无数据（无数据：2030-01-01、2030-01-02、2030-01-03）：扫码量未知，不是 0。"]


def test_days_without_data_inside_a_range_are_listed(unit_a, seeded_db):
    client, _ = unit_a
    with_data = data_days(seeded_db)
    assert with_data and "2022-03-31" not in with_data
    missing = [f"2022-03-{d:02d}" for d in range(1, 32) if f"2022-03-{d:02d}" not in with_data]
    text = main_text(client.get("/stats?from=2022-03-01&to=2022-03-31"))
    assert f"其中 {len(missing)} 天全市无数据（{'、'.join(missing)}），扫码量只计有数据的日期。" in text
    assert "扫码量合计 3" in text                                # the known days still add up
    first, last = with_data[0], with_data[-1]
    assert "全市无数据" not in main_text(client.get(f"/stats?from={first}&to={last}"))   # every day with data: no note
    export = client.get(f"/stats/export?from={first}&to={last}")
    assert openpyxl.load_workbook(io.BytesIO(export.data)).sheetnames == ["扫码统计"]
