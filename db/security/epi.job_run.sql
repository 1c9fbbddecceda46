alter table epi.job_run enable row level security, force row level security;
revoke all on epi.job_run from public;

drop policy if exists "Ops and jobs see every job run" on epi.job_run;
create policy "Ops and jobs see every job run" on epi.job_run for select
  using ((select epi_private.caller_is('ops', 'jobs')));
drop policy if exists "Jobs record their runs" on epi.job_run;
create policy "Jobs record their runs" on epi.job_run for insert
  with check ((select epi_private.caller_is('jobs')));
drop policy if exists "Jobs finish their runs" on epi.job_run;
create policy "Jobs finish their runs" on epi.job_run for update
  using ((select epi_private.caller_is('jobs')))
  with check ((select epi_private.caller_is('jobs')));

grant select on epi.job_run to epi_ops, epi_jobs;
grant insert (job, as_of, started_at, finished_at, ok, error, rows, parent_run),
      update (finished_at, ok, error, rows) on epi.job_run to epi_jobs;
