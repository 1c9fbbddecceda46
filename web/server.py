"""The production WSGI server (waitress) with the zone's limits, for `invoke serve` and the demo."""
from __future__ import annotations

THREADS = 8


def options(app) -> dict:
    """waitress buffers a request's whole body before the app sees it: the body is capped at the
    upload limit (plus the form's other fields), so an oversized upload is refused (413) as soon as
    its Content-Length is read, or as soon as a chunked body passes the cap — never after it filled
    memory or a disk. The reverse proxy in front should cap it too (README)."""
    return {"threads": THREADS, "max_request_body_size": app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024}


def serve(app, host: str, port: int) -> None:
    from waitress import serve as waitress_serve

    waitress_serve(app, host=host, port=int(port), **options(app))
