"""Pages inside OA (issue 24): inside OA's frame (Sec-Fetch-Dest: iframe, or ?embed=1 kept for the
session) the zone shows no header or menu of its own; dual-engine browsers are told to use webkit;
the current menu item is marked and a skip link leads to the content; a favicon; a session cookie
for a cross-site frame must be Secure (and may be partitioned)."""
from __future__ import annotations

import re

import pytest


def text(res):
    return res.get_data(as_text=True)


def test_inside_oas_frame_the_zone_has_no_header_or_menu_of_its_own(client):
    from tests.web.conftest import enter

    enter(client, sub="a.zhang", unit="T-A")
    page = text(client.get("/alerts"))
    assert '<header class="top">' in page and '<nav class="menu"' in page
    assert '<meta name="renderer" content="webkit">' in page
    framed = text(client.get("/alerts", headers={"Sec-Fetch-Dest": "iframe"}))
    assert '<header class="top">' not in framed and '<nav class="menu"' not in framed and 'class="embedded"' in framed
    # ?embed=1 is kept for the session (OA's links that open the zone in its own frame); embed=0 ends it
    assert '<header class="top">' not in text(client.get("/alerts?embed=1"))
    assert '<header class="top">' not in text(client.get("/scans"))
    assert '<header class="top">' in text(client.get("/scans?embed=0"))
    assert '<header class="top">' in text(client.get("/stats"))


def test_the_current_menu_item_is_marked_and_a_skip_link_leads_to_the_content(client):
    from tests.web.conftest import enter

    enter(client, sub="a.zhang", unit="T-A")
    page = text(client.get("/alerts"))
    assert re.search(r'<a href="/alerts" class="on" aria-current="page">', page)
    # the menu item, the tab (未接收) and the pager's current page
    assert page.count('aria-current="page"') == 2 + page.count('class="current" aria-current="page"')
    assert '<a class="skip" href="#main">跳到正文</a>' in page and '<main id="main"' in page


def test_the_favicon_is_served(client):
    res = client.get("/favicon.ico")
    assert res.status_code == 301
    icon = client.get(res.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_a_cross_site_frame_cookie_must_be_secure(seeded_db, tmp_path):
    from db import database
    from web import ConfigError, create_app

    base = {"TESTING": True, "OA_JWT_SECRET": "x" * 32, "SECRET_KEY": "k",
            "DATABASE_WEB_URL": database.web_url(database.database_name(seeded_db)), "UPLOAD_DIR": str(tmp_path)}
    with pytest.raises(ConfigError, match="EPI_COOKIE_SAMESITE=None"):
        create_app(base | {"SESSION_COOKIE_SAMESITE": "None", "SESSION_COOKIE_SECURE": False})
    app = create_app(base | {"SESSION_COOKIE_SAMESITE": "None", "SESSION_COOKIE_SECURE": True,
                             "SESSION_COOKIE_PARTITIONED": True})
    from tests.web.conftest import ticket

    res = app.test_client().get("/?ticket=" + ticket(secret="x" * 32), base_url="https://zone.example")
    cookie = res.headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie
    app.extensions["epi_pool"].close()


# ------------------------------------------------------------------------------------ charts

def test_the_y_axis_has_round_ticks_up_to_the_largest_value():
    from web.charts import nice_ticks

    assert nice_ticks(87) == [0, 25, 50, 75, 100]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(1100) == [0, 500, 1000, 1500]
    assert nice_ticks(160) == [0, 50, 100, 150, 200]
    assert nice_ticks(0) == [0, 1]


@pytest.mark.parametrize("values,low,high", [([9, 10, 11, 12, 100, 101, 99], 10, 100), ([50] * 7, 49, 51),
                                              ([0, 1, 2, 3, 4, 5, 6], 3, 4), ([1000, 990, 5, 0, 10, 20, 1001], 10, 1000)])
def test_value_labels_never_cross_a_threshold_line(values, low, high):
    from web.charts import bars

    svg = str(bars([(f"2022-03-{i + 1:02d}", v) for i, v in enumerate(values)], min_line=low, max_line=high))
    lines = [float(y) for y in re.findall(r'<line x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="[\d.]+" class="limit', svg)]
    labels = [float(y) for y in re.findall(r'<text x="[\d.]+" y="([\d.]+)" class="val"', svg)]
    assert len(lines) == 2 and len(labels) == 7
    for y in labels:  # a label's text spans about y-10 … y+2
        assert all(not (y - 11 <= line <= y + 3) for line in lines), (y, lines)
    margin = [float(y) for y in re.findall(r'<text x="([\d.]+)" y="[\d.]+" class="limit-label', svg)]
    assert all(x > 620 for x in margin)  # the thresholds' labels sit in the right margin, beside no bar


def test_a_day_without_any_data_in_the_city_is_drawn_as_no_data_not_zero():
    from web.charts import bars

    svg = str(bars([("2022-03-01", 5), ("2022-03-02", 0), ("2022-03-03", None)], min_line=3))
    assert svg.count('class="bar"') == 2 and svg.count('class="nodata"') == 1
    assert "2022-03-03：无数据</title>" in svg and ">无数据</text>" in svg and "2022-03-02：0</title>" in svg
    assert re.findall(r'class="val">([^<]*)<', svg) == ["5", "0"]  # no value label on the empty day


def test_a_venues_days_say_no_data_where_the_city_has_none_and_0_where_only_it_has_none(client):
    from tests.web.conftest import enter

    enter(client, unit="T-A", menus=["scan_stats"])
    # world: VA2 scanned on 03-01; others on 03-02 (VA1), 03-03 (T-B's VB1), 03-04 (V404); nothing after
    page = text(client.get("/stats/VA2?from=2022-03-01&to=2022-03-07"))
    cells = re.findall(r'<tr><td>(2022-03-0\d)</td><td class="num[^"]*">([^<]*)</td></tr>', page)
    assert cells == [("2022-03-01", "1"), ("2022-03-02", "0"), ("2022-03-03", "0"), ("2022-03-04", "0"),
                     ("2022-03-05", "无数据"), ("2022-03-06", "无数据"), ("2022-03-07", "无数据")]
    assert page.count('class="nodata"') == 3 and "全市当天没有任何扫码数据" in page
    full = text(client.get("/stats/VA2?from=2022-03-01&to=2022-03-04"))
    assert "无数据" not in full and "全市当天没有任何扫码数据" not in full


@pytest.mark.parametrize("path,current", [("/alerts", "未接收"), ("/thresholds?tab=set", "已设置")])
def test_the_current_tab_is_marked_for_screen_readers(client, path, current):
    from tests.web.conftest import enter

    enter(client, unit="T-A")
    tabs = re.search(r'<div class="tabs">(.*?)</div>', text(client.get(path)), re.S).group(1)
    marked = re.findall(r'aria-current="page">([^<（]+)', tabs)
    assert marked == [current]
