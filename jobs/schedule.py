"""The schedule: when the timed jobs run, kept in one place — the table epi.job_schedule.

Everything that runs a job at a time or states a time reads it from there: pg_cron's registration
(jobs/cron.py, its lines from epi.job_cron), `invoke scheduler` (jobs/scheduler.py, read again on
every turn of its loop, so a change needs no restart), the retention page's next purge, the
reasons of /healthz/jobs and the Prometheus rules (ops/prometheus.py). It is changed by a DBA with
`invoke jobs.schedule --nightly-at HH:MM` (:func:`change`), audited as schedule.update; the units
refresh moves with the nightly (epi.set_job_schedule)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from db import database, queries
from db.vocabulary import SHANGHAI

SQL = queries.load(Path(__file__).with_name("sql") / "schedule.sql")
WEEKDAYS = ("周日", "周一", "周二", "周三", "周四", "周五", "周六")   # cron's numbering: 0 = Sunday


@dataclass(frozen=True)
class Slot:
    at: dt.time
    weekday: int | None = None   # 0 = Sunday … 6 = Saturday, as cron and PostgreSQL's dow count; None: daily

    def next_after(self, now: dt.datetime) -> dt.datetime:
        """The next moment of this slot (Asia/Shanghai) strictly after ``now``."""
        return next_time(now, self.at, None if self.weekday is None else (self.weekday - 1) % 7)

    def describe(self) -> str:
        """How a page says it: 每日 02:00, 每周日 03:00."""
        return ("每日" if self.weekday is None else "每" + WEEKDAYS[self.weekday]) + f" {self.at:%H:%M}"


def nightly_missing(slot: Slot) -> str:
    """What /healthz/jobs and the Prometheus rule say when no nightly ended well lately."""
    return f"26 小时内没有成功结束的夜间任务（{slot.describe()}）"


def next_time(now: dt.datetime, at: dt.time, weekday: int | None = None) -> dt.datetime:
    """The next moment at ``at`` (Asia/Shanghai) after ``now``, optionally on a weekday (Python's:
    0 = Monday)."""
    local = now.astimezone(SHANGHAI)
    candidate = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    while candidate <= local or (weekday is not None and candidate.weekday() != weekday):
        candidate += dt.timedelta(days=1)
    return candidate


def read(conn: psycopg.Connection) -> dict[str, Slot]:
    """The schedule by job (a connection of ops, the jobs or the DBA acting as owner)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return {job: Slot(at, weekday) for job, at, weekday in cur.execute(SQL["read"])}


def load(url: str | None = None) -> dict[str, Slot]:
    """The schedule, read on a jobs connection."""
    with database.connect_jobs(url) as conn:
        return read(conn)


def cron_lines(conn: psycopg.Connection) -> dict[str, str]:
    """pg_cron's UTC line of each timed job that runs in the database."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return dict(cur.execute(SQL["cron"]).fetchall())


def parse_at(text: str, option: str) -> dt.time:
    try:
        at = dt.time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{option} 应为北京时间的整分钟 HH:MM，如 02:00（当前为“{text}”）") from None
    if at.second or at.microsecond:
        raise ValueError(f"{option} 应为北京时间的整分钟 HH:MM，如 02:00（当前为“{text}”）")
    return at


def change(changes: dict[str, tuple[dt.time, int | None]], *, by: str, url: str | None = None) -> dict[str, Slot]:
    """Set the given jobs' times (a DBA's act on the admin connection, acting as the owner; audited
    by the table's trigger); returns the schedule after it, in one transaction."""
    with psycopg.connect(url or database.admin_url()) as conn, conn.transaction():
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(database.OWNER)))
        conn.execute(SQL["act_for"], {"account": by, "os_user": database.os_user(),
                                      "menu": database.claims().get("menu") or ""})
        for job, (at, weekday) in changes.items():
            conn.execute(SQL["set"], {"job": job, "at": at, "weekday": weekday})
        return read(conn)
