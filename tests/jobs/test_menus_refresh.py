"""OA's role export kept current (issue 45, point 2): with EPI_OA_MENUS_FILE the scheduler re-reads
it when OA writes it again (looked at every turn of its loop), as the job `menus` in epi.job_run;
`invoke jobs.run menus` re-reads it now; a missing or bad file is a failed run that leaves the
grants as they were."""
from __future__ import annotations

import os
import threading

import pytest

from db import database
from jobs import menus, runner, scheduler
from tests.jobs.test_units_refresh import DEFAULT_SCHEDULE
from tests.loaders.test_menu_grants import ROWS, grants, grants_file


def test_a_refresh_records_its_run_and_a_bad_file_changes_nothing(tmp_path, fresh_db, web, admin):
    jobs = database.jobs_url(database.database_name(fresh_db))
    lines: list[str] = []
    first = menus.refresh(grants_file(tmp_path, ROWS), jobs_url=jobs, web_url=web, echo=lines.append)
    assert first.inserted == 4 and lines[-1].startswith("菜单授权刷新（OA）：共 5 行、4 个授权对象，新增 4")
    assert menus.refresh(tmp_path / "gone.xlsx", jobs_url=jobs, web_url=web, echo=lines.append) is None
    assert menus.refresh(grants_file(tmp_path, [["角色", "r", "nothing"]], "bad.xlsx"), jobs_url=jobs, web_url=web,
                         echo=lines.append) is None
    runs = admin.execute("select ok, error, rows from epi.job_run where job = 'menus' order by run_id").fetchall()
    assert [(ok, rows) for ok, _, rows in runs] == [(True, 4), (False, None), (False, None)]
    assert runs[1][1].endswith(f"找不到 OA 菜单授权导出文件 {tmp_path / 'gone.xlsx'}（EPI_OA_MENUS_FILE）")
    assert "第 2 行“菜单”列：未知的菜单“nothing”" in runs[2][1]
    assert len(grants(admin)) == 4
    assert admin.execute("select distinct account from epi.audit_log where action like 'menu_grant.%'").fetchall() == \
        [("oa.menus",)]


def test_jobs_run_menus_reads_the_file_now(tmp_path, fresh_db, web, admin, monkeypatch):
    jobs = database.jobs_url(database.database_name(fresh_db))
    monkeypatch.delenv(menus.ENV, raising=False)
    with pytest.raises(ValueError, match="未设置 EPI_OA_MENUS_FILE（OA 菜单授权导出文件的路径）"):
        runner.run("menus", url=jobs)
    monkeypatch.setenv(menus.ENV, str(grants_file(tmp_path, ROWS)))
    monkeypatch.setenv("EPI_WEB_DATABASE_URL", web)
    assert [(r["job"], r["ok"], r["rows"]) for r in runner.run("menus", url=jobs)] == [("menus", True, 4)]


def test_the_watch_is_due_at_start_and_whenever_oa_writes_the_file_again(tmp_path):
    path = grants_file(tmp_path, ROWS)
    watch = menus.Watch()
    assert watch.due(None) is False                 # EPI_OA_MENUS_FILE unset
    assert watch.due(path) is True                  # the first look
    assert watch.due(path) is False                 # unchanged
    os.utime(path, ns=(1, 1))
    assert watch.due(path) is True                  # written again
    path.unlink()
    assert watch.due(path) is True and watch.due(path) is False   # gone: one failed run, not one a minute


def test_the_scheduler_reads_the_menus_file_as_it_starts(monkeypatch, tmp_path):
    seen: list[str] = []
    stop = threading.Event()
    monkeypatch.setenv(menus.ENV, str(grants_file(tmp_path, ROWS)))
    monkeypatch.setattr(scheduler.timetable, "load", lambda url=None: DEFAULT_SCHEDULE)
    monkeypatch.setattr(scheduler, "missed_nightly", lambda *a, **k: False)

    def refresh(**k):
        seen.append("menus")
        stop.set()
    monkeypatch.setattr(scheduler.menus, "refresh", refresh)
    monkeypatch.setattr(scheduler.audit, "seal_and_record", lambda: 0)
    monkeypatch.setattr(scheduler.sms, "dispatch", lambda: type("S", (), {"sent": 0, "failed": 0, "in_doubt": 0})())
    scheduler.run_forever(stop=stop, echo=lambda *_: None)
    assert seen == ["menus"]
