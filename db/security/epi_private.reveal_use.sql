/* Reveal counts: no runtime role has a grant; the reveal functions (epi.reveal_scans,
   epi.export_scans_full through epi_private.reveal_spend) keep the caller's own account's rows, and
   epi.reveal_budgets shows ops every account's count of the day. RLS forced like every table's. */
alter table epi_private.reveal_use enable row level security, force row level security;
revoke all on epi_private.reveal_use from public;
drop policy if exists "Callers who reveal keep their own counts" on epi_private.reveal_use;
create policy "Callers who reveal keep their own counts" on epi_private.reveal_use for all
  using ((select epi_private.caller_is('ops', 'unit')) and account = (select epi_private.current_account()))
  with check ((select epi_private.caller_is('ops', 'unit')) and account = (select epi_private.current_account()));
drop policy if exists "Ops see every account's count" on epi_private.reveal_use;
create policy "Ops see every account's count" on epi_private.reveal_use for select
  using ((select epi_private.caller_is('ops')));
