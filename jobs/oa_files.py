"""OA's files kept current: the organisation export (jobs/units.py, EPI_OA_UNITS_FILE) and the role
export (jobs/menus.py, EPI_OA_MENUS_FILE) are re-read by the scheduler with the loader of
`invoke load.units` / `invoke load.menu-grants` (every change audited, with the file as the
operation), each re-reading a run of its job in epi.job_run (jobs.runner.recorded: never twice at
once), which the ops home shows. A missing or bad file is a failed run with its message, and what
the file feeds stays as it was."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core import config
from db import database
from db.vocabulary import SHANGHAI
from jobs import runner
from loaders.errors import LoadError, mask_personal

log = logging.getLogger("epi.oa_files")


@dataclass(frozen=True)
class OAFile:
    job: str          # its job in epi.job_list
    account: str      # the account its audit entries name
    env: str          # the variable naming the path
    setting: str      # the configuration's attribute for it
    what: str         # the file, in messages
    label: str        # the re-reading, in messages
    load: Callable    # the loader: (path, account=, url=) -> a summary with describe() and changed

    def configured_path(self) -> Path | None:
        return getattr(config.current(), self.setting)

    def run(self, path: str | Path | None = None, *, jobs_url: str | None = None, web_url: str | None = None,
            echo=print) -> tuple[int | None, object | None]:
        """Re-read the file now: the run's id and the loader's summary (None, None: no path configured;
        the busy run's id and None: another re-reading holds the job; the id and None: it failed)."""
        path = path or self.configured_path()
        if not path:
            return None, None
        today = dt.datetime.now(SHANGHAI).date()
        summary = None
        with database.connect_jobs(jobs_url) as conn:
            try:
                with runner.recorded(conn, self.job, today) as run:
                    try:
                        if not Path(path).is_file():
                            raise LoadError(Path(path).name, f"找不到 {self.what} {path}（{self.env}）")
                        summary = self.load(path, account=self.account, url=web_url)
                        run.rows = summary.changed
                    except LoadError as exc:
                        run.error = mask_personal(str(exc))
                    except Exception as exc:   # recorded, never raised into the scheduler's loop
                        run.error = mask_personal(
                            f"{type(exc).__name__}: {getattr(getattr(exc, 'diag', None), 'message_primary', '')}")
            except runner.JobBusy as exc:
                return exc.run_id, None
        if run.error:
            log.error("%s失败：%s", self.label, run.error)
            echo(f"{self.label}失败：{run.error}")
        else:
            echo(summary.describe(self.label))
        return run.run_id, summary

    def run_now(self, *, url: str | None, as_of: dt.date | None) -> int | None:
        """`invoke jobs.run <job>` (jobs.runner.PYTHON_JOBS): the run's id."""
        if not self.configured_path():
            raise ValueError(f"未设置 {self.env}（{self.what}的路径），没有可刷新的内容")
        return self.run(jobs_url=url, echo=lambda *_: None)[0]
