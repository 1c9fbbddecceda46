"""Menus kept current (issue 45, point 2): where the sign-on (CAS, OpenID Connect) names the account
and its roles but not the menus, the menus are OA's 菜单授权管理 as OA exports it to the path
EPI_OA_MENUS_FILE names. The scheduler looks at the file every minute and re-reads it when it
changed (and once as it starts): `invoke load.menu-grants` itself (the grants become the file's,
each change audited as menu_grant.*, account oa.menus, the file as the operation), recorded as the
job `menus` in epi.job_run. Sessions read their grants on every request, so a menu revoked in OA is
gone at the next click after the file is re-read."""
from __future__ import annotations

import os
from pathlib import Path

from jobs.oa_files import OAFile
from loaders import registry

FILE = OAFile(job="menus", account="oa.menus", env="EPI_OA_MENUS_FILE", setting="oa_menus_file",
              what="OA 菜单授权导出文件", label="菜单授权刷新（OA）", load=registry.load_menu_grants)
JOB, ACCOUNT, ENV = FILE.job, FILE.account, FILE.env


def configured_path() -> Path | None:
    return FILE.configured_path()


def refresh(path: str | Path | None = None, *, jobs_url: str | None = None, web_url: str | None = None,
            echo=print) -> registry.GrantSummary | None:
    """Re-read OA's role export now (None when EPI_OA_MENUS_FILE is unset, a refresh already runs, or
    the file is missing or bad: a failed run with its message; the grants stay as they were)."""
    return FILE.run(path, jobs_url=jobs_url, web_url=web_url, echo=echo)[1]


def signature(path: Path) -> tuple | None:
    """What tells that OA wrote the file again: its modification time and size (None: not there)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class Watch:
    """The scheduler's eye on the file: due when its signature differs from the last re-reading's."""

    def __init__(self):
        self.seen: tuple | bool | None = False   # False: not looked at yet

    def due(self, path: Path | None) -> bool:
        if path is None:
            return False
        now = signature(path)
        if now == self.seen:
            return False
        self.seen = now
        return True
