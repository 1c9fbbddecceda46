"""The scan page's latency while an OA login's transaction holds a month that ops delete (issue 44,
point 1), before and after the bounded lock wait: `python -m bench.locks [--hold 5] [--before REV]`.

For each version a fresh database holds the tests' small synthetic world; an OA reader login of
unit T-A opens a transaction over oa.scan and keeps it for --hold seconds; half a second in, ops
delete that month (epi.drop_scan_month) on another connection; meanwhile a user of unit T-B asks
/api/scans again and again through the app. Reported: the page's answers, median and slowest
latency while the month is held. 'before' applies REV's epi_private.drop_scan_partition (its lock
taken with no timeout); 'after' is this code's."""
from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
import uuid
from pathlib import Path

import jwt
import psycopg
from psycopg import sql

from bench.world import world_database
from db import database, upgrade

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-oa-secret-not-real-0123456789abcdef"
PASSWORD = "bench-not-a-real-secret"


def bearer() -> str:
    now = int(time.time())
    return "Bearer " + jwt.encode({"sub": "bench.unit", "name": "压测", "unit": "T-B", "menus": ["scan_query"],
                                   "iat": now, "exp": now + 600, "jti": uuid.uuid4().hex}, SECRET, algorithm="HS256")


def run(url: str, hold: float) -> dict:
    from tests.conftest import as_ops
    from web import create_app

    login = f"oa_bench_{os.getpid()}"
    upgrade.grant_oa(login, unit="T-A", ops=False, password=PASSWORD, url=url, echo=lambda *a, **k: None)
    app = create_app({"OA_JWT_SECRET": SECRET, "SECRET_KEY": "bench", "UPLOAD_DIR": str(ROOT / "var" / "bench-up"),
                      "DATABASE_WEB_URL": database.web_url(database.database_name(url)), "SESSION_COOKIE_SECURE": False})
    client, latencies, statuses = app.test_client(), [], {}

    def delete():
        with psycopg.connect(url) as c:
            as_ops(c)
            try:
                c.execute("select epi.drop_scan_month('2022-03-01')")
                c.commit()
            except psycopg.Error as exc:
                statuses["delete"] = exc.sqlstate

    try:
        with psycopg.connect(database.with_params(url, user=login, password=PASSWORD)) as reader:
            reader.execute("select count(*) from oa.scan").fetchone()
            until, deleter = time.monotonic() + hold, None
            while time.monotonic() < until:
                if deleter is None and time.monotonic() > until - hold + 0.5:
                    deleter = threading.Thread(target=delete)
                    deleter.start()
                began = time.monotonic()
                res = client.get("/api/scans", headers={"Authorization": bearer()})
                latencies.append(time.monotonic() - began)
                statuses[res.status_code] = statuses.get(res.status_code, 0) + 1
            reader.rollback()
        deleter.join(60)
    finally:
        app.extensions["epi_pool"].close()
        with psycopg.connect(url, autocommit=True) as c:
            c.execute(sql.SQL("drop owned by {}").format(sql.Identifier(login)))
            c.execute(sql.SQL("drop role {}").format(sql.Identifier(login)))
    return {"answers": statuses, "median_ms": round(statistics.median(latencies) * 1000, 1),
            "max_ms": round(max(latencies) * 1000, 1), "requests": len(latencies)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hold", type=float, default=5.0)
    parser.add_argument("--before", default="63194b3", help="a revision before the bounded lock wait")
    args = parser.parse_args()
    for version in ("before", "after"):
        with world_database(f"epi_bench_locks_{version}", function_file="epi_private.drop_scan_partition.sql",
                            rev=args.before if version == "before" else None) as url:
            result = run(url, args.hold)
        print(f"{version}: scan page during the held month and its delete: median {result['median_ms']} ms, "
              f"slowest {result['max_ms']} ms over {result['requests']} requests, answers {result['answers']}",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
