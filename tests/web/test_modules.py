"""The six modules through Flask's test client: what each user sees and may do, and every
refusal (another unit's venue or alert is a 404)."""
from __future__ import annotations

import datetime as dt
import io
import re
import time
from urllib.parse import quote

import openpyxl
import psycopg
import pytest

from tests.conftest import SEALED_COLUMNS, sealed
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
    assert "VB1" in page and "VA1" not in page and "测试监管单位乙" in page
    # the unit's head and phone are on the venue's page, not in the list (its 8 columns)
    assert "测试负责人乙" not in page and "0002" not in page
    assert "测试负责人乙" in text(client.get("/venues/VB1/edit"))


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
    assert job["percent"] == 100 and job["line"].startswith("共写入 2 行，用时 ")
    page = text(client.get(f"/scan-admin?month=2022-03&job={job_id}"))
    assert "上传.csv" in page and "ops.li" in page
    assert 'id="latest-collected">2022-03-09 09:00:00<' in page and 'id="history"' in page  # refreshed in place
    assert "共 2 条" in page and "job-close" in page
    # the same file again: refused, then imported after confirmation
    res = client.post("/scan-admin/upload", data={"csrf_token": token, "file": (path.open("rb"), "again.csv")})
    job_id = res.headers["Location"].split("job=")[1]
    job = wait_job(client, job_id)
    assert job["state"] == "failed" and job["duplicate"] and "完全相同" in job["message"]
    assert "命令行" not in job["message"] and "--force" not in job["message"]
    assert "命令行" not in text(client.get(f"/scan-admin?job={job_id}"))
    assert "请重新选择该文件" in text(client.get(f"/scan-admin?job={job_id}"))  # the refused file is gone
    res = client.post("/scan-admin/upload", data={"csrf_token": token, "force_of": job_id,
                                                  "file": (path.open("rb"), "again.csv")})
    assert wait_job(client, res.headers["Location"].split("job=")[1])["state"] == "done"
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.scan where collected_at >= '2022-03-09'").fetchone()[0] == 4


def test_an_upload_with_records_imported_before_asks_before_it_imports(ops, seeded_db, tmp_path):
    """Issue 51, point 2: another file with records stored already (an overlapping export) is refused
    with how many and when; the page asks, and the same file chosen again imports every record."""
    client, token = ops
    first = wbk.csv_file(tmp_path / "day.csv", wbk.rows_with_times(["2022-03-09 08:00", "2022-03-09 09:00"]))
    res = client.post("/scan-admin/upload", data={"csrf_token": token, "file": (first.open("rb"), "day.csv")})
    assert wait_job(client, res.headers["Location"].split("job=")[1])["state"] == "done"
    overlap = wbk.csv_file(tmp_path / "next.csv", wbk.rows_with_times(["2022-03-09 09:00", "2022-03-09 10:00",
                                                                        "2022-03-09 11:00"]))
    res = client.post("/scan-admin/upload", data={"csrf_token": token, "file": (overlap.open("rb"), "next.csv")})
    job_id = res.headers["Location"].split("job=")[1]
    job = wait_job(client, job_id)
    assert job["state"] == "failed" and job["duplicate"]
    assert job["message"] == ("文件“next.csv”含已导入过的记录，没有写入任何数据：\n"
                              "  本文件 3 条中有 1 条与已导入记录相同（最早 2022-03-09 09:00:00，最晚 2022-03-09 09:00:00），"
                              "仍要导入吗？")
    page = text(client.get(f"/scan-admin?job={job_id}"))
    assert 'data-confirm="该文件（或其中的记录）已导入过，再次导入会使这些记录重复。确认仍要导入吗？"' in page
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.scan where collected_at >= '2022-03-09'").fetchone()[0] == 2
    res = client.post("/scan-admin/upload", data={"csrf_token": token, "force_of": job_id,
                                                  "file": (overlap.open("rb"), "next.csv")})
    assert wait_job(client, res.headers["Location"].split("job=")[1])["state"] == "done"
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.scan where collected_at >= '2022-03-09'").fetchone()[0] == 5
        assert c.execute("select forced from epi.import_batch order by batch_id desc limit 1").fetchone()[0] is True


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
    assert 'rel="next"' in first and 'rel="prev"' not in first
    cursor = first.split("after=")[1].split('"')[0]
    second = text(client.get(f"/scans?after={cursor}"))
    assert second.count("<tr>") == 2 and 'rel="next"' not in second and 'rel="prev"' in second
    assert client.get("/scans?after=garbage!!").status_code == 400


