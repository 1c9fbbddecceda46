"""A fresh database holding the tests' small synthetic world, at this code's schema or with one SQL
function as it was at an earlier revision — the 'before' and 'after' of the same-run comparisons
(bench/reveals.py, bench/locks.py). The revision's file is read with bench.delta.git_show."""
from __future__ import annotations

import contextlib

import psycopg
from psycopg import sql

from bench.delta import git_show
from db import database, upgrade


def _drop(admin: str, name: str) -> None:
    with psycopg.connect(database.with_params(admin, dbname="postgres"), autocommit=True) as c:
        c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@contextlib.contextmanager
def world_database(name: str, *, function_file: str | None = None, rev: str | None = None):
    """The URL of database ``name``, made afresh with the world (and, given ``rev``, ``function_file``
    of db/functions as it was then, applied as the owner); dropped afterwards."""
    from tests.conftest import build_world

    admin = database.admin_url()
    database.ensure_database(admin)
    _drop(admin, name)
    url = database.with_params(admin, dbname=name)
    upgrade.upgrade(url, echo=lambda *a, **k: None)
    with psycopg.connect(url) as c:
        build_world(c)
        if rev is not None:
            c.execute("reset role")
            c.execute("set role epi_owner")
            c.execute(git_show(f"db/functions/{function_file}", rev))
        c.commit()
    try:
        yield url
    finally:
        _drop(admin, name)
