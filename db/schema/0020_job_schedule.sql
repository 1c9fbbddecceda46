/* Issue 40: one schedule and one job engine.
   - epi.job_schedule is the schedule: the time of day (Asia/Shanghai) and, for a weekly job, the
     weekday of each timed job. pg_cron's lines (epi.job_cron), `invoke scheduler`, the pages that
     state a time and the monitoring rules all read it; `invoke jobs.schedule --nightly-at HH:MM`
     changes it (epi.set_job_schedule), audited like a setting.
   - a step's run names the run it belongs to (parent_run): epi.run_job returns its run id and a
     runner reads that run and its steps, never "every run since the largest id" (which also
     caught a concurrent run).
   - epi.job_list carries each step's call, epi.run_job gains its run id (an INOUT parameter) and
     epi.job_begin the parent: their signatures change, so the old ones go here and db/functions
     creates the new ones. */
create table epi.job_schedule (
  job        text primary key check (job in ('nightly', 'counts_full', 'units')),
  at         time(0) not null check (at = date_trunc('minute', at)),
  weekday    smallint check (weekday between 0 and 6),
  updated_at timestamptz not null default now()
);
comment on table epi.job_schedule is
  'When each timed job runs: at (Asia/Shanghai, to the minute) every day, or on weekday (0 = Sunday, as cron counts) only.';
comment on column epi.job_schedule.weekday is '0 = Sunday … 6 = Saturday (cron''s numbering); NULL: every day';
insert into epi.job_schedule (job, at, weekday) values
  ('nightly', '02:00', null),        -- SPEC: the nightly jobs at 02:00
  ('units', '01:45', null),          -- OA's organisation export, re-read 15 minutes before the nightly
  ('counts_full', '03:00', 0);       -- the full count check, Sundays at 03:00

alter table epi.job_run add column parent_run bigint references epi.job_run (run_id) on delete cascade;
create index job_run_parent_idx on epi.job_run (parent_run) where parent_run is not null;
comment on column epi.job_run.parent_run is 'The run this step''s run belongs to (a nightly''s steps); NULL for a run of its own.';

drop procedure if exists epi.run_job(text, date);
drop function if exists epi.job_list();
drop function if exists epi.job_begin(text, date);
