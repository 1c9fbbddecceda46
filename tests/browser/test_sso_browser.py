"""Signing on through CAS and OpenID Connect from inside OA's frame, in Debian's chromium (issue 45,
points 4 and 5). A stand-in OA page on another site (localhost, the zone on 127.0.0.1) frames the
zone's sign-on entry; the providers refuse to be framed (X-Frame-Options: DENY, CSP frame-ancestors
'none'); the zone's cookie is the cross-site one of a framed zone (SameSite=None, Secure,
Partitioned). The user opens the sign-on in a pop-up, signs on there, the pop-up closes and the
frame is signed on; a page is used; 退出专区 ends the session."""
from __future__ import annotations

import socket

from tests.browser.conftest import oa_portal, serve, shot
from tests.web.sso_servers import CLIENT, CasServer, put_user

CROSS_SITE = {"SESSION_COOKIE_SAMESITE": "None", "SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_PARTITIONED": True}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign_on_in_the_pop_up(page, frame, sign_on):
    """Click 在新窗口中登录 in the frame; do what the provider asks in the pop-up; it closes itself."""
    with page.expect_popup() as opened:
        frame.get_by_role("button", name="在新窗口中登录").click()
    popup = opened.value
    sign_on(popup)
    # The CAS stand-in signs on at once: the pop-up may be gone before this line. Playwright's sync
    # API handles events only while it waits, so nothing closes it between the check and the wait.
    if not popup.is_closed():
        popup.wait_for_event("close")


def use_and_leave(page, frame, who: str, name: str):
    frame.locator("h1", has_text="“扫码”预警").wait_for()
    assert frame.locator("header.top").count() == 0
    frame.get_by_role("link", name="详情").first.click()          # a page of the zone, inside the frame
    frame.locator("svg.chart").wait_for()
    assert frame.locator("footer.frame-foot").inner_text().startswith(f"{name}（{who}）")
    shot(page, f"oa-frame-sso-{who}")
    frame.get_by_role("button", name="退出专区").click()
    frame.get_by_text("您已退出疫情防控监管专区").wait_for()
    frame.get_by_role("link", name="返回").click()                 # the zone asks to enter from OA again
    frame.get_by_text("请从 OA 系统进入疫情防控监管专区").wait_for()


def test_oidc_from_inside_a_cross_site_oa_frame(seeded_db, tmp_path, page, provider):
    put_user(provider, "u-1001", {"preferred_username": "a.zhang", "name": "测试张", "unit": "T-A",
                                       "menus": ["alert", "scan_query"]})
    oa_port = free_port()
    config = CROSS_SITE | {"OA_ORIGIN": f"http://localhost:{oa_port}", "SSO_METHODS": ["jwt", "oidc"],
                           "OIDC_ISSUER": provider, "OIDC_CLIENT_ID": CLIENT, "OIDC_CLIENT_SECRET": "not-a-real-secret"}
    with serve(seeded_db, tmp_path, **config) as zone, oa_portal(oa_port, f"{zone}/sso/oidc?next=/alerts", host="localhost") as oa:
        page.goto(oa + "/")
        frame = page.frame_locator("iframe")
        frame.get_by_text("统一身份认证的登录页面不能在 OA 的页面框架内打开").wait_for()

        def at_the_provider(popup):
            popup.locator("input[name=sub]").fill("u-1001")
            popup.get_by_role("button", name="Authorize").click()
        sign_on_in_the_pop_up(page, frame, at_the_provider)
        use_and_leave(page, frame, "a.zhang", "测试张")


def test_cas_from_inside_a_cross_site_oa_frame(seeded_db, tmp_path, page):
    cas = CasServer()
    cas.users["u-1001"] = {"name": "测试李", "unit": "T-A", "menus": ["alert"]}   # the stand-in's default user
    oa_port = free_port()
    config = CROSS_SITE | {"OA_ORIGIN": f"http://localhost:{oa_port}", "SSO_METHODS": ["jwt", "cas"], "CAS_URL": cas.url}
    try:
        with serve(seeded_db, tmp_path, **config) as zone, oa_portal(oa_port, f"{zone}/sso/cas?next=/alerts", host="localhost") as oa:
            page.goto(oa + "/")
            frame = page.frame_locator("iframe")
            sign_on_in_the_pop_up(page, frame, lambda popup: None)   # the stand-in's login signs on at once
            use_and_leave(page, frame, "u-1001", "测试李")
    finally:
        cas.server.shutdown()
