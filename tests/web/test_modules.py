"""The six modules through Flask's test client: what each user sees and may do, and every
refusal (another unit's venue or alert is a 404)."""
from __future__ import annotations

import datetime as dt
import io
import time

import openpyxl
import psycopg
import pytest

from tests.loaders import workbooks as wbk
from tests.web.conftest import enter


def text(res):
    return res.get_data(as_text=True)


# -------------------------------------------------------------------------- 场所信息管理 (ops)

def test_venue_tabs_counts_and_search(ops):
    client, _ = ops
    page = text(client.get("/venues"))
    assert "未设置（1）" in page and "已设置（3）" in page and "VX" in page and "VA1" not in page
    page = text(client.get("/venues?tab=set&q=VB1"))
    assert "VB1" in page and "VA1" not in page and "测试负责人乙" in page and "144****0002" in page


def test_venue_create_edit_delete(ops, seeded_db):
    client, token = ops
    assert "开平市" in text(client.get("/venues/new"))  # city defaults to 开平市
    res = client.post("/venues/new", data={"csrf_token": token, "venue_id": "VNEW", "venue_name": "新场所",
                                           "city": "", "unit_code": "T-B"})
    assert res.status_code == 302
    dup = client.post("/venues/new", data={"csrf_token": token, "venue_id": "VNEW"})
    assert "该公共场所ID已存在" in text(dup)
    client.post("/venues/VNEW/edit", data={"csrf_token": token, "venue_name": "改名场所", "unit_code": ""})
    assert "改名场所" in text(client.get("/venues?tab=unset"))
    assert "确认删除场所" in text(client.get("/venues/VNEW/delete"))
    assert client.post("/venues/VNEW/delete", data={"csrf_token": token}).status_code == 302
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.venue where venue_id = 'VNEW'").fetchone()[0] == 0
        actions = [r[0] for r in c.execute("select action from epi.audit_log where detail->>'venue_id' = 'VNEW' "
                                           "order by audit_id")]
    assert actions == ["venue.insert", "venue.update", "venue.delete"]


def test_unknown_venue_is_404(ops):
    client, _ = ops
    assert client.get("/venues/NOPE/edit").status_code == 404


# ------------------------------------------------------------------ 场所人流量阈值管理 (units)

def test_thresholds_show_own_venues_only(unit_a):
    client, _ = unit_a
    page = text(client.get("/thresholds?tab=set"))
    assert "VA1" in page and "VB1" not in page
    assert "VA2" in text(client.get("/thresholds?tab=unset"))


def test_threshold_validation_at_the_field(unit_a):
    client, token = unit_a
    page = text(client.post("/thresholds/VA1", data={"csrf_token": token, "flow_min": "-3", "flow_max": "x"}))
    assert "场所日人流量阈值（最小值）必须是不小于0的整数" in page and "场所日人流量阈值（最大值）必须是不小于0的整数" in page
    page = text(client.post("/thresholds/VA1", data={"csrf_token": token, "flow_min": "9", "flow_max": "3"}))
    assert "不能大于最大值" in page
    assert client.post("/thresholds/VA1", data={"csrf_token": token, "flow_min": "2", "flow_max": ""}).status_code == 302
    assert ">2<" in text(client.get("/thresholds?tab=set"))


def test_another_units_venue_is_404(unit_a, seeded_db):
    client, token = unit_a
    assert client.get("/thresholds/VB1").status_code == 404
    assert client.post("/thresholds/VB1", data={"csrf_token": token, "flow_min": "1"}).status_code == 404
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select flow_min from epi.venue where venue_id = 'VB1'").fetchone()[0] == 5


# ------------------------------------------------------------------- 扫码进场信息管理 (ops)

