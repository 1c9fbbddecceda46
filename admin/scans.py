"""Batch delete of scan-entry records (扫码进场信息管理's 删除, `invoke scans.delete`): by 采集时间 or
数据导入时间 range, to the minute, or one import of the history. A preview counts what would go,
per import; the delete runs in one transaction under the lock imports share (so the count cannot
change under it), refuses when the data changed since the preview, drops whole Asia/Shanghai months
of 采集时间 with their partitions (epi.drop_scan_month) and deletes the rest row by row; the daily
counts and every other derived structure follow in the database, which also writes the audit
entry. Not a loader: it reads no file, so it lives apart from loaders/."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import psycopg
import psycopg.rows

from core.common import BadTime, parse_collected_at, range_end
from db import database, queries, vocabulary
from db.vocabulary import SHANGHAI

SQL = queries.load(Path(__file__).with_name("sql") / "scans.sql")


@dataclass
class DeletePlan:
    field: str                   # 'collected' (采集时间), 'imported' (数据导入时间) or 'batch' (one import)
    lo: dt.datetime | None       # inclusive (None for one import)
    hi: dt.datetime | None       # exclusive
    total: int
    batches: list[dict]          # per import: batch_id, file_name, imported_by, imported_at, n
    batch: int | None = None     # the import, when field is 'batch'

    def describe(self) -> str:
        if self.field == "batch":
            lines = [f"导入批次 {self.batch} 现存的扫码记录共 {self.total} 条："]
        else:
            what = RANGE_FIELDS[self.field]
            last = self.hi - dt.timedelta(microseconds=1)
            lines = [f"{what}在 {self.lo:%Y-%m-%d %H:%M:%S} 至 {last:%Y-%m-%d %H:%M:%S} 之间的扫码记录共 {self.total} 条："]
        for b in self.batches:
            lines.append(f"  导入批次 {b['batch_id']}（{b['file_name'] or '—'}，{b['imported_by']} 于 "
                         f"{b['imported_at'].astimezone(SHANGHAI):%Y-%m-%d %H:%M} 导入）：{b['n']} 条")
        return "\n".join(lines)


@dataclass
class DeleteResult:
    rows: int
    months_dropped: list[str]
    plan: DeletePlan


# the times a batch delete can select by: 采集时间 or 数据导入时间
RANGE_FIELDS = {"collected": vocabulary.SCAN["collected_at"], "imported": vocabulary.SCAN_IMPORT["imported_at"]}


class ChangedSincePreview(Exception):
    pass


def parse_range(text: str) -> tuple[dt.datetime, dt.datetime]:
    """'FROM..TO' in Asia/Shanghai. Dates include the whole TO day; a TO with a time includes
    that minute or second (as precise as it is written). Returns [lo, hi)."""
    if not text or ".." not in text:
        raise ValueError(f"时间范围“{text}”格式应为 起..止，例如 2022-03-01..2022-03-31")
    left, right = (part.strip() for part in text.split("..", 1))
    try:
        lo = parse_collected_at(left)
        hi = parse_collected_at(right)
    except BadTime as exc:
        raise ValueError(f"时间范围“{text}”无法识别：{exc}") from None
    hi = range_end(right, hi)
    if hi <= lo:
        raise ValueError(f"时间范围“{text}”的结束早于开始")
    return lo, hi


def _plan(conn, field, lo, hi, batch=None) -> DeletePlan:
    query = SQL[f"delete_preview_{field}"]
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        batches = cur.execute(query, {"lo": lo, "hi": hi, "batch": batch}).fetchall()
    return DeletePlan(field, lo, hi, sum(b["n"] for b in batches), batches, batch)


def _locked_plan(conn, field, lo, hi, expected: int | None, batch=None) -> DeletePlan:
    """The plan of a delete about to run, under the lock imports share; with ``expected`` (the
    previewed count), refused when the data changed since the preview."""
    conn.execute(SQL["lock_for_delete"])
    plan = _plan(conn, field, lo, hi, batch)
    if expected is not None and plan.total != expected:
        raise ChangedSincePreview(f"预览后数据已变化（预览 {expected} 条，现在 {plan.total} 条），未删除任何数据，请重新预览后再确认")
    return plan


def _checked(rows: int, plan: DeletePlan) -> int:
    """The rows a delete removed, which must be the plan's (cannot differ under the lock; never
    commit a surprise)."""
    if rows != plan.total:
        raise ChangedSincePreview(f"删除条数（{rows}）与统计条数（{plan.total}）不一致，已撤销，未删除任何数据")
    return rows


def plan_delete_batch(*, batch: int, account: str, url: str | None = None) -> DeletePlan:
    """What deleting one import would remove (its rows still stored). Writes nothing."""
    with database.connect_loader(url) as conn, database.acting_as(conn, kind="ops", account=account):
        return _plan(conn, "batch", None, None, batch)


def delete_batch(*, batch: int, account: str, expected: int | None = None, url: str | None = None) -> DeleteResult:
    """Delete the stored rows of one import in one transaction (audited by the database, daily
    counts and the import's stored rows follow); with ``expected``, refuses when they changed
    since the preview."""
    operation = {"delete": "batch", "batch": batch, "expected": expected}
    with database.connect_loader(url) as conn, \
            database.acting_as(conn, kind="ops", account=account, operation=operation):
        plan = _locked_plan(conn, "batch", None, None, expected, batch)
        rows = _checked(conn.execute(SQL["delete_batch"], {"batch": batch}).rowcount, plan)
    return DeleteResult(rows, [], plan)


def plan_delete(*, field: str, lo: dt.datetime, hi: dt.datetime, account: str, url: str | None = None) -> DeletePlan:
    """What a batch delete would remove: the count and the per-import breakdown. Writes nothing."""
    if field not in RANGE_FIELDS:
        raise ValueError(field)
    with database.connect_loader(url) as conn, database.acting_as(conn, kind="ops", account=account):
        return _plan(conn, field, lo, hi)


def delete_scans(*, field: str, lo: dt.datetime, hi: dt.datetime, account: str, expected: int | None = None,
                 url: str | None = None) -> DeleteResult:
    """Delete the scans of a range in one transaction: whole Asia/Shanghai months of 采集时间 by
    dropping their partitions, the rest row by row; daily counts follow (triggers, or with the
    partition); one audit entry. With ``expected`` (the previewed count), refuses when the data
    changed since the preview."""
    if field not in RANGE_FIELDS:
        raise ValueError(field)
    operation = {"delete": field, "from": lo.isoformat(), "to": hi.isoformat(), "expected": expected}
    with database.connect_loader(url) as conn, \
            database.acting_as(conn, kind="ops", account=account, operation=operation):
        plan = _locked_plan(conn, field, lo, hi, expected)
        months: list[str] = []
        rows = 0
        if field == "collected":
            for (month,) in conn.execute(SQL["whole_months"], {"lo": lo, "hi": hi}).fetchall():
                rows += conn.execute(SQL["drop_month"], {"month": month}).fetchone()[0]
                months.append(f"{month:%Y-%m}")
            rows += conn.execute(SQL["delete_collected"], {"lo": lo, "hi": hi}).rowcount
        else:
            rows += conn.execute(SQL["delete_imported"], {"lo": lo, "hi": hi}).rowcount
        _checked(rows, plan)
    return DeleteResult(rows, months, plan)
