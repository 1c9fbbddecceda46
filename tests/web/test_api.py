"""The JSON API with Bearer tickets: the same rights as the pages."""
from __future__ import annotations

import psycopg

from tests.web.conftest import OPS_MENUS, ticket


def bearer(**claims):
    return {"Authorization": "Bearer " + ticket(**claims)}


def test_venues(client):
    res = client.get("/api/venues?tab=set", headers=bearer())
    assert res.status_code == 200 and [v["venue_id"] for v in res.get_json()["venues"]] == ["VA1"]
    assert client.get("/api/venues?tab=everything", headers=bearer()).status_code == 400


def test_put_threshold(client, seeded_db):
    ok = client.put("/api/venues/VA2/threshold", json={"flow_min": 3, "flow_max": None}, headers=bearer())
    assert ok.status_code == 200 and ok.get_json()["venue"]["flow_min"] == 3
    for body in ({"flow_min": -1, "flow_max": None}, {"flow_min": "3", "flow_max": None}, {"flow_min": 1.5,
                 "flow_max": 2}, {"flow_min": 1}, [], {"flow_min": True, "flow_max": None}):
        res = client.put("/api/venues/VA2/threshold", json=body, headers=bearer())
        assert res.status_code == 400 and "error" in res.get_json(), body
    res = client.put("/api/venues/VA2/threshold", json={"flow_min": 9, "flow_max": 3}, headers=bearer())
    assert res.status_code == 400 and "不能大于最大值" in res.get_json()["error"]
    res = client.put("/api/venues/VB1/threshold", json={"flow_min": 1, "flow_max": None}, headers=bearer())
    assert res.status_code == 404 and res.get_json()["error"]


def test_scans_paging(client):
    res = client.get("/api/scans", headers=bearer())
    body = res.get_json()
    assert res.status_code == 200 and len(body["scans"]) == 3 and body["next"] is None
    assert {s["venue_id"] for s in body["scans"]} == {"VA1", "VA2"}
    assert body["scans"][0]["collected_at"] >= body["scans"][1]["collected_at"]
    assert client.get("/api/scans?collected_from=yesterday", headers=bearer()).status_code == 400


def test_stats(client):
    res = client.get("/api/stats?from=2022-03-01&to=2022-03-31", headers=bearer())
    rows = {v["venue_id"]: v["n"] for v in res.get_json()["venues"]}
    assert rows == {"VA1": 2, "VA2": 1}
    assert client.get("/api/stats?from=2022-13-01", headers=bearer()).status_code == 400


def test_alerts_with_their_days_and_accept(client, seeded_db):
    body = client.get("/api/alerts?status=未接收", headers=bearer()).get_json()
    assert len(body["alerts"]) == 1 and len(body["alerts"][0]["days"]) == 7
    alert_id = body["alerts"][0]["alert_id"]
    with psycopg.connect(seeded_db) as c:
        other = c.execute("select alert_id from epi.alert where venue_id = 'VB1'").fetchone()[0]
    assert client.post(f"/api/alerts/{other}/accept", headers=bearer()).status_code == 404
    res = client.post(f"/api/alerts/{alert_id}/accept", headers=bearer(sub="a.wang"))
    assert res.status_code == 200 and res.get_json()["alert"]["accepted_by"] == "a.wang"
    again = client.post(f"/api/alerts/{alert_id}/accept", headers=bearer())
    assert again.status_code == 409 and "不能重复接收" in again.get_json()["error"]
    assert client.get("/api/alerts?status=whatever", headers=bearer()).status_code == 400


def test_ops_token_cannot_use_unit_routes(client):
    res = client.get("/api/alerts", headers=bearer(menus=OPS_MENUS))
    assert res.status_code == 403


def test_unknown_route_is_json_404(client):
    res = client.get("/api/nothing", headers=bearer())
    assert res.status_code == 404 and "error" in res.get_json()


def test_a_value_the_databases_rule_refuses_is_a_400_naming_its_field(client):
    """One path for a rule's refusal: the database raises EP400 with the field (epi.find_scans: a
    name of one character); the API answers its message and the field, a page shows it beside it."""
    from tests.web.conftest import ticket

    res = client.get("/api/scans?person_name=张", headers={"Authorization": "Bearer " + ticket(sub="a.zhang", unit="T-A")})
    assert res.status_code == 400
    assert res.get_json() == {"error": "被采集人请至少输入2个字", "field": "person_name"}