def wait_job(client, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/scan-admin/jobs/{job_id}").get_json()
        if job["state"] != "running":
            return job
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_upload_runs_in_the_background_and_reports_progress(ops, seeded_db, tmp_path):
    client, token = ops
    page = text(client.get("/scan-admin"))
    assert "系统中已有数据的最新采集时间" in page and "2022-03-04 14:00:00" in page
    path = wbk.csv_file(tmp_path / "上传.csv", wbk.rows_with_times(["2022-03-09 08:00", "2022-03-09 09:00"]))
    res = client.post("/scan-admin/upload", data={"csrf_token": token, "file": (path.open("rb"), "上传.csv")})
    assert res.status_code == 302 and "job=" in res.headers["Location"]
    job_id = res.headers["Location"].split("job=")[1]
    job = wait_job(client, job_id)
    assert job["state"] == "done" and job["written"] == 2 and "导入完成" in job["message"]
    page = text(client.get(f"/scan-admin?month=2022-03&job={job_id}"))
    assert "上传.csv" in page and "ops.li" in page
    # the same file again: refused, then imported after confirmation
    res = client.post("/scan-admin/upload", data={"csrf_token": token, "file": (path.open("rb"), "again.csv")})
    job_id = res.headers["Location"].split("job=")[1]
    job = wait_job(client, job_id)
    assert job["state"] == "failed" and job["duplicate"] and "完全相同" in job["message"]
    res = client.post(f"/scan-admin/jobs/{job_id}/force", data={"csrf_token": token})
    assert wait_job(client, res.headers["Location"].split("job=")[1])["state"] == "done"
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.scan where collected_at >= '2022-03-09'").fetchone()[0] == 4


def test_bad_upload_reports_the_rows(ops, tmp_path):
    client, token = ops
    path = wbk.csv_file(tmp_path / "bad.csv", wbk.rows_with_times(["不是时间"]))
    res = client.post("/scan-admin/upload", data={"csrf_token": token, "file": (path.open("rb"), "bad.csv")})
    job = wait_job(client, res.headers["Location"].split("job=")[1])
    assert job["state"] == "failed" and "第 2 行" in job["message"] and "采集时间" in job["message"]


def test_calendar_shows_days_with_data(ops):
    client, _ = ops
    page = text(client.get("/scan-admin?month=2022-03"))
    assert "2022年03月" in page and 'class="has"' in page


def test_delete_preview_then_confirm(ops, seeded_db):
    client, token = ops
    form = {"csrf_token": token, "by": "collected", "from": "2022-03-01", "to": "2022-03-01"}
    page = text(client.post("/scan-admin/delete/preview", data=form))
    assert "共 <strong>4</strong> 条" in page and "测试.xlsx" in page
    assert client.post("/scan-admin/delete", data=dict(form, expected="3")).status_code == 409
    res = client.post("/scan-admin/delete", data=dict(form, expected="4"))
    assert res.status_code == 200 and "已删除 4 条" in text(res)
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.scan").fetchone()[0] == 3


def test_import_and_delete_are_hidden_and_refused_while_the_sync_is_on(ops, seeded_db, tmp_path):
    client, token = ops
    with psycopg.connect(seeded_db, autocommit=True) as c:
        c.execute("update epi.setting set value = 'true' where key = 'frontdb_sync_enabled'")
    page = text(client.get("/scan-admin"))
    assert "前置库同步已启用" in page and "上传并导入" not in page and "预览删除条数" not in page
    path = wbk.csv_file(tmp_path / "s.csv", wbk.rows_with_times(["2022-03-09 08:00"]))
    assert client.post("/scan-admin/upload", data={"csrf_token": token, "file": (path.open("rb"), "s.csv")}
                       ).status_code == 403
    res = client.post("/scan-admin/delete", data={"csrf_token": token, "by": "collected", "from": "2022-03-01",
                                                  "to": "2022-03-01", "expected": "4"})
    assert res.status_code == 403 and "前置库同步已启用" in text(res)


def test_template_download(ops):
    client, _ = ops
    res = client.get("/templates/扫码进场信息导入模板.xlsx")
    assert res.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(res.data)).active["O1"].value == "采集时间"


# ---------------------------------------------------------------- 扫码进场信息查询 (units)

def test_scan_query_filters_paging_and_the_unit_column(unit_a, app, monkeypatch):
    client, _ = unit_a
    page = text(client.get("/scans"))
    assert page.count("<tr>") == 4 and "VB1" not in page and "测试监管单位甲" in page
    assert text(client.get("/scans?venue_id=VA1")).count("<tr>") == 3
    assert text(client.get("/scans?venue_id=VB1")).count("<tr>") == 2  # header + "没有符合条件的记录"
    assert text(client.get("/scans?collected_from=2022-03-02&collected_to=2022-03-02")).count("<tr>") == 2
    assert text(client.get("/scans?venue_name=A1名")).count("<tr>") == 3
    from web import queries as pages

    monkeypatch.setattr(pages, "PAGE", 2)
    first = text(client.get("/scans"))
    assert "下一页" in first
    cursor = first.split("after=")[1].split('"')[0]
    second = text(client.get(f"/scans?after={cursor}"))
    assert second.count("<tr>") == 2 and "下一页" not in second
    assert client.get("/scans?after=garbage!!").status_code == 400


