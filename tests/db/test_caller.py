"""epi_private.current_caller (the one dispatch on who is calling, behind current_kind,
current_unit, current_account) and epi_private.supervised_venues (the venues a unit supervises,
asked by every unit policy)."""
from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from tests.conftest import as_admin, as_jobs, as_nobody, as_oa, as_ops, as_owner, as_unit, attempt


@pytest.fixture
def reachable(conn, world, oa_login_a):
    """epi_private is reached only through policies; to ask its functions directly, this test's
    transaction (rolled back) lets every caller name them."""
    as_admin(conn)
    roles = sql.SQL(", ").join(map(sql.Identifier, ("epi_web", "epi_ops", "epi_unit", "epi_jobs", "epi_owner",
                                                    oa_login_a)))
    conn.execute(sql.SQL("grant usage on schema epi_private to {}").format(roles))
    conn.execute(sql.SQL("grant execute on function epi_private.current_caller() to {}").format(roles))
    return conn


def caller(conn):
    return conn.execute("select kind, unit, account from epi_private.current_caller()").fetchone()


def supervised(conn):
    return sorted(r[0] for r in conn.execute("select epi_private.supervised_venues()"))


def test_each_kind_of_caller(conn, reachable, oa_login_a):
    as_unit(conn, "T-A", account="a.zhang")
    assert caller(conn) == ("unit", "T-A", "a.zhang")
    as_ops(conn, account="ops.wang")
    assert caller(conn) == ("ops", None, "ops.wang")
    as_jobs(conn)
    kind, unit, _ = caller(conn)
    assert (kind, unit) == ("jobs", None)
    as_oa(conn, oa_login_a)
    assert caller(conn) == ("unit", "T-A", oa_login_a)
    as_nobody(conn)
    assert caller(conn)[:2] == (None, None)
    as_owner(conn)
    assert caller(conn)[:2] == (None, None)


def test_the_three_identity_functions_answer_from_the_dispatch(conn, reachable):
    as_unit(conn, "T-B", account="b.li")
    assert conn.execute("select epi_private.current_kind(), epi_private.current_unit(), epi_private.current_account()"
                        ).fetchone() == ("unit", "T-B", "b.li")


def test_a_unit_supervises_its_own_venues_and_nobody_else_any(conn, reachable, oa_login_a):
    as_unit(conn, "T-A")
    assert supervised(conn) == ["VA1", "VA2"]
    as_unit(conn, "T-B")
    assert supervised(conn) == ["VB1"]
    as_oa(conn, oa_login_a)
    assert supervised(conn) == ["VA1", "VA2"]
    for become in (as_ops, as_jobs):
        become(conn)
        assert supervised(conn) == []
    as_nobody(conn)
    assert isinstance(attempt(conn, "select epi_private.supervised_venues()"), psycopg.errors.InsufficientPrivilege)


def test_a_venue_moved_to_another_unit_is_followed_at_once(conn, reachable):
    as_ops(conn)
    conn.execute("update epi.venue set unit_code = 'T-B' where venue_id = 'VA2'")
    as_unit(conn, "T-A")
    assert supervised(conn) == ["VA1"]
    assert conn.execute("select count(*) from oa.scan where venue_id = 'VA2'").fetchone()[0] == 0
    as_unit(conn, "T-B")
    assert supervised(conn) == ["VA2", "VB1"]
