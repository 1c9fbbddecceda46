"""Units kept current (issue 26, point 9): OA writes its organisation export (机构编码, 单位名称,
负责人, 负责人手机号) to the path EPI_OA_UNITS_FILE names; the scheduler re-reads it every day before
the nightly, so that texts go to the head and phone OA knows today, not to those of the last
`invoke load.units`. It is `load.units` itself (every unit changed is audited by the unit trigger,
with the file as the operation; units no longer in OA become inactive), recorded as the job
`units` in epi.job_run (jobs/oa_files.py), which the ops home shows."""
from __future__ import annotations

from pathlib import Path

from jobs.oa_files import OAFile
from loaders import registry

FILE = OAFile(job="units", account="oa.units", env="EPI_OA_UNITS_FILE", setting="oa_units_file",
              what="OA 机构导出文件", label="监管单位刷新（OA）", load=registry.load_units)
JOB, ACCOUNT, ENV = FILE.job, FILE.account, FILE.env


def configured_path() -> Path | None:
    return FILE.configured_path()


def refresh(path: str | Path | None = None, *, jobs_url: str | None = None, web_url: str | None = None,
            echo=print) -> registry.LoadSummary | None:
    """Re-read OA's export now (None when EPI_OA_UNITS_FILE is unset, a refresh already runs, or the
    file is missing or bad: a failed run with its message; the units stay as they were)."""
    return FILE.run(path, jobs_url=jobs_url, web_url=web_url, echo=echo)[1]
