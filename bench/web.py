"""Web benchmark (web issue): with the 10M-scan database, p95 of a unit's alert list, first scan
query page and 30-day statistics with 8 concurrent clients (targets ≤ 100 ms), and the unit's first
scan page against the same query with an explicit filter, run by a role that bypasses RLS
(target ≤ 1.2×)."""
from __future__ import annotations

import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg

from core import crypto
from db import database

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-oa-secret-0123456789abcdef0123"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ticket(unit: str, menus=("threshold", "scan_query", "scan_stats", "alert")) -> str:
    import jwt

    now = int(time.time())
    return jwt.encode({"sub": f"{unit.lower()}.bench", "name": "压测用户", "unit": unit, "menus": list(menus),
                       "iat": now, "exp": now + 3600, "jti": uuid.uuid4().hex}, SECRET, algorithm="HS256")


# A bearer token lives a whole measurement (an hour at city scale), longer than OA's 10 minutes: the
# benchmark's own server allows it (EPI_TICKET_MAX_MINUTES); tokens are still checked otherwise.
TICKET_MINUTES = "240"


def p95(values):
    values = sorted(values)
    return values[max(0, round(0.95 * len(values)) - 1)]


def _serve(url: str, prelude: str = "", env: dict | None = None):
    """The web app under waitress in a child process; (process, base URL) once it answers. ``env``:
    variables of its own (the rotation bench's key file)."""
    port = _free_port()
    env = dict(os.environ, EPI_OA_JWT_SECRET=SECRET, EPI_WEB_DATABASE_URL=database.web_url(database.database_name(url)),
               EPI_COOKIE_SECURE="0", EPI_TICKET_MAX_MINUTES=TICKET_MINUTES, **(env or {}))
    code = (f"{prelude}from waitress import serve\nfrom web import create_app\n"
            f"serve(create_app({{'DB_POOL_SIZE': 12}}), host='127.0.0.1', port={port}, threads=12)\n")
    server = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/readyz", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    return server, base


def load(url: str, unit: str, *, clients: int = 8, per_client: int = 60, stats_from: str, stats_to: str) -> dict:
    routes = {"alerts": "/api/alerts?status=%E6%9C%AA%E6%8E%A5%E6%94%B6",
              "scans_first_page": "/api/scans",
              "stats_30_days": f"/api/stats?from={stats_from}&to={stats_to}",
              # the 扫码统计查询 page a user opens: the same totals of every venue, sorted, one page shown
              "stats_page": f"/stats?from={stats_from}&to={stats_to}"}
    server, base = _serve(url)
    try:
        started = time.perf_counter()
        m = _measure(base, {"Authorization": "Bearer " + _ticket(unit)}, routes, clients=clients,
                     per_client=per_client)
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)
    return {"clients": clients, "requests": m["requests"], "errors": m["errors"], "seconds": round(wall, 2),
            "p95_ms": m["p95_ms"], "median_ms": m["median_ms"]}


def _measure(base: str, headers: dict, routes: dict, *, clients: int, per_client: int) -> dict:
    """p95 and median per route with `clients` concurrent clients taking the routes in turn, after
    every pooled connection has planned them (steady state)."""
    def warm(_i):
        for path in list(routes.values()) * 2:
            urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=120).read()
    warmers = [threading.Thread(target=warm, args=(i,)) for i in range(12)]
    for t in warmers:
        t.start()
    for t in warmers:
        t.join()
    times: dict[str, list[float]] = {k: [] for k in routes}
    errors: list[str] = []
    lock = threading.Lock()

    def client(i):
        names = list(routes)
        for n in range(per_client):
            name = names[(i + n) % len(names)]
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(urllib.request.Request(base + routes[name], headers=headers),
                                            timeout=60) as res:
                    res.read()
                    ok = res.status == 200
            except OSError as exc:
                ok = False
                errors.append(f"{name}: {exc}")
            with lock:
                if ok:
                    times[name].append(time.perf_counter() - start)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"requests": sum(len(v) for v in times.values()), "errors": len(errors), "error_sample": errors[:3],
            "p95_ms": {k: round(p95(v) * 1000, 1) for k, v in times.items() if v},
            "median_ms": {k: round(statistics.median(v) * 1000, 1) for k, v in times.items() if v}}


