alter table epi.alert_day enable row level security, force row level security;
revoke all on epi.alert_day from public;

drop policy if exists "Readers see the days of the alerts they can see" on epi.alert_day;
create policy "Readers see the days of the alerts they can see" on epi.alert_day for select
  using (alert_id in (select a.alert_id from epi.alert a));  -- hashed: read in bulk
drop policy if exists "The alert job records alert days" on epi.alert_day;
create policy "The alert job records alert days" on epi.alert_day for insert
  with check ((select epi_private.current_kind()) = 'jobs');

grant select on epi.alert_day to epi_ops, epi_unit, epi_jobs;
grant insert on epi.alert_day to epi_jobs;
