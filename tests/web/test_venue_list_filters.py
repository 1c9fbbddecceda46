"""Venue lists a clerk can work in (issue 47, point 8): 类别, 所在街道 and 监管单位 filters on
场所信息管理 and 场所人流量阈值管理; after a save, the list as it was (filters, order, size), at the page
that holds the saved row, the row marked and scrolled to (#saved)."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web.conftest import enter
from tests.web.test_lists import many_venues  # noqa: F401 (fixture)


def ids(page: str) -> list[str]:
    return re.findall(r"<tr[^>]*>\s*<td>(V[A-Z0-9]+)</td>", page)


@pytest.mark.parametrize("path, query, expected", [
    ("/venues", "tab=set&category=测试类&size=100", 45),
    ("/venues", "tab=set&street=长沙", None),
    ("/venues", "tab=set&unit=T-B", ["VB1"]),
    ("/venues", "tab=set&unit=监管单位乙", ["VB1"]),
    ("/venues", "tab=set&category=测试类&unit=T-B", []),
    ("/thresholds", "tab=set&category=测试类&size=100", 45),
    ("/thresholds", "tab=set&category=商", ["VA1"]),
])
def test_the_venue_lists_filter_by_category_street_and_unit(client, many_venues, path, query, expected):  # noqa: F811
    if path == "/venues":
        enter(client, sub="ops.li", unit="OPS", menus=["venue_admin", "scan_admin"])
    else:
        enter(client, sub="a.zhang", unit="T-A")
    page = client.get(f"{path}?{query}").get_data(as_text=True)
    found = ids(page)
    if isinstance(expected, int):
        assert len(found) == expected and all(v.startswith("VG") for v in found)
    elif expected is None:
        assert found and "VB1" not in found and all(v in ("VA1", "VB1") or v.startswith("VG") for v in found)
    else:
        assert found == expected


def test_after_a_save_the_list_is_as_it_was_at_the_saved_rows_page(client, many_venues):  # noqa: F811
    token = enter(client, sub="ops.li", unit="OPS", menus=["venue_admin", "scan_admin"])
    listing = client.get("/venues?tab=set&category=测试类&sort=venue_name&dir=desc&size=20").get_data(as_text=True)
    first = html.unescape(re.search(r'<a href="(/venues/VG\d+/edit\?[^"]+)">编辑</a>', listing).group(1))
    assert parse_qs(urlsplit(first).query) == {"tab": ["set"], "category": ["测试类"], "sort": ["venue_name"],
                                               "dir": ["desc"], "size": ["20"]}     # the edit link keeps the list
    edit = "/venues/VG45/edit?" + urlsplit(first).query   # VG45 (生成场所055): the third page by name, descending
    res = client.post(edit, data={"csrf_token": token, "venue_name": "生成场所055", "category": "测试类", "unit_code": "T-A"})
    assert res.status_code == 302 and res.headers["Location"].endswith("#saved")
    state = parse_qs(urlsplit(res.headers["Location"]).query)
    assert state == {"tab": ["set"], "category": ["测试类"], "sort": ["venue_name"], "dir": ["desc"], "size": ["20"],
                     "saved": ["VG45"]}
    page = client.get(res.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert re.search(r'<tr class="saved" id="saved">\s*<td>VG45</td>', page)
    assert ids(page) == ["VG41", "VG42", "VG43", "VG44", "VG45"]   # page 3 of 20 by name, descending, filtered
