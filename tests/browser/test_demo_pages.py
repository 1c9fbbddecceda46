"""The demo data set in a real browser: what a unit and ops see after `invoke demo` (a small
version of the set, fixed dates). The screenshots in docs/img/ come from this test
(var/screenshots/demo-*.png)."""
from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from db import database
from demo.load import load_demo
from jobs import gateways, runner
from tests.browser.conftest import serve, shot
from tests.demo.test_demo import SMALL as _SMALL
from tests.web.conftest import OPS_MENUS, ticket

# a month of a mid-sized town: enough for each unit to have several alerts of both kinds
SMALL = dict(_SMALL, days=35, venues=250, scans_per_day=2500)


@pytest.fixture
def demo_db(fresh_db, tmp_path):
    web = database.web_url(database.database_name(fresh_db))
    assert load_demo(root=tmp_path / "demo", url=web, echo=lambda _: None, options=SMALL).status == "loaded"
    runs = runner.run("nightly", SMALL["end"] + dt.timedelta(days=1), url=database.jobs_url(database.database_name(fresh_db)),
                      gateway=gateways.LogGateway())
    assert all(r["ok"] for r in runs)
    return fresh_db


def test_a_unit_sees_its_demo_alerts_and_statistics_and_ops_the_venues_to_complete(demo_db, page, tmp_path):
    with psycopg.connect(demo_db) as c:
        unit, unit_name, pending = c.execute(
            """select v.unit_code, u.unit_name, count(*) from epi.alert a join epi.venue v using (venue_id)
                 join epi.unit u using (unit_code) where a.status = '未接收'
                group by 1, 2 order by 3 desc, 1 limit 1""").fetchone()
        others = c.execute("""select count(*) from epi.alert a join epi.venue v using (venue_id)
                               where v.unit_code <> %s""", (unit,)).fetchone()[0]
        discovered = [v for (v,) in c.execute("select venue_id from epi.venue where source = 'discovery'")]
    assert pending and others and discovered

    with serve(demo_db, tmp_path) as base:
        page.goto(f"{base}/?ticket={ticket(sub='demo.unit', unit=unit, name='测试演示')}")
        page.get_by_text("条未接收的“扫码”预警").wait_for()
        assert page.locator(".big").first.inner_text().strip() == str(pending)
        shot(page, "demo-unit-home")
        page.goto(f"{base}/alerts")
        page.get_by_text(f"未接收（{pending}）").wait_for()
        rows = page.locator("table tbody tr")
        assert rows.count() == pending            # only this unit's alerts
        shot(page, "demo-unit-alerts")
        rows.first.get_by_role("link", name="详情").click()
        page.locator("svg.chart").wait_for()
        shot(page, "demo-unit-alert-detail")
        page.goto(f"{base}/alerts?reason=大于阈值")
        page.locator("#check-all").check()
        shot(page, "demo-unit-alerts-filtered")

        page.goto(f"{base}/thresholds?tab=set")
        page.get_by_role("link", name="设置阈值").first.click()
        page.get_by_label("场所日人流量阈值（最小值）").wait_for()
        shot(page, "demo-unit-threshold-detail")

        first = (SMALL["end"] - dt.timedelta(days=SMALL["days"] - 1)).isoformat()
        page.goto(f"{base}/stats?from={first}&to={SMALL['end'].isoformat()}")
        assert page.locator("table tbody tr").count() > 1
        assert all(unit_name in r for r in page.locator("table tbody tr").all_inner_texts())
        shot(page, "demo-unit-stats")
        page.locator("table tbody tr").first.get_by_role("link").last.click()
        page.locator("svg.chart").wait_for()
        shot(page, "demo-unit-stats-venue")
        page.go_back()
        category = page.locator("table tbody tr").first.locator("td").nth(2).inner_text()
        page.get_by_label("类别").fill(category)
        page.get_by_role("button", name="统计").click()
        page.wait_for_url(lambda url: "category=" in url)
        assert all(category in r for r in page.locator("table tbody tr").all_inner_texts())
        shot(page, "demo-unit-stats-conditions")

        # OA opens another account's entry in the same browser: the zone asks before switching
        page.goto(f"{base}/venues?tab=unset&ticket={ticket(sub='ops.demo', unit='OPS', menus=OPS_MENUS, name='测试运维')}")
        assert "测试运维（ops.demo）" in page.locator("form.confirm").inner_text()
        page.get_by_role("button", name="切换账号").click()
        page.wait_for_url(f"{base}/venues?tab=unset")
        text = page.locator("table").inner_text()
        assert all(v in text for v in discovered)
        shot(page, "demo-ops-venues-unset")
        page.goto(f"{base}/venues?tab=set")
        shot(page, "demo-ops-venues-set", full=False)
        page.goto(f"{base}/scan-admin/scans")
        assert page.locator("table tbody tr").count() == 50
        shot(page, "demo-ops-scan-records", full=False)
        page.goto(f"{base}/scan-admin")
        shot(page, "demo-ops-scan-admin")
        page.goto(f"{base}/")
        page.get_by_text("数据日历").wait_for()
        shot(page, "demo-ops-home")
