"""`invoke scheduler`: the same schedule as pg_cron, for installations without it.

The times are the schedule's (epi.job_schedule, jobs/schedule.py; read again on every turn of the
loop, so `invoke jobs.schedule --nightly-at` needs no restart). By default: every day at 02:00
(Asia/Shanghai) the nightly job runs as of that day (if it starts after that time and today's
nightly has not finished well, e.g. because the scheduler was killed during it, it runs the nightly
at once); on Sundays at 03:00 the full count check; when EPI_OA_UNITS_FILE names OA's organisation
export, the units are re-read from it at the units slot (15 minutes before the nightly), and before
a caught-up nightly; when EPI_OA_MENUS_FILE names OA's role export, it is looked at every minute
and re-read when it changed (jobs/menus.py). Every EPI_SMS_DISPATCH_SECONDS (default 300) the dispatcher sends any pending
text; every EPI_FRONTDB_SYNC_SECONDS (default 600), when EPI_FRONTDB_DSN is set and the sync is
enabled, the front-database sync runs; every EPI_AUDIT_SEAL_SECONDS (default 60) the audit log's
committed entries are sealed and the chain's new head is appended to the heads file in
EPI_AUDIT_ANCHOR_DIR and logged (jobs/audit.py record_head), and every day after the nightly time the
head is also anchored in a file of its own there. In --dispatch-only mode (beside pg_cron, which runs the nightly and the full
check) the scheduler still sends texts, syncs (pg_cron cannot reach another database), seals and
anchors (it cannot write files) and refreshes the units and the menus (files). epi.run_job's advisory lock keeps
a job from running twice at once, even beside pg_cron. Stops on Ctrl-C / SIGTERM.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import signal
import threading

from core import config, crypto
from db import database
from db.vocabulary import SHANGHAI
from jobs import audit, menus, runner, sms, units
from jobs import schedule as timetable

log = logging.getLogger("epi.scheduler")


def missed_nightly(now: dt.datetime, at: dt.time, *, url: str | None = None) -> bool:
    """True when today's nightly time has passed and no nightly run as of today finished well:
    the scheduler was down at that time, or killed during the run. It is then run at once."""
    local = now.astimezone(SHANGHAI)
    if local.time() < at:
        return False
    with database.connect_jobs(url) as conn:
        done = conn.execute(runner.SQL["finished_well"], {"job": "nightly", "as_of": local.date()}).fetchone()
    return done is None


class Plan:
    """The next moment of each timed job, from the schedule; made again when the schedule changes."""

    def __init__(self, slots: dict[str, timetable.Slot], now: dt.datetime, *, dispatch_only: bool):
        self.slots = slots
        self.next: dict[str, dt.datetime] = {}
        timed = ["units", "anchor"] if dispatch_only else ["units", "nightly", "counts_full", "anchor"]
        for job in timed:
            slot = slots["nightly" if job == "anchor" else job]   # the anchor follows the nightly's time
            self.next[job] = slot.next_after(now)

    def due(self, job: str, now: dt.datetime) -> dt.datetime | None:
        """The moment the job was due at, when it is due now (then its next moment is set)."""
        when = self.next.get(job)
        if when is None or now < when:
            return None
        self.next[job] = self.slots["nightly" if job == "anchor" else job].next_after(now)
        return when


def run_forever(*, dispatch_only: bool = False, stop: threading.Event | None = None, echo=print,
                url: str | None = None) -> None:
    stop = stop or threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError):  # not the main thread (tests)
            signal.signal(sig, lambda *_: stop.set())
    cfg = config.current()
    config.check_jobs(cfg)   # the gateway's settings are complete now, not found wanting at 02:00
    if cfg.frontdb_dsn:      # the sync writes scans: its keys are the data's (issue 49), checked now
        crypto.check_at_start(url or database.jobs_url(), log)
    every, sync_every, seal_every = cfg.sms_dispatch_seconds, cfg.frontdb_sync_seconds, cfg.audit_seal_seconds
    now = dt.datetime.now(SHANGHAI)
    next_dispatch = next_seal = now
    next_sync = now if cfg.frontdb_dsn else None
    plan: Plan | None = None
    announced = False
    menus_watch = menus.Watch()
    while not stop.is_set():
        now = dt.datetime.now(SHANGHAI)
        try:
            slots = timetable.load(url)
            if plan is None or slots != plan.slots:
                plan = Plan(slots, now, dispatch_only=dispatch_only)
                if not announced and not dispatch_only and missed_nightly(now, slots["nightly"].at, url=url):
                    echo("今天的夜间任务尚未成功完成（调度程序当时未运行或被中断），现在补跑")
                    plan.next["units"] = plan.next["nightly"] = now   # the units first, as at their time
                echo(("仅发送短信模式" if dispatch_only else
                      f"下次夜间任务：{plan.next['nightly']:%Y-%m-%d %H:%M}（北京时间，{slots['nightly'].describe()}）")
                     + ("，按 Ctrl-C 停止" if not announced else "（任务时间已更改）"))
                announced = True
            if menus_watch.due(menus.configured_path()):
                menus.refresh(echo=echo)   # a menu revoked in OA is gone at the sessions' next click
            if plan.due("units", now):
                _refresh_units(echo)   # texts of the nightly go to today's heads and phones
            if when := plan.due("nightly", now):
                echo(runner.describe(runner.run("nightly", when.date(), url=url)))
            if when := plan.due("counts_full", now):
                echo(runner.describe(runner.run("counts_full", when.date(), url=url, dispatch_sms=False)))
            if now >= next_seal:
                next_seal = now + dt.timedelta(seconds=seal_every)
                audit.seal_and_record()   # the head of each seal goes to the heads file and the log
            if plan.due("anchor", now):  # after the nightly of the same time, above
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
        wake = min([next_dispatch, next_seal, *(plan.next.values() if plan else [])]
                   + ([next_sync] if next_sync is not None else []))
        stop.wait(max(1.0, min(60.0, (wake - dt.datetime.now(SHANGHAI)).total_seconds())))


def _refresh_units(echo) -> None:
    """Re-read OA's organisation export when EPI_OA_UNITS_FILE names it (jobs/units.py)."""
    if units.configured_path():
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
