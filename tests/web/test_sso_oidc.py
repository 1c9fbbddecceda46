"""Sign-on by OpenID Connect (issue 45), against a real provider process on loopback
(oidc-provider-mock, built on Authlib): discovery, the code flow with PKCE, state and nonce kept in
the database, the ID token checked, the claims mapped; every refusal a Chinese message, an audit
entry (sso.refused) and no session."""
from __future__ import annotations

import re
import urllib.parse

import psycopg
import pytest

from tests.web.sso_servers import CLIENT, authorize, back_path, put_user, refusals, signed_in


def test_a_user_signs_on_through_the_provider_and_lands_on_the_page_asked(oidc_app, provider, seeded_db):
    put_user(provider, "u-1001", {"preferred_username": "a.zhang", "name": "测试张", "unit": "T-A",
                                  "menus": ["alert", "scan_query"]})
    client = oidc_app.test_client()
    start = client.get("/sso/oidc?next=/alerts")
    assert start.status_code == 302 and start.headers["Location"].startswith(provider + "/oauth2/authorize?")
    asked = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(start.headers["Location"]).query))
    assert asked["code_challenge_method"] == "S256" and asked["client_id"] == CLIENT and asked["nonce"]
    with psycopg.connect(seeded_db) as c:   # kept in the database, by the state's hash: not the state itself
        assert c.execute("select count(*) from epi_private.sso_state").fetchone()[0] == 1
        assert c.execute("select count(*) from epi_private.sso_state where key = convert_to(%s, 'UTF8')",
                         (asked["state"],)).fetchone()[0] == 0
    back = client.get(back_path(authorize(start.headers["Location"], "u-1001")))
    assert back.status_code == 302 and back.headers["Location"] == "/alerts", re.findall(r"<main.*?</main>", back.get_data(as_text=True), re.S)
    assert signed_in(client) == "a.zhang"
    assert client.get("/alerts").status_code == 200 and "测试张" in client.get("/alerts").get_data(as_text=True)
    assert refusals(seeded_db) == []


def test_logout_ends_the_zones_session_and_goes_on_to_the_providers(oidc_app, provider, seeded_db):
    put_user(provider, "u-1001", {"preferred_username": "a.zhang", "name": "测试张", "unit": "T-A", "menus": ["alert"]})
    client = oidc_app.test_client()
    start = client.get("/sso/oidc?next=/alerts")
    client.get(back_path(authorize(start.headers["Location"], "u-1001")))
    with client.session_transaction() as s:
        token = s["csrf"]
    copied = client.get_cookie("epi_session").value
    res = client.post("/logout", data={"csrf_token": token})
    assert res.status_code == 302
    onward = urllib.parse.urlsplit(res.headers["Location"])
    assert f"{onward.scheme}://{onward.netloc}{onward.path}" == provider + "/oauth2/end_session"
    assert dict(urllib.parse.parse_qsl(onward.query)) == {"client_id": CLIENT,
                                                          "post_logout_redirect_uri": "http://localhost/"}
    thief = oidc_app.test_client()
    thief.set_cookie("epi_session", copied)
    assert thief.get("/alerts").status_code == 401                      # the zone's session ended first


def test_a_replayed_or_forged_state_is_refused_with_no_session(oidc_app, provider, seeded_db):
    put_user(provider, "u-1001", {"preferred_username": "a.zhang", "name": "测试张", "unit": "T-A", "menus": ["alert"]})
    client = oidc_app.test_client()
    start = client.get("/sso/oidc")
    callback = back_path(authorize(start.headers["Location"], "u-1001"))
    assert client.get(callback).status_code == 302
    replay = oidc_app.test_client().get(callback)                      # the same state again, elsewhere
    assert replay.status_code == 401 and "state 不符" in replay.get_data(as_text=True)
    forged = oidc_app.test_client().get("/sso/oidc/callback?code=x&state=forged")
    assert forged.status_code == 401
    assert [r[1] for r in refusals(seeded_db)] == ["登录状态无效、已使用或已过期（state 不符），请从 OA 系统重新进入"] * 2


