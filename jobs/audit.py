"""The audit chain outside the database (Personal data 2 of 3, point 1).

- ``seal()``: chain the committed entries not yet sealed (``epi.audit_seal()``, as the jobs login);
  the scheduler runs it every EPI_AUDIT_SEAL_SECONDS (default 60), pg_cron every minute.
- ``anchor()``: write the chain's head (seal number and hash) outside the database, as a log line
  and a file in EPI_AUDIT_ANCHOR_DIR, the directory the auditor keeps; daily after the nightly.
- ``verify()``: recompute the whole chain from the checkpoint it starts at, here in Python (hashlib
  SM3 / SHA-256) from the columns' text, and compare it with the stored seals, the chain's head and
  an anchor file: "N entries intact", or the first entry that was changed, removed or reordered.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
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


def latest_anchor(directory: Path | None = None, dbname: str | None = None) -> Path | None:
    files = sorted((directory or anchor_dir()).glob(f"audit-anchor-{dbname or '*'}-*.json"))
    return files[-1] if files else None


@dataclass
class Verdict:
    ok: bool
    intact: int
    unsealed: int
    message: str


def verify(url: str | None = None, anchor_file: Path | None = None) -> Verdict:
    """Recompute the chain (as the DBA: the admin URL). The first problem found ends the walk."""
    url = url or database.admin_url()
    anchored = json.loads(Path(anchor_file).read_text(encoding="utf-8")) if anchor_file else None
    with psycopg.connect(url) as conn:
        head_seq, head_hash, seq, prev = conn.execute(CHAIN).fetchone()
        unsealed = conn.execute(UNSEALED).fetchone()[0]
        if seq:
            purge = conn.execute(LAST_PURGE).fetchone()
            if purge != (seq, prev):
                return Verdict(False, 0, unsealed, f"审计日志的校验点（第 {seq} 号）没有对应的清理记录（audit.purge）："
                                                   "校验点被移动，其前的条目被删除")
        start = seq
        anchor_seen = None
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
                if anchored and seal_seq == anchored["seal_seq"]:
                    anchor_seen = stored
                seq, prev = seal_seq, stored
    intact = seq - start
    if seq != head_seq or prev != head_hash:
        return Verdict(False, intact, unsealed,
                       f"审计日志链尾被删除：链头记录为第 {head_seq} 号，实际最后一条为第 {seq} 号")
    checked = f"，与锚点文件 {Path(anchor_file).name} 一致" if anchored else ""
    if anchored:
        where = f"锚点文件 {Path(anchor_file).name}（第 {anchored['seal_seq']} 号）"
        if anchored["seal_seq"] <= start:
            checked = f"；锚点文件 {Path(anchor_file).name} 的条目已按保存期限清理，未比对"
        if anchored["seal_seq"] > seq:
            return Verdict(False, intact, unsealed, f"审计日志在{where}之后被截断：现在最后一条为第 {seq} 号")
        if anchored["seal_seq"] > start and anchor_seen != anchored["hash"]:
            return Verdict(False, intact, unsealed, f"审计日志与{where}不符：该条目的哈希已变，整条链被改写过")
    note = f"，另有 {unsealed} 条尚未封存（下一次封存在一分钟内）" if unsealed else ""
    if start:
        note += f"（自第 {start} 号校验点起，其前的条目已按保存期限清理）"
    return Verdict(True, intact, unsealed, f"审计日志完整：{intact} 条已封存的条目核验无误{checked}{note}")
