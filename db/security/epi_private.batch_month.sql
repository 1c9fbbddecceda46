/* Each import batch's stored rows per month: written only by the scan triggers and the month
   drop (security definer) while ops or jobs write scans; no runtime role has a grant. */
alter table epi_private.batch_month enable row level security, force row level security;
revoke all on epi_private.batch_month from public;

drop policy if exists "Scan writes by ops and jobs keep the months" on epi_private.batch_month;
create policy "Scan writes by ops and jobs keep the months" on epi_private.batch_month for all
  using ((select epi_private.caller_is('ops', 'jobs')))
  with check ((select epi_private.caller_is('ops', 'jobs')));
