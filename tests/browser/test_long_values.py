"""A list keeps its layout with long values (issue 47, point 1): a venue stored as the province gave
it — an ID of 300 characters without a space, a name of 600 — wraps inside its cells, three lines at most with the
whole text on hover, in 场所信息管理's 未设置 list, in chromium at 1366×768: the table is no wider than the page and the row stays a row."""
from __future__ import annotations

import psycopg

from tests.browser.conftest import serve, shot
from tests.web.conftest import OPS_MENUS, ticket


def test_a_venue_with_very_long_values_keeps_the_list_readable(seeded_db, tmp_path, page):
    with psycopg.connect(seeded_db) as c:   # as discovery or the bulk load would store it
        c.execute("insert into epi.venue (venue_id, venue_name, source) values (%s, %s, 'bulk')", ("X" * 300, "长" * 600))
    with serve(seeded_db, tmp_path) as zone:
        page.goto(f"{zone}/venues?tab=unset&ticket={ticket(sub='ops.li', unit='OPS', menus=OPS_MENUS)}")
        table = page.locator("main table").first
        table.wait_for()
        shot(page, "venues-long-values", full=False)
        width = page.evaluate("document.documentElement.clientWidth")
        assert table.bounding_box()["width"] <= width
        row = page.locator("main table tbody tr", has_text="XXXXXXXXXX")
        assert row.bounding_box()["height"] < 120      # three lines; before: one giant row filled the page
        assert row.locator("span.clamp").first.get_attribute("title") == "X" * 300   # the whole ID on hover
        assert page.evaluate("document.documentElement.scrollWidth") <= width
