"""Personal data masked by default (SPEC section 3): the mask functions, the masks beside the
values in epi.scan, raw values readable by no runtime role, oa.scan masked and oa.scan_full for
OA logins bound with --reveal only, and the search by full value (epi.find_scans)."""
from __future__ import annotations

import psycopg
import pytest

from tests.conftest import as_jobs, as_oa, as_ops, as_unit, attempt

WORLD_ID, WORLD_PHONE, WORLD_NAME = "00000000000000000X", "14400009999", "测试人"


@pytest.mark.parametrize("function, value, masked", [
    ("mask_id_card", "440783199001011234", "440783********1234"),
    ("mask_id_card", "44078319900101123X", "440783********123X"),
    ("mask_id_card", "4407831990", "**********"),          # too short for the rule: masked whole
    ("mask_id_card", "", ""),
    ("mask_phone", "13900000001", "139****0001"),
    ("mask_phone", "+8613900000001", "+86*******0001"),
    ("mask_phone", "1234567", "*******"),
    ("mask_name", "张三", "张*"),
    ("mask_name", "欧阳娜娜", "欧***"),
    ("mask_name", "张", "*"),
    ("mask_name", None, None),
])
def test_mask_rules(conn, function, value, masked):
    as_ops(conn)
    assert conn.execute(f"select epi.{function}(%s::text)", (value,)).fetchone()[0] == masked


def test_every_reader_of_oa_scan_sees_the_masks(conn, world, oa_login_a):
    for become in (as_ops, lambda c: as_unit(c, "T-A"), lambda c: as_oa(c, oa_login_a)):
        become(conn)
        rows = conn.execute("select distinct id_card, phone, person_name from oa.scan").fetchall()
        assert rows == [("000000********000X", "144****9999", "测**")]


@pytest.mark.parametrize("column", ["id_card", "person_name", "phone"])
def test_no_runtime_role_reads_a_raw_column(conn, world, oa_login_a, column):
    for become in (as_ops, lambda c: as_unit(c, "T-A"), as_jobs, lambda c: as_oa(c, oa_login_a)):
        become(conn)
        err = attempt(conn, f"select {column} from epi.scan limit 1")
        assert isinstance(err, psycopg.errors.InsufficientPrivilege), (become, column)
        assert attempt(conn, f"select count(*) from epi.scan where {column} = %s", (WORLD_ID,)).__class__ \
            is psycopg.errors.InsufficientPrivilege


def test_oa_scan_full_is_for_reveal_logins_only(conn, world, oa_login_a):
    for become in (as_ops, lambda c: as_unit(c, "T-A"), as_jobs, lambda c: as_oa(c, oa_login_a)):
        become(conn)
        assert isinstance(attempt(conn, "select * from oa.scan_full"), psycopg.errors.InsufficientPrivilege)


def test_a_search_by_full_value_finds_the_units_own_scans(conn, world):
    query = """select venue_id, id_card from oa.scan
                where (collected_at, scan_id) in (select * from epi.find_scans(%s, %s, %s)) order by 1"""
    as_unit(conn, "T-A")
    assert conn.execute(query, (WORLD_ID, None, None)).fetchall() == [("VA1", "000000********000X")] * 2 \
        + [("VA2", "000000********000X")]
    assert [r[0] for r in conn.execute(query, (None, WORLD_PHONE, "试人"))] == ["VA1", "VA1", "VA2"]
    assert conn.execute(query, ("000000********000X", None, None)).fetchall() == []   # the mask is no key
    assert conn.execute(query, (None, None, None)).fetchall() == []
    as_unit(conn, "T-B")
    assert {r[0] for r in conn.execute(query, (WORLD_ID, None, None))} == {"VB1"}
    as_ops(conn)
    assert len(conn.execute(query, (WORLD_ID, WORLD_PHONE, WORLD_NAME)).fetchall()) == 7


@pytest.fixture(scope="module")
def oa_login_reveal(cluster_url, db_url):
    """An OA login bound to T-A with --reveal."""
    import os

    from db import database, upgrade
    from tests.conftest import drop_role, quiet

    login = f"oa_test_reveal_{os.getpid()}"
    upgrade.grant_oa(login, unit="T-A", ops=False, password="not-a-real-secret", reveal=True, url=db_url, echo=quiet)
    yield login
    drop_role(cluster_url, login, [database.database_name(db_url)])


def test_a_reveal_login_reads_full_values_of_its_unit_only(conn, world, oa_login_reveal):
    as_oa(conn, oa_login_reveal)
    rows = conn.execute("select venue_id, id_card, phone, person_name from oa.scan_full order by 1").fetchall()
    assert rows == [("VA1", WORLD_ID, WORLD_PHONE, WORLD_NAME)] * 2 + [("VA2", WORLD_ID, WORLD_PHONE, WORLD_NAME)]
    assert conn.execute("select distinct id_card from oa.scan").fetchall() == [("000000********000X",)]


def test_rebinding_without_reveal_takes_the_full_values_away(conn, world, oa_login_reveal, db_url):
    from db import upgrade
    from tests.conftest import quiet

    upgrade.grant_oa(oa_login_reveal, unit="T-A", ops=False, password=None, url=db_url, echo=quiet)
    try:
        as_oa(conn, oa_login_reveal)
        assert isinstance(attempt(conn, "select * from oa.scan_full"), psycopg.errors.InsufficientPrivilege)
    finally:
        conn.rollback()
        upgrade.grant_oa(oa_login_reveal, unit="T-A", ops=False, password=None, reveal=True, url=db_url, echo=quiet)
