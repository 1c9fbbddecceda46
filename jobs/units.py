"""Units kept current (issue 26, point 9): OA writes its organisation export (机构编码, 单位名称,
负责人, 负责人手机号) to the path EPI_OA_UNITS_FILE names; the scheduler re-reads it every day before
the nightly, so that texts go to the head and phone OA knows today, not to those of the last
`invoke load.units`. It is `load.units` itself (every unit changed is audited by the unit trigger,
with the file as the operation; units no longer in OA become inactive), recorded as the job
`units` in epi.job_run (jobs.runner.recorded: never twice at once), which the ops home shows."""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from core import config
from db import database
from db.vocabulary import SHANGHAI
from jobs import runner
from loaders import registry
from loaders.errors import LoadError, mask_personal

JOB = "units"
ACCOUNT = "oa.units"   # the account the audit entries name
ENV = "EPI_OA_UNITS_FILE"
log = logging.getLogger("epi.units")


def configured_path() -> Path | None:
    return config.current().oa_units_file


def refresh(path: str | Path | None = None, *, jobs_url: str | None = None, web_url: str | None = None,
            echo=print) -> registry.LoadSummary | None:
    """Re-read OA's export now (None when EPI_OA_UNITS_FILE is unset or a refresh already runs).
    A missing or bad file is a failed run with its message; the units stay as they were."""
    return run(path, jobs_url=jobs_url, web_url=web_url, echo=echo)[1]


def run(path: str | Path | None = None, *, jobs_url: str | None = None, web_url: str | None = None,
        echo=print) -> tuple[int | None, registry.LoadSummary | None]:
    """:func:`refresh`, answering the run's id too (None: nothing to read, or another run holds the job)."""
    path = path or configured_path()
    if not path:
        return None, None
    today = dt.datetime.now(SHANGHAI).date()
    summary = None
    with database.connect_jobs(jobs_url) as conn:
        try:
            with runner.recorded(conn, JOB, today) as run:
                try:
                    if not Path(path).is_file():
                        raise LoadError(Path(path).name, f"找不到 OA 机构导出文件 {path}（{ENV}）")
                    summary = registry.load_units(path, account=ACCOUNT, url=web_url)
                    run.rows = summary.inserted + summary.updated + len(summary.deactivated)
                except LoadError as exc:
                    run.error = mask_personal(str(exc))
                except Exception as exc:   # recorded, never raised into the scheduler's loop
                    run.error = mask_personal(
                        f"{type(exc).__name__}: {getattr(getattr(exc, 'diag', None), 'message_primary', '')}")
        except runner.JobBusy as exc:
            return exc.run_id, None
    if run.error:
        log.error("监管单位刷新失败：%s", run.error)
        echo(f"监管单位刷新（OA）失败：{run.error}")
    else:
        echo(summary.describe("监管单位刷新（OA）"))
    return run.run_id, summary
