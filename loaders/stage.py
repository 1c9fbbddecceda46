"""The one way scans are written into epi.scan, for the file import (loaders/scans.py) and the
front-database sync (jobs/frontdb.py): an import batch, then chunks of rows COPYed into a
temporary stage and moved into epi.scan by INSERT … SELECT (COPY is refused where RLS applies;
the INSERT is checked by the policies and fires the daily-count trigger), the monthly
partitions made before a chunk needs them, the batch's rows and 采集时间 range recorded at the end.
All of it inside the caller's transaction: the caller commits the whole batch or none of it.

被采集人身份证, 被采集人 and 联系电话 are sealed here, before COPY (issue 49, core/crypto.py): the
stage and epi.scan get their ciphertext, digests and masks; the values themselves stay in this
process's memory."""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import psycopg

from core import crypto
from db import queries, vocabulary

SQL = queries.load(Path(__file__).with_name("sql") / "stage.sql")
COLUMNS = list(vocabulary.SCAN)
PERSONAL_AT = [COLUMNS.index(c) for c in ("id_card", "person_name", "phone")]   # 6, 7, 8
KEPT_AT = [i for i in range(len(COLUMNS)) if i not in PERSONAL_AT]               # 11 text columns, then 采集时间
# the stage's columns: the 11 other text columns, 采集时间, then what crypto.Sealer.seal makes of the three,
# then the ID number's digest under the older key version while a rotation runs (the duplicate check's)
TYPES = ["text"] * 11 + ["timestamptz", "bytea", "int2", "int8", "int8", "int8[]", "text", "text", "text", "int8"]
# pg_stat_xact_user_functions has the daily-count trigger's time when track_functions is on (the bench)
COUNTS_FUNCTION = ("epi_private", "tg_scan__derived")


def shanghai_month(when: dt.datetime) -> tuple[int, int]:
    """(year, month) of a time in Asia/Shanghai: the partition it belongs to."""
    local = when.astimezone(vocabulary.SHANGHAI)
    return local.year, local.month


