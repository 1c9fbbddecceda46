"""`invoke bench [--scale small|city]`: the benchmark suite. Prints one table of its figures and
saves them as JSON and a markdown summary under bench/results/ (the generated xlsx stays in var/bench).

Scales: `city` — 10M scans, 5,000 venues, a 90-day alert window, a 200,000-row import file (the
targets of the issues are for this scale); `small` — 300,000 scans, 500 venues, a 20,000-row file,
done in under 2 minutes (CI runs it as a smoke test, without asserting on time).

Import (loaders issue): a 200,000-row, 15-column .xlsx (xlsxwriter, realistic shape) imported end
to end — into an empty database, then into one holding N (default 10M) scans — each in a child
process whose peak memory (ru_maxrss) is read with wait4; then one whole month deleted.
Targets: ≥ 40,000 rows/s empty, ≥ 30,000 rows/s at 10M, peak ≤ 1 GB, month delete ≤ 1 s.

Jobs (jobs issue): with 10M scans, 5,000 venues with units and thresholds, and a 90-day window, the
alert detection ≤ 0.5 s and the whole nightly run ≤ 2 s. Measured in steady state: one nightly
after the bulk fill (as if the history had been processed night by night), then the 200k import
of the next day, then the nightly that follows it.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

from bench import rotation
from core import crypto
from db import database, upgrade

ROOT = Path(__file__).resolve().parent.parent
OUT = database.VAR / "bench"
RESULTS = ROOT / "bench" / "results"
SCALES = {
    "city": {"rows": 200_000, "scans": 10_000_000, "venues": 5_000},
    "small": {"rows": 20_000, "scans": 300_000, "venues": 500},
}


def machine() -> dict:
    mem = 0
    try:
        with open("/proc/meminfo") as f:
            mem = int(next(line for line in f if line.startswith("MemTotal")).split()[1]) // 1024
    except (OSError, StopIteration):
        pass
    return {"cpus": os.cpu_count(), "memory_mb": mem, "python": platform.python_version(),
            "platform": platform.platform()}


def fresh_database(name: str) -> str:
    url = database.with_params(database.admin_url(), dbname=name)
    with psycopg.connect(database.with_params(url, dbname="postgres"), autocommit=True) as c:
        c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
    upgrade.upgrade(url, echo=lambda *_: None)
    return url


def child(code: str, args: list[str], label: str) -> tuple[str, float, int]:
    """Run ``code`` in a child process with ``args``: (its last output line, its seconds from start
    to exit, its peak memory in MB, read with wait4)."""
    began = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - began
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{label} failed: {err[-800:]}")
    lines = out.strip().splitlines()
    return (lines[-1] if lines else ""), wall, round(usage.ru_maxrss / 1024)


IMPORT = """
import json, sys
from loaders import scans
r = scans.import_scans(sys.argv[1], by='bench', force=True, url=sys.argv[2])
print(json.dumps({'rows': r.rows, 'seconds': r.seconds, 'spent': r.spent}))
"""


def import_in_child(path: Path, web_url: str) -> dict:
    """The import with --force (a bench imports the same file again: its digest is recorded; --force
    only lets a confirmed repeat through, the duplicate check runs all the same)."""
    out, wall, peak = child(IMPORT, [str(path), web_url], "import")
    result = json.loads(out)
    result["rows_per_s"] = round(result["rows"] / result["seconds"])
    result["wall_seconds"] = round(wall, 3)   # process start to exit, as the plain load is timed
    result["peak_mb"] = peak
    return result


# the plain load a DBA could script instead of the import (issue 22, point 2): polars reads the
# file with calamine (fastexcel), ADBC writes it into a fresh table by binary COPY — no checks, no
# RLS, no indexes, no counts. Timed like the import: a child process, start to exit (its commit).
PLAIN_LOAD = """
import sys
import polars as pl
df = pl.read_excel(sys.argv[1], engine="calamine")
df.write_database("public.plain_load", sys.argv[2], engine="adbc", if_table_exists="replace")
print(df.height)
"""


def libpq_uri(url: str) -> str:
    """A libpq key/value conninfo as the URI the ADBC driver takes."""
    from urllib.parse import quote, urlencode

    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    dbname = params.pop("dbname", "postgres")
    return f"postgresql:///{quote(dbname)}?{urlencode(params)}"


def plain_load_rate(url: str, path: Path) -> dict:
    result = child_wall(PLAIN_LOAD, path, libpq_uri(url), "plain load")
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("drop table if exists public.plain_load")
    result["rows_per_s"] = round(result["rows"] / result["wall_seconds"])
    return result


def fastexcel_read_rate(path: Path) -> dict:
    """fastexcel (calamine's Arrow reader) alone: the file's first sheet into Arrow arrays."""
    import fastexcel

    fastexcel.read_excel(str(path)).load_sheet(0, n_rows=1).to_arrow()   # imports and caches warm
    started = time.monotonic()
    batch = fastexcel.read_excel(str(path)).load_sheet(0).to_arrow()
    seconds = time.monotonic() - started
    return {"rows": batch.num_rows, "seconds": round(seconds, 3), "rows_per_s": round(batch.num_rows / seconds)}


def versus_plain_load(url: str, path: Path, web: str) -> dict:
    """The import and the plain load of the same file, one after the other in the same run: the
    import's end-to-end rate ÷ the plain load's (≥ 1 is the goal), and the two bounds beside it
    (READ_ALONE, BULK_FLOOR) ÷ the same plain load."""
    from bench import importspeed

    plain = min((plain_load_rate(url, path) for _ in range(2)), key=lambda r: r["wall_seconds"])  # warm: its best
    peer = importspeed.peer(url, path)   # the same work done plainly (issue 51)
    ours = import_with_counts(path, url, web)
    ours["plain_load"] = plain
    ours["peer"] = peer
    ours["ratio_to_peer"] = round(peer["wall_seconds"] / ours["wall_seconds"], 2)
    ours["ratio_to_plain_load"] = round(plain["wall_seconds"] / ours["wall_seconds"], 2)
    for name, code in (("read_alone", READ_ALONE), ("bulk_floor", BULK_FLOOR)):
        bound = child_wall(code, path, url, name)
        bound["ratio_to_plain_load"] = round(plain["wall_seconds"] / bound["wall_seconds"], 2)
        ours[name] = bound
    return ours


# The two bounds of an import with our reader (issue 22, point 2), each a child process timed start
# to exit like the plain load. READ_ALONE: the import's reading and checking of the file
# (loaders.fastxlsx.read) and nothing else — what any import through this reader could reach if the
# database took no time at all after the read: fastexcel (calamine) parses a whole sheet before it
# returns its first row, so nothing can be written while a one-sheet file is read. BULK_FLOOR: that
# read, then the database work of the cheapest storage an import could have — its rows COPYed into a
# fresh table without RLS or triggers, the daily counts added from it, every index of epi.scan built
# on it after the load (what a per-import table attached as a partition would cost) — rolled back.
READ_ALONE = """
import sys
from pathlib import Path
from loaders import fastxlsx
sheets, _ = fastxlsx.read(Path(sys.argv[1]))
print(sum(s.rows for s in sheets))
"""

BULK_FLOOR = """
import re, sys
from pathlib import Path
import psycopg
from loaders import fastxlsx
from core import crypto
from loaders.scans import ARROW_CHUNK
sheets, _ = fastxlsx.read(Path(sys.argv[1]))
columns = ", ".join(fastxlsx.CSV_COLUMNS)
sealer = crypto.Sealer(crypto.keyring())   # sealed as the import seals them (issue 49)
with psycopg.connect(sys.argv[2]) as c:
    c.execute("create table public.bulk_floor (like epi.scan including defaults)")
    c.execute("alter table public.bulk_floor alter batch_id set default 0, alter imported_by set default 'bench', "
              "alter imported_at set default now()")
    with c.cursor() as cur:
        for sheet in sheets:
            for data, _rows, _lo, _hi in sheet.csv_chunks(ARROW_CHUNK, sealer):
                with cur.copy(f"copy public.bulk_floor ({columns}) from stdin (format csv)") as copy:
                    copy.write(data)
    c.execute('''insert into epi_private.daily_count as d (venue_id, day, n)
                 select venue_id, (collected_at at time zone 'Asia/Shanghai')::date, count(*) from public.bulk_floor
                  group by 1, 2
                 on conflict (venue_id, day) do update set n = d.n + excluded.n''')
    for (definition,) in c.execute("select indexdef from pg_indexes where schemaname = 'epi' and tablename = 'scan'").fetchall():
        c.execute(re.sub(r"INDEX \\S+ ON ONLY epi\\.scan", "INDEX ON public.bulk_floor", definition))
    c.rollback()
print(sum(s.rows for s in sheets))
"""


def child_wall(code: str, path: Path, url: str, label: str) -> dict:
    """A child process running ``code`` on the file and a database URL, timed start to exit; its
    last output line is the rows it handled."""
    out, wall, peak = child(code, [str(path), url], label)
    return {"rows": int(out), "wall_seconds": round(wall, 3), "peak_mb": peak}


# the tracing indexes (db/schema/0013_tracing_indexes.sql) are built after the bulk fill, as a DBA
# would load a city's history; the imports measured before and after the fill pay for them row by row
TRACING_INDEXES = ("scan_id_card_digest_idx", "scan_phone_digest_idx", "scan_name_grams_idx")


def people(scans_total: int) -> int:
    """How many different people the fill's scans belong to (about ten scans each)."""
    return max(10_000, scans_total // 10)


def fill(url: str, scans_total: int, echo, venues: int = 5000, per_day: int | None = None,
         rebuild_all: bool = False) -> float:
    """Add scans_total synthetic scans (the months before 2022-03, 1M a month, `venues` venues)
    through the same RLS and triggers as an import, up to 1M rows per statement. Person p (of
    people(scans_total), each at random venues) has the obviously fake ID number 000000…X (region
    000000 does not exist), the test-range phone 100…, and a 3-character name 测 + two of 400
    characters (U+4E00…): what tracing searches look for. With `per_day`, the scans are the days
    before 2022-03-01 at that many a day (the peak bench: 45 days at 1.1M); with `rebuild_all`,
    every secondary index of epi.scan is built after the load, not only the tracing ones."""
    started = time.monotonic()
    per_month = min(1_000_000, max(100_000, scans_total // 3))
    persons = people(scans_total)
    with psycopg.connect(url, autocommit=True) as c:
        rebuild = {n: d.replace(" ON ONLY ", " ON ") for n, d in c.execute(
            "select indexrelid::regclass::text, pg_get_indexdef(indexrelid) from pg_index "
            "where indrelid = 'epi.scan'::regclass and not indisprimary "
            "and (%s or indexrelid::regclass::text = any(%s))",
            (rebuild_all, [f"epi.{n}" for n in TRACING_INDEXES]))}
        for name in rebuild:
            c.execute(sql.SQL("drop index if exists {}").format(sql.SQL(name)))
    with psycopg.connect(database.web_url(database.database_name(url))) as conn:
        seal_persons(conn, persons, echo)
        done = 0
        for lo, n, span in fill_chunks(scans_total, per_month, per_day):
            with database.acting_as(conn, kind="ops", account="bench"):
                conn.execute("select epi.ensure_scan_partitions(array[%s]::timestamptz[])", (lo,))
                batch = conn.execute("insert into epi.import_batch (file_name, imported_by) values ('bench-fill', 'bench') "
                                     "returning batch_id").fetchone()[0]
                conn.execute(FILL_ROWS, {"lo": lo, "n": n, "batch": batch, "venues": venues, "done": done,
                                         "persons": persons, "span": span})
            done += n
            echo(f"  填充 {done:,} / {scans_total:,} 条扫码记录（{lo:%Y-%m-%d} 起）")
    _finish_fill(url, rebuild.values())
    return time.monotonic() - started


def person(p: int) -> tuple[str, str, str]:
    """The fill's person p: (ID number, name, phone), obviously fake (see fill)."""
    return ("000000" + str(p).zfill(11) + "X", "测" + chr(19968 + p % 400) + chr(19968 + (p // 400) % 400),
            "100" + str(p).zfill(8))


def seal_persons(conn, persons: int, echo) -> None:
    """pg_temp.bench_person: each person's columns as an import seals them (issue 49: ciphertext,
    digests, masks; the keys never in the database), once per person — the fill's rows take their
    person's. A person's scans share one ciphertext (its tag binds it to the digests, not to a row)."""
    started = time.monotonic()
    sealer = crypto.checked(conn)
    conn.execute("set statement_timeout = 0")   # the web login's 30 s: 5M people at peak take longer
    conn.execute("""create temp table bench_person (p bigint primary key, personal bytea, key_version smallint,
                      id_card_digest bigint, phone_digest bigint, name_grams bigint[], id_card_masked text,
                      person_name_masked text, phone_masked text)""")
    with conn.cursor().copy("copy pg_temp.bench_person from stdin (format binary)") as copy:
        copy.set_types(["int8", "bytea", "int2", "int8", "int8", "int8[]", "text", "text", "text"])
        for p in range(persons):
            copy.write_row([p, *sealer.seal(*person(p))])
    conn.execute("grant select on pg_temp.bench_person to epi_ops")   # the fill acts as ops
    conn.commit()
    echo(f"  已加密 {persons:,} 个人的个人信息（{time.monotonic() - started:.1f} 秒）")


def fill_chunks(scans_total: int, per_month: int, per_day: int | None):
    """(start, rows, seconds they spread over) of each fill statement, ending just before the import
    file's 2022-03-01: whole days at `per_day`, or months of `per_month` over their first 27 days."""
    tz = dt.timezone(dt.timedelta(hours=8))
    size, span = (per_day, 86_399.0) if per_day else (per_month, 27 * 86400.0)
    count = -(-scans_total // size)
    if per_day:
        starts = [dt.date(2022, 3, 1) - dt.timedelta(days=count - i) for i in range(count)]
    else:
        month = dt.date(2022, 3, 1)
        starts = []
        for _ in range(count):
            month = (month - dt.timedelta(days=1)).replace(day=1)
            starts.insert(0, month)
    for i, start in enumerate(starts):
        yield dt.datetime.combine(start, dt.time(), tzinfo=tz), min(size, scans_total - i * size), span


def _finish_fill(url: str, indexes) -> None:
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("set maintenance_work_mem = '1GB'")
        for statement in indexes:
            c.execute(statement)
        c.execute("vacuum analyze epi.scan")
        c.execute("vacuum analyze epi_private.daily_count")


# n scans from lo over `span` seconds, of `persons` people at `venues` venues (see fill)
FILL_ROWS = """
    insert into epi.scan (venue_id, venue_name, category, city, street, venue_admin, personal, key_version,
                          id_card_digest, phone_digest, name_grams, id_card_masked, person_name_masked, phone_masked,
                          collect_result, nat_result, nat_result_time, health_code, collector_location, collected_at,
                          batch_id, imported_by)
    select '4407830' || lpad((i %% %(venues)s)::text, 5, '0'), '测试场所', '商场', '开平市', '长沙街道',
           '测试管理员', b.personal, b.key_version, b.id_card_digest, b.phone_digest, b.name_grams, b.id_card_masked,
           b.person_name_masked, b.phone_masked, '已采集', '阴性', '', '绿码', '开平市',
           %(lo)s + (i * (%(span)s / %(n)s)) * interval '1 second', %(batch)s, 'bench'
      from (select i, (i::bigint * 7919 + %(done)s) %% %(persons)s as p
              from generate_series(1, %(n)s) i) g
      join pg_temp.bench_person b using (p)"""


def delete_month(url: str, month: dt.date) -> dict:
    from admin import scans

    lo = dt.datetime.combine(month, dt.time(), tzinfo=scans.SHANGHAI)
    hi = dt.datetime.combine((month.replace(day=28) + dt.timedelta(days=4)).replace(day=1), dt.time(),
                             tzinfo=scans.SHANGHAI)
    web = database.web_url(database.database_name(url))
    started = time.monotonic()
    result = scans.delete_scans(field="collected", lo=lo, hi=hi, account="bench", url=web)
    return {"rows": result.rows, "seconds": round(time.monotonic() - started, 3), "months_dropped": result.months_dropped}


def register_venues(url: str, venues: int = 5000, big_unit: int = 0) -> None:
    """`venues` venues (5,000 at city scale) under 20 units, every one checked: ordinary thresholds (at least 1 scan a day,
    at most 1,000) for 90 %, a minimum of 9 that every day misses for 5 % (≈ 7 scans a day: a venue
    that stopped scanning properly) and a maximum of 6 that every day exceeds for 5 %. With
    `big_unit`, the first that many venues belong to one more unit, B00 (the peak bench's 1,000)."""
    web = database.web_url(database.database_name(url))
    with psycopg.connect(web) as conn, database.acting_as(conn, kind="ops", account="bench"):
        conn.execute("""insert into epi.unit (unit_code, unit_name, head_phone)
                        select 'B' || lpad(i::text, 2, '0'), '测试单位' || i, '144000000' || lpad(i::text, 2, '0')
                          from generate_series(1, 20) i on conflict do nothing""")
        conn.execute("""insert into epi.venue (venue_id, venue_name, unit_code, flow_min, flow_max, source)
                        select '4407830' || lpad(i::text, 5, '0'), '测试场所' || i, 'B' || lpad((i %% 20 + 1)::text, 2, '0'),
                               case when i %% 20 = 0 then 9 else 1 end, case when i %% 20 = 1 then 6 else 1000 end, 'bulk'
                          from generate_series(0, %s - 1) i
                        on conflict (venue_id) do update set unit_code = excluded.unit_code,
                               flow_min = excluded.flow_min, flow_max = excluded.flow_max""", (venues,))
        if big_unit:
            conn.execute("""insert into epi.unit (unit_code, unit_name, head_phone)
                            values ('B00', '测试单位零', '14400000000') on conflict do nothing""")
            conn.execute("update epi.venue set unit_code = 'B00' where venue_id < '4407830' || lpad(%s::text, 5, '0')",
                         (big_unit,))


def nightly(url: str, as_of: dt.date) -> dict:
    from jobs import gateways, runner

    jobs = database.jobs_url(database.database_name(url))
    started = time.monotonic()
    runs = runner.run("nightly", as_of, url=jobs, gateway=gateways.LogGateway())
    wall = time.monotonic() - started
    steps = {r["job"]: round((r["finished_at"] - r["started_at"]).total_seconds(), 3)
             for r in runs if r["job"] != "sms_dispatch"}
    rows = {r["job"]: r["rows"] for r in runs if r["job"] != "sms_dispatch"}
    return {"wall_seconds": round(wall, 3), "steps_seconds": steps, "rows": rows,
            "ok": all(r["ok"] for r in runs)}


def read_only_rate(path: Path) -> dict:
    """python-calamine alone: every row of the file read, nothing else done with it."""
    from python_calamine import CalamineWorkbook

    started = time.monotonic()
    wb = CalamineWorkbook.from_path(str(path))
    rows = 0
    for name in wb.sheet_names:
        for _ in wb.get_sheet_by_name(name).iter_rows():
            rows += 1
    seconds = time.monotonic() - started
    return {"rows": rows - 1, "seconds": round(seconds, 3), "rows_per_s": round((rows - 1) / seconds)}


def seal_cost(path: Path) -> dict:
    """What encryption adds to an import (issue 49): the file's 被采集人身份证, 被采集人 and 联系电话
    sealed as the import seals them (one SM4-GCM encryption, two HMAC-SM3 digests and the name's
    digests per record, fresh caches), timed alone in this process; the import's time is measured
    in the same run, so the share is like for like."""
    from python_calamine import CalamineWorkbook

    from db.vocabulary import SCAN

    wb = CalamineWorkbook.from_path(str(path))
    sheet = wb.get_sheet_by_name(wb.sheet_names[0]).to_python()
    header = [str(h) for h in sheet[0]]
    at = [header.index(SCAN[c]) for c in ("id_card", "person_name", "phone")]
    people = [[str(r[i]) for i in at] for r in sheet[1:]]
    sealer = crypto.Sealer(crypto.keyring())
    started = time.monotonic()
    for id_card, name, phone in people:
        sealer.seal(id_card, name, phone)
    seconds = time.monotonic() - started
    return {"rows": len(people), "seconds": round(seconds, 3), "rows_per_s": round(len(people) / seconds),
            "us_per_row": round(seconds / len(people) * 1e6, 2)}


def bare_copy_rate(url: str, path: Path) -> dict:
    """Binary COPY of the file's rows (read beforehand, not timed) into a table shaped and indexed
    like one month of epi.scan, without RLS or triggers: the floor an import cannot beat."""
    from python_calamine import CalamineWorkbook

    from db.vocabulary import SCAN

    wb = CalamineWorkbook.from_path(str(path))
    sheet = wb.get_sheet_by_name(wb.sheet_names[0]).to_python()
    header = [str(h) for h in sheet[0]]
    order = [header.index(label) for label in SCAN.values()]
    tz = dt.timezone(dt.timedelta(hours=8))

    def when(value):   # naive local time → +08 (a cell at exactly midnight comes back as a date)
        if not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time())
        return value.replace(tzinfo=tz)

    rows = [[str(r[i]) for i in order[:-1]] + [when(r[order[-1]])] for r in sheet[1:]]
    with psycopg.connect(url) as conn:
        # a logged table with the columns, defaults, primary key and indexes of a month of epi.scan
        conn.execute("drop table if exists public.bare_copy")
        conn.execute("create table public.bare_copy (like epi.scan including defaults)")
        # the file's three personal columns as they are in the file (a plain load does not seal them)
        conn.execute("alter table public.bare_copy add column id_card text, add column person_name text, "
                     "add column phone text")
        conn.execute("alter table public.bare_copy add primary key (collected_at, scan_id)")
        conn.execute("create index on public.bare_copy (venue_id, collected_at)")
        conn.execute("create index on public.bare_copy (batch_id)")
        conn.commit()
        columns = ("venue_id, venue_name, category, city, street, venue_admin, id_card, person_name, phone, "
                   "collect_result, nat_result, nat_result_time, health_code, collector_location, collected_at, "
                   "batch_id, imported_by")
        started = time.monotonic()
        with conn.cursor().copy(f"copy public.bare_copy ({columns}) from stdin (format binary)") as copy:
            copy.set_types(["text"] * 14 + ["timestamptz", "int8", "text"])
            for row in rows:
                copy.write_row([*row, 0, "bench"])
        conn.commit()
        seconds = time.monotonic() - started
        conn.execute("drop table public.bare_copy")
        conn.commit()
    return {"rows": len(rows), "seconds": round(seconds, 3), "rows_per_s": round(len(rows) / seconds)}


def count_trigger_seconds(url: str) -> float:
    """Total time spent so far in the scan triggers (what is derived from the scans: epi_private.tg_scan__derived) (track_functions = pl on the database)."""
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("select pg_stat_clear_snapshot()")
        row = c.execute("""select coalesce(sum(total_time), 0) from pg_stat_user_functions
                            where schemaname = 'epi_private' and funcname = 'tg_scan__derived'""").fetchone()
    return float(row[0]) / 1000


def import_with_counts(path: Path, url: str, web: str) -> dict:
    before = count_trigger_seconds(url)
    result = import_in_child(path, web)
    for _ in range(20):   # the child's statistics reach the server as it exits
        after = count_trigger_seconds(url)
        if after > before:
            break
        time.sleep(0.25)
    result["count_update_seconds"] = round(after - before, 3)
    return result


STEP_LABELS = {"checks": "checks", "read": "read", "duplicates": "duplicate check", "encryption": "encryption (beside COPY)",
               "copy": "COPY and insert", "counts": "counts", "index_merge": "name index merge", "commit": "commit"}

TRACING_LABELS = {"id_card": "被采集人身份证 = one person", "phone": "联系电话 = one person",
                  "name_nobody": "被采集人 contains a name nobody has", "name_person": "被采集人 contains one person's name",
                  "venue_7_days": "公共场所ID + 7-day 采集时间", "id_nobody": "被采集人身份证 nobody has"}


def table(results: dict) -> str:
    m, sc = results["machine"], results["scale"]
    n, w = results["nightly"], results["web_load"]
    lines = [
        (f"`invoke bench --scale {sc}` — {m['cpus']} cores, {m['memory_mb'] / 1024:.1f} GiB, Python {m['python']}, "
        f"PostgreSQL {results['postgres']}, {results['at']}"),
        "",
        "| measure | figure | target (city) |",
        "|---|---|---|",
        (f"| import {results['file']['rows']:,}-row xlsx into an empty database | "
        f"{results['import_empty']['rows_per_s']:,} rows/s, peak {results['import_empty']['peak_mb']} MB | ≥ 40,000 rows/s, ≤ 1 GB |"),
        (f"| same file into a database holding {results['scans_before_second_import']:,} scans | "
        f"{results['import_full']['rows_per_s']:,} rows/s, peak {results['import_full']['peak_mb']} MB | ≥ 30,000 rows/s, ≤ 1 GB |"),
        (f"| import ÷ plain load (polars + calamine read, ADBC COPY into a bare table; process start to commit, same run): "
        f"empty / {results['scans_before_second_import']:,} scans | {results['import_empty']['ratio_to_plain_load']} "
        f"({results['import_empty']['wall_seconds']} / {results['import_empty']['plain_load']['wall_seconds']} s) / "
        f"{results['import_full']['ratio_to_plain_load']} ({results['import_full']['wall_seconds']} / "
        f"{results['import_full']['plain_load']['wall_seconds']} s) | ≥ 1 |"),
        (f"| import ÷ same-work peer (the same read, SM4/SM3 sealing, ADBC into LIKE epi.scan with its indexes; "
         f"bench/peer.py; same run): empty / {results['scans_before_second_import']:,} scans | "
         f"{results['import_empty']['ratio_to_peer']} ({results['import_empty']['wall_seconds']} / "
         f"{results['import_empty']['peer']['wall_seconds']} s) / {results['import_full']['ratio_to_peer']} "
         f"({results['import_full']['wall_seconds']} / {results['import_full']['peer']['wall_seconds']} s) | ≥ 1 |"),
        *(f"| … the import's {label}: empty / {results['scans_before_second_import']:,} scans | "
          f"{results['import_empty']['spent'].get(step, '—')} / {results['import_full']['spent'].get(step, '—')} s | — |"
          for step, label in STEP_LABELS.items()),
        (f"| bounds, ÷ the same plain load: reading and checking the file alone (no database) / that read, then "
        f"COPY into a fresh table, daily counts and every index of epi.scan built after the load | "
        f"{results['import_empty']['read_alone']['ratio_to_plain_load']} / {results['import_empty']['bulk_floor']['ratio_to_plain_load']} "
        f"(empty), {results['import_full']['read_alone']['ratio_to_plain_load']} / "
        f"{results['import_full']['bulk_floor']['ratio_to_plain_load']} ({results['scans_before_second_import']:,} scans) | — |"),
        f"| python-calamine reading the file, nothing else | {results['read_only']['rows_per_s']:,} rows/s | — |",
        f"| fastexcel reading the file into Arrow, nothing else | {results['fastexcel_read']['rows_per_s']:,} rows/s | — |",
        f"| bare binary COPY of its rows into an indexed table | {results['bare_copy']['rows_per_s']:,} rows/s | — |",
        (f"| encryption inside the import (SM4-GCM + HMAC-SM3 digests of every record, alone; share of the import "
         f"into an empty database, same run) | {results['seal']['seconds']} s ({results['seal']['us_per_row']} µs a row; "
         f"{round(results['seal']['seconds'] / results['import_empty']['wall_seconds'] * 100)}% of "
         f"{results['import_empty']['wall_seconds']} s) | — |"),
        f"| daily-count update inside the import (trigger time) | {results['import_full']['count_update_seconds']} s | — |",
        (f"| nightly run right after the import | {results['nightly_right_after_import']['steps_seconds']['nightly']} s "
        f"(alerts {results['nightly_right_after_import']['steps_seconds']['alerts']} s) | ≤ 2 s |"),
        f"| nightly run at 02:00 (autovacuum idle) | {n['steps_seconds']['nightly']} s | ≤ 2 s |",
        f"| alert detection ({results['venues']:,} venues, 90-day window) | {n['steps_seconds']['alerts']} s | ≤ 0.5 s |",
        f"| delete one whole month ({results['delete_month']['rows']:,} rows) | {results['delete_month']['seconds']} s | ≤ 1 s |",
    ]
    if r := results.get("rotation"):
        lines.append(f"| key rotation (invoke keys.rotate, on a copy): re-encryption of {r['rows']:,} records | "
                     f"{r['rows_per_s']:,} rows/s ({r['seconds']} s) | — |")
        for key, label in (("scans_first_page", "the unit's first scan page"), ("id_card", "a search by 被采集人身份证")):
            lines.append(f"| … {label} during it, 8 clients, p95 during ÷ just before | {r['ratio'][key]} "
                         f"({r['during_p95_ms'][key]} / {r['before_p95_ms'][key]} ms; {r['errors']} errors) | — |")
    for key, label in (("alerts", "alert list"), ("scans_first_page", "first scan query page"),
                       ("stats_30_days", "30-day statistics (/api/stats, every venue)"),
                       ("stats_page", "30-day statistics page (/stats, sorted, first page shown)")):
        lines.append(f"| {label}, {w['clients']} clients: p50 / p95 | {w['median_ms'][key]} / {w['p95_ms'][key]} ms "
                     f"| p95 ≤ 100 ms |")
    t = results.get("tracing")
    if t:
        for role, label in (("unit", f"a unit ({t['unit_venues']} venues), /api/scans"),
                            ("ops", "ops, /scan-admin/scans (the record list)")):
            base = t[role]["p95_ms"]["first_page"]
            for key, what in TRACING_LABELS.items():
                lines.append(f"| tracing as {label}: {what}, {t['clients']} clients, p95 ÷ first page "
                             f"| {t[role]['ratio'][key]} ({t[role]['p95_ms'][key]} / {base} ms) | ≤ 3 |")
    sp = results.get("scan_paging")
    if sp:
        for role, key, what in (
                ("unit", "imported_desc_counted", "/api/scans by 数据导入时间, newest first, counted"),
                ("unit", "imported_asc_counted", "/api/scans by 数据导入时间, oldest first, counted"),
                ("unit", "collected_asc_counted", "/api/scans by 采集时间, oldest first, counted"),
                ("unit", "previous_page_counted", "/api/scans 上一页 (before a cursor), counted"),
                ("unit", "html_imported_desc_counted", "/scans (the page) by 数据导入时间, counted, rendered"),
                ("ops", "imported_desc", "ops' /scan-admin/scans by 数据导入时间 ÷ its default order"),
                ("ops", "imported_asc", "ops' /scan-admin/scans by 数据导入时间 ascending ÷ its default order")):
            m = sp[role]
            lines.append(f"| scan list {what} (count exact to {sp['count_bound']:,}), {sp['clients']} clients, "
                         f"p95 ÷ plain first page | {m['ratio'][key]} ({m['p95_ms'][key]} / {m['p95_ms']['first_page']} ms) "
                         f"| ≤ 1.5 |")
    e = results.get("export")
    if e:
        for key in sorted((k for k in e if k != "unit"), key=int):
            x = e[key]
            lines.append(f"| masked scan export of {x['rows']:,} rows (/scans/export, as a unit) | {x['rows_per_s']:,} rows/s "
                         f"({x['seconds']} s, first byte after {x['first_byte_s']} s, server peak memory "
                         f"+{x['server_peak_growth_mb']} MB) | ≥ 20,000 rows/s, memory flat |")
    r = results["rls_overhead"]
    lines.append(f"| RLS ratio: unit's first scan page vs owner with explicit filter | {r['ratio']} "
                 f"({r['unit_ms']} / {r['explicit_ms']} ms) | ≤ 1.2 |")
    sc = results.get("side_channel")
    if sc:
        lines.append(f"| timing a unit sees: API scan query aimed at another unit's venue ({sc['venue_scans']:,} scans) "
                     f"vs an unknown venue, p50 | {sc['api_ratio']} ({sc['api_other_ms']} / {sc['api_unknown_ms']} ms); "
                     f"SQL oa.scan {sc['sql']['scan']['ratio']}, oa.alert {sc['sql']['alert']['ratio']} | ≈ 1 |")
    s = results.get("audit_seal")
    if s:
        lines.append(f"| audit chain: seal {s['sealed']:,} committed entries ({s['hash_alg']}); verify the chain "
                     f"| {s['sealed_per_s']:,} entries/s ({s['seal_seconds']} s); verify {s['verify_seconds']} s "
                     f"({s['verified']:,} entries, {'intact' if s['verify_ok'] else 'NOT intact'}) | — |")
    a = results.get("audit_cost")
    if a:
        lines.append(f"| access entry per scan query page: request p50 with / without it | "
                     f"{a['audited_ms']} / {a['unaudited_ms']} ms (+{a['added_ms']} ms, {a['ratio']}×; "
                     f"the entry's transaction alone {a['entry_transaction_ms']} ms) | — |")
    lines.append(f"| web requests failed | {w['errors']} of {w['requests']} | 0 |")
    return "\n".join(lines)


def run(scale: str = "city", echo=print, keep: bool = False, rows: int | None = None,
        scans_total: int | None = None) -> dict:
    from bench.scanfile import bench_file_name, write_scan_xlsx

    if scale not in SCALES:
        raise SystemExit(f"未知的规模：{scale}（可用：{'、'.join(SCALES)}）")
    preset = SCALES[scale]
    rows = rows or preset["rows"]
    scans_total = scans_total or preset["scans"]
    venues = preset["venues"]
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / bench_file_name(rows)
    if not path.exists():
        echo(f"生成 {rows:,} 行测试文件 {path} …")
        write_scan_xlsx(path, rows, start=dt.date(2022, 3, 1), days=2)
    results: dict = {"scale": scale, "machine": machine(), "at": dt.datetime.now().isoformat(timespec="seconds"),
                     "file": {"rows": rows, "columns": 15, "bytes": path.stat().st_size}, "venues": venues}
    url = fresh_database("epi_bench")
    web = database.web_url("epi_bench")
    with psycopg.connect(url, autocommit=True) as c:
        results["postgres"] = c.execute("show server_version").fetchone()[0].split()[0]
        c.execute("alter database epi_bench set track_functions = 'pl'")
    echo("python-calamine 只读速度 …")
    results["read_only"] = read_only_rate(path)
    echo(f"  {results['read_only']}")
    echo("加密成本（只加密文件中的个人信息）…")
    results["seal"] = seal_cost(path)
    echo(f"  {results['seal']}")
    echo("裸 COPY 速度 …")
    results["bare_copy"] = bare_copy_rate(url, path)
    echo(f"  {results['bare_copy']}")
    echo("导入到空数据库 …")
    results["fastexcel_read"] = fastexcel_read_rate(path)
    echo(f"  fastexcel: {results['fastexcel_read']}")
    results["import_empty"] = versus_plain_load(url, path, web)
    echo(f"  {results['import_empty']}")
    echo(f"填充到 {scans_total:,} 条 …")
    results["fill_seconds"] = round(fill(url, scans_total, echo, venues), 1)
    register_venues(url, venues)
    echo("首次夜间任务（处理填充的历史数据）…")
    results["nightly_warmup"] = nightly(url, dt.date(2022, 3, 1))
    echo(f"  {results['nightly_warmup']}")
    with psycopg.connect(url) as c:
        results["scans_before_second_import"] = c.execute("select count(*) from epi.scan").fetchone()[0]
    echo("导入到已有数据的数据库（次日导出的文件）…")
    from bench.importspeed import files

    results["import_full"] = versus_plain_load(url, files(rows, echo)[1], web)
    echo(f"  {results['import_full']}")
    # the nightly runs at 02:00, hours after the day's imports: first the figure right after the
    # import (autovacuum still busy on both cores), then the one the database gives at 02:00 —
    # statistics and visibility caught up as autovacuum would have them, autovacuum idle
    results["nightly_right_after_import"] = nightly(url, dt.date(2022, 3, 3))
    echo(f"  导入后立即：{results['nightly_right_after_import']}")
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("checkpoint")   # the import's dirty pages long written out by then
        c.execute("vacuum analyze epi_private.daily_count")
        c.execute("vacuum analyze epi.alert")
        for _ in range(240):
            if not c.execute("select count(*) from pg_stat_activity where backend_type = 'autovacuum worker'"
                             ).fetchone()[0]:
                break
            time.sleep(0.5)
    echo("导入后的夜间任务 …")
    results["nightly"] = nightly(url, dt.date(2022, 3, 3))
    echo(f"  {results['nightly']}")
    from bench import web as webbench

    echo("网页接口压测（8 个并发客户端）…")
    results["web_load"] = webbench.load(url, "B01", stats_from="2022-02-01", stats_to="2022-03-02")
    echo(f"  {results['web_load']}")
    results["rls_overhead"] = webbench.rls_overhead(url, "B01")
    echo(f"  {results['rls_overhead']}")
    echo("旁路计时：针对其他单位场所的查询与不存在场所的查询（同一轮交替）…")
    results["side_channel"] = webbench.side_channel(url, "B01")
    echo(f"  {results['side_channel']}")
    echo("审计日志封存的开销 …")
    results["audit_seal"] = webbench.audit_seal_cost(url, "B01", entries=20_000 if scale == "city" else 2_000)
    echo(f"  {results['audit_seal']}")
    echo("访问审计的开销（同一轮：有无访问记录交替请求）…")
    results["audit_cost"] = webbench.audit_cost(url, "B01")
    echo(f"  {results['audit_cost']}")
    echo("追查条件（身份证、电话、姓名包含、场所ID+7天、查无此人）与首页的 p95 之比（8 个并发客户端，单位与运维）…")
    results["tracing"] = webbench.tracing(url, "B01")
    echo(f"  {results['tracing']}")
    echo("扫码列表的排序、前后翻页与计数（上限内精确）与首页的 p95 之比（8 个并发客户端）…")
    results["scan_paging"] = webbench.scan_paging(url, "B01")
    echo(f"  {results['scan_paging']}")
    echo("导出（遮蔽的扫码记录 xlsx）…")
    results["export"] = webbench.export_rate(url, "B01", rows=100_000 if scale == "city" else 10_000)
    echo(f"  {results['export']}")
    echo("删除一个整月 …")
    with psycopg.connect(url) as c:
        oldest = c.execute("select min(collected_at) at time zone 'Asia/Shanghai' from epi.scan").fetchone()[0]
    results["delete_month"] = delete_month(url, oldest.date().replace(day=1))
    echo(f"  {results['delete_month']}")
    echo("密钥轮换：重新加密的速度，与其间扫码页面的 p95（数据库副本上）…")
    results["rotation"] = rotation.measure(url, "B01", rows=200_000 if scale == "city" else 20_000)
    echo(f"  {results['rotation']}")
    targets = {"import_empty_rows_per_s": 40_000, "import_full_rows_per_s": 30_000, "peak_mb": 1024,
               "delete_month_seconds": 1.0, "alerts_seconds": 0.5, "nightly_seconds": 2.0, "web_p95_ms": 100,
               "rls_ratio": 1.2}
    results["targets"] = targets
    results["met"] = {
        "import_empty": results["import_empty"]["rows_per_s"] >= targets["import_empty_rows_per_s"],
        "import_full": results["import_full"]["rows_per_s"] >= targets["import_full_rows_per_s"],
        "peak_memory": max(results["import_empty"]["peak_mb"], results["import_full"]["peak_mb"]) <= targets["peak_mb"],
        "delete_month": results["delete_month"]["seconds"] <= targets["delete_month_seconds"],
        "alerts": results["nightly"]["steps_seconds"]["alerts"] <= targets["alerts_seconds"],
        "nightly": results["nightly"]["steps_seconds"]["nightly"] <= targets["nightly_seconds"],
        "web_p95": results["web_load"]["errors"] == 0
                   and max(results["web_load"]["p95_ms"].values()) <= targets["web_p95_ms"],
        "rls_ratio": results["rls_overhead"]["same_rows"] and results["rls_overhead"]["ratio"] <= targets["rls_ratio"],
        "scan_paging": all(r <= 1.5 for role in ("unit", "ops") for r in results["scan_paging"][role]["ratio"].values())
                       and results["scan_paging"]["unit"]["errors"] == results["scan_paging"]["ops"]["errors"] == 0,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"{scale}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    summary = table(results)
    stem.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    met = "、".join(k for k, ok in results["met"].items() if not ok)
    verdict = ("city 规模的全部目标均已达到" if not met else f"未达到的目标：{met}") if scale == "city" else \
        "small 规模只作冒烟测试，目标针对 city 规模"
    stem.with_suffix(".md").write_text(f"# Benchmark {stem.name}\n\n{summary}\n\n{verdict}\n")
    echo("")
    echo(summary)
    echo("")
    echo(verdict)
    echo(f"已保存到 {stem}.json 与 {stem.name}.md")
    if keep:
        echo(f"保留了压测数据库 epi_bench：{url}")
    else:
        with psycopg.connect(database.with_params(url, dbname="postgres"), autocommit=True) as c:
            c.execute("drop database if exists epi_bench with (force)")
    return results
