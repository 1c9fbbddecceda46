"""`invoke soak`: a bounded load test on loopback (hardening issue).

The database is the city bench database `epi_bench` (10M scans, 5,000 venues under 20 units, 90
days; built as `invoke bench` builds it unless a kept one is there). The web app runs under
waitress as in production; Locust (headless, in its own process) plays N unit staff working the
pages and the JSON API with no think time, for a few minutes at each of 8, 32 and 64 clients, while
a 200,000-row xlsx import runs again and again through the loader (each imported batch deleted
again by ops, so the database keeps its size). Reported per level: requests, failures, requests/s,
p50/p95/p99 per route and overall, and the imports done meanwhile. Results go to bench/results/
(JSON and markdown); docs/load-test.md quotes them.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

from bench import run as bench
from bench import web as webbench
from db import database

ROOT = Path(__file__).resolve().parent.parent
SCANS = 10_000_000
IMPORT_LOOP = """
import json, sys, time, os
import psycopg
from db import database
from loaders import scans
path, web, stop = sys.argv[1], sys.argv[2], sys.argv[3]
while not os.path.exists(stop):
    r = scans.import_scans(path, by='soak', force=True, url=web)
    with psycopg.connect(web) as c, database.acting_as(c, kind='ops', account='soak'):
        c.execute('delete from epi.scan where batch_id = %s', (r.batch_id,))
    print(json.dumps({'rows': r.rows, 'seconds': r.seconds}), flush=True)
