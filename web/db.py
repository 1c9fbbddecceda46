"""The web layer's database access: a pool of web-login (epi_web) connections; each use is one
transaction acting as ops or as the user's unit (SET LOCAL ROLE + transaction-local unit and
account). PostgreSQL decides which rows exist for the user; an empty result is a 404."""
from __future__ import annotations

import contextlib
from pathlib import Path

import psycopg
from flask import current_app, g
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from db import database, queries

SQL = queries.load(Path(__file__).with_name("sql") / "web.sql")


def init_app(app) -> None:
    url = app.config.get("DATABASE_WEB_URL") or database.web_url()
    app.config["DATABASE_WEB_URL"] = url
    app.extensions["epi_pool"] = ConnectionPool(url, min_size=0, max_size=app.config.get("DB_POOL_SIZE", 10),
                                                kwargs={"row_factory": dict_row}, open=False)


def pool() -> ConnectionPool:
    p = current_app.extensions["epi_pool"]
    if p.closed:
        p.open(wait=False)
    return p


@contextlib.contextmanager
def tx(kind: str):
    """One transaction acting as ``kind`` ('ops' or 'unit') for the signed-in user."""
    user = g.user
    with pool().connection() as conn, database.acting_as(conn, kind=kind, unit=user.unit, account=user.account):
        yield conn


def one(kind: str, name: str, **params):
    with tx(kind) as conn:
        return conn.execute(SQL[name], params).fetchone()


def all_rows(kind: str, name: str, **params):
    with tx(kind) as conn:
        return conn.execute(SQL[name], params).fetchall()


def healthy() -> bool:
    try:
        with pool().connection(timeout=5) as conn:
            conn.execute("select 1")
        return True
    except (psycopg.Error, Exception):  # noqa: BLE001
        return False
