"""The demo's address is no dead end (issue 47, point 2): in demo mode (EPI_DEV_LOGIN=1) the "请从 OA
系统进入" page links the demo users, and `invoke serve` (which `invoke demo` ends with) prints that
link, not the bare address that answers 401. Outside demo mode the 401 page has no link to itself."""
from __future__ import annotations

import re


def main_of(res) -> str:
    return re.search(r"<main.*?</main>", res.get_data(as_text=True), re.S).group(0)


def test_in_demo_mode_the_401_page_links_the_demo_users(app):
    app.config["DEV_LOGIN"] = True
    res = app.test_client().get("/")
    assert res.status_code == 401
    assert '<a class="button" href="/dev-login">选择演示用户登录</a>' in main_of(res)


def test_outside_demo_mode_the_401_page_sends_nobody_in_a_circle(app):
    res = app.test_client().get("/alerts")
    assert res.status_code == 401 and "请从 OA 系统进入疫情防控监管专区" in main_of(res)
    assert 'href="/"' not in main_of(res) and "/dev-login" not in main_of(res)
    assert 'href="/"' in main_of(app.test_client().get("/no-such-page"))   # a 404 still goes home


def test_serve_prints_the_demo_sign_in_where_it_ends(monkeypatch, capsys, seeded_db):
    import tasks
    from db import database
    from web import server

    monkeypatch.setenv("EPI_DEV_LOGIN", "1")
    monkeypatch.setenv("EPI_WEB_DATABASE_URL", database.web_url(database.database_name(seeded_db)))
    monkeypatch.setattr(server, "serve", lambda app, host, port: None)
    tasks.serve.body(None, host="127.0.0.1", port=8000)
    assert capsys.readouterr().out.strip().splitlines()[-1] == \
        "疫情防控监管专区（演示）：选择演示用户登录 http://127.0.0.1:8000/dev-login"
