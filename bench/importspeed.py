"""The import against the same work done plainly (issue 51): `invoke bench --scale import`, and a
part of every `invoke bench`.

Three loads of the same file, each a child process timed from its start to its exit (its commit),
one after the other in the same run, so that their ratios hold on a noisy machine:

- the plain load: polars reads the file with calamine, ADBC writes it into a bare table (no
  indexes, no encryption) — what a DBA's script costs at the least (bench/run.py PLAIN_LOAD);
- the same-work peer (bench/peer.py, frozen): the same read, the three personal fields sealed with
  the zone's keys and library, ADBC into ``LIKE epi.scan INCLUDING DEFAULTS INCLUDING INDEXES`` —
  a table that answers the same tracing questions;
- ``loaders.scans.import_scans``: every check, the duplicate check, encryption, partitions, counts,
  the audit entry. Its steps (ImportResult.spent) are kept per run, each on its own line.

Into an empty database (a fresh one per run) and into the kept bench database of the city (about
10M scans; ``--scale import`` reuses epi_bench when it holds them, as `invoke bench --keep` leaves
it): there each run's records are deleted again afterwards (not timed) and the tables vacuumed, so
that the three runs meet the same database. The file of that case has days the database does not
hold yet (a new day's export: the duplicate check's common case); the check's other case — a file
whose every record is stored already, imported with --force — is measured once beside it.

Peak memory (ru_maxrss of the child) of a 1,000,000-row import against python-calamine's own reading
of the same file (goal ≤ 1.3×)."""
from __future__ import annotations

import datetime as dt
import json
import logging
import statistics
from pathlib import Path

import psycopg

from bench.run import child, fresh_database, import_in_child, libpq_uri, plain_load_rate
from db import database

# a new day's export for the full database: days after the city fill's last (2022-03-02)
NEXT_START = dt.date(2022, 3, 5)
NEXT_DAYS = 2

CALAMINE_READ = """
import sys
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path(sys.argv[1])
rows = 0
for name in wb.sheet_names:
    for _ in wb.get_sheet_by_name(name).iter_rows():
        rows += 1
print(rows - 1)
"""

PEER = "import runpy, sys\nsys.argv = ['bench.peer', *sys.argv[1:]]\nrunpy.run_module('bench.peer', run_name='__main__')\n"


def peer(url: str, path: Path) -> dict:
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("drop table if exists public.peer")
    out, wall, peak = child(PEER, [str(path), libpq_uri(url), "public.peer"], "same-work peer")
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("drop table public.peer")
    return {"rows": int(out), "wall_seconds": round(wall, 3), "peak_mb": peak}


def import_(url: str, path: Path) -> dict:
    return import_in_child(path, database.web_url(database.database_name(url)))


def calamine_read(path: Path) -> dict:
    out, wall, peak = child(CALAMINE_READ, [str(path)], "python-calamine read")
    return {"rows": int(out), "wall_seconds": round(wall, 3), "peak_mb": peak}


def forget(url: str, lo: dt.date, hi: dt.date) -> None:
    """Delete the scans of [lo, hi) again as ops do (counts follow), then vacuum: the next run
    meets the database as this one did."""
    from admin import scans as admin_scans

    tz = admin_scans.SHANGHAI
    admin_scans.delete_scans(field="collected", lo=dt.datetime.combine(lo, dt.time(), tzinfo=tz),
                             hi=dt.datetime.combine(hi, dt.time(), tzinfo=tz), account="bench",
                             url=database.web_url(database.database_name(url)))
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("vacuum analyze epi.scan")
        c.execute("vacuum analyze epi_private.daily_count")
        c.execute("checkpoint")


def one_run(url: str, path: Path) -> dict:
    """Plain load, peer and import of ``path`` into ``url``, in this order; the ratios."""
    p = plain_load_rate(url, path)
    q = peer(url, path)
    i = import_(url, path)
    return {"plain": p, "peer": q, "import": i,
            "import_vs_peer": round(q["wall_seconds"] / i["wall_seconds"], 2),
            "import_vs_plain": round(p["wall_seconds"] / i["wall_seconds"], 2)}


def empty_runs(path: Path, runs: int, echo) -> list[dict]:
    out = []
    for n in range(runs):
        url = fresh_database("epi_bench_import")
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("alter database epi_bench_import set track_functions = 'pl'")   # the counts' own line
        r = one_run(url, path)
        echo(f"  空数据库 第 {n + 1} 次：{line(r)}")
        out.append(r)
    with psycopg.connect(database.with_params(database.admin_url(), dbname="postgres"), autocommit=True) as c:
        c.execute("drop database if exists epi_bench_import with (force)")
    return out


