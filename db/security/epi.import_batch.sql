alter table epi.import_batch enable row level security, force row level security;
revoke all on epi.import_batch from public;

drop policy if exists "Ops and jobs see every import" on epi.import_batch;
create policy "Ops and jobs see every import" on epi.import_batch for select
  using ((select epi_private.caller_is('ops', 'jobs')));
drop policy if exists "Ops and the sync record imports" on epi.import_batch;
create policy "Ops and the sync record imports" on epi.import_batch for insert
  with check ((select epi_private.caller_is('ops', 'jobs')));
drop policy if exists "Ops and the sync complete imports" on epi.import_batch;
create policy "Ops and the sync complete imports" on epi.import_batch for update
  using ((select epi_private.caller_is('ops', 'jobs')))
  with check ((select epi_private.caller_is('ops', 'jobs')));
/* no delete policy and no delete grant: import history is kept, and scans reference it */

grant select on epi.import_batch to epi_ops, epi_jobs;
grant insert (source, file_name, file_hash, row_count, collected_min, collected_max, forced, imported_by, imported_at),
      update (row_count, collected_min, collected_max, forced)
  on epi.import_batch to epi_ops, epi_jobs;
