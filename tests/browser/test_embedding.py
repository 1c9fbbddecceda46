"""The zone inside an OA frame (issue 24), in Debian's chromium: an OA page on another origin of the
same site frames a zone page (CSP frame-ancestors names it); inside it the zone shows no header or
menu of its own, and its pages work. The screenshot goes to docs/img/ for the README."""
from __future__ import annotations

import contextlib
import http.server
import shutil
import socket
import threading
from pathlib import Path

from tests.browser.conftest import SHOTS, serve, shot
from tests.web.conftest import ticket

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@contextlib.contextmanager
def oa_portal(zone: str, port: int):
    """A stand-in for the OA platform: its own red-free chrome and the zone in an iframe."""
    page = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>OA 办公平台</title></head>'
            f'<body style="margin:0;font-family:sans-serif"><div style="background:#1e3a8a;color:#fff;padding:10px 16px">'
            f'开平市政务办公平台（OA） · 疫情防控监管专区</div>'
            f'<iframe title="疫情防控监管专区" src="{zone}/alerts?ticket={ticket(sub="a.zhang", name="测试张")}" '
            f'style="border:0;width:100%;height:640px"></iframe></body></html>').encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()


def test_inside_an_oa_frame_the_zone_shows_no_header_or_menu_of_its_own(seeded_db, tmp_path, page):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        oa_port = s.getsockname()[1]
    with serve(seeded_db, tmp_path, OA_ORIGIN=f"http://127.0.0.1:{oa_port}") as zone, oa_portal(zone, oa_port) as oa:
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
