"""Signing on from inside OA's frame (issue 45, point 4), with Flask's test client: a framed request
for /sso/cas or /sso/oidc gets a page that opens the sign-on in a pop-up (identity providers refuse
to be framed); the pop-up's sign-on leaves the user server-side under a one-time code and starts no
session of its own; the frame — another cookie jar here, as a partitioned cookie is in a browser —
brings its secret and the code and its session begins. Each half alone, a replay, a stale or unknown
pop-up: refused, audited, no session. (tests/browser/test_sso_browser.py does it in chromium.)"""
from __future__ import annotations

import html
import re
import urllib.parse

import psycopg

from tests.web.sso_servers import authorize, back_path, put_user, refusals, signed_in, through_cas
from web.sso import EXPIRED, HANDOFF_REFUSED

FRAMED = {"Sec-Fetch-Dest": "iframe"}


def break_out(client, path):
    page = client.get(path, headers=FRAMED)
    assert page.status_code == 200, page.status_code
    text = page.get_data(as_text=True)
    assert "统一身份认证的登录页面不能在 OA 的页面框架内打开" in text and "在新窗口中登录" in text
    popup = html.unescape(re.search(r'data-popup="([^"]+)"', text).group(1))
    secret = re.search(r'name="secret" value="([^"]+)"', text).group(1)
    assert secret not in popup
    return popup, secret


def code_of(done) -> str:
    assert done.status_code == 200, done.status_code
    return re.search(r'data-code="([^"]+)"', done.get_data(as_text=True)).group(1)


def test_a_framed_oidc_sign_on_goes_on_in_a_pop_up_and_the_frame_gets_the_session(oidc_app, provider, seeded_db):
    put_user(provider, "u-1001", {"preferred_username": "a.zhang", "name": "测试张", "unit": "T-A", "menus": ["alert"]})
    frame, window = oidc_app.test_client(), oidc_app.test_client()
    popup, secret = break_out(frame, "/sso/oidc?next=/alerts")
    start = window.get(popup)
    assert start.status_code == 302 and start.headers["Location"].startswith(provider + "/oauth2/authorize?")
    code = code_of(window.get(back_path(authorize(start.headers["Location"], "u-1001"))))
    assert signed_in(window) is None                          # the pop-up keeps no session of its own
    entered = frame.post("/sso/handoff", data={"secret": secret, "code": code})
    assert entered.status_code == 302 and entered.headers["Location"] == "/alerts"
    assert signed_in(frame) == "a.zhang" and frame.get("/alerts").status_code == 200
    again = oidc_app.test_client().post("/sso/handoff", data={"secret": secret, "code": code})
    assert again.status_code == 401 and HANDOFF_REFUSED in again.get_data(as_text=True)
    assert refusals(seeded_db) == [("sso:-", HANDOFF_REFUSED)]
    # 退出专区 in the frame ends the session; the provider's logout, which refuses the frame, opens in a window
    page = frame.get("/alerts", headers=FRAMED).get_data(as_text=True)
    assert '<footer class="frame-foot">测试张（a.zhang）' in page and "退出专区" in page
    with frame.session_transaction() as s:
        token = s["csrf"]
    out = frame.post("/logout", data={"csrf_token": token}, headers=FRAMED)
    text = out.get_data(as_text=True)
    assert out.status_code == 200 and "您已退出疫情防控监管专区" in text
    link = html.unescape(re.search(r'<a href="([^"]+)" target="_blank" rel="noopener">同时退出统一身份认证', text).group(1))
    assert link.startswith(provider + "/oauth2/end_session?client_id=")
    assert frame.get("/alerts").status_code == 401


def test_half_a_hand_off_is_worth_nothing(oidc_app, provider, seeded_db):
    """A pop-up link sent to someone else signs them on for nobody: the code goes only to the window
    that opened the pop-up, and the frame's secret alone, or the code with another secret, takes nothing."""
    put_user(provider, "u-1001", {"preferred_username": "a.zhang", "name": "测试张", "unit": "T-A", "menus": ["alert"]})
    attacker = oidc_app.test_client()
    popup, secret = break_out(attacker, "/sso/oidc?next=/alerts")
    victim = oidc_app.test_client()
    code = code_of(victim.get(back_path(authorize(victim.get(popup).headers["Location"], "u-1001"))))
    _, other_secret = break_out(attacker, "/sso/oidc?next=/alerts")
    for form in ({"secret": secret}, {"secret": secret, "code": "guessed"}, {"secret": other_secret, "code": code},
                 {"code": code}):
        res = attacker.post("/sso/handoff", data=form)
        assert res.status_code == 401 and signed_in(attacker) is None, form
    assert [r for _, r in refusals(seeded_db)] == [HANDOFF_REFUSED] * 4
    assert attacker.post("/sso/handoff", data={"secret": secret, "code": code}).status_code == 302   # still whole


def test_an_unknown_used_or_stale_pop_up_is_refused(oidc_app, provider, seeded_db):
    put_user(provider, "u-1001", {"preferred_username": "a.zhang", "name": "测试张", "unit": "T-A", "menus": ["alert"]})
    client = oidc_app.test_client()
    unknown = client.get("/sso/oidc?popup=made-up")
    assert unknown.status_code == 401 and EXPIRED in unknown.get_data(as_text=True)
    popup, _ = break_out(client, "/sso/oidc?next=/")
    code_of(client.get(back_path(authorize(client.get(popup).headers["Location"], "u-1001"))))
    assert client.get(popup).status_code == 401                    # signed on once: the pop-up link is spent
    popup, _ = break_out(client, "/sso/oidc?next=/")
    with psycopg.connect(seeded_db) as c:
        c.execute("update epi_private.sso_handoff set created_at = now() - interval '11 minutes'")
    assert client.get(popup).status_code == 401
    assert [r for _, r in refusals(seeded_db)] == [EXPIRED] * 3


def test_a_framed_cas_sign_on_hands_over_its_ticket_so_single_logout_ends_the_frames_session(cas_app, cas_server,
                                                                                            seeded_db):
    cas_server.users["u-1001"] = {"name": "测试张", "unit": "T-A", "menus": ["alert", "scan_query"]}
    frame, window = cas_app.test_client(), cas_app.test_client()
    popup, secret = break_out(frame, "/sso/cas?next=/scans")
    done, ticket, service = through_cas(window, cas_server, popup)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(service).query)["next"] == ["/scans"]
    entered = frame.post("/sso/handoff", data={"secret": secret, "code": code_of(done)})
    assert entered.headers["Location"] == "/scans" and frame.get("/scans").status_code == 200
    logout = (f'<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x" Version="2.0">'
              f"<samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>")
    assert cas_app.test_client().post("/sso/cas", data={"logoutRequest": logout}).status_code == 200
    assert frame.get("/scans").status_code == 401


def test_at_top_level_nothing_changes(oidc_app, provider, seeded_db):
    """Not framed (no Sec-Fetch-Dest: iframe, or a document): straight to the provider."""
    client = oidc_app.test_client()
    for headers in ({}, {"Sec-Fetch-Dest": "document"}):
        res = client.get("/sso/oidc?next=/", headers=headers)
        assert res.status_code == 302 and res.headers["Location"].startswith(provider + "/oauth2/authorize?")
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi_private.sso_handoff").fetchone()[0] == 0