@pytest.mark.parametrize("claims, message, account", [
    ({"name": "测试张", "unit": "T-A", "menus": ["alert"]},
     "身份凭据缺少账号（声明 preferred_username），请联系运维单位检查身份提供方的配置", None),
    ({"preferred_username": "a.zhang", "unit": "T-A"},
     "账号 a.zhang 在 OA 的菜单授权中没有本专区的菜单（身份凭据未带菜单权限，声明 menus；OA 菜单授权导出中也没有此账号或其角色），请联系运维单位",
     "a.zhang"),
    ({"preferred_username": "a.zhang", "menus": ["alert"]},
     "账号 a.zhang 有监管单位的菜单，但身份凭据中没有机构编码（声明 unit），拒绝登录", "a.zhang"),
    ({"preferred_username": "audit.w", "menus": ["audit", "venue_admin"]},
     "审计账号不得兼任其他菜单：请在 OA 中为审计员单独设置账号，只授予“审计日志”菜单", "audit.w"),
])
def test_claims_that_cannot_make_a_user_are_refused(oidc_app, provider, seeded_db, claims, message, account):
    put_user(provider, "u-2002", claims)
    client = oidc_app.test_client()
    start = client.get("/sso/oidc")
    back = client.get(back_path(authorize(start.headers["Location"], "u-2002")))
    assert back.status_code == 401 and message in back.get_data(as_text=True)
    assert signed_in(client) is None and refusals(seeded_db) == [(f"sso:{account or '-'}", message)]


def test_a_user_who_denies_at_the_provider_is_told_so(oidc_app, provider, seeded_db):
    client = oidc_app.test_client()
    start = client.get("/sso/oidc")
    back = client.get(back_path(authorize(start.headers["Location"], "u-1001", action="deny")))
    assert back.status_code == 401 and "身份提供方未同意登录（access_denied）" in back.get_data(as_text=True)
    assert signed_in(client) is None


@pytest.mark.parametrize("change, message", [
    ({"OIDC_CLIENT_ID": "another-system"}, "身份凭据不是签发给本系统的（aud 不符），拒绝登录"),
    ({"OIDC_ISSUER": "https://idp.other.example"}, "身份凭据的签发方（iss）与配置不符，拒绝登录"),
    ({"nonce": "another-sign-on"}, "身份凭据的 nonce 与本次登录不符，拒绝登录"),
])
def test_an_id_token_for_another_client_issuer_or_sign_on_is_refused(oidc_app, provider, seeded_db, monkeypatch,
                                                                    change, message):
    """The real provider's real token, checked as if this zone were another client, trusted another
    issuer, or had begun another sign-on (its nonce)."""
    from web import sso

    real = sso.id_token_claims

    def checked_otherwise(token, doc, nonce):
        oidc_app.config.update({k: v for k, v in change.items() if k != "nonce"})
        return real(token, doc, change.get("nonce", nonce))

    monkeypatch.setattr(sso, "id_token_claims", checked_otherwise)
    put_user(provider, "u-1001", {"preferred_username": "a.zhang", "unit": "T-A", "menus": ["alert"]})
    client = oidc_app.test_client()
    start = client.get("/sso/oidc")
    back = client.get(back_path(authorize(start.headers["Location"], "u-1001")))
    assert back.status_code == 401 and message in back.get_data(as_text=True)
    assert signed_in(client) is None and [r[1] for r in refusals(seeded_db)] == [message]


def test_a_provider_whose_discovery_names_another_issuer_is_refused(oidc_app, provider, seeded_db):
    oidc_app.config["OIDC_ISSUER"] = provider + "/"
    res = oidc_app.test_client().get("/sso/oidc")
    assert res.status_code == 401 and "身份提供方的 issuer 与配置（EPI_OIDC_ISSUER）不符，拒绝登录" in res.get_data(as_text=True)


