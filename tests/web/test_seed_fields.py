"""The requirements' field tables are a contract (issue 21): each page shows exactly the seed's fields
in the seed's order, read from the seed (tests/seed.py), so that a drift fails here."""
from __future__ import annotations

import io
import re

from tests.seed import fields


def headers(html: str) -> list[str]:
    thead = html[html.index("<thead>"):html.index("</thead>")]
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", thead, re.S)]


def test_the_scan_query_page_and_its_export_show_the_seeds_18_fields_in_order(unit_a):
    from openpyxl import load_workbook

    client, _ = unit_a
    want = fields("扫码进场信息查询")
    page = client.get("/scans").get_data(as_text=True)
    assert [h for h in headers(page) if h] == want  # an operations column may follow, unnamed
    ws = load_workbook(io.BytesIO(client.get("/scans/export").data)).active
    assert list(next(ws.values)) == want
