/* Nightly jobs: job state (watermarks), days whose counts changed since the last check, the
   dispatcher's claim on a text, and the alert detection window. */

create table epi_private.job_state (
  name       text primary key,
  value      bigint not null,
  updated_at timestamptz not null default now()
);
comment on table epi_private.job_state is 'Watermarks of the jobs, e.g. the last import batch seen by venue discovery.';

create table epi_private.count_dirty_day (
  day date primary key
);
comment on table epi_private.count_dirty_day is 'Asia/Shanghai days whose scans changed since the counts job last checked them.';

alter table epi.sms_outbox add column sending_since timestamptz;
comment on column epi.sms_outbox.sending_since is
  'Set (and committed) by a dispatcher just before it calls the gateway; a pending text still claimed long after is in doubt and is never re-sent blindly.';

alter table epi.job_run drop constraint job_run_job_check;
alter table epi.job_run add constraint job_run_job_valid
  check (job in ('discover', 'counts', 'counts_full', 'alerts', 'sms', 'nightly', 'frontdb'));
comment on constraint job_run_job_valid on epi.job_run is '任务名称只能是 discover、counts、counts_full、alerts、sms、nightly 或 frontdb';

-- data changes by the owner: RLS is forced on every table, so lift FORCE for this statement only
-- (db/security/epi.setting.sql forces it again right after the migrations)
alter table epi.setting no force row level security;
insert into epi.setting (key, value) values ('alert_window_days', '90') on conflict (key) do nothing;
alter table epi.setting force row level security;
