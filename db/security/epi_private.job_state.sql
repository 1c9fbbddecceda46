/* Job internals: only the jobs (through their security-definer functions) touch them. */
alter table epi_private.job_state enable row level security, force row level security;
revoke all on epi_private.job_state from public;
drop policy if exists "Only jobs keep watermarks" on epi_private.job_state;
create policy "Only jobs keep watermarks" on epi_private.job_state for all
  using ((select epi_private.caller_is('jobs')))
  with check ((select epi_private.caller_is('jobs')));

alter table epi_private.count_dirty_day enable row level security, force row level security;
revoke all on epi_private.count_dirty_day from public;
drop policy if exists "Scan writes mark days and the counts job clears them" on epi_private.count_dirty_day;
create policy "Scan writes mark days and the counts job clears them" on epi_private.count_dirty_day for all
  using ((select epi_private.caller_is('ops', 'jobs')))
  with check ((select epi_private.caller_is('ops', 'jobs')));
