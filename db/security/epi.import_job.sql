alter table epi.import_job enable row level security, force row level security;
revoke all on epi.import_job from public;

drop policy if exists "Ops see and keep the page's imports" on epi.import_job;
create policy "Ops see and keep the page's imports" on epi.import_job for all
  using ((select epi_private.caller_is('ops')))
  with check ((select epi_private.caller_is('ops')));
/* no delete: the history of imports started from the page is kept */

grant select on epi.import_job to epi_ops;
grant insert (job_id, file_name, imported_by, rows_total),
      update (state, rows_read, rows_written, rows_total, message, batch_id, duplicate, digest, ended_at, updated_at)
  on epi.import_job to epi_ops;
