"""The audit chain outside the database (Personal data 2 of 3, point 1).

- ``seal()``: chain the committed entries not yet sealed (``epi.audit_seal()``, as the jobs login);
  the scheduler runs it every EPI_AUDIT_SEAL_SECONDS (default 60), pg_cron every minute.
- ``record_head()``: the anchorer (issue 43, point 5): after each seal (every minute, in the
  scheduler and in the demo; beside pg_cron, whose seal runs inside PostgreSQL, in
  ``invoke scheduler --dispatch-only``) the chain's head — seal number, hash, time — is appended to
  the database's heads file in EPI_AUDIT_ANCHOR_DIR (audit-heads-<database>.jsonl, one JSON line per
  new head) and logged (journald): whatever was sealed over a minute ago is held outside the database.
- ``anchor()``: write the chain's head to a file of its own in that directory, daily after the nightly.
- ``verify()``: recompute the whole chain from the checkpoint it starts at, here in Python (hashlib
  SM3 / SHA-256) from the columns' text, and compare it with the stored seals, the chain's head and
  an anchor file — every head it records (a heads file, or one anchor): "N entries intact", or the
  first entry that was changed, removed or reordered, or the recorded head the chain contradicts.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import psycopg

from core import config
from db import database

log = logging.getLogger("epi.audit")

# the columns an entry's hash covers, as the server renders them: the same list, in the same order,
# as epi_private.audit_entry_text() (db/functions/epi_private.audit_entry_text.sql)
CONTENT_COLUMNS = (
    "audit_id::text", """to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""", "account", "action",
    "detail::text", "caller_kind", "unit_code", "account_name", "menu", "client_addr::text", "db_user", "os_user",
    "row_count::text", "array_to_string(subject_hashes, ',')",
)
ENTRIES = ("select seal_seq, audit_id, prev_hash, hash, hash_alg, " + ", ".join(CONTENT_COLUMNS)
           + " from epi.audit_log where seal_seq is not null order by seal_seq")
CHAIN = "select head_seq, head_hash, checkpoint_seq, checkpoint_hash from epi_private.audit_chain"
UNSEALED = "select count(*) from epi.audit_log where seal_seq is null"
# the retention purge leaves an entry naming the checkpoint it made (epi.job_retention)
LAST_PURGE = ("select (detail ->> 'through_seal_seq')::bigint, detail ->> 'checkpoint_hash' from epi.audit_log "
              "where action = 'audit.purge' order by audit_id desc limit 1")


def anchor_dir() -> Path:
    return config.current().audit_anchor_dir or database.var_dir() / "audit-anchors"


def field(value: str | None) -> str:
    return "-" if value is None else f"{len(value.encode('utf-8'))}:{value}"


def entry_text(values) -> str:
    return "|".join(field(v) for v in values)


def digest(text: str, alg: str) -> str:
    if alg not in ("sm3", "sha256"):
        raise ValueError(alg)
    return hashlib.new(alg, text.encode("utf-8")).hexdigest()


SEAL_BATCH = 20_000


def seal(url: str | None = None) -> int:
    """Seal what is committed and unsealed, a batch per transaction (each commits its part of the
    chain); returns how many entries were chained."""
    total = 0
    with database.connect_jobs(url) as conn:
        while True:
            n = conn.execute("select epi.audit_seal(%s)", (SEAL_BATCH,)).fetchone()[0]
            total += n
            if n < SEAL_BATCH:
                break
        # with the sealer, every minute: OA logins' transactions older than their limit end (issue 44;
        # PostgreSQL 17+ ends them itself by transaction_timeout)
        conn.execute("select epi.end_long_oa_transactions()")
    return total


@dataclass
class Head:
    seq: int
    hash: str
    alg: str | None
    unsealed: int


def head(url: str | None = None) -> Head:
    with database.connect_jobs(url) as conn:
        row = conn.execute("select head_seq, head_hash, hash_alg, unsealed from epi.audit_head()").fetchone()
    return Head(*row)


def anchor(url: str | None = None, directory: Path | None = None, now: dt.datetime | None = None) -> Path:
    """Seal, then write the head to a new file in the anchor directory (never overwriting one) and log it."""
    seal(url)
    h = head(url)
    now = now or dt.datetime.now(dt.UTC)
    directory = directory or anchor_dir()
    directory.mkdir(parents=True, exist_ok=True)
    dbname = database.database_name(url or database.admin_url())
    path = directory / f"audit-anchor-{dbname}-{now:%Y%m%dT%H%M%S}Z.json"
    record = {"database": dbname, "seal_seq": h.seq, "hash": h.hash, "hash_alg": h.alg, "written_at": now.isoformat()}
    with open(path, "x", encoding="utf-8") as f:  # "x": an anchor is written once
        json.dump(record, f, ensure_ascii=False)
        f.write("\n")
    log.info("audit anchor %s seal_seq=%s hash=%s", dbname, h.seq, h.hash)
    return path


def heads_file(dbname: str, directory: Path | None = None) -> Path:
    """The database's heads file: every head the anchorer saw, one JSON line each, appended only."""
    return (directory or anchor_dir()) / f"audit-heads-{dbname}.jsonl"


