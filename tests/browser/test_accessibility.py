"""Accessibility (issue 24): axe-core (axe-playwright-python's bundled copy) on every page the zone
serves, as a unit, as ops and as the audit menu, with the filter boxes open and a confirmation open in
the page's dialog; any serious or critical violation fails the test, naming the page, the rule and
the elements."""
from __future__ import annotations

import psycopg
import pytest

from tests.browser.conftest import open_filters, serve
from tests.web.conftest import OPS_MENUS, ticket
from tests.web.test_sms_in_doubt import in_doubt  # noqa: F401 (fixture)

UNIT = {"sub": "a.zhang", "unit": "T-A", "name": "测试甲"}
OPS = {"sub": "ops.li", "unit": "OPS", "menus": OPS_MENUS, "name": "测试运维"}
AUDITOR = {"sub": "audit.wang", "unit": "AUD", "menus": ["audit"], "name": "测试审计"}
RANGE = "from=2022-03-01&to=2022-03-07"

UNIT_PAGES = ["/", "/alerts", "/alerts?tab=accepted", "/alerts/{alert}", "/alerts/{alert}/accept",
              "/thresholds", "/thresholds?tab=unset", "/thresholds/VA1", "/scans", "/scans?venue_id=VA1&" + RANGE,
              "/scans?venue_id=nothing", "/scans/{scan}/reveal", "/stats?" + RANGE, "/stats/VA1?" + RANGE,
              "/stats?from=bad", "/no-such-page"]
OPS_PAGES = ["/", "/venues", "/venues?tab=unset", "/venues/new", "/venues/VA1/edit", "/venues/VA1/delete",
             "/scan-admin", "/scan-admin/scans", "/alerts", "/alerts/{alert}", "/stats?" + RANGE, "/sms/{sms}/resend"]
AUDIT_PAGES = ["/audit", "/audit?account=a.zhang"]


def serious(page, filters=True) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    if filters:
        open_filters(page)
    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(
                " ".join(n["target"]) + " [" + " ".join(n.get("failureSummary", "").split())[:160] + "]" for n in v["nodes"][:3])
            for v in found if v["impact"] in ("serious", "critical")]


@pytest.fixture
def ids(seeded_db, in_doubt):  # noqa: F811
    with psycopg.connect(seeded_db) as c:
        alert = c.execute("select alert_id from epi.alert where venue_id = 'VA1'").fetchone()[0]
        scan = c.execute("select scan_id from epi.scan where venue_id = 'VA1' order by 1 limit 1").fetchone()[0]
    return {"alert": alert, "scan": scan, "sms": in_doubt["T-A"]}


@pytest.mark.parametrize("who,paths", [("unit", UNIT_PAGES), ("ops", OPS_PAGES), ("audit", AUDIT_PAGES)])
def test_no_page_has_a_serious_or_critical_accessibility_violation(seeded_db, ids, page, tmp_path, who, paths):
    claims = {"unit": UNIT, "ops": OPS, "audit": AUDITOR}[who]
    problems = {}
    with serve(seeded_db, tmp_path) as base:
        page.goto(f"{base}/?ticket={ticket(**claims)}")
        for path in paths:
            page.goto(base + path.format(**ids))
            page.wait_for_load_state("networkidle")
            if found := serious(page):
                problems[path] = found
    assert not problems, "\n".join(f"{path}: {line}" for path, lines in problems.items() for line in lines)


def test_the_open_dialog_and_date_picker_have_no_serious_violation(seeded_db, ids, page, tmp_path):
    with serve(seeded_db, tmp_path) as base:
        page.goto(f"{base}/?ticket={ticket(**UNIT)}")
        page.goto(f"{base}/alerts")
        page.locator("a[data-dialog]").first.click()   # 接收: its confirmation in the page's dialog
        page.locator("dialog[open]").wait_for()
        assert serious(page, filters=False) == []
        page.goto(f"{base}/scans")
        open_filters(page)
        page.locator("input[data-date]").first.click()
        page.locator(".datepicker").first.wait_for()
        assert serious(page) == []


def test_at_768_pixels_the_scrolling_tables_stay_reachable_by_keyboard(seeded_db, ids, page, tmp_path):
    page.set_viewport_size({"width": 768, "height": 700})
    with serve(seeded_db, tmp_path) as base:
        page.goto(f"{base}/?ticket={ticket(**OPS)}")
        problems = {}
        for path in ("/scan-admin/scans", "/venues", "/alerts", "/stats?" + RANGE, "/scan-admin"):
            page.goto(base + path)
            if found := serious(page):
                problems[path] = found
        assert not problems, problems
        page.goto(f"{base}/scan-admin/scans")
        region = page.locator(".scroll.wide")
        assert region.evaluate("e => e.scrollWidth > e.clientWidth")  # it does scroll sideways here
        region.focus()
        page.keyboard.press("ArrowRight")
        # Chromium animates a keyboard scroll: wait for it to move (up to 5 s) rather than read at once
        page.wait_for_function("e => e.scrollLeft > 0", arg=region.element_handle(), timeout=5000)
        assert region.evaluate("e => e.scrollLeft") > 0
