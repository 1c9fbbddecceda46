"""Issue 47, point 9, the smaller points a clerk hit: full-width digits are a number where a number is
asked (NFKC); a unit whose head has no valid mobile number is listed on the ops home (its texts
cannot be delivered). (The import error's label once: tests/loaders; the 403's 【】: tests/web/test_app;
the calendar's future days: tests/web/test_import_panels; the SMS line once: tests/jobs.)"""
from __future__ import annotations

import re

import psycopg

from tests.web.conftest import enter


def test_full_width_digits_are_a_threshold(client, seeded_db):
    token = enter(client, sub="a.zhang", unit="T-A")
    res = client.post("/thresholds/VA1", data={"csrf_token": token, "flow_min": "０５", "flow_max": "１２０"})
    assert res.status_code == 302
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select flow_min, flow_max from epi.venue where venue_id = 'VA1'").fetchone() == (5, 120)
        assert c.execute("select count(*) from epi.threshold_problems('０５', '１２０')").fetchone()[0] == 0
        assert c.execute("select message from epi.threshold_problems('５x', null)").fetchone()[0] == \
            "场所日人流量阈值（最小值）必须是不小于0的整数"


def test_the_ops_home_lists_units_whose_heads_have_no_valid_phone(client, seeded_db):
    with psycopg.connect(seeded_db) as c:
        c.execute("update epi.unit set head_phone = null where unit_code = 'T-B'")
        c.execute("update epi.unit set head_phone = '0750-1234567' where unit_code = 'T-A'")
    enter(client, sub="ops.li", unit="OPS", menus=["venue_admin", "scan_admin"])
    page = client.get("/").get_data(as_text=True)
    table = re.search(r'<table id="units-without-phone">(.*?)</table>', page, re.S).group(1)
    assert re.findall(r"<tr><td>(T-[AB])</td>", table) == ["T-A", "T-B"] and "（空）" in table
    assert "0750-1234567" not in table                            # masked as every phone
    assert "预警短信无法送达" in page
