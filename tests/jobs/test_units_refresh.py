"""Units kept current (issue 26, point 9): with EPI_OA_UNITS_FILE the scheduler re-reads OA's
organisation export before the nightly; each change of a head or phone is audited; the run is in
epi.job_run and the ops home shows the last one."""
from __future__ import annotations

import datetime as dt
import threading

from db import database
from jobs import scheduler, units
from jobs.schedule import Slot
from tests.loaders.test_registry import UNITS, units_file

DEFAULT_SCHEDULE = {"nightly": Slot(dt.time(2, 0)), "units": Slot(dt.time(1, 45)), "counts_full": Slot(dt.time(3, 0), 0)}


def test_a_refresh_takes_todays_heads_and_phones_and_audits_each_change(tmp_path, fresh_db, web, admin):
    jobs = database.jobs_url(database.database_name(fresh_db))
    path = units_file(tmp_path, UNITS, "OA机构导出.xlsx")
    first = units.refresh(path, jobs_url=jobs, web_url=web, echo=lambda *_: None)
    assert first.inserted == 3
    changed = [UNITS[0], ["U02", "测试文化广电旅游体育局", "测试新负责人", "14400000022"], UNITS[2]]
    units_file(tmp_path, changed, "OA机构导出.xlsx")        # OA wrote the same path again
    lines: list[str] = []
    second = units.refresh(path, jobs_url=jobs, web_url=web, echo=lines.append)
    assert (second.updated, second.unchanged) == (1, 2) and "更新 1" in lines[-1]
    assert admin.execute("select head_name, head_phone from epi.unit where unit_code = 'U02'").fetchone() == \
        ("测试新负责人", "14400000022")
    entry = admin.execute("select account, detail->'old'->>'head_phone', detail->'new'->>'head_phone', "
                          "detail->'operation'->>'file_name' from epi.audit_log where action = 'unit.update'"
                          ).fetchall()
    assert entry == [("oa.units", "144****0002", "144****0022", "OA机构导出.xlsx")]
    runs = admin.execute("select ok, error, rows from epi.job_run where job = 'units' order by run_id").fetchall()
    assert runs == [(True, None, 3), (True, None, 1)]


def test_a_missing_or_bad_file_is_a_failed_run_and_changes_nothing(tmp_path, fresh_db, web, admin):
    jobs = database.jobs_url(database.database_name(fresh_db))
    units.refresh(units_file(tmp_path, UNITS), jobs_url=jobs, web_url=web, echo=lambda *_: None)
    assert units.refresh(tmp_path / "gone.xlsx", jobs_url=jobs, web_url=web, echo=lambda *_: None) is None
    bad = units_file(tmp_path, [["U01", "", "测试甲", "14400000001"]], "bad.xlsx")
    assert units.refresh(bad, jobs_url=jobs, web_url=web, echo=lambda *_: None) is None
    runs = admin.execute("select ok, error from epi.job_run where job = 'units' order by run_id").fetchall()
    assert [ok for ok, _ in runs] == [True, False, False]
    assert "找不到 OA 机构导出文件" in runs[1][1] and "第 2 行" in runs[2][1] and "不能为空" in runs[2][1]
    assert admin.execute("select unit_name from epi.unit where unit_code = 'U01'").fetchone()[0] == "测试市场监督管理局"
    assert units.refresh(None, jobs_url=jobs, web_url=web) is None      # EPI_OA_UNITS_FILE unset: nothing


def test_the_scheduler_refreshes_the_units_just_before_a_caught_up_nightly(monkeypatch, tmp_path):
    order: list[str] = []
    stop = threading.Event()
    monkeypatch.setenv(units.ENV, str(tmp_path / "oa.xlsx"))
    monkeypatch.setattr(scheduler.timetable, "load", lambda url=None: DEFAULT_SCHEDULE)
    monkeypatch.setattr(scheduler, "missed_nightly", lambda *a, **k: True)     # the nightly is due now
    monkeypatch.setattr(scheduler.units, "refresh", lambda **k: order.append("units"))

    def nightly(job, as_of, **kw):
        order.append(job)
        stop.set()
        return []
    monkeypatch.setattr(scheduler.runner, "run", nightly)
    monkeypatch.setattr(scheduler.runner, "describe", lambda runs: "")
    monkeypatch.setattr(scheduler.audit, "seal_and_record", lambda: 0)
    monkeypatch.setattr(scheduler.audit, "anchor", lambda: "-")
    monkeypatch.setattr(scheduler.sms, "dispatch", lambda: type("S", (), {"sent": 0, "failed": 0, "in_doubt": 0})())
    scheduler.run_forever(stop=stop, echo=lambda *_: None)
    assert order[:2] == ["units", "nightly"]


def test_jobs_run_units_refreshes_now(tmp_path, fresh_db, web, admin, monkeypatch):
    from jobs import runner

    jobs = database.jobs_url(database.database_name(fresh_db))
    monkeypatch.delenv(units.ENV, raising=False)
    import pytest

    with pytest.raises(ValueError, match=units.ENV):
        runner.run("units", url=jobs)
    monkeypatch.setenv(units.ENV, str(units_file(tmp_path, UNITS)))
    monkeypatch.setenv("EPI_WEB_DATABASE_URL", web)
    runs = runner.run("units", url=jobs)
    assert [(r["job"], r["ok"], r["rows"]) for r in runs] == [("units", True, 3)]
