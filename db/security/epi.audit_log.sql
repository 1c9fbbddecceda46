/* Written only by security-definer code (epi_private.write_audit, reached from the audit
   triggers and the validating functions), as the owner, for a caller with an identity; read by
   the audit menu only (epi_auditor). Nobody updates or deletes an entry (the trigger
   epi_private.tg_audit_log__append_only). */
alter table epi.audit_log enable row level security, force row level security;
revoke all on epi.audit_log from public;

-- separation of duties (GB/T 22239-2019: the audit administrator apart from the system
-- administrator): only the audit menu (epi_auditor) reads the log; ops no longer do
drop policy if exists "Ops read the audit log" on epi.audit_log;
drop policy if exists "Auditors read the audit log" on epi.audit_log;
create policy "Auditors read the audit log" on epi.audit_log for select to epi_auditor
  using ((select epi_private.caller_is('auditor')));
drop policy if exists "Audited actions of identified callers are written" on epi.audit_log;
create policy "Audited actions of identified callers are written" on epi.audit_log for insert
  to epi_owner
  with check ((select epi_private.current_kind()) is not null);
-- a refused sign-on is written by the web login itself, before anybody is signed on (epi.sso_refused)
drop policy if exists "Refused sign-ons are written by the web login" on epi.audit_log;
create policy "Refused sign-ons are written by the web login" on epi.audit_log for insert
  to epi_owner
  with check (action = 'sso.refused' and caller_kind is null and session_user = 'epi_web');
-- the first process to use a personal-data key version registers its check values (issue 49,
-- epi.crypto_key_check) at its start, before anybody is signed on: the web login or the jobs login
drop policy if exists "Key registrations are written by the zone's logins" on epi.audit_log;
create policy "Key registrations are written by the zone's logins" on epi.audit_log for insert
  to epi_owner
  with check (action = 'crypto_key.register' and caller_kind is null and session_user in ('epi_web', 'epi_jobs'));
-- a DBA's direct change (a switch, a unit or venue fixed by hand) is audited as theirs: they act as
-- the owner (SET ROLE epi_owner, which only the admin can do) or are a superuser in psql
drop policy if exists "Switch changes by a DBA are written" on epi.audit_log;
drop policy if exists "Switch changes by the owner are written" on epi.audit_log;
drop policy if exists "Changes by a DBA are written" on epi.audit_log;
create policy "Changes by a DBA are written" on epi.audit_log for insert
  to epi_owner
  with check (current_setting('role') = 'epi_owner'
              or exists (select from pg_catalog.pg_roles r where r.rolname = session_user and r.rolsuper));

-- the sealer (epi.audit_seal, owner rights for the jobs) reads and seals entries, epi.audit_head
-- counts them for the jobs and the auditor; the trigger
-- epi_private.tg_audit_log__append_only lets it fill in a seal and nothing else
drop policy if exists "The sealer reads the entries" on epi.audit_log;
create policy "The sealer reads the entries" on epi.audit_log for select to epi_owner
  using ((select epi_private.caller_is('jobs', 'auditor')) or current_setting('role') = 'epi_owner');
drop policy if exists "The sealer seals the entries" on epi.audit_log;
create policy "The sealer seals the entries" on epi.audit_log for update to epi_owner
  using ((select epi_private.caller_is('jobs')) or current_setting('role') = 'epi_owner')
  with check ((select epi_private.caller_is('jobs')) or current_setting('role') = 'epi_owner');

-- the retention purge (epi.job_retention, owner rights for the jobs) removes the sealed entries
-- before the chain's checkpoint; the trigger checks the same
drop policy if exists "The retention purge removes entries before the checkpoint" on epi.audit_log;
create policy "The retention purge removes entries before the checkpoint" on epi.audit_log for delete to epi_owner
  using ((select epi_private.caller_is('jobs')) and current_setting('epi.audit_purge', true) = 'on');

revoke all on epi.audit_log from epi_ops, epi_unit, epi_jobs, epi_auditor;
grant select on epi.audit_log to epi_auditor;
