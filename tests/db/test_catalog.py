"""Catalog checks: what must hold for every object, present and future."""
from __future__ import annotations

from db import database

RUNTIME_ROLES = (database.WEB_LOGIN, database.OPS_ROLE, database.UNIT_ROLE, database.JOBS_LOGIN)
OUR_SCHEMAS = ("epi", "epi_private", "oa", "epi_ext")
# tables that hold no unit-level data and are reachable by no runtime role (checked below)
NO_RLS_NEEDED = {"epi_private.alembic_version"}


def runtime_roles(c):
    bound = [r[0] for r in c.execute("select login::text from epi_private.oa_login")]
    return list(RUNTIME_ROLES) + bound


def unsecured_tables(conn):
    rows = conn.execute("""
        select n.nspname || '.' || c.relname, c.relrowsecurity, c.relforcerowsecurity
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = any(%s) and c.relkind in ('r', 'p')""", (list(OUR_SCHEMAS),)).fetchall()
    names = {r[0] for r in rows}
    assert {"epi.scan", "epi.venue", "epi.alert", "epi_private.daily_count"} <= names
    return [name for name, enabled, forced in rows if name not in NO_RLS_NEEDED and not (enabled and forced)]


def test_every_table_has_rls_enabled_and_forced(conn, world):
    assert unsecured_tables(conn) == []


def test_the_rls_check_notices_a_table_left_open(conn):
    conn.execute("alter table epi.alert no force row level security")
    conn.execute("create table epi.forgotten (venue_id text)")
    assert sorted(unsecured_tables(conn)) == ["epi.alert", "epi.forgotten"]


def test_partition_made_on_demand_is_secured(conn):
    from tests.conftest import as_admin, as_ops

    as_ops(conn)
    conn.execute("select epi.ensure_scan_partitions(array['2031-07-15 00:00+08']::timestamptz[])")
    as_admin(conn)
    row = conn.execute("""select relrowsecurity, relforcerowsecurity, relacl from pg_class
                           where oid = 'epi.scan_y2031m07'::regclass""").fetchone()
    assert row[0] and row[1]
    assert not any(role in str(row[2] or "") for role in RUNTIME_ROLES)


def test_tables_without_rls_are_reachable_by_no_runtime_role(conn, oa_login_a):
    for role in runtime_roles(conn):
        for table in NO_RLS_NEEDED:
            assert not conn.execute("select has_table_privilege(%s, %s, 'select,insert,update,delete')",
                                    (role, table)).fetchone()[0], (role, table)


def test_summaries_are_never_granted_to_runtime_roles(conn, oa_login_a):
    """daily counts (and any materialized view) are read only through secured functions/views."""
    rels = [r[0] for r in conn.execute("""
        select c.oid::regclass::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where (n.nspname = 'epi_private' and c.relkind in ('r', 'p')) or c.relkind = 'm'
           and n.nspname = any(%s)""", (list(OUR_SCHEMAS),))]
    assert "epi_private.daily_count" in rels
    for role in runtime_roles(conn):
        assert not conn.execute("select has_schema_privilege(%s, 'epi_private', 'usage')", (role,)).fetchone()[0]
        for rel in rels:
            assert not conn.execute("select has_table_privilege(%s, %s, 'select,insert,update,delete')",
                                    (role, rel)).fetchone()[0], (role, rel)


def test_every_view_is_security_invoker(conn):
    rows = conn.execute("""
        select c.oid::regclass::text, coalesce(c.reloptions, '{}')
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = any(%s) and c.relkind = 'v'""", (list(OUR_SCHEMAS),)).fetchall()
    assert {r[0] for r in rows} >= {"oa.venue", "oa.scan", "oa.daily_count", "oa.alert", "oa.alert_day", "oa.sms_log"}
    assert [name for name, opts in rows if "security_invoker=true" not in opts] == []


def test_no_runtime_role_is_privileged_or_owns_anything(conn, oa_login_a):
    for role in runtime_roles(conn):
        row = conn.execute("select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = %s",
                           (role,)).fetchone()
        assert row == (False, False, False, False), role
        owned = conn.execute("""
            select count(*) from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname = %s""",
                             (role,)).fetchone()[0]
        owned += conn.execute("""
            select count(*) from pg_proc p join pg_roles r on r.oid = p.proowner where r.rolname = %s""",
                              (role,)).fetchone()[0]
        owned += conn.execute("""
            select count(*) from pg_namespace n join pg_roles r on r.oid = n.nspowner where r.rolname = %s""",
                              (role,)).fetchone()[0]
        assert owned == 0, role


def test_web_login_inherits_nothing(conn):
    assert conn.execute("select rolinherit, rolcanlogin from pg_roles where rolname = 'epi_web'").fetchone() == (False, True)
    # and it is the only member of the ops and unit roles
    members = {r[0] for r in conn.execute("""
        select u.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid
          join pg_roles u on u.oid = m.member where g.rolname in ('epi_ops', 'epi_unit')""")}
    assert members == {"epi_web"}


def test_oa_logins_are_members_of_their_policy_group_only(conn, oa_login_a):
    """Of no project role it could SET ROLE to: only of epi_reader, which holds no privileges."""
    assert [r[0] for r in conn.execute("""select g.rolname from pg_auth_members m join pg_roles u on u.oid = m.member
                                           join pg_roles g on g.oid = m.roleid
                                          where u.rolname = %s""", (oa_login_a,))] == ["epi_reader"]


def test_security_definer_functions_pin_search_path_and_are_not_public(conn):
    rows = conn.execute("""
        select p.oid::regprocedure::text, p.proconfig,
               coalesce(p.proacl, acldefault('f', p.proowner)) as acl
          from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname = any(%s) and p.prosecdef""", (list(OUR_SCHEMAS),)).fetchall()
    assert len(rows) >= 8
    for name, config, acl in rows:
        assert any(s.startswith("search_path=") for s in (config or [])), name
        public = conn.execute("select bool_or(grantee = 0) from aclexplode(%s::aclitem[])", (acl,)).fetchone()[0]
        assert not public, f"{name} is executable by PUBLIC"


def test_every_policy_is_named_as_a_sentence_and_objects_are_commented(conn):
    policies = [r[0] for r in conn.execute(
        "select policyname from pg_policies where schemaname in ('epi', 'epi_private') "
        "and tablename not like 'scan\\_y%%'")]
    assert policies and all(" " in p for p in policies)
    uncommented = [r[0] for r in conn.execute("""
        select c.oid::regclass::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname in ('epi', 'epi_private', 'oa') and c.relkind in ('r', 'p', 'v')
           and c.relname <> 'alembic_version' and obj_description(c.oid, 'pg_class') is null
        union all
        select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname in ('epi', 'epi_private', 'oa') and obj_description(p.oid, 'pg_proc') is null""")]
    assert uncommented == []
