"""invoke db.upgrade: idempotent, works on a second database of the same cluster, and OA logins
are created and rebound safely."""
from __future__ import annotations

import re

import psycopg
import pytest

from db import upgrade
from tests.conftest import quiet

SNAPSHOT = """
select 'rel', format('%s %s %s%s %s %s', c.oid::regclass, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
                     c.reloptions, c.relacl)
  from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('epi', 'epi_private', 'oa')
union all
select 'col', attrelid::regclass::text || '.' || attname || ' ' || format_type(atttypid, atttypmod) || ' '
       || coalesce(attacl::text, '')
  from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
 where n.nspname in ('epi', 'epi_private', 'oa') and attnum > 0 and not attisdropped
union all
select 'con', conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
  from pg_constraint where connamespace in (select oid from pg_namespace where nspname in ('epi', 'epi_private'))
union all
select 'pol', schemaname || '.' || tablename || ' ' || policyname || ' ' || cmd || ' ' || roles::text || ' '
       || coalesce(qual, '') || ' ' || coalesce(with_check, '')
  from pg_policies where schemaname in ('epi', 'epi_private')
union all
select 'fun', format('%s %s %s %s%s %s', p.oid::regprocedure, md5(p.prosrc), p.proacl, p.provolatile, p.prosecdef,
                     p.proconfig)
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname in ('epi', 'epi_private', 'oa')
union all
select 'view', c.oid::regclass::text || ' ' || md5(pg_get_viewdef(c.oid))
  from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'oa' and c.relkind = 'v'
union all
select 'trg', tgrelid::regclass::text || ' ' || tgname || ' ' || pg_get_triggerdef(oid)
  from pg_trigger where not tgisinternal
union all
select 'role', format('%s %s%s%s%s', rolname, rolsuper, rolinherit, rolcanlogin, rolbypassrls)
  from pg_roles where rolname like 'epi\\_%'
union all
select 'ver', version_num from epi_private.alembic_version
order by 1, 2
"""


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(upgrade.DB_DIR / "migrations"))
    return ScriptDirectory.from_config(cfg).get_current_head()


def snapshot(url):
    """The catalog as text; grants to the test session's OA logins left out (they are per database)."""
    with psycopg.connect(url) as c:
        return [(kind, re.sub(r",?oa_test_\w+=\w*/\w+", "", text)) for kind, text in c.execute(SNAPSHOT)]


def test_upgrade_twice_changes_nothing(db_url):
    before = snapshot(db_url)
    assert len(before) > 200
    assert upgrade.upgrade(db_url, echo=quiet) == head_revision()
    assert snapshot(db_url) == before


def test_upgrade_on_a_second_database_of_the_cluster(cluster_url, db_url):
    from tests.conftest import drop_database, make_database

    second = make_database(cluster_url, "second")
    try:
        assert snapshot(second) == snapshot(db_url)
    finally:
        drop_database(second)


def test_failed_upgrade_leaves_the_database_as_it_was(db_url, monkeypatch, tmp_path):
    before = snapshot(db_url)
    broken = tmp_path / "zz_broken.sql"
    broken.write_text("create or replace view oa.broken with (security_invoker = true) as select 1;\n"
                      "select no_such_function();\n")
    real = upgrade.sql_files
    monkeypatch.setattr(upgrade, "sql_files", lambda: [*real(), broken])
    with pytest.raises(RuntimeError, match=r"zz_broken\.sql"):
        upgrade.upgrade(db_url, echo=quiet)
    assert snapshot(db_url) == before


def test_rows_of_the_old_default_partition_move_into_their_months(cluster_url):
    """Migration 0006 removes epi.scan's default partition: rows that had reached it (a month made
    too late, before the hardening) end in their month's partition, secured like every other."""
    from db import database
    from tests.conftest import drop_database

    url = database.with_params(cluster_url, dbname=f"epi_test_m6_{__import__('os').getpid()}")
    try:
        upgrade.upgrade(url, echo=quiet, target="0005")
        with psycopg.connect(url) as c:
            batch = c.execute("insert into epi.import_batch (file_name, imported_by) values ('旧.xlsx', 'ops') "
                              "returning batch_id").fetchone()[0]
            c.execute("insert into epi.scan_default (venue_id, collected_at, batch_id, imported_by) values "
                      "('V1', '2019-07-04 10:00+08', %(b)s, 'ops'), ('V2', '2019-07-31 23:59+08', %(b)s, 'ops'), "
                      "('V3', '2019-08-01 00:00+08', %(b)s, 'ops')", {"b": batch})
            c.commit()
        assert upgrade.upgrade(url, echo=quiet) == head_revision()
        with psycopg.connect(url) as c:
            assert c.execute("select to_regclass('epi.scan_default')").fetchone()[0] is None
            assert c.execute("select tableoid::regclass::text, venue_id from epi.scan order by collected_at").fetchall() \
                == [("epi.scan_y2019m07", "V1"), ("epi.scan_y2019m07", "V2"), ("epi.scan_y2019m08", "V3")]
            assert c.execute("select bool_and(relforcerowsecurity) from pg_class "
                             "where relname in ('scan_y2019m07', 'scan_y2019m08')").fetchone()[0]
    finally:
        drop_database(url)


