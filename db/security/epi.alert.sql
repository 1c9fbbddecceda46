alter table epi.alert enable row level security, force row level security;
revoke all on epi.alert from public;

drop policy if exists "Ops and jobs see every alert" on epi.alert;
create policy "Ops and jobs see every alert" on epi.alert for select
  using ((select epi_private.current_kind()) in ('ops', 'jobs'));
drop policy if exists "Units see alerts of the venues they supervise" on epi.alert;
-- alerts are read in bulk (a unit's list): a hashed `in (select …)` rather than an array search per row
create policy "Units see alerts of the venues they supervise" on epi.alert for select
  using (venue_id in (select epi_private.supervised_venues()));
drop policy if exists "The alert job raises alerts" on epi.alert;
create policy "The alert job raises alerts" on epi.alert for insert
  with check ((select epi_private.current_kind()) = 'jobs');
drop policy if exists "Units accept alerts of the venues they supervise" on epi.alert;
create policy "Units accept alerts of the venues they supervise" on epi.alert for update
  using ((select epi_private.current_kind()) = 'unit'
         and venue_id = any (array(select epi_private.supervised_venues())))
  with check ((select epi_private.current_kind()) = 'unit');

grant select on epi.alert to epi_ops, epi_unit, epi_jobs;
grant insert (venue_id, venue_name, category, city, street, period_start, period_end, reason, flow_min, flow_max)
  on epi.alert to epi_jobs;
grant update (status) on epi.alert to epi_unit;
