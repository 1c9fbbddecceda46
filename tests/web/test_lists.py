"""Lists staff work in all day (issue 23): 共 N 条, page numbers, page sizes, server-side sorting by
any shown column, a filter box that collapses, an empty state — through Flask's test client on the
small world plus generated venues."""
from __future__ import annotations

import re

import psycopg
import pytest

from tests.conftest import SEALED_COLUMNS, sealed


def text(res):
    return res.get_data(as_text=True)


def body_cells(page: str, col: int) -> list[str]:
    """The text of column ``col`` of each row of the page's table body."""
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    out = []
    for r in rows:
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        if len(cells) > col:
            out.append(cells[col])
    return out


@pytest.fixture
def many_venues(seeded_db):
    """45 more venues of unit T-A (VG01…VG45), names in reverse order of their IDs, thresholds 1…45."""
    with psycopg.connect(seeded_db) as c:
        for i in range(1, 46):
            c.execute("insert into epi.venue (venue_id, venue_name, category, unit_code, flow_min, source) "
                      "values (%s, %s, '测试类', 'T-A', %s, 'ops')", (f"VG{i:02d}", f"生成场所{100 - i:03d}", i))
        c.commit()
    return seeded_db


def test_a_list_says_its_total_and_pages_by_20_50_100(ops, many_venues):
    client, _ = ops
    page = text(client.get("/venues?tab=set"))
    total = 48  # VA1, VA2, VB1 and the 45
    assert f"共 {total} 条" in page
    assert len(body_cells(page, 0)) == 20
    assert 'aria-current="page">1<' in page and ">3</a>" in page and 'rel="next"' in page
    assert "上一页</span>" in page  # disabled on the first page
    last = text(client.get("/venues?tab=set&page=3"))
    assert len(body_cells(last, 0)) == total - 40 and 'rel="prev"' in last and "下一页</span>" in last
    assert len(body_cells(text(client.get("/venues?tab=set&size=50")), 0)) == total
    # a page past the end is the last page; an unknown size is the default
    assert body_cells(text(client.get("/venues?tab=set&page=99")), 0) == body_cells(last, 0)
    assert len(body_cells(text(client.get("/venues?tab=set&size=7")), 0)) == 20


def test_every_shown_column_sorts_on_the_server_both_ways(ops, many_venues):
    client, _ = ops
    ids = body_cells(text(client.get("/venues?tab=set&size=100")), 0)
    assert ids == sorted(ids)  # by 公共场所ID by default
    names = body_cells(text(client.get("/venues?tab=set&size=100&sort=venue_name&dir=desc")), 1)
    assert names == sorted(names, reverse=True) and len(names) == 48
    # numbers sort as numbers (1, 2, … 10), not as text; empty values last
    mins = body_cells(text(client.get("/venues?tab=set&size=100&sort=flow_min&dir=asc")), 6)
    filled = [m for m in mins if m]
    assert mins[:3] == ["1", "2", "3"] and [int(m) for m in filled] == sorted(int(m) for m in filled)
    assert mins[len(filled):] == [""] * (len(mins) - len(filled))
    # the whole list is sorted, not the page: page 2 descending continues page 1
    p1 = body_cells(text(client.get("/venues?tab=set&sort=flow_min&dir=desc")), 6)
    p2 = body_cells(text(client.get("/venues?tab=set&sort=flow_min&dir=desc&page=2")), 6)
    assert p1[0] == "45" and int(p1[-1]) >= int(p2[0]) and len(p1) == 20
    # a column that is not shown is not a sort: the default order
    assert body_cells(text(client.get("/venues?tab=set&size=100&sort=head_phone")), 0) == ids
    page = text(client.get("/venues?tab=set&sort=venue_name&dir=asc"))
    assert 'aria-sort="ascending"' in page and "sort=venue_name&amp;dir=desc" in page


