"""The sign-on servers of the SSO tests (issue 45), shared by tests/web and tests/browser: a real
OpenID provider process on loopback (oidc-provider-mock, built on Authlib) and a CAS 3.0 stand-in —
no CAS server installs here (django-cas-server is not in the package registries we have), so it
follows the CAS 3.0 protocol document field by field: /login issues a service ticket for the service
asked, valid once; /p3/serviceValidate answers authenticationSuccess with cas:user and
cas:attributes only for that ticket and that service, else authenticationFailure (INVALID_TICKET,
INVALID_SERVICE); single logout is a logoutRequest (SAML 2.0, the ticket as SessionIndex) POSTed to
the service. Both refuse to be framed, as identity providers do. The fixtures are the conftest's."""
from __future__ import annotations

import json
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from xml.sax.saxutils import escape

import psycopg
import pytest
from flask import Flask, redirect, request
from werkzeug.serving import make_server

from db import database
from tests.web.conftest import SECRET


def refuse_frames(response):
    """As identity providers do: their pages are never framed."""
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    return response


CLIENT = "kaiping-epi-test"


@pytest.fixture(scope="module")
def provider():
    import oidc_provider_mock

    app = oidc_provider_mock.app(require_nonce=True)
    app.after_request(refuse_frames)
    server = make_server("localhost", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_port}"
    server.shutdown()


def put_user(provider: str, sub: str, claims: dict) -> None:
    req = urllib.request.Request(f"{provider}/users/{sub}", data=json.dumps(claims, ensure_ascii=False).encode(),
                                 method="PUT", headers={"Content-Type": "application/json"})
    assert urllib.request.urlopen(req).status == 204


@pytest.fixture
def oidc_app(seeded_db, tmp_path, provider):
    from web import create_app

    app = create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "test-session-key",
                      "DATABASE_WEB_URL": database.web_url(database.database_name(seeded_db)),
                      "UPLOAD_DIR": str(tmp_path), "SESSION_COOKIE_SECURE": False,
                      "SSO_METHODS": ["jwt", "oidc"], "OIDC_ISSUER": provider, "OIDC_CLIENT_ID": CLIENT,
                      "OIDC_CLIENT_SECRET": "not-a-real-secret"})
    yield app
    app.extensions["epi_pool"].close()


def authorize(location: str, sub: str, action: str | None = None) -> str:
    """What the user does at the provider: choose the account (or deny); returns where it sends them."""
    form = {"sub": sub} | ({"action": action} if action else {})
    req = urllib.request.Request(location, data=urllib.parse.urlencode(form).encode(), method="POST")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(req)
    except urllib.error.HTTPError as exc:
        assert exc.code in (302, 303), exc.code
        return exc.headers["Location"]
    raise AssertionError("the provider did not redirect back")


def back_path(location: str) -> str:
    parts = urllib.parse.urlsplit(location)
    return parts.path + "?" + parts.query


def refusals(seeded_db) -> list[tuple]:
    with psycopg.connect(seeded_db) as c:
        return [(a, d["reason"]) for a, d in c.execute(
            "select account, detail from epi.audit_log where action = 'sso.refused' order by audit_id")]


def signed_in(client) -> str | None:
    with client.session_transaction() as s:
        return (s.get("user") or {}).get("account")


NS = "http://www.yale.edu/tp/cas"


class CasServer:
    def __init__(self):
        self.users: dict[str, dict] = {}
        self.tickets: dict[str, tuple[str, str]] = {}   # ticket -> (service, user), until validated
        self.validations: list[dict] = []
        app = Flask("cas-stand-in")

        @app.get("/cas/login")
        def login():
            service, user = request.args["service"], request.args.get("user", "u-1001")
            ticket = "ST-" + secrets.token_urlsafe(24)
            self.tickets[ticket] = (service, user)
            return redirect(service + ("&" if "?" in service else "?") + "ticket=" + ticket)

        @app.get("/cas/p3/serviceValidate")
        def validate():
            ticket, service = request.args.get("ticket", ""), request.args.get("service", "")
            self.validations.append(dict(request.args))
            issued = self.tickets.pop(ticket, None)   # a ticket is validated once, whatever the outcome
            if issued is None:
                return failure("INVALID_TICKET", f"Ticket {ticket} not recognized")
            if issued[0] != service:
                return failure("INVALID_SERVICE", "Ticket was issued for another service")
            user = issued[1]
            attributes = "".join(
                "".join(f"<cas:{k}>{escape(v)}</cas:{k}>" for v in (vs if isinstance(vs, list) else [vs]))
                for k, vs in self.users.get(user, {}).items())
            return (f'<cas:serviceResponse xmlns:cas="{NS}"><cas:authenticationSuccess><cas:user>{escape(user)}'
                    f"</cas:user><cas:attributes>{attributes}</cas:attributes></cas:authenticationSuccess>"
                    "</cas:serviceResponse>", 200, {"Content-Type": "application/xml"})

        def failure(code, text):
            return (f'<cas:serviceResponse xmlns:cas="{NS}"><cas:authenticationFailure code="{code}">{escape(text)}'
                    "</cas:authenticationFailure></cas:serviceResponse>", 200, {"Content-Type": "application/xml"})

        app.after_request(refuse_frames)
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cas/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def cas_server():
    server = CasServer()
    yield server
    server.server.shutdown()


@pytest.fixture
def cas_app(seeded_db, tmp_path, cas_server):
    from web import create_app

    app = create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "test-session-key",
                      "DATABASE_WEB_URL": database.web_url(database.database_name(seeded_db)),
                      "UPLOAD_DIR": str(tmp_path), "SESSION_COOKIE_SECURE": False,
                      "SSO_METHODS": ["jwt", "cas"], "CAS_URL": cas_server.url})
    yield app
    app.extensions["epi_pool"].close()


def through_cas(client, cas_server, path="/sso/cas?next=/alerts", user="u-1001"):
    """The browser's round trip: the zone sends it to CAS login, CAS sends it back with a ticket."""
    start = client.get(path)
    assert start.status_code == 302 and start.headers["Location"].startswith(cas_server.url + "login?service=")
    service = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(start.headers["Location"]).query))["service"]

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:   # the user signs on at the CAS login, which sends them back with a service ticket
        urllib.request.build_opener(Stay).open(start.headers["Location"] + "&user=" + urllib.parse.quote(user))
        raise AssertionError("the CAS login did not send the browser back")
    except urllib.error.HTTPError as exc:
        assert exc.code == 302
        back = urllib.parse.urlsplit(exc.headers["Location"])
    ticket = dict(urllib.parse.parse_qsl(back.query))["ticket"]
    return client.get(back.path + "?" + back.query), ticket, service
