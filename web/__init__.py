"""The web layer (Flask): OA sign-on, menu rights, the six module pages, the JSON API.

Configuration (environment): EPI_OA_JWT_SECRET (OA tickets), EPI_SECRET_KEY (session signing),
EPI_DEV_LOGIN=1 (development sign-in page; refused with EPI_PRODUCTION=1), EPI_COOKIE_SECURE
(default 1; 0 for local http), EPI_COOKIE_SAMESITE (default Lax), EPI_OA_ORIGIN (who may frame the
pages), EPI_MAX_UPLOAD_MB (default 200), EPI_PROXY_HOPS (proxies in front whose X-Forwarded-For is
believed), EPI_AUDIT_HMAC_KEY (keyed hashes of searched ID numbers and phones in the audit log;
required with EPI_PRODUCTION=1).
"""
from __future__ import annotations

import datetime as dt
import os
import secrets

from flask import Flask
from werkzeug.routing import PathConverter

from db import audit_hmac
from ops import logs
from web import db as webdb
from web import errors, hooks, metrics, observe, startup


class ConfigError(RuntimeError):
    pass


def _positive(env, name: str, default: int) -> int:
    text = env.get(name, "")
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"{name} 应为正整数（当前为“{text}”）")
    return value


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
    env = os.environ
    app.config.from_mapping(
        SECRET_KEY=env.get("EPI_SECRET_KEY") or secrets.token_hex(32),
        OA_JWT_SECRET=env.get("EPI_OA_JWT_SECRET"),
        DEV_LOGIN=env.get("EPI_DEV_LOGIN") == "1",
        PRODUCTION=env.get("EPI_PRODUCTION") == "1",
        SESSION_COOKIE_SECURE=env.get("EPI_COOKIE_SECURE", "1") != "0",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE=env.get("EPI_COOKIE_SAMESITE", "Lax"),
        # CHIPS: in a frame of another site, a browser that blocks third-party cookies keeps a
        # partitioned one (per top-level site); needs SameSite=None and Secure
        SESSION_COOKIE_PARTITIONED=env.get("EPI_COOKIE_PARTITIONED") == "1",
        SESSION_COOKIE_NAME="epi_session",
        # sessions end after EPI_SESSION_IDLE_MINUTES without a request and EPI_SESSION_MAX_HOURS in all;
        # OA tickets live at most EPI_TICKET_MAX_MINUTES (exp − iat) and sign on once (web.auth)
        SESSION_IDLE_MINUTES=_positive(env, "EPI_SESSION_IDLE_MINUTES", 30),
        SESSION_MAX_HOURS=_positive(env, "EPI_SESSION_MAX_HOURS", 8),
        TICKET_MAX_MINUTES=_positive(env, "EPI_TICKET_MAX_MINUTES", 10),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=_positive(env, "EPI_SESSION_MAX_HOURS", 8)),
        OA_ORIGIN=env.get("EPI_OA_ORIGIN", ""),
        MAX_CONTENT_LENGTH=int(env.get("EPI_MAX_UPLOAD_MB", "200")) * 1024 * 1024,
        UPLOAD_DIR=os.path.join(env.get("EPI_VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var")),
                                "uploads"),
        JSON_AS_ASCII=False,
    )
    if test_config:
        app.config.update(test_config)
    if app.config["DEV_LOGIN"] and app.config["PRODUCTION"]:
        raise ConfigError("生产模式（EPI_PRODUCTION=1）下不允许启用开发登录（EPI_DEV_LOGIN=1）")
    if app.config["PRODUCTION"] and not env.get("EPI_SECRET_KEY") and not (test_config or {}).get("SECRET_KEY"):
        raise ConfigError("生产模式必须设置 EPI_SECRET_KEY（会话签名密钥）")
    if app.config["PRODUCTION"] and not env.get(audit_hmac.ENV):
        raise ConfigError(f"生产模式必须设置 {audit_hmac.ENV}（审计日志中被查询人标识的密钥，至少 32 个字符）")
    if str(app.config["SESSION_COOKIE_SAMESITE"]).lower() == "none" and not app.config["SESSION_COOKIE_SECURE"]:
        raise ConfigError("EPI_COOKIE_SAMESITE=None 时会话 Cookie 必须为 Secure（EPI_COOKIE_SECURE=1，经 https 访问）")
    if app.config["SESSION_COOKIE_PARTITIONED"] and not app.config["SESSION_COOKIE_SECURE"]:
        raise ConfigError("EPI_COOKIE_PARTITIONED=1 需要 Secure 的会话 Cookie（EPI_COOKIE_SECURE=1，经 https 访问）")
    if not app.config["OA_JWT_SECRET"] and not app.config["DEV_LOGIN"]:
        raise ConfigError("必须设置 EPI_OA_JWT_SECRET（OA 单点登录密钥），或在本机开发时设置 EPI_DEV_LOGIN=1")
    app.json.ensure_ascii = False
    if not logs.configured():  # run by a WSGI server of its own, not by `invoke serve`
        try:
            logs.setup()
        except logs.ConfigError as exc:
            raise ConfigError(str(exc)) from None
    try:
        hops = int(app.config.get("PROXY_HOPS", env.get("EPI_PROXY_HOPS", "0")))
    except ValueError:
        raise ConfigError("EPI_PROXY_HOPS 应为整数（网页服务前面的反向代理层数）") from None
    if hops > 0:
        # X-Forwarded-For/-Proto/-Host/-Port/-Prefix are believed for exactly this many proxies;
        # without it (the default) such headers are ignored, whoever sends them
        from werkzeug.middleware.proxy_fix import ProxyFix

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
        stats,
        thresholds,
        venues,
    )

    for area in (signin, venues, thresholds, scan_admin, scan_query, reveal, stats, alerts, sms, audit, api, openapi,
                 health):
        app.register_blueprint(area.bp)
    try:
        collected = metrics.init_app(app)
    except metrics.ConfigError as exc:
        raise ConfigError(str(exc)) from None
    observe.init_app(app, on_done=collected.request_done)
    hooks.init_app(app)
    errors.init_app(app)
    return app