def test_the_pager_keeps_the_search_the_sort_and_the_size(ops, many_venues):
    client, _ = ops
    page = text(client.get("/venues?tab=set&q=生成场所&sort=venue_name&dir=desc&size=20"))
    assert "共 45 条" in page
    nxt = re.search(r'href="\?([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    assert all(part in nxt for part in ("tab=set", "sort=venue_name", "dir=desc", "size=20", "page=2"))
    assert "q=%E7%94%9F" in nxt


def test_the_filter_box_collapses_and_opens_when_a_condition_is_set(ops):
    client, _ = ops
    assert '<details class="filter-box">' in text(client.get("/venues"))
    page = text(client.get("/venues?tab=set&q=VA1"))
    assert '<details class="filter-box" open>' in page and "已设 1 项" in page


def test_an_empty_list_says_so_and_how_to_widen_it(ops):
    client, _ = ops
    page = text(client.get("/venues?tab=set&q=没有这个场所"))
    assert "共 0 条" in page and "没有场所。请调整查询条件后重试" in page


def test_a_search_for_a_percent_sign_is_literal(ops, many_venues):
    client, _ = ops
    assert "共 0 条" in text(client.get("/venues?tab=set&q=%25"))


def test_the_threshold_list_pages_and_sorts_within_the_unit(client, many_venues):
    from tests.web.conftest import enter

    enter(client, sub="a.zhang", unit="T-A")
    page = text(client.get("/thresholds?tab=set&sort=flow_min&dir=desc&size=50"))
    assert "共 46 条" in page  # T-A's own with a threshold: VA1 and the 45; never VB1
    assert "VB1" not in page
    mins = [int(v) for v in body_cells(page, 6)]
    assert mins == sorted(mins, reverse=True)


def test_after_saving_a_venue_the_list_shows_it_marked(ops, many_venues):
    client, token = ops
    res = client.post("/venues/VG45/edit", data={"csrf_token": token, "venue_name": "改过的场所", "unit_code": "T-A"})
    assert res.status_code == 302
    page = text(client.get(res.headers["Location"]))
    assert '<tr class="saved" id="saved">' in page and "改过的场所" in page


def test_the_statistics_page_by_20_with_the_sum_of_the_whole_list(client, seeded_db):
    from tests.web.conftest import enter

    with psycopg.connect(seeded_db) as c:
        for i in range(1, 26):
            c.execute("insert into epi.venue (venue_id, venue_name, unit_code, source) values (%s, %s, 'T-A', 'ops')",
                      (f"VS{i:02d}", f"统计场所{i:02d}"))
        c.commit()
    enter(client, sub="a.zhang", unit="T-A")
    page = text(client.get("/stats?from=2022-03-01&to=2022-03-31"))
    assert "共 27 个场所" in page and "共 27 条" in page  # VA1, VA2 and the 25
    assert len(body_cells(page, 0)) == 20
    assert body_cells(page, 0)[:2] == ["VA1", "VA2"]  # most scans first
    total = int(re.search(r"扫码量合计 ([\d,]+)", page).group(1).replace(",", ""))
    assert total == 3  # the small world's scans of T-A in March 2022, summed over every page
    page2 = text(client.get("/stats?from=2022-03-01&to=2022-03-31&page=2"))
    assert len(body_cells(page2, 0)) == 7 and f"扫码量合计 {total}" in page2
    ids = body_cells(text(client.get("/stats?from=2022-03-01&to=2022-03-31&sort=venue_id&dir=desc&size=50")), 0)
    assert ids == sorted(ids, reverse=True) and len(ids) == 27


# ----------------------------------------------------------------------------- the scan lists

@pytest.fixture
def many_scans(seeded_db):
    """120 more scans of VA1 on 2022-03-05, a minute apart; imported in the opposite order (the
    latest 采集时间 imported first), so that the two orders differ."""
    from tests.conftest import as_ops

    with psycopg.connect(seeded_db) as c:
        as_ops(c)
        batch = c.execute("""insert into epi.import_batch (file_name, file_hash, row_count, imported_by)
                             values ('测试二.xlsx', 'h1', 120, 'ops.tester') returning batch_id""").fetchone()[0]
        c.execute(f"""insert into epi.scan (venue_id, venue_name, {SEALED_COLUMNS}, collected_at, imported_at,
                                            batch_id, imported_by)
                     select 'VA1', 'VA1名称', {sealed('00000000000000000X', '测试人', '14400009999')},
                            '2022-03-05 08:00+08'::timestamptz + i * interval '1 minute',
                            '2022-04-01 08:00+08'::timestamptz + (120 - i) * interval '1 minute', %s, 'ops.tester'
                       from generate_series(1, 120) i""", (batch,))
        c.commit()
    return seeded_db


def scan_times(page: str, label: str) -> list[str]:
    """The 采集时间 or 数据导入时间 column of a scan list page."""
    head = page[page.index("<thead>"):page.index("</thead>")]
    names = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]
    return body_cells(page, names.index(label))


