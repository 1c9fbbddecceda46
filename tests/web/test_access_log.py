"""The web app's access log (issue 26, point 1): a line per request with method, route pattern
(never the path's IDs nor the query string's values), status, duration and account."""
from __future__ import annotations

import logging

import pytest

ID = "110101199001011231"   # synthetic, fails the checksum
PHONE = "14400000001"


@pytest.fixture
def access(caplog):
    caplog.set_level(logging.INFO, logger="epi.access")
    return lambda: [r for r in caplog.records if r.name == "epi.access"]


def test_a_request_is_one_line_with_its_route_status_duration_and_account(unit_a, access):
    client, _ = unit_a
    before = len(access())
    res = client.get(f"/scans?id_card={ID}&phone={PHONE}")
    assert res.status_code == 200
    res.close()
    lines = access()[before:]
    assert len(lines) == 1
    line = lines[0]
    assert (line.method, line.route, line.status, line.account) == ("GET", "/scans", 200, "a.zhang")
    assert line.duration_ms >= 0
    assert ID not in line.getMessage() and PHONE not in line.getMessage() and "?" not in line.getMessage()


def test_the_route_is_the_pattern_not_the_id_and_unknown_paths_are_a_dash(ops, access):
    client, _ = ops
    before = len(access())
    client.get("/venues/V-SECRET-1/edit").close()
    client.get("/no/such/page").close()
    first, second = access()[before:]
    assert "V-SECRET-1" not in first.getMessage() and first.route == "/venues/<anyid:venue_id>/edit"
    assert (second.route, second.status) == ("-", 404)


def test_a_streamed_export_is_logged_once_its_body_was_sent(unit_a, access):
    client, _ = unit_a
    before = len(access())
    res = client.get("/scans/export")
    assert res.status_code == 200
    assert access()[before:] == []          # the body has not been read yet
    res.get_data()
    res.close()
    (line,) = access()[before:]
    assert (line.route, line.status) == ("/scans/export", 200)


def test_a_request_without_a_session_says_dash_for_the_account(client, access):
    before = len(access())
    client.get("/healthz").close()
    (line,) = access()[before:]
    assert (line.route, line.status, line.account) == ("/healthz", 200, "-")
