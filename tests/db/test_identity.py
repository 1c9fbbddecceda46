"""Identity over real connections: an OA login cannot widen what it sees, the web login's
identity ends with each transaction on a pooled connection, missing identity means no rows."""
from __future__ import annotations

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from db import database
from tests.conftest import as_oa, as_unit, become, build_world, quiet

PROJECT_ROLES = ("epi_unit", "epi_ops", "epi_web", "epi_owner", "epi_jobs")


@pytest.fixture(scope="module")
def committed_db(cluster_url):
    """A second database of the same cluster, upgraded, holding the small world committed (real
    logins on their own connections must see committed rows)."""
    from tests.conftest import drop_database, make_database

    url = make_database(cluster_url, "committed")
    with psycopg.connect(url) as c:
        build_world(c)
        c.commit()
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def oa_logins(cluster_url, committed_db):
    import os

    from db import upgrade
    from tests.conftest import drop_role

    a, ops = f"oa_test_conn_a_{os.getpid()}", f"oa_test_conn_ops_{os.getpid()}"
    upgrade.grant_oa(a, unit="T-A", ops=False, password="not-a-real-secret", url=committed_db, echo=quiet)
    upgrade.grant_oa(ops, unit=None, ops=True, password="not-a-real-secret", url=committed_db, echo=quiet)
    yield {"a": a, "ops": ops}
    for login in (a, ops):
        drop_role(cluster_url, login, [database.database_name(committed_db)])


def login_url(db_url, login):
    return database.with_params(db_url, user=login, password="not-a-real-secret")


def venues(c):
    return sorted(r[0] for r in c.execute("select venue_id from oa.venue"))


def test_oa_login_sees_its_unit_only(committed_db, oa_logins):
    with psycopg.connect(login_url(committed_db, oa_logins["a"]), autocommit=True) as c:
        assert c.execute("select session_user").fetchone()[0] == oa_logins["a"]
        assert venues(c) == ["VA1", "VA2"]
        assert sorted(r[0] for r in c.execute("select distinct venue_id from oa.scan")) == ["VA1", "VA2"]
        assert [r[0] for r in c.execute("select venue_id from oa.alert")] == ["VA1"]


def test_oa_login_cannot_widen_its_view_with_the_web_setting(committed_db, oa_logins):
    with psycopg.connect(login_url(committed_db, oa_logins["a"]), autocommit=True) as c:
        c.execute("set epi.unit = 'T-B'")
        assert venues(c) == ["VA1", "VA2"]
        c.execute("select set_config('epi.unit', 'T-B', false)")
        assert venues(c) == ["VA1", "VA2"]
        with c.transaction():
            c.execute("select set_config('epi.unit', 'T-B', true)")
            c.execute("select set_config('epi.account', 'someone.else', true)")
            assert venues(c) == ["VA1", "VA2"]
        # the ops sms log stays closed to a unit-bound login
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("select * from oa.sms_log")


@pytest.mark.parametrize("role", PROJECT_ROLES)
def test_oa_login_cannot_set_role_to_a_project_role(committed_db, oa_logins, role):
    with psycopg.connect(login_url(committed_db, oa_logins["a"]), autocommit=True) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied to set role"):
            c.execute(f"set role {role}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute(f"set session authorization {role}")
        assert venues(c) == ["VA1", "VA2"]


def test_oa_ops_login_sees_every_venue_and_the_sms_log(committed_db, oa_logins):
    with psycopg.connect(login_url(committed_db, oa_logins["ops"]), autocommit=True) as c:
        assert venues(c) == ["VA1", "VA2", "VB1", "VX"]
        assert sorted(r[0] for r in c.execute("select unit_code from oa.sms_log")) == ["T-A", "T-B"]
        # reading is all it can do
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("update epi.venue set flow_min = 0")


def test_rebinding_an_oa_login_moves_its_view(committed_db, oa_logins, cluster_url):
    from db import upgrade

    login = oa_logins["a"]
    upgrade.grant_oa(login, unit="T-B", ops=False, password=None, url=committed_db, echo=quiet)
    try:
        with psycopg.connect(login_url(committed_db, login), autocommit=True) as c:
            assert venues(c) == ["VB1"]
    finally:
        upgrade.grant_oa(login, unit="T-A", ops=False, password=None, url=committed_db, echo=quiet)


def test_unbound_login_with_grants_sees_nothing(committed_db, oa_logins):
    """Grants alone give no rows: without a binding the identity is empty."""
    with psycopg.connect(committed_db) as c:
        become(c, role=database.OWNER)
        c.execute("delete from epi_private.oa_login where login = %s", (oa_logins["a"],))
        as_oa(c, oa_logins["a"])
        assert venues(c) == []
        assert c.execute("select count(*) from oa.scan").fetchone()[0] == 0
        assert c.execute("select count(*) from oa.daily_count").fetchone()[0] == 0
        c.rollback()


@pytest.mark.parametrize("unit", ["", None])
def test_missing_or_empty_unit_gives_no_rows(conn, world, unit):
    become(conn, session=database.WEB_LOGIN, role=database.UNIT_ROLE, unit=unit)
    for view in ("oa.venue", "oa.scan", "oa.daily_count", "oa.alert", "oa.alert_day"):
        assert conn.execute(f"select count(*) from {view}").fetchone()[0] == 0, view


def test_unknown_unit_gives_no_rows(conn, world):
    as_unit(conn, "NO-SUCH-UNIT")
    assert conn.execute("select count(*) from oa.scan").fetchone()[0] == 0


def test_superuser_merely_setting_role_is_no_identity(conn, world):
    """Identity comes from the trusted web login, never from SET ROLE alone."""
    become(conn, role=database.OPS_ROLE, unit="T-A")
    assert conn.execute("select count(*) from oa.venue").fetchone()[0] == 0


def test_identity_ends_with_the_transaction_on_a_pooled_connection(committed_db):
    web = database.web_url(database.database_name(committed_db))
    with ConnectionPool(web, min_size=1, max_size=1, open=True) as pool:
        with pool.connection() as c, database.acting_as(c, kind="unit", unit="T-A", account="a.user"):
            assert venues(c) == ["VA1", "VA2"]
        with pool.connection() as c:
            assert c.execute("select current_user, current_setting('epi.unit', true), "
                             "current_setting('epi.account', true)").fetchone() == ("epi_web", "", "")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                c.execute("select * from oa.venue")
            c.rollback()
        # an error inside the transaction: the identity still ends with it
        with pool.connection() as c, pytest.raises(psycopg.errors.DivisionByZero), \
                database.acting_as(c, kind="ops", account="o.user"):
            assert len(venues(c)) == 4
            c.execute("select 1 / 0")
        with pool.connection() as c:
            assert c.execute("select current_user, current_setting('epi.unit', true)").fetchone() == ("epi_web", "")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                c.execute("select * from oa.scan")
            c.rollback()
        # and the next transaction on the same connection can act as another unit
        with pool.connection() as c, database.acting_as(c, kind="unit", unit="T-B"):
            assert venues(c) == ["VB1"]
