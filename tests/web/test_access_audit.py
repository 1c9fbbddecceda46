"""Personal data 1 of 3, point 3: every scan query page, API page, export and reveal is an access
entry written by the database — who (account, name, unit), under which menu, from which address,
the conditions masked with keyed hashes of the searched ID number and phone, the rows returned —
committed before the rows are sent; imports audited by the database with the web user's context."""
from __future__ import annotations

import hashlib
import hmac
import time

import psycopg
import pytest

from db import database
from tests.web.conftest import SECRET, enter, ticket

FULL_ID, FULL_PHONE = "00000000000000000X", "14400009999"
KEY = "test-audit-key-not-real-0123456789abcdef"
REVEAL = ["scan_query", "scan_reveal", "scan_stats"]


@pytest.fixture(autouse=True)
def audit_key(monkeypatch):
    monkeypatch.setenv("EPI_AUDIT_HMAC_KEY", KEY)


def keyed(value: str) -> str:
    return hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def entries(seeded_db, action):
    with psycopg.connect(seeded_db) as c:
        c.row_factory = psycopg.rows.dict_row
        return c.execute("select * from epi.audit_log where action = %s order by audit_id", (action,)).fetchall()


def test_a_query_page_is_an_access_entry_with_masks_and_keyed_hashes(client, seeded_db):
    enter(client, sub="a.zhang", unit="T-A", name="测试张")
    page = client.get(f"/scans?id_card={FULL_ID}&phone={FULL_PHONE}&venue_name=名称")
    assert page.status_code == 200
    [entry] = entries(seeded_db, "scan.query")
    assert (entry["account"], entry["account_name"], entry["unit_code"], entry["caller_kind"], entry["menu"]) == \
        ("a.zhang", "测试张", "T-A", "unit", "scan_query")
    assert entry["row_count"] == 3 and str(entry["client_addr"]) == "127.0.0.1" and entry["db_user"] == "epi_web"
    assert entry["detail"] == {"conditions": {"id_card": "000000********000X", "phone": "144****9999",
                                              "venue_name": "名称"}}
    # an auditor given the person's number finds the entry through the same keyed hash
    assert entry["subject_hashes"] == [keyed(FULL_ID), keyed(FULL_PHONE)]
    everything = " ".join(str(v) for v in entry.values())
    assert FULL_ID not in everything and FULL_PHONE not in everything
    client.get("/scans?venue_id=VA1")
    assert [e["subject_hashes"] for e in entries(seeded_db, "scan.query")] == [[keyed(FULL_ID), keyed(FULL_PHONE)], None]


def test_a_person_name_search_is_recorded_masked(client, seeded_db):
    enter(client, sub="a.zhang", unit="T-A")
    client.get("/scans?person_name=测试人")
    [entry] = entries(seeded_db, "scan.query")
    assert entry["detail"]["conditions"] == {"person_name": "测**"} and entry["subject_hashes"] is None


def test_the_entry_is_committed_before_the_rows_are_sent(client, seeded_db, monkeypatch):
    """The entry is written in a transaction of its own: when sending the page fails afterwards (the
    request's own transaction is rolled back), the entry stays."""
    from web import scan_query

    enter(client, sub="a.zhang", unit="T-A")

    def broken(*_args, **_kwargs):
        raise RuntimeError("the client went away")

    monkeypatch.setattr(scan_query, "render_template", broken)
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get(f"/scans?id_card={FULL_ID}").status_code == 500
    [entry] = entries(seeded_db, "scan.query")
    assert entry["row_count"] == 3 and entry["subject_hashes"] == [keyed(FULL_ID)]


def test_a_request_holds_one_connection_at_a_time(seeded_db, tmp_path):
    """The access entry's transaction follows the request's (committed first): with a pool of one
    connection, query pages, exports and reveals still answer instead of waiting for the pool."""
    from web import create_app

    app = create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "k",
                      "DATABASE_WEB_URL": database.web_url(database.database_name(seeded_db)),
                      "UPLOAD_DIR": str(tmp_path), "SESSION_COOKIE_SECURE": False,
                      "DB_POOL_SIZE": 1, "DB_POOL_TIMEOUT": 3.0})
    try:
        client = app.test_client()
        token = enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)
        assert client.get("/scans").status_code == 200
        assert client.get("/scans/export?venue_id=VA1").status_code == 200
        assert client.post("/scans/export/full",
                           data={"csrf_token": token, "reason": "核查", "venue_id": "VA1", "id_card": FULL_ID}).status_code == 200
        assert client.get("/stats/export").status_code == 200
    finally:
        app.extensions["epi_pool"].close()
    assert len(entries(seeded_db, "scan.export")) == 2 and len(entries(seeded_db, "export.stats")) == 1


