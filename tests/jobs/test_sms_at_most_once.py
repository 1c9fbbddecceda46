"""Texts sent at most once, counted at the gateway (issue 19, point 2): against a local HTTP server
that accepts and then does not answer, answers 429 or 503 with Retry-After, answers 500, or resets
the connection after reading the request. Only a failure before the request left is retried."""
from __future__ import annotations

import socket
import struct
import threading

import psycopg
import pytest

from jobs import gateways, sms
from tests.jobs.test_sms_dispatch import outbox, texts  # noqa: F401  (fixture)


class RawServer:
    """Reads each request whole, then does what the next behaviour says: 'silent' (never answers),
    'reset' (closes with a TCP reset), or an HTTP status with optional headers."""

    def __init__(self):
        self.behaviours: list = []
        self.requests = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/send"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
            while len(body) < length:
                body += conn.recv(65536)
            self.requests += 1
            behaviour = self.behaviours.pop(0) if self.behaviours else 200
            if behaviour == "silent":
                self.held.append(conn)   # accepted, read, never answered
                continue
            if behaviour == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                continue
            status, headers = behaviour if isinstance(behaviour, tuple) else (behaviour, {})
            extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            conn.sendall(f"HTTP/1.1 {status} X\r\nContent-Length: 2\r\n{extra}Connection: close\r\n\r\nok".encode())
            conn.close()

    def gateway(self, timeout=1.0):
        return gateways.HttpGateway({"EPI_SMS_WEBHOOK_URL": self.url}, timeout=timeout)

    def close(self):
        self.sock.close()
        for c in self.held:
            c.close()


@pytest.fixture
def server():
    s = RawServer()
    yield s
    s.close()


def test_a_gateway_that_accepts_and_never_answers_is_in_doubt_and_not_resent(server, outbox, fresh_db):  # noqa: F811
    server.behaviours = ["silent", 200]
    sleeps = []
    summary = sms.dispatch(url=outbox, gateway=server.gateway(timeout=0.5), sleep=sleeps.append)
    assert (summary.in_doubt, summary.sent, summary.failed) == (1, 1, 0)
    assert server.requests == 2 and sleeps == []          # T-A once (in doubt), T-B once (sent)
    rows = texts(fresh_db)
    assert rows[0][1:3] == ("failed", 1) and "结果未知，未重发" in rows[0][3] and rows[1][1] == "sent"
    with psycopg.connect(fresh_db) as c:
        assert c.execute("select in_doubt from epi.sms_outbox order by unit_code").fetchall() == [(True,), (False,)]
    assert sms.dispatch(url=outbox, gateway=server.gateway()).sent == 0 and server.requests == 2


def test_a_reset_after_the_request_left_is_in_doubt(server, outbox, fresh_db):  # noqa: F811
    server.behaviours = ["reset"]
    summary = sms.dispatch(url=outbox, gateway=server.gateway(), limit=1, sleep=lambda s: None)
    assert summary.in_doubt == 1 and server.requests == 1
    assert "结果未知，未重发" in texts(fresh_db)[0][3]


def test_a_500_after_the_request_left_is_in_doubt(server, outbox, fresh_db):  # noqa: F811
    server.behaviours = [500]
    assert sms.dispatch(url=outbox, gateway=server.gateway(), limit=1, sleep=lambda s: None).in_doubt == 1
    assert server.requests == 1


@pytest.mark.parametrize("status", [429, 503])
def test_429_and_503_are_retried_after_the_retry_after_they_name(server, outbox, fresh_db, status):  # noqa: F811
    server.behaviours = [(status, {"Retry-After": "7"}), 200]
    sleeps = []
    summary = sms.dispatch(url=outbox, gateway=server.gateway(), sleep=sleeps.append, rng=lambda: 0.5,
                           base_delay=1.0, limit=1)
    assert summary.sent == 1 and sleeps == [7.0] and server.requests == 2
    assert texts(fresh_db)[0][1:3] == ("sent", 2)


def test_a_retry_after_longer_than_a_run_waits_leaves_the_text_for_later(server, outbox, fresh_db):  # noqa: F811
    server.behaviours = [(429, {"Retry-After": "3600"})]
    sleeps = []
    summary = sms.dispatch(url=outbox, gateway=server.gateway(), sleep=sleeps.append, limit=1)
    assert summary.postponed == 1 and sleeps == [] and server.requests == 1
    with psycopg.connect(fresh_db) as c:
        status, later, claimed = c.execute("select status, next_attempt_at > now() + interval '50 minutes', "
                                           "sending_since from epi.sms_outbox where unit_code = 'T-A'").fetchone()
    assert (status, later, claimed) == ("pending", True, None)
    # the next run does not take it before its time (it sends T-B only)
    assert sms.dispatch(url=outbox, gateway=server.gateway()).sent == 1 and server.requests == 2


def test_failures_before_the_request_left_are_retried(outbox, fresh_db):  # noqa: F811
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()                                        # nothing listens: connection refused
    refused = gateways.HttpGateway({"EPI_SMS_WEBHOOK_URL": f"http://127.0.0.1:{port}/x"}, timeout=1)
    with pytest.raises(gateways.Transient, match="未发出"):
        refused.send("14400000001", "x")
    unknown = gateways.HttpGateway({"EPI_SMS_WEBHOOK_URL": "http://no-such-host.invalid/x"}, timeout=2)
    with pytest.raises(gateways.Transient, match="未发出"):
        unknown.send("14400000001", "x")
    sleeps = []
    summary = sms.dispatch(url=outbox, gateway=refused, sleep=sleeps.append, max_attempts=3, limit=1)
    assert summary.failed == 1 and summary.in_doubt == 0 and len(sleeps) == 2
    assert "重试 3 次后仍失败" in texts(fresh_db)[0][3]


def test_retry_after_as_an_http_date():
    assert gateways.retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert gateways.retry_after("120") == 120.0 and gateways.retry_after(None) is None
    assert gateways.retry_after("soon") is None
