"""How many full records one account reveals a minute through the API, before and after the reveal
budget and rate (issue 42, point 2): `python -m bench.reveals [--seconds 60] [--before REV]`.

A fresh database at this code's schema holds the tests' small synthetic world (fake ID numbers);
one account posts `POST /api/scans/<id>/reveal` with a reason as fast as it can for `--seconds`
through the app (Flask's client, the real pool and database), once with `epi.reveal_scans` as it
was at REV (before: no budget, no rate) and once as it is now. Reported: answers 200 and 429, and
revealed records a minute (200s ÷ seconds × 60)."""
from __future__ import annotations

import argparse
import time
import uuid
from pathlib import Path

import jwt
import psycopg

from bench.world import world_database
from db import database

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-oa-secret-not-real-0123456789abcdef"


def bearer() -> str:
    now = int(time.time())
    return "Bearer " + jwt.encode({"sub": "bench.reveal", "name": "压测账号", "unit": "T-A",
                                   "menus": ["scan_query", "scan_reveal"], "iat": now, "exp": now + 600,
                                   "jti": uuid.uuid4().hex}, SECRET, algorithm="HS256")


def measure(url: str, seconds: float) -> dict:
    from web import create_app

    app = create_app({"OA_JWT_SECRET": SECRET, "SECRET_KEY": "bench-key", "UPLOAD_DIR": str(ROOT / "var" / "bench-up"),
                      "DATABASE_WEB_URL": database.web_url(database.database_name(url)),
                      "SESSION_COOKIE_SECURE": False})
    with psycopg.connect(url) as c:
        scan_id = c.execute("select min(scan_id) from epi.scan where venue_id = 'VA1'").fetchone()[0]
    client, answers = app.test_client(), {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        res = client.post(f"/api/scans/{scan_id}/reveal", json={"reason": "压测：逐条查看"},
                          headers={"Authorization": bearer()})
        answers[res.status_code] = answers.get(res.status_code, 0) + 1
    app.extensions["epi_pool"].close()
    return {"answers": answers, "per_minute": round(answers.get(200, 0) / seconds * 60)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--before", default="30d9f0f", help="the revision before the budget (default 30d9f0f)")
    args = parser.parse_args()
    for version in ("before", "after"):
        with world_database(f"epi_bench_reveals_{version}", function_file="epi.reveal_scans.sql",
                            rev=args.before if version == "before" else None) as url:
            result = measure(url, args.seconds)
        print(f"{version}: {result['per_minute']} reveals a minute (answers {result['answers']} in {args.seconds:g} s)",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
