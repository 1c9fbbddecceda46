"""Scan exports for benchmarks and tests, written with xlsxwriter (a writer other than ours), the
way the provincial platform exports them: one header row, 15 columns, text cells, 采集时间 as a
date cell. Realistic shape: a few thousand venues with skewed popularity over a few days."""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from db.vocabulary import SCAN
from demo.fake import fake_id_number, fake_person_phone

STREETS = ("长沙街道", "三埠街道", "月山镇", "水口镇", "沙塘镇", "苍城镇", "龙胜镇", "大沙镇", "马冈镇",
           "塘口镇", "赤坎镇", "百合镇", "蚬冈镇", "金鸡镇", "赤水镇")
CATEGORIES = ("商场", "超市", "餐馆", "酒店", "农贸市场", "医院", "学校", "车站", "网吧", "影剧院")


# the people's names: 测试 and two of 400 characters (160,000 names; U+8000 on, none of demo.fake's
# names), so that one person's name is shared by few people as in a real city. demo.fake's 784 names
# made each name in the 50,000 people of the file 64 people's: "one person's name" answered 250
# scans of different people for every import of the file, the ID number of the same person 4.
_NAME_CHARS = [chr(0x8000 + k) for k in range(400)]


# the bench files' names carry this: a kept file of other people is made again
FILE_VERSION = 2


def bench_file_name(rows: int) -> str:
    return f"scans-{rows}-v{FILE_VERSION}.xlsx"


def bench_name(rng: random.Random) -> str:
    return "测试" + rng.choice(_NAME_CHARS) + rng.choice(_NAME_CHARS)


def write_scan_xlsx(path: Path, rows: int, *, venues: int = 3000, start: dt.date = dt.date(2022, 3, 1),
                    days: int = 2, seed: int = 1, sheet: str = "扫码进场信息") -> Path:
    import xlsxwriter

    rng = random.Random(seed)
    venue_rows = [(f"4407830{v:05d}", f"测试场所{v:05d}", CATEGORIES[v % len(CATEGORIES)], "开平市",
                   STREETS[v % len(STREETS)], f"测试管理员{v % 97:02d}") for v in range(venues)]
    weights = [1.0 / (1 + v) ** 0.8 for v in range(venues)]
    people = [(fake_id_number(rng), bench_name(rng), fake_person_phone(rng)) for _ in range(min(rows, 50_000))]
    picks = rng.choices(venue_rows, weights=weights, k=rows)
    seconds = days * 86400
    offsets = sorted(rng.randrange(seconds) for _ in range(rows))
    base = dt.datetime.combine(start, dt.time())
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet(sheet)
    time_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws.write_row(0, 0, list(SCAN.values()))
    for i in range(rows):
        venue = picks[i]
        person = people[i % len(people)]
        when = base + dt.timedelta(seconds=offsets[i])
        ws.write_row(i + 1, 0, venue + person[:1] + person[1:2] + person[2:] + (
            "已采集", "阴性", (when - dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"), "绿码",
            f"开平市{venue[4]}"))
        ws.write_datetime(i + 1, 14, when, time_fmt)
    wb.close()
    return path