def link(page: str, rel: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="' + rel + '"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def walk(client, path: str, label: str):
    """Every page of a scan list forwards by 下一页, then back by 上一页: (pages forwards, backwards)."""
    forwards, backwards = [], []
    page = text(client.get(path))
    while True:
        forwards.append(scan_times(page, label))
        nxt = link(page, "next")
        if not nxt:
            break
        page = text(client.get(nxt))
    backwards.append(scan_times(page, label))
    while prev := link(page, "prev"):
        page = text(client.get(prev))
        backwards.append(scan_times(page, label))
    return forwards, backwards[::-1]


@pytest.mark.parametrize("sort,direction,label", [("collected_at", "desc", "采集时间"), ("collected_at", "asc", "采集时间"),
                                                  ("imported_at", "desc", "数据导入时间"), ("imported_at", "asc", "数据导入时间")])
def test_a_scan_list_pages_both_ways_in_either_order_of_either_time(unit_a, many_scans, sort, direction, label):
    client, _ = unit_a
    forwards, backwards = walk(client, f"/scans?sort={sort}&dir={direction}", label)
    assert [len(p) for p in forwards] == [50, 50, 23]  # T-A: VA1's 2 + 120 and VA2's 1
    assert backwards == forwards  # 上一页 gives back exactly the pages 下一页 gave
    times = [t for p in forwards for t in p]
    assert times == sorted(times, reverse=direction == "desc")


def test_the_two_orders_differ_and_the_order_survives_the_filters(unit_a, many_scans):
    client, _ = unit_a
    by_collected = scan_times(text(client.get("/scans?venue_id=VA1&sort=collected_at&dir=desc")), "采集时间")
    by_imported = scan_times(text(client.get("/scans?venue_id=VA1&sort=imported_at&dir=desc")), "采集时间")
    assert by_collected[:2] == ["2022-03-05 10:00:00", "2022-03-05 09:59:00"]
    # the small world's two were imported last (now); then the 120, the latest 采集时间 imported first
    assert by_imported[:4] == ["2022-03-02 09:00:00", "2022-03-01 08:00:00", "2022-03-05 08:01:00", "2022-03-05 08:02:00"]
    page = text(client.get("/scans?venue_id=VA1&sort=imported_at&dir=asc"))
    nxt = link(page, "next")
    assert "venue_id=VA1" in nxt and "sort=imported_at" in nxt and "dir=asc" in nxt
    assert 'aria-sort="ascending"' in page


def test_a_scan_list_counts_exactly_up_to_its_bound(unit_a, many_scans, monkeypatch):
    from web import queries

    client, _ = unit_a
    assert "共 123 条" in text(client.get("/scans"))
    assert "共 2 条" in text(client.get("/scans?venue_id=VA1&collected_to=2022-03-04"))
    monkeypatch.setattr(queries, "COUNT_BOUND", 100)
    assert "超过 100 条" in text(client.get("/scans"))
    body = client.get("/api/scans?count=1").get_json()
    assert body["count"] == 100 and body["count_exceeds"] is True and body["prev"] is None
    # the rows before page 1's last one are the rest of page 1, and there is no page before them
    again = client.get("/api/scans?before=" + body["next"]).get_json()
    assert [s["scan_id"] for s in again["scans"]] == [s["scan_id"] for s in body["scans"]][:-1]
    page2 = client.get("/api/scans?after=" + body["next"]).get_json()
    assert client.get("/api/scans?before=" + page2["prev"]).get_json()["scans"] == body["scans"]


def test_the_ops_record_list_pages_back_too(ops, many_scans):
    client, _ = ops
    forwards, backwards = walk(client, "/scan-admin/scans?sort=imported_at&dir=desc", "数据导入时间")
    assert sum(len(p) for p in forwards) == 127 and backwards == forwards  # every unit's, and V404's


def test_a_bad_sort_is_the_default_order_and_a_bad_cursor_is_refused(unit_a, many_scans):
    client, _ = unit_a
    assert scan_times(text(client.get("/scans?sort=phone&dir=sideways")), "采集时间")[0] == "2022-03-05 10:00:00"
    assert client.get("/scans?before=garbage!!").status_code == 400


def test_the_import_page_says_percent_rate_and_time_left():
    from web.import_jobs import percent, progress_line

    job = {"state": "running", "read": 60_000, "written": 50_000, "total": 200_000, "started": 100.0, "ended": None}
    assert progress_line(job, now=110.0) == "25%，已写入 50,000 / 约 200,000 行，5,000 行/秒，预计还需 30 秒"
    assert percent(job) == 25
    assert progress_line(job | {"written": 0}, now=101.0) == "正在读取文件…已读取 60,000 行"
    # an estimate that ran short never says more than 99 % or a negative time
    over = job | {"written": 250_000}
    assert progress_line(over, now=150.0).startswith("99%，已写入 250,000 / 约 250,000 行") and percent(over) == 99
    done = job | {"state": "done", "written": 200_000, "ended": 140.0}
    assert progress_line(done) == "共写入 200,000 行，用时 40 秒（5,000 行/秒）" and percent(done) == 100
    assert progress_line(job | {"state": "failed", "ended": 120.0}) == "未写入任何数据"


# ------------------------------------------------------------------------ confirmations in dialogs

def test_a_confirmation_asked_for_by_the_page_is_a_dialog_fragment(ops):
    client, _ = ops
    page = text(client.get("/venues?tab=set"))
    assert 'class="danger-link" data-dialog>' in page  # the delete link opens the dialog
    whole = text(client.get("/venues/VA1/delete"))
    assert '<header class="top">' in whole and 'href="/venues"' in whole  # without JavaScript: a page
    part = text(client.get("/venues/VA1/delete", headers={"X-Dialog": "1"}))
    assert "<html" not in part and '<header class="top">' not in part and 'id="dialog-title"' in part
    assert "确认删除场所" in part and "data-close" in part and 'name="csrf_token"' in part


def test_a_refusal_inside_the_dialog_is_a_fragment_too(unit_a, seeded_db):
    client, token = unit_a
    alert = re.search(r"/alerts/(\d+)/accept", text(client.get("/alerts"))).group(1)
    assert client.post(f"/alerts/{alert}/accept", data={"csrf_token": token}).status_code == 302
    res = client.get(f"/alerts/{alert}/accept", headers={"X-Dialog": "1"})
    assert res.status_code == 409 and "<html" not in text(res) and "该预警已接收" in text(res)


def test_the_bulk_accept_and_the_deletes_ask_in_the_dialog(unit_a):
    client, token = unit_a
    page = text(client.get("/alerts"))
    assert 'id="accept-selected" data-dialog>' in page
    alert = re.search(r'name="alert_id" value="(\d+)"', page).group(1)
    part = text(client.post("/alerts/accept", data={"csrf_token": token, "alert_id": alert}, headers={"X-Dialog": "1"}))
    assert "确认接收所选的 1 条预警" in part and '<header class="top">' not in part
    assert 'name="confirmed" value="1"' in part


def test_the_import_page_confirms_deletes_and_retention_in_the_dialog(ops):
    client, token = ops
    page = text(client.get("/scan-admin"))
    assert 'action="/scan-admin/retention" class="inline" data-dialog>' in page
    assert 'action="/scan-admin/delete/preview" class="inline" data-dialog>' in page
    part = text(client.post("/scan-admin/delete/preview", data={"csrf_token": token, "by": "collected",
                                                               "from": "2022-03-01", "to": "2022-03-01"},
                            headers={"X-Dialog": "1"}))
    assert "<html" not in part and "将被删除" in part and "data-close" in part
    assert "data-confirm" not in part  # asked once, in the dialog


# --------------------------------------------------------------------- a bad condition, inline

@pytest.mark.parametrize("path,field,message", [
    ("/scans?collected_from=2026-13-45", "collected_from", "采集时间（起）：不存在的日期或时间“2026-13-45”"),
    ("/scans?person_name=张", "person_name", "被采集人请至少输入2个字"),
    ("/scans?after=garbage!!", None, "分页参数无效，请从第一页重新查询"),
    ("/stats?from=2022-02-30", "from", "日期“2022-02-30”格式应为 YYYY-MM-DD"),
    ("/stats?from=2022-03-10&to=2022-03-01", "from", "开始日期不能晚于结束日期"),
    ("/alerts?period_from=2022-3-1x", "period_from", "日期“2022-3-1x”格式应为 YYYY-MM-DD"),
])
def test_a_bad_condition_is_a_message_beside_the_conditions_not_the_error_page(unit_a, path, field, message):
    client, _ = unit_a
    res = client.get(path)
    page = text(res)
    assert res.status_code == 400
    assert "出错了" not in page and 'class="filters"' in page and '<details class="filter-box" open>' in page
    shown = re.search(r'id="condition-error">(.*?)</p>', page).group(1)
    assert shown == message.replace("“", "&#8220;").replace("”", "&#8221;") or shown == message
    if field:
        assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', page)
    assert "<tbody>" in page  # the list is there, empty
    # the JSON API answers the same condition with its 400 and message
    if path.startswith("/scans"):
        assert client.get("/api" + path).get_json()["error"] == message


def test_a_bad_audit_condition_is_inline_too(client):
    from tests.web.conftest import enter

    enter(client, sub="audit.wang", unit="AUD", menus=["audit"])
    res = client.get("/audit?at_from=2022-13-01")
    assert res.status_code == 400 and "日期“2022-13-01”格式应为 YYYY-MM-DD" in text(res)
    assert 'name="at_from" value="2022-13-01" aria-invalid="true"' in text(res)


# ------------------------------------------------------------------------------- the exports

def test_every_list_export_is_streamed_and_named_for_what_it_holds(unit_a, client):
    import io
    from urllib.parse import unquote

    from openpyxl import load_workbook

    from tests.web.conftest import enter

    c, _ = unit_a
    for path, name in (("/alerts/export?period_from=2022-03-01&period_to=2022-03-31", "扫码预警（未接收）_T-A_2022-03-01至2022-03-31_导出于"),
                       ("/stats/export?from=2022-03-01&to=2022-03-31", "扫码统计_T-A_2022-03-01至2022-03-31_导出于")):
        res = c.get(path)
        assert res.status_code == 200 and res.is_streamed, path
        got = unquote(res.headers["Content-Disposition"].split("''")[1])
        assert got.startswith(name), got
        rows = list(load_workbook(io.BytesIO(res.data)).active.values)
        assert len(rows) >= 2
    # the statistics' counts are numbers
    stats = list(load_workbook(io.BytesIO(c.get("/stats/export?from=2022-03-01&to=2022-03-31").data)).active.values)
    assert all(isinstance(r[-1], int) for r in stats[1:])
    enter(client, sub="audit.wang", unit="AUD", menus=["audit"])
    res = client.get("/audit/export?action=scan.query")
    assert res.status_code == 200 and res.is_streamed
    assert unquote(res.headers["Content-Disposition"].split("''")[1]).startswith("审计日志_AUD_导出于")
    assert next(iter(load_workbook(io.BytesIO(res.data)).active.values))[0] == "审计编号"


def test_after_saving_a_threshold_the_list_shows_that_venue_marked(client, many_venues):
    from tests.web.conftest import enter

    token = enter(client, sub="a.zhang", unit="T-A")
    res = client.post("/thresholds/VG44", data={"csrf_token": token, "flow_min": "3", "flow_max": "300"})
    assert res.status_code == 302 and "saved=VG44" in res.headers["Location"]
    page = text(client.get(res.headers["Location"]))
    row = re.search(r'<tr class="saved" id="saved">(.*?)</tr>', page, re.S).group(1)
    assert "VG44" in row and "300" in row  # on its page of the list (page 3 of 20 by ID), marked
