"""The key rotation's figures (issue 50, point 4), measured in `invoke bench`'s run: re-encryption
rate (rows a second) and the scan pages' latency during it, beside the same pages just before.

On a copy of the bench database (`create database … template epi_bench`): a rotation leaves records
under a new key version, which the bench's later runs (`--keep`, the peak) would lack. The bench's
keys (version 1) go into a key file of its own with a new version 2 (`invoke keys.add`); a web server
holding both answers the unit's first scan page and a search by ID number at 8 clients, first alone,
then while a child process runs `invoke keys.rotate` over ``rows`` records."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from admin import keys
from bench import web as webbench
from core import crypto
from db import database

ROOT = Path(__file__).resolve().parent.parent
ROTATE = """
import json, sys, time
from admin import keys
started = time.monotonic()
rows = keys.rotate(sys.argv[1], limit=int(sys.argv[2]), echo=lambda _s: None)
print(json.dumps({"rows": rows, "seconds": time.monotonic() - started}))
"""


def measure(url: str, unit: str, rows: int, echo=print) -> dict:
    copy = database.database_name(url) + "_rotation"
    admin = database.with_params(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(copy)))
        started = time.monotonic()
        c.execute(sql.SQL("create database {} template {}").format(sql.Identifier(copy),
                                                                   sql.Identifier(database.database_name(url))))
        copied = time.monotonic() - started
    target = database.with_params(url, dbname=copy)
    key_file = Path(tempfile.mkdtemp()) / "personal-data.key"
    ring = crypto.keyring()
    crypto.replace_key_file(key_file, crypto.KeyRing(ring.version, ring.data_key, ring.digest_key))
    keys.add(key_file, echo=lambda _s: None)
    env = {"EPI_KEY_FILE": str(key_file)}
    with psycopg.connect(target) as c:
        sealed = c.execute("""select personal, key_version, id_card_digest, phone_digest from epi.scan s
                               join epi.venue v using (venue_id) where v.unit_code = %s
                               order by s.collected_at desc limit 1""", (unit,)).fetchone()
    id_card = crypto.sealer().open(*sealed)[0]
    routes = {"scans_first_page": "/api/scans", "id_card": "/api/scans?id_card=" + id_card}
    server, base = webbench._serve(target, env=env)
    headers = {"Authorization": "Bearer " + webbench._ticket(unit)}
    try:
        before = webbench._measure(base, headers, routes, clients=8, per_client=60)
        child = subprocess.Popen([sys.executable, "-c", ROTATE, target, str(rows)], cwd=ROOT,
                                 env=dict(os.environ, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        during = []
        while child.poll() is None:
            during.append(webbench._measure(base, headers, routes, clients=8, per_client=30))
        out, err = child.communicate()
        if child.returncode:
            raise SystemExit(f"rotation failed: {err[-500:]}")
        done = json.loads(out.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(10)
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(copy)))
    # the rounds that ran wholly inside the rotation (the last one may have ended after it)
    inside = during[:-1] or during
    p95 = {k: max(m["p95_ms"][k] for m in inside) for k in routes}
    return {"rows": done["rows"], "seconds": round(done["seconds"], 2),
            "rows_per_s": round(done["rows"] / done["seconds"]), "copy_seconds": round(copied, 1),
            "before_p95_ms": before["p95_ms"], "during_p95_ms": p95, "rounds_during": len(inside),
            "errors": before["errors"] + sum(m["errors"] for m in during),
            "ratio": {k: round(p95[k] / before["p95_ms"][k], 2) for k in routes}}
