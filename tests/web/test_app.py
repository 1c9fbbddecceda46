"""The web app as it stands in the foundation: it starts, answers /healthz from the database as
the web login, and serves a Chinese home page."""
from __future__ import annotations

import pytest

from db import database
from web import create_app


@pytest.fixture
def client(db_url):
    app = create_app({"TESTING": True,
                      "DATABASE_WEB_URL": database.web_url(database.database_name(db_url))})
    return app.test_client()


def test_healthz_answers_when_the_database_does(client):
    res = client.get("/healthz")
    assert res.status_code == 200
    assert res.get_json() == {"status": "ok"}


def test_healthz_reports_a_database_that_does_not_answer(db_url):
    bad = database.with_params(database.web_url(database.database_name(db_url)), dbname="no_such_database_x")
    app = create_app({"TESTING": True, "DATABASE_WEB_URL": bad})
    res = app.test_client().get("/healthz")
    assert res.status_code == 503
    assert res.get_json() == {"error": "数据库无法连接"}


def test_home_page_is_in_chinese(client):
    res = client.get("/")
    assert res.status_code == 200
    assert "疫情防控监管专区" in res.get_data(as_text=True)
