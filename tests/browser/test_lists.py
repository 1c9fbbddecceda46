"""Lists staff work in all day (issue 23) in a real browser (Debian's chromium): sorting and paging,
scan lists paged both ways, the wide table scrolling inside itself, the Chinese date picker in a
browser whose language is English, a bad condition shown inline, confirmations in the page's
dialog, and the live import page. Screenshots go to var/screenshots/."""
from __future__ import annotations

import contextlib
import datetime as dt
import re

import pytest

from tests.browser.conftest import CHROMIUM, FLAGS, open_filters, serve, shot
from tests.loaders import workbooks as wbk
from tests.web.conftest import OPS_MENUS, ticket
from tests.web.test_lists import many_scans, many_venues  # noqa: F401 (fixtures)

OPS = {"sub": "ops.li", "unit": "OPS", "menus": OPS_MENUS, "name": "测试运维"}


@pytest.fixture
def server(many_venues, many_scans, tmp_path):  # noqa: F811
    with serve(many_scans, tmp_path) as base:
        yield base


@pytest.fixture
def english_page():
    """A chromium whose language is English (the picker must not follow it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*FLAGS, "--lang=en-US"], headless=True)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
        pg = context.new_page()
        pg.set_default_timeout(20_000)
        yield pg
        browser.close()


def test_a_list_sorts_by_a_header_and_pages_by_number_and_size(server, page):
    page.goto(f"{server}/venues?tab=set&ticket={ticket(**OPS)}")
    page.get_by_text("共 48 条").first.wait_for()
    assert page.locator("tbody tr").count() == 20
    page.get_by_role("link", name="公共场所", exact=True).click()
    page.wait_for_url(re.compile("sort=venue_name"))
    assert page.locator("th[aria-sort=ascending]").inner_text() == "公共场所"
    names = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert names == sorted(names)
    page.get_by_role("link", name="公共场所", exact=True).click()  # again: the other way
    page.wait_for_url(re.compile("dir=desc"))
    assert page.locator("th[aria-sort=descending]").count() == 1
    page.locator(".pager").first.get_by_role("link", name="2", exact=True).click()
    page.wait_for_url(re.compile("page=2"))
    assert page.locator('.pager [aria-current="page"]').first.inner_text() == "2"
    page.locator(".pager .sizes").first.get_by_role("link", name="50").click()
    page.wait_for_url(re.compile("size=50"))
    assert page.locator("tbody tr").count() == 48
    shot(page, "lists-venues-sorted", full=False)


def test_a_scan_list_pages_forward_and_back_in_the_chosen_order(server, page):
    page.goto(f"{server}/scans?ticket={ticket(sub='a.zhang', name='测试张')}")
    page.get_by_text("共 123 条").first.wait_for()
    page.get_by_role("link", name="数据导入时间").click()
    page.wait_for_url(re.compile("sort=imported_at"))
    first = page.locator("tbody tr").all_inner_texts()
    page.locator(".pager").first.get_by_role("link", name="下一页").click()
    page.wait_for_url(re.compile("after="))
    assert page.locator("tbody tr").all_inner_texts() != first
    page.locator(".pager").first.get_by_role("link", name="上一页").click()
    page.wait_for_url(re.compile("before="))
    assert page.locator("tbody tr").all_inner_texts() == first
    shot(page, "lists-scans-imported-order", full=False)


def urls_of(page) -> list[str]:
    """Every URL the page holds: its address, its links, its forms' actions and buttons' formactions."""
    return [page.url, *page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"),
            *page.eval_on_selector_all("form", "els => els.map(e => e.action)"),
            *page.eval_on_selector_all("[formaction]", "els => els.map(e => e.formAction)")]


def test_a_search_by_id_number_keeps_it_out_of_every_url(server, page):
    """Issue 42, point 6: searched by a full 被采集人身份证, then sorted, paged forward and back and
    exported — the number is in no address, link, form action or history entry (it travels in POST
    bodies only); a search without a personal value still answers with its own URL."""
    full, seen = "00000000000000000X", []
    page.goto(f"{server}/scans?ticket={ticket(sub='a.zhang', name='测试张')}")
    page.get_by_text("共 123 条").first.wait_for()
    open_filters(page)
    page.locator('input[name="id_card"]').fill(full)
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    assert page.locator('input[name="id_card"]').first.input_value() == full   # the search held, not lost
    page.get_by_text("共 123 条").first.wait_for()
    seen += urls_of(page)
    for name in ("数据导入时间", "下一页", "上一页"):
        with page.expect_navigation():
            page.get_by_role("button", name=name).first.click()
        page.get_by_text("共 123 条").first.wait_for()
        seen += urls_of(page)
    assert page.locator("th[aria-sort]").inner_text().startswith("数据导入时间")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 Excel").click()
    seen.append(download.value.url)
    depth = page.evaluate("history.length")
    for _ in range(depth - 1):   # every history entry, walked back
        with contextlib.suppress(Exception):
            page.go_back(wait_until="commit")
        seen.append(page.url)
    assert len(seen) > 20 and not [u for u in seen if full in u or "id_card" in u]
    page = page.context.new_page()                        # a search by no personal value: its URL
    page.goto(f"{server}/scans")
    open_filters(page)
    page.locator('input[name="venue_id"]').fill("VA1")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"/scans\?venue_id=VA1$"))


@pytest.mark.parametrize("width", [1366, 1024, 768])
def test_the_wide_scan_table_scrolls_inside_itself_with_header_and_first_column_fixed(server, page, width):
    page.set_viewport_size({"width": width, "height": 768})
    page.goto(f"{server}/scans?ticket={ticket(sub='a.zhang', name='测试张')}")
    page.locator("table.dense").wait_for()
    sizes = page.evaluate("""() => { const box = document.querySelector('.scroll.wide');
        return {page: document.documentElement.scrollWidth, window: window.innerWidth,
                inner: box.scrollWidth, box: box.clientWidth, tall: box.scrollHeight, high: box.clientHeight}; }""")
    assert sizes["page"] <= sizes["window"], sizes  # the page itself never scrolls sideways
    assert sizes["inner"] > sizes["box"], sizes     # the 18 columns scroll inside the table's box
    before = page.evaluate("""() => { const box = document.querySelector('.scroll.wide');
        const th = box.querySelector('thead th'), td = box.querySelector('tbody td');
        const top = th.getBoundingClientRect().top, left = td.getBoundingClientRect().left;
        box.scrollTop = 400; box.scrollLeft = 600;
        return [top, left]; }""")
    after = page.evaluate("""() => { const box = document.querySelector('.scroll.wide');
        return [box.querySelector('thead th').getBoundingClientRect().top,
                box.querySelector('tbody tr:nth-child(12) td').getBoundingClientRect().left,
                box.scrollTop, box.scrollLeft]; }""")
    assert after[2] > 0 and after[3] > 0  # it did scroll both ways
    assert abs(after[0] - before[0]) < 1 and abs(after[1] - before[1]) < 1  # header row and 公共场所ID stayed
    if width == 1024:
        shot(page, "lists-scans-1024", full=False)


def test_the_date_picker_speaks_chinese_in_an_english_browser(server, english_page):
    page = english_page
    page.goto(f"{server}/scans?ticket={ticket(sub='a.zhang', name='测试张')}")
    open_filters(page)
    page.locator('input[name="collected_from"]').click()
    picker = page.locator(".datepicker")
    picker.wait_for()
    today = dt.date.today()
    assert picker.locator(".dp-title").inner_text() == f"{today.year}年{today.month}月"
    assert picker.locator("th").all_inner_texts() == list("一二三四五六日")
    shot(page, "lists-date-picker")
    picker.get_by_role("button", name="近7天").click()
    assert page.locator('input[name="collected_from"]').input_value() == (today - dt.timedelta(days=6)).isoformat()
    assert page.locator('input[name="collected_to"]').input_value() == today.isoformat()
    # one day picked in another month; the range's second input gets the shortcuts too
    page.locator('input[name="collected_to"]').click()
    picker.get_by_role("button", name="上个月").click()
    last = today.replace(day=1) - dt.timedelta(days=1)
    picker.get_by_role("button", name=f"{last.year}年{last.month}月15日").click()
    assert page.locator('input[name="collected_to"]').input_value() == last.replace(day=15).isoformat()
    page.locator('input[name="collected_from"]').click()
    picker.get_by_role("button", name="本月").click()
    assert page.locator('input[name="collected_from"]').input_value() == today.replace(day=1).isoformat()
    # the statistics and the alert list use the same picker
    for path, name in (("/stats", "from"), ("/alerts", "period_from")):
        page.goto(server + path)
        open_filters(page)
        page.locator(f'input[name="{name}"]').click()
        page.locator(".datepicker .dp-shortcuts").get_by_role("button", name="今天").click()
        assert page.locator(f'input[name="{name}"]').input_value() == today.isoformat()
    assert page.locator('input[type="date"]').count() == 0


def test_a_bad_condition_is_shown_beside_the_conditions(server, page):
    page.goto(f"{server}/scans?ticket={ticket(sub='a.zhang', name='测试张')}")
    open_filters(page)
    page.locator('input[name="collected_from"]').fill("2026-13-45")
    page.get_by_role("button", name="查询").click()
    message = page.get_by_role("alert")
    message.wait_for()
    assert message.inner_text() == "采集时间（起）：不存在的日期或时间“2026-13-45”"
    assert page.locator('input[name="collected_from"]').get_attribute("aria-invalid") == "true"
    assert page.locator("h1").inner_text() == "扫码进场信息查询"  # the page, not the error page
    shot(page, "lists-inline-error", full=False)


def test_a_delete_asks_in_the_pages_dialog_and_the_list_shows_the_result(server, page):
    page.goto(f"{server}/venues?tab=set&q=VG07&ticket={ticket(**OPS)}")
    page.get_by_role("link", name="删除").click()
    dialog = page.locator("dialog#confirm-dialog")
    dialog.get_by_text("确认删除场所“生成场所093”（VG07）").wait_for()
    assert page.url.endswith("q=VG07")  # still the list, under the dialog
    shot(page, "lists-delete-dialog", full=False)
    dialog.get_by_role("button", name="取消").click()
    assert not dialog.is_visible()
    page.get_by_role("link", name="删除").click()
    dialog.get_by_role("button", name="确认删除").click()
    page.get_by_text("已删除场所 VG07").wait_for()
    assert "共 0 条" in page.content() or "VG07" not in page.locator("tbody").inner_text()


def test_the_import_page_shows_progress_and_refreshes_without_a_reload(server, page, tmp_path):
    path = wbk.csv_file(tmp_path / "今天.csv", wbk.rows_with_times(["2022-03-09 08:00", "2022-03-09 09:15"]))
    page.goto(f"{server}/scan-admin?ticket={ticket(**OPS)}")
    page.locator('input[type="file"]').set_input_files(str(path))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_url(re.compile("job="))
    page.evaluate("window.__same_page = true")
    job = page.locator(".job").first
    page.locator('.job[data-state="done"]').first.wait_for(timeout=60_000)
    assert "共写入 2 行，用时" in job.locator(".job-count").inner_text()
    assert job.locator("progress").get_attribute("value") == "100"
    page.locator("#latest-collected", has_text="2022-03-09 09:15:00").wait_for()
    page.locator("#history", has_text="今天.csv").wait_for()
    # the data calendar too (issue 47, point 6): the imported day is no longer 无数据
    page.locator("#calendar td.has", has=page.locator("b", has_text=re.compile("^9$"))).wait_for()
    assert page.evaluate("window.__same_page") is True  # refreshed in place, not reloaded
    assert "命令行" not in page.content()
    shot(page, "lists-import-done")
    job.get_by_role("button", name="关闭此导入的提示").click()
    assert page.locator(".job").count() == 0
    page.reload()
    assert page.locator(".job").count() == 0  # closed stays closed


def test_an_overlapping_export_is_refused_with_its_count_and_imported_after_the_dialog(server, page, tmp_path):
    """Issue 51, point 2: the records of another file stored already are named (how many, from when
    to when); the same file chosen again and confirmed in the page's dialog imports every record."""
    first = wbk.csv_file(tmp_path / "上午.csv", wbk.rows_with_times(["2022-03-09 08:00", "2022-03-09 09:15"]))
    page.goto(f"{server}/scan-admin?ticket={ticket(**OPS)}")
    page.locator('input[type="file"]').set_input_files(str(first))
    page.get_by_role("button", name="上传并导入").click()
    page.locator('.job[data-state="done"]').first.wait_for(timeout=60_000)
    overlap = wbk.csv_file(tmp_path / "全天.csv", wbk.rows_with_times(["2022-03-09 09:15", "2022-03-09 17:30"]))
    page.locator('#upload input[type="file"], form.upload input[type="file"]').first.set_input_files(str(overlap))
    page.get_by_role("button", name="上传并导入").click()
    refused = page.locator('.job[data-state="failed"]').first
    refused.wait_for(timeout=60_000)
    assert "本文件 2 条中有 1 条与已导入记录相同（最早 2022-03-09 09:15:00，最晚 2022-03-09 09:15:00），仍要导入吗？" \
        in refused.inner_text()
    shot(page, "lists-import-duplicates")
    refused.locator('input[type="file"]').set_input_files(str(overlap))
    refused.get_by_role("button", name="确认仍要导入").click()
    dialog = page.locator("dialog#confirm-dialog")
    dialog.get_by_text("该文件（或其中的记录）已导入过，再次导入会使这些记录重复。确认仍要导入吗？").wait_for()
    dialog.get_by_role("button", name="确认").click()
    page.locator('.job[data-state="done"]', has_text="全天.csv").first.wait_for(timeout=60_000)
    page.locator("#history", has_text="全天.csv（确认后重复导入）").wait_for()


UNIT_PAGES = ["/", "/thresholds?tab=set", "/thresholds/VA1", "/scans", "/stats?from=2022-03-01&to=2022-03-31",
              "/stats/VA1?from=2022-03-01&to=2022-03-31", "/alerts", "/alerts?status=已接收"]
OPS_PAGES = ["/", "/venues?tab=set", "/venues/new", "/venues/VA1/edit", "/scan-admin", "/scan-admin/scans"]


@pytest.mark.parametrize("width", [1366, 1024, 768])
def test_no_page_scrolls_sideways_tables_scroll_inside_themselves(server, page, width):
    page.set_viewport_size({"width": width, "height": 800})
    wide = []
    for who, pages in ((ticket(sub="a.zhang", name="测试张"), UNIT_PAGES), (ticket(**OPS), OPS_PAGES)):
        page.context.clear_cookies()
        page.goto(f"{server}/?ticket={who}")
        for path in pages:
            page.goto(server + path)
            page.locator("main h1").wait_for()
            over = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            if over > 0:
                wide.append((path, over))
    assert not wide, f"pages wider than {width} px: {wide}"
