"""`invoke bench --scale peak` (issue 22, point 3): a city at its peak — 50,000,000 scans, 45 days at
1.1M a day, 5,000 venues, one unit (B00) with 1,000 of them — measured in the same run as the city
database, each figure as peak ÷ city (goal ≤ 1.5): the 1,000-venue unit's pages (first scan page,
45-day statistics, alert list) and each tracing condition at 8 clients, the nightly after an
import, the import rate, one month's delete (its partition dropped, rolled back: the databases are
kept for the next run).

The databases live in the embedded server of EPI_VAR_DIR (keep it outside the work tree, e.g.
EPI_VAR_DIR=/srv/epi-bench): epi_bench (the city, from `invoke bench --scale city --keep`; built
here when missing) and epi_peak (built here once, ≈ an hour on our machines, then reused). The
build's time and disk are recorded with the figures in bench/results/peak-*.json and .md."""
from __future__ import annotations

import datetime as dt
import json
import time

import psycopg

from bench import run as city
from bench import web as webbench
from db import database, upgrade

PEAK = {"days": 45, "per_day": 1_100_000, "venues": 5_000, "big_unit": 1_000, "unit": "B00"}


def scans_in(url: str) -> int:
    try:
        with psycopg.connect(url) as c:
            return c.execute("select count(*) from epi.scan").fetchone()[0]
    except psycopg.Error:
        return 0


def build(name: str, days: int, per_day: int, venues: int, big_unit: int, echo) -> dict:
    started = time.monotonic()
    url = city.fresh_database(name)
    fill_seconds = city.fill(url, days * per_day, echo, venues, per_day=per_day, rebuild_all=True)
    city.register_venues(url, venues, big_unit=big_unit)
    warm = city.nightly(url, dt.date(2022, 3, 1))
    with psycopg.connect(url) as c:
        disk = c.execute("select pg_database_size(current_database())").fetchone()[0]
    return {"seconds": round(time.monotonic() - started, 1), "fill_seconds": round(fill_seconds, 1),
            "disk_bytes": disk, "nightly_warmup": warm}


def rolled_back_month_delete(url: str, month: dt.date) -> dict:
    """One whole month deleted as ops would (its partition dropped, counts and audit with it), then
    rolled back so that the database stays as it was."""
    web = database.web_url(database.database_name(url))
    done: dict = {}
    with psycopg.connect(web) as conn, database.acting_as(conn, kind="ops", account="bench"):
        started = time.monotonic()
        done["rows"] = conn.execute("select epi.drop_scan_month(%s)", (month,)).fetchone()[0]
        done["seconds"] = round(time.monotonic() - started, 3)
        raise psycopg.Rollback()  # the kept database stays whole
    return done


def measure(url: str, unit: str, path, echo) -> dict:
    web = database.web_url(database.database_name(url))
    with psycopg.connect(url) as c:
        last = c.execute("select max(collected_at) at time zone 'Asia/Shanghai' from epi.scan").fetchone()[0].date()
        oldest = c.execute("select min(collected_at) at time zone 'Asia/Shanghai' from epi.scan").fetchone()[0].date()
    out = {"scans": scans_in(url)}
    echo("  导入 …")
    out["import"] = city.import_with_counts(path, url, web)
    out["nightly"] = city.nightly(url, last + dt.timedelta(days=1))
    echo("  页面（8 个并发客户端）…")
    out["pages"] = webbench.load(url, unit, stats_from=(last - dt.timedelta(days=44)).isoformat(),
                                 stats_to=last.isoformat())
    echo("  追查条件 …")
    out["tracing"] = webbench.tracing(url, unit)
    out["month_delete"] = rolled_back_month_delete(url, oldest.replace(day=1) if oldest.day == 1
                                                   else (oldest.replace(day=28) + dt.timedelta(days=4)).replace(day=1))
    return out


