"""Alerts on a phone (issue 48): at 375 × 812 (touch, mobile) a unit head signs on, sees what waits,
opens an alert and accepts it — no page scrolls sideways, the menu folds behind a button, the alert
list is cards with every field labelled, touch targets are at least 44 × 44 px, text at least 14 px,
the 7 days visible and the chart's labels readable. Also inside OA's frame (embed): no header at all.
Screenshots go to docs/img/ for the README."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, FLAGS, SHOTS, serve, shot
from tests.web.conftest import ticket

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture
def phone():
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_context(locale="zh-CN", **PHONE).new_page()
        page.set_default_timeout(20_000)
        yield page
        browser.close()


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url


def big_enough(locator, what: str):
    for i in range(locator.count()):
        box = locator.nth(i).bounding_box()
        assert box and box["width"] >= 44 and box["height"] >= 44, (what, i, box)


def text_size(locator) -> float:
    return locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")


def keep(name: str):
    IMG.mkdir(parents=True, exist_ok=True)
    shutil.copy(SHOTS / f"{name}.png", IMG / f"{name}.png")


def test_a_unit_head_accepts_an_alert_on_a_phone(seeded_db, tmp_path, phone):
    page = phone
    with serve(seeded_db, tmp_path) as zone:
        page.goto(f"{zone}/?ticket={ticket(sub='a.zhang', name='测试张')}")
        first_card = page.locator(".card").first
        first_card.wait_for()
        assert first_card.bounding_box()["y"] < 200                     # the counts first, not the menu
        assert not page.locator("nav.menu").is_visible()                # folded behind 菜单
        big_enough(page.locator(".menu-button"), "菜单")
        no_sideways_scroll(page)
        shot(page, "phone-home")
        keep("phone-home")

        page.locator(".menu-button").tap()
        page.locator("nav.menu").get_by_role("link", name="“扫码”预警").wait_for()
        big_enough(page.locator("nav.menu a"), "menu links")
        page.locator("nav.menu").get_by_role("link", name="“扫码”预警").tap()

        card = page.locator("table.cards-narrow tbody tr").first
        card.wait_for()
        no_sideways_scroll(page)
        shown = card.locator("td[data-label]").evaluate_all(   # each field's label, as the card shows it
            "tds => tds.filter(td => td.offsetParent).map(td => getComputedStyle(td, '::before').content)")
        assert shown == [f'"{label}："' for label in ("公共场所ID", "公共场所", "类别", "所在市区", "所在街道",
                                                       "预警时间段", "预警原因")]   # the seed's fields, in order
        assert card.bounding_box()["x"] + card.bounding_box()["width"] <= 375
        big_enough(card.locator("td.actions a"), "详情 and 接收")
        big_enough(card.locator("label.tap"), "the checkbox")
        assert text_size(card.locator("td").nth(2)) >= 14
        shot(page, "phone-alerts")
        keep("phone-alerts")

        card.get_by_role("link", name="详情").tap()
        page.locator("svg.chart.week").wait_for()
        no_sideways_scroll(page)
        days = page.locator("main table tbody tr")
        assert days.count() == 7
        for i in range(7):                                                # the 7 days on screen, not off to the right
            box = days.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        label = page.locator("svg.chart.week text.tick").first
        assert label.bounding_box()["height"] >= 10                      # readable, not a few pixels high
        accept = page.get_by_role("link", name="接收")
        big_enough(accept, "接收")
        shot(page, "phone-alert-detail")
        keep("phone-alert-detail")

        accept.tap()
        confirm = page.get_by_role("button", name="确认接收")
        confirm.wait_for()
        big_enough(confirm, "确认接收")
        confirm.tap()
        page.get_by_text("已接收 1 条预警").wait_for()
        no_sideways_scroll(page)


def test_inside_oas_frame_on_a_phone_there_is_no_header_at_all(seeded_db, tmp_path, phone):
    with serve(seeded_db, tmp_path) as zone:
        phone.goto(f"{zone}/alerts?embed=1&ticket={ticket(sub='a.zhang', name='测试张')}")
        phone.locator("table.cards-narrow tbody tr").first.wait_for()
        assert phone.locator("header.top").count() == 0 and phone.locator(".menu-button").count() == 0
        no_sideways_scroll(phone)
        big_enough(phone.locator("table.cards-narrow td.actions a"), "详情 and 接收")
