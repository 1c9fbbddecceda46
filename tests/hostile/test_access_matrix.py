"""Access, generated: every route of the app (read from its URL map, with the menu each view
declares) × every menu × own/other unit's objects × no / expired / forged / valid ticket, each
request's status asserted. A route added later joins the matrix by itself; one that declares no
menu fails test_every_route_declares_what_it_needs.

Own and other: user a.zhang of unit T-A; T-A owns venues VA1, VA2 and VA1's alert, T-B owns VB1
and its alert (tests/conftest.py build_world). A unit route given another unit's object answers
404 (it does not exist for this user); its lists never show T-B's rows, and neither do its exported
workbooks, which are read back cell by cell. The ops menus act for the
city-wide operations unit, so for them there is no other unit.

Then X-Forwarded-*: forged headers change nothing the app sees unless EPI_PROXY_HOPS says how many
proxies stand in front of it.
"""
from __future__ import annotations

import re

import jwt
import psycopg
import pytest
from flask import request, url_for

from tests.conftest import workbook_rows
from tests.web.conftest import SECRET, sign_on, ticket
from web.auth import MENUS

OPEN = {"/", "/healthz", "/static/<path:filename>", "/favicon.ico", "/dev-login", "/api/openapi.json",
        # the session's own doors (tests/web/test_sessions.py): switching account, 退出, the demo links
        "/switch-account", "/logout", "/dev-login/enter",
        # what a load balancer and monitoring ask (tests/web/test_health.py)
        "/readyz", "/healthz/jobs",
        # Prometheus: by address or token, not by session (tests/web/test_metrics.py)
        "/metrics",
        # the sign-on doors (tests/web/test_sso_oidc.py): before anybody is signed on
        "/sso/jwt", "/sso/cas", "/sso/oidc", "/sso/oidc/callback",
        # a framed sign-on's hand-off from its pop-up (tests/web/test_sso_frame.py): a secret and a code
        "/sso/handoff"}
ALLOWED_BODY = {"/api/venues/<anyid:venue_id>/threshold": {"flow_min": 1, "flow_max": 100},
                "/api/scans/<int:scan_id>/reveal": {"reason": "测试：核对身份"}}
OTHER_MARKERS = ("VB1", "测试场所乙一")


