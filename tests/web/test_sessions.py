"""Sessions and OA tickets as the 等保 checklist asks (issue 25, point 3): idle and absolute timeouts,
退出, tickets with iat and a short life, each sign-on ticket used once (also refused afterwards as a
bearer token), another account's ticket asked about before switching, demo links minting fresh
tickets."""
from __future__ import annotations

import hashlib
import re
import time

import jwt
import psycopg
import pytest

from db import database
from tests.web.conftest import SECRET, enter, ticket


def signed_in_as(client) -> str | None:
    with client.session_transaction() as s:
        return (s.get("user") or {}).get("account")


def admin_of(client) -> str:
    return database.admin_url(database.database_name(client.application.config["DATABASE_WEB_URL"]))


def session_row(client) -> str:
    """The key of the client's session in the database (issue 43: sessions are rows there)."""
    from web.auth import session_key

    with client.session_transaction() as s:
        return session_key(s["sid"])


def shift_clock(client, *, seen_ago: float | None = None, started_ago: float | None = None):
    """Age the session's row as if its last request (``seen_at``) or its start had been that many
    seconds ago (before issue 43 the cookie held these clocks)."""
    with psycopg.connect(admin_of(client)) as c:
        if seen_ago is not None:
            c.execute("update epi_private.web_session set seen_at = now() - make_interval(secs => %s) where key = %s",
                      (seen_ago, session_row(client)))
        if started_ago is not None:
            c.execute("update epi_private.web_session set started_at = now() - make_interval(secs => %s) "
                      "where key = %s", (started_ago, session_row(client)))


def seen_ago(client) -> float:
    with psycopg.connect(admin_of(client)) as c:
        return c.execute("select extract(epoch from now() - seen_at)::float from epi_private.web_session "
                         "where key = %s", (session_row(client),)).fetchone()[0]


def used(seeded_db, key: bytes) -> bool:
    with psycopg.connect(seeded_db) as c:
        return c.execute("select exists (select from epi_private.used_ticket where key = %s)", (key,)).fetchone()[0]


def jti_key(token: str) -> bytes:
    return hashlib.sha256(("jti:" + jwt.decode(token, options={"verify_signature": False})["jti"]).encode()).digest()


# ---------------------------------------------------------------------------- timeouts and 退出

def test_a_session_ends_after_30_idle_minutes_and_a_request_keeps_it_alive(client):
    enter(client, sub="a.zhang", unit="T-A")
    shift_clock(client, seen_ago=29 * 60)
    assert client.get("/alerts").status_code == 200        # 29 minutes: still signed in, and the clock restarts
    assert seen_ago(client) < 5
    shift_clock(client, seen_ago=31 * 60)
    res = client.get("/alerts")
    assert res.status_code == 401
    assert "已超过 30 分钟未操作，会话已结束" in res.get_data(as_text=True)
    assert signed_in_as(client) is None                     # ended, not merely refused once
    assert client.get("/alerts").status_code == 401


def test_polling_an_import_is_not_activity(ops):
    client, _ = ops
    shift_clock(client, seen_ago=10 * 60)
    client.get("/scan-admin/jobs/no-such-job")              # the import page's poll (404 here)
    assert seen_ago(client) > 9 * 60


def test_the_idle_limit_is_configurable(app, client):
    app.config["SESSION_IDLE_MINUTES"] = 5
    enter(client, sub="a.zhang", unit="T-A")
    shift_clock(client, seen_ago=6 * 60)
    res = client.get("/alerts")
    assert res.status_code == 401 and "已超过 5 分钟未操作" in res.get_data(as_text=True)


