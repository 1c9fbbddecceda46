"""The demo data set: the files the OA system and the provincial platform would hand the data
bureau, written exactly as they produce them (the headers of SPEC section 2), from one seed.

- 监管单位.xlsx — the OA export of supervising units (eight bureaus and the fifteen towns/streets);
- 场所信息.xlsx — the venue template the DBA bulk-loads before go-live (监管单位 by name or by code,
  thresholds for most venues, a few venues without a unit or without thresholds);
- 扫码进场信息_YYYY-MM-DD.xlsx — one daily export per day up to `end`, except one day on which the
  province exported nothing (a city-wide gap that breaks every streak).

What the data shows once loaded and the nightly jobs have run:
- popularity is skewed (a few malls, markets and stations take most scans), with a weekly rhythm
  (weekends busy for shops and sights, quiet for schools and offices), opening hours by category;
- some venues stop scanning properly part-way (their counts fall under 场所日人流量阈值（最小值）:
  小于阈值 alerts), some run over capacity for a while (大于阈值 alerts);
- some venues scan without being in the registry (the discovery job adds them to 未设置).

Personal data is obviously fake (demo.fake): ID numbers that fail the GB 11643 checksum, phone
numbers of people in the 100 range that no mobile uses, unit heads in the 144 data-only range,
names 测试 + two characters. The same seed, end day, days and venue count give the same rows.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from db.vocabulary import SCAN, SCAN_TIME, SHEET_TITLES, UNIT, VENUE_TEMPLATE
from demo.fake import fake_id_number, fake_name, fake_person_phone

STREETS = ("长沙街道", "三埠街道", "月山镇", "水口镇", "沙塘镇", "苍城镇", "龙胜镇", "大沙镇", "马冈镇",
           "塘口镇", "赤坎镇", "百合镇", "蚬冈镇", "金鸡镇", "赤水镇")
# the urban streets hold most venues
STREET_WEIGHTS = (9, 8, 3, 4, 2, 2, 2, 1.5, 1.5, 2, 3, 2, 1.5, 1, 1.5)

# category: (supervising bureau code, name patterns, typical daily scans, weekend factor,
#            opening hours (first, last), share of venues)
CATEGORIES = {
    "商场": ("KP-SJ", ("{x}购物广场", "{x}百货"), 400, 1.5, (9, 22), 3),
    "超市": ("KP-SJ", ("{x}超市（{s}店）", "{x}生活超市"), 180, 1.3, (8, 22), 8),
    "农贸市场": ("KP-SJ", ("{s}农贸市场", "{x}市场"), 350, 1.2, (6, 19), 4),
    "餐馆": ("KP-SJ", ("{x}酒家", "{x}饭店", "{x}茶楼"), 80, 1.4, (7, 22), 14),
    "医院": ("KP-WJ", ("开平市{x}医院", "{s}卫生院"), 300, 0.8, (7, 21), 3),
    "诊所": ("KP-WJ", ("{x}诊所", "{x}门诊部"), 40, 0.9, (8, 20), 6),
    "药店": ("KP-SJ", ("{x}大药房（{s}店）",), 50, 1.1, (8, 22), 6),
    "学校": ("KP-JY", ("{s}第{n}小学", "开平市{x}中学"), 250, 0.05, (7, 18), 6),
    "幼儿园": ("KP-JY", ("{x}幼儿园",), 90, 0.05, (7, 18), 4),
    "车站": ("KP-JT", ("{s}汽车站", "开平{x}客运站"), 500, 1.3, (5, 22), 1),
    "影剧院": ("KP-WL", ("{x}影城", "{x}剧院"), 150, 1.8, (10, 23), 1),
    "网吧": ("KP-WL", ("{x}网咖", "{x}网吧"), 60, 1.4, (0, 23), 4),
    "景区": ("KP-WL", ("{x}碉楼景区", "{x}村落景区"), 200, 2.2, (8, 18), 2),
    "酒店": ("KP-SW", ("{x}酒店", "{x}宾馆"), 70, 1.3, (0, 23), 6),
    "养老机构": ("KP-MZ", ("{s}敬老院", "{x}颐养院"), 30, 1.0, (7, 20), 2),
    "建筑工地": ("KP-ZJ", ("{x}项目工地",), 60, 0.6, (6, 19), 3),
    "村（居）委会": ("TOWN", ("{s}{x}村委会", "{s}{x}社区居委会"), 25, 0.4, (8, 18), 9),
    "理发店": ("TOWN", ("{x}发型屋",), 20, 1.3, (9, 21), 5),
}
BUREAUS = {
    "KP-SJ": "开平市市场监督管理局",
    "KP-WJ": "开平市卫生健康局",
    "KP-JY": "开平市教育局",
    "KP-JT": "开平市交通运输局",
    "KP-WL": "开平市文化广电旅游体育局",
    "KP-SW": "开平市商务局",
    "KP-MZ": "开平市民政局",
    "KP-ZJ": "开平市住房和城乡建设局",
}
SYLLABLES = ["华", "利", "民", "兴", "福", "泰", "安", "康", "和", "顺", "新", "金", "盛", "隆", "宏", "德", "嘉", "美", "乐", "丰", "旺", "荣", "祥", "信", "达", "恒", "鸿", "豪", "怡", "景", "翠", "碧", "潭"]
ROADS = ("中山路", "建设路", "长沙东路", "三埠新市路", "祥龙大道", "东河路", "港口路", "幕沙路", "新昌路", "荻海路")
OTHER_CITY = "开平市"


@dataclass
class Venue:
    venue_id: str
    name: str
    category: str
    street: str
    admin: str
    location: str
    unit: str | None           # as written in the template: a name or a code (None: not assigned)
    unit_code: str | None
    flow_min: int | None
    flow_max: int | None
    mean: float                # typical daily scans on a weekday
    in_registry: bool
    stops_on: dt.date | None = None      # from this day, hardly any scans (小于阈值)
    crowded: tuple[dt.date, dt.date] | None = None   # over capacity between these days (大于阈值)


@dataclass
class DemoSet:
    directory: Path
    units: Path
    venues: Path
    scans: list[Path]
    rows: int
    manifest: dict = field(default_factory=dict)


def _units(rng: random.Random) -> list[dict]:
    units = []
    for code, name in BUREAUS.items():
        units.append({"机构编码": code, "监管单位": name, "监管单位负责人": fake_name(rng)})
    for i, street in enumerate(STREETS, 1):
        kind = "街道办事处" if street.endswith("街道") else "人民政府"
        units.append({"机构编码": f"KP-Z{i:02d}", "监管单位": f"开平市{street}{kind}", "监管单位负责人": fake_name(rng)})
    for i, u in enumerate(units, 1):
        u["监管单位负责人手机号"] = f"1440000{i:04d}"   # 144: data-only numbers, never a person's phone
    units[-1]["监管单位负责人手机号"] = ""   # one head without a phone yet: its text is recorded as failed
    return units


def _name(rng: random.Random, patterns, street: str, used: set) -> str:
    for _ in range(50):
        x = rng.choice(SYLLABLES) + rng.choice(SYLLABLES)
        name = rng.choice(patterns).format(x=x, s=street.removesuffix("街道").removesuffix("镇"),
                                           n="一二三四五六七八"[rng.randrange(8)])
        if name not in used:
            used.add(name)
            return name
    name = f"{name}{len(used)}"
    used.add(name)
    return name


def _venues(rng: random.Random, units: list[dict], count: int, first: dt.date, end: dt.date,
            scans_per_day: int) -> list[Venue]:
    by_code = {u["机构编码"]: u for u in units}
    town_code = {street: f"KP-Z{i:02d}" for i, street in enumerate(STREETS, 1)}
    cats = list(CATEGORIES)
    shares = [CATEGORIES[c][5] for c in cats]
    used: set[str] = set()
    venues = []
    for i in range(count):
        cat = rng.choices(cats, weights=shares)[0]
        bureau, patterns, typical, *_ = CATEGORIES[cat]
        street = rng.choices(STREETS, weights=STREET_WEIGHTS)[0]
        code = town_code[street] if bureau == "TOWN" else bureau
        # the venue template names the unit by name mostly, by code sometimes
        written = by_code[code]["监管单位"] if rng.random() < 0.7 else code
        venues.append(Venue(venue_id=f"4407830{i + 1:07d}", name=_name(rng, patterns, street, used), category=cat,
                            street=street, admin=fake_name(rng),
                            location=f"开平市{street}{rng.choice(ROADS)}{rng.randint(1, 300)}号",
                            unit=written, unit_code=code, flow_min=None, flow_max=None,
                            # skewed popularity: a log-normal spread around the category's typical day
                            mean=typical * rng.lognormvariate(-0.35, 0.8), in_registry=True))
    # venues that scan but were never put in the template: the discovery job finds them
    for j in range(max(3, count // 40)):
        cat = rng.choice(("餐馆", "理发店", "超市", "药店", "网吧"))
        street = rng.choices(STREETS, weights=STREET_WEIGHTS)[0]
        venues.append(Venue(venue_id=f"4407839{j + 1:07d}", name=_name(rng, CATEGORIES[cat][1], street, used),
                            category=cat, street=street, admin=fake_name(rng), location="", unit=None,
                            unit_code=None, flow_min=None, flow_max=None,
                            mean=CATEGORIES[cat][2] * rng.lognormvariate(-0.5, 0.6), in_registry=False))
    # a city of this demo's size: the means scaled to the day's total, thresholds around them
    factor = scans_per_day / sum(v.mean for v in venues)
    for v in venues:
        v.mean = max(2.0, v.mean * factor)
        if not v.in_registry:
            continue
        v.flow_min, v.flow_max = max(1, round(v.mean * 0.3)), round(v.mean * 2.5) + 10
        roll = rng.random()
        if roll < 0.03:
            v.unit, v.unit_code = None, None                 # not yet assigned: 场所信息管理 › 未设置
        elif roll < 0.10:
            v.flow_min = v.flow_max = None                   # 场所人流量阈值管理 › 未设置
        elif roll < 0.13:
            v.flow_min = None                                # only a maximum
    span = (end - first).days
    checked = [v for v in venues if v.unit_code and v.flow_min is not None and v.category not in ("学校", "幼儿园")]
    for v in rng.sample(checked, max(2, len(checked) * 3 // 100)):
        v.stops_on = first + dt.timedelta(days=rng.randint(span // 3, span - 9))
    over = [v for v in venues if v.unit_code and v.flow_max is not None and v.stops_on is None]
    for v in rng.sample(over, max(2, len(over) * 2 // 100)):
        start = first + dt.timedelta(days=rng.randint(span // 4, span - 8))
        v.crowded = (start, min(end, start + dt.timedelta(days=rng.randint(7, 16))))
    return venues


def _day_count(rng: random.Random, v: Venue, day: dt.date) -> int:
    _, _, _, weekend, _, _ = CATEGORIES[v.category]
    lam = v.mean * (weekend if day.weekday() >= 5 else 1.0)
    if v.stops_on and day >= v.stops_on:
        lam = v.flow_min * 0.2          # the QR code is gone from the door: a few scans a day at most
    elif v.crowded and v.crowded[0] <= day <= v.crowded[1]:
        lam = v.flow_max * 1.4 + 5
    # a normal approximation of a Poisson count is plenty here
    n = round(rng.gauss(lam, math.sqrt(lam)))
    if v.crowded and v.crowded[0] <= day <= v.crowded[1]:
        n = max(n, v.flow_max + 1)
    if v.stops_on and day >= v.stops_on:
        n = min(n, max(0, v.flow_min - 1))
    return max(0, n)


def _write_xlsx(path: Path, sheet: str, header: list[str], rows, time_column: int | None = None) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(header)
    for row in rows:
        if time_column is not None:
            row = list(row)
            cell = WriteOnlyCell(ws, value=row[time_column])
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
            row[time_column] = cell
        ws.append(row)
    wb.save(path)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def yesterday_in_kaiping() -> dt.date:
    return (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(days=1)).date()


def generate(out: Path, *, end: dt.date | None = None, days: int = 45, venues: int = 600,
             scans_per_day: int = 3000, seed: int = 20220301, echo: Callable[[str], None] = print) -> DemoSet:
    """Write the demo files into out/ and a manifest.json (files, rows, SHA-256 of each file)."""
    end = end or yesterday_in_kaiping()
    first = end - dt.timedelta(days=days - 1)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    units = _units(rng)
    all_venues = _venues(rng, units, venues, first, end, scans_per_day)
    people = [(fake_id_number(rng), fake_name(rng), fake_person_phone(rng)) for _ in range(20_000)]
    gap_day = first + dt.timedelta(days=days // 2)

    units_path = out / "监管单位.xlsx"
    unit_labels = list(UNIT.values())
    _write_xlsx(units_path, SHEET_TITLES["units"], unit_labels, ([u[k] for k in unit_labels] for u in units))
    venues_path = out / "场所信息.xlsx"
    _write_xlsx(venues_path, SHEET_TITLES["venues"], list(VENUE_TEMPLATE.values()),
                ([v.venue_id, v.name, v.category, OTHER_CITY, v.street, v.admin, v.location, v.unit or "",
                  v.flow_min, v.flow_max] for v in all_venues if v.in_registry))

    scan_paths, total = [], 0
    day = first
    while day <= end:
        day_rng = random.Random(f"{seed}-{day.isoformat()}")
        if day == gap_day:
            day += dt.timedelta(days=1)
            continue
        rows = []
        for v in all_venues:
            n = _day_count(day_rng, v, day)
            if not n:
                continue
            opens, closes = CATEGORIES[v.category][4]
            for _ in range(n):
                hour = min(closes, max(opens, round(day_rng.triangular(opens, closes + 0.99, (opens + closes) / 2))))
                when = dt.datetime.combine(day, dt.time(hour, day_rng.randrange(60), day_rng.randrange(60)))
                pid, pname, phone = people[day_rng.randrange(len(people))]
                tested = when - dt.timedelta(hours=day_rng.randint(20, 70))
                rows.append((when, [v.venue_id, v.name, v.category, OTHER_CITY, v.street, v.admin, pid, pname, phone,
                                    "已采集", "阴性", tested.strftime("%Y-%m-%d %H:%M:%S"),
                                    "绿码" if day_rng.random() > 0.002 else "黄码", f"开平市{v.street}", when]))
        rows.sort(key=lambda r: r[0])
        path = out / f"扫码进场信息_{day.isoformat()}.xlsx"
        _write_xlsx(path, SHEET_TITLES["scans"], list(SCAN.values()), (r for _, r in rows),
                    time_column=list(SCAN).index(SCAN_TIME))
        scan_paths.append(path)
        total += len(rows)
        echo(f"  {path.name}: {len(rows):,} 条")
        day += dt.timedelta(days=1)

    manifest = {"seed": seed, "first": first.isoformat(), "end": end.isoformat(), "gap_day": gap_day.isoformat(),
                "rows": total, "venues_in_template": sum(v.in_registry for v in all_venues),
                "venues_to_discover": sum(not v.in_registry for v in all_venues),
                "stopping": sorted(v.venue_id for v in all_venues if v.stops_on),
                "crowded": sorted(v.venue_id for v in all_venues if v.crowded),
                "files": {p.name: _digest(p) for p in [units_path, venues_path, *scan_paths]}}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return DemoSet(out, units_path, venues_path, scan_paths, total, manifest)
