"""Scan imports started from the page run in a background thread of the web process; their
progress is kept here, so the page can be reloaded while an import runs."""
from __future__ import annotations

import contextvars
import threading
import time
import uuid

import psycopg

from loaders import scans
from loaders.errors import IMPORT_CONNECTION_LOST, LoadError, mask_personal
from web import uploads


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


class ImportJobs:
    """The imports started from the page in one app instance (app.extensions["epi_import_jobs"]);
    ``by`` is the importer's account, as in loaders.scans.import_scans."""

    def __init__(self):
        self.jobs: dict[str, dict] = {}
        self.lock = threading.Lock()

    def get(self, job_id):
        with self.lock:
            job = self.jobs.get(job_id)
            return dict(job) if job else None

    def recent(self, by=None):
        with self.lock:
            jobs = [dict(j) for j in self.jobs.values() if by is None or j["by"] == by]
        return sorted(jobs, key=lambda j: j["started"], reverse=True)[:10]

    def start(self, upload: uploads.Upload, file_name: str, by: str, url: str, force: bool = False) -> str:
        """Import an uploaded file in a background thread; returns the job's id. The file is deleted
        when the import ends, whatever the outcome (a refused duplicate keeps only its digest, so that
        the user's confirmation can be matched with the same file uploaded again)."""
        job_id = uuid.uuid4().hex[:12]
        job = {"id": job_id, "file_name": file_name, "by": by, "state": "running", "read": 0, "written": 0,
               "total": 0, "message": "", "batch_id": None, "started": time.time(), "ended": None,
               "duplicate": False, "digest": None}
        _lock = self.lock
        with _lock:
            self.jobs[job_id] = job

        def progress(info):
            with _lock:
                for key in ("read", "written", "total"):
                    if key in info:
                        job[key] = max(job[key], info[key] or 0)

        from web import metrics

        collected = metrics.current()

        def done(ok: bool, rows: int = 0):
            if collected is not None:
                collected.import_done(ok, rows, time.time() - job["started"])

        def work():
            try:
                result = scans.import_scans(upload.path, by=by, force=force, file_name=file_name, url=url,
                                            progress=progress)
                with _lock:
                    job.update(state="done", batch_id=result.batch_id, written=result.rows, total=result.rows,
                               ended=time.time(),
                               message=f"导入完成：共 {result.rows} 条，批次 {result.batch_id}")
                done(True, result.rows)
            except scans.DuplicateFile as exc:
                digest = scans.file_digest(upload.path)
                with _lock:
                    job.update(state="failed", message=str(exc), duplicate=True, digest=digest, ended=time.time())
            except LoadError as exc:
                with _lock:
                    job.update(state="failed", message=str(exc), ended=time.time())
            except psycopg.OperationalError:   # the database restarted or the network failed
                with _lock:
                    job.update(state="failed", message=IMPORT_CONNECTION_LOST, ended=time.time())
            except Exception as exc:  # shown to the user, the import was rolled back
                message = mask_personal(getattr(getattr(exc, "diag", None), "message_primary", None)
                                        or "导入失败，未写入任何数据")
                with _lock:
                    job.update(state="failed", message=message, ended=time.time())
            finally:
                upload.discard()
                if job["state"] != "done":
                    done(False)

        # the request's context goes along: the import's audit entry records who asked, from where
        context = contextvars.copy_context()
        threading.Thread(target=context.run, args=(work,), name=f"import-{job_id}", daemon=True).start()
        return job_id
