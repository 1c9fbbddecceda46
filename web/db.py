"""The web layer's database connection (flaskr's get_db pattern): one connection of the web login
per request, cached on ``g`` and closed on teardown. Rows are filtered by PostgreSQL, never here."""
from __future__ import annotations

import psycopg
from flask import current_app, g

from db import database


def get_db() -> psycopg.Connection:
    if "db" not in g:
        url = current_app.config.get("DATABASE_WEB_URL") or database.web_url()
        g.db = psycopg.connect(url, autocommit=True)
    return g.db


def close_db(_exc=None) -> None:
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


def init_app(app) -> None:
    app.teardown_appcontext(close_db)
