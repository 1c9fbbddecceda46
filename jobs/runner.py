"""`invoke jobs.run NAME [--date D]`: run one job now, as the jobs role, then (for sms and nightly)
dispatch the queued texts. The jobs are epi.job_list(): those in the database run through
epi.run_job; the front-database sync (it reads another database) runs here, with the same
bookkeeping (epi.job_begin / epi.job_end)."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from db import database, queries

SQL = queries.load(Path(__file__).with_name("sql") / "runner.sql")


def job_list(conn: psycopg.Connection) -> dict[str, dict]:
    """The jobs by name (epi.job_list(), in its order): label, steps, in_database."""
    with conn.cursor(row_factory=dict_row) as cur:
        return {r["job"]: r for r in cur.execute(SQL["job_list"])}


def run(job: str, as_of: dt.date | None = None, *, url: str | None = None, dispatch_sms: bool = True,
        gateway=None) -> list[dict]:
    with database.connect_jobs(url) as conn:
        jobs = job_list(conn)
        if job not in jobs:
            raise ValueError(f"未知的任务：{job}（可用：{'、'.join(jobs)}）")
        before = conn.execute(SQL["last_run_id"]).fetchone()[0]
        if jobs[job]["in_database"]:
            conn.execute(SQL["run_job"], {"job": job, "as_of": as_of})
        elif job == "units":
            from jobs import units

            if not os.environ.get(units.ENV):
                raise ValueError(f"未设置 {units.ENV}（OA 机构导出文件的路径），没有可刷新的监管单位")
            units.refresh(jobs_url=url, echo=lambda *_: None)
        else:
            from jobs import frontdb

            try:
                frontdb.sync(url=url, as_of=as_of)
            except frontdb.SyncRefused as exc:   # it did not start: nothing recorded
                raise ValueError(str(exc)) from None
            except frontdb.SyncError:
                pass   # the failure is recorded in epi.job_run, shown with the runs below
        with conn.cursor(row_factory=dict_row) as cur:
            runs = cur.execute(SQL["runs_since"], {"run_id": before}).fetchall()
        for r in runs:
            r["label"] = jobs.get(r["job"], {}).get("label", r["job"])
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
        lines.append(f"{r.get('label', r['job'])}（{r['job']}，业务日期 {r['as_of']}）：{state}，"
                     f"影响 {r['rows'] if r['rows'] is not None else 0} 行，用时 {took:.2f} 秒")
    return "\n".join(lines)
