"""Loader tests: loaders commit on their own connection, so each test gets a fresh database,
cloned from one upgraded template database (a known state without rolling back)."""
from __future__ import annotations

import itertools
import os

import psycopg
import pytest
from psycopg import sql

from db import database
from tests.conftest import drop_database, make_database

_counter = itertools.count()


@pytest.fixture(scope="session")
def template_url(cluster_url):
    url = make_database(cluster_url, "tpl")
    yield url
    drop_database(url)


@pytest.fixture
def fresh_db(template_url):
    """Admin URL of a fresh, upgraded, empty database."""
    name = f"epi_test_l_{os.getpid()}_{next(_counter)}"
    admin = database.with_params(template_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(sql.SQL("create database {} template {}").format(
            sql.Identifier(name), sql.Identifier(database.database_name(template_url))))
    url = database.with_params(template_url, dbname=name)
    yield url
    drop_database(url)


@pytest.fixture
def web(fresh_db):
    """The web login's URL for the fresh database (what loaders connect with)."""
    return database.web_url(database.database_name(fresh_db))


@pytest.fixture
def admin(fresh_db):
    """A superuser connection to the fresh database, for looking (and for setting switches)."""
    with psycopg.connect(fresh_db, autocommit=True) as c:
        yield c
