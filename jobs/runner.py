"""`invoke jobs.run NAME [--date D]`: run one job now, as the jobs role, then (for sms and nightly)
dispatch the queued texts.

One job engine: the jobs are epi.job_list(). Those in the database run through epi.run_job, which
runs each step by the call the list gives it and answers the run's id; those that run in Python
(the list's in_database = false: the front-database sync reads another database, the units
refresh reads OA's file) are in PYTHON_JOBS and keep their books with :func:`recorded`, the same
epi.job_begin / epi.job_end as the procedure. Either way the runner reads back that run and its
steps (epi.job_run.parent_run), never "every run since": a concurrent run is not this one's."""
from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from db import database, queries

SQL = queries.load(Path(__file__).with_name("sql") / "runner.sql")


class JobBusy(RuntimeError):
    """Another run of the job holds its lock: epi.job_begin recorded this attempt as failed."""

    def __init__(self, job: str, run_id: int):
        super().__init__(f"任务 {job} 正在运行，本次未执行")
        self.job, self.run_id = job, run_id


@dataclass
class Run:
    """A run of a Python job while it runs: what :func:`recorded` writes at its end."""
    run_id: int
    rows: int | None = None
    error: str | None = None   # a failure the job handled itself (recorded; the run is not ok)


@contextlib.contextmanager
def recorded(conn: psycopg.Connection, job: str, as_of: dt.date) -> Iterator[Run]:
    """The bookkeeping of a job run in Python, as epi.run_job keeps it for the jobs in the
    database: the job's lock and its epi.job_run row (raises JobBusy when another run holds the
    lock), and at the end its outcome — ``run.rows``, ``run.error`` or the exception that ended
    it (its class only: a message may quote a value). ``conn``: an autocommit jobs connection."""
    run_id = conn.execute(SQL["job_begin"], {"job": job, "as_of": as_of}).fetchone()[0]
    if run_id is None:
        raise JobBusy(job, conn.execute(SQL["last_refusal"]).fetchone()[0])
    run = Run(run_id)
    try:
        yield run
    except BaseException as exc:
        if run.error is None:
            run.error = f"任务意外中止：{exc.__class__.__name__}"
        raise
    finally:
        if not conn.closed and not conn.broken:
            conn.execute(SQL["job_end"], {"run_id": run.run_id, "error": run.error, "rows": run.rows})


def job_list(conn: psycopg.Connection) -> dict[str, dict]:
    """The jobs by name (epi.job_list(), in its order): label, steps, call, in_database."""
    with conn.cursor(row_factory=dict_row) as cur:
        return {r["job"]: r for r in cur.execute(SQL["job_list"])}


def _frontdb(*, url: str | None, as_of: dt.date | None) -> int | None:
    from jobs import frontdb

    try:
        return frontdb.sync(url=url, as_of=as_of).run_id
    except frontdb.SyncRefused as exc:   # it did not start: nothing recorded
        raise ValueError(str(exc)) from None
    except frontdb.SyncError as exc:
        return exc.run_id   # the failure is recorded in epi.job_run, shown with the run below


def _oa_file(module: str) -> Callable[..., int | None]:
    def run_now(*, url: str | None, as_of: dt.date | None) -> int | None:
        import importlib

        return importlib.import_module(f"jobs.{module}").FILE.run_now(url=url, as_of=as_of)
    return run_now


# The jobs of epi.job_list() that run in Python, each answering its run's id (None: no run)
PYTHON_JOBS: dict[str, Callable[..., int | None]] = {"units": _oa_file("units"), "menus": _oa_file("menus"),
                                                     "frontdb": _frontdb}


def run(job: str, as_of: dt.date | None = None, *, url: str | None = None, dispatch_sms: bool = True,
        gateway=None) -> list[dict]:
    """Run a job now; its run and its steps' runs as recorded (and the texts' dispatch)."""
    with database.connect_jobs(url) as conn:
        jobs = job_list(conn)
        if job not in jobs:
            raise ValueError(f"未知的任务：{job}（可用：{'、'.join(jobs)}）")
        if jobs[job]["in_database"]:
            run_id = conn.execute(SQL["run_job"], {"job": job, "as_of": as_of}).fetchone()[0]
        else:
            run_id = PYTHON_JOBS[job](url=url, as_of=as_of)
        runs = []
        if run_id is not None:
            with conn.cursor(row_factory=dict_row) as cur:
                runs = cur.execute(SQL["run_and_steps"], {"run_id": run_id}).fetchall()
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
