/* Issue 45, point 2: menus from OA's role export. Where the sign-on (CAS, OpenID Connect) releases
   the account and its roles but not the menus, the menus are OA's 菜单授权管理 as exported: which
   accounts and which roles have which of the zone's menu codes. The export is loaded by
   `invoke load.menu-grants` and re-read by the scheduler from EPI_OA_MENUS_FILE; each change is
   audited (menu_grant.insert / update / delete). A session begun that way keeps the roles the
   sign-on named and reads its menus here on every request, so a menu revoked in OA is gone at the
   next click. No personal data: accounts, role codes and menu codes. */
create table epi_private.menu_grant (
  grantee_kind text        not null check (grantee_kind in ('account', 'role')),
  grantee      text        not null check (grantee = btrim(grantee) and grantee <> '' and length(grantee) <= 100),
  menus        text[]      not null check (cardinality(menus) between 1 and 50),
  updated_at   timestamptz not null default now(),
  primary key (grantee_kind, grantee)
);
comment on table epi_private.menu_grant is
  'OA''s menu grants (菜单授权管理) as last exported: an account or a role, and the zone''s menu codes it has.';

alter table epi_private.web_session add column grant_roles text[];
comment on column epi_private.web_session.grant_roles is
  'Null: the menus came with the sign-on. Else the OA roles the sign-on named; the menus are read from epi_private.menu_grant on every request.';

-- the session check answers the menus too, and a session may begin with roles: new shapes
drop function if exists epi.session_check(bytea, integer, integer, boolean);
drop function if exists epi.session_begin(bytea, text, bytea, integer, integer);

alter table epi.job_run drop constraint job_run_job_valid;
alter table epi.job_run add constraint job_run_job_valid
  check (job in ('partitions', 'retention', 'discover', 'counts', 'counts_full', 'alerts', 'sms', 'nightly', 'frontdb',
                 'units', 'menus'));
comment on constraint job_run_job_valid on epi.job_run is '任务名称只能是 partitions、retention、discover、counts、counts_full、alerts、sms、nightly、frontdb、units 或 menus';
