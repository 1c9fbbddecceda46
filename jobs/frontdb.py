"""Provincial front-database sync (前置库同步, SPEC section 6): the `frontdb` job, run by
`invoke sync.frontdb`, `invoke jobs.run frontdb` and `invoke scheduler`. It runs in Python, not in
epi.run_job, because it reads another database; its bookkeeping is the other jobs' own.

The province shares a venue table and a scan table in a local front database (PostgreSQL). Their
columns follow SPEC section 2; table and column names are configurable (:func:`load_config`),
since the province has not fixed them. Each table has a key column whose values grow as rows are
added (an identity column, or a load timestamp); the last key taken is the table's watermark.

How a run goes, on the jobs login (current_kind() = 'jobs'):
- one run at a time, recorded in epi.job_run by jobs.runner.recorded, as for every job;
- venues first, then scans, in batches: the next ``batch_rows`` keys after the watermark (all rows
  of the last key, so a batch never splits rows that share a key), read from the front database
  in one repeatable-read snapshot;
- each batch is one local transaction: its rows (scans through loaders/stage.py, as a file
  import, with their own import batch, source 'frontdb'; the daily counts follow by trigger), one
  audit entry, and the move of the watermark by compare-and-set (epi.frontdb_advance). A crash
  anywhere in a batch rolls all of it back and the next run reads the same rows again: no row
  twice, no row lost;
- values are taken as the front database holds them, as text; only 采集时间 is parsed, by the same
  rule as a file import. A batch holding a row whose 采集时间 is empty or unreadable is refused
  whole, naming the table, key and column; the sync stops there until the province fixes it.

The database refuses the batches while the switch is off (epi.frontdb_advance), and refuses file
imports and deletes while it is on (epi_private.tg_scan__sync_lock).

Assumption, written down: keys become visible in increasing order (the province's loader commits
its rows in key order, as a single writer does). A row committed later with a key below the
watermark would not be taken; if the front tables cannot promise that, use a load-time key.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from core import config
from core.common import BadTime, parse_collected_at
from db import database, queries
from db.vocabulary import SCAN, SHANGHAI, VENUE
from jobs import runner
from loaders.errors import mask_personal
from loaders.stage import ScanStage

SQL = queries.load(Path(__file__).with_name("sql") / "frontdb.sql")

SCAN_FIELDS = list(SCAN)          # 14 text columns, then collected_at
VENUE_FIELDS = list(VENUE)
ACCOUNT = "frontdb.sync"  # 数据导入人 of synced scans
JOB = "frontdb"
MAX_LISTED = 20

Echo = Callable[[str], None]


class SyncError(Exception):
    """The sync cannot go on; the message is for a person. Nothing of the current batch was written.
    Whatever in it looks like an ID number or a phone is masked (it reaches the job record and logs)."""

    run_id: int | None = None   # the run that recorded this failure (None: no run was recorded)

    def __init__(self, message: str):
        super().__init__(mask_personal(message))


class SyncRefused(SyncError):
    """The sync did not start (switched off, no front database named, a bad configuration): no run
    of it was recorded, nothing was read."""


class SyncDisabled(SyncRefused):
    pass


@dataclass
class TableMap:
    table: str                       # may be schema-qualified: "prov.scan_entry"
    key: str = "id"
    columns: dict[str, str | None] = field(default_factory=dict)  # our column -> front column

    def ident(self) -> sql.Composable:
        return sql.Identifier(*self.table.split("."))


@dataclass
class Config:
    scans: TableMap
    venues: TableMap | None
    batch_rows: int = 50_000
    fetch_rows: int = 5_000


def load_config(path: str | Path | None = None) -> Config:
    """The front tables' names from a JSON file (``path``, or EPI_FRONTDB_CONFIG), defaults otherwise::

        {"scans":  {"table": "scan",  "key": "id", "columns": {"venue_id": "venue_id", ...}},
         "venues": {"table": "venue", "key": "id", "columns": {...}},   // or null: no venue table
         "batch_rows": 50000}

    Columns not named map to a front column of the same name; map a column to null when the front
    table lacks it (scans: stored as empty; venues: left as they are). 公共场所ID and 采集时间 are
    required.
    """
    path = path or config.current().frontdb_config
    data: dict = {}
    if path:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SyncRefused(f"无法读取前置库配置文件 {path}：{exc}") from None
        if not isinstance(data, dict):
            raise SyncRefused(f"前置库配置文件 {path} 应为一个 JSON 对象")
    unknown = set(data) - {"scans", "venues", "batch_rows", "fetch_rows"}
    if unknown:
        raise SyncRefused(f"前置库配置中有无法识别的项：{'、'.join(sorted(unknown))}")

    def table(part: str, default: str, labels: dict[str, str], required: list[str]) -> TableMap | None:
        fields = list(labels)
        raw = data.get(part, {})
        if raw is None:
            return None
        if not isinstance(raw, dict) or set(raw) - {"table", "key", "columns"}:
            raise SyncRefused(f"前置库配置“{part}”应包含 table、key、columns")
        columns = raw.get("columns") or {}
        bad = set(columns) - set(fields)
        if bad:
            raise SyncRefused(f"前置库配置“{part}.columns”中有无法识别的列：{'、'.join(sorted(bad))}"
                            f"（可用：{'、'.join(fields)}）")
        mapped = {f: columns.get(f, f) for f in fields}
        for f in required:
            if not mapped[f]:
                raise SyncRefused(f"前置库配置“{part}”必须指定{labels[f]}（{f}）对应的列")
        name = raw.get("table", default)
        key = raw.get("key", "id")
        if not name or not key or not isinstance(name, str) or not isinstance(key, str):
            raise SyncRefused(f"前置库配置“{part}”的 table 和 key 必须是非空文字")
        return TableMap(name, key, mapped)

    scans = table("scans", "scan", SCAN, ["venue_id", "collected_at"])
    if scans is None:
        raise SyncRefused("前置库配置必须包含扫码进场信息表（scans）")
    venues = table("venues", "venue", VENUE, ["venue_id"])
    try:
        batch_rows = int(data.get("batch_rows", 50_000))
        fetch_rows = int(data.get("fetch_rows", min(5_000, batch_rows)))
    except (TypeError, ValueError):
        raise SyncRefused("前置库配置的 batch_rows、fetch_rows 必须是正整数") from None
    if batch_rows < 1 or fetch_rows < 1:
        raise SyncRefused("前置库配置的 batch_rows、fetch_rows 必须是正整数")
    return Config(scans, venues, batch_rows, fetch_rows)


@dataclass
class SyncResult:
    run_id: int | None = None
    venues_added: int = 0
    venues_updated: int = 0
    venue_rows: int = 0
    scans: int = 0
    batches: int = 0
    seconds: float = 0.0
    collected_min: dt.datetime | None = None
    collected_max: dt.datetime | None = None

    def describe(self) -> str:
        span = ""
        if self.collected_min:
            span = (f"，采集时间 {self.collected_min.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S} 至 "
                    f"{self.collected_max.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}")
        return (f"前置库同步完成：场所记录 {self.venue_rows} 条（新增场所 {self.venues_added} 个，更新 "
                f"{self.venues_updated} 个），扫码进场信息 {self.scans} 条{span}，共 {self.batches} 批，"
                f"用时 {self.seconds:.1f} 秒")


def is_enabled(conn: psycopg.Connection) -> bool:
    return conn.execute(SQL["sync_enabled"]).fetchone()[0]


def front_dsn(dsn: str | None = None) -> str:
    dsn = dsn or config.current().frontdb_dsn
    if not dsn:
        raise SyncRefused("未指定前置库连接：请用 --dsn 或环境变量 EPI_FRONTDB_DSN")
    return dsn


def sync(dsn: str | None = None, *, config: Config | None = None, url: str | None = None,
         echo: Echo | None = None, as_of: dt.date | None = None) -> SyncResult:
    """Pull new venues and scans from the front database; returns what was taken. Raises SyncError
    (recorded as a failed run when it got that far)."""
    say = echo or (lambda _msg: None)
    config = config or load_config()
    dsn = front_dsn(dsn)
    started = time.monotonic()
    result = SyncResult()
    today = as_of or dt.datetime.now(SHANGHAI).date()
    with database.connect_jobs(url) as local:
        if not is_enabled(local):
            raise SyncDisabled("前置库同步未启用：请先由管理员运行 invoke sync.enable（启用后扫码进场信息的文件导入和批量删除将停用）")
        try:
            with runner.recorded(local, JOB, today) as run:
                result.run_id = run.run_id
                try:
                    with _connect_front(dsn) as front:
                        if config.venues is not None:
                            _sync_venues(local, front, config, result, say)
                        _sync_scans(local, front, config, result, say)
                except SyncError as exc:
                    run.error = str(exc)
                    raise
                except psycopg.Error as exc:
                    run.error = _db_message(exc)
                    raise SyncError(run.error) from None
                except BaseException as exc:
                    run.error = f"前置库同步意外中止：{exc.__class__.__name__}"
                    raise
                finally:
                    result.seconds = time.monotonic() - started
                    run.rows = result.venue_rows + result.scans
        except runner.JobBusy as exc:   # recorded as a failed run by epi.job_begin
            error = SyncError("另一次前置库同步正在运行，本次未执行")
            error.run_id = exc.run_id
            raise error from None
        except SyncError as exc:
            exc.run_id = result.run_id
            raise
    return result


def _db_message(exc: psycopg.Error) -> str:
    diag = exc.diag
    text = mask_personal(diag.message_primary or str(exc).splitlines()[0])  # it may quote a value
    if isinstance(exc, psycopg.errors.UndefinedTable):
        return f"前置库中找不到表：{text}（请检查前置库配置 EPI_FRONTDB_CONFIG）"
    if isinstance(exc, psycopg.errors.UndefinedColumn):
        return f"前置库表中找不到列：{text}（请检查前置库配置 EPI_FRONTDB_CONFIG）"
    return f"前置库同步失败：{text}"


def _connect_front(dsn: str) -> psycopg.Connection:
    try:
        front = psycopg.connect(dsn, connect_timeout=15)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[-1] if str(exc).strip() else exc.__class__.__name__
        raise SyncError(f"无法连接前置库：{first}") from None
    front.read_only = True
    front.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    front.execute(SQL["front_session"])
    front.commit()
    return front


def _boundary(front: psycopg.Connection, tm: TableMap, after: str | None, limit: int) -> str | None:
    """The key that ends the next batch: the limit-th key after ``after`` (or the last one)."""
    query = sql.SQL("select max(k)::text from (select {key} as k from {table} {where} order by {key} limit %s) t").format(
        key=sql.Identifier(tm.key), table=tm.ident(),
        where=sql.SQL("where {key} > %s").format(key=sql.Identifier(tm.key)) if after is not None else sql.SQL(""))
    params = (after, limit) if after is not None else (limit,)
    return front.execute(query, params).fetchone()[0]


def _select(tm: TableMap, fields: list[str], raw: set[str], after: str | None) -> sql.Composed:
    cols = []
    for f in fields:
        src = tm.columns.get(f)
        if src is None:
            cols.append(sql.SQL("null::text"))
        elif f in raw:
            cols.append(sql.Identifier(src))
        else:
            cols.append(sql.SQL("{}::text").format(sql.Identifier(src)))
    key = sql.Identifier(tm.key)
    where = sql.SQL("{key} > %(after)s and {key} <= %(upto)s" if after is not None else "{key} <= %(upto)s").format(key=key)
    return sql.SQL("select {key}::text, {cols} from {table} where {where} order by {key}").format(
        key=key, cols=sql.SQL(", ").join(cols), table=tm.ident(), where=where)


def _batches(local, front, tm: TableMap, config: Config):
    """Yield (position before, key ending the batch) until the table is read."""
    while True:
        after = local.execute(SQL["position"], {"table": tm.table, "key": tm.key}).fetchone()[0]
        upto = _boundary(front, tm, after, config.batch_rows)
        if upto is None:
            front.commit()
            return
        yield after, upto
        front.commit()


def _advance(local, tm: TableMap, after, upto, rows: int) -> None:
    local.execute(SQL["advance"], {"table": tm.table, "key": tm.key, "from": after, "to": upto, "rows": rows})


def _sync_venues(local, front, config: Config, result: SyncResult, say: Echo) -> None:
    tm = config.venues
    for after, upto in _batches(local, front, tm, config):
        with front.cursor(name="frontdb_venues") as cur:
            cur.itersize = config.fetch_rows
            cur.execute(_select(tm, VENUE_FIELDS, set(), after), {"after": after, "upto": upto})
            rows = []
            for key, *values in cur:
                row = {f: v for f, v in zip(VENUE_FIELDS, values, strict=True) if tm.columns.get(f) is not None}
                if not row.get("venue_id"):
                    raise SyncError(f"前置库表 {tm.table} 中 {tm.key} = {key} 的记录“公共场所ID”为空，"
                                    "本批次未写入（请省平台修正后重新同步）")
                rows.append(row)
        with local.transaction():
            # epi.frontdb_merge_venues audits the batch (venue.sync) with this operation
            database.set_operation(local, {"sync": "venues", "table": tm.table, "from": after, "to": upto})
            added, updated = local.execute(SQL["merge_venues"],
                                           {"rows": json.dumps(rows, ensure_ascii=False)}).fetchone()
            _advance(local, tm, after, upto, len(rows))
        result.venue_rows += len(rows)
        result.venues_added += added
        result.venues_updated += updated
        result.batches += 1
        say(f"场所信息：{tm.table} 至 {tm.key} = {upto}，{len(rows)} 条（新增 {added}，更新 {updated}）")


def _sync_scans(local, front, config: Config, result: SyncResult, say: Echo) -> None:
    tm = config.scans
    for after, upto in _batches(local, front, tm, config):
        with local.transaction():
            # the finished batch is audited by its trigger (scan.sync) with this operation
            database.set_operation(local, {"sync": "scans", "table": tm.table, "from": after, "to": upto})
            stage = ScanStage(local, source="frontdb", file_name=f"前置库表 {tm.table}", imported_by=ACCOUNT)
            _copy_scans(stage, front, tm, config, after, upto)
            stage.finish()
            lo, hi = stage.collected_min, stage.collected_max
            _advance(local, tm, after, upto, stage.rows)
        result.scans += stage.rows
        result.batches += 1
        if lo is not None:
            result.collected_min = lo if result.collected_min is None else min(result.collected_min, lo)
            result.collected_max = hi if result.collected_max is None else max(result.collected_max, hi)
        say(f"扫码进场信息：{tm.table} 至 {tm.key} = {upto}，{stage.rows} 条（导入批次 {stage.batch_id}）")


def _copy_scans(stage: ScanStage, front, tm, config, after, upto) -> None:
    """Stream one batch from the front table through the stage, chunk by chunk, inside the caller's
    transaction; refuse the whole batch (SyncError) when a row's 采集时间 or 公共场所ID is unusable."""
    time_col = tm.columns["collected_at"]
    venue_col = tm.columns["venue_id"]
    problems: list[str] = []
    more = 0
    with front.cursor(name="frontdb_scans") as cur:
        cur.itersize = config.fetch_rows
        cur.execute(_select(tm, SCAN_FIELDS, {"collected_at"}, after), {"after": after, "upto": upto})
        while True:
            fetched = cur.fetchmany(config.fetch_rows)
            if not fetched:
                break
            chunk = []
            for key, *values in fetched:
                bad = None
                try:
                    when = parse_collected_at(values[-1])
                except BadTime as exc:
                    bad = f"“{time_col}”列：采集时间{exc}"
                if not values[0]:
                    bad = f"“{venue_col}”列：公共场所ID为空"
                if bad:
                    if len(problems) < MAX_LISTED:
                        problems.append(f"  {tm.key} = {key}，{bad}")
                    else:
                        more += 1
                    continue
                if not problems:
                    chunk.append([*values[:-1], when])
            if not problems:
                stage.write(chunk)
    if problems:
        lines = [f"前置库表 {tm.table} 中 {tm.key} 在 {after or '开头'} 之后至 {upto} 的一批记录未写入：", *problems]
        if more:
            lines.append(f"  另有 {more} 处错误未列出。")
        lines.append("同步已停止在这一批之前，请省平台修正后重新同步。")
        raise SyncError("\n".join(lines))