def routes(app):
    """(rule, method, menu) for every guarded route, destructive ones last."""
    out = []
    for rule in app.url_map.iter_rules():
        if str(rule) in OPEN:
            continue
        menu = getattr(app.view_functions[rule.endpoint], "menu", None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((str(rule), method, menu))
    return sorted(out, key=lambda r: ("delete" in r[0] and r[1] == "POST", r[0], r[1]))


def test_every_route_declares_what_it_needs(app):
    undeclared = [(r, m) for r, m, menu in routes(app) if menu is None]
    assert not undeclared, "routes without @requires or @login_required: " + repr(undeclared)
    assert len(routes(app)) >= 30


def alert_ids(db_url) -> dict:
    """Per venue (VA1 is the own unit's, VB1 the other's): its alert and one of its scans."""
    with psycopg.connect(db_url) as c:
        alerts = dict(c.execute("select venue_id, alert_id from epi.alert").fetchall())
        scans = dict(c.execute("select venue_id, min(scan_id) from epi.scan group by venue_id").fetchall())
    return {venue: (alerts[venue], scans[venue]) for venue in ("VA1", "VB1")}


def fill(rule: str, target: str, alerts: dict) -> str:
    venue = {"own": "VA1", "other": "VB1"}[target]
    alert, scan = alerts[venue]
    return (rule.replace("<anyid:venue_id>", venue).replace("<int:alert_id>", str(alert))
            .replace("<int:scan_id>", str(scan)).replace("<job_id>", "no-such-job")
            .replace("<name>", "扫码进场信息导入模板.xlsx")
            .replace("<int:sms_id>", "1").replace("<int:batch_id>", "1")
            .replace("<any(confirm, resend):action>", "confirm"))


def has_object(rule: str) -> bool:
    return "<anyid:venue_id>" in rule or "<int:alert_id>" in rule or "<int:scan_id>" in rule


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text_of(res) -> str:
    """What a user gets to read: the page or JSON, or every cell of an exported workbook."""
    if res.mimetype != XLSX:
        return res.get_data().decode("utf-8", "replace")
    return "\n".join("\t".join(str(v) for v in row) for row in workbook_rows(res.get_data()))


def send(client, rule, method, path, *, bearer=None, csrf=None):
    headers = {}
    if bearer:
        headers["Authorization"] = "Bearer " + bearer
    if csrf:
        headers["X-CSRF-Token"] = csrf
    kwargs = {"headers": headers}
    if method in ("POST", "PUT"):
        if rule.startswith("/api/"):
            kwargs["json"] = ALLOWED_BODY.get(rule, {})
        else:
            kwargs["data"] = {}
    return client.open(path, method=method, **kwargs)


# ---------------------------------------------------------------------------- without a good ticket

BAD_TICKETS = {
    "none": None,
    "expired": lambda: ticket(exp_in=-3600),
    "forged: another secret": lambda: ticket(secret="not-the-oa-secret-0123456789abcdef"),
    "forged: alg none": lambda: jwt.encode({"sub": "a.zhang", "unit": "T-A", "menus": list(MENUS), "exp": 2**31},
                                           None, algorithm="none"),
    "forged: claims edited": lambda: _edited(),
}


def _edited() -> str:
    """A valid ticket of T-A whose payload is swapped for one claiming unit T-B and every menu."""
    import base64
    import json

    head, _, sig = ticket().split(".")
    body = base64.urlsafe_b64encode(json.dumps({"sub": "a.zhang", "unit": "T-B", "menus": list(MENUS),
                                                "exp": 2**31}).encode()).rstrip(b"=").decode()
    return f"{head}.{body}.{sig}"


@pytest.mark.parametrize("state", list(BAD_TICKETS))
def test_without_a_good_ticket_every_route_is_refused(app, seeded_db, state):
    alerts = alert_ids(seeded_db)
    make = BAD_TICKETS[state]
    token = make() if make else None
    checked = 0
    for rule, method, _menu in routes(app):
        for target in ("own", "other"):
            path = fill(rule, target, alerts)
            client = app.test_client()
            if rule.startswith("/api/"):
                res = send(client, rule, method, path, bearer=token)
                # no credentials at all: the API asks for them; a browser's POST without a session
                # fails the CSRF check first
                assert res.status_code == 401 or (token is None and method != "GET" and res.status_code == 400), \
                    (state, method, path, res.status_code)
            else:
                if token:
                    entry = client.get("/alerts?ticket=" + token)
                    assert entry.status_code == 401, (state, entry.status_code)
                res = send(client, rule, method, path)
                assert res.status_code == (401 if method == "GET" else 400), (state, method, path, res.status_code)
            assert res.is_json or "text/html" in res.content_type
            checked += 1
    assert checked >= 60


# ---------------------------------------------------------------------------- with a good ticket

def expected(rule: str, route_menu: str, menu: str, target: str) -> str:
    if route_menu == "signed_in":      # templates: ops staff only; others are told it does not exist
        return "allowed" if menu in ("scan_admin", "venue_admin") else "404"
    if route_menu != menu:
        return "403"
    if MENUS[menu][1] == "unit" and has_object(rule) and target == "other":
        return "404"
    if "<job_id>" in rule:
        return "404"                   # no such import job
    return "allowed"


@pytest.mark.parametrize("menu", list(MENUS))
def test_with_one_menu_every_route_answers_as_that_menu_allows(app, seeded_db, menu):
    alerts = alert_ids(seeded_db)
    token = ticket(sub="a.zhang", unit="T-A", menus=[menu])   # the JSON API's bearer token
    browser = app.test_client()                              # and a sign-on ticket of its own (one use)
    assert browser.get("/?ticket=" + ticket(sub="a.zhang", unit="T-A", menus=[menu])).status_code == 302
    with browser.session_transaction() as s:
        csrf = s["csrf"]
    seen = {"allowed": 0, "403": 0, "404": 0}
    for rule, method, route_menu in routes(app):
        for target in ("other", "own"):
            if target == "other" and not has_object(rule):
                continue
            path = fill(rule, target, alerts)
            if rule.startswith("/api/"):
                res = send(app.test_client(), rule, method, path, bearer=token)
            else:
                res = send(browser, rule, method, path, csrf=csrf)
            want = expected(rule, route_menu, menu, target)
            got = res.status_code
            where = (menu, method, path, target, got, res.get_data()[:200])
            if want == "allowed":
                assert got not in (401, 403, 404, 405) and got < 500, where
            else:
                assert got == int(want), where
            seen[want] += 1
            if want == "allowed" and method == "GET" and MENUS[menu][1] == "unit":
                body = text_of(res)
                assert not any(m in body for m in OTHER_MARKERS), ("another unit's data shown", where)
    assert seen["403"] > 10 and seen["allowed"] > 0


NOT_AUDIT = [m for m, menu in MENUS.items() if menu.acts_as != "auditor"]   # the audit menu comes alone


@pytest.mark.parametrize("path", ["/api/venues?tab=set", "/api/scans", "/api/stats?from=2022-03-01&to=2022-03-31",
                                  "/api/alerts", "/thresholds?tab=set", "/scans", "/stats?from=2022-03-01&to=2022-03-31",
                                  "/alerts", "/scans/export", "/stats/export?from=2022-03-01&to=2022-03-31"])
def test_lists_show_the_own_unit_and_never_the_other(client, path):
    def as_unit(unit: str, sub: str) -> str:
        token = ticket(sub=sub, unit=unit, menus=NOT_AUDIT)   # every menu a ticket may carry together
        if path.startswith("/api/"):
            return text_of(client.get(path, headers={"Authorization": "Bearer " + token}))
        sign_on(client, token)            # the second account: 切换账号 asked, and confirmed
        return text_of(client.get(path))

    body = as_unit("T-A", "a.zhang")
    assert "VA1" in body and not any(m in body for m in OTHER_MARKERS)
    body = as_unit("T-B", "b.li")          # the same list for T-B: VB1 and none of T-A's
    assert "VB1" in body and not re.search(r"VA[12]\b", body)


# ---------------------------------------------------------------------------- X-Forwarded-*

FORGED = {"X-Forwarded-For": "10.9.9.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example",
          "X-Forwarded-Port": "8443", "X-Forwarded-Prefix": "/evil", "X-Real-IP": "10.8.8.8",
          "Forwarded": "for=10.7.7.7;host=evil.example;proto=https"}


def probe(app):
    @app.get("/_test/seen")
    def seen():
        return {"remote_addr": request.remote_addr, "scheme": request.scheme, "host": request.host,
                "root": request.root_path, "external": url_for("alerts.alerts", _external=True)}


def test_forged_forwarding_headers_change_nothing_by_default(seeded_db, monkeypatch):
    from web import create_app

    monkeypatch.delenv("EPI_PROXY_HOPS", raising=False)
    app = _app(seeded_db)
    probe(app)
    client = app.test_client()
    plain = client.get("/_test/seen", environ_base={"REMOTE_ADDR": "127.0.0.5"}).get_json()
    forged = client.get("/_test/seen", headers=FORGED, environ_base={"REMOTE_ADDR": "127.0.0.5"}).get_json()
    assert forged == plain == {"remote_addr": "127.0.0.5", "scheme": "http", "host": "localhost", "root": "",
                               "external": "http://localhost/alerts"}
    # the redirect after a ticket entry stays on this site
    res = client.get("/alerts?ticket=" + ticket(), headers=FORGED)
    assert res.status_code == 302 and res.headers["Location"] == "/alerts"
    app.extensions["epi_pool"].close()
    _ = create_app


def test_forwarding_headers_are_trusted_for_the_configured_number_of_proxies(seeded_db, monkeypatch):
    monkeypatch.setenv("EPI_PROXY_HOPS", "1")
    app = _app(seeded_db)
    probe(app)
    seen = app.test_client().get("/_test/seen", headers={
        "X-Forwarded-For": "10.9.9.9, 10.1.1.1", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "zone.example"},
        environ_base={"REMOTE_ADDR": "127.0.0.5"}).get_json()
    # one proxy: only the address it appended is believed, not what the client claimed before it
    assert seen["remote_addr"] == "10.1.1.1" and seen["scheme"] == "https" and seen["host"] == "zone.example"
    app.extensions["epi_pool"].close()


def _app(seeded_db):
    from db import database
    from web import create_app

    return create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "test-session-key",
                       "DATABASE_WEB_URL": database.web_url(database.database_name(seeded_db)),
                       "SESSION_COOKIE_SECURE": False})
