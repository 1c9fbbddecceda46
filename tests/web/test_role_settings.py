"""Per-role settings instead of connection options (issue 26, point 8): PgBouncer passes no startup
options, so the web login's statement timeout is ALTER ROLE epi_web SET statement_timeout, the jobs
connection sets its own after connecting, and the loaders lift the timeout for their sessions."""
from __future__ import annotations

import psycopg

from db import database, upgrade


def setting(url, name):
    with psycopg.connect(url) as c:
        return c.execute("select current_setting(%s)", (name,)).fetchone()[0]


def test_the_logins_carry_their_settings(fresh_db):
    dbname = database.database_name(fresh_db)
    with psycopg.connect(fresh_db) as c:
        stored = dict(c.execute("""select r.rolname, s.setconfig from pg_db_role_setting s
                                    join pg_roles r on r.oid = s.setrole where s.setdatabase = 0
                                     and r.rolname in ('epi_web', 'epi_jobs')""").fetchall())
    assert "statement_timeout=30s" in stored["epi_web"]
    assert "client_connection_check_interval=2s" in stored["epi_jobs"]
    assert setting(database.web_url(dbname), "statement_timeout") == "30s"
    with database.connect_jobs(database.jobs_url(dbname)) as c:
        assert c.execute("show client_connection_check_interval").fetchone()[0] == "2s"
        assert c.execute("select current_setting('epi.os_user')").fetchone()[0] == database.os_user()
    with database.connect_loader(database.web_url(dbname)) as c:
        assert c.execute("show statement_timeout").fetchone()[0] == "0"
    assert {login for login, *_ in upgrade.ROLE_SETTINGS} <= set(upgrade.ROLES)


def test_no_connection_of_the_zone_sends_startup_options(app):
    """The web pool's connections carry no `options`: PgBouncer refuses unknown startup parameters."""
    pool = app.extensions["epi_pool"]
    assert "options" not in pool.kwargs and "options" not in (pool.conninfo or "")
    pool.open()
    with pool.connection() as conn:
        assert conn.execute("show statement_timeout").fetchone()["statement_timeout"] == "30s"
