"""The requirements' field tables are a contract (issue 21): each page shows exactly the seed's fields
in the seed's order, read from the seed (tests/seed.py), so that a drift fails here."""
from __future__ import annotations

import io
import re

from tests.seed import fields


def headers(html: str) -> list[str]:
    thead = html[html.index("<thead>"):html.index("</thead>")]
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", thead, re.S)]


def test_the_scan_query_page_and_its_export_show_the_seeds_18_fields_in_order(unit_a):
    from openpyxl import load_workbook

    client, _ = unit_a
    want = fields("扫码进场信息查询")
    page = client.get("/scans").get_data(as_text=True)
    assert [h for h in headers(page) if h] == want  # an operations column may follow, unnamed
    ws = load_workbook(io.BytesIO(client.get("/scans/export").data)).active
    assert list(next(ws.values)) == want


def list_headers(html: str) -> list[str]:
    """A list's named column headers (an operations or selection column has none)."""
    return [h for h in headers(html) if h]


def form_labels(html: str) -> list[str]:
    """The field labels of a detail page's form, in order."""
    form = html[html.index('<form method="post" class="form'):]
    form = form[:form.index("</form>")]
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r"<label[^>]*>(.*?)</label>", form, re.S)]


def test_the_venue_list_shows_the_seeds_8_columns_on_both_tabs(ops):
    client, _ = ops
    want = fields("场所信息管理")
    assert len(want) == 8
    for tab in ("unset", "set"):
        assert list_headers(client.get(f"/venues?tab={tab}").get_data(as_text=True)) == want


def test_the_venue_list_rows_hold_the_columns_values(ops):
    client, _ = ops
    page = client.get("/venues?tab=set&q=VA1").get_data(as_text=True)
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
    assert cells[:8] == ["VA1", "测试场所甲一", "商场", "长沙街道", "", "测试监管单位甲", "10", "100"]


def test_the_venue_detail_shows_the_seeds_12_fields_with_unit_and_thresholds_read_only(ops):
    client, _ = ops
    want = fields("场所信息管理", "detail")
    assert len(want) == 12
    for path in ("/venues/new", "/venues/VA1/edit"):
        page = client.get(path).get_data(as_text=True)
        assert form_labels(page) == want, path
    page = client.get("/venues/new").get_data(as_text=True)
    assert re.search(r'name="city" value="开平市"', page)
    edit = client.get("/venues/VA1/edit").get_data(as_text=True)
    for key in ("head_name", "head_phone"):
        assert re.search(rf'<input id="{key}" value="[^"]*" readonly', edit), key
    # the thresholds are shown, read-only and not submitted (no name)
    assert re.search(r'<input id="flow_min" value="10" readonly', edit)
    assert re.search(r'<input id="flow_max" value="100" readonly', edit)
    assert 'name="flow_min"' not in edit and 'name="flow_max"' not in edit


def test_saving_a_venue_never_touches_its_thresholds(ops, seeded_db):
    client, token = ops
    res = client.post("/venues/VA1/edit", data={"csrf_token": token, "venue_id": "VA1", "venue_name": "测试场所甲一",
                                                "category": "商场", "street": "长沙街道", "location": "测试路1号",
                                                "unit_code": "T-A", "flow_min": "1", "flow_max": "2"})
    assert res.status_code == 302
    page = client.get("/venues?tab=set&q=VA1").get_data(as_text=True)
    assert "测试路1号" in page and ">10<" in page and ">100<" in page


def test_the_threshold_list_and_detail_show_the_seeds_fields(unit_a):
    client, _ = unit_a
    assert list_headers(client.get("/thresholds?tab=set").get_data(as_text=True)) == fields("场所人流量阈值管理")
    assert list_headers(client.get("/thresholds?tab=unset").get_data(as_text=True)) == fields("场所人流量阈值管理")
    page = client.get("/thresholds/VA1").get_data(as_text=True)
    want = fields("场所人流量阈值管理", "detail")
    assert len(want) == 11 and form_labels(page) == want
    # the 9 venue fields are read-only; only the two thresholds are inputs with a name
    assert sorted(re.findall(r'<input id="\w+" name="(\w+)"', page)) == ["flow_max", "flow_min"]
    assert len(re.findall(r" readonly[ >]", page)) == 9


def test_the_stats_and_alert_lists_show_the_seeds_columns(unit_a):
    client, _ = unit_a
    assert list_headers(client.get("/stats?from=2022-03-01&to=2022-03-07").get_data(as_text=True)) == fields("扫码统计查询")
    for status in ("未接收", "已接收"):
        got = list_headers(client.get(f"/alerts?status={status}").get_data(as_text=True))
        assert got[:7] == fields("“扫码”预警"), status


def test_the_alert_detail_shows_all_of_the_seeds_fields(unit_a, seeded_db):
    import psycopg

    client, _ = unit_a
    with psycopg.connect(seeded_db) as c:
        alert_id = c.execute("select alert_id from epi.alert where venue_id = 'VA1'").fetchone()[0]
    page = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
    shown = re.findall(r"<dt>(.*?)</dt>", page) + headers(page)
    assert set(fields("“扫码”预警", "detail")) <= set(shown)


def test_the_ops_record_list_shows_the_seeds_17_fields_in_order(ops):
    client, _ = ops
    want = fields("扫码进场信息管理")
    assert len(want) == 17
    assert list_headers(client.get("/scan-admin/scans").get_data(as_text=True)) == want


def test_the_stats_and_alert_exports_carry_the_seeds_columns(unit_a):
    from openpyxl import load_workbook

    client, _ = unit_a
    stats = load_workbook(io.BytesIO(client.get("/stats/export?from=2022-03-01&to=2022-03-07").data)).active
    assert list(next(stats.values)) == fields("扫码统计查询")
    alerts = load_workbook(io.BytesIO(client.get("/alerts/export").data)).active
    assert list(next(alerts.values))[:7] == fields("“扫码”预警")  # then 状态, 接收人, 接收时间
