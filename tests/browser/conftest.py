"""Browser fixtures: the app served by waitress on a free port, and a chromium page at 1366×768.
Every browser test is skipped (with the reason) where Debian's chromium is not installed."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest

from db import database
from tests.web.conftest import SECRET

CHROMIUM = os.environ.get("EPI_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"no browser: {CHROMIUM} is not installed (.ci/run installs Debian's chromium)")
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@contextlib.contextmanager
def serve(admin_url: str, tmp_path: Path, **config):
    """The app under a real waitress server on a free loopback port, as `invoke serve` runs it."""
    from waitress.server import create_server

    from web import create_app, server

    app = create_app({"OA_JWT_SECRET": SECRET, "SECRET_KEY": "browser-test-key-0123456789",
                      "DATABASE_WEB_URL": database.web_url(database.database_name(admin_url)),
                      "UPLOAD_DIR": str(tmp_path / "uploads"), "SESSION_COOKIE_SECURE": False} | config)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # the options `invoke serve` gives waitress (connections, proxy headers, body cap), 4 threads
    srv = create_server(app, host="127.0.0.1", port=port, **(server.options(app) | {"threads": 4}))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.close()
        app.extensions["epi_pool"].close()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        pg = context.new_page()
        pg.set_default_timeout(20_000)
        yield pg
        browser.close()


def shot(page, name, full=True):
    """A screenshot into var/screenshots/: the whole page, or (full=False, for long lists) the window."""
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def open_filters(page):
    """Open a list's collapsed filter box (it opens by itself when a condition is set)."""
    closed = page.locator("details.filter-box:not([open]) > summary")
    if closed.count():
        closed.first.click()


@contextlib.contextmanager
def oa_portal(port: int, entry: str, host: str = "127.0.0.1"):
    """A stand-in for the OA platform on ``port``: its own bar and the zone's ``entry`` in an iframe;
    answers at http://<host>:<port> (``localhost`` beside a zone on 127.0.0.1: another site)."""
    import http.server

    page = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>OA 办公平台</title></head>'
            f'<body style="margin:0;font-family:sans-serif"><div style="background:#1e3a8a;color:#fff;padding:10px 16px">'
            f'开平市政务办公平台（OA） · 疫情防控监管专区</div>'
            f'<iframe title="疫情防控监管专区" src="{entry}" style="border:0;width:100%;height:640px"></iframe>'
            f'</body></html>').encode()

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
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()


# the OpenID provider process of the sign-on tests (issue 45), refusing to be framed
from tests.web.sso_servers import provider  # noqa: E402, F401
