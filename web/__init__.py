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
import traceback
import urllib.parse

import psycopg
from flask import Flask, g, jsonify, redirect, render_template, request, session, url_for
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter

from db import audit_hmac, database, vocabulary
from db.vocabulary import SHANGHAI
from loaders.errors import mask_personal
from ops import logs
from web import auth, listing, metrics, observe
from web import db as webdb


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
    from web import uploads

    # uploaded files hold full records: a leftover of a process that died goes now (0700 directory)
    if swept := uploads.sweep(uploads.folder(app.config["UPLOAD_DIR"])):
        app.logger.warning("已删除上次运行遗留的上传文件 %d 个", swept)
    # the page's imports of a process that died are marked failed (their uploads were swept above)
    from web import import_jobs

    import_jobs.reap_at_start(app.config["DATABASE_WEB_URL"], app.logger)

    from web import alerts, api, audit, openapi, reveal, scan_admin, scan_query, signin, sms, stats, thresholds, venues

    for area in (signin, venues, thresholds, scan_admin, scan_query, reveal, stats, alerts, sms, audit, api, openapi):
        app.register_blueprint(area.bp)

    try:
        collected = metrics.init_app(app)
    except metrics.ConfigError as exc:
        raise ConfigError(str(exc)) from None
    observe.init_app(app, on_done=collected.request_done)

    @app.before_request
    def before():
        values = [request.path, *(v for vs in request.args.listvalues() for v in vs)]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += [v for vs in request.form.listvalues() for v in vs]
        if any("\x00" in v for v in values) or "\r" in request.path or "\n" in request.path:
            return error(400, "请求中含有不允许的字符")
        auth.load_user()
        # inside OA's frame the zone shows no header and menu of its own: when the browser says the
        # page is framed (Sec-Fetch-Dest: iframe), or after ?embed=1 (kept for the session; embed=0 ends it)
        if request.args.get("embed") in ("0", "1"):
            session["embed"] = request.args["embed"] == "1"
        g.embedded = bool(session.get("embed")) or request.headers.get("Sec-Fetch-Dest") == "iframe"
        # what this request's database work says about its caller (recorded by audit entries);
        # remote_addr is the client's as EPI_PROXY_HOPS trusts it (ProxyFix), else the peer's
        database.claim(name=g.user.name if g.user else None, client=request.remote_addr)
        auth.check_csrf()
        return auth.redirect_after_ticket()

    @app.template_filter("idpath")
    def idpath(value):
        return urllib.parse.quote(str(value), safe="")

    @app.template_filter("combine_query")
    def combine_query(args: dict, **more):
        """A query string of ``args`` with ``more`` set (empty values left out)."""
        return urllib.parse.urlencode({k: v for k, v in ({**args, **more}).items() if v not in (None, "")})

    @app.template_filter("shtime")
    def shtime(value):
        if isinstance(value, dt.datetime):
            return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        return value or ""

    app.jinja_env.globals["V"] = vocabulary  # the labels and fixed texts of the pages
    app.jinja_env.globals["sizes"] = listing.SIZES  # a list's page sizes (templates/_list.html)

    @app.context_processor
    def inject():
        return {"user": g.get("user"), "menus": auth.MENUS, "csrf_token": auth.csrf_token if g.get("user") else None,
                # a confirmation asked for by the page's script is shown in its <dialog>, not as a page
                "dialog": request.headers.get("X-Dialog") == "1", "embedded": g.get("embedded", False)}

    @app.after_request
    def headers(response):
        ancestors = app.config["OA_ORIGIN"] or "'self'"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            f"form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors {ancestors}")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if not request.path.startswith(("/healthz", "/readyz", "/static/")):
            response.headers["Cache-Control"] = "no-store"
        return response

    def wants_json() -> bool:
        return request.path.startswith(("/api/", "/healthz", "/readyz")) or request.accept_mimetypes.best == \
            "application/json"

    def error(status: int, message: str):
        g.db_rollback = True  # whatever the request wrote is undone
        message = mask_personal(message)  # a rule's or a driver's message may quote a value
        if wants_json():
            return jsonify(error=message), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(auth.AuthError)
    def auth_error(exc):
        return error(exc.status, exc.message)

    @app.errorhandler(psycopg.errors.CheckViolation)
    def rule_broken(exc):
        return error(400, exc.diag.message_primary or "数据不符合规则")

    @app.errorhandler(psycopg.errors.QueryCanceled)
    def too_slow(exc):
        return error(503, "查询超时，请缩小查询范围（如日期范围）后重试")

    @app.errorhandler(PoolTimeout)
    def busy(exc):
        return error(503, "系统繁忙，请稍后重试")

    @app.errorhandler(psycopg.DataError)
    def bad_data(exc):
        # a value PostgreSQL cannot take (a NUL byte, a number past bigint, an impossible date)
        return error(400, "请求中的数据格式或取值范围不正确")

    @app.errorhandler(psycopg.errors.InsufficientPrivilege)
    def refused(exc):
        message = exc.diag.message_primary or ""
        return error(403, message if any("\u4e00" <= ch <= "\u9fff" for ch in message) else "没有权限执行此操作")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        messages = {400: "请求有误", 401: "请先登录", 403: "没有权限", 404: "找不到该页面或数据（可能不属于您的单位）",
                    405: "不支持的请求方式", 413: f"上传的文件过大（不能超过 {app.config['MAX_CONTENT_LENGTH'] // 1048576} MB）"}
        description = exc.description if exc.description and any("\u4e00" <= ch <= "\u9fff" for ch in exc.description) else None
        return error(exc.code or 500, description or messages.get(exc.code, "请求无法处理"))

    @app.errorhandler(Exception)
    def unexpected(exc):
        # the traceback's last line may quote a value (a driver's DETAIL: Key (…)=(…)): masked
        app.logger.error("unexpected error\n%s", mask_personal("".join(traceback.format_exception(exc))))
        return error(500, "系统内部错误，请稍后重试或联系运维单位")

    @app.get("/favicon.ico")
    def favicon():  # browsers ask for it on every page; the icon is an SVG
        return redirect(url_for("static", filename="favicon.svg"), code=301)

    @app.get("/healthz")
    def healthz():
        """Liveness: this process answers (whatever the database does)."""
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        """Readiness, what a load balancer asks: the database answers and its schema is the code's."""
        from db.upgrade import head_revision

        head = app.config.setdefault("SCHEMA_HEAD", head_revision())
        try:
            revision = webdb.schema_revision()
        except Exception:  # any failure to answer is 'not ready'
            return jsonify(error="数据库无法连接"), 503
        if revision != head:
            return jsonify(error=f"数据库结构版本为 {revision or '无'}，本程序需要 {head}：请先执行 invoke db.upgrade"), 503
        return jsonify(status="ok", revision=revision)

    @app.get("/healthz/jobs")
    def healthz_jobs():
        """What monitoring asks: the 02:00 run, texts in doubt, the sync (never a reason to take the
        zone out of service: /readyz is that)."""
        try:
            row = webdb.one("job_health", kind="ops", account="healthz")
        except Exception:
            return jsonify(error="数据库无法连接", reasons=["数据库无法连接"]), 503
        reasons = []
        if row["nightly_ok_at"] is None or row["nightly_ok_at"] < dt.datetime.now(dt.UTC) - dt.timedelta(hours=26):
            reasons.append("26 小时内没有成功结束的夜间任务（每日 02:00）")
        if row["sms_in_doubt"]:
            reasons.append(f"有 {row['sms_in_doubt']} 条短信结果不明，需运维确认")
        if row["sync_on"] and row["sync_ok"] is False:
            reasons.append("前置库同步最近一次失败")
        body = {"nightly_ok_at": row["nightly_ok_at"] and row["nightly_ok_at"].isoformat(),
                "sms_in_doubt": row["sms_in_doubt"], "sync_on": row["sync_on"], "sync_ok": row["sync_ok"]}
        if reasons:
            return jsonify(error="；".join(reasons), reasons=reasons, **body), 503
        return jsonify(status="ok", **body)

    return app