"""


def ensure_database(echo, scans: int = SCANS) -> str:
    url = database.with_params(database.admin_url(), dbname="epi_bench")
    try:
        with psycopg.connect(url) as c:
            n = c.execute("select count(*) from epi.scan").fetchone()[0]
            venues = c.execute("select count(*) from epi.venue where flow_min is not null").fetchone()[0]
        if n >= scans and venues >= 5000:
            echo(f"使用已有的压测数据库 epi_bench（{n:,} 条扫码记录）")
            return url
    except psycopg.OperationalError:
        pass
    echo(f"建立压测数据库 epi_bench（{scans:,} 条扫码记录；1000 万条约需 7 分钟）…")
    url = bench.fresh_database("epi_bench")
    bench.fill(url, scans, echo, 5000)
    bench.register_venues(url, 5000)
    bench.nightly(url, dt.date(2022, 3, 1))
    return url


def start_web(url: str, port: int, threads: int) -> subprocess.Popen:
    env = dict(os.environ, EPI_OA_JWT_SECRET=webbench.SECRET, EPI_COOKIE_SECURE="0",
               EPI_TICKET_MAX_MINUTES=webbench.TICKET_MINUTES,
               EPI_WEB_DATABASE_URL=database.web_url(database.database_name(url)))
    code = ("from waitress import serve\nfrom web import create_app\n"
            f"serve(create_app({{'DB_POOL_SIZE': {threads}}}), host='127.0.0.1', port={port}, threads={threads},"
            " connection_limit=200, backlog=256)\n")
    # its log goes to a file: a pipe nobody reads fills up and blocks waitress's main thread (which
    # logs "Task queue depth" warnings under load)
    log = (database.VAR / "bench" / "soak-web.log").open("w")
    server = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=log, stderr=log)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1).read()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"网页服务没有启动，见 {log.name}")


def read_stats(prefix: Path) -> dict:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for r in rows:
        out[r["Name"]] = {"requests": int(r["Request Count"]), "failures": int(r["Failure Count"]),
                          "rps": round(float(r["Requests/s"]), 1), "p50_ms": float(r["50%"] or 0),
                          "p95_ms": float(r["95%"] or 0), "p99_ms": float(r["99%"] or 0)}
    failures = []
    path = Path(f"{prefix}_failures.csv")
    if path.exists():
        with path.open(encoding="utf-8") as f:
            failures = [dict(r) for r in csv.DictReader(f)]
    return {"routes": out, "failures": failures}


def level(base: str, clients: int, seconds: int, path: Path, url: str, echo) -> dict:
    web = database.web_url(database.database_name(url))
    work = Path(tempfile.mkdtemp(prefix="epi-soak-"))
    stop = work / "stop"
    importer = subprocess.Popen([sys.executable, "-c", IMPORT_LOOP, str(path), web, str(stop)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    env = dict(os.environ, EPI_OA_JWT_SECRET=webbench.SECRET, SOAK_FROM="2022-02-01", SOAK_TO="2022-03-02")
    echo(f"{clients} 个并发客户端，{seconds} 秒，同时循环导入 {path.name} …")
    started = time.monotonic()
    locust = subprocess.run(
        [str(Path(sys.executable).with_name("locust")), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
         "-u", str(clients), "-r", str(clients), "-t", f"{seconds}s", "--host", base, "--csv", str(work / "s"),
         "--only-summary", "--stop-timeout", "30", "--loglevel", "WARNING", "--exit-code-on-error", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    stop.touch()
    out, err = importer.communicate(timeout=600)
    imports = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    if importer.returncode:
        raise SystemExit(f"并发导入失败：{err[-2000:]}")
    if locust.returncode:
        raise SystemExit(f"locust 失败：{locust.stderr[-2000:]}")
    stats = read_stats(work / "s")
    total = stats["routes"].pop("Aggregated")
    return {"clients": clients, "seconds": round(wall), "total": total, "routes": stats["routes"],
            "failures": stats["failures"][:20],
            "imports": {"done": len(imports), "rows_each": imports[0]["rows"] if imports else 0,
                        "rows_per_s": [round(i["rows"] / i["seconds"]) for i in imports]}}


def table(results: dict) -> str:
    m = results["machine"]
    lines = [(f"`invoke soak --seconds {results['seconds_per_level']}` — {m['cpus']} cores, "
             f"{m['memory_mb'] / 1024:.1f} GiB, Python {m['python']}, PostgreSQL {results['postgres']}, "
             f"{results['scans']:,} scans, waitress {results['threads']} threads, {results['at']}"), "",
             "| clients | requests | failed | req/s | p50 ms | p95 ms | p99 ms | worst route p95 | imports meanwhile |",
             "|---|---|---|---|---|---|---|---|---|"]
    for lv in results["levels"]:
        t = lv["total"]
        worst = max(lv["routes"].items(), key=lambda kv: kv[1]["p95_ms"])
        imp = lv["imports"]
        rate = f", {min(imp['rows_per_s']):,}–{max(imp['rows_per_s']):,} rows/s" if imp["rows_per_s"] else ""
        lines.append(f"| {lv['clients']} | {t['requests']:,} | {t['failures']} | {t['rps']} | {t['p50_ms']:.0f} | "
                     f"{t['p95_ms']:.0f} | {t['p99_ms']:.0f} | {worst[0]} {worst[1]['p95_ms']:.0f} | "
                     f"{imp['done']} × {imp['rows_each']:,} rows{rate} |")
    return "\n".join(lines)


def run(*, seconds: int = 180, levels=(8, 32, 64), threads: int = 16, scans: int = SCANS, echo=print) -> dict:
    url = ensure_database(echo, scans)
    from bench.scanfile import bench_file_name, write_scan_xlsx

    path = bench.OUT / bench_file_name(200_000)
    if not path.exists():
        bench.OUT.mkdir(parents=True, exist_ok=True)
        write_scan_xlsx(path, 200_000, start=dt.date(2022, 3, 1), days=2)
    with psycopg.connect(url) as c:
        version = c.execute("show server_version").fetchone()[0].split()[0]
        scans = c.execute("select count(*) from epi.scan").fetchone()[0]
    port = webbench._free_port()
    server = start_web(url, port, threads)
    results = {"machine": bench.machine(), "postgres": version, "scans": scans, "threads": threads,
               "seconds_per_level": seconds, "at": dt.datetime.now().isoformat(timespec="seconds"), "levels": []}
    try:
        for clients in levels:
            results["levels"].append(level(f"http://127.0.0.1:{port}", clients, seconds, path, url, echo))
            echo("  " + table(results).splitlines()[-1])
    finally:
        server.terminate()
        server.wait(30)
    results["errors"] = sum(lv["total"]["failures"] for lv in results["levels"])
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    stem = bench.RESULTS / f"soak-{dt.datetime.now():%Y%m%d-%H%M%S}"
    summary = table(results)
    stem.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    stem.with_suffix(".md").write_text(f"# Load test {stem.name}\n\n{summary}\n")
    echo("")
    echo(summary)
    echo(f"失败请求：{results['errors']}；已保存到 {stem}.json 与 {stem.name}.md")
    if results["errors"]:
        raise SystemExit(f"负载测试中有 {results['errors']} 个请求失败（目标为 0），详见 {stem}.json")
    return results