def full_runs(url: str, path: Path, runs: int, echo) -> list[dict]:
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f"alter database {database.database_name(url)} set track_functions = 'pl'")
    forget(url, NEXT_START, NEXT_START + dt.timedelta(days=NEXT_DAYS))   # a run killed before left none behind
    out = []
    for n in range(runs):
        r = one_run(url, path)
        forget(url, NEXT_START, NEXT_START + dt.timedelta(days=NEXT_DAYS))
        echo(f"  已有数据的数据库 第 {n + 1} 次：{line(r)}")
        out.append(r)
    return out


def wholly_stored(url: str, path: Path) -> dict:
    """The duplicate check when every record of the file is stored already: imported, then imported
    again with --force (the second import's steps are the figure), then both forgotten."""
    import_(url, path)
    again = import_(url, path)
    forget(url, NEXT_START, NEXT_START + dt.timedelta(days=NEXT_DAYS))
    return again


def line(r: dict) -> str:
    return (f"plain {r['plain']['wall_seconds']} s, peer {r['peer']['wall_seconds']} s, import "
            f"{r['import']['wall_seconds']} s → import ÷ peer {r['import_vs_peer']}, ÷ plain {r['import_vs_plain']}; "
            + ", ".join(f"{k} {v}" for k, v in r["import"]["spent"].items()))


def summary(runs: list[dict]) -> dict:
    steps = {k for r in runs for k in r["import"]["spent"]}
    return {"import_vs_peer": [r["import_vs_peer"] for r in runs],
            "import_vs_plain": [r["import_vs_plain"] for r in runs],
            "wall_seconds": {w: [r[w]["wall_seconds"] for r in runs] for w in ("plain", "peer", "import")},
            "steps_median": {k: round(statistics.median(r["import"]["spent"].get(k, 0.0) for r in runs), 3)
                             for k in steps}}


SCALES = {"city": {"rows": 200_000, "scans": 10_000_000, "venues": 5_000, "memory_rows": 1_000_000},
          "small": {"rows": 20_000, "scans": 300_000, "venues": 500, "memory_rows": 50_000}}


def files(rows: int, echo) -> tuple[Path, Path]:
    """The bench's file (2022-03-01, two days) and a new day's export after the fill's last day."""
    from bench.run import OUT
    from bench.scanfile import FILE_VERSION, bench_file_name, write_scan_xlsx

    OUT.mkdir(parents=True, exist_ok=True)
    path, following = OUT / bench_file_name(rows), OUT / f"scans-{rows}-next-v{FILE_VERSION}.xlsx"
    if not path.exists():
        echo(f"生成 {rows:,} 行测试文件 {path} …")
        write_scan_xlsx(path, rows, start=dt.date(2022, 3, 1), days=2)
    if not following.exists():
        echo(f"生成 {rows:,} 行测试文件 {following}（次日导出）…")
        write_scan_xlsx(following, rows, start=NEXT_START, days=NEXT_DAYS, seed=2)
    return path, following


def city_database(scans: int, venues: int, echo) -> str:
    """epi_bench as `invoke bench --keep` leaves it (reused when it holds ``scans`` or more: the
    fill takes long), else filled here."""
    from bench import run as city

    url = database.with_params(database.admin_url(), dbname="epi_bench")
    try:
        with psycopg.connect(url) as c:
            held = c.execute("select count(*) from epi.scan").fetchone()[0]
    except psycopg.Error:
        held = 0
    if held >= scans * 0.9:
        from db import upgrade

        upgrade.upgrade(url, echo=lambda *_: None)
        echo(f"沿用压测数据库 epi_bench（{held:,} 条扫码记录）")
        return url
    url = fresh_database("epi_bench")
    echo(f"填充 epi_bench 到 {scans:,} 条 …")
    city.fill(url, scans, echo, venues)
    city.register_venues(url, venues)
    return url


def memory(rows: int, echo) -> dict:
    """Peak memory of an import of a ``rows``-row file against python-calamine reading it."""
    from bench.run import OUT
    from bench.scanfile import bench_file_name, write_scan_xlsx

    path = OUT / bench_file_name(rows)
    if not path.exists():
        echo(f"生成 {rows:,} 行测试文件 {path} …")
        write_scan_xlsx(path, rows, start=dt.date(2022, 3, 1), days=2)
    read = calamine_read(path)
    url = fresh_database("epi_bench_import")
    ours = import_(url, path)
    with psycopg.connect(database.with_params(database.admin_url(), dbname="postgres"), autocommit=True) as c:
        c.execute("drop database if exists epi_bench_import with (force)")
    return {"rows": rows, "calamine_peak_mb": read["peak_mb"], "import_peak_mb": ours["peak_mb"],
            "ratio": round(ours["peak_mb"] / read["peak_mb"], 2), "import_wall_seconds": ours["wall_seconds"]}