def ratios_to_first_page(m: dict) -> dict:
    """Each route's p95 ÷ the first page's, from one _measure."""
    return {k: round(v / m["p95_ms"]["first_page"], 2) for k, v in m["p95_ms"].items() if k != "first_page"}


def tracing(url: str, unit: str, *, clients: int = 8, per_client: int = 70) -> dict:
    """The questions staff ask of the scan lists (issue 22, point 1) against the unfiltered first
    page, p95 at 8 clients, as a unit (/api/scans) and as ops (/scan-admin/scans): one person by
    full ID number and by phone (a person with scans at the unit's venues), a name nobody has, one
    person's name, a venue of the unit with 7 days of 采集时间, an ID number nobody has."""
    from urllib.parse import urlencode

    with psycopg.connect(url) as c:
        venue = c.execute("select min(venue_id) from epi.venue where unit_code = %s", (unit,)).fetchone()[0]
        # the venue's latest scan: its person (decrypted here, issue 49), and the week before it
        *sealed, last = c.execute(
            """select personal, key_version, id_card_digest, phone_digest, collected_at at time zone 'Asia/Shanghai'
                 from epi.scan where venue_id = %s order by collected_at desc limit 1""", (venue,)).fetchone()
        sealer = crypto.sealer()
        id_card, name, phone = sealer.open(*sealed)
        venues = c.execute("select count(*) from epi.venue where unit_code = %s", (unit,)).fetchone()[0]
        # how long each person's answer is, in the city and at the unit's venues: a ratio between two
        # databases compares like with like only when the answers are alike
        answers = {}
        for key, value, where in (
                ("id_card", sealer.id_digests(id_card), "s.id_card_digest = any (%(v)s::bigint[])"),
                ("phone", sealer.phone_digests(phone), "s.phone_digest = any (%(v)s::bigint[])"),
                ("name_person", sealer.name_query(name), "s.name_grams operator(epi.@>) %(v)s::bigint[]")):
            every, mine = c.execute(
                f"select count(*), count(*) filter (where s.venue_id in (select venue_id from epi.venue "
                f"where unit_code = %(unit)s)) from epi.scan s where {where}", {"v": value, "unit": unit}).fetchone()
            answers[key] = {"all": every, "unit": mine}
    week_from = (last - dt.timedelta(days=6)).date().isoformat()
    conditions = {"first_page": {}, "id_card": {"id_card": id_card}, "phone": {"phone": phone},
                  "name_nobody": {"person_name": "龘龘"}, "name_person": {"person_name": name},
                  "venue_7_days": {"venue_id": venue, "collected_from": week_from, "collected_to": last.date().isoformat()},
                  "id_nobody": {"id_card": "000000999999999999"}}
    server, base = _serve(url)
    try:
        result = {"clients": clients, "unit_venues": venues, "answer_rows": answers}
        for role, path, ticket in (("unit", "/api/scans", _ticket(unit)),
                                   ("ops", "/scan-admin/scans", _ticket("OPS", ("venue_admin", "scan_admin")))):
            routes = {k: path + ("?" + urlencode(v) if v else "") for k, v in conditions.items()}
            m = _measure(base, {"Authorization": "Bearer " + ticket}, routes, clients=clients, per_client=per_client)
            m["ratio"] = ratios_to_first_page(m)
            result[role] = m
    finally:
        server.terminate()
        server.wait(10)
    return result


