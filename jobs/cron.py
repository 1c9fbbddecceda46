"""`invoke jobs.schedule`: register the jobs with pg_cron where the extension is loaded.

The times are the schedule's (epi.job_schedule, jobs/schedule.py); Debian's pg_cron 1.4 schedules
in UTC, so epi.job_cron converts them (02:00 in Kaiping, UTC+8, is 18:00 UTC of the day before).
Each job runs `call epi.run_job(…)` in this project's database as the jobs role (epi_jobs), which
sees what the jobs need and no more. Job names carry the database name, so several databases of a
cluster can each have their own; registering again updates them (idempotent). The SMS dispatcher is
Python: run `invoke scheduler --dispatch-only` beside pg_cron to send the queued texts.
"""
from __future__ import annotations

import re
from pathlib import Path

import psycopg
from psycopg import sql

from db import database, queries
from jobs import schedule as schedule_module

SQL = queries.load(Path(__file__).with_name("sql") / "cron.sql")
JOBS_DIR = Path(__file__).resolve().parent.parent / "db" / "jobs"

SEAL_EVERY_MINUTE = "* * * * *"     # the audit sealer: not a time of day, so not in the schedule


class NoCron(RuntimeError):
    pass


def cron_database(admin_url: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as c:
        loaded = c.execute(SQL["preloaded"]).fetchone()[0]
        if "pg_cron" not in loaded:
            raise NoCron("此 PostgreSQL 未加载 pg_cron（shared_preload_libraries 中没有 pg_cron）；"
                         "请改用 `invoke scheduler` 运行定时任务")
        return c.execute(SQL["cron_database"]).fetchone()[0]


def job_command(job: str) -> str:
    """The plain SQL of db/jobs/<job>.sql, without its comment: what pg_cron runs."""
    text = (JOBS_DIR / f"{job}.sql").read_text(encoding="utf-8")
    return re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL).strip()


def lines(url: str) -> dict[str, str]:
    """The UTC line of each timed job in the database, from the schedule (read as the jobs role)."""
    with psycopg.connect(url) as c, c.transaction():
        c.execute(sql.SQL("set local role {}").format(sql.Identifier(database.JOBS_LOGIN)))
        return schedule_module.cron_lines(c)


def job_names(dbname: str, cron_lines: dict[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """pg_cron's jobs of this database: name -> (UTC line, command). Without ``cron_lines`` the
    names alone are meant (the lines are empty)."""
    cron_lines = cron_lines or {}
    jobs = {job: cron_lines.get(job, "") for job in ("nightly", "counts_full")}
    return {**{f"epi_{job}_{dbname}": (line, job_command(job)) for job, line in jobs.items()},
            f"epi_audit_seal_{dbname}": (SEAL_EVERY_MINUTE, job_command("audit_seal"))}


def schedule(url: str | None = None) -> list[tuple[int, str, str]]:
    url = url or database.admin_url()
    dbname = database.database_name(url)
    cron_db = cron_database(url)
    names = job_names(dbname, lines(url))
    with psycopg.connect(database.with_params(url, dbname=cron_db), autocommit=True) as c:
        c.execute(SQL["create_extension"])
        out = []
        for name, (when, command) in names.items():
            job_id = c.execute(SQL["schedule"], {"name": name, "schedule": when, "command": command,
                                                 "database": dbname, "username": database.JOBS_LOGIN}).fetchone()[0]
            out.append((job_id, name, when))
        return out


def unschedule(url: str | None = None) -> int:
    url = url or database.admin_url()
    dbname = database.database_name(url)
    cron_db = cron_database(url)
    with psycopg.connect(database.with_params(url, dbname=cron_db), autocommit=True) as c:
        n = 0
        for name in job_names(dbname):
            for (job_id,) in c.execute(SQL["jobs_named"], {"name": name}).fetchall():
                c.execute(SQL["unschedule"], {"job_id": job_id})
                n += 1
        return n
