/* A summary table: no runtime role has any grant on it. Triggers (security definer) keep it; units
   read it through oa.daily_count → epi_private.visible_daily_counts(), and the forced RLS below
   still applies there, by the caller's identity. Counts are read in bulk (a month of days for all of
   a unit's venues), so the unit policy is `venue_id in (select …)`: a hashed SubPlan, one hash
   lookup per row. The `= any(array(…))` form of epi.scan is a linear search of the array per row:
   150k counts × 250 venues took 1.4 s against 60 ms. */
alter table epi_private.daily_count enable row level security, force row level security;
revoke all on epi_private.daily_count from public;

drop policy if exists "Ops and jobs see every daily count" on epi_private.daily_count;
create policy "Ops and jobs see every daily count" on epi_private.daily_count for select
  using ((select epi_private.caller_is('ops', 'jobs')));
drop policy if exists "Units see daily counts of the venues they supervise" on epi_private.daily_count;
create policy "Units see daily counts of the venues they supervise" on epi_private.daily_count for select
  using (venue_id in (select epi_private.supervised_venues()));
drop policy if exists "Scan writes by ops and jobs keep the counts" on epi_private.daily_count;
create policy "Scan writes by ops and jobs keep the counts" on epi_private.daily_count for all
  using ((select epi_private.caller_is('ops', 'jobs')))
  with check ((select epi_private.caller_is('ops', 'jobs')));
