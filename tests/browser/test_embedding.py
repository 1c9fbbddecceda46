"""The zone inside an OA frame (issue 24), in Debian's chromium: an OA page on another origin of the
same site frames a zone page (CSP frame-ancestors names it); inside it the zone shows no header or
menu of its own, and its pages work. The screenshot goes to docs/img/ for the README."""
from __future__ import annotations

import shutil
import socket
from pathlib import Path

from tests.browser.conftest import SHOTS, oa_portal, serve, shot
from tests.web.conftest import ticket

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def test_inside_an_oa_frame_the_zone_shows_no_header_or_menu_of_its_own(seeded_db, tmp_path, page):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        oa_port = s.getsockname()[1]
    with serve(seeded_db, tmp_path, OA_ORIGIN=f"http://127.0.0.1:{oa_port}") as zone, \
            oa_portal(oa_port, f"{zone}/alerts?ticket={ticket(sub='a.zhang', name='测试张')}") as oa:
        page.goto(oa + "/")
        frame = page.frame_locator("iframe")
        frame.locator("h1", has_text="“扫码”预警").wait_for()
        assert frame.locator("header.top").count() == 0 and frame.locator("nav.menu").count() == 0
        frame.get_by_role("link", name="详情").first.click()  # the zone's own links work inside the frame
        frame.locator("svg.chart").wait_for()
        shot(page, "oa-frame")
        IMG.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHOTS / "oa-frame.png", IMG / "oa-frame.png")
        # opened on its own, the same session shows the zone's header and menu
        page.goto(zone + "/alerts")
        assert page.locator("header.top").count() == 1


def test_no_page_asks_for_a_file_that_is_not_there(seeded_db, tmp_path, page):
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    with serve(seeded_db, tmp_path) as zone:
        page.goto(f"{zone}/alerts?ticket={ticket(sub='a.zhang', name='测试张')}")
        page.locator("h1").wait_for()
        page.goto(zone + "/favicon.ico")
    assert missing == []