def test_a_session_ends_after_8_hours_however_busy(client):
    enter(client, sub="a.zhang", unit="T-A")
    shift_clock(client, started_ago=8 * 3600 - 60, seen_ago=1)
    assert client.get("/alerts").status_code == 200
    shift_clock(client, started_ago=8 * 3600 + 60, seen_ago=1)
    res = client.get("/alerts")
    assert res.status_code == 401 and "登录已超过 8 小时，会话已结束" in res.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_the_environment_sets_the_limits_and_refuses_nonsense(monkeypatch, seeded_db):
    from web import ConfigError, create_app

    monkeypatch.setenv("EPI_SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("EPI_SESSION_MAX_HOURS", "4")
    monkeypatch.setenv("EPI_TICKET_MAX_MINUTES", "5")
    app = create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "k",
                      "DATABASE_WEB_URL": database.web_url(database.database_name(seeded_db))})
    try:
        assert (app.config["SESSION_IDLE_MINUTES"], app.config["SESSION_MAX_HOURS"],
                app.config["TICKET_MAX_MINUTES"]) == (15, 4, 5)
        assert app.permanent_session_lifetime.total_seconds() == 4 * 3600
    finally:
        app.extensions["epi_pool"].close()
    monkeypatch.setenv("EPI_SESSION_IDLE_MINUTES", "半小时")
    with pytest.raises(ConfigError, match="EPI_SESSION_IDLE_MINUTES 应为正整数"):
        create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "k"})


def test_logout_ends_the_session(client):
    token = enter(client, sub="a.zhang", unit="T-A")
    page = client.get("/alerts").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/logout"[^>]*>.*?<button[^>]*>退出</button>', page, re.S)
    assert client.post("/logout").status_code == 400        # without the session's CSRF token: refused
    assert signed_in_as(client) == "a.zhang"
    res = client.post("/logout", data={"csrf_token": token})
    assert res.status_code == 200 and "您已退出疫情防控监管专区" in res.get_data(as_text=True)
    assert signed_in_as(client) is None
    res = client.get("/alerts")
    assert res.status_code == 401 and "请从 OA 系统进入" in res.get_data(as_text=True)


# ---------------------------------------------------------------------------- tickets

def test_a_ticket_needs_iat(client):
    now = int(time.time())
    token = jwt.encode({"sub": "a.zhang", "unit": "T-A", "menus": ["alert"], "exp": now + 300}, SECRET, algorithm="HS256")
    res = client.get("/alerts?ticket=" + token)
    assert res.status_code == 401 and "登录凭据缺少 iat（签发时间）" in res.get_data(as_text=True)
    res = client.get("/api/alerts", headers={"Authorization": "Bearer " + token})
    assert res.status_code == 401 and "iat" in res.get_json()["error"]


def test_a_ticket_lives_at_most_10_minutes_unless_configured(app, client):
    now = int(time.time())
    long = ticket(iat=now, exp=now + 11 * 60)
    res = client.get("/alerts?ticket=" + long)
    assert res.status_code == 401 and "有效期超过 10 分钟" in res.get_data(as_text=True)
    assert client.get("/alerts?ticket=" + ticket(iat=now, exp=now + 10 * 60)).status_code == 302
    app.config["TICKET_MAX_MINUTES"] = 15
    assert app.test_client().get("/alerts?ticket=" + long).status_code == 302


def test_a_sign_on_ticket_is_accepted_once(app, seeded_db):
    token = ticket(sub="a.zhang", unit="T-A")
    assert not used(seeded_db, jti_key(token))
    first = app.test_client()
    assert first.get("/alerts?ticket=" + token).status_code == 302
    assert used(seeded_db, jti_key(token))                  # its jti's hash, not the ticket, is kept
    with psycopg.connect(seeded_db) as c:
        expires = c.execute("select expires_at from epi_private.used_ticket where key = %s",
                            (jti_key(token),)).fetchone()[0]
    assert abs(expires.timestamp() - jwt.decode(token, options={"verify_signature": False})["exp"]) < 1
    replay = app.test_client()                              # from a browser history or a proxy log
    res = replay.get("/alerts?ticket=" + token)
    assert res.status_code == 401 and "该登录凭据已使用过" in res.get_data(as_text=True)
    assert signed_in_as(replay) is None
    again = first.get("/alerts?ticket=" + token)            # the same browser, the same ticket: refused too
    assert again.status_code == 401