def ratios(peak: dict, base: dict) -> dict:
    r = {"import_rate": round(base["import"]["rows_per_s"] / peak["import"]["rows_per_s"], 2),
         "nightly": round(peak["nightly"]["steps_seconds"]["nightly"] / base["nightly"]["steps_seconds"]["nightly"], 2),
         "month_delete": round(peak["month_delete"]["seconds"] / max(base["month_delete"]["seconds"], 1e-3), 2)}
    for key, value in peak["pages"]["p95_ms"].items():
        r[f"page_{key}"] = round(value / base["pages"]["p95_ms"][key], 2)
    for role in ("unit", "ops"):
        for key, value in peak["tracing"][role]["p95_ms"].items():
            r[f"tracing_{role}_{key}"] = round(value / base["tracing"][role]["p95_ms"][key], 2)
    return r


def run(echo=print, days: int = PEAK["days"], per_day: int = PEAK["per_day"], city_scale: str = "city") -> dict:
    peak_url = database.with_params(database.admin_url(), dbname="epi_peak")
    city_url = database.with_params(database.admin_url(), dbname="epi_bench")
    results: dict = {"scale": "peak", "machine": city.machine(), "at": dt.datetime.now().isoformat(timespec="seconds"),
                     "peak": dict(PEAK, days=days, per_day=per_day)}
    if scans_in(city_url) < city.SCALES[city_scale]["scans"] // 2:  # kept (less its deleted month)
        echo(f"没有保留的 {city_scale} 规模数据库 epi_bench，先运行 invoke bench --scale {city_scale} --keep …")
        city.run(scale=city_scale, echo=echo, keep=True)
    if scans_in(peak_url) < days * per_day:
        echo(f"构建高峰数据库 epi_peak：{days} 天 × {per_day:,} 条 …")
        results["build"] = build("epi_peak", days, per_day, PEAK["venues"], PEAK["big_unit"], echo)
        echo(f"  {results['build']}")
    for url in (city_url, peak_url):   # kept databases are measured on this code's schema
        upgrade.upgrade(url, echo=lambda *_: None)
    from bench.scanfile import bench_file_name

    path = city.OUT / bench_file_name(city.SCALES[city_scale]["rows"])
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        from bench.scanfile import write_scan_xlsx

        write_scan_xlsx(path, city.SCALES[city_scale]["rows"], start=dt.date(2022, 3, 1), days=2)
    echo("高峰规模的测量 …")
    results["at_peak"] = measure(peak_url, PEAK["unit"], path, echo)
    echo(f"{city_scale} 规模的测量（同一轮）…")
    results["at_city"] = measure(city_url, "B01", path, echo)
    with psycopg.connect(peak_url) as c:
        results["peak_disk_bytes"] = c.execute("select pg_database_size(current_database())").fetchone()[0]
        results["big_unit_venues"] = c.execute("select count(*) from epi.venue where unit_code = %s",
                                               (PEAK["unit"],)).fetchone()[0]
    results["ratio"] = ratios(results["at_peak"], results["at_city"])
    results["met"] = {k: v <= 1.5 for k, v in results["ratio"].items()}
    city.RESULTS.mkdir(parents=True, exist_ok=True)
    stem = city.RESULTS / f"peak-{dt.datetime.now():%Y%m%d-%H%M%S}"
    stem.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    lines = [f"# Benchmark {stem.name}", "",
             f"peak: {results['at_peak']['scans']:,} scans, unit {PEAK['unit']} with {results['big_unit_venues']:,} venues, "
             f"{results['peak_disk_bytes'] / 2**30:.1f} GiB; city: {results['at_city']['scans']:,} scans, unit B01", "",
             "| measure | peak ÷ city | goal |", "|---|---|---|"]
    lines += [f"| {k} | {v} | ≤ 1.5 |" for k, v in results["ratio"].items()]
    lines += ["", "tracing answers (scans in the city / at the unit's venues): " + "; ".join(
        f"{k} peak {results['at_peak']['tracing']['answer_rows'][k]['all']:,} / {results['at_peak']['tracing']['answer_rows'][k]['unit']:,}, "
        f"city {results['at_city']['tracing']['answer_rows'][k]['all']:,} / {results['at_city']['tracing']['answer_rows'][k]['unit']:,}"
        for k in results["at_peak"]["tracing"]["answer_rows"])]
    if "build" in results:
        lines += ["", f"build: {results['build']['seconds']} s (fill {results['build']['fill_seconds']} s)"]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    echo("\n".join(lines))
    echo(f"已保存到 {stem}.json 与 {stem.name}.md")
    return results
