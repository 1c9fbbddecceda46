/* Monthly scan counts per venue: a summary beside epi_private.daily_count, with the same rules.
   No runtime role has a grant; the daily counts' triggers keep it, and units read it through
   epi.venue_totals (security definer), where the forced RLS below still applies by the caller's
   identity. Read in bulk (a unit's venues), so the unit policy is the hashed `in (select …)`. */
alter table epi_private.month_count enable row level security, force row level security;
revoke all on epi_private.month_count from public;

drop policy if exists "Ops and jobs see every month count" on epi_private.month_count;
create policy "Ops and jobs see every month count" on epi_private.month_count for select
  using ((select epi_private.caller_is('ops', 'jobs')));
drop policy if exists "Units see month counts of the venues they supervise" on epi_private.month_count;
create policy "Units see month counts of the venues they supervise" on epi_private.month_count for select
  using (venue_id in (select epi_private.supervised_venues()));
drop policy if exists "Scan writes by ops and jobs keep the month counts" on epi_private.month_count;
create policy "Scan writes by ops and jobs keep the month counts" on epi_private.month_count for all
  using ((select epi_private.caller_is('ops', 'jobs')))
  with check ((select epi_private.caller_is('ops', 'jobs')));