def scan_paging(url: str, unit: str, *, clients: int = 8, per_client: int = 70) -> dict:
    """The scan lists' orders and bounded counts (issue 23) against the plain first page (newest
    采集时间 first, not counted), p95 at 8 clients. As a unit through /api/scans: sorted by 数据导入时间
    or 采集时间 either way with the count, and a page reached by 上一页; the HTML page sorted and
    counted (rendering included). As ops, the record list (/scan-admin/scans, always counted) sorted
    by 数据导入时间 against its default order."""
    from urllib.parse import urlencode

    from web.queries import COUNT_BOUND

    server, base = _serve(url)
    try:
        unit_headers = {"Authorization": "Bearer " + _ticket(unit)}
        first = json.loads(urllib.request.urlopen(urllib.request.Request(
            base + "/api/scans?sort=imported_at", headers=unit_headers), timeout=60).read())
        second = json.loads(urllib.request.urlopen(urllib.request.Request(
            base + "/api/scans?" + urlencode({"sort": "imported_at", "after": first["next"]}), headers=unit_headers),
            timeout=60).read())
        q = "/api/scans?"
        routes = {"first_page": "/api/scans",
                  "imported_desc_counted": q + urlencode({"sort": "imported_at", "dir": "desc", "count": 1}),
                  "imported_asc_counted": q + urlencode({"sort": "imported_at", "dir": "asc", "count": 1}),
                  "collected_asc_counted": q + urlencode({"sort": "collected_at", "dir": "asc", "count": 1}),
                  "previous_page_counted": q + urlencode({"sort": "imported_at", "before": second["prev"], "count": 1}),
                  "html_imported_desc_counted": "/scans?" + urlencode({"sort": "imported_at", "dir": "desc"})}
        result = {"clients": clients, "count_bound": COUNT_BOUND}
        m = _measure(base, unit_headers, routes, clients=clients, per_client=per_client)
        m["ratio"] = ratios_to_first_page(m)
        result["unit"] = m
        ops = {"Authorization": "Bearer " + _ticket("OPS", ("venue_admin", "scan_admin"))}
        routes = {"first_page": "/scan-admin/scans",
                  "imported_desc": "/scan-admin/scans?sort=imported_at&dir=desc",
                  "imported_asc": "/scan-admin/scans?sort=imported_at&dir=asc"}
        m = _measure(base, ops, routes, clients=clients, per_client=per_client)
        m["ratio"] = ratios_to_first_page(m)
        result["ops"] = m
    finally:
        server.terminate()
        server.wait(10)
    return result


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024


def export_rate(url: str, unit: str, rows: int = 100_000) -> dict:
    """The masked scan export (/scans/export) of `rows` and of a tenth of them, as a unit: rows/s,
    time to the first byte, and how much the server's peak memory grew for each (issue 22, point
    4: ≥ 20,000 rows/s, memory that does not grow with the rows)."""
    from urllib.parse import urlencode

    with psycopg.connect(url) as c:
        venues = [v for (v,) in c.execute("select venue_id from epi.venue where unit_code = %s", (unit,))]
        starts = {}
        for n in (rows // 10, rows):
            at = c.execute("""select collected_at at time zone 'Asia/Shanghai' from epi.scan
                               where venue_id = any(%s) order by collected_at desc offset %s limit 1""",
                           (venues, n - 1)).fetchone()
            starts[n] = at[0] if at else None
    server, base = _serve(url)
    headers = {"Authorization": "Bearer " + _ticket(unit)}
    result = {"unit": unit}
    try:
        for n, start in starts.items():
            if start is None:
                continue
            path = "/scans/export?" + urlencode({"collected_from": start.strftime("%Y-%m-%d %H:%M:%S")})
            before = _peak_rss_mb(server.pid)
            began = time.perf_counter()
            with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=600) as res:
                first = res.read(1)
                first_byte = time.perf_counter() - began
                size = len(first) + len(res.read())
            took = time.perf_counter() - began
            result[str(n)] = {"rows": n, "seconds": round(took, 2), "rows_per_s": round(n / took),
                              "first_byte_s": round(first_byte, 2), "bytes": size,
                              "server_peak_growth_mb": round(_peak_rss_mb(server.pid) - before, 1)}
    finally:
        server.terminate()
        server.wait(10)
    return result


# the baseline of audit_cost: the same app with the access entry of scan pages left out (bench only)
UNAUDITED = "import web.queries\nweb.queries.record_access = lambda *args, **kwargs: None\n"


