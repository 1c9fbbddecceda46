/* why: the import history shows how many rows of each import are still stored, after deletes by
   range or by import and after the retention purge, without counting millions of rows on every
   view of the page: statement-level triggers with transition tables add or subtract one grouped
   delta per batch (as tg_scan__count does for the daily counts). Security definer: the column is
   not writable by any runtime role; the update policy of epi.import_batch (ops and jobs) holds. */
create or replace function epi_private.tg_scan__batch_count() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    update epi.import_batch b set stored_rows = b.stored_rows + d.n
      from (select batch_id, count(*) as n from new_rows group by batch_id) d
     where b.batch_id = d.batch_id;
  elsif tg_op = 'DELETE' then
    update epi.import_batch b set stored_rows = greatest(b.stored_rows - d.n, 0)
      from (select batch_id, count(*) as n from old_rows group by batch_id) d
     where b.batch_id = d.batch_id;
  end if;
  return null;
end
$$;
comment on function epi_private.tg_scan__batch_count() is 'Keep epi.import_batch.stored_rows in step with inserts into and deletes from epi.scan.';

drop trigger if exists tg_scan__batch_count_insert on epi.scan;
create trigger tg_scan__batch_count_insert after insert on epi.scan
  referencing new table as new_rows for each statement execute function epi_private.tg_scan__batch_count();
drop trigger if exists tg_scan__batch_count_delete on epi.scan;
create trigger tg_scan__batch_count_delete after delete on epi.scan
  referencing old table as old_rows for each statement execute function epi_private.tg_scan__batch_count();