def _last_line(path: Path) -> dict | None:
    if not path.exists():
        return None
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 4096))
        lines = [line for line in f.read().splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None


def record_head(url: str | None = None, directory: Path | None = None, now: dt.datetime | None = None) -> dict | None:
    """Append the chain's head to the heads file and the log when it moved since the last line (an idle
    minute adds nothing); a head that contradicts the last line (the same seal number with another
    hash, or a lower one) is appended too, logged as an error — `audit.verify --anchor` names it."""
    h = head(url)
    if not h.seq:
        return None
    dbname = database.database_name(url or database.admin_url())
    path = heads_file(dbname, directory)
    last = _last_line(path)
    if last is not None and (last["seal_seq"], last["hash"]) == (h.seq, h.hash):
        return None
    record = {"database": dbname, "seal_seq": h.seq, "hash": h.hash, "hash_alg": h.alg,
              "written_at": (now or dt.datetime.now(dt.UTC)).isoformat()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
    if last is not None and h.seq <= last["seal_seq"]:
        log.error("audit head %s seal_seq=%s hash=%s contradicts the last recorded seal_seq=%s hash=%s",
                  dbname, h.seq, h.hash, last["seal_seq"], last["hash"])
    else:
        log.info("audit head %s seal_seq=%s hash=%s", dbname, h.seq, h.hash)
    return record


def seal_and_record(url: str | None = None, directory: Path | None = None) -> int:
    """One turn of the sealer and the anchorer: seal what is committed, then record the head."""
    n = seal(url)
    record_head(url, directory)
    return n


def run_anchorer(stop: threading.Event, every: float | None = None, url: str | None = None) -> None:
    """Seal and record the head every EPI_AUDIT_SEAL_SECONDS until ``stop`` (the demo's thread; the
    scheduler calls seal_and_record on its own turns)."""
    every = every or config.current().audit_seal_seconds
    while not stop.is_set():
        try:
            seal_and_record(url)
        except Exception:
            log.exception("audit seal or head record failed")
        stop.wait(every)


def latest_anchor(directory: Path | None = None, dbname: str | None = None) -> Path | None:
    """The heads file of the database when there is one (every head), else the newest daily anchor."""
    directory = directory or anchor_dir()
    heads = sorted(directory.glob(f"audit-heads-{dbname or '*'}.jsonl"))
    if heads:
        return heads[-1] if dbname or len(heads) == 1 else max(heads, key=lambda p: p.stat().st_mtime)
    files = sorted(directory.glob(f"audit-anchor-{dbname or '*'}-*.json"))
    return files[-1] if files else None


def anchored_heads(path: Path) -> tuple[dict[int, tuple[str, int, str]], str | None]:
    """The heads an anchor file records: {seal number: (hash, line, written_at)} — a daily anchor is one
    line, a heads file many — and the first contradiction within the file itself, if any."""
    heads: dict[int, tuple[str, int, str]] = {}
    highest = 0
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        seq, digest_, at = int(record["seal_seq"]), record["hash"], record.get("written_at", "")
        if seq in heads and heads[seq][0] != digest_:
            return heads, (f"锚点文件 {Path(path).name} 中第 {seq} 号有两个不同的哈希（第 {heads[seq][1]} 行与第 {number} 行，"
                           f"记录于 {at}）：链在两次记录之间被改写过")
        if seq < highest:
            return heads, (f"锚点文件 {Path(path).name} 第 {number} 行记录的链头第 {seq} 号小于之前记录的第 {highest} 号"
                           f"（记录于 {at}）：链被重置过")
        heads.setdefault(seq, (digest_, number, at))
        highest = max(highest, seq)
    return heads, None


@dataclass
class Verdict:
    ok: bool
    intact: int
    unsealed: int
    message: str


def verify(url: str | None = None, anchor_file: Path | None = None) -> Verdict:
    """Recompute the chain (as the DBA: the admin URL). The first problem found ends the walk. With an
    anchor file, every head it records must be the chain's entry of that seal number."""
    url = url or database.admin_url()
    anchors: dict[int, tuple[str, int, str]] = {}
    name = Path(anchor_file).name if anchor_file else ""
    if anchor_file:
        anchors, contradiction = anchored_heads(Path(anchor_file))
    with psycopg.connect(url) as conn:
        head_seq, head_hash, seq, prev = conn.execute(CHAIN).fetchone()
        unsealed = conn.execute(UNSEALED).fetchone()[0]
        if anchor_file and contradiction:
            return Verdict(False, 0, unsealed, contradiction)
        if seq:
            purge = conn.execute(LAST_PURGE).fetchone()
            if purge != (seq, prev):
                return Verdict(False, 0, unsealed, f"审计日志的校验点（第 {seq} 号）没有对应的清理记录（audit.purge）："
                                                   "校验点被移动，其前的条目被删除")
        start = seq
        with conn.cursor(name="audit_verify") as cur:
            cur.itersize = 5000
            cur.execute(ENTRIES)
            for row in cur:
                seal_seq, audit_id, prev_hash, stored, alg, *content = row
                if seal_seq <= start:
                    continue  # before the checkpoint: kept beyond retention, not part of the chain
                if seal_seq != seq + 1:
                    return Verdict(False, seq - start, unsealed,
                                   f"审计日志链断裂：第 {seq + 1} 至 {seal_seq - 1} 号封存的条目已被删除"
                                   f"（其后是审计编号 {audit_id}）")
                if prev_hash != prev:
                    return Verdict(False, seq - start, unsealed,
                                   f"审计日志链断裂：审计编号 {audit_id}（第 {seal_seq} 号）记录的前一哈希与链不符，"
                                   "其前的条目被删除、修改或调换了次序")
                if digest(f"{prev}|{seal_seq}|{entry_text(content)}", alg) != stored:
                    return Verdict(False, seq - start, unsealed,
                                   f"审计日志被篡改：审计编号 {audit_id}（第 {seal_seq} 号）的内容被修改或次序被调换")
                if seal_seq in anchors and anchors[seal_seq][0] != stored:
                    _, line, at = anchors[seal_seq]
                    where = f"锚点文件 {name}（第 {line} 行，第 {seal_seq} 号，记录于 {at}）" if line > 1 or len(anchors) > 1 \
                        else f"锚点文件 {name}（第 {seal_seq} 号）"
                    return Verdict(False, seq - start, unsealed,
                                   f"审计日志与{where}不符：该条目的哈希已变，整条链被改写过")
                seq, prev = seal_seq, stored
    intact = seq - start
    if seq != head_seq or prev != head_hash:
        return Verdict(False, intact, unsealed,
                       f"审计日志链尾被删除：链头记录为第 {head_seq} 号，实际最后一条为第 {seq} 号")
    checked = ""
    if anchors:
        last = max(anchors)
        if last > seq:
            return Verdict(False, intact, unsealed,
                           f"审计日志在锚点文件 {name}（第 {anchors[last][1]} 行，第 {last} 号）之后被截断：现在最后一条为第 {seq} 号")
        compared = [n for n in anchors if n > start]
        purged = len(anchors) - len(compared)
        checked = (f"，与锚点文件 {name} 记录的 {len(compared)} 个链头一致" if compared else "")
        if purged:
            checked += f"（其中 {purged} 个链头的条目已按保存期限清理，未比对）" if compared else \
                f"；锚点文件 {name} 的条目已按保存期限清理，未比对"
    note = f"，另有 {unsealed} 条尚未封存（下一次封存在一分钟内）" if unsealed else ""
    if start:
        note += f"（自第 {start} 号校验点起，其前的条目已按保存期限清理）"
    return Verdict(True, intact, unsealed, f"审计日志完整：{intact} 条已封存的条目核验无误{checked}{note}")
