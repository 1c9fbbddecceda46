/* Written only by security-definer code (epi.audit and the audit triggers), as the owner, for a
   caller with an identity; read by ops. Nobody updates or deletes an entry. */
alter table epi.audit_log enable row level security, force row level security;
revoke all on epi.audit_log from public;

drop policy if exists "Ops read the audit log" on epi.audit_log;
create policy "Ops read the audit log" on epi.audit_log for select
  using ((select epi_private.current_kind()) = 'ops');
drop policy if exists "Audited actions of identified callers are written" on epi.audit_log;
create policy "Audited actions of identified callers are written" on epi.audit_log for insert
  to epi_owner
  with check ((select epi_private.current_kind()) is not null);

grant select on epi.audit_log to epi_ops;
