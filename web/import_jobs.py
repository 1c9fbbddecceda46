"""Scan imports started from the page run in a background thread of the web process; their
progress is kept here, so the page can be reloaded while an import runs."""
from __future__ import annotations

import contextvars
import threading
import time
import uuid
from pathlib import Path

import psycopg

from loaders import scans
from loaders.errors import IMPORT_CONNECTION_LOST, LoadError


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

    def start(self, path: Path, file_name: str, by: str, url: str, force: bool = False) -> str:
        """Start importing ``path`` in a background thread; returns the job's id."""
        job_id = uuid.uuid4().hex[:12]
        job = {"id": job_id, "file_name": file_name, "by": by, "state": "running", "read": 0, "written": 0,
               "total": 0, "message": "", "batch_id": None, "started": time.time(), "path": str(path),
               "duplicate": False}
        _lock = self.lock
        with _lock:
            self.jobs[job_id] = job

        def progress(info):
            with _lock:
                for key in ("read", "written", "total"):
                    if key in info:
                        job[key] = max(job[key], info[key] or 0)

        def work():
            try:
                result = scans.import_scans(path, by=by, force=force, file_name=file_name, url=url, progress=progress)
                with _lock:
                    job.update(state="done", batch_id=result.batch_id, written=result.rows, total=result.rows,
                               message=f"导入完成：共 {result.rows} 条，批次 {result.batch_id}")
                Path(path).unlink(missing_ok=True)
            except scans.DuplicateFile as exc:
                with _lock:
                    job.update(state="failed", message=str(exc), duplicate=True)
            except LoadError as exc:
                with _lock:
                    job.update(state="failed", message=str(exc))
                Path(path).unlink(missing_ok=True)
            except psycopg.OperationalError:   # the database restarted or the network failed
                with _lock:
                    job.update(state="failed", message=IMPORT_CONNECTION_LOST)
                Path(path).unlink(missing_ok=True)
            except Exception as exc:  # shown to the user, the import was rolled back
                message = getattr(getattr(exc, "diag", None), "message_primary", None) or "导入失败，未写入任何数据"
                with _lock:
                    job.update(state="failed", message=message)
                Path(path).unlink(missing_ok=True)

        # the request's context goes along: the import's audit entry records who asked, from where
        context = contextvars.copy_context()
        threading.Thread(target=context.run, args=(work,), name=f"import-{job_id}", daemon=True).start()
        return job_id
