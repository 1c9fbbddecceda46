"""Web tests: the app on a fresh database holding the small synthetic world (committed), users
entering with real OA tickets (JWT, HS256) signed with a test secret."""
from __future__ import annotations

import re
import time

import jwt
import pytest

from db import database

SECRET = "test-oa-secret-not-real-0123456789abcdef"
UNIT_MENUS = ["threshold", "scan_query", "scan_stats", "alert"]
OPS_MENUS = ["venue_admin", "scan_admin"]


def ticket(sub="a.zhang", unit="T-A", menus=None, exp_in=600, secret=SECRET, name="测试张"):
    claims = {"sub": sub, "name": name, "unit": unit, "menus": UNIT_MENUS if menus is None else menus,
              "exp": int(time.time()) + exp_in}
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


def enter(client, path="/", **claims):
    """Open a page with a ticket, as OA does; returns the CSRF token of the session."""
    res = client.get(path + ("&" if "?" in path else "?") + "ticket=" + ticket(**claims))
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
