/* The schedule is read by ops (the pages that state a time, /healthz/jobs) and the jobs (the
   scheduler, pg_cron's registration); it is changed by a DBA acting as the owner
   (epi.set_job_schedule), never at run time. */
alter table epi.job_schedule enable row level security, force row level security;
revoke all on epi.job_schedule from public;

drop policy if exists "Ops and jobs read the schedule" on epi.job_schedule;
create policy "Ops and jobs read the schedule" on epi.job_schedule for select
  using ((select epi_private.caller_is('ops', 'jobs')));
drop policy if exists "The DBA acting as owner reads the schedule" on epi.job_schedule;
create policy "The DBA acting as owner reads the schedule" on epi.job_schedule for select to epi_owner
  using (current_setting('role') = 'epi_owner');
drop policy if exists "The DBA acting as owner changes the schedule" on epi.job_schedule;
create policy "The DBA acting as owner changes the schedule" on epi.job_schedule for update to epi_owner
  using (current_setting('role') = 'epi_owner') with check (current_setting('role') = 'epi_owner');

grant select on epi.job_schedule to epi_ops, epi_jobs;
