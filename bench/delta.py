"""What keeping the derived data costs an import, before and after a change of its SQL (issue 41,
point 3): `python -m bench.delta [--rows N] [--runs K]`.

A base database at this code's schema is made once; each run imports the same N-row file into a
fresh copy of it (CREATE DATABASE … TEMPLATE), with one version of the trigger SQL applied: the
versions alternate (before, after, before, …) so that the machine's noise falls on both. Measured:
the total time of the scan triggers (track_functions = all: nested calls included — the daily
counts' own trigger and the month counts' upkeep), and the import's own seconds."""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

from bench.run import import_in_child
from bench.scanfile import write_scan_xlsx
from db import database, upgrade

ROOT = Path(__file__).resolve().parent.parent
BASE = "epi_delta_base"


def git_show(path: str, rev: str = "HEAD") -> str:
    return subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True).stdout


# what each version applies to a fresh copy of the base (made by this code), and the trigger
# functions it times, for each comparison: 'triggers' (the scan triggers and the month's drop of
# revision --before against this code's one delta path) and 'month_count' (--before's
# epi_private.month_count_add against this code's)
COMPARISONS = {
    "triggers": {
        "before": {
            "sql": lambda rev: ["drop trigger if exists tg_scan__derived_insert on epi.scan",
                                "drop trigger if exists tg_scan__derived_delete on epi.scan",
                                git_show("db/functions/epi_private.tg_scan__count.sql", rev),
                                git_show("db/functions/epi_private.tg_scan__batch_count.sql", rev),
                                git_show("db/functions/epi_private.drop_scan_partition.sql", rev),
                                git_show("db/functions/epi_private.month_count_add.sql", rev)],
            "functions": ("tg_scan__count", "tg_scan__batch_count"),
        },
        "after": {"sql": lambda rev: [], "functions": ("tg_scan__derived",)},
    },
    "month_count": {
        "before": {"sql": lambda rev: [git_show("db/functions/epi_private.month_count_add.sql", rev)],
                   "functions": ("tg_scan__derived",)},
        "after": {"sql": lambda rev: [], "functions": ("tg_scan__derived",)},
    },
}
VERSIONS: dict = {}


def trigger_seconds(url: str, functions) -> float:
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("select pg_stat_clear_snapshot()")
        total = c.execute("select coalesce(sum(total_time), 0) from pg_stat_user_functions "
                          "where schemaname = 'epi_private' and funcname = any(%s)", (list(functions),)).fetchone()[0]
    return float(total) / 1000


def one_run(admin: str, version: str, rev: str, path: Path, n: int) -> dict:
    name = f"epi_delta_{version}_{n}"
    maintenance = database.with_params(admin, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as c:
        c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        c.execute(sql.SQL("create database {} template {}").format(sql.Identifier(name), sql.Identifier(BASE)))
        c.execute(sql.SQL("alter database {} set track_functions = 'all'").format(sql.Identifier(name)))
    url = database.with_params(admin, dbname=name)
    try:
        with psycopg.connect(url, autocommit=True) as c:
            for statement in VERSIONS[version]["sql"](rev):
                c.execute(statement)
        result = import_in_child(path, database.web_url(name))
        seconds = 0.0
        for _ in range(40):   # the child's statistics reach the server as it exits
            seconds = trigger_seconds(url, VERSIONS[version]["functions"])
            if seconds > 0:
                break
            time.sleep(0.25)
        with psycopg.connect(url) as c:
            counts = c.execute("select count(*), sum(n) from epi_private.daily_count").fetchone()
            months = c.execute("select count(*), sum(cum[31]) from epi_private.month_count").fetchone()
            # the month's delete as ops (epi.drop_scan_month: the partition dropped, the derived data by the delta)
            c.execute(sql.SQL("set session authorization {}").format(sql.Identifier(database.WEB_LOGIN)))
            c.execute(sql.SQL("set role {}").format(sql.Identifier(database.OPS_ROLE)))
            c.execute("select set_config('epi.account', 'bench', false)")
            started = time.monotonic()
            dropped = c.execute("select epi.drop_scan_month('2022-03-01')").fetchone()[0]
            drop_seconds = time.monotonic() - started
            c.rollback()
        return {"version": version, "trigger_seconds": round(seconds, 3), "import_seconds": round(result["seconds"], 2),
                "drop_seconds": round(drop_seconds, 3), "dropped": dropped, "daily_counts": counts[0],
                "scans_counted": int(counts[1]), "month_counts": (months[0], int(months[1]))}
    finally:
        with psycopg.connect(maintenance, autocommit=True) as c:
            c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each version, alternating")
    parser.add_argument("--before", default="HEAD", help="the git revision whose SQL is 'before'")
    parser.add_argument("--compare", choices=sorted(COMPARISONS), default="triggers")
    args = parser.parse_args()
    VERSIONS.update(COMPARISONS[args.compare])
    admin = database.admin_url()
    path = Path("/tmp") / f"epi-delta-{args.rows}.xlsx"
    if not path.exists():
        write_scan_xlsx(path, args.rows)
    maintenance = database.with_params(admin, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as c:
        c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(BASE)))
    upgrade.upgrade(database.with_params(admin, dbname=BASE), echo=lambda *a, **k: None)
    runs = []
    for n in range(args.runs):
        for version in ("before", "after"):
            runs.append(one_run(admin, version, args.before, path, n))
            print(runs[-1], flush=True)
    for version in ("before", "after"):
        mine = [r["trigger_seconds"] for r in runs if r["version"] == version]
        drops = sorted(r["drop_seconds"] for r in runs if r["version"] == version)
        print(f"{version}: trigger seconds {sorted(mine)} (median {sorted(mine)[len(mine) // 2]}); "
              f"month drop seconds {drops}")
    assert len({(r["daily_counts"], r["scans_counted"], r["month_counts"], r["dropped"]) for r in runs}) == 1, \
        "the versions counted differently"
    with psycopg.connect(maintenance, autocommit=True) as c:
        c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(BASE)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