def switch(on: bool, *, by: str, url: str | None = None, echo: Echo | None = None) -> bool:
    """Turn the sync on or off (a DBA's act, on the admin connection acting as the owner); True
    when the switch changed. Waits for a file import or batch delete in progress to finish, so
    none is cut in half; the change is audited by the trigger on epi.setting."""
    say = echo or (lambda _msg: None)
    with psycopg.connect(url or database.admin_url()) as conn, conn.transaction():
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(database.OWNER)))
        conn.execute(SQL["act_for"], {"account": by, "os_user": database.os_user(),
                                      "menu": database.claims().get("menu") or ""})
        if not conn.execute(SQL["try_lock_scan_writes"]).fetchone()[0]:
            say("正在等待进行中的导入或删除完成……")
            conn.execute(SQL["lock_scan_writes"])
        return conn.execute(SQL["switch"], {"on": json.dumps(on)}).rowcount == 1


def status(*, config: Config | None = None, url: str | None = None) -> str:
    """What `invoke sync.status` prints: the switch, each front table's position, the latest runs."""
    config = config or load_config()
    lines = []
    with psycopg.connect(url or database.jobs_url(), autocommit=True) as conn:
        lines.append("前置库同步：" + ("已启用（文件导入和批量删除已停用）" if is_enabled(conn) else "未启用"))
        for label, tm in (("场所信息", config.venues), ("扫码进场信息", config.scans)):
            if tm is None:
                continue
            pos = conn.execute(SQL["position"], {"table": tm.table, "key": tm.key}).fetchone()[0]
            lines.append(f"  {label}：前置库表 {tm.table}，" + (f"已同步至 {tm.key} = {pos}" if pos else "尚未同步"))
        runs = conn.execute(SQL["recent_runs"]).fetchall()
    if runs:
        lines.append("最近的同步：")
    for started, finished, ok, error, rows in runs:
        state = "进行中" if finished is None else ("成功" if ok else f"失败：{error}")
        lines.append(f"  {started.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S} {state}，{rows or 0} 条")
    return "\n".join(lines)
