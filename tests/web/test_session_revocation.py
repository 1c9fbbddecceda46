"""Issue 43, points 1–3: a session is a row every web process shares (退出, the idle and the
absolute limit end every copy of the cookie and its CSRF token, expired rows are purged); a ticket
without jti signs on once however it is re-encoded; after sign-on and 切换账号 the zone redirects
only to a path of its own."""
from __future__ import annotations

import re
import time
from urllib.parse import unquote, urlsplit

import jwt
import psycopg
import pytest

from db import database
from tests.web.conftest import SECRET, enter, ticket
from tests.web.test_sessions import admin_of, session_row, shift_clock


def cookie_of(app, client) -> tuple[str, str]:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    return cookie.key, cookie.value


def copy_of(app, client, cookie: tuple[str, str] | None = None):
    """Another browser (or another web process) holding a copy of the client's session cookie."""
    thief = app.test_client()
    thief.set_cookie(*(cookie or cookie_of(app, client)))
    return thief


def test_logout_ends_every_copy_of_the_cookie_and_its_csrf_token(app, client):
    token = enter(client, sub="a.zhang", unit="T-A")
    copied = cookie_of(app, client)
    thief = copy_of(app, client, copied)
    assert thief.get("/scans").status_code == 200 and thief.get("/api/scans").status_code == 200
    assert client.post("/logout", data={"csrf_token": token}).status_code == 200
    for path in ("/scans", "/api/scans"):   # each with the cookie as copied before 退出
        res = copy_of(app, client, copied).get(path)
        assert res.status_code == 401 and "您已退出疫情防控监管专区，请从 OA 系统重新进入" in res.get_data(as_text=True)
    res = copy_of(app, client, copied).post("/alerts/1/accept", data={"csrf_token": token})   # CSRF token and all
    assert res.status_code == 400 and "请求已失效" in res.get_data(as_text=True)


def test_another_web_process_sees_the_logout(app, client, seeded_db, tmp_path):
    """Two apps (two processes' pools) on one database: the second refuses what the first ended."""
    from web import create_app

    other = create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "test-session-key",
                        "DATABASE_WEB_URL": database.web_url(database.database_name(seeded_db)),
                        "UPLOAD_DIR": str(tmp_path), "SESSION_COOKIE_SECURE": False})
    try:
        token = enter(client, sub="a.zhang", unit="T-A")
        elsewhere = copy_of(other, client)
        assert elsewhere.get("/scans").status_code == 200
        client.post("/logout", data={"csrf_token": token})
        assert elsewhere.get("/scans").status_code == 401
    finally:
        other.extensions["epi_pool"].close()


@pytest.mark.parametrize("shift, message", [
    ({"seen_ago": 31 * 60}, "已超过 30 分钟未操作，会话已结束"),
    ({"started_ago": 8 * 3600 + 60, "seen_ago": 1}, "登录已超过 8 小时，会话已结束"),
])
def test_the_limits_end_every_copy_of_the_cookie(app, client, shift, message):
    enter(client, sub="a.zhang", unit="T-A")
    thief, key = copy_of(app, client), session_row(client)
    shift_clock(client, **shift)
    res = client.get("/alerts")
    assert res.status_code == 401 and message in res.get_data(as_text=True)
    with psycopg.connect(admin_of(client)) as c:   # even were the row's clocks wound back: it has ended
        c.execute("update epi_private.web_session set seen_at = now(), started_at = now() where key = %s", (key,))
    res = thief.get("/alerts")
    assert res.status_code == 401 and "请从 OA 系统重新进入" in res.get_data(as_text=True)


def test_switching_accounts_ends_the_session_it_replaces(app, client):
    enter(client, sub="a.zhang", unit="T-A")
    thief = copy_of(app, client)
    enter(client, sub="b.li", unit="T-B")
    res = thief.get("/alerts")
    assert res.status_code == 401 and "此会话已因切换账号而结束" in res.get_data(as_text=True)


def test_a_cookie_of_no_session_here_is_refused(app, client):
    """A cookie signed with the app's key but naming no session (before issue 43, or purged)."""
    enter(client, sub="a.zhang", unit="T-A")
    with client.session_transaction() as s:
        s.pop("sid")
    res = client.get("/alerts")
    assert res.status_code == 401 and "会话已失效，请从 OA 系统重新进入" in res.get_data(as_text=True)


def test_ended_and_expired_rows_are_purged_as_sessions_begin(app, client):
    enter(client, sub="a.zhang", unit="T-A")
    old = session_row(client)
    with psycopg.connect(admin_of(client)) as c:
        c.execute("update epi_private.web_session set ended_at = now() - interval '2 hours', end_reason = 'logout' "
                  "where key = %s", (old,))
        c.execute("insert into epi_private.web_session (key, account, started_at, seen_at) values "
                  "(sha256('idle'), 'x', now() - interval '3 hours', now() - interval '2 hours'),"
                  "(sha256('alive'), 'y', now() - interval '10 minutes', now() - interval '1 minute')")
    enter(app.test_client(), sub="b.li", unit="T-B")
    with psycopg.connect(admin_of(client)) as c:
        left = {r[0] for r in c.execute("select account from epi_private.web_session")}
    assert left == {"y", "b.li"}


def test_the_session_table_is_no_runtime_roles_to_read(seeded_db):
    from tests.conftest import as_ops, as_unit, attempt

    with psycopg.connect(seeded_db) as c:
        for become in (as_ops, lambda c: as_unit(c, "T-A")):
            become(c)
            err = attempt(c, "select account from epi_private.web_session")
            assert (err.sqlstate, err.diag.message_primary) == ("42501", "permission denied for schema epi_private")
            err = attempt(c, "select epi.session_end(sha256('x'))")
            assert (err.sqlstate, err.diag.message_primary) == ("42501", "permission denied for function session_end")


