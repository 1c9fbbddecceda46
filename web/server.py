"""The production WSGI server (waitress) with the zone's limits, for `invoke serve` and the demo."""
from __future__ import annotations

THREADS = 8
CONNECTION_LIMIT = 2000


def options(app) -> dict:
    """waitress buffers a request's whole body before the app sees it: the body is capped at the
    upload limit (plus the form's other fields), so an oversized upload is refused (413) as soon as
    its Content-Length is read, or as soon as a chunked body passes the cap — never after it filled
    memory or a disk. The reverse proxy in front should cap it too (README)."""
    opts = {"threads": THREADS, "max_request_body_size": app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024,
            # slow clients (issue 44, point 5): at 101 connections sending a header every few seconds
            # waitress' default limit of 100 left /healthz unanswered. A connection costs no thread
            # until its request is whole, so thousands may wait; poll(), not select(), past 1,024
            # descriptors; a connection silent for 30 s is closed. nginx in front still limits them.
            "connection_limit": CONNECTION_LIMIT, "channel_timeout": 30, "asyncore_use_poll": True}
    if app.config.get("PROXY_HOPS", 0) > 0:
        # waitress 3 removes X-Forwarded-* from every request whose peer it was not told to trust,
        # before the app's ProxyFix (web/__init__.py) could read them: every entry then said
        # 127.0.0.1 (issue 43, point 4). ProxyFix stays the one owner of the rule (trust exactly
        # EPI_PROXY_HOPS proxies); waitress passes the headers on.
        opts["clear_untrusted_proxy_headers"] = False
    return opts


def serve(app, host: str, port: int) -> None:
    from waitress import serve as waitress_serve

    waitress_serve(app, host=host, port=int(port), **options(app))
