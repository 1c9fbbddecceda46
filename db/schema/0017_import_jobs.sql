/* Issue 26, point 6: an import started from the page is a row, not a dict in one web process's
   memory: its state and progress survive a restart and every web process behind the proxy answers
   the progress poll. The importing process holds a session advisory lock keyed by the job
   (hashtext('epi.import_job'), hashtext(job_id)) on the connection that writes the progress; a
   running job whose lock nobody holds belongs to a process that died — its import transaction
   was rolled back with its connection — and is marked failed by the next reader
   (web/sql/web.sql: reap_import_jobs). Ops only: counts, a file name, a masked message. */
create table epi.import_job (
  job_id       text primary key check (job_id ~ '^[0-9a-f]{12,32}$'),
  file_name    text not null,
  imported_by  text not null,
  state        text not null default 'running' check (state in ('running', 'done', 'failed')),
  rows_read    bigint not null default 0 check (rows_read >= 0),
  rows_written bigint not null default 0 check (rows_written >= 0),
  rows_total   bigint not null default 0 check (rows_total >= 0),
  message      text not null default '',
  batch_id     bigint,
  duplicate    boolean not null default false,
  digest       text,
  started_at   timestamptz not null default now(),
  ended_at     timestamptz,
  updated_at   timestamptz not null default now(),
  check ((state = 'running') = (ended_at is null))
);
create index import_job_by_idx on epi.import_job (imported_by, started_at desc);
create index import_job_running_idx on epi.import_job (job_id) where state = 'running';
comment on table epi.import_job is 'Each import started from the page: state, rows read / written / expected, the outcome''s message (masked); progress of a running one.';

/* Issue 26, point 9: the daily re-reading of OA's organisation export is a job of its own (units). */
alter table epi.job_run drop constraint job_run_job_valid;
alter table epi.job_run add constraint job_run_job_valid
  check (job in ('partitions', 'retention', 'discover', 'counts', 'counts_full', 'alerts', 'sms', 'nightly', 'frontdb',
                 'units'));
comment on constraint job_run_job_valid on epi.job_run is '任务名称只能是 partitions、retention、discover、counts、counts_full、alerts、sms、nightly、frontdb 或 units';
