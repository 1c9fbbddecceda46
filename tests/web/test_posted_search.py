"""No full ID number or phone in a URL (issue 42, point 6): a search by a personal value is posted,
and the page it answers carries the value in forms' bodies only — no link, form action or redirect
holds it; a posted search without one is sent to its own URL; POST /api/scans/search takes the
conditions in its body and answers as GET /api/scans does."""
from __future__ import annotations

import re

import pytest

from tests.web.conftest import OPS_MENUS, enter, ticket
from tests.web.test_lists import many_scans  # noqa: F401 (fixture)

FULL_ID, FULL_PHONE = "00000000000000000X", "14400009999"


def urls(page: str) -> list[str]:
    return re.findall(r'(?:href|action|formaction)="([^"]*)"', page)


@pytest.mark.parametrize("base, menus, total", [("/scans", None, "共 123 条"), ("/scan-admin/scans", OPS_MENUS, "共 127 条")])
@pytest.mark.parametrize("field, value", [("id_card", FULL_ID), ("phone", FULL_PHONE), ("person_name", "测试人")])
def test_a_posted_search_by_a_personal_value_keeps_it_out_of_every_url(client, many_scans, base, menus,  # noqa: F811
                                                                       total, field, value):
    token = enter(client, sub="a.zhang", unit="T-A", **({"menus": menus} if menus else {}))
    res = client.post(base, data={"csrf_token": token, field: value})
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and total in page and f'name="{field}" value="{value}"' in page
    assert [u for u in urls(page) if value in u or field in u] == []
    # paging and sorting post the conditions (and keep the search)
    assert re.search(rf'<form method="post" action="{base}" class="linkform">.*?name="{field}" value="{value}".*?'
                     r'name="after"', page, re.S)
    after = re.search(r'name="after" value="([^"]+)"', page).group(1)
    res = client.post(base, data={"csrf_token": token, field: value, "after": after, "sort": "imported_at"})
    assert res.status_code == 200 and total in res.get_data(as_text=True)
    assert [u for u in urls(res.get_data(as_text=True)) if value in u or field in u] == []


def test_a_posted_search_without_a_personal_value_answers_with_its_url(client, many_scans):  # noqa: F811
    token = enter(client, sub="a.zhang", unit="T-A")
    res = client.post("/scans", data={"csrf_token": token, "venue_id": "VA1", "street": ""})
    assert res.status_code == 303 and res.headers["Location"] == "/scans?venue_id=VA1"
    res = client.post("/scans", data={"csrf_token": token})
    assert res.status_code == 303 and res.headers["Location"] == "/scans"
    assert client.post("/scans", data={"venue_id": "VA1"}).status_code == 400     # no CSRF token: refused


def test_the_masked_export_of_a_posted_search(client, many_scans):  # noqa: F811
    from tests.conftest import workbook_rows

    token = enter(client, sub="a.zhang", unit="T-A")
    page = client.post("/scans", data={"csrf_token": token, "id_card": FULL_ID}).get_data(as_text=True)
    assert re.search(r'<form method="post" action="/scans/export" class="linkform">.*?导出 Excel', page, re.S)
    res = client.post("/scans/export", data={"csrf_token": token, "id_card": FULL_ID})
    assert res.status_code == 200 and len(workbook_rows(res.data)) == 124


def test_the_get_form_stays_and_its_links_post_a_personal_value(client, many_scans):  # noqa: F811
    enter(client, sub="a.zhang", unit="T-A")
    page = client.get(f"/scans?id_card={FULL_ID}").get_data(as_text=True)
    assert "共 123 条" in page and [u for u in urls(page) if FULL_ID in u] == []


def test_the_audit_page_posts_a_searched_number(client, seeded_db):
    enter(client, sub="a.zhang", unit="T-A")
    client.get(f"/scans?id_card={FULL_ID}")
    token = enter(client, path="/audit", sub="audit.wang", unit=None, menus=["audit"])
    res = client.post("/audit", data={"csrf_token": token, "id_card": FULL_ID})
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and "a.zhang" in page and [u for u in urls(page) if FULL_ID in u] == []
    assert re.search(r'<form method="post" action="/audit/export" class="linkform">', page)
    assert client.post("/audit/export", data={"csrf_token": token, "id_card": FULL_ID}).status_code == 200
    res = client.post("/audit", data={"csrf_token": token, "account": "a.zhang"})
    assert res.status_code == 303 and res.headers["Location"] == "/audit?account=a.zhang"


def api(client, body, **kw):
    return client.post("/api/scans/search", json=body, headers={"Authorization": "Bearer " + ticket()}, **kw)


def test_the_api_search_takes_its_conditions_in_the_body(client, many_scans):  # noqa: F811
    got = api(client, {"id_card": FULL_ID, "count": True})
    assert got.status_code == 200 and got.get_json()["count"] == 123
    same = client.get(f"/api/scans?id_card={FULL_ID}&count=1", headers={"Authorization": "Bearer " + ticket()})
    assert got.get_json() == same.get_json()
    following = api(client, {"id_card": FULL_ID, "after": got.get_json()["next"]})
    assert following.status_code == 200 and len(following.get_json()["scans"]) == 50 and "count" not in following.get_json()
    assert api(client, {}).get_json()["scans"]                     # no condition: the unit's newest
    for body, message in (([FULL_ID], "请求体应为 JSON 对象，如 {\"id_card\": \"被采集人身份证\"}"),
                          ({"id_card": 1}, "查询条件应为字符串：id_card"),
                          ({"id_card": FULL_ID, "ssn": "x"}, "不支持的查询条件：ssn"),
                          ({"count": "1"}, "count 应为 true 或 false")):
        res = api(client, body)
        assert (res.status_code, res.get_json()) == (400, {"error": message})


def test_the_api_search_is_audited_like_the_get(client, many_scans, seeded_db):  # noqa: F811
    import psycopg

    api(client, {"phone": FULL_PHONE})
    with psycopg.connect(seeded_db) as c:
        detail, hashes = c.execute("select detail, subject_hashes from epi.audit_log where action = 'scan.query'").fetchone()
    assert detail["conditions"] == {"phone": "144****9999"} and len(hashes) == 1
