"""查看完整个人信息 (menu scan_reveal): one record in full after a reason, on the page (a dialog on
the query page, the form without script) and through the API; 403 without the menu, 400 without
a reason, 404 for another unit's record; every reveal audited."""
from __future__ import annotations

from urllib.parse import parse_qsl

import psycopg
import pytest

from tests.web.conftest import UNIT_MENUS, enter, ticket
from tests.web.test_personal_data import FULL

REVEAL = [*UNIT_MENUS, "scan_reveal"]


@pytest.fixture
def scans(seeded_db):
    with psycopg.connect(seeded_db) as c:
        return dict(c.execute("select venue_id, min(scan_id) from epi.scan group by venue_id").fetchall())


def test_the_query_page_offers_the_reveal_only_with_the_menu(client):
    enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)
    page = client.get("/scans").get_data(as_text=True)
    assert "查看完整信息" in page and 'id="reveal-dialog"' in page
    enter(client, sub="a.zhang", unit="T-A")
    assert "查看完整信息" not in client.get("/scans").get_data(as_text=True)


def test_reveal_on_the_page(client, scans, seeded_db):
    token = enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)
    assert client.get(f"/scans/{scans['VA1']}/reveal").status_code == 200
    res = client.post(f"/scans/{scans['VA1']}/reveal", data={"csrf_token": token, "reason": "核对入场人员身份"})
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and all(f in page for f in FULL) and "已记入审计日志" in page
    assert client.post(f"/scans/{scans['VA1']}/reveal", data={"csrf_token": token, "reason": " "}).status_code == 400
    assert client.post(f"/scans/{scans['VB1']}/reveal", data={"csrf_token": token, "reason": "核对"}).status_code == 404
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select account, detail->>'reason' from epi.audit_log where action = 'scan.reveal'"
                         ).fetchall() == [("a.zhang", "核对入场人员身份")]


def test_reveal_through_the_api(client, scans):
    def post(scan, body, menus=REVEAL):
        return client.post(f"/api/scans/{scan}/reveal", json=body,
                           headers={"Authorization": "Bearer " + ticket(menus=menus)})

    res = post(scans["VA1"], {"reason": "核对入场人员身份"})
    assert res.status_code == 200 and res.get_json()["scan"]["id_card"] == FULL[0]
    assert res.get_json()["scan"]["phone"] == FULL[1] and res.get_json()["scan"]["person_name"] == FULL[2]
    assert post(scans["VA1"], {"reason": "核对"}, menus=UNIT_MENUS).status_code == 403
    assert post(scans["VA1"], {"reason": ""}).status_code == 400
    assert post(scans["VA1"], {}).status_code == 400
    assert post(scans["VB1"], {"reason": "核对入场人员身份"}).status_code == 404
    assert post(999_999_999, {"reason": "核对入场人员身份"}).status_code == 404


def test_an_unmasked_export_needs_the_menu_and_a_reason_and_is_audited(client, seeded_db):
    from tests.conftest import workbook_rows

    token = enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)
    assert "导出完整信息" in client.get("/scans").get_data(as_text=True)
    res = client.post("/scans/export/full", data={"csrf_token": token, "reason": "导出核查", "id_card": FULL[0],
                                                    "venue_id": "VA1"})
    assert res.status_code == 200 and "attachment" in res.headers["Content-Disposition"]
    rows = workbook_rows(res.data)
    assert rows[0][:2] == ["公共场所ID", "公共场所"] and len(rows) == 3
    assert all(r[6] == FULL[0] and r[8] == FULL[1] and r[15] == "测试监管单位甲" for r in rows[1:])  # 监管单位 after 采集时间
    assert client.post("/scans/export/full", data={"csrf_token": token, "reason": "", "id_card": FULL[0]}).status_code == 400
    with psycopg.connect(seeded_db) as c:
        detail = c.execute("select detail from epi.audit_log where action = 'scan.export'").fetchone()[0]
    assert detail["full"] and detail["rows"] == 2 and detail["reason"] == "导出核查"
    assert detail["conditions"] == {"id_card": "000000********000X", "venue_id": "VA1"} and len(detail["scan_ids"]) == 2
    enter(client, sub="a.zhang", unit="T-A")
    token = enter(client, sub="a.zhang", unit="T-A")
    assert client.post("/scans/export/full", data={"csrf_token": token, "reason": "导出核查"}).status_code == 403


@pytest.mark.parametrize("query, message", [
    ("", "导出完整信息须按精确的被采集人身份证或联系电话，或一个公共场所ID加不超过 24 小时的采集时间范围"),
    ("?venue_id=VA1", "导出完整信息须按精确的被采集人身份证或联系电话，或一个公共场所ID加不超过 24 小时的采集时间范围"),
    ("?venue_id=VA1&collected_from=2022-03-01&collected_to=2022-03-02",
     "导出完整信息须按精确的被采集人身份证或联系电话，或一个公共场所ID加不超过 24 小时的采集时间范围"),
    (f"?id_card={FULL[0]}&venue_name=测试", "导出完整信息只按被采集人身份证、联系电话，或公共场所ID加采集时间范围筛选，请去掉其他条件后再导出"),
])
def test_an_unmasked_export_is_narrow(client, seeded_db, query, message):
    """Issue 42, point 1: the database refuses a wide one (a venue's history, two days); the page
    names why; nothing is exported and nothing is audited."""
    token = enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)
    res = client.post("/scans/export/full", data=dict(parse_qsl(query.lstrip("?"))) | {"csrf_token": token, "reason": "导出核查"})
    assert res.status_code == 400 and message in res.get_data(as_text=True)
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.audit_log where action = 'scan.export'").fetchone()[0] == 0
    ok = client.post("/scans/export/full", data={"csrf_token": token, "reason": "导出核查", "venue_id": "VA1",
                                                 "collected_from": "2022-03-01 08:00", "collected_to": "2022-03-02 07:59"})
    assert ok.status_code == 200 and "attachment" in ok.headers["Content-Disposition"]
