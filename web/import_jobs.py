"""Scan imports started from the page run in a background thread of the web process; their state
and progress are rows of epi.import_job (issue 26, point 6), so the page can be reloaded while an
import runs, any web process behind the proxy answers the progress poll, and an import whose
process died is marked failed by the next reader (the job's session lock: db/schema/0017)."""
from __future__ import annotations

import contextlib
import contextvars
import threading
import time
import uuid

import psycopg
from flask import g
from psycopg.rows import dict_row

from core.common import file_digest
from db import database
from loaders import scans
from loaders.errors import IMPORT_CONNECTION_LOST, LoadError, mask_personal
from web import uploads
from web.db import SQL, tx

# a running job whose lock nobody holds: its web process stopped (restart, crash, kill)
ABANDONED = ("导入中断：处理该导入的网页服务进程或它与数据库的连接已中断（重启、故障或异常退出），"
             "导入是一个整体，未写入任何数据，请重新导入该文件")
PROGRESS_EVERY = 0.5   # seconds between progress writes
END_RETRY_SECONDS = 30


def progress_line(job: dict, now: float | None = None) -> str:
    """What the import page says of a job: while it runs, the share written, rows a second and the
    time left (from the rows written so far); when it ended, how many rows and how long."""
    end = job.get("ended") or (time.time() if now is None else now)
    elapsed = max(end - job["started"], 0.001)
    written, total = job["written"], max(job["total"], job["written"])
    rate = written / elapsed
    if job["state"] != "running":
        if job["state"] == "done":
            return f"共写入 {written:,} 行，用时 {_duration(elapsed)}（{rate:,.0f} 行/秒）"
        return "未写入任何数据"
    if not total or not written:
        return f"正在读取文件…已读取 {job['read']:,} 行"
    share = min(written / total, 0.99)
    left = (total - written) / rate if rate else 0
    return f"{share:.0%}，已写入 {written:,} / 约 {total:,} 行，{rate:,.0f} 行/秒，预计还需 {_duration(left)}"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{max(seconds, 1)} 秒"
    return f"{seconds // 60} 分 {seconds % 60} 秒"


def percent(job: dict) -> int:
    if job["state"] == "done":
        return 100
    total = max(job["total"], job["written"])
    return min(99, int(job["written"] * 100 / total)) if total else 0


def reap(conn) -> int:
    """Mark failed every running import whose process died; returns how many (as ops)."""
    return conn.execute(SQL["reap_import_jobs"], {"message": ABANDONED}).rowcount


def reap_at_start(url: str, log) -> None:
    """At a web process's start: the imports of processes that died are marked failed now."""
    try:
        with psycopg.connect(url, connect_timeout=5) as conn, \
                database.acting_as(conn, kind="ops", account="system"):
            if n := reap(conn):
                log.warning("已将 %d 个中断的网页导入标记为失败（其网页服务进程已停止）", n)
    except psycopg.Error as exc:   # the database may come later: the next reader reaps then
        log.warning("启动时无法检查中断的网页导入：%s", type(exc).__name__)


class _Progress:
    """The job's own connection (the web login acting as ops for the importer): holds the job's
    session lock while the import runs, writes its progress at most every PROGRESS_EVERY seconds,
    and its end. Called from the reader and the writer threads: one lock around the connection."""

    def __init__(self, url: str, job_id: str, by: str, file_name: str):
        self.url, self.job_id, self.by = url, job_id, by
        self.lock = threading.Lock()
        self.last = 0.0
        self.seen = {"read": 0, "written": 0, "total": 0}
        self.conn = psycopg.connect(url, row_factory=dict_row)
        with database.acting_as(self.conn, kind="ops", account=by):
            self.conn.execute(SQL["import_job_lock"], {"job_id": job_id})
            self.conn.execute(SQL["import_job_insert"], {"job_id": job_id, "file_name": file_name, "by": by})

    def __call__(self, info: dict) -> None:
        with self.lock:
            for key in self.seen:
                self.seen[key] = max(self.seen[key], info.get(key) or 0)
            now = time.monotonic()
            if now - self.last < PROGRESS_EVERY:
                return
            self.last = now
            try:
                with database.acting_as(self.conn, kind="ops", account=self.by):
                    self.conn.execute(SQL["import_job_progress"], {"job_id": self.job_id, **self.seen})
            except psycopg.Error:
                pass   # progress is best effort; the end is written on a new connection if need be

    def end(self, state: str, message: str, *, batch_id=None, duplicate=False, digest=None, written=0) -> None:
        params = {"job_id": self.job_id, "state": state, "message": message, "batch_id": batch_id,
                  "duplicate": duplicate, "digest": digest, "written": written}
        with self.lock:
            # the database may be restarting (the import failed because of it): a new connection is
            # tried for up to END_RETRY_SECONDS, so that the import's own outcome is what stays
            give_up = time.monotonic() + END_RETRY_SECONDS
            try:
                while True:
                    try:
                        if self.conn.closed or self.conn.broken:
                            self.conn = psycopg.connect(self.url, row_factory=dict_row, connect_timeout=5)
                        with database.acting_as(self.conn, kind="ops", account=self.by):
                            self.conn.execute(SQL["import_job_end"], params)
                        break
                    except psycopg.OperationalError:
                        self.conn.close()
                        if time.monotonic() > give_up:
                            raise
                        time.sleep(1)
            finally:
                self.conn.close()   # releases the job's lock


