"""Issue 43, point 4: behind one reverse proxy (EPI_PROXY_HOPS=1) the client's address is the one
X-Forwarded-For names, in the audit entries and the access log — tested through a real waitress
server with the options `invoke serve` gives it (waitress 3 drops X-Forwarded-* of peers it was not
told to trust, so a test through Flask's client alone could not see it)."""
from __future__ import annotations

import logging
import urllib.request

import psycopg
import pytest

from tests.web.conftest import ticket


def waitress_serving(seeded_db, tmp_path, hops: int):
    """The app under a real waitress server with the options `invoke serve` gives it."""
    from tests.browser.conftest import serve

    return serve(seeded_db, tmp_path, PROXY_HOPS=hops)


def get(url: str, forwarded: str | None):
    headers = {"Authorization": "Bearer " + ticket(sub="a.zhang", unit="T-A")}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=20) as res:
        return res.status


def clients(seeded_db) -> list[str]:
    with psycopg.connect(seeded_db) as c:
        return [r[0] for r in c.execute("select host(client_addr) from epi.audit_log where action = 'scan.query' "
                                        "order by audit_id")]


@pytest.mark.parametrize("hops, forwarded, expected", [
    (1, "203.0.113.9", "203.0.113.9"),                   # nginx: $proxy_add_x_forwarded_for
    (1, "198.51.100.66, 203.0.113.9", "203.0.113.9"),    # a client's own claim before nginx's is not believed
    (0, "203.0.113.9", "127.0.0.1"),                     # no proxy configured: the header is nobody's word
])
def test_the_client_address_is_the_one_the_proxy_names(seeded_db, tmp_path, caplog, hops, forwarded, expected):
    caplog.set_level(logging.INFO, logger="epi.access")
    with waitress_serving(seeded_db, tmp_path, hops) as base:
        assert get(base + "/api/scans", forwarded) == 200
    assert clients(seeded_db) == [expected]
    (line,) = [r for r in caplog.records if r.name == "epi.access" and r.route == "/api/scans"]
    assert line.client == expected and line.getMessage().endswith(f"a.zhang {expected}")
