/* Written only by security-definer code (epi_private.write_audit, reached from the audit
   triggers and the validating functions), as the owner, for a caller with an identity; read by
   ops. Nobody updates or deletes an entry. */
alter table epi.audit_log enable row level security, force row level security;
revoke all on epi.audit_log from public;

drop policy if exists "Ops read the audit log" on epi.audit_log;
create policy "Ops read the audit log" on epi.audit_log for select
  using ((select epi_private.current_kind()) = 'ops');
drop policy if exists "Audited actions of identified callers are written" on epi.audit_log;
create policy "Audited actions of identified callers are written" on epi.audit_log for insert
  to epi_owner
  with check ((select epi_private.current_kind()) is not null);
-- a DBA's direct change (a switch, a unit or venue fixed by hand) is audited as theirs: they act as
-- the owner (SET ROLE epi_owner, which only the admin can do) or are a superuser in psql
drop policy if exists "Switch changes by a DBA are written" on epi.audit_log;
drop policy if exists "Switch changes by the owner are written" on epi.audit_log;
drop policy if exists "Changes by a DBA are written" on epi.audit_log;
create policy "Changes by a DBA are written" on epi.audit_log for insert
  to epi_owner
  with check (current_setting('role') = 'epi_owner'
              or exists (select from pg_catalog.pg_roles r where r.rolname = session_user and r.rolsuper));

-- the sealer (epi.audit_seal, owner rights for the jobs) reads and seals entries; the trigger
-- epi_private.tg_audit_log__append_only lets it fill in a seal and nothing else
drop policy if exists "The sealer reads the entries" on epi.audit_log;
create policy "The sealer reads the entries" on epi.audit_log for select to epi_owner
  using ((select epi_private.current_kind()) = 'jobs' or current_setting('role') = 'epi_owner');
drop policy if exists "The sealer seals the entries" on epi.audit_log;
create policy "The sealer seals the entries" on epi.audit_log for update to epi_owner
  using ((select epi_private.current_kind()) = 'jobs' or current_setting('role') = 'epi_owner')
  with check ((select epi_private.current_kind()) = 'jobs' or current_setting('role') = 'epi_owner');

revoke update, delete, truncate on epi.audit_log from epi_ops, epi_unit, epi_jobs;
grant select on epi.audit_log to epi_ops;