class ScanStage:
    """One import batch on ``conn`` (acting as ops, or the jobs login). Rows are lists of the 14
    text values of vocabulary.SCAN in order, then 采集时间 as an aware datetime.

    ``deferred``: chunks stay in the stage until move_all() (the row-by-row import, whose records
    are checked against those stored before any is written: loaders.scans). ``spent`` adds the
    seconds of "copy" (COPY and the inserts into epi.scan with their indexes) and "counts" (the
    daily-count trigger, when track_functions lets the database say)."""

    def __init__(self, conn: psycopg.Connection, *, source: str, file_name: str | None, imported_by: str,
                 file_hash: str | None = None, forced: bool = False, spent: dict | None = None):
        self.conn = conn
        self.forced = forced   # set by the importer too, when it imports records stored already
        self.deferred = False   # set by the importer before it writes (the row-by-row path)
        self.spent = {} if spent is None else spent
        self.sealer = crypto.checked(conn)   # the keys are the data's (or the import stops here)
        self.batch_id, self.imported_at = conn.execute(SQL["start_batch"], {
            "source": source, "file_name": file_name, "file_hash": file_hash, "forced": forced,
            "imported_by": imported_by}).fetchone()
        conn.execute(SQL["create_stage"])
        self.params = {"batch_id": self.batch_id, "imported_by": imported_by, "imported_at": self.imported_at}
        self.months: set[tuple[int, int]] = set()
        self.rows = 0
        self.collected_min: dt.datetime | None = None
        self.collected_max: dt.datetime | None = None

    def write(self, rows: list[list]) -> None:
        """COPY one chunk into the stage and move it into epi.scan."""
        if not rows:
            return
        seal = self.sealer.seal
        older = self.sealer.older[0].id_digest if self.sealer.older else (lambda _v: None)
        i, n, p = PERSONAL_AT
        began = time.perf_counter()
        with self.conn.cursor() as cur:
            with cur.copy(SQL["copy_stage"]) as copy:
                copy.set_types(TYPES)
                for row in rows:
                    copy.write_row([row[k] for k in KEPT_AT] + list(seal(row[i], row[n], row[p])) + [older(row[i])])
            self._spend("copy", began)
            self._move(cur, len(rows), min(r[-1] for r in rows), max(r[-1] for r in rows))

    def write_csv(self, data: bytes, rows: int, lo: dt.datetime, hi: dt.datetime) -> None:
        """COPY one chunk given as CSV (the stage's columns in order, NULL as an empty field; written
        by Arrow in loaders.fastxlsx, the personal values sealed by it with this stage's sealer)
        into the stage and move it into epi.scan."""
        if not rows:
            return
        began = time.perf_counter()
        with self.conn.cursor() as cur:
            with cur.copy(SQL["copy_stage_csv"]) as copy:
                copy.write(data)
            self._spend("copy", began)
            self._move(cur, rows, lo, hi)

    def _spend(self, what: str, began: float) -> None:
        self.spent[what] = self.spent.get(what, 0.0) + time.perf_counter() - began

    def _move(self, cur, rows: int, lo: dt.datetime, hi: dt.datetime) -> None:
        self.rows += rows
        self.collected_min = lo if self.collected_min is None else min(self.collected_min, lo)
        self.collected_max = hi if self.collected_max is None else max(self.collected_max, hi)
        if self.deferred:
            return
        self._insert(cur, lo, hi)

    def move_all(self) -> None:
        """Move every staged row into epi.scan at once (deferred mode)."""
        if self.rows:
            with self.conn.cursor() as cur:
                self._insert(cur, self.collected_min, self.collected_max)

    def _insert(self, cur, lo: dt.datetime, hi: dt.datetime) -> None:
        began = time.perf_counter()
        month = shanghai_month(lo)
        # the months this chunk has rows in get their partitions (there is no default one);
        # a chunk wholly inside a month already made asks nothing
        same_month = shanghai_month(hi) == month
        if not (same_month and month in self.months):
            cur.execute(SQL["ensure_partitions"])
            if same_month:
                self.months.add(month)
        cur.execute(SQL["move_stage"], self.params)
        cur.execute(SQL["clear_stage"])
        self._spend("copy", began)

    def duplicates_of(self, keys_csv: bytes) -> tuple[int, dt.datetime | None, dt.datetime | None]:
        """The same for records not staged: their keys as CSV (公共场所ID, 采集时间, the ID number's
        digest under the current version and the older one), staged alone for the question."""
        with self.conn.cursor() as cur:
            with cur.copy(SQL["copy_keys_csv"]) as copy:
                copy.write(keys_csv)
            found = self.duplicates()
            cur.execute(SQL["clear_stage"])
        return found

    def duplicates(self) -> tuple[int, dt.datetime | None, dt.datetime | None]:
        """How many staged records are stored already, and their earliest and latest 采集时间
        (epi.import_duplicates; deferred mode, before move_all)."""
        older = self.sealer.older[0].ring.version if self.sealer.older else None
        return self.conn.execute(SQL["stage_duplicates"], {"version": self.sealer.ring.version,
                                                           "older_version": older}).fetchone()

    def counts_seconds(self) -> float | None:
        """The daily-count trigger's seconds in this transaction so far (None: not tracked)."""
        row = self.conn.execute(SQL["function_seconds"], {"schema": COUNTS_FUNCTION[0],
                                                         "name": COUNTS_FUNCTION[1]}).fetchone()
        return None if row is None or row[0] is None else row[0] / 1000

    def finish(self) -> None:
        """Record the batch's rows and 采集时间 range (the import history shows them), and merge the
        name index's pending lists of the months written (epi.merge_name_pending)."""
        self.conn.execute(SQL["finish_batch"], {"rows": self.rows, "collected_min": self.collected_min,
                                                "collected_max": self.collected_max, "batch_id": self.batch_id,
                                                "forced": self.forced})
        if self.rows:
            began = time.perf_counter()
            self.conn.execute(SQL["merge_name_pending"], {"batch_id": self.batch_id})
            self._spend("index_merge", began)
