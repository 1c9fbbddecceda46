"""Sign-on by CAS 3.0 (issue 45). No CAS server installs here (django-cas-server is not in the
package registries we have), so a stand-in on loopback follows the CAS 3.0 protocol document field
by field: /login issues a service ticket for the service asked, valid once; /p3/serviceValidate
answers authenticationSuccess with cas:user and cas:attributes only for that ticket and that
service, else authenticationFailure (INVALID_TICKET, INVALID_SERVICE); single logout is a
logoutRequest (SAML 2.0, the ticket as SessionIndex) POSTed to the service."""
from __future__ import annotations

import secrets
import urllib.parse

import psycopg
import pytest

from db import database
from tests.web.conftest import SECRET
from tests.web.sso_servers import signed_in, through_cas


def refusals(seeded_db) -> list[tuple]:
    """The sign-on refusals, with their method (cas)."""
    with psycopg.connect(seeded_db) as c:
        return [(a, d["method"], d["reason"]) for a, d in c.execute(
            "select account, detail from epi.audit_log where action = 'sso.refused' order by audit_id")]


def test_a_user_signs_on_through_cas_with_attributes(cas_app, cas_server, seeded_db):
    cas_server.users["a.zhang"] = {"name": "测试张", "unit": "T-A", "menus": ["alert", "scan_query"]}
    client = cas_app.test_client()
    back, ticket, service = through_cas(client, cas_server, user="a.zhang")
    assert back.status_code == 302 and back.headers["Location"] == "/alerts"
    assert signed_in(client) == "a.zhang" and client.get("/alerts").status_code == 200
    assert cas_server.validations[-1] == {"ticket": ticket, "service": service}   # p3/serviceValidate, same service
    assert refusals(seeded_db) == []


def test_one_menu_comes_as_one_value(cas_app, cas_server):
    cas_server.users["b.li"] = {"name": "测试李", "unit": "T-B", "menus": "alert"}
    client = cas_app.test_client()
    back, _, _ = through_cas(client, cas_server, user="b.li")
    assert back.status_code == 302 and signed_in(client) == "b.li"


def test_a_replayed_ticket_or_one_for_another_service_is_refused(cas_app, cas_server, seeded_db):
    cas_server.users["a.zhang"] = {"unit": "T-A", "menus": ["alert"]}
    client = cas_app.test_client()
    first, ticket, service = through_cas(client, cas_server, user="a.zhang")
    assert first.status_code == 302
    again = cas_app.test_client().get(urllib.parse.urlsplit(service).path + "?next=/alerts&ticket=" + ticket)
    message = "CAS 服务器未确认此票据（已使用、已过期或不是签发给本系统的），请从 OA 系统重新进入"
    assert again.status_code == 401 and message in again.get_data(as_text=True)
    other = "ST-" + secrets.token_urlsafe(24)
    cas_server.tickets[other] = ("https://another.example/app", "a.zhang")   # a ticket for another service
    res = cas_app.test_client().get("/sso/cas?next=/alerts&ticket=" + other)
    assert res.status_code == 401 and message in res.get_data(as_text=True)
    assert refusals(seeded_db) == [("sso:-", "cas", message)] * 2


def test_a_user_whose_menus_need_a_unit_it_lacks_is_refused(cas_app, cas_server, seeded_db):
    cas_server.users["c.wang"] = {"menus": ["alert"]}
    client = cas_app.test_client()
    back, _, _ = through_cas(client, cas_server, user="c.wang")
    message = "账号 c.wang 有监管单位的菜单，但身份凭据中没有机构编码（声明 unit），拒绝登录"
    assert back.status_code == 401 and message in back.get_data(as_text=True) and signed_in(client) is None
    assert refusals(seeded_db) == [("sso:c.wang", "cas", message)]


def test_a_cas_server_that_does_not_answer_is_named(cas_app, seeded_db):
    cas_app.config["CAS_URL"] = "http://127.0.0.1:9/cas/"
    res = cas_app.test_client().get("/sso/cas?ticket=ST-1")
    assert res.status_code == 401 and "CAS 服务器没有响应（连接失败或超时），请稍后重试" in res.get_data(as_text=True)


SLO = ('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
       'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1" Version="2.0" IssueInstant="2026-12-05T14:00:00Z">'
       '<saml:NameID>@NOT_USED@</saml:NameID><samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>')


def test_single_logout_ends_the_session_begun_from_the_ticket(cas_app, cas_server, seeded_db):
    cas_server.users["a.zhang"] = {"unit": "T-A", "menus": ["alert"]}
    client, bystander = cas_app.test_client(), cas_app.test_client()
    _, ticket, _ = through_cas(client, cas_server, user="a.zhang")
    through_cas(bystander, cas_server, user="a.zhang")              # another session of the same account
    assert client.get("/alerts").status_code == 200
    res = cas_app.test_client().post("/sso/cas", data={"logoutRequest": SLO.format(ticket=ticket)})
    assert res.status_code == 200                                    # server to server: no session, no CSRF token
    assert client.get("/alerts").status_code == 401
    assert bystander.get("/alerts").status_code == 200               # only the session of that ticket
    for bad in ("<not-saml/>", "not xml", SLO.format(ticket="x" * 10_000),
                '<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><samlp:LogoutRequest '
                'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:SessionIndex>&e;</samlp:SessionIndex>'
                '</samlp:LogoutRequest>'):
        res = cas_app.test_client().post("/sso/cas", data={"logoutRequest": bad})
        assert res.status_code == 400 and "单点登出请求无法识别" in res.get_data(as_text=True), bad[:40]


def test_logout_goes_on_to_cas_logout(cas_app, cas_server):
    cas_server.users["a.zhang"] = {"unit": "T-A", "menus": ["alert"]}
    client = cas_app.test_client()
    through_cas(client, cas_server, user="a.zhang")
    with client.session_transaction() as s:
        token = s["csrf"]
    res = client.post("/logout", data={"csrf_token": token})
    assert res.status_code == 302 and res.headers["Location"] == cas_server.url + "logout?service=http%3A%2F%2Flocalhost%2F"
    assert client.get("/alerts").status_code == 401


def test_cas_is_off_unless_configured(app):
    assert app.test_client().get("/sso/cas").status_code == 404


@pytest.mark.parametrize("config, message", [
    ({"SSO_METHODS": ["cas"], "CAS_URL": None}, "EPI_SSO 含 cas 时必须设置 EPI_CAS_URL（CAS 服务器地址）"),
    ({"SSO_METHODS": ["oidc"], "OIDC_ISSUER": None},
     "EPI_SSO 含 oidc 时必须设置 EPI_OIDC_ISSUER 和 EPI_OIDC_CLIENT_ID（及 EPI_OIDC_CLIENT_SECRET）"),
])
def test_a_method_without_its_settings_stops_the_app_at_start(seeded_db, config, message):
    from core.config import ConfigError
    from web import create_app

    with pytest.raises(ConfigError) as stopped:
        create_app({"TESTING": True, "SECRET_KEY": "k", "OA_JWT_SECRET": SECRET,
                    "DATABASE_WEB_URL": database.web_url(database.database_name(seeded_db))} | config)
    assert str(stopped.value) == message
