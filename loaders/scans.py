"""Scan-entry import and batch delete (SPEC section 2). Used by `invoke load.scans`,
`invoke scans.delete` and the 扫码进场信息管理 page.

An import is one transaction on the web login acting as ops: the batch row, the rows (COPY into a
temporary stage, moved into epi.scan chunk by chunk while the next chunk is read), the daily counts
(triggers) and the audit entry commit together or not at all.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import operator
import queue
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import psycopg.rows

from core.common import BadTime, column_letter, file_digest, parse_collected_at, to_text
from db import database, queries
from db.vocabulary import SHANGHAI
from loaders import fastxlsx
from loaders.errors import LoadError, Problem, ProblemList
from loaders.fastxlsx import GUARDED_COLUMNS, LABELS, SCAN_COLUMNS, SCIENTIFIC, TIME_LABEL
from loaders.files import check_file, read_sheets
from loaders.stage import ScanStage

SQL = queries.load(Path(__file__).with_name("sql") / "scans.sql")

CHUNK = 25_000
# the Arrow path has the whole sheet in memory already: larger chunks mean fewer statements, each
# with its own trigger work (the daily and month counts of every venue-day a chunk touches: a
# 200,000-row import's count triggers 0.34-0.38 s in 100,000-row chunks, 0.73-0.91 s in 25,000).
# Its chunks are sealed by a thread while the last is written (issue 51): the first is small, so
# that the database starts soon, and they double up to ARROW_CHUNK, each sealed in about the time
# the database takes to write the one before
ARROW_CHUNK = 100_000
ARROW_FIRST_CHUNK = 12_500
SEALED_AHEAD = 1   # chunks sealed and waiting for the writer, at most (one more is being sealed)

# progress reports: {"phase": "reading"|"writing"|"done"|"failed", "read": rows read, "written": rows
# written, "total": rows expected (estimate until done)}
Progress = Callable[[dict], None]


@dataclass
class ImportResult:
    batch_id: int
    rows: int
    collected_min: dt.datetime | None
    collected_max: dt.datetime | None
    sheets: list[tuple[str | None, int]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # seconds per step (STEPS). encryption runs beside copy (a thread), so they overlap; copy
    # includes counts when the database tracks them (track_functions), and counts is then shown apart
    spent: dict = field(default_factory=dict)


class NeedsConfirmation(LoadError):
    """Refused until the importer confirms (the page's 确认仍要导入, the command's --force): the
    file, or records of it, were imported before. Nothing was written."""


def _when(value: dt.datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


class DuplicateFile(NeedsConfirmation):
    def __init__(self, file_name, imported_by, imported_at, earlier_name):
        super().__init__(file_name, [Problem(None, None, None,
                         f"内容与 {_when(imported_at)} 由 {imported_by} 导入的文件“{earlier_name}”完全相同。"
                         "如确需再次导入，请确认后强制导入。")], title="已导入过")


class DuplicateRows(NeedsConfirmation):
    """Records of the file are stored already (the same 公共场所ID, 采集时间 and 被采集人身份证:
    epi.import_duplicates), though the file itself is new (saved again, re-zipped, an overlapping
    export). The requirements forbid cleansing: no record is dropped, the importer decides."""

    def __init__(self, file_name, total: int, found: int, earliest: dt.datetime, latest: dt.datetime):
        self.found = found
        super().__init__(file_name, [Problem(None, None, None,
                         f"本文件 {total:,} 条中有 {found:,} 条与已导入记录相同（最早 {_when(earliest)}，"
                         f"最晚 {_when(latest)}），仍要导入吗？")], title="含已导入过的记录")


# the seconds of an import's steps (ImportResult.spent; `invoke bench` prints each on its own line)
STEPS = ("checks", "read", "duplicates", "encryption", "copy", "counts", "index_merge", "commit")


def _header_map(sheet, problems: ProblemList):
    """Map each label to its column index in this sheet; None when the sheet has none of them."""
    cells = [str(to_text(v) or "").strip() for v in sheet.header]
    positions: dict[str, int] = {}
    duplicated = []
    for i, label in enumerate(cells):
        if label in LABELS:
            if label in positions:
                duplicated.append(label)
            positions[label] = i
    if not positions:
        return None, []
    missing = [label for label in LABELS if label not in positions]
    if missing:
        problems.add(sheet.name, sheet.header_row, None, "缺少表头：" + "、".join(missing))
    for label in duplicated:
        problems.add(sheet.name, sheet.header_row, label, "表头重复出现")
    extra = [c for c in cells if c and c not in LABELS]
    return positions, extra


# the import waited longer than lock_timeout (loaders/sql/scans.sql) for a lock
IMPORT_LOCK_TIMEOUT = ("等待数据库锁超过 30 秒（可能有批量删除、前置库同步切换或数据库维护正在进行），"
                       "导入已取消，请稍后重新导入同一文件")


def import_scans(path: str | Path, *, by: str, force: bool = False, file_name: str | None = None,
                 progress: Progress | None = None, url: str | None = None) -> ImportResult:
    """Import one file of scan records, all rows or none. Raises LoadError for bad input."""
    started = time.monotonic()
    path = Path(path)
    name = file_name or path.name
    if not by or not by.strip():
        raise ValueError("必须指定数据导入人（登录账号）")
    report = progress or (lambda _info: None)
    spent: dict = {}
    file_type = check_file(path, name)
    digest = file_digest(path)
    spent["checks"] = time.monotonic() - started

    try:
        conn = database.connect_loader(url)
    except BaseException:
        report({"phase": "failed"})
        raise
    try:
        with database.acting_as(conn, kind="ops", account=by):
            conn.execute(SQL["import_lock_timeout"])
            conn.execute(SQL["lock_for_import"])
            prev = conn.execute(SQL["previous_import"], {"file_hash": digest}).fetchone()
            if prev and not force:
                raise DuplicateFile(name, prev[0], prev[1], prev[2])
            stage = ScanStage(conn, source="file", file_name=name, imported_by=by, file_hash=digest,
                              forced=bool(prev), spent=spent)
            result = _stream(path, file_type, name, stage, report, force)
            stage.finish()  # the batch's trigger writes the audit entry (scan.import)
            counts = stage.counts_seconds()
            if counts is not None:
                spent["counts"] = counts
                spent["copy"] = spent.get("copy", 0.0) - counts
            committing = time.monotonic()
        spent["commit"] = time.monotonic() - committing
    except psycopg.errors.LockNotAvailable:
        report({"phase": "failed"})
        raise LoadError(name, IMPORT_LOCK_TIMEOUT) from None
    except BaseException:
        report({"phase": "failed"})   # a progress bar ends its line before the message
        raise
    finally:
        conn.close()
    result.seconds = time.monotonic() - started
    result.spent = {step: round(spent[step], 3) for step in STEPS if step in spent}
    report({"phase": "done", "read": result.rows, "written": result.rows, "total": result.rows,
            "batch_id": result.batch_id})
    return result


def _iso(value):
    return value.isoformat() if value else None


def _stream(path, file_type, name, stage: ScanStage, report, force: bool) -> ImportResult:
    """Read every sheet, write the records, collect problems. An .xlsx file whose every cell is as
    expected goes by the Arrow path (loaders.fastxlsx); any other is read row by row, a writer
    thread staging chunks of converted rows while the reader goes on. Either way the file's records
    are checked against those stored (epi.import_duplicates) before any is written into epi.scan."""
    if file_type == "xlsx":
        report({"phase": "reading", "read": 0, "total": 0})
        checked = fastxlsx.read(path, stage.spent)
        if checked is not None:
            return _write_arrow(*checked, stage, report, name, force)
    began = time.perf_counter()
    stage.deferred = True   # nothing moves into epi.scan before the whole file is read and checked
    problems = ProblemList()
    chunks: queue.Queue = queue.Queue(maxsize=3)
    writer = _Writer(stage, chunks, report)
    writer.start()
    result = ImportResult(stage.batch_id, 0, None, None)
    total_estimate = 0
    try:
        for sheet in read_sheets(path, file_type, name):
            positions, extra = _header_map(sheet, problems)
            if positions is None:
                result.skipped_sheets.append(sheet.name or "CSV")
                continue
            result.ignored_columns += [c for c in extra if c not in result.ignored_columns]
            if problems:
                continue  # a header problem: the file is refused; other sheets' headers are still checked
            total_estimate += sheet.height
            sheet_rows = _read_rows(sheet, positions, problems, chunks, writer, result, report, total_estimate)
            result.sheets.append((sheet.name, sheet_rows))
        if not result.sheets and not problems:
            problems.add(None, None, None, "没有找到包含扫码进场信息表头（" + "、".join(LABELS) + "）的工作表")
    finally:
        chunks.put(None)
        writer.join()
    stage.spent["read"] = time.perf_counter() - began   # with the checks of each cell, and sealing beside it
    if writer.error is not None:
        raise writer.error
    problems.raise_for(name)
    began = time.perf_counter()
    _confirm_duplicates(stage.duplicates(), stage, name, result.rows, force)
    stage.spent["duplicates"] = time.perf_counter() - began
    stage.move_all()
    result.collected_min, result.collected_max = stage.collected_min, stage.collected_max
    return result


def _confirm_duplicates(found, stage: ScanStage, name: str, total: int, force: bool) -> None:
    """Refuse a file with records stored already (DuplicateRows), unless the importer confirmed."""
    count, earliest, latest = found
    if count:
        if not force:
            raise DuplicateRows(name, total, count, earliest, latest)
        stage.forced = True


def _arrow_duplicates(sheets: list[fastxlsx.ArrowSheet], stage: ScanStage):
    """The duplicate check of the Arrow path's records: first the file's venue-days that hold scans
    (none, the common case: nothing more is sent), then the keys of those venue-days' records, as
    CSV written by Arrow, through the stage (ScanStage.duplicates_of: the row-by-row path's check).
    The ID numbers' digests are the sealer's, kept in its cache for the sealing that follows."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    sealer = stage.sealer
    older = sealer.older[0] if sealer.older else None
    id_at, time_at = SCAN_COLUMNS.index("id_card"), len(SCAN_COLUMNS) - 1
    # first the venue-days that hold scans already (none: nothing more to ask)
    days = [pa.table({"v": s.table.column(0), "d": _local_days(s.table.column(time_at))}) for s in sheets]
    pairs = pa.concat_tables(days).group_by(["v", "d"]).aggregate([])
    stored = stage.conn.execute(SQL["stored_days"], {"venue_id": pairs.column("v").to_pylist(),
                                                     "day": pairs.column("d").to_pylist()}).fetchall()
    if not stored:
        return 0, None, None
    stored_keys = pa.array([f"{venue}\0{day.isoformat()}" for venue, day in stored])
    out = io.BytesIO()
    for sheet, day in zip(sheets, days, strict=True):
        key = pc.binary_join_element_wise(day.column("v"), pc.cast(day.column("d"), pa.string()), "\0")
        table = sheet.table.filter(pc.is_in(key, value_set=stored_keys))
        ids = table.column(id_at).to_pylist()
        keys = pa.table([table.column(0), table.column(time_at),
                         pa.array(map(sealer.id_digest, ids), pa.int64(), size=len(ids)),
                         pa.array(map(older.id_digest, ids), pa.int64(), size=len(ids)) if older is not None
                         else pa.nulls(len(ids), pa.int64())], names=["v", "t", "d", "o"])
        pcsv.write_csv(keys, out, pcsv.WriteOptions(include_header=False))
    return stage.duplicates_of(out.getvalue())


def _local_days(when):
    """The Asia/Shanghai dates of an Arrow column of 采集时间 (the daily counts' days)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.cast(pc.local_timestamp(when), pa.date32())   # the column is zoned Asia/Shanghai


def _write_arrow(sheets: list[fastxlsx.ArrowSheet], skipped: list[str], stage: ScanStage, report, name: str,
                 force: bool) -> ImportResult:
    """The checked sheets of the Arrow path, checked against the records stored, then written chunk
    by chunk: a thread seals the next chunk (core.crypto, in this process) while this one COPYs
    the last into the stage and moves it into epi.scan (in the database's)."""
    total = sum(sheet.rows for sheet in sheets)
    result = ImportResult(stage.batch_id, total, None, None, skipped_sheets=skipped)
    report({"phase": "reading", "read": total, "total": total})
    for sheet in sheets:
        result.sheets.append((sheet.name, sheet.rows))
        result.ignored_columns += [c for c in sheet.ignored if c not in result.ignored_columns]
    began = time.perf_counter()
    _confirm_duplicates(_arrow_duplicates(sheets, stage), stage, name, total, force)
    stage.spent["duplicates"] = time.perf_counter() - began
    chunks: queue.Queue = queue.Queue(maxsize=SEALED_AHEAD)
    sealer = _Sealing(sheets, stage, chunks)
    with _prompt_switches():
        sealer.start()
        try:
            while (chunk := chunks.get()) is not None:
                stage.write_csv(*chunk)
                report({"phase": "writing", "written": stage.rows})
        finally:
            sealer.stop()
    if sealer.error is not None:
        raise sealer.error
    result.collected_min, result.collected_max = stage.collected_min, stage.collected_max
    return result


# The sealing thread is pure Python and holds the interpreter lock; the writer gets it back after
# each wait on the database only when the sealer yields it — every 5 ms by default, an eternity for a
# writer that waits dozens of times a chunk. While an import pipelines, the interpreter switches
# every 0.2 ms (measured on the city file into 9.6M scans: the writer's time 6.0-6.1 s at 5 ms,
# 5.3-5.4 s at 0.1 ms). Process-wide (sys.setswitchinterval): the first import to start sets it,
# the last to end restores it.
SWITCH_INTERVAL = 0.0002
_switching = {"imports": 0, "before": None}
_switching_lock = threading.Lock()


@contextlib.contextmanager
def _prompt_switches():
    with _switching_lock:
        if _switching["imports"] == 0:
            _switching["before"] = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL)
        _switching["imports"] += 1
    try:
        yield
    finally:
        with _switching_lock:
            _switching["imports"] -= 1
            if _switching["imports"] == 0:
                sys.setswitchinterval(_switching["before"])


class _Sealing(threading.Thread):
    """Seals the Arrow path's chunks (loaders.fastxlsx.ArrowSheet.csv_chunks) ahead of the writer:
    at most SEALED_AHEAD wait in the queue; None ends it (after the last, or an error)."""

    def __init__(self, sheets, stage: ScanStage, chunks: queue.Queue):
        super().__init__(name="scan-sealer", daemon=True)
        self.sheets, self.stage, self.chunks = sheets, stage, chunks
        self.error: BaseException | None = None
        self.stopping = threading.Event()

    def run(self):
        try:
            for sheet in self.sheets:
                for chunk in sheet.csv_chunks(ARROW_CHUNK, self.stage.sealer, self.stage.spent, ARROW_FIRST_CHUNK):
                    if self.stopping.is_set():
                        return
                    self.chunks.put(chunk)
                sheet.table = None   # its memory goes before the next sheet's rows are sealed
        except BaseException as exc:  # handed to the writer (the importing thread)
            self.error = exc
        finally:
            self.chunks.put(None)

    def stop(self):
        """Wait for the thread; when the writer failed, let it end early (its queue drained)."""
        self.stopping.set()
        while self.is_alive():
            with contextlib.suppress(queue.Empty):
                self.chunks.get(timeout=0.05)
        self.join()


# 公共场所ID, 被采集人身份证 and 联系电话 are identifiers the province writes as text; a spreadsheet
# program that opened the export and saved it again may have made numbers of them (0044010005 →
# 44010005: the venue no longer matches; every 18-digit ID → the same float). Stored as given must
# not mean stored as the province never wrote them: such a cell refuses the file (issue 19).
GUARDED = {column: SCAN_COLUMNS.index(column) for column in GUARDED_COLUMNS}
NUMBER_MESSAGE = ("该列应为文本：表格软件已把它转换为数字，前导零或末几位已丢失，"
                  "请从省平台重新导出或将该列设为文本")
_SCIENTIFIC = re.compile(SCIENTIFIC)
_MOBILE = re.compile(r"1\d{10}")


def damaged_cell(column: str, raw) -> str | None:
    """Why a cell of 公共场所ID / 被采集人身份证 / 联系电话 cannot be what the province wrote (None: it
    can). A phone number cell is kept only when it is exactly a mobile number (11 digits, 1…): a
    number cannot have had a leading zero, and one that small is exact in a float."""
    if raw.__class__ is str:
        if ("e" in raw or "E" in raw) and _SCIENTIFIC.fullmatch(raw):
            return "该列为科学计数法（如 4.40783E+17）：表格软件已把它转换为数字，末几位已丢失，请从省平台重新导出或将该列设为文本"
        return None
    if raw is None:
        return None
    if column == "phone" and raw.__class__ in (int, float) and float(raw).is_integer() \
            and _MOBILE.fullmatch(str(int(raw))):
        return None
    return NUMBER_MESSAGE


def _read_rows(sheet, positions, problems, chunks, writer, result, report, total_estimate) -> int:
    text_idx = [positions[label] for label in LABELS if label != TIME_LABEL]
    guarded = [(column, text_idx[i], f"{LABELS[i]}（{column_letter(sheet.first_col + text_idx[i])}列）")
               for column, i in GUARDED.items()]
    time_idx = positions[TIME_LABEL]
    width = max(positions.values()) + 1
    pick = operator.itemgetter(*text_idx)
    row_no = sheet.header_row
    time_col = f"{TIME_LABEL}（{column_letter(sheet.first_col + time_idx)}列）"
    venue_col = f"{LABELS[0]}（{column_letter(sheet.first_col + text_idx[0])}列）"
    chunk: list[list] = []
    n = 0
    for row in sheet.rows:
        row_no += 1
        if len(row) < width:
            row = list(row) + [""] * (width - len(row))
        raw_time = row[time_idx]
        values = [v or None if v.__class__ is str else to_text(v) for v in pick(row)]
        damaged = False
        for column, idx, label in guarded:
            raw = row[idx]
            if (raw.__class__ is not str or "e" in raw or "E" in raw) and (why := damaged_cell(column, raw)):
                problems.add(sheet.name, row_no, label, why)
                damaged = True
        if damaged:
            continue
        try:
            when = parse_collected_at(raw_time)
        except BadTime as exc:
            if raw_time.__class__ is str and not raw_time.strip() and not any(values):
                continue  # a wholly empty row is not a record
            problems.add(sheet.name, row_no, time_col, "不能为空" if str(exc) == "为空" else str(exc))   # the column names it
            continue
        if values[0] is None:   # a record without its venue cannot be stored (found by the fuzzer)
            problems.add(sheet.name, row_no, venue_col, "不能为空")
            continue
        if problems or writer.error is not None:
            continue  # the file is refused: keep reading only to report every bad row (up to 20)
        values.append(when)
        chunk.append(values)
        n += 1
        if len(chunk) >= CHUNK:
            chunks.put(chunk)
            chunk = []
            report({"phase": "reading", "read": result.rows + n, "total": total_estimate})
    if chunk and not problems:
        chunks.put(chunk)
    report({"phase": "reading", "read": result.rows + n, "total": total_estimate})
    result.rows += n
    return n


class _Writer(threading.Thread):
    """Writes chunks through the batch's stage while the reader goes on."""

    def __init__(self, stage: ScanStage, chunks, report):
        super().__init__(name="scan-writer", daemon=True)
        self.stage, self.chunks, self.report = stage, chunks, report
        self.error: BaseException | None = None

    def run(self):
        while True:
            rows = self.chunks.get()
            if rows is None:
                return
            if self.error is not None:
                continue
            try:
                self.stage.write(rows)
                self.report({"phase": "writing", "written": self.stage.rows})
            except BaseException as exc:  # handed to the reader thread
                self.error = exc


def latest_collected(*, account: str = "system", url: str | None = None) -> dt.datetime | None:
    """The latest 采集时间 already imported (`invoke load.scans` says it before an import)."""
    with database.connect_loader(url) as conn, database.acting_as(conn, kind="ops", account=account):
        return latest_collected_in(conn)


def latest_collected_in(conn: psycopg.Connection) -> dt.datetime | None:
    """The same on a connection of the caller's (the import page's request, as ops)."""
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        return cur.execute(SQL["latest_collected"]).fetchone()[0]
