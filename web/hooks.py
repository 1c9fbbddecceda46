"""What every request passes through: refusing NUL and line breaks, the signed-in user, the
embedded (OA frame) mode, the caller's claims for the audit entries, CSRF and the ticket redirect
before it; the security headers after it; the templates' filters and globals."""
from __future__ import annotations

import datetime as dt
import urllib.parse

from flask import Flask, g, redirect, request, session, url_for

from db import database, vocabulary
from db.vocabulary import SHANGHAI
from web import auth, listing
from web.errors import error


def init_app(app: Flask) -> None:
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

    # registered after `headers`, so it runs before it: a 503 it answers gets the same headers
    from web.db import commit_before_sending

    app.after_request(commit_before_sending)

    @app.get("/favicon.ico")
    def favicon():  # browsers ask for it on every page; the icon is an SVG
        return redirect(url_for("static", filename="favicon.svg"), code=301)

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
