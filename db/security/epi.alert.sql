alter table epi.alert enable row level security, force row level security;
revoke all on epi.alert from public;

/* One SELECT policy per role (issue 19): a unit role (epi_unit, or an OA login bound to a unit
   through epi_reader) has the unit policy alone, which tests both columns an index of epi.alert
   leads with — venue_id ((venue_id, alert_id)) and alert_id (the primary key) — so that
   `alert_id = <another unit's alert>` or `venue_id = '<another unit's venue>'` meets the policy
   inside the index as the leading column's condition (PostgreSQL 15 keeps a condition on a second
   column as a filter), and no plan node reads or removes that unit's alerts. The ids come from epi_private.visible_alerts(), which
   reads with the owner's policy: the alerts of the venues the caller supervises now (a hashed
   `in (select …)`: read in bulk). */
drop policy if exists "Ops and jobs see every alert" on epi.alert;
create policy "Ops and jobs see every alert" on epi.alert for select
  to epi_ops, epi_jobs, epi_ops_reader, epi_owner
  using ((select epi_private.caller_is('ops', 'jobs')));
drop policy if exists "Units see alerts of the venues they supervise" on epi.alert;
create policy "Units see alerts of the venues they supervise" on epi.alert for select
  to epi_unit, epi_reader
  using (venue_id = any (array(select epi_private.supervised_venues()))
         and alert_id = any (array(select epi_private.visible_alerts())));
drop policy if exists "Owner rights see alerts of the calling unit's venues" on epi.alert;
create policy "Owner rights see alerts of the calling unit's venues" on epi.alert for select
  to epi_owner
  using (venue_id in (select epi_private.supervised_venues()));
drop policy if exists "The alert job raises alerts" on epi.alert;
create policy "The alert job raises alerts" on epi.alert for insert
  with check ((select epi_private.caller_is('jobs')));
drop policy if exists "Units accept alerts of the venues they supervise" on epi.alert;
create policy "Units accept alerts of the venues they supervise" on epi.alert for update
  using ((select epi_private.caller_is('unit'))
         and venue_id = any (array(select epi_private.supervised_venues())))
  with check ((select epi_private.caller_is('unit')));

grant select on epi.alert to epi_ops, epi_unit, epi_jobs;
grant insert (venue_id, venue_name, category, city, street, period_start, period_end, reason, flow_min, flow_max)
  on epi.alert to epi_jobs;
grant update (status) on epi.alert to epi_unit;
