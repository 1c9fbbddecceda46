"""Hardening (issue 19, point 4): venue IDs with /, %, ?, #, spaces (accepted by the form, or
discovered in scans) can be edited, deleted, given thresholds and shown in statistics — through
the links the pages print; a CR/LF in the path is a 400, not a traceback; an upload over the limit
is refused by the server before its body is buffered."""
from __future__ import annotations

import html
import re
import socket
import threading
import time

import psycopg
import pytest

from tests.web.conftest import OPS_MENUS, enter, ticket

ODD_IDS = ["V/1", "V%2F2", "V?3=x", "V#4", "V 5", "V//6", "/V7", "V8/"]


def links(page: str, prefix: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(rf'href="({re.escape(prefix)}[^"]*)"', page)]


@pytest.fixture
def odd_venues(seeded_db):
    with psycopg.connect(seeded_db) as c:
        for venue_id in ODD_IDS:
            c.execute("insert into epi.venue (venue_id, venue_name, unit_code) values (%s, %s, 'T-A')",
                      (venue_id, f"测试场所{venue_id}"))
        c.commit()
    return seeded_db


def test_odd_ids_are_edited_and_deleted_through_the_pages_links(client, odd_venues):
    token = enter(client, sub="ops.li", unit="OPS", menus=OPS_MENUS)
    page = client.get("/venues?tab=set").get_data(as_text=True)
    for venue_id in ODD_IDS:
        [edit] = [h for h in links(page, "/venues/") if h.split("?")[0].endswith("/edit") and f"测试场所{venue_id}" in
                  client.get(h).get_data(as_text=True)]   # the link carries the list's state (issue 47)
        form = client.get(edit)
        assert form.status_code == 200 and html.escape(venue_id) in form.get_data(as_text=True), venue_id
        res = client.post(edit, data={"csrf_token": token, "venue_name": f"改名{venue_id}", "unit_code": "T-A"})
        assert res.status_code == 302, venue_id
        delete = edit.split("?")[0][:-len("/edit")] + "/delete"
        assert client.get(delete).status_code == 200
        assert client.post(delete, data={"csrf_token": token}).status_code == 302, venue_id
    with psycopg.connect(odd_venues) as c:
        assert c.execute("select count(*) from epi.venue where venue_id = any (%s)", (ODD_IDS,)).fetchone()[0] == 0


def test_odd_ids_get_thresholds_on_the_page_and_through_the_api(client, odd_venues):
    token = enter(client, sub="a.zhang", unit="T-A")
    page = client.get("/thresholds?tab=unset").get_data(as_text=True)
    hrefs = links(page, "/thresholds/")
    for venue_id in ODD_IDS:
        [href] = [h for h in hrefs if html.escape(venue_id) in client.get(h).get_data(as_text=True)]
        assert client.post(href, data={"csrf_token": token, "flow_min": "3", "flow_max": "30"}).status_code == 302
    from urllib.parse import quote

    headers = {"Authorization": "Bearer " + ticket()}
    for venue_id in ODD_IDS:
        res = client.put(f"/api/venues/{quote(venue_id, safe='')}/threshold", json={"flow_min": 1, "flow_max": 9},
                         headers=headers)
        assert res.status_code == 200 and res.get_json()["venue"]["venue_id"] == venue_id, venue_id
    with psycopg.connect(odd_venues) as c:
        assert c.execute("select count(*) from epi.venue where venue_id = any (%s) and flow_min = 1 and flow_max = 9",
                         (ODD_IDS,)).fetchone()[0] == len(ODD_IDS)


def test_odd_ids_have_their_daily_statistics(client, odd_venues):
    enter(client, sub="a.zhang", unit="T-A")
    page = client.get("/stats?from=2022-03-01&to=2022-03-07").get_data(as_text=True)
    shown = set()
    for href in links(page, "/stats/"):
        if "/stats/export" in href:
            continue
        res = client.get(href)
        assert res.status_code == 200, href
        shown |= {v for v in ODD_IDS if f"{html.escape(v)} ·" in res.get_data(as_text=True)}
    assert shown == set(ODD_IDS)


@pytest.mark.parametrize("path", ["/venues/V%0D%0ASet-Cookie:x/edit", "/%0A", "/scans%0D", "/api/venues/a%0Ab/threshold"])
def test_a_cr_or_lf_in_the_path_is_a_400(client, path):
    enter(client, sub="ops.li", unit="OPS", menus=OPS_MENUS)
    res = client.get(path)
    assert res.status_code == 400 and "请求中含有不允许的字符" in res.get_data(as_text=True)


def test_an_oversized_upload_is_refused_before_its_body_is_read(app):
    """The server (waitress, as `invoke serve` runs it) answers 413 on the Content-Length alone:
    the 50 MB body is never sent, let alone buffered."""
    from waitress.server import create_server

    from web import server

    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    wsgi = create_server(app, host="127.0.0.1", port=0, **server.options(app))
    port = wsgi.socket.getsockname()[1]
    thread = threading.Thread(target=wsgi.run, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"POST /scan-admin/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                      b"Content-Length: 52428800\r\n\r\n" + b"x" * 1000)
            started = time.monotonic()
            answer = s.recv(200)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert time.monotonic() - started < 5
    finally:
        wsgi.close()
