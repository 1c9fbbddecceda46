"""Personal data masked by default (SPEC section 3): the mask functions, the masks beside the
values in epi.scan, raw values readable by no runtime role and no OA login (oa.scan_full and
--reveal retired: issue 42, point 5), oa.scan masked, and the search by full value (epi.find_scans)."""
from __future__ import annotations

import psycopg
import pytest

from tests.conftest import FIND_SCANS, as_jobs, as_oa, as_ops, as_unit, attempt

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


@pytest.mark.parametrize("column", ["personal", "key_version", "id_card_digest", "phone_digest", "name_grams"])
def test_no_runtime_role_reads_a_sealed_column(conn, world, oa_login_a, column):
    """Issue 49: the ciphertext and the digests are nobody's but the owner's functions'."""
    for become in (as_ops, lambda c: as_unit(c, "T-A"), as_jobs, lambda c: as_oa(c, oa_login_a)):
        become(conn)
        err = attempt(conn, f"select {column} from epi.scan limit 1")
        assert isinstance(err, psycopg.errors.InsufficientPrivilege), (become, column)
        assert attempt(conn, f"select count(*) from epi.scan where {column} is not null").__class__ \
            is psycopg.errors.InsufficientPrivilege


def test_no_oa_login_and_no_runtime_role_reads_a_full_value(conn, world, oa_login_a):
    """oa.scan_full is retired (issue 42, point 5): gone, and the raw columns are nobody's."""
    assert conn.execute("select to_regclass('oa.scan_full')").fetchone()[0] is None
    for become in (as_ops, lambda c: as_unit(c, "T-A"), as_jobs, lambda c: as_oa(c, oa_login_a)):
        become(conn)
        err = attempt(conn, "select personal from epi.scan")
        assert err.sqlstate == "42501", err


def found(conn, id_card, phone, name):
    """oa.scan's rows that epi.find_scans finds for what was typed (its digests, as the web app makes them)."""
    from web.queries import personal_digests

    return conn.execute(f"""select venue_id, id_card from oa.scan
                             where (collected_at, scan_id) in (select * from {FIND_SCANS})
                             order by 1""", personal_digests(id_card, phone, name)).fetchall()


def test_a_search_by_full_value_finds_the_units_own_scans(conn, world):
    as_unit(conn, "T-A")
    assert found(conn, WORLD_ID, None, None) == [("VA1", "000000********000X")] * 2 + [("VA2", "000000********000X")]
    assert [r[0] for r in found(conn, None, WORLD_PHONE, "试人")] == ["VA1", "VA1", "VA2"]
    assert found(conn, WORLD_ID.lower(), None, None) == found(conn, WORLD_ID, None, None)   # normalised: x is X
    assert found(conn, "000000********000X", None, None) == []   # the mask is no key
    assert found(conn, None, None, None) == []
    as_unit(conn, "T-B")
    assert {r[0] for r in found(conn, WORLD_ID, None, None)} == {"VB1"}
    as_ops(conn)
    assert len(found(conn, WORLD_ID, WORLD_PHONE, WORLD_NAME)) == 7


def test_reveal_for_an_oa_login_is_refused_with_what_to_use_instead(db_url):
    from db import upgrade
    from tests.conftest import quiet

    with pytest.raises(ValueError) as refused:
        upgrade.grant_oa("oa_test_never", unit="T-A", ops=False, password=None, reveal=True, url=db_url, echo=quiet)
    assert str(refused.value) == upgrade.REVEAL_RETIRED and "POST /api/scans/<扫码记录编号>/reveal" in str(refused.value)
    with psycopg.connect(db_url) as c:
        assert c.execute("select 1 from pg_roles where rolname = 'oa_test_never'").fetchone() is None


def test_a_login_bound_with_reveal_by_an_earlier_version_loses_it_at_the_upgrade(cluster_url, fresh_db):
    """What an upgrade does to a login an earlier version bound with --reveal: the raw columns
    revoked (epi_private.grant_reader, re-run for every bound login), and the binding can no longer
    say it reveals (migration 0022's constraint). A database of its own: an upgrade waits for every
    open transaction on its tables."""
    import os

    from db import database, upgrade
    from tests.conftest import drop_role, quiet

    login = f"oa_test_was_reveal_{os.getpid()}"
    upgrade.grant_oa(login, unit=None, ops=True, password=None, url=fresh_db, echo=quiet)
    try:
        with psycopg.connect(fresh_db, autocommit=True) as c:   # as an earlier version left it
            c.execute(f"grant select (personal, id_card_digest) on epi.scan to {login}")
            err = attempt(c, "update epi_private.oa_login set may_reveal = true where login = %s", (login,))
            assert err.sqlstate == "23514" and err.diag.constraint_name == "oa_login_never_reveals"
        upgrade.upgrade(fresh_db, echo=quiet)
        with psycopg.connect(fresh_db) as c:
            assert not c.execute("select has_column_privilege(%s, 'epi.scan', 'personal', 'select')", (login,)).fetchone()[0]
            assert c.execute("select has_column_privilege(%s, 'epi.scan', 'id_card_masked', 'select')", (login,)).fetchone()[0]
    finally:
        drop_role(cluster_url, login, [database.database_name(fresh_db)])
