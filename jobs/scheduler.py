"""`invoke scheduler`: the same schedule as pg_cron, for installations without it.

Every day at EPI_NIGHTLY_AT (default 02:00, Asia/Shanghai) the nightly job runs as of that day; on
Sundays at 03:00 the full count check (if it starts after that time and today's nightly has not
finished well, e.g. because the scheduler was killed during it, it runs the nightly at once); every EPI_SMS_DISPATCH_SECONDS (default 300) the dispatcher
sends any pending text; every EPI_FRONTDB_SYNC_SECONDS (default 600), when EPI_FRONTDB_DSN is set
and the sync is enabled, the front-database sync runs (in --dispatch-only mode too: pg_cron cannot
reach another database); every EPI_AUDIT_SEAL_SECONDS (default 60) the audit log's committed entries
are sealed, and every day after the nightly time the chain's head is anchored in EPI_AUDIT_ANCHOR_DIR
(both in --dispatch-only mode too: pg_cron cannot write files). When EPI_OA_UNITS_FILE names OA's
organisation export, the units are re-read from it just before the nightly (15 minutes before it
in --dispatch-only mode, beside pg_cron). epi.run_job's advisory lock keeps a job from running twice at once, even
beside pg_cron (use --dispatch-only there). Stops on Ctrl-C / SIGTERM.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import threading

import psycopg

from db import database
from db.vocabulary import SHANGHAI
from jobs import audit, runner, sms, units

log = logging.getLogger("epi.scheduler")


def next_time(now: dt.datetime, at: dt.time, weekday: int | None = None) -> dt.datetime:
    """The next moment at ``at`` (Asia/Shanghai) after ``now``, optionally on a weekday (0 = Monday)."""
    local = now.astimezone(SHANGHAI)
    candidate = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    while candidate <= local or (weekday is not None and candidate.weekday() != weekday):
        candidate += dt.timedelta(days=1)
    return candidate


def missed_nightly(now: dt.datetime, at: dt.time, *, url: str | None = None) -> bool:
    """True when today's nightly time has passed and no nightly run as of today finished well:
    the scheduler was down at that time, or killed during the run. It is then run at once."""
    local = now.astimezone(SHANGHAI)
    if local.time() < at:
        return False
    with database.connect_jobs(url) as conn:
        done = conn.execute(runner.SQL["finished_well"], {"job": "nightly", "as_of": local.date()}).fetchone()
    return done is None


def run_forever(*, dispatch_only: bool = False, stop: threading.Event | None = None, echo=print) -> None:
    stop = stop or threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError):  # not the main thread (tests)
            signal.signal(sig, lambda *_: stop.set())
    at = dt.time.fromisoformat(os.environ.get("EPI_NIGHTLY_AT", "02:00"))
    every = float(os.environ.get("EPI_SMS_DISPATCH_SECONDS", "300"))
    now = dt.datetime.now(SHANGHAI)
    nightly = next_time(now, at)
    if not dispatch_only:
        try:
            if missed_nightly(now, at):
                nightly = now
                echo("今天的夜间任务尚未成功完成（调度程序当时未运行或被中断），现在补跑")
        except psycopg.Error as exc:  # the database is not reachable yet: the loop below reports it
            log.warning("could not check today's nightly run: %s", exc)
    full = next_time(now, dt.time(3, 0), weekday=6)
    echo(("仅发送短信模式" if dispatch_only else f"下次夜间任务：{nightly:%Y-%m-%d %H:%M}（北京时间）") + "，按 Ctrl-C 停止")
    next_dispatch = now
    sync_every = float(os.environ.get("EPI_FRONTDB_SYNC_SECONDS", "600"))
    next_sync = now if os.environ.get("EPI_FRONTDB_DSN") else None
    seal_every = float(os.environ.get("EPI_AUDIT_SEAL_SECONDS", "60"))
    next_seal = now
    next_anchor = next_time(now, at)
    # beside pg_cron (which runs the nightly at its time) the units are re-read 15 minutes before it
    units_at = (dt.datetime.combine(dt.date.today(), at) - dt.timedelta(minutes=15)).time()
    next_units = next_time(now, units_at) if dispatch_only and os.environ.get(units.ENV) else None
    while not stop.is_set():
        now = dt.datetime.now(SHANGHAI)
        try:
            if not dispatch_only and now >= nightly:
                _refresh_units(echo)   # texts of this nightly go to today's heads and phones
                echo(runner.describe(runner.run("nightly", nightly.date())))
                nightly = next_time(now, at)
            if not dispatch_only and now >= full:
                echo(runner.describe(runner.run("counts_full", full.date(), dispatch_sms=False)))
                full = next_time(now, dt.time(3, 0), weekday=6)
            if next_units is not None and now >= next_units:
                next_units = next_time(now, units_at)
                _refresh_units(echo)
            if now >= next_seal:
                next_seal = now + dt.timedelta(seconds=seal_every)
                audit.seal()
            if now >= next_anchor:  # after the nightly of the same time, above
                next_anchor = next_time(now, at)
                echo(f"审计日志锚点已写入 {audit.anchor()}")
            if next_sync is not None and now >= next_sync:
                next_sync = now + dt.timedelta(seconds=sync_every)
                _sync_front(echo)
            if now >= next_dispatch:
                summary = sms.dispatch()
                if summary.sent or summary.failed or summary.in_doubt:
                    echo(summary.describe())
                next_dispatch = now + dt.timedelta(seconds=every)
        except Exception as exc:
            log.exception("scheduled run failed")
            echo(f"定时任务出错：{exc.__class__.__name__}: {exc}")
        wake = min([next_dispatch, next_seal, next_anchor] + ([] if dispatch_only else [nightly, full])
                   + ([next_units] if next_units is not None else [])
                   + ([next_sync] if next_sync is not None else []))
        stop.wait(max(1.0, min(60.0, (wake - dt.datetime.now(SHANGHAI)).total_seconds())))


def _refresh_units(echo) -> None:
    """Re-read OA's organisation export when EPI_OA_UNITS_FILE names it (jobs/units.py)."""
    if os.environ.get(units.ENV):
        units.refresh(echo=echo)


def _sync_front(echo) -> None:
    """One front-database sync, when it is switched on (quietly nothing otherwise)."""
    from jobs import frontdb

    try:
        result = frontdb.sync()
    except frontdb.SyncDisabled:
        return
    except frontdb.SyncError as exc:
        echo(str(exc))
        return
    if result.scans or result.venue_rows:
        echo(result.describe())