def table(results: dict) -> str:
    m = results["machine"]
    lines = [f"`invoke bench --scale import` ({results['scale']}) — {m['cpus']} cores, {m['memory_mb'] / 1024:.1f} GiB, "
             f"Python {m['python']}, PostgreSQL {results['postgres']}, {results['at']}", "",
             "| measure | figure | goal |", "|---|---|---|"]
    for key, label in (("empty", "an empty database"), ("full", f"a database of {results['full_scans']:,} scans")):
        s = results[key]["summary"]
        lines.append(f"| import ÷ same-work peer (polars + calamine, SM4/SM3 sealing, ADBC into LIKE epi.scan with its "
                     f"indexes), {results['rows']:,} rows into {label}, {len(results[key]['runs'])} runs | "
                     f"{' / '.join(map(str, s['import_vs_peer']))} (import {' / '.join(map(str, s['wall_seconds']['import']))} s; "
                     f"peer {' / '.join(map(str, s['wall_seconds']['peer']))} s) | ≥ 1.0 |")
        lines.append(f"| import ÷ plain load (bare table, no indexes, no encryption), same runs | "
                     f"{' / '.join(map(str, s['import_vs_plain']))} (plain {' / '.join(map(str, s['wall_seconds']['plain']))} s) | — |")
        for step in STEP_LABELS:
            if step in s["steps_median"]:
                per_run = " / ".join(str(r["import"]["spent"].get(step, "—")) for r in results[key]["runs"])
                lines.append(f"| … {STEP_LABELS[step]} ({label}) | {per_run} s | — |")
    w = results["wholly_stored"]
    lines.append(f"| duplicate check of a file whose {w['rows']:,} records are all stored (found, imported with --force) "
                 f"| {w['spent'].get('duplicates')} s of {w['wall_seconds']} s | — |")
    mem = results["memory"]
    lines.append(f"| peak memory, {mem['rows']:,}-row file: import ÷ python-calamine reading it | {mem['ratio']} "
                 f"({mem['import_peak_mb']} / {mem['calamine_peak_mb']} MB) | ≤ 1.3 |")
    return "\n".join(lines)


STEP_LABELS = {
    "checks": "checks: the file (type, size, the inflate count of the zip), its digest, the cells as whole columns",
    "read": "read: calamine into Arrow (fastexcel)",
    "duplicates": "duplicate check (records stored already: venue-days, then 公共场所ID + 采集时间 + 身份证 digest)",
    "encryption": "encryption: SM4-GCM + HMAC-SM3 digests, CSV (a thread, beside COPY)",
    "copy": "COPY into the stage and insert into epi.scan with its indexes",
    "counts": "counts (the daily-count trigger)",
    "index_merge": "name index's pending list merged",
    "commit": "commit",
}


def run(scale: str = "city", echo=print, runs: int = 3) -> dict:
    from bench.run import RESULTS, machine

    logging.getLogger("alembic").setLevel(logging.WARNING)   # each fresh database's upgrade, quietly
    preset = SCALES[scale]
    path, following = files(preset["rows"], echo)
    results: dict = {"scale": scale, "machine": machine(), "at": dt.datetime.now().isoformat(timespec="seconds"),
                     "rows": preset["rows"]}
    with psycopg.connect(database.with_params(database.admin_url(), dbname="postgres")) as c:
        results["postgres"] = c.execute("show server_version").fetchone()[0].split()[0]
    echo(f"导入 ÷ 同等工作的对照（{runs} 次，空数据库）…")
    empty = empty_runs(path, runs, echo)
    results["empty"] = {"runs": empty, "summary": summary(empty)}
    url = city_database(preset["scans"], preset["venues"], echo)
    with psycopg.connect(url) as c:
        results["full_scans"] = c.execute("select count(*) from epi.scan").fetchone()[0]
    echo(f"导入 ÷ 同等工作的对照（{runs} 次，{results['full_scans']:,} 条扫码记录的数据库，次日导出的文件）…")
    full = full_runs(url, following, runs, echo)
    results["full"] = {"runs": full, "summary": summary(full)}
    echo("全部记录已导入过的文件：重复检查 …")
    results["wholly_stored"] = wholly_stored(url, following)
    echo(f"  {results['wholly_stored']}")
    echo(f"{preset['memory_rows']:,} 行文件的内存峰值 …")
    results["memory"] = memory(preset["memory_rows"], echo)
    echo(f"  {results['memory']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"import-{scale}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    summary_text = table(results)
    stem.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    stem.with_suffix(".md").write_text(f"# Benchmark {stem.name}\n\n{summary_text}\n")
    echo("")
    echo(summary_text)
    echo(f"已保存到 {stem}.json 与 {stem.name}.md")
    return results