def test_scan_export_is_text_and_neutralises_formulas(unit_a, seeded_db):
    client, _ = unit_a
    with psycopg.connect(seeded_db) as c:
        c.execute("set session authorization epi_web; set role epi_ops; select set_config('epi.account', 'x', false)")
        c.execute(f"""insert into epi.scan (venue_id, {SEALED_COLUMNS}, collected_at, batch_id, imported_by)
                     values ('VA1', {sealed(None, '=HYPERLINK("http://evil")', '+10012345678')}, '2022-03-05 10:00+08',
                             (select min(batch_id) from epi.import_batch), 'x')""")
        c.commit()
    res = client.get("/scans/export?venue_id=VA1")
    assert res.status_code == 200 and "attachment" in res.headers["Content-Disposition"] and res.is_streamed
    assert "filename*=UTF-8''" + quote("扫码进场信息_T-A_导出于") in res.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(res.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "公共场所ID" and len(rows) == 4
    # masked, the value exactly the stored mask (no literal '), and neutralised by the quote-prefix style
    evil = next(r for r in ws.iter_rows(min_row=2) if r[7].value and r[7].value.startswith("="))
    assert evil[7].value == "=" + "*" * 24 and evil[8].value == "+10*****5678"
    assert evil[7].quotePrefix and evil[8].quotePrefix and not evil[0].quotePrefix
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
    assert ("VA1", "测试场所甲一", "商场", "测试监管单位甲", "开平市", "长沙街道", 2) in rows  # counts as numbers


@pytest.mark.parametrize("conditions, venues", [
    ({"venue_id": "VA1"}, ["VA1"]), ({"venue_id": "VA"}, []),          # 公共场所ID is exact
    ({"venue_name": "甲二"}, ["VA2"]), ({"category": "商"}, ["VA1"]),   # the others contain
    ({"street": "三埠"}, ["VA2"]), ({"unit_name": "监管单位甲"}, ["VA1", "VA2"]),
    ({"venue_name": "甲", "street": "长沙"}, ["VA1"]),                 # combined: all of them hold
    ({"venue_name": "%"}, []), ({"unit_name": "乙"}, []),               # literal text; another unit's: none
])
def test_stats_combined_conditions_on_the_page_the_export_and_the_api(unit_a, conditions, venues):
    from urllib.parse import urlencode

    client, _ = unit_a
    query = urlencode({"from": "2022-03-01", "to": "2022-03-31"} | conditions)
    page = text(client.get("/stats?" + query))
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    assert re.findall(r"<tr><td>(V\w+)</td>", body) == venues
    for value in conditions.values():
        assert f'value="{value}"' in page  # the form keeps what was typed
    assert f'/stats/export?{query}' in page.replace("&amp;", "&")
    rows = list(openpyxl.load_workbook(io.BytesIO(client.get("/stats/export?" + query).data)).active.values)
    assert [r[0] for r in rows[1:]] == venues
    api = client.get("/api/stats?" + query).get_json()
    assert [v["venue_id"] for v in api["venues"]] == venues and api["conditions"] == conditions


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
    assert "<td>夜间任务</td>" in page and "144****0001" not in page  # no failures in the world; phones would be masked
    assert "最近一次夜间任务：成功（业务日期 2022-03-08）" in page
    assert "最近一次导入：测试.xlsx，7 条，ops.tester" in page
    assert "数据日历（2022年03月）" in page and page.count("无数据") >= 20  # March 2022: data on 4 days only
    _ = dt


def test_a_units_home_says_what_to_do_and_shows_its_30_days(client, seeded_db):
    from tests.conftest import as_ops

    with psycopg.connect(seeded_db) as c:  # scans of T-A yesterday (the chart's last day) and of T-B
        as_ops(c)
        c.execute("select epi.ensure_scan_partitions(array[now() - interval '1 day']::timestamptz[])")
        batch = c.execute("insert into epi.import_batch (file_name, imported_by) values ('昨日.xlsx', 'ops.tester') "
                          "returning batch_id").fetchone()[0]
        c.execute("""insert into epi.scan (venue_id, collected_at, batch_id, imported_by)
                     select v, date_trunc('day', now() at time zone 'Asia/Shanghai') at time zone 'Asia/Shanghai'
                               - interval '12 hours', %s, 'ops.tester'
                       from (values ('VA1'), ('VA1'), ('VA2'), ('VB1'), ('VB1'), ('VB1')) s(v)""", (batch,))
        c.commit()
    enter(client, unit="T-A")
    page = text(client.get("/"))
    assert '<a class="card alert" href="/thresholds?tab=unset">' in page and "1</span>个场所未设置人流量阈值" in page
    assert '<a class="card alert" href="/alerts">' in page
    assert "本单位场所近30天扫码量" in page and page.count("<rect ") == 30
    assert "：3</title>" in page and "：6</title>" not in page  # T-A's 3 yesterday, never T-B's
    # the 29 days before yesterday have no data anywhere in the city: 无数据, not 0
    assert page.count('class="nodata"') == 29 and page.count("：无数据</title>") == 29 and "：0</title>" not in page
    assert "全市当天没有任何扫码数据" in page
    yesterday = (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date() - dt.timedelta(days=1)).isoformat()
    assert f"（截至 {yesterday}）" in page


def test_a_units_home_chart_ends_on_the_citys_last_day_with_data(client, seeded_db):
    enter(client, unit="T-A")
    page = text(client.get("/"))  # the world's data ends on 2022-03-04 (V404's scan: another unit's day)
    assert "本单位场所近30天扫码量（截至 2022-03-04）" in page
    assert "2022-03-01：2</title>" in page and "2022-03-03：0</title>" in page and "2022-02-03：无数据</title>" in page


@pytest.mark.parametrize("path", ["/", "/alerts", "/thresholds", "/scans", "/stats"])
def test_a_unit_user_never_sees_another_units_data(client, path):
    enter(client, unit="T-B")
    page = text(client.get(path + ("?from=2022-03-01&to=2022-03-31" if path == "/stats" else "")))
    assert "VA1" not in page and "VA2" not in page


def more_alerts(db_url) -> dict[str, int]:
    """Two more alerts of unit T-A beside VA1's 小于阈值 of 2022-03-01 to 03-07."""
    with psycopg.connect(db_url) as c:
        ids = {}
        for venue, name, start, reason in (("VA2", "测试场所甲二", "2022-03-10", "大于阈值"),
                                           ("VA1", "测试场所甲一", "2022-03-20", "大于阈值")):
            ids[f"{venue} {start}"] = c.execute(
                """insert into epi.alert (venue_id, venue_name, period_start, period_end, reason, flow_min, flow_max)
                   values (%s, %s, %s::date, %s::date + 6, %s, 10, 100) returning alert_id""",
                (venue, name, start, start, reason)).fetchone()[0]
        ids["VA1 2022-03-01"], ids["VB1"] = [r[0] for r in c.execute(
            "select alert_id from epi.alert where period_start = '2022-03-01' order by venue_id")]
    return ids


def listed_alerts(page: str) -> list[str]:
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    cell = r"<td[^>]*>"   # each cell names its field for the phone's cards (data-label, issue 48)
    return re.findall(cell + r"(V\w+)</td>" + (cell + r"[^<]*</td>") * 3 + r"\s*" + cell + r"[^<]*</td>" + cell + r"(\S+?)至",
                      body)


@pytest.mark.parametrize("query, want", [
    ("", [("VA1", "2022-03-20"), ("VA2", "2022-03-10"), ("VA1", "2022-03-01")]),
    ("reason=小于阈值", [("VA1", "2022-03-01")]),
    ("reason=大于阈值&venue=甲二", [("VA2", "2022-03-10")]),
    ("venue=VA1", [("VA1", "2022-03-20"), ("VA1", "2022-03-01")]),          # its ID, exactly
    ("period_from=2022-03-07&period_to=2022-03-12", [("VA2", "2022-03-10"), ("VA1", "2022-03-01")]),  # overlap
    ("period_from=2022-03-27", []),
    ("venue=乙一", []),                                                      # another unit's venue
])
def test_alert_filters_on_the_list_the_counts_the_export_and_the_api(unit_a, seeded_db, query, want):
    more_alerts(seeded_db)
    client, _ = unit_a
    page = text(client.get("/alerts?" + query))
    assert [(v, d) for v, d in listed_alerts(page)] == want
    assert f"未接收（{len(want)}）" in page
    rows = list(openpyxl.load_workbook(io.BytesIO(client.get("/alerts/export?" + query).data)).active.values)
    assert rows[0][:7] == ("公共场所ID", "公共场所", "类别", "所在市区", "所在街道", "预警时间段", "预警原因")
    assert [(r[0], r[5][:10]) for r in rows[1:]] == want
    api = client.get("/api/alerts?" + query).get_json()["alerts"]
    assert [(a["venue_id"], a["period_start"]) for a in api] == want


def test_bad_alert_filters_are_refused_with_a_message(unit_a):
    client, _ = unit_a
    for query, message in (("reason=别的", "预警原因只能是"), ("period_from=2022-13-01", "格式应为"),
                           ("period_from=2022-03-10&period_to=2022-03-01", "不能晚于")):
        res = client.get("/alerts?" + query)
        assert res.status_code == 400 and message in text(res), query


def test_accept_the_selected_alerts_after_one_confirmation(unit_a, seeded_db):
    ids = more_alerts(seeded_db)
    client, token = unit_a
    page = text(client.get("/alerts"))
    assert page.count('name="alert_id"') == 3 and 'id="check-all"' in page
    assert f'href="/alerts/{ids["VA2 2022-03-10"]}/accept?from=list"' in page  # per row, too
    chosen = [ids["VA2 2022-03-10"], ids["VA1 2022-03-20"]]
    confirm = client.post("/alerts/accept", data={"csrf_token": token, "alert_id": chosen})
    assert confirm.status_code == 200 and "确认接收所选的 2 条预警" in text(confirm)
    with psycopg.connect(seeded_db) as c:  # nothing accepted before the confirmation
        assert c.execute("select count(*) from epi.alert where status = '已接收'").fetchone()[0] == 0
    done = client.post("/alerts/accept", data={"csrf_token": token, "ids": ",".join(map(str, chosen)), "confirmed": "1"})
    assert done.status_code == 302
    assert "已接收 2 条预警" in text(client.get(done.headers["Location"]))
    with psycopg.connect(seeded_db) as c:
        assert sorted(r[0] for r in c.execute(
            "select alert_id from epi.alert where status = '已接收' and accepted_by = 'a.zhang'")) == sorted(chosen)
    # again: those are accepted already; with one waiting, only that one is
    again = client.post("/alerts/accept", data={"csrf_token": token, "alert_id": chosen})
    assert again.status_code == 409
    mixed = client.post("/alerts/accept", data={"csrf_token": token, "alert_id": [*chosen, ids["VA1 2022-03-01"]]})
    assert "确认接收所选的 1 条预警" in text(mixed) and "另有 2 条此前已接收" in text(mixed)


def test_selecting_another_units_alert_accepts_nothing(unit_a, seeded_db):
    ids = more_alerts(seeded_db)
    client, token = unit_a
    for confirmed in ("", "1"):
        res = client.post("/alerts/accept", data={"csrf_token": token, "confirmed": confirmed,
                                                  "ids": f"{ids['VA1 2022-03-01']},{ids['VB1']}"})
        assert res.status_code == 404
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.alert where status = '已接收'").fetchone()[0] == 0
    for bad in ({"ids": ""}, {"ids": "1,x"}, {"ids": ",".join(str(i) for i in range(1, 600))}):
        assert client.post("/alerts/accept", data={"csrf_token": token, **bad}).status_code == 400


# ----------------------------------------------- 扫码进场信息管理: the record list, per-import delete

def test_the_ops_record_list_shows_every_units_scans_masked_and_audited(ops, seeded_db):
    client, _ = ops
    page = text(client.get("/scan-admin/scans"))
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    assert sorted(re.findall(r"<tr><td>(V\w+)</td>", body)) == ["V404", "VA1", "VA1", "VA2", "VB1", "VB1", "VX"]
    assert "00000000000000000X" not in page and "14400009999" not in page and "测试人" not in page
    assert "144****9999" in page
    assert "导出" not in body and "查看完整信息" not in page
    # the combined conditions of 扫码进场信息查询, the personal ones on the full values
    for query, want in (("venue_id=VB1", ["VB1", "VB1"]), ("unit_name=乙", ["VB1", "VB1"]),
                        ("phone=14400009999&venue_id=VX", ["VX"]), ("id_card=00000000000000000Y", []),
                        ("collected_from=2022-03-01 10:00&collected_to=2022-03-01 11:00", ["VB1", "VA2"])):
        body = text(client.get("/scan-admin/scans?" + query))
        body = body[body.index("<tbody>"):body.index("</tbody>")]
        assert re.findall(r"<tr><td>(V\w+)</td>", body) == want, query
    with psycopg.connect(seeded_db) as c:
        entries = c.execute("select account, row_count, detail->'conditions' from epi.audit_log "
                            "where action = 'scan.query' order by audit_id").fetchall()
    assert entries[0] == ("ops.li", 7, {}) and len(entries) == 6
    assert entries[3][2]["phone"] != "14400009999" and "9999" in entries[3][2]["phone"]  # masked in the log


def test_the_record_list_is_ops_only(unit_a):
    client, _ = unit_a
    assert client.get("/scan-admin/scans").status_code == 403


def second_import(db_url, imported_at: str) -> int:
    from tests.conftest import as_admin, as_ops

    with psycopg.connect(db_url) as c:
        as_ops(c, "ops.li")
        batch = c.execute("""insert into epi.import_batch (file_name, file_hash, row_count, imported_by, imported_at)
                             values ('今早.xlsx', 'h9', 2, 'ops.li', %s) returning batch_id""", (imported_at,)).fetchone()[0]
        c.execute("""insert into epi.scan (venue_id, collected_at, batch_id, imported_by, imported_at)
                     values ('VA1', '2022-03-05 08:00+08', %s, 'ops.li', %s), ('VB1', '2022-03-05 09:00+08', %s, 'ops.li', %s)""",
                  (batch, imported_at, batch, imported_at))
        as_admin(c)
        c.execute("update epi.import_batch set imported_at = '2026-12-02 08:00+08' where batch_id <> %s", (batch,))
    return batch


def test_delete_one_import_from_its_history_row(ops, seeded_db):
    client, token = ops
    batch = second_import(seeded_db, "2026-12-02 09:15+08")
    page = text(client.get("/scan-admin"))
    assert "现存条数" in page and f'action="/scan-admin/batches/{batch}/delete/preview"' in page
    preview = text(client.post(f"/scan-admin/batches/{batch}/delete/preview", data={"csrf_token": token}))
    assert f"导入批次 {batch}" in preview and "今早.xlsx" in preview and "共 <strong>2</strong> 条" in preview
    assert client.post(f"/scan-admin/batches/{batch}/delete", data={"csrf_token": token, "expected": "3"}).status_code == 409
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.scan").fetchone()[0] == 9  # nothing yet
    done = client.post(f"/scan-admin/batches/{batch}/delete", data={"csrf_token": token, "expected": "2"})
    assert done.status_code == 200 and f"已删除导入批次 {batch} 的 2 条" in text(done)
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*), count(*) filter (where batch_id = %s) from epi.scan", (batch,)
                         ).fetchone() == (7, 0)
        assert c.execute("select stored_rows, row_count from epi.import_batch where batch_id = %s", (batch,)
                         ).fetchone() == (0, 2)
        assert c.execute("select detail->'operation'->>'batch' from epi.audit_log where action = 'scan.delete' "
                         "order by audit_id desc limit 1").fetchone()[0] == str(batch)
    page = text(client.get("/scan-admin"))
    assert f'action="/scan-admin/batches/{batch}/delete/preview"' not in page  # nothing left to delete