def read(url: str, job_id: str, by: str) -> dict | None:
    """One job as the page shows it, outside a request (a command, a test), after reaping."""
    with psycopg.connect(url, row_factory=dict_row) as conn, database.acting_as(conn, kind="ops", account=by):
        reap(conn)
        return conn.execute(SQL["import_job_get"], {"job_id": job_id, "by": by}).fetchone()


class ImportJobs:
    """The imports started from the page (app.extensions["epi_import_jobs"]); ``by`` is the
    importer's account, as in loaders.scans.import_scans. get and recent read epi.import_job in
    the request's transaction (as ops), after marking the imports of dead processes failed."""

    def get(self, job_id):
        with tx("ops") as conn:
            reap(conn)
            return conn.execute(SQL["import_job_get"], {"job_id": job_id, "by": g.user.account}).fetchone()

    def recent(self, by):
        with tx("ops") as conn:
            reap(conn)
            return conn.execute(SQL["import_jobs_recent"], {"by": by}).fetchall()

    def start(self, upload: uploads.Upload, file_name: str, by: str, url: str, force: bool = False) -> str:
        """Import an uploaded file in a background thread; returns the job's id. The file is deleted
        when the import ends, whatever the outcome (a refused duplicate keeps only its digest, so that
        the user's confirmation can be matched with the same file uploaded again)."""
        job_id = uuid.uuid4().hex[:16]
        try:
            progress = _Progress(url, job_id, by, file_name)
        except BaseException:
            upload.discard()
            raise
        from web import metrics

        collected = metrics.current()
        started = time.monotonic()

        def done(ok: bool, rows: int = 0):
            if collected is not None:
                collected.import_done(ok, rows, time.monotonic() - started)

        def work():
            outcome = {"state": "failed", "message": "导入失败，未写入任何数据"}
            try:
                result = scans.import_scans(upload.path, by=by, force=force, file_name=file_name, url=url,
                                            progress=progress)
                outcome = {"state": "done", "batch_id": result.batch_id, "written": result.rows,
                           "message": f"导入完成：共 {result.rows} 条，批次 {result.batch_id}"}
                done(True, result.rows)
            except scans.NeedsConfirmation as exc:   # the same file, or records of it, imported before
                outcome = {"state": "failed", "message": str(exc), "duplicate": True,
                           "digest": file_digest(upload.path)}
            except LoadError as exc:
                outcome = {"state": "failed", "message": str(exc)}
            except psycopg.OperationalError:   # the database restarted or the network failed
                outcome = {"state": "failed", "message": IMPORT_CONNECTION_LOST}
            except Exception as exc:  # shown to the user, the import was rolled back
                outcome = {"state": "failed", "message": mask_personal(
                    getattr(getattr(exc, "diag", None), "message_primary", None) or "导入失败，未写入任何数据")}
            finally:
                upload.discard()
                if outcome["state"] != "done":
                    done(False)
                # the database gone: the next reader marks the job failed (its lock went with it)
                with contextlib.suppress(psycopg.Error):
                    progress.end(**outcome)

        # the request's context goes along: the import's audit entry records who asked, from where
        context = contextvars.copy_context()
        threading.Thread(target=context.run, args=(work,), name=f"import-{job_id}", daemon=True).start()
        return job_id
