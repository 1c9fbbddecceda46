"""Menus from OA's role export (issue 45, point 2): a sign-on that releases the account and its
roles but no menus gets OA's grants to the account and those roles; the session reads them again on
every request, so a menu revoked in OA is gone at the next click; a user OA grants nothing is
refused (audited, no session); the rules of the round apply as to any sign-on."""
from __future__ import annotations

import psycopg
import pytest

from loaders import registry
from tests.loaders.test_menu_grants import grants_file
from tests.web.sso_servers import authorize, back_path, put_user, refusals, signed_in, through_cas

ROWS = [["角色", "unit_staff", "“扫码”预警、scan_query"],
        ["账号", "b.li", "扫码统计查询"],
        ["角色", "auditors", "audit"]]


@pytest.fixture
def granted(seeded_db, tmp_path):
    from db import database

    web = database.web_url(database.database_name(seeded_db))

    def load(rows, name="菜单授权.xlsx"):
        return registry.load_menu_grants(grants_file(tmp_path, rows, name), account="oa.menus", url=web)
    load(ROWS)
    return load


def through_oidc(client, provider, sub):
    start = client.get("/sso/oidc?next=/alerts")
    return client.get(back_path(authorize(start.headers["Location"], sub)))


def test_an_oidc_user_without_menus_gets_oas_grants_and_a_revoked_menu_is_gone_at_the_next_click(
        oidc_app, provider, seeded_db, granted):
    put_user(provider, "u-3001", {"preferred_username": "b.li", "name": "测试李", "unit": "T-A",
                                  "roles": ["unit_staff", "not-in-oa"]})
    client = oidc_app.test_client()
    assert through_oidc(client, provider, "u-3001").headers["Location"] == "/alerts"
    assert signed_in(client) == "b.li"
    page = client.get("/alerts").get_data(as_text=True)
    assert 'href="/stats"' in page and 'href="/scans"' in page and 'href="/thresholds"' not in page
    assert client.get("/stats").status_code == 200
    with psycopg.connect(seeded_db) as c:   # the session keeps the roles, not the menus
        assert c.execute("select grant_roles from epi_private.web_session where ended_at is null").fetchall() == \
            [(["not-in-oa", "unit_staff"],)]
    # OA takes 扫码统计查询 from the account: the export written again and re-read
    granted([ROWS[0], ["账号", "b.li", "threshold"], ROWS[2]], "菜单授权2.xlsx")
    refused = client.get("/stats")
    assert refused.status_code == 403 and "您没有【扫码统计查询】菜单的权限" in refused.get_data(as_text=True)
    assert client.get("/thresholds").status_code == 200           # ... and what OA granted instead is there
    # OA mixes the audit menu into the account's grants: separation of duties leaves it no menu at all
    granted([ROWS[0], ["账号", "b.li", "audit"], ROWS[2]], "菜单授权3.xlsx")
    assert client.get("/alerts").status_code == 403 and client.get("/audit").status_code == 403


def test_a_cas_user_with_one_role_as_one_attribute_gets_its_grants(cas_app, cas_server, seeded_db, granted):
    cas_server.users["u-3002"] = {"preferred_username": "c.wang", "name": "测试王", "roles": "auditors"}
    client = cas_app.test_client()
    back, _, _ = through_cas(client, cas_server, "/sso/cas?next=/audit", user="u-3002")
    assert back.status_code == 302 and back.headers["Location"] == "/audit"
    assert client.get("/audit").status_code == 200 and client.get("/alerts").status_code == 403


def test_a_user_oa_grants_nothing_is_refused_with_no_session(oidc_app, provider, seeded_db, granted):
    put_user(provider, "u-3003", {"preferred_username": "d.zhao", "unit": "T-A", "roles": ["not-in-oa"]})
    client = oidc_app.test_client()
    back = through_oidc(client, provider, "u-3003")
    message = ("账号 d.zhao 在 OA 的菜单授权中没有本专区的菜单（身份凭据未带菜单权限，声明 menus；"
               "OA 菜单授权导出中也没有此账号或其角色），请联系运维单位")
    assert back.status_code == 401 and message in back.get_data(as_text=True)
    assert signed_in(client) is None and refusals(seeded_db) == [("sso:d.zhao", message)]


def test_roles_of_the_wrong_shape_are_refused(oidc_app, provider, seeded_db, granted):
    put_user(provider, "u-3004", {"preferred_username": "e.qian", "unit": "T-A", "roles": {"admin": True}})
    back = through_oidc(oidc_app.test_client(), provider, "u-3004")
    assert back.status_code == 401
    assert refusals(seeded_db) == [("sso:e.qian", "身份凭据中的角色（声明 roles）格式错误，请联系运维单位")]
