alter table epi.alert_day enable row level security, force row level security;
revoke all on epi.alert_day from public;

/* One SELECT policy per role (issue 19): for a unit role the policy tests alert_id, which the
   primary key (alert_id, day) leads with, so `alert_id = <another unit's alert>` meets it inside
   the index. Ops and jobs see every day; the owner, the days of the alerts it can see (hashed:
   read in bulk). */
drop policy if exists "Readers see the days of the alerts they can see" on epi.alert_day;
drop policy if exists "Ops and jobs see every alert day" on epi.alert_day;
create policy "Ops and jobs see every alert day" on epi.alert_day for select
  to epi_ops, epi_jobs, epi_ops_reader
  using ((select epi_private.caller_is('ops', 'jobs')));
drop policy if exists "Units see the days of the alerts they can see" on epi.alert_day;
create policy "Units see the days of the alerts they can see" on epi.alert_day for select
  to epi_unit, epi_reader
  using (alert_id = any (array(select epi_private.visible_alerts())));
drop policy if exists "Owner rights see the days of the alerts they can see" on epi.alert_day;
create policy "Owner rights see the days of the alerts they can see" on epi.alert_day for select
  to epi_owner
  using (alert_id in (select a.alert_id from epi.alert a));
drop policy if exists "The alert job records alert days" on epi.alert_day;
create policy "The alert job records alert days" on epi.alert_day for insert
  with check ((select epi_private.caller_is('jobs')));

grant select on epi.alert_day to epi_ops, epi_unit, epi_jobs;
grant insert on epi.alert_day to epi_jobs;