def test_delete_by_import_time_takes_times_not_only_days(ops, seeded_db):
    client, token = ops
    batch = second_import(seeded_db, "2026-12-02 09:15:30+08")
    form = {"csrf_token": token, "by": "imported"}
    whole_day = text(client.post("/scan-admin/delete/preview", data=dict(form, **{"from": "2026-12-02", "to": "2026-12-02"})))
    assert "共 <strong>9</strong> 条" in whole_day
    for start, end in (("2026-12-02 09:00", "2026-12-02 09:15"), ("2026-12-02T09:15:30", "2026-12-02 09:15:30"),
                       ("2026-12-02 09:10", "2026-12-02 09:30")):
        page = text(client.post("/scan-admin/delete/preview", data=dict(form, **{"from": start, "to": end})))
        assert "共 <strong>2</strong> 条" in page, (start, end)
        assert f"<td>{batch}</td>" in page and "测试.xlsx" not in page
    early = text(client.post("/scan-admin/delete/preview", data=dict(form, **{"from": "2026-12-02 09:00", "to": "2026-12-02 09:14"})))
    assert "共 <strong>0</strong> 条" in early
    res = client.post("/scan-admin/delete", data=dict(form, **{"from": "2026-12-02 09:15", "to": "2026-12-02 09:15",
                                                                "expected": "2"}))
    assert res.status_code == 200 and "已删除 2 条" in text(res)
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.scan").fetchone()[0] == 7


def test_a_bad_time_condition_names_its_field_once(unit_a):
    """The message names the field and the bad value once each (was 时间“2026-13-45”不存在的日期或时间“2026-13-45”)."""
    client, _ = unit_a
    for query, message in (("collected_from=2026-13-45", "采集时间（起）：不存在的日期或时间“2026-13-45”"),
                           ("imported_to=明天", "数据导入时间（止）：无法识别的时间“明天”")):
        res = client.get("/scans?" + query)
        assert res.status_code == 400 and message in res.get_data(as_text=True), query
        res = client.get("/api/scans?" + query)
        error = res.get_json()["error"]
        assert res.status_code == 400 and message in error and error.count(query.split("=")[1]) == 1, error