def test_a_ticket_without_jti_is_kept_by_its_hash(app):
    now = int(time.time())
    token = jwt.encode({"sub": "a.zhang", "unit": "T-A", "menus": ["alert"], "iat": now, "exp": now + 300},
                       SECRET, algorithm="HS256")
    assert app.test_client().get("/alerts?ticket=" + token).status_code == 302
    assert app.test_client().get("/alerts?ticket=" + token).status_code == 401


def test_a_used_sign_on_ticket_is_refused_as_a_bearer_token_and_an_api_token_works_until_it_expires(app):
    signed = ticket(sub="a.zhang", unit="T-A")
    assert app.test_client().get("/?ticket=" + signed).status_code == 302
    res = app.test_client().get("/api/alerts", headers={"Authorization": "Bearer " + signed})
    assert res.status_code == 401 and "已使用过" in res.get_json()["error"]
    api = ticket(sub="a.zhang", unit="T-A")
    for _ in range(3):                                      # a bearer token is not used up
        assert app.test_client().get("/api/alerts", headers={"Authorization": "Bearer " + api}).status_code == 200
    expired = ticket(sub="a.zhang", unit="T-A", exp_in=-120)
    assert app.test_client().get("/api/alerts", headers={"Authorization": "Bearer " + expired}).status_code == 401


def test_the_same_accounts_new_ticket_signs_on_without_asking(client):
    enter(client, sub="a.zhang", unit="T-A")
    res = client.get("/alerts?ticket=" + ticket(sub="a.zhang", unit="T-A", menus=["alert", "threshold"]))
    assert res.status_code == 302 and res.headers["Location"] == "/alerts"


def test_another_accounts_ticket_asks_before_switching_and_is_used_only_on_confirm(client, seeded_db):
    enter(client, sub="a.zhang", unit="T-A", name="测试张")
    other = ticket(sub="b.li", unit="T-B", name="测试李")
    res = client.get("/alerts?ticket=" + other)
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and 'action="/switch-account"' in page
    assert "测试张（a.zhang）" in page and "测试李（b.li）" in page and "是否切换" in page
    assert signed_in_as(client) == "a.zhang"                # nothing changed yet
    assert not used(seeded_db, jti_key(other))              # and the ticket is not used up
    body = client.get("/alerts").get_data(as_text=True)     # 返回 instead: still T-A's alerts
    assert "VA1" in body and "VB1" not in body
    with client.session_transaction() as s:
        csrf = s["csrf"]
    assert client.post("/switch-account", data={"ticket": other, "next": "/alerts"}).status_code == 400  # no CSRF
    res = client.post("/switch-account", data={"ticket": other, "next": "/alerts", "csrf_token": csrf})
    assert res.status_code == 302 and res.headers["Location"] == "/alerts"
    assert signed_in_as(client) == "b.li" and used(seeded_db, jti_key(other))
    with client.session_transaction() as s:
        assert s["csrf"] != csrf                            # a new session, a new CSRF token
    body = client.get("/alerts").get_data(as_text=True)
    assert "VB1" in body and "VA1" not in body


def test_switching_goes_only_to_a_page_of_the_zone_and_uses_a_ticket_once(app, client):
    enter(client, sub="a.zhang", unit="T-A")
    with client.session_transaction() as s:
        csrf = s["csrf"]
    res = client.post("/switch-account", data={"ticket": ticket(sub="b.li", unit="T-B"),
                                               "next": "//evil.example/", "csrf_token": csrf})
    assert res.status_code == 302 and res.headers["Location"] == "/"   # never to another host
    assert signed_in_as(client) == "b.li"
    replayed = ticket(sub="c.wang", unit="T-A")
    assert app.test_client().get("/?ticket=" + replayed).status_code == 302   # used elsewhere first
    asked = client.get("/?ticket=" + replayed)                          # still asks (the check is on confirm)
    assert asked.status_code == 200
    with client.session_transaction() as s:
        csrf = s["csrf"]
    res = client.post("/switch-account", data={"ticket": replayed, "csrf_token": csrf})
    assert res.status_code == 401 and "已使用过" in res.get_data(as_text=True)


