"""Web tests: the app on a fresh database holding the small synthetic world (committed), users
entering with real OA tickets (JWT, HS256) signed with a test secret."""
from __future__ import annotations

import html
import re
import time
import uuid

import jwt
import pytest

from db import database

SECRET = "test-oa-secret-not-real-0123456789abcdef"
UNIT_MENUS = ["threshold", "scan_query", "scan_stats", "alert"]
OPS_MENUS = ["venue_admin", "scan_admin"]


def ticket(sub="a.zhang", unit="T-A", menus=None, exp_in=600, secret=SECRET, name="测试张", **more):
    """A fresh OA ticket (its own jti: each signs on once), issued now, valid ``exp_in`` seconds."""
    now = int(time.time())
    claims = {"sub": sub, "name": name, "unit": unit, "menus": UNIT_MENUS if menus is None else menus,
              "iat": now, "exp": now + exp_in, "jti": uuid.uuid4().hex} | more
    return jwt.encode(claims, secret, algorithm="HS256")


@pytest.fixture
def app(seeded_db, tmp_path):
    from web import create_app

    app = create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "test-session-key",
                      "DATABASE_WEB_URL": database.web_url(database.database_name(seeded_db)),
                      "UPLOAD_DIR": str(tmp_path / "uploads"), "SESSION_COOKIE_SECURE": False})
    yield app
    app.extensions["epi_pool"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def sign_on(client, token: str, path="/"):
    """Open a page with a ticket, as OA does; when the client is signed in as another account the
    zone asks first (切换账号), and this confirms. Returns the answer that signed on (a redirect)."""
    res = client.get(path + ("&" if "?" in path else "?") + "ticket=" + token)
    if res.status_code == 200 and 'action="/switch-account"' in (page := res.get_data(as_text=True)):
        form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
        res = client.post("/switch-account", data={k: html.unescape(v) for k, v in form.items()})
    return res


def enter(client, path="/", **claims):
    """Open a page with a ticket, as OA does; returns the CSRF token of the session."""
    res = sign_on(client, ticket(**claims), path)
    assert res.status_code == 302, res.get_data(as_text=True)
    page = client.get("/").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    with client.session_transaction() as s:
        return s.get("csrf") or (found.group(1) if found else None)


@pytest.fixture
def unit_a(client):
    token = enter(client, sub="a.zhang", unit="T-A")
    return client, token


@pytest.fixture
def ops(client):
    token = enter(client, sub="ops.li", unit="OPS", menus=OPS_MENUS)
    return client, token


# the sign-on servers' fixtures (issue 45): an OpenID provider process and a CAS 3.0 stand-in
from tests.web.sso_servers import cas_app, cas_server, oidc_app, provider  # noqa: E402, F401