def audit_cost(url: str, unit: str, runs: int = 150) -> dict:
    """What the access entry adds to a scan query request (Personal data 1 of 3): the unit's first
    scan page (a search by a full ID number costs a scan of the unit's rows, which would drown
    the entry's cost), one client, requests to the app as it is and to the same app with the entry
    left out, alternating, so that both see the same machine; and the entry's own transaction
    (act_as, epi.audit_scan_access with an ID number and its keyed hash, commit) alone."""
    with psycopg.connect(url) as c:
        sealed = c.execute("select personal, key_version, id_card_digest, phone_digest from epi.scan s "
                           "join epi.venue v using (venue_id) where v.unit_code = %s "
                           "order by s.collected_at desc limit 1", (unit,)).fetchone()
        person = crypto.sealer().open(*sealed)[0]
    path = "/api/scans"
    headers = {"Authorization": "Bearer " + _ticket(unit)}
    audited, base_a = _serve(url)
    bare, base_b = _serve(url, UNAUDITED)
    times: dict[str, list[float]] = {"audited": [], "unaudited": []}
    try:
        for i in range(runs + 10):
            for name, base in (("audited", base_a), ("unaudited", base_b))[:: 1 if i % 2 else -1]:
                start = time.perf_counter()
                with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=30) as res:
                    res.read()
                if i >= 10:  # the first requests plan the statements
                    times[name].append(time.perf_counter() - start)
    finally:
        for server in (audited, bare):
            server.terminate()
            server.wait(10)
    from db import audit_hmac

    entry = []
    with psycopg.connect(database.web_url(database.database_name(url))) as conn:
        for _ in range(runs):
            start = time.perf_counter()
            with database.acting_as(conn, kind="unit", unit=unit, account="bench"):
                conn.execute("select epi.audit_scan_access('scan.query', %s, 50, %s)",
                             (psycopg.types.json.Jsonb({"id_card": person}), [audit_hmac.subject_hash(person)]))
            entry.append(time.perf_counter() - start)
    a, b = statistics.median(times["audited"]), statistics.median(times["unaudited"])
    return {"requests": runs, "audited_ms": round(a * 1000, 2), "unaudited_ms": round(b * 1000, 2),
            "added_ms": round((a - b) * 1000, 2), "ratio": round(a / b, 3),
            "audited_p95_ms": round(p95(times["audited"]) * 1000, 2),
            "unaudited_p95_ms": round(p95(times["unaudited"]) * 1000, 2),
            "entry_transaction_ms": round(statistics.median(entry) * 1000, 2)}


def side_channel(url: str, unit: str, runs: int = 150) -> dict:
    """What a unit learns from timing about another unit's venue (issue 19): the unit's scan query
    through the API aimed at the other unit's busiest venue against the same query aimed at a venue
    that does not exist, alternating, one client; and the same two as SQL over oa.scan and oa.alert
    acting as the unit. A ratio near 1 means the policy meets the condition inside the index (no
    plan node reads the other venue's rows); before, every such row was read and removed."""
    unknown = "BENCH-NO-SUCH-VENUE"
    with psycopg.connect(url) as c:
        other, n = c.execute(
            "select c.venue_id, sum(c.n) from epi_private.daily_count c join epi.venue v using (venue_id) "
            "where v.unit_code <> %s group by 1 order by 2 desc limit 1", (unit,)).fetchone()
        alerted = c.execute("select a.venue_id from epi.alert a join epi.venue v using (venue_id) "
                            "where v.unit_code <> %s group by 1 order by count(*) desc limit 1", (unit,)).fetchone()
    headers = {"Authorization": "Bearer " + _ticket(unit)}
    server, base = _serve(url)
    api: dict[str, list[float]] = {"other": [], "unknown": []}
    try:
        for i in range(runs + 10):
            for name, venue in (("other", other), ("unknown", unknown))[:: 1 if i % 2 else -1]:
                start = time.perf_counter()
                with urllib.request.urlopen(urllib.request.Request(
                        f"{base}/api/scans?venue_id={urllib.parse.quote(venue)}", headers=headers), timeout=30) as res:
                    res.read()
                if i >= 10:
                    api[name].append(time.perf_counter() - start)
    finally:
        server.terminate()
        server.wait(10)
    queries = {"scan": ("select scan_id from oa.scan where venue_id = %s order by collected_at desc, scan_id desc limit 51",
                        other),
               "alert": ("select alert_id from oa.alert where venue_id = %s", alerted[0] if alerted else other)}
    sql_ms = {}
    with psycopg.connect(database.web_url(database.database_name(url))) as conn, \
            database.acting_as(conn, kind="unit", unit=unit, account="bench"):
        for key, (query, target) in queries.items():
            times: dict[str, list[float]] = {"other": [], "unknown": []}
            for i in range(runs + 10):
                for name, venue in (("other", target), ("unknown", unknown))[:: 1 if i % 2 else -1]:
                    start = time.perf_counter()
                    conn.execute(query, (venue,)).fetchall()
                    if i >= 10:
                        times[name].append(time.perf_counter() - start)
            o, u = statistics.median(times["other"]), statistics.median(times["unknown"])
            sql_ms[key] = {"other_ms": round(o * 1000, 3), "unknown_ms": round(u * 1000, 3), "ratio": round(o / u, 2)}
    o, u = statistics.median(api["other"]), statistics.median(api["unknown"])
    return {"venue_scans": int(n), "api_other_ms": round(o * 1000, 2), "api_unknown_ms": round(u * 1000, 2),
            "api_ratio": round(o / u, 2), "sql": sql_ms}


