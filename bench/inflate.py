"""What counting an upload's inflated bytes costs an import (issue 44, point 4):
`python -m bench.inflate [--rows 200000] [--runs 3]`.

One scan file of the bench's shape is written; in the same run, alternating, the file check with the
declared sizes only (as before) and with the inflated bytes counted (now) are timed, and the file is
imported into a fresh database once: reported are the check's seconds both ways and the added
seconds as a share of the import."""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from bench.run import import_in_child
from bench.scanfile import write_scan_xlsx
from db import database, upgrade
from loaders import files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_scan_xlsx(Path(tmp) / "bench.xlsx", args.rows)
        inflated = files._check_inflated
        declared, counted = [], []
        for _ in range(args.runs):
            files._check_inflated = lambda *a: None   # before: the declared sizes only
            began = time.perf_counter()
            files.check_file(path)
            declared.append(time.perf_counter() - began)
            files._check_inflated = inflated
            began = time.perf_counter()
            files.check_file(path)
            counted.append(time.perf_counter() - began)
        admin = database.admin_url()
        database.ensure_database(admin)
        name = "epi_bench_inflate"
        with psycopg.connect(database.with_params(admin, dbname="postgres"), autocommit=True) as c:
            c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        url = database.with_params(admin, dbname=name)
        upgrade.upgrade(url, echo=lambda *a, **k: None)
        result = import_in_child(path, database.web_url(name))
        with psycopg.connect(database.with_params(admin, dbname="postgres"), autocommit=True) as c:
            c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        added = statistics.median(counted) - statistics.median(declared)
        print(f"file {path.stat().st_size / 1048576:.1f} MB, {args.rows} rows; check: declared sizes "
              f"{statistics.median(declared):.3f} s, inflated bytes counted {statistics.median(counted):.3f} s "
              f"(+{added:.3f} s); import {result['wall_seconds']:.1f} s: the count adds {added / result['wall_seconds']:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
