/* The days with data in the whole city: no venue and no count, so every kind of caller may know
   them (through epi.data_days()); only scan writes (ops, jobs) keep them. No runtime role has a grant. */
alter table epi_private.data_day enable row level security, force row level security;
revoke all on epi_private.data_day from public;

drop policy if exists "Every caller may know which days have data" on epi_private.data_day;
create policy "Every caller may know which days have data" on epi_private.data_day for select
  using ((select epi_private.caller_is('ops', 'unit', 'jobs')));
drop policy if exists "Scan writes by ops and jobs keep the days" on epi_private.data_day;
create policy "Scan writes by ops and jobs keep the days" on epi_private.data_day for all
  using ((select epi_private.caller_is('ops', 'jobs')))
  with check ((select epi_private.caller_is('ops', 'jobs')));
