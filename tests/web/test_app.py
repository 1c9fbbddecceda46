"""App start-up, health, security headers, sign-on and refusals."""
from __future__ import annotations

import pytest

from db import database
from tests.web.conftest import SECRET, enter, ticket
from web import ConfigError, create_app


def test_healthz_answers_when_the_database_does(client):
    res = client.get("/healthz")
    assert res.status_code == 200 and res.get_json() == {"status": "ok"}


def test_healthz_answers_and_readyz_reports_a_database_that_does_not(db_url):
    bad = database.with_params(database.web_url(database.database_name(db_url)), dbname="no_such_database_x")
    app = create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "DATABASE_WEB_URL": bad})
    assert app.test_client().get("/healthz").status_code == 200          # the process answers
    res = app.test_client().get("/readyz")
    assert res.status_code == 503 and res.get_json() == {"error": "数据库无法连接（如在主备切换中，稍后自动恢复）"}
    assert res.headers["Retry-After"] == "5"
    res = app.test_client().get("/healthz/jobs")
    assert res.status_code == 503 and res.get_json()["reasons"] == ["数据库无法连接"]


def test_the_app_refuses_to_start_without_a_secret_or_with_dev_login_in_production(monkeypatch):
    monkeypatch.delenv("EPI_OA_JWT_SECRET", raising=False)
    monkeypatch.delenv("EPI_DEV_LOGIN", raising=False)
    with pytest.raises(ConfigError, match="EPI_OA_JWT_SECRET"):
        create_app({"TESTING": True})
    monkeypatch.setenv("EPI_DEV_LOGIN", "1")
    monkeypatch.setenv("EPI_PRODUCTION", "1")
    with pytest.raises(ConfigError, match="生产模式"):
        create_app({"TESTING": True})


def test_dev_login_exists_only_when_enabled(client):
    assert client.get("/dev-login").status_code == 404


def test_security_headers(client):
    res = client.get("/healthz")
    csp = res.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp and "script-src 'self'" in csp
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "no-referrer"


def test_frame_ancestors_follow_the_configured_oa_origin(app):
    app.config["OA_ORIGIN"] = "https://oa.kaiping.example"
    assert "frame-ancestors https://oa.kaiping.example" in app.test_client().get("/healthz").headers[
        "Content-Security-Policy"]


def test_no_ticket_is_401_in_chinese(client):
    res = client.get("/alerts")
    assert res.status_code == 401 and "请从 OA 系统进入" in res.get_data(as_text=True)
    res = client.get("/api/alerts")
    assert res.status_code == 401 and res.get_json() == {"error": "请从 OA 系统进入疫情防控监管专区"}


@pytest.mark.parametrize("token, message", [
    (lambda: ticket(secret="someone-else-entirely-0123456789abcdef"), "登录凭据签名无效"),
    (lambda: ticket(exp_in=-120), "登录凭据已过期"),
    (lambda: "not.a.jwt", "登录凭据无效"),
    (lambda: ticket(sub=""), "缺少账号"),
])
def test_bad_tickets_are_refused(client, token, message):
    res = client.get("/?ticket=" + token())
    assert res.status_code == 401 and message in res.get_data(as_text=True)
    res = client.get("/api/alerts", headers={"Authorization": "Bearer " + token()})
    assert res.status_code == 401 and message in res.get_json()["error"]


def test_a_ticket_signs_in_and_leaves_the_url(client):
    res = client.get("/alerts?status=已接收&ticket=" + ticket())
    from urllib.parse import unquote

    assert res.status_code == 302 and unquote(res.headers["Location"]) == "/alerts?status=已接收"
    cookie = res.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/").get_data(as_text=True)
    assert "测试张" in page and "“扫码”预警" in page and "场所信息管理" not in page


def test_session_cookie_is_secure_by_default(seeded_db, monkeypatch):
    monkeypatch.delenv("EPI_COOKIE_SECURE", raising=False)
    app = create_app({"TESTING": True, "OA_JWT_SECRET": SECRET,
                      "DATABASE_WEB_URL": database.web_url(database.database_name(seeded_db))})
    res = app.test_client().get("/?ticket=" + ticket())
    assert "Secure" in res.headers["Set-Cookie"]


@pytest.mark.parametrize("path, menu", [("/venues", "场所信息管理"), ("/scan-admin", "扫码进场信息管理"),
                                        ("/thresholds", "场所人流量阈值管理"), ("/scans", "扫码进场信息查询"),
                                        ("/stats", "扫码统计查询"), ("/alerts", "“扫码”预警")])
def test_every_page_refuses_a_user_without_its_menu(client, path, menu):
    enter(client, menus=[])
    res = client.get(path)
    # in 【】 as the pages name menus: “扫码”预警 keeps its own quotes, no mixed ones around it (issue 47)
    assert res.status_code == 403 and f"您没有【{menu}】菜单的权限" in res.get_data(as_text=True)
    assert "““" not in res.get_data(as_text=True) and "“【" not in res.get_data(as_text=True)


