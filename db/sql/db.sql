-- name: act_as
-- The person a web-login transaction acts for (after SET LOCAL ROLE epi_ops / epi_unit); all end
-- with the transaction. Unit and account are read by epi_private.current_caller(); the rest are
-- the connection's claims that audit entries record (epi_private.write_audit).
select set_config('epi.unit', %(unit)s, true), set_config('epi.account', %(account)s, true),
       set_config('epi.name', %(name)s, true), set_config('epi.menu', %(menu)s, true),
       set_config('epi.client', %(client)s, true), set_config('epi.os_user', %(os_user)s, true),
       set_config('epi.operation', %(operation)s, true);

-- name: set_operation
-- The operation the transaction's audit entries belong to (e.g. a front-database sync batch).
select set_config('epi.operation', %(operation)s, true);

-- name: protect_advisory_locks
-- Only the zone's roles may take advisory locks in this database (unlocking stays public: it
-- only ever releases the caller's own). Needs a superuser: the functions are the catalogue's.
do $$
declare
  f regprocedure;
begin
  for f in select p.oid::regprocedure from pg_catalog.pg_proc p
            where p.pronamespace = 'pg_catalog'::regnamespace
              and p.proname ~ '^pg_(try_)?advisory_(xact_)?lock(_shared)?$'
  loop
    execute format('revoke execute on function %s from public', f);
    execute format('grant execute on function %s to epi_owner, epi_ops, epi_jobs', f);
  end loop;
end
$$;

-- name: protect_large_objects
-- Nobody in this database creates or writes large objects (issue 44: a "read-only" OA login wrote
-- 1 MB with lo_from_bytea, no size limit); the zone uses none. Reading stays as the catalogue has it.
-- Needs a superuser: the functions are the catalogue's.
do $$
declare
  f regprocedure;
begin
  for f in select p.oid::regprocedure from pg_catalog.pg_proc p
            where p.pronamespace = 'pg_catalog'::regnamespace
              and p.proname in ('lo_creat', 'lo_create', 'lo_from_bytea', 'lo_import', 'lo_put', 'lowrite',
                                'lo_truncate', 'lo_truncate64', 'lo_unlink', 'lo_open')
  loop
    execute format('revoke execute on function %s from public', f);
  end loop;
end
$$;

-- name: signal_oa_backends
-- The owner ends an OA login's transaction older than its limit on PostgreSQL before 17
-- (epi.end_long_oa_transactions): it sees every session's transaction start and may signal them.
-- PostgreSQL 16+ fixes a membership's inheritance when it is granted (say it); 15 follows the
-- owner's INHERIT attribute.
do $$
begin
  if current_setting('server_version_num')::integer >= 160000 then
    execute 'grant pg_read_all_stats, pg_signal_backend to epi_owner with inherit true';
  else
    execute 'grant pg_read_all_stats, pg_signal_backend to epi_owner';
  end if;
end
$$;

-- name: oa_transaction_limit
-- An OA reader login's longest transaction, in seconds (the rule's one statement of it).
select value from epi.rule_limits() where rule = 'oa_transaction_max_seconds';

-- name: database_exists
select 1 from pg_database where datname = %(name)s;

-- name: role_exists
select 1 from pg_roles where rolname = %(name)s;

-- name: role_flags
select rolsuper, rolbypassrls from pg_roles where rolname = %(name)s;

-- name: role_memberships
-- The roles a login is a member of (an OA login: its policy group only).
select r.rolname from pg_auth_members m
  join pg_roles r on r.oid = m.roleid
  join pg_roles u on u.oid = m.member
 where u.rolname = %(name)s;

-- name: current_user
select current_user;

-- name: is_superuser
select rolsuper from pg_roles where rolname = current_user;

-- name: upgrade_lock
-- Two upgrades never interleave.
select pg_advisory_xact_lock(%(lock)s);

-- name: owner_search_path
set local search_path = pg_catalog, public;

-- name: function_bodies_unchecked
-- Repeatable files are applied in a fixed order, so a function may name one applied later.
set local check_function_bodies = off;

-- name: function_bodies_checked
set local check_function_bodies = on;

-- name: schema_head
select version_num from epi_private.alembic_version;

-- name: unit_exists
select 1 from epi.unit where unit_code = %(unit)s;

-- name: bind_oa_login
insert into epi_private.oa_login (login, unit_code, is_ops, may_reveal) values (%(login)s, %(unit)s, %(ops)s, %(reveal)s)
on conflict (login) do update
   set unit_code = excluded.unit_code, is_ops = excluded.is_ops, may_reveal = excluded.may_reveal, bound_at = now();

-- name: bound_oa_logins
-- OA logins with a binding whose role exists (read as the owner: the bindings' only reader).
select b.login, b.is_ops from epi_private.oa_login b
 where exists (select from pg_catalog.pg_roles r where r.rolname = b.login)
 order by b.login;

-- name: grant_reader
select epi_private.grant_reader(%(login)s, %(ops)s);

-- name: pgaudit_loaded
-- pgAudit's settings exist only when the server loaded it (shared_preload_libraries)
select exists (select from pg_settings where name = 'pgaudit.log');

-- name: jobs_session
-- a jobs connection: the server notices within 2 s that the client went away (a killed runner), and
-- the audit entries of the session name the OS user running the command
select set_config('client_connection_check_interval', '2000', false), set_config('epi.os_user', %(os_user)s, false);

-- name: no_statement_timeout
-- (and room for an import's stage in memory: temp_buffers counts only before the session's first
-- temporary table; a 50,000-record chunk of the stage is about 25 MB, the default 8 MB)
select set_config('statement_timeout', '0', false), set_config('temp_buffers', '64MB', false);