# ---------------------------------------------------------------------------- used once means once

def reencodings(token: str) -> list[str]:
    """The same ticket written otherwise: padding appended to a segment, which base64 decoders accept."""
    head, body, sig = token.split(".")
    return [f"{head}.{body}.{sig}=", f"{head}.{body}.{sig}==", f"{head}=.{body}.{sig}", f"{head}.{body}=.{sig}"]


def test_a_ticket_without_jti_signs_on_once_however_it_is_re_encoded(app):
    now = int(time.time())
    token = jwt.encode({"sub": "a.zhang", "unit": "T-A", "menus": ["alert"], "iat": now, "exp": now + 300},
                       SECRET, algorithm="HS256")
    accepted = [t for t in reencodings(token) if _decodes(t)]
    assert accepted, "PyJWT accepts none of the re-encodings: the test no longer tries anything"
    assert app.test_client().get("/alerts?ticket=" + token).status_code == 302
    for again in accepted:
        res = app.test_client().get("/alerts?ticket=" + again)
        assert res.status_code == 401 and "该登录凭据已使用过" in res.get_data(as_text=True), again
        res = app.test_client().get("/api/alerts", headers={"Authorization": "Bearer " + again})
        assert res.status_code == 401 and "该登录凭据已使用过" in res.get_json()["error"], again


def test_a_re_encoded_ticket_used_first_uses_the_original_up(app):
    now = int(time.time())
    token = jwt.encode({"sub": "a.zhang", "unit": "T-A", "menus": ["alert"], "iat": now, "exp": now + 300},
                       SECRET, algorithm="HS256")
    first = next(t for t in reencodings(token) if _decodes(t))
    assert app.test_client().get("/alerts?ticket=" + first).status_code == 302
    assert app.test_client().get("/alerts?ticket=" + token).status_code == 401


def test_tickets_with_jti_stay_keyed_by_it(app):
    signed = ticket(sub="a.zhang", unit="T-A")
    assert app.test_client().get("/?ticket=" + signed).status_code == 302
    assert app.test_client().get("/?ticket=" + reencodings(signed)[0]).status_code == 401


def _decodes(token: str) -> bool:
    try:
        jwt.decode(token, SECRET, algorithms=["HS256"])
        return True
    except jwt.PyJWTError:
        return False


# ---------------------------------------------------------------------------- redirects stay on the zone

OFF_ZONE = ["/%09/evil.example/", "/%2F%2Fevil.example/", "/%2f/evil.example/", "/%5Cevil.example/",
            "/%5C%5Cevil.example/", "/%E2%80%8B/evil.example/", "/%20/evil.example/", "/%C2%A0/evil.example/"]


def on_the_zone(location: str) -> bool:
    """Where a browser goes with this Location is a path of the zone: one leading / followed by
    neither / nor \\ once decoded and stripped of what browsers drop."""
    probe = re.sub("[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]", "",
                   unquote(unquote(location)))
    return urlsplit(location).netloc == "" and probe.startswith("/") and probe[1:2] not in ("/", "\\")


@pytest.mark.parametrize("path", OFF_ZONE)
def test_sign_on_redirects_only_to_a_path_of_the_zone(app, path):
    res = app.test_client().get(path + "?ticket=" + ticket(sub="a.zhang", unit="T-A"))
    assert res.status_code == 302 and on_the_zone(res.headers["Location"]), res.headers.get("Location")


@pytest.mark.parametrize("path", ["/%0a/evil.example/", "/%0d%0a/evil.example/", "/%0d/evil.example/"])
def test_a_line_break_in_the_path_is_refused_before_sign_on(app, path):
    res = app.test_client().get(path + "?ticket=" + ticket(sub="a.zhang", unit="T-A"))
    assert res.status_code == 400 and "请求中含有不允许的字符" in res.get_data(as_text=True)


def test_sign_on_keeps_a_path_of_the_zone_and_its_query(app):
    res = app.test_client().get("/scans?venue_id=VA1&ticket=" + ticket(sub="a.zhang", unit="T-A"))
    assert res.status_code == 302 and res.headers["Location"] == "/scans?venue_id=VA1"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/%09/evil.example", "/%0a/evil.example",
                                    "//evil.example", "/\\evil.example", "/%2F%2Fevil.example", "/%5Cevil.example",
                                    "https://evil.example/", "http:evil.example", "\t/evil.example", " //evil.example",
                                    "/\u200b/evil.example", "/%252F%252Fevil.example", "evil.example", "javascript:alert(1)"])
def test_switching_redirects_only_to_a_path_of_the_zone(client, target):
    enter(client, sub="a.zhang", unit="T-A")
    with client.session_transaction() as s:
        csrf = s["csrf"]
    res = client.post("/switch-account", data={"ticket": ticket(sub="b.li", unit="T-B"), "next": target,
                                               "csrf_token": csrf})
    assert res.status_code == 302 and res.headers["Location"] == "/", (target, res.headers.get("Location"))
    assert on_the_zone(res.headers["Location"])


def test_switching_keeps_a_path_of_the_zone(client):
    enter(client, sub="a.zhang", unit="T-A")
    with client.session_transaction() as s:
        csrf = s["csrf"]
    res = client.post("/switch-account", data={"ticket": ticket(sub="b.li", unit="T-B"), "next": "/alerts?status=已接收",
                                               "csrf_token": csrf})
    assert res.status_code == 302 and unquote(res.headers["Location"]) == "/alerts?status=已接收"
