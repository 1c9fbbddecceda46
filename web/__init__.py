"""The web layer (Flask): OA sign-on, menu rights, the six module pages, the JSON API.

create_app is the table of contents: the configuration (core.config, mapped into app.config by
web.settings), the database pool (web.db), the startup sweeps (web.startup), the blueprints, the
metrics and access log (web.metrics, web.observe), the request hooks (web.hooks) and the error
handlers (web.errors). The variables it reads are core.config's (README "Configuration").
"""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import PathConverter

from core import config
from core.config import ConfigError
from ops import logs
from web import db as webdb
from web import errors, hooks, metrics, observe, settings, startup

__all__ = ["ConfigError", "create_app"]


class AnyIdConverter(PathConverter):
    """Any non-empty ID, also one that begins or ends with / (the path converter refuses a leading
    one)."""
    regex = ".+?"
    part_isolating = False   # it spans path segments (werkzeug would guess otherwise from the regex)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    # a venue ID is whatever the province issued or ops typed (also /, %, ?, # or spaces): routes
    # take it with the anyid converter, links carry it wholly percent-encoded (the idpath filter),
    # and double slashes are not merged away (set before any rule is added)
    app.url_map.converters["anyid"] = AnyIdConverter
    app.url_map.merge_slashes = False
    cfg = config.current()   # every variable read and checked (ConfigError names a wrong one)
    app.config.from_mapping(settings.mapping(cfg))
    if test_config:
        app.config.update(test_config)
    settings.check(app.config, cfg, secret_given=bool(cfg.secret_key or (test_config or {}).get("SECRET_KEY")))
    app.json.ensure_ascii = False
    if not logs.configured():  # run by a WSGI server of its own, not by `invoke serve`
        logs.setup()
    if app.config["PROXY_HOPS"] > 0:
        # X-Forwarded-For/-Proto/-Host/-Port/-Prefix are believed for exactly this many proxies;
        # without it (the default) such headers are ignored, whoever sends them
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
    webdb.init_app(app)
    startup.sweep(app)
    from web import (
        alerts,
        api,
        audit,
        health,
        openapi,
        reveal,
        scan_admin,
        scan_query,
        signin,
        sms,
        sso,
        stats,
        thresholds,
        venues,
    )

    for area in (signin, sso, venues, thresholds, scan_admin, scan_query, reveal, stats, alerts, sms, audit, api,
                 openapi, health):
        app.register_blueprint(area.bp)
    collected = metrics.init_app(app)
    observe.init_app(app, on_done=collected.request_done)
    hooks.init_app(app)
    errors.init_app(app)
    return app