@pytest.mark.parametrize("login", ["epi_ops", "epi_web", "epi_owner", "pg_monitor"])
def test_grant_oa_refuses_project_and_system_roles(db_url, login):
    with pytest.raises(ValueError, match="不能用作"):
        upgrade.grant_oa(login, unit="T-A", ops=False, password=None, url=db_url, echo=quiet)


def test_grant_oa_needs_exactly_one_of_unit_or_ops(db_url):
    with pytest.raises(ValueError, match="二者之一"):
        upgrade.grant_oa("oa_x", unit="T-A", ops=True, password=None, url=db_url, echo=quiet)
    with pytest.raises(ValueError, match="二者之一"):
        upgrade.grant_oa("oa_x", unit=None, ops=False, password=None, url=db_url, echo=quiet)


def test_grant_oa_strips_role_memberships(cluster_url, db_url):
    """A pre-existing login that was made a member of a project role loses that membership; it is a
    member of its policy group only (epi_reader bound to a unit, epi_ops_reader bound as ops)."""
    import os

    from tests.conftest import drop_role

    login = f"oa_test_member_{os.getpid()}"
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute(f"create role {login} login")
        c.execute(f"grant epi_unit to {login}")
    try:
        upgrade.grant_oa(login, unit="T-A", ops=False, password=None, url=db_url, echo=quiet)
        member_of = ("select g.rolname from pg_auth_members m join pg_roles u on u.oid = m.member "
                     "join pg_roles g on g.oid = m.roleid where u.rolname = %s")
        with psycopg.connect(db_url) as c:
            assert [r[0] for r in c.execute(member_of, (login,))] == ["epi_reader"]
        upgrade.grant_oa(login, unit=None, ops=True, password=None, url=db_url, echo=quiet)
        with psycopg.connect(db_url) as c:
            assert [r[0] for r in c.execute(member_of, (login,))] == ["epi_ops_reader"]
        # bound by an earlier version (a member of nothing, NOINHERIT): the upgrade puts it in its group
        with psycopg.connect(db_url, autocommit=True) as c:
            c.execute(f"revoke epi_ops_reader from {login}")
            c.execute(f"alter role {login} noinherit")
        upgrade.upgrade(db_url, echo=quiet)
        with psycopg.connect(db_url) as c:
            assert [r[0] for r in c.execute(member_of, (login,))] == ["epi_ops_reader"]
            assert c.execute("select rolinherit from pg_roles where rolname = %s", (login,)).fetchone()[0]
    finally:
        with psycopg.connect(db_url, autocommit=True) as c:   # its binding goes with it (the catalog tests read them)
            c.execute("delete from epi_private.oa_login where login = %s", (login,))
        drop_role(cluster_url, login, [psycopg.conninfo.conninfo_to_dict(db_url)["dbname"]])


def test_grant_oa_refuses_a_superuser(db_url):
    with pytest.raises(ValueError, match="超级用户"):
        upgrade.grant_oa("postgres", unit="T-A", ops=False, password=None, url=db_url, echo=quiet)


def test_an_oa_login_bound_before_the_policies_predicate_gets_it_at_the_upgrade(db_url, oa_login_a):
    """Policies ask epi_private.caller_is; a login bound by an earlier version (no EXECUTE on it)
    is given it by the next upgrade, and reads its unit's rows again."""
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute(f"revoke execute on function epi_private.caller_is(text[]) from {oa_login_a}")
        assert not c.execute("select has_function_privilege(%s, 'epi_private.caller_is(text[])', 'execute')",
                             (oa_login_a,)).fetchone()[0]
    upgrade.upgrade(db_url, echo=quiet)
    with psycopg.connect(db_url, autocommit=True) as c:
        assert c.execute("select has_function_privilege(%s, 'epi_private.caller_is(text[])', 'execute')",
                         (oa_login_a,)).fetchone()[0]
