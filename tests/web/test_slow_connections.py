"""Issue 44, point 5: 500 slow connections (each sending a partial request and a header every few
seconds) against the server `invoke serve` runs leave /healthz answering — a bounded slowloris on
loopback, through a real waitress server with the zone's options."""
from __future__ import annotations

import socket
import time
import urllib.request

from tests.web.test_proxy_address import waitress_serving
from web import server

SLOW = 500


def test_slow_connections_do_not_take_the_server_down(seeded_db, tmp_path):
    assert server.CONNECTION_LIMIT > SLOW
    with waitress_serving(seeded_db, tmp_path, hops=0) as base:
        host, port = base.removeprefix("http://").split(":")
        slow = []
        try:
            for _ in range(SLOW):
                s = socket.create_connection((host, int(port)), timeout=5)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: zone\r\n")
                slow.append(s)
            answers = []
            for round_ in range(3):   # the attack goes on: a header every 2 s on each connection
                for s in slow:
                    s.sendall(f"X-Slow-{round_}: 1\r\n".encode())
                started = time.monotonic()
                with urllib.request.urlopen(base + "/healthz", timeout=10) as res:
                    answers.append((res.status, time.monotonic() - started))
                time.sleep(2)
        finally:
            for s in slow:
                s.close()
    assert [status for status, _ in answers] == [200, 200, 200]
    assert max(seconds for _, seconds in answers) < 5, answers
