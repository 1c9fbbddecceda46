"""The modules' flows of issue 21 in a real browser (Debian's chromium): a unit filters its alerts
and accepts the selected ones after one confirmation, and combines conditions in 扫码统计查询; ops
picks a venue's unit (its head and phone follow, read-only), reads the record list with conditions
and deletes one import from the history. Screenshots go to var/screenshots/."""
from __future__ import annotations

import re

import psycopg
import pytest

from tests.browser.conftest import open_filters, serve, shot
from tests.conftest import SEALED_COLUMNS, sealed
from tests.web.conftest import OPS_MENUS, ticket


@pytest.fixture
def server(seeded_db, tmp_path):
    from tests.conftest import as_ops

    with psycopg.connect(seeded_db) as c:  # two more alerts of T-A, and a second import
        for venue, name, start, reason in (("VA2", "测试场所甲二", "2022-03-10", "大于阈值"),
                                           ("VA1", "测试场所甲一", "2022-03-20", "大于阈值")):
            c.execute("""insert into epi.alert (venue_id, venue_name, period_start, period_end, reason, flow_min, flow_max)
                         values (%s, %s, %s::date, %s::date + 6, %s, 10, 100)""", (venue, name, start, start, reason))
        as_ops(c, "ops.li")
        batch = c.execute("""insert into epi.import_batch (file_name, file_hash, row_count, imported_by)
                             values ('今早.xlsx', 'h9', 2, 'ops.li') returning batch_id""").fetchone()[0]
        person = sealed(None, None, "14400001234")
        c.execute(f"""insert into epi.scan (venue_id, collected_at, batch_id, imported_by, {SEALED_COLUMNS})
                      values ('VA1', '2022-03-05 08:00+08', %s, 'ops.li', {person}),
                             ('VB1', '2022-03-05 09:00+08', %s, 'ops.li', {person})""", (batch, batch))
    with serve(seeded_db, tmp_path) as base:
        yield base


def test_a_unit_filters_its_alerts_and_accepts_the_selected_at_once(server, page):
    page.goto(f"{server}/alerts?ticket={ticket(sub='a.zhang', name='测试张')}")
    page.get_by_text("未接收（3）").wait_for()
    open_filters(page)
    page.get_by_label("预警原因").select_option("大于阈值")
    page.get_by_role("button", name="查询").click()
    page.get_by_text("未接收（2）").wait_for()
    assert page.locator("tbody tr").count() == 2
    page.locator("#check-all").check()
    assert page.locator('input[name="alert_id"]:checked').count() == 2
    shot(page, "unit-alerts-selected")
    page.get_by_role("button", name="接收所选").click()
    page.locator("#confirm-dialog").get_by_text("确认接收所选的 2 条预警").wait_for()
    shot(page, "unit-alerts-accept-confirm")
    page.locator("#confirm-dialog").get_by_role("button", name="确认接收").click()
    page.get_by_text("已接收 2 条预警").wait_for()
    assert "未接收（1）" in page.content()
    # per row, from the list
    page.locator("tbody tr").first.get_by_role("link", name="接收").click()
    page.get_by_role("button", name="确认接收").click()
    page.get_by_text("已接收 1 条预警").wait_for()
    assert "未接收（0）" in page.content() and "已接收（3）" in page.content()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_a_unit_combines_conditions_in_the_statistics(server, page):
    page.goto(f"{server}/stats?from=2022-03-01&to=2022-03-31&ticket={ticket(sub='a.zhang', name='测试张')}")
    assert page.locator("tbody tr").count() == 2
    page.get_by_label("所在街道").fill("三埠")
    page.get_by_role("button", name="统计").click()
    page.wait_for_url(re.compile("street="))
    assert [r.split("\t")[0] for r in page.locator("tbody tr").all_inner_texts()] == ["VA2"]
    assert page.get_by_label("所在街道").input_value() == "三埠"
    shot(page, "unit-stats-conditions")


def test_ops_pick_a_venues_unit_and_its_head_follows_read_only(server, page):
    page.goto(f"{server}/venues/VX/edit?ticket={ticket(sub='ops.li', unit='OPS', menus=OPS_MENUS, name='测试运维')}")
    head, phone = page.get_by_label("监管单位负责人", exact=True), page.get_by_label("监管单位负责人手机号")
    assert head.input_value() == "" and head.get_attribute("readonly") is not None
    page.get_by_label("监管单位", exact=True).select_option("T-B")
    assert head.input_value() == "测试负责人乙" and phone.input_value() == "14400000002"
    assert page.get_by_label("所在市区").input_value() == "开平市"
    shot(page, "ops-venue-edit")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存场所 VX").wait_for()
    assert "VX" in page.locator("tbody").inner_text()


def test_ops_read_the_record_list_and_delete_one_import(server, page):
    page.goto(f"{server}/scan-admin?ticket={ticket(sub='ops.li', unit='OPS', menus=OPS_MENUS, name='测试运维')}")
    page.get_by_role("link", name="查看扫码记录").click()
    assert page.locator("tbody tr").count() == 9
    open_filters(page)
    page.get_by_label("联系电话").fill("14400001234")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    assert "14400001234" not in page.url and "phone" not in page.url   # posted (issue 42, point 6)
    rows = page.locator("tbody tr").all_inner_texts()
    assert len(rows) == 2 and all("144****1234" in r for r in rows) and not any("14400001234" in r for r in rows)
    shot(page, "ops-scan-records")

    page.goto(f"{server}/scan-admin")
    history = page.locator("tr", has_text="今早.xlsx")
    assert history.locator("td").nth(3).inner_text() == "2"   # 现存条数
    history.get_by_role("button", name="删除本次导入").click()
    dialog = page.locator("#confirm-dialog")
    dialog.get_by_text("共 2 条").wait_for()  # the preview, in the page's dialog
    shot(page, "ops-batch-delete-preview")
    dialog.get_by_role("button", name="确认删除 2 条").click()
    page.get_by_text("的 2 条扫码记录").wait_for()
    page.goto(f"{server}/scan-admin")
    history = page.locator("tr", has_text="今早.xlsx")
    assert history.locator("td").nth(3).inner_text() == "0"
    assert history.get_by_role("button", name="删除本次导入").count() == 0