@pytest.mark.parametrize("method, path", [("get", "/api/venues"), ("put", "/api/venues/VA1/threshold"),
                                          ("get", "/api/scans"), ("get", "/api/stats"), ("get", "/api/alerts"),
                                          ("post", "/api/alerts/1/accept")])
def test_every_api_route_refuses_a_token_without_its_menu(client, method, path):
    res = getattr(client, method)(path, headers={"Authorization": "Bearer " + ticket(menus=["scan_query"] if
                                                 "scans" not in path else ["alert"])}, json={})
    assert res.status_code == 403 and "菜单的权限" in res.get_json()["error"]


def test_state_changes_need_the_csrf_token(unit_a, app):
    client, token = unit_a
    assert client.post("/thresholds/VA1", data={"flow_min": "1"}).status_code == 400
    res = client.post("/thresholds/VA1", data={"flow_min": "1", "csrf_token": "forged"})
    assert res.status_code == 400 and "安全校验未通过" in res.get_data(as_text=True)
    assert client.post("/thresholds/VA1", data={"flow_min": "1", "csrf_token": token}).status_code == 302


def test_upload_limit_is_413(ops, app):
    client, token = ops
    app.config["MAX_CONTENT_LENGTH"] = 1024
    res = client.post("/scan-admin/upload", data={"csrf_token": token, "file": (__import__("io").BytesIO(b"x" * 4096),
                                                                                   "big.csv")})
    assert res.status_code == 413 and "上传的文件过大" in res.get_data(as_text=True)


def test_a_request_is_one_transaction_rolled_back_on_error(app, seeded_db):
    """Whatever a request wrote is undone when it ends in an error (here: after a write)."""
    import psycopg
    from flask import abort, g

    from web import auth
    from web.db import tx

    @app.get("/_test/write-then-fail")
    def write_then_fail():
        g.user = auth.User("ops.t", "测试", None, ("venue_admin",))
        with tx("ops") as conn:
            conn.execute("insert into epi.unit (unit_code, unit_name) values ('T-ROLLBACK', '测试')")
        with tx("unit") as conn:  # a role switch inside the same transaction
            assert conn.execute("select current_user").fetchone()["current_user"] == "epi_unit"
        abort(409, description="测试：写入后出错")

    res = app.test_client().get("/_test/write-then-fail")
    assert res.status_code == 409 and "写入后出错" in res.get_data(as_text=True)
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.unit where unit_code = 'T-ROLLBACK'").fetchone()[0] == 0


ROUTE_MENU = {"/venues": "venue_admin", "/scan-admin": "scan_admin", "/templates": None, "/thresholds": "threshold",
              "/scans": "scan_query", "/stats": "scan_stats", "/alerts": "alert", "/api/venues": "threshold",
              "/api/scans": "scan_query", "/api/stats": "scan_stats", "/api/alerts": "alert"}
OPEN = {"/healthz", "/static/<path:filename>", "/favicon.ico", "/dev-login", "/", "/api/openapi.json",
        # the session's own doors (tests/web/test_sessions.py): switching account, 退出, the demo links
        "/switch-account", "/logout", "/dev-login/enter",
        # what a load balancer and monitoring ask (tests/web/test_health.py)
        "/readyz", "/healthz/jobs",
        # Prometheus: by address or token, not by session (tests/web/test_metrics.py)
        "/metrics",
        # the sign-on doors: before anybody is signed on (tests/web/test_sso_oidc.py)
        "/sso/jwt", "/sso/cas", "/sso/oidc", "/sso/oidc/callback",
        # a framed sign-on's hand-off from its pop-up (tests/web/test_sso_frame.py): a secret and a code
        "/sso/handoff"}


def every_route(app):
    for rule in app.url_map.iter_rules():
        if str(rule) in OPEN or str(rule).startswith("/_test"):
            continue
        path = str(rule).replace("<anyid:venue_id>", "VA1").replace("<int:alert_id>", "1").replace("<int:scan_id>", "1") \
            .replace("<job_id>", "x").replace("<int:sms_id>", "1").replace("<any(confirm, resend):action>", "confirm") \
            .replace("<name>", "扫码进场信息导入模板.xlsx")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path


def test_every_route_refuses_without_sign_in_and_without_its_menu(app):
    routes = list(every_route(app))
    assert len(routes) >= 30
    for method, path in routes:
        anonymous = app.test_client().open(path, method=method)
        assert anonymous.status_code in (400, 401), (method, path, anonymous.status_code)  # 400: CSRF first
        client = app.test_client()
        res = client.open(path + ("&" if "?" in path else "?") + "ticket=" + ticket(menus=[]), method="GET")
        assert res.status_code in (302, 403, 404), (path, res.status_code)
        with client.session_transaction() as s:
            token = s.get("csrf")
        headers = {"X-CSRF-Token": token} if token else {}
        refused = client.open(path, method=method, headers=headers, json={} if path.startswith("/api/") else None)
        assert refused.status_code in (403, 404), (method, path, refused.status_code)
