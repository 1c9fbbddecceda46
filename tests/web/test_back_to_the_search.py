"""Revealing a record keeps the search (issue 47, point 3): the reveal page shows every field of
扫码进场信息查询, in its order, and 返回查询 returns to the same results — conditions, order, page —
posted, so a personal value is never in a URL; the alert detail's 返回列表 returns to the list as it was."""
from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import psycopg

from db.vocabulary import SCAN_LIST
from tests.conftest import opened_scans
from tests.web.conftest import enter
from tests.web.test_personal_data import FULL
from tests.web.test_reveal import REVEAL


def hidden(page: str, prefix: str = "") -> dict:
    return {k[len(prefix):]: html.unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
            if k.startswith(prefix) and k != "csrf_token"}


def back_form(page: str) -> dict:
    """The fields of the reveal page's 返回查询 form."""
    form = re.search(r'<form method="post" action="/scans" class="linkform">(.*?)</form>', page, re.S).group(1)
    assert "返回查询" in form
    return hidden(form)


def test_the_reveal_page_has_every_field_of_the_query_in_its_order(client, seeded_db):
    token = enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)
    with psycopg.connect(seeded_db) as c:
        scan = c.execute("select min(scan_id) from epi.scan where venue_id = 'VA1'").fetchone()[0]
    page = client.post(f"/scans/{scan}/reveal", data={"csrf_token": token, "reason": "核对入场人员身份"}).get_data(as_text=True)
    assert re.findall(r"<dt>([^<]+)</dt>", page) == list(SCAN_LIST.values())      # 18, 监管单位 among them
    assert "<dt>监管单位</dt><dd>测试监管单位甲</dd>" in page and all(f in page for f in FULL)


def test_a_search_by_venue_comes_back_whole_in_its_url(client, seeded_db):
    token = enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)
    page = client.get("/scans?venue_id=VA1&sort=collected_at&dir=asc").get_data(as_text=True)
    dialog = re.search(r'<dialog id="reveal-dialog">(.*?)</dialog>', page, re.S).group(1)
    assert hidden(dialog, "back.") == {"venue_id": "VA1", "sort": "collected_at", "dir": "asc"}
    scan = re.search(r'data-scan="(\d+)"', page).group(1)
    shown = client.post(f"/scans/{scan}/reveal", data={"csrf_token": token, "reason": "核对入场人员身份",
                                                       "back.venue_id": "VA1", "back.sort": "collected_at",
                                                       "back.dir": "asc", "back.evil": "x"}).get_data(as_text=True)
    assert back_form(shown) == {"venue_id": "VA1", "sort": "collected_at", "dir": "asc"}   # known fields only
    back = client.post("/scans", data={"csrf_token": token} | back_form(shown))
    assert back.status_code == 303 and back.headers["Location"] == "/scans?venue_id=VA1&sort=collected_at&dir=asc"


def test_a_search_by_id_number_comes_back_posted_never_in_a_url(client, seeded_db):
    token = enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)
    with psycopg.connect(seeded_db) as c:
        scan, id_card = opened_scans(c, ["scan_id", "id_card"], where="venue_id = 'VA1'", order="scan_id")[0]
    page = client.post("/scans", data={"csrf_token": token, "id_card": id_card}).get_data(as_text=True)
    dialog = re.search(r'<dialog id="reveal-dialog">(.*?)</dialog>', page, re.S).group(1)
    assert hidden(dialog, "back.") == {"id_card": id_card}
    shown = client.post(f"/scans/{scan}/reveal", data={"csrf_token": token, "reason": "核对入场人员身份",
                                                       "back.id_card": id_card})
    assert back_form(shown.get_data(as_text=True)) == {"id_card": id_card}
    back = client.post("/scans", data={"csrf_token": token, "id_card": id_card})
    assert back.status_code == 200 and "Location" not in back.headers              # answered, not redirected
    assert f'data-scan="{scan}"' in back.get_data(as_text=True)


def test_the_alert_detail_returns_to_its_list_as_it_was(client):
    enter(client, sub="a.zhang", unit="T-A")
    query = urlencode({"status": "未接收", "sort": "venue_id", "dir": "desc"})   # as a browser sends it
    listing = client.get("/alerts?" + query).get_data(as_text=True)
    detail_link = html.unescape(re.search(r'<a href="(/alerts/\d+\?back=[^"]+)">详情</a>', listing).group(1))
    detail = client.get(detail_link).get_data(as_text=True)
    back = html.unescape(re.search(r'<a class="button secondary" href="([^"]+)">返回列表</a>', detail).group(1))
    assert back == "/alerts?" + query
    plain = client.get(detail_link.split("?")[0]).get_data(as_text=True)      # opened without a list: its status
    assert 'href="/alerts?status=%E6%9C%AA%E6%8E%A5%E6%94%B6">返回列表' in plain