def test_scan_export_is_text_and_neutralises_formulas(unit_a, seeded_db):
    client, _ = unit_a
    with psycopg.connect(seeded_db) as c:
        c.execute("set session authorization epi_web; set role epi_ops; select set_config('epi.account', 'x', false)")
        c.execute("""insert into epi.scan (venue_id, person_name, phone, collected_at, batch_id, imported_by)
                     values ('VA1', '=HYPERLINK("http://evil")', '+10012345678', '2022-03-05 10:00+08',
                             (select min(batch_id) from epi.import_batch), 'x')""")
        c.commit()
    res = client.get("/scans/export?venue_id=VA1")
    assert res.status_code == 200 and "attachment" in res.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(res.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "公共场所ID" and len(rows) == 4
    evil = next(r for r in rows if r[7] and r[7].startswith("'="))   # masked, and still neutralised
    assert evil[7] == "'=" + "*" * 24 and evil[8] == "'+10*****5678"
    assert all(c.data_type == "s" for row in ws.iter_rows(min_row=2) for c in row if c.value is not None)
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select account, row_count, detail->'conditions' from epi.audit_log where action = 'scan.export'"
                         ).fetchone() == ("a.zhang", 3, {"venue_id": "VA1"})


# ------------------------------------------------------------------------ 扫码统计查询 (units)

def test_stats_per_venue_breakdown_and_export(unit_a, seeded_db):
    client, _ = unit_a
    page = text(client.get("/stats?from=2022-03-01&to=2022-03-31"))
    assert "VA1" in page and "VA2" in page and "VB1" not in page and "扫码量合计 3" in page
    page = text(client.get("/stats/VA1?from=2022-03-01&to=2022-03-07"))
    assert "<svg" in page and page.count("<tr>") == 8
    assert client.get("/stats/VB1").status_code == 404
    assert client.get("/stats?from=2022-03-05&to=2022-03-01").status_code == 400
    res = client.get("/stats/export?from=2022-03-01&to=2022-03-31")
    rows = list(openpyxl.load_workbook(io.BytesIO(res.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("公共场所ID", "公共场所", "类别", "监管单位", "所在市区", "所在街道", "扫码量")
    assert ("VA1", "测试场所甲一", "商场", "测试监管单位甲", "开平市", "长沙街道", "2") in rows


# -------------------------------------------------------------------------- “扫码”预警 (units)

def test_alert_tabs_detail_and_accept(unit_a, seeded_db):
    client, token = unit_a
    page = text(client.get("/alerts"))
    assert "未接收（1）" in page and "已接收（0）" in page and "2022-03-01至2022-03-07" in page and "VB1" not in page
    with psycopg.connect(seeded_db) as c:
        alert_a, alert_b = [r[0] for r in c.execute("select alert_id from epi.alert order by venue_id")]
    page = text(client.get(f"/alerts/{alert_a}"))
    assert "<svg" in page and "最小值 10，最大值 100" in page and page.count("<tr>") == 8
    assert client.get(f"/alerts/{alert_b}").status_code == 404
    assert client.post(f"/alerts/{alert_b}/accept", data={"csrf_token": token}).status_code == 404
    assert "接收后不能撤销" in text(client.get(f"/alerts/{alert_a}/accept"))
    assert client.post(f"/alerts/{alert_a}/accept", data={"csrf_token": token}).status_code == 302
    assert client.post(f"/alerts/{alert_a}/accept", data={"csrf_token": token}).status_code == 409
    assert "a.zhang" in text(client.get("/alerts?status=已接收"))
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select status, accepted_by from epi.alert where alert_id = %s", (alert_b,)).fetchone() == \
            ("未接收", None)


# ------------------------------------------------------------------------------------ home

def test_home_shows_what_waits(client):
    enter(client, menus=["alert", "venue_admin", "scan_admin"])
    page = text(client.get("/"))
    assert "条未接收的“扫码”预警" in page and "个场所未设置监管单位" in page and "最近的定时任务" in page
    assert "nightly" in page and "144****0001" not in page  # no failures in the world; phones would be masked
    _ = dt


@pytest.mark.parametrize("path", ["/", "/alerts", "/thresholds", "/scans", "/stats"])
def test_a_unit_user_never_sees_another_units_data(client, path):
    enter(client, unit="T-B")
    page = text(client.get(path + ("?from=2022-03-01&to=2022-03-31" if path == "/stats" else "")))
    assert "VA1" not in page and "VA2" not in page