def audit_seal_cost(url: str, unit: str, entries: int = 20_000) -> dict:
    """What chaining the audit log costs (Personal data 2 of 3): write ``entries`` access entries as the
    app writes them (one transaction each, through epi.audit_scan_access), then seal them all with
    epi.audit_seal() — entries per second, the time a minute's worth takes. Writers only insert, so
    the sealer adds nothing to a request; the entry is unsealed until the next run (≤ 60 s)."""
    from db import audit_hmac
    from jobs import audit

    person = "00000000000000000X"
    hashed = [audit_hmac.subject_hash(person)]
    jobs = database.jobs_url(database.database_name(url))
    audit.seal(jobs)  # entries written before this measure
    with psycopg.connect(database.web_url(database.database_name(url))) as conn:
        start = time.perf_counter()
        for _ in range(entries):
            with database.acting_as(conn, kind="unit", unit=unit, account="bench"):
                conn.execute("select epi.audit_scan_access('scan.query', %s, 50, %s)",
                             (psycopg.types.json.Jsonb({"id_card": person}), hashed))
        write = time.perf_counter() - start
    start = time.perf_counter()
    with database.connect_jobs(jobs) as conn:
        conn.execute("set statement_timeout = 0")
        sealed = conn.execute("select epi.audit_seal(%s)", (entries * 2,)).fetchone()[0]
    seconds = time.perf_counter() - start
    alg = audit.head(jobs).alg
    verify_start = time.perf_counter()
    verdict = audit.verify(url)
    return {"entries": entries, "write_ms_per_entry": round(write / entries * 1000, 3), "sealed": sealed,
            "seal_seconds": round(seconds, 3), "sealed_per_s": round(sealed / seconds), "hash_alg": alg,
            "verify_seconds": round(time.perf_counter() - verify_start, 3), "verify_ok": verdict.ok,
            "verified": verdict.intact}


def rls_overhead(url: str, unit: str, runs: int = 30) -> dict:
    """The unit's first scan page (RLS decides the rows) against the same page with an explicit
    filter run by a superuser (RLS bypassed) — the policy's own cost."""
    page = ("select scan_id, venue_id, collected_at from oa.scan {where} "
            "order by collected_at desc, scan_id desc limit 51")
    with psycopg.connect(database.web_url(database.database_name(url))) as conn, \
            database.acting_as(conn, kind="unit", unit=unit, account="bench"):
        unit_rows = conn.execute(page.format(where="")).fetchall()
        unit_times = []
        for _ in range(runs):  # the query alone, as for the explicit filter below
            t = time.perf_counter()
            conn.execute(page.format(where="")).fetchall()
            unit_times.append(time.perf_counter() - t)
    with psycopg.connect(url) as conn:
        explicit = page.format(where="where venue_id = any (array(select venue_id from epi.venue where unit_code = %s))")
        owner_rows = conn.execute(explicit, (unit,)).fetchall()
        owner_times = []
        for _ in range(runs):
            t = time.perf_counter()
            conn.execute(explicit, (unit,)).fetchall()
            owner_times.append(time.perf_counter() - t)
        conn.rollback()
    u, o = statistics.median(unit_times), statistics.median(owner_times)
    return {"same_rows": unit_rows == owner_rows, "unit_ms": round(u * 1000, 2), "explicit_ms": round(o * 1000, 2),
            "ratio": round(u / o, 2)}
