"""What the web app tells its operator about each request: the access log (logger epi.access;
issue 26, point 1) and the request metrics of /metrics (web.metrics).

A line says method, route pattern (never the path's IDs nor the query string's values: a scan
search's conditions are ID numbers and phones), status, duration, the account and the client's
address (as EPI_PROXY_HOPS trusts X-Forwarded-For: the same as the audit entries')."""
from __future__ import annotations

import logging
import time

from flask import Flask, g, request

log = logging.getLogger("epi.access")


def route() -> str:
    """The rule that answered (e.g. /venues/<anyid:venue_id>), or - when none did (404)."""
    return request.url_rule.rule if request.url_rule is not None else "-"


def init_app(app: Flask, on_done=None) -> None:
    """``on_done(method, route, status, seconds)`` is called once per request after its body was
    sent (also a streamed export's), like the access line."""

    @app.before_request
    def started():
        g.started = time.perf_counter()

    @app.after_request
    def access(response):
        started_at = g.get("started") or time.perf_counter()
        method, rule, status = request.method, route(), response.status_code
        user = g.get("user")
        account = user.account if user else "-"
        client = request.remote_addr or "-"

        def done():
            seconds = time.perf_counter() - started_at
            log.info("%s %s %d %.1fms %s %s", method, rule, status, seconds * 1000, account, client,
                     extra={"method": method, "route": rule, "status": status,
                            "duration_ms": round(seconds * 1000, 1), "account": account, "client": client})
            if on_done is not None:
                on_done(method, rule, status, seconds)

        response.call_on_close(done)
        return response
