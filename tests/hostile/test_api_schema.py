"""Every JSON API route fed what schemathesis generates from the OpenAPI description the app serves
(/api/openapi.json) — valid and invalid data: wrong types, huge numbers, odd strings — and, on top,
hostile values of our own in every parameter (SQL fragments, NUL bytes, 100,000-character strings,
numbers past bigint, path tricks). No request may answer 500; errors are JSON with a Chinese message;
answers follow the description."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.conftest import ticket
from web import openapi


def bearer(**claims) -> dict:
    return {"Authorization": "Bearer " + ticket(**claims)}


# the rules' limits as the database states them (epi.rule_limits' own file: at collection there is
# no database yet); test_the_app_serves_its_description checks that the app read the same
LIMITS = {rule: int(value) for rule, value in re.findall(
    r"\('(\w+)', (\d+)\)", (Path(__file__).resolve().parents[2] / "db/functions/epi.rule_limits.sql").read_text())}

# the description as the app builds it (loaded here, at collection: schemathesis's fixture-based
# loader does not work with pytest 9); test_the_app_serves_its_description checks the route serves it
schema = schemathesis.openapi.from_dict(openapi.spec(LIMITS))
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=40)


def test_the_app_serves_its_description(client):
    res = client.get("/api/openapi.json")
    assert res.status_code == 200 and res.get_json() == openapi.spec(LIMITS)
    threshold = res.get_json()["paths"]["/api/venues/{venue_id}/threshold"]["put"]["requestBody"]["content"][
        "application/json"]["schema"]["properties"]["flow_min"]
    assert threshold["maximum"] == 2147483647   # the database's, as the page says it (it was 2,000,000,000 here)


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)  # one app for all examples
def test_generated_requests_never_get_a_500(case, app):
    response = case.call(app=app, headers=bearer(sub="a.zhang", unit="T-A"))
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                             response_schema_conformance])
    if response.status_code >= 400:
        assert "error" in response.json()


HOSTILE = ["' or '1'='1", "'; drop table epi.scan; --", "1); select pg_sleep(5); --", "\\", "%", "_", "%%%",
           "\x00", "a\x00b", "A" * 100_000, "名" * 20_000, "99999999999999999999999", "-1", "1e309", "NaN",
           "null", "[]", "{}", "../../../etc/passwd", "<script>alert(1)</script>", "\ud7ff\ue000", "2022-02-30",
           "0000-00-00", "9999-12-31 23:59:59", "2022-03-04T25:00", "=cmd|' /C calc'!A0", " ", "\r\n"]
GET_ROUTES = {
    "/api/venues": ["tab", "after"],
    "/api/scans": ["venue_id", "id_card", "phone", "venue_name", "person_name", "collected_from", "collected_to",
                   "imported_from", "imported_to", "after", "before", "sort", "dir", "count"],
    "/api/stats": ["from", "to"],
    "/api/alerts": ["status"],
}


@pytest.mark.parametrize("path, params", GET_ROUTES.items(), ids=list(GET_ROUTES))
def test_hostile_query_values_never_get_a_500(client, path, params):
    headers = bearer(sub="a.zhang", unit="T-A")
    for name in params:
        for value in HOSTILE:
            res = client.get(path, query_string={name: value}, headers=headers)
            assert res.status_code in (200, 400), (name, value[:40], res.status_code, res.get_data(as_text=True)[:300])
            if res.status_code == 400:
                assert any("\u4e00" <= ch <= "\u9fff" for ch in res.get_json()["error"])


def test_hostile_path_and_body_values_never_get_a_500(client):
    headers = bearer(sub="a.zhang", unit="T-A")
    for value in HOSTILE:
        quoted = value.replace("%", "%25").replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
        res = client.put(f"/api/venues/{quoted}/threshold", json={"flow_min": 1, "flow_max": 2}, headers=headers)
        assert res.status_code in (400, 404), (value[:40], res.status_code)
        res = client.post(f"/api/alerts/{quoted}/accept", headers=headers)
        assert res.status_code in (400, 404, 405), (value[:40], res.status_code)
    for body in ([], "x", None, 1, {"flow_min": "1", "flow_max": 2}, {"flow_min": 1.5, "flow_max": 2},
                 {"flow_min": True, "flow_max": 2}, {"flow_min": 10 ** 30, "flow_max": None},
                 {"flow_min": -1, "flow_max": None}, {"flow_min": 5, "flow_max": 1}, {"flow_min": None},
                 {"flow_min": "' or 1=1 --", "flow_max": "\x00"}, {"flow_min": [1], "flow_max": {"a": 1}}):
        res = client.put("/api/venues/VA1/threshold", json=body, headers=headers)
        assert res.status_code == 400, (body, res.status_code, res.get_data(as_text=True)[:200])
    res = client.put("/api/venues/VA1/threshold", data=b"\xff\xfe{not json", headers=headers | {
        "Content-Type": "application/json"})
    assert res.status_code == 400
    for alert_id in ("99999999999999999999999", "-1", "0"):
        assert client.post(f"/api/alerts/{alert_id}/accept", headers=headers).status_code == 404
