/* Budget raises: no runtime role has a grant; ops raise through epi.raise_reveal_budget (audited)
   and read through epi.reveal_budgets, the reveal functions read the caller's own. Nobody changes or
   removes a raise (its audit entry stays either way). */
alter table epi_private.reveal_raise enable row level security, force row level security;
revoke all on epi_private.reveal_raise from public;
drop policy if exists "Ops read the raises" on epi_private.reveal_raise;
create policy "Ops read the raises" on epi_private.reveal_raise for select
  using ((select epi_private.caller_is('ops')));
drop policy if exists "Callers who reveal read their own raises" on epi_private.reveal_raise;
create policy "Callers who reveal read their own raises" on epi_private.reveal_raise for select
  using ((select epi_private.caller_is('unit')) and account = (select epi_private.current_account()));
drop policy if exists "Ops raise a budget" on epi_private.reveal_raise;
create policy "Ops raise a budget" on epi_private.reveal_raise for insert
  with check ((select epi_private.caller_is('ops')));
