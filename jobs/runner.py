"""`invoke jobs.run NAME [--date D]`: run one job now through epi.run_job, as the jobs role, then
(for sms and nightly) dispatch the queued texts."""
from __future__ import annotations

import datetime as dt

import psycopg

from db import database

JOBS = ("discover", "counts", "counts_full", "alerts", "sms", "nightly", "frontdb")
NAMES = {"discover": "场所发现", "counts": "日扫码量核对", "counts_full": "日扫码量全量核对",
         "alerts": "预警检测", "sms": "短信生成", "nightly": "夜间任务", "frontdb": "前置库同步"}


def run(job: str, as_of: dt.date | None = None, *, url: str | None = None, dispatch_sms: bool = True,
        gateway=None) -> list[dict]:
    if job not in JOBS:
        raise ValueError(f"未知的任务：{job}（可用：{'、'.join(JOBS)}）")
    with database.connect_jobs(url) as conn:
        before = conn.execute("select coalesce(max(run_id), 0) from epi.job_run").fetchone()[0]
        if job == "frontdb":
            # the sync reads another database, so it runs here rather than in epi.run_job; it
            # records its run and takes the job's lock the same way
            from loaders import frontdb

            try:
                frontdb.sync(url=url, as_of=as_of)
            except frontdb.SyncError as exc:
                recorded = conn.execute("select count(*) from epi.job_run where run_id > %s", (before,)).fetchone()[0]
                if not recorded:  # refused before it started (switched off, no DSN, bad config)
                    raise ValueError(str(exc)) from None
                # otherwise the failure is in epi.job_run, shown below
        else:
            conn.execute("call epi.run_job(%s, %s)", (job, as_of))
        with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
            runs = cur.execute("""select run_id, job, as_of, started_at, finished_at, ok, error, rows
                                    from epi.job_run where run_id > %s order by run_id""", (before,)).fetchall()
    if dispatch_sms and job in ("sms", "nightly"):
        from jobs import sms

        summary = sms.dispatch(url=url, gateway=gateway)
        runs.append({"job": "sms_dispatch", "ok": True, "summary": summary})
    return runs


def describe(runs: list[dict]) -> str:
    lines = []
    for r in runs:
        if r["job"] == "sms_dispatch":
            lines.append(r["summary"].describe())
            continue
        took = (r["finished_at"] - r["started_at"]).total_seconds() if r["finished_at"] else 0
        state = "成功" if r["ok"] else f"失败：{r['error']}"
        lines.append(f"{NAMES.get(r['job'], r['job'])}（{r['job']}，业务日期 {r['as_of']}）：{state}，"
                     f"影响 {r['rows'] if r['rows'] is not None else 0} 行，用时 {took:.2f} 秒")
    return "\n".join(lines)