def test_api_pages_exports_and_reveals_are_entries_under_their_menus(client, seeded_db):
    headers = {"Authorization": "Bearer " + ticket(sub="a.zhang", unit="T-A", menus=REVEAL)}
    assert client.get(f"/api/scans?phone={FULL_PHONE}", headers=headers).status_code == 200
    scan_id = client.get("/api/scans?venue_id=VA1", headers=headers).get_json()["scans"][0]["scan_id"]
    assert client.post(f"/api/scans/{scan_id}/reveal", json={"reason": "核对身份"}, headers=headers).status_code == 200
    token = enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)
    assert client.get(f"/scans/export?id_card={FULL_ID}").status_code == 200
    assert client.post("/scans/export/full", data={"csrf_token": token, "reason": "导出核查", "phone": FULL_PHONE}).status_code == 200
    assert client.get("/stats/export?from=2022-03-01&to=2022-03-07").status_code == 200

    queries = entries(seeded_db, "scan.query")
    assert [(e["menu"], e["row_count"], e["subject_hashes"]) for e in queries] == [
        ("scan_query", 3, [keyed(FULL_PHONE)]), ("scan_query", 2, None)]
    [reveal] = entries(seeded_db, "scan.reveal")
    assert reveal["menu"] == "scan_reveal" and reveal["detail"]["scan_ids"] == [scan_id] and reveal["row_count"] == 1
    masked, full = entries(seeded_db, "scan.export")
    assert masked["menu"] == "scan_query" and masked["subject_hashes"] == [keyed(FULL_ID)] and "full" not in masked["detail"]
    assert full["menu"] == "scan_reveal" and full["detail"]["full"] and full["row_count"] == 3
    assert full["detail"]["conditions"] == {"phone": "144****9999"} and full["subject_hashes"] == [keyed(FULL_PHONE)]
    [stats] = entries(seeded_db, "export.stats")
    assert stats["menu"] == "scan_stats" and stats["detail"]["from"] == "2022-03-01" and stats["unit_code"] == "T-A"


def test_the_client_address_is_the_one_the_configured_proxies_vouch_for(seeded_db, tmp_path):
    from web import create_app

    def address(hops):
        app = create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "k", "PROXY_HOPS": hops,
                          "DATABASE_WEB_URL": database.web_url(database.database_name(seeded_db)),
                          "UPLOAD_DIR": str(tmp_path), "SESSION_COOKIE_SECURE": False})
        try:
            headers = {"Authorization": "Bearer " + ticket(), "X-Forwarded-For": "203.0.113.9, 198.51.100.7"}
            assert app.test_client().get("/api/scans", headers=headers).status_code == 200
        finally:
            app.extensions["epi_pool"].close()
        return str(entries(seeded_db, "scan.query")[-1]["client_addr"])

    assert address(0) == "127.0.0.1"          # a forged header changes nothing
    assert address(1) == "198.51.100.7"       # the one proxy in front vouches for its client
    assert address(2) == "203.0.113.9"


def test_a_web_import_is_audited_by_the_database_with_the_users_context(client, seeded_db, tmp_path):
    from tests.loaders import workbooks as wbk

    token = enter(client, sub="ops.li", unit="OPS", name="测试李", menus=["scan_admin"])
    path = wbk.csv_file(tmp_path / "上传.csv", wbk.rows_with_times(["2022-03-20 10:00", "2022-03-20 11:00"]))
    with path.open("rb") as f:
        res = client.post("/scan-admin/upload", data={"csrf_token": token, "file": (f, "上传.csv")},
                          content_type="multipart/form-data")
    assert res.status_code == 302
    job = res.headers["Location"].split("job=")[1]
    for _ in range(100):
        state = client.get(f"/scan-admin/jobs/{job}").get_json()["state"]
        if state not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert state == "done"
    [entry] = [e for e in entries(seeded_db, "scan.import") if e["detail"]["file_name"] == "上传.csv"]
    assert (entry["account"], entry["account_name"], entry["menu"], str(entry["client_addr"]), entry["row_count"]) == \
        ("ops.li", "测试李", "scan_admin", "127.0.0.1", 2)
    assert entry["detail"]["file_name"] == "上传.csv" and entry["os_user"] == database.os_user()


def test_production_needs_the_audit_key(seeded_db, monkeypatch):
    from web import ConfigError, create_app

    monkeypatch.delenv("EPI_AUDIT_HMAC_KEY")
    with pytest.raises(ConfigError, match="EPI_AUDIT_HMAC_KEY"):
        create_app({"OA_JWT_SECRET": SECRET, "SECRET_KEY": "k", "PRODUCTION": True})
