"""One way to report a bad condition (issue 47, point 7): beside the field, never an "出错了" page
for a user's input; one message for a reversed range on every page; no command-line syntax."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import psycopg
import pytest

from tests.web.conftest import enter
from tests.web.test_reveal import REVEAL

REVERSED = "开始日期不能晚于结束日期"


def beside(page: str, message: str) -> bool:
    return re.search(r'class="field-error"[^>]*>' + re.escape(message), page) is not None


@pytest.mark.parametrize("who, path", [
    ("unit", "/scans?" + urlencode({"collected_from": "2022-03-05", "collected_to": "2022-03-01"})),
    ("unit", "/stats?from=2022-03-10&to=2022-03-01"),
    ("unit", "/alerts?" + urlencode({"period_from": "2022-03-10", "period_to": "2022-03-01"})),
    ("ops", "/scan-admin/scans?" + urlencode({"imported_from": "2022-03-05 12:00", "imported_to": "2022-03-05 09:00"})),
])
def test_a_reversed_range_is_one_message_beside_its_field_on_every_page(client, who, path):
    if who == "unit":
        enter(client, sub="a.zhang", unit="T-A")
    else:
        enter(client, sub="ops.li", unit="OPS", menus=["venue_admin", "scan_admin"])
    res = client.get(path)
    page = res.get_data(as_text=True)
    assert res.status_code == 400 and REVERSED in page and "出错了" not in page
    assert "aria-invalid" in page


def test_a_reversed_delete_range_comes_back_in_the_form_without_command_line_syntax(client):
    token = enter(client, sub="ops.li", unit="OPS", menus=["venue_admin", "scan_admin"])
    res = client.post("/scan-admin/delete/preview", headers={"X-Dialog": "1"},
                      data={"csrf_token": token, "by": "collected", "from": "2026-12-05 12:00", "to": "2026-12-05 09:00"})
    page = res.get_data(as_text=True)
    assert res.status_code == 400 and beside(page, REVERSED) and ".." not in page and "出错了" not in page
    assert 'value="2026-12-05 12:00"' in page                    # what was typed stays, to correct it
    res = client.post("/scan-admin/delete/preview", headers={"X-Dialog": "1"},
                      data={"csrf_token": token, "by": "collected", "from": "昨天", "to": ""})
    page = res.get_data(as_text=True)
    assert beside(page, "开始时间：") and beside(page, "请填写结束时间") and ".." not in page


def test_a_too_short_reason_is_asked_again_beside_the_field(client, seeded_db):
    token = enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)
    with psycopg.connect(seeded_db) as c:
        scan = c.execute("select min(scan_id) from epi.scan where venue_id = 'VA1'").fetchone()[0]
    res = client.post(f"/scans/{scan}/reveal", data={"csrf_token": token, "reason": "查", "back.venue_id": "VA1"})
    page = res.get_data(as_text=True)
    assert res.status_code == 400 and "出错了" not in page and 'aria-describedby="reason-error"' in page
    assert re.search(r'class="field-error" id="reason-error">[^<]*查看事由', page)
    assert '<input type="hidden" name="back.venue_id" value="VA1">' in page   # the search still comes along


def test_an_empty_upload_is_said_beside_the_file_field(client):
    token = enter(client, sub="ops.li", unit="OPS", menus=["venue_admin", "scan_admin"])
    res = client.post("/scan-admin/upload", data={"csrf_token": token})
    page = res.get_data(as_text=True)
    assert res.status_code == 400 and beside(page, "请选择要导入的文件（.xlsx、.xls 或 .csv）") and "出错了" not in page
    assert "<h1>扫码进场信息管理</h1>" in page
