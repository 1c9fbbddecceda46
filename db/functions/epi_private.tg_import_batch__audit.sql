/* why: every import of scan records is audited by the database when its batch is finished (the
   rows are in and counted, in the same transaction): scan.import for a file, scan.sync for a
   batch of the front-database sync, with the file, its hash, the rows and the 采集时间 range.
   Whoever wrote the batch — the loader, the web upload, the sync, a hand-typed INSERT of a batch
   that already counts its rows — cannot leave it out. A batch just opened (0 rows) is recorded
   when it is finished. */
create or replace function epi_private.tg_import_batch__audit() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'INSERT' and new.row_count = 0 then
    return null;
  end if;
  perform epi_private.write_audit(case new.source when 'frontdb' then 'scan.sync' else 'scan.import' end,
    jsonb_build_object('batch_id', new.batch_id, 'file_name', new.file_name, 'file_hash', new.file_hash,
                       'rows', new.row_count, 'forced', new.forced, 'imported_by', new.imported_by,
                       'collected_min', new.collected_min, 'collected_max', new.collected_max),
    new.row_count);
  return null;
end
$$;
comment on function epi_private.tg_import_batch__audit() is 'Audit each finished import batch (scan.import, scan.sync).';

drop trigger if exists tg_import_batch__audit on epi.import_batch;
create trigger tg_import_batch__audit after insert or update of row_count, collected_min, collected_max on epi.import_batch
  for each row execute function epi_private.tg_import_batch__audit();