def test_a_provider_that_does_not_answer_is_named(oidc_app, seeded_db):
    oidc_app.config["OIDC_ISSUER"] = "http://127.0.0.1:9"
    res = oidc_app.test_client().get("/sso/oidc")
    assert res.status_code == 401 and "身份提供方没有响应（连接失败或超时），请稍后重试" in res.get_data(as_text=True)
    assert refusals(seeded_db) == [("sso:-", "身份提供方没有响应（连接失败或超时），请稍后重试")]


def test_oidc_is_off_unless_configured(app):
    assert app.test_client().get("/sso/oidc").status_code == 404


def test_jwt_tickets_are_refused_where_only_oidc_is_enabled(oidc_app):
    from tests.web.conftest import ticket

    oidc_app.config["SSO_METHODS"] = ["oidc"]
    res = oidc_app.test_client().get("/?ticket=" + ticket())
    assert res.status_code == 401 and "本系统未启用 OA 票据登录（EPI_SSO）" in res.get_data(as_text=True)


def test_the_jwt_door_goes_on_to_the_page_named(app):
    from tests.web.conftest import ticket

    res = app.test_client().get("/sso/jwt?next=/alerts&ticket=" + ticket())
    assert res.status_code == 302
    client = app.test_client()
    res = client.get("/sso/jwt?next=//evil.example&ticket=" + ticket())
    assert res.status_code == 302 and re.fullmatch(r"/sso/jwt\?next=.*", res.headers["Location"])
    assert client.get(res.headers["Location"]).headers["Location"] == "/"


@pytest.mark.parametrize("unit, message", [
    ("T-NONE", "机构编码 T-NONE 不对应本专区在用的监管单位（OA 机构导出中没有此单位，或已停用），拒绝登录"),
    ("T-B", "机构编码 T-B 不对应本专区在用的监管单位（OA 机构导出中没有此单位，或已停用），拒绝登录"),
])
def test_an_organisation_code_that_maps_to_no_active_unit_is_refused(oidc_app, provider, seeded_db, unit, message):
    with psycopg.connect(seeded_db) as c:   # T-B left OA: inactive
        c.execute("update epi.unit set active = false where unit_code = 'T-B'")
    put_user(provider, "u-4001", {"preferred_username": "f.sun", "unit": unit, "menus": ["alert"]})
    client = oidc_app.test_client()
    back = client.get(back_path(authorize(client.get("/sso/oidc").headers["Location"], "u-4001")))
    assert back.status_code == 401 and message in back.get_data(as_text=True)
    assert signed_in(client) is None and refusals(seeded_db) == [("sso:f.sun", message)]


def test_an_ops_or_audit_account_needs_no_unit(oidc_app, provider, seeded_db):
    put_user(provider, "u-4002", {"preferred_username": "g.ops", "menus": ["venue_admin"]})
    client = oidc_app.test_client()
    back = client.get(back_path(authorize(client.get("/sso/oidc").headers["Location"], "u-4002")))
    assert back.status_code == 302 and signed_in(client) == "g.ops"


@pytest.mark.parametrize("behaviour, message", [
    ("error", "身份提供方出错（HTTP 503），请稍后重试"),
    ("silent", "身份提供方没有响应（连接失败或超时），请稍后重试"),
])
def test_a_provider_that_errs_or_hangs_is_named(oidc_app, seeded_db, monkeypatch, behaviour, message):
    import http.server
    import threading

    from web import sso

    release = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if behaviour == "silent":
                release.wait(5)     # accepts, never answers in time
                return
            self.send_response(503)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(sso, "TIMEOUT", 0.5)
    oidc_app.config["OIDC_ISSUER"] = f"http://127.0.0.1:{server.server_port}"
    try:
        res = oidc_app.test_client().get("/sso/oidc")
    finally:
        release.set()
        server.shutdown()
    assert res.status_code == 401 and message in res.get_data(as_text=True)
    assert refusals(seeded_db) == [("sso:-", message)]
