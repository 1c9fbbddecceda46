"""Personal data masked in every page, API answer and export (SPEC section 3), for units and ops;
searching by the full value still finds the record. The world's person: ID 00000000000000000X,
phone 14400009999, name 测试人."""
from __future__ import annotations

import psycopg

from tests.conftest import workbook_rows
from tests.web.conftest import ticket

FULL = ("00000000000000000X", "14400009999", "测试人")
MASKED = ("000000********000X", "144****9999", "测**")


def shows_only_masks(text: str) -> bool:
    """The rows shown (a page's table, an answer, a workbook) hold the masks and no full value; a
    search form may echo what its user typed, so a page's table is what is checked."""
    if "<tbody>" in text:
        text = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return all(m in text for m in MASKED) and not any(f in text for f in FULL)


def test_the_scan_query_page_shows_masks_and_searches_by_the_full_value(unit_a):
    client, _ = unit_a
    page = client.get("/scans").get_data(as_text=True)
    assert shows_only_masks(page)
    for query in ("id_card=00000000000000000X", "phone=14400009999", "person_name=试人",
                  "id_card=00000000000000000X&phone=14400009999&venue_id=VA1"):
        found = client.get(f"/scans?{query}").get_data(as_text=True)
        assert found.count("<tr>") > 1 and "VA1" in found and shows_only_masks(found), query
    assert client.get("/scans?id_card=000000********000X").get_data(as_text=True).count("<tr>") == 2  # none
    assert "VB1" not in client.get("/scans?id_card=00000000000000000X").get_data(as_text=True)


def test_the_export_and_its_audit_entry_hold_masks_only(unit_a, seeded_db):
    client, _ = unit_a
    res = client.get("/scans/export?id_card=00000000000000000X&phone=14400009999")
    cells = " ".join(str(v) for row in workbook_rows(res.data) for v in row if v is not None)
    assert res.status_code == 200 and shows_only_masks(cells)
    with psycopg.connect(seeded_db) as c:
        detail = c.execute("select detail::text from epi.audit_log where action = 'scan.export'").fetchone()[0]
    assert "000000********000X" in detail and "144****9999" in detail and FULL[0] not in detail and FULL[1] not in detail


def test_the_api_answers_masks(client):
    res = client.get("/api/scans?phone=14400009999", headers={"Authorization": "Bearer " + ticket()})
    assert res.status_code == 200 and len(res.get_json()["scans"]) == 3 and shows_only_masks(res.get_data(as_text=True))


def test_ops_see_every_row_but_masked(ops):
    client, _ = ops
    page = client.get("/venues?tab=set").get_data(as_text=True)
    assert "0001" not in page                   # unit heads' phones are not in the list (its 8 columns)
    edit = client.get("/venues/VA1/edit").get_data(as_text=True)
    assert "14400000001" in edit                                          # full on the venue's page


def test_the_home_page_masks_failed_texts_phones(ops, seeded_db):
    client, _ = ops
    with psycopg.connect(seeded_db) as c:
        c.execute("update epi.sms_outbox set status = 'failed', response = '测试失败' where unit_code = 'T-A'")
        c.commit()
    page = client.get("/").get_data(as_text=True)
    assert "144****0001" in page and "14400000001" not in page
