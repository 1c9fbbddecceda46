/* why: the audit chain's head and checkpoint: only the owner's functions (the sealer, the purge,
   epi.audit_head) read or change it; a runtime role cannot even lock its row (and so stall the
   sealer). */
alter table epi_private.audit_chain enable row level security, force row level security;
revoke all on epi_private.audit_chain from public;
drop policy if exists "Only the owner's functions keep the chain" on epi_private.audit_chain;
create policy "Only the owner's functions keep the chain" on epi_private.audit_chain
  for all to epi_owner using (true) with check (true);
