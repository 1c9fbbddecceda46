"""Backup and restore of a bench database (issue 26, point 4's closing figures): how long
`db.backup` takes and how big the file is, how long `db.restore` into a new database of the same
server takes, each table's rows equal. `python -m bench.backup [--build SCANS] [--key]`; the
database is epi_bench of the embedded server of EPI_VAR_DIR (keep it outside the work tree),
built with `--build` (the city's 10,000,000 scans: the bench's fill, venues and first nightly)."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from db import database
from ops import backup

RESULTS = Path(__file__).with_name("results")


def build(scans: int, echo=print) -> str:
    from bench import run

    url = run.fresh_database("epi_bench")
    started = time.monotonic()
    run.fill(url, scans, echo, 5000)
    run.register_venues(url, 5000)
    echo(f"  夜间任务 {run.nightly(url, dt.date(2022, 3, 1))}")
    echo(f"建库用时 {time.monotonic() - started:,.0f} 秒")
    return url


def measure(url: str, key: str = "", echo=print) -> dict:
    out = Path(tempfile.mkdtemp(prefix="epi-bench-backup-", dir=database.VAR))
    target = database.with_params(url, dbname="epi_bench_restored")
    try:
        with psycopg.connect(url) as c:
            size = c.execute("select pg_database_size(current_database())").fetchone()[0]
            scans = c.execute("select count(*) from epi.scan").fetchone()[0]
        started = time.monotonic()
        done = backup.backup(out, url=url, key=key, echo=echo)
        backup_seconds = time.monotonic() - started
        with psycopg.connect(database.with_params(url, dbname="postgres"), autocommit=True) as c:
            c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier("epi_bench_restored")))
        started = time.monotonic()
        backup.restore(done.path, url=target, key=key, echo=echo)
        restore_seconds = time.monotonic() - started
        with psycopg.connect(target) as c:
            restored_size = c.execute("select pg_database_size(current_database())").fetchone()[0]
        result = {"at": dt.datetime.now().isoformat(timespec="seconds"), "scans": scans,
                  "database_mb": round(size / 1048576), "encrypted": bool(key),
                  "backup_seconds": round(backup_seconds, 1), "file_mb": round(done.path.stat().st_size / 1048576, 1),
                  "restore_seconds": round(restore_seconds, 1), "restored_database_mb": round(restored_size / 1048576)}
    finally:
        shutil.rmtree(out, ignore_errors=True)
        with psycopg.connect(database.with_params(url, dbname="postgres"), autocommit=True) as c:
            c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier("epi_bench_restored")))
    echo(json.dumps(result, ensure_ascii=False))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"backup-{dt.datetime.now():%Y%m%d-%H%M}.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", type=int, default=0, help="build epi_bench with this many scans first")
    parser.add_argument("--key", action="store_true", help="encrypt (a fresh age key)")
    args = parser.parse_args()
    url = build(args.build) if args.build else database.admin_url("epi_bench")
    measure(url, key=backup.new_key()[0] if args.key else "")


if __name__ == "__main__":
    main()