def test_the_used_ticket_table_is_no_runtime_roles_to_read(seeded_db):
    from tests.conftest import as_unit
    with psycopg.connect(seeded_db) as c:
        for role in ("epi_web", "epi_unit", "epi_ops"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), c.transaction():
                c.execute(f"set local role {role}")
                c.execute("select * from epi_private.used_ticket")
        with c.transaction():
            as_unit(c, "T-A")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                c.execute("select epi.ticket_use(%s, now() + interval '5 minutes')", (b"x" * 32,))


def test_ticket_use_says_once_and_forgets_expired_keys(seeded_db):
    key, old = hashlib.sha256(b"jti:t1").digest(), hashlib.sha256(b"jti:old").digest()
    with psycopg.connect(seeded_db) as c:
        c.execute("set role epi_web")
        assert c.execute("select epi.ticket_use(%s, now() + interval '5 minutes')", (key,)).fetchone()[0] is True
        assert c.execute("select epi.ticket_use(%s, now() + interval '5 minutes')", (key,)).fetchone()[0] is False
        assert c.execute("select epi.ticket_used(%s)", (key,)).fetchone()[0] is True
        c.execute("select epi.ticket_use(%s, now() - interval '10 minutes')", (old,))
        c.execute("select epi.ticket_use(%s, now() + interval '5 minutes')", (hashlib.sha256(b"jti:t2").digest(),))
        assert c.execute("select epi.ticket_used(%s)", (old,)).fetchone()[0] is False   # expired: gone
        assert c.execute("select epi.ticket_used(%s)", (key,)).fetchone()[0] is True
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            c.execute("select epi.ticket_use(%s, now())", (b"short",))


# ---------------------------------------------------------------------------- the demo's links

def test_demo_links_mint_a_fresh_ticket_per_click(app):
    app.config["DEV_LOGIN"] = True
    seen = set()
    for _ in range(2):
        browser = app.test_client()
        res = browser.get("/dev-login/enter?account=ops.demo")
        assert res.status_code == 302 and res.headers["Location"].startswith("/?ticket=")
        token = res.headers["Location"].split("ticket=", 1)[1]
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
        assert claims["sub"] == "ops.demo" and claims["exp"] - claims["iat"] == 600 and claims["jti"] not in seen
        seen.add(claims["jti"])
        assert browser.get(res.headers["Location"]).status_code == 302
        assert signed_in_as(browser) == "ops.demo"
        assert browser.get("/venues").status_code == 200
    unit = app.test_client()
    res = unit.get("/dev-login/enter?account=t-a.demo")
    claims = jwt.decode(res.headers["Location"].split("ticket=", 1)[1], SECRET, algorithms=["HS256"])
    assert claims["unit"] == "T-A"
    assert app.test_client().get("/dev-login/enter?account=nobody").status_code == 404


def test_demo_links_do_not_exist_without_the_development_sign_in(app):
    app.config["DEV_LOGIN"] = False
    assert app.test_client().get("/dev-login/enter?account=ops.demo").status_code == 404


def test_the_development_sign_in_starts_a_session_with_its_clocks(app):
    app.config["DEV_LOGIN"] = True
    browser = app.test_client()
    page = browser.get("/dev-login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert browser.post("/dev-login", data={"account": "ops.demo", "csrf_token": csrf}).status_code == 302
    assert browser.get("/venues").status_code == 200
    shift_clock(browser, seen_ago=31 * 60)
    assert browser.get("/venues").status_code == 401


def test_the_demo_task_prints_links_not_tickets(seeded_db, monkeypatch):
    import tasks
    from db import database

    monkeypatch.setenv("EPI_WEB_DATABASE_URL", database.web_url(database.database_name(seeded_db)))
    monkeypatch.setenv("DATABASE_URL", seeded_db)
    links = tasks.demo_links("http://127.0.0.1:8000")
    assert links[0] == ("运维用户（市政数局）", "http://127.0.0.1:8000/dev-login/enter?account=ops.demo")
    assert all("/dev-login/enter?account=" in link and "ticket" not in link for _, link in links)
