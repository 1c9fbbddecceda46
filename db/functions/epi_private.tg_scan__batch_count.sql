/* why: the import history shows how many rows of each import are still stored, after deletes by
   range or by import and after the retention purge, without counting millions of rows on every
   view of the page: statement-level triggers with transition tables add or subtract one grouped
   delta per batch (as tg_scan__count does for the daily counts), and per batch and month into
   epi_private.batch_month, so that a month's partition drop knows its rows per import without
   counting them. Security definer: neither is writable by any runtime role; the update policy of
   epi.import_batch (ops and jobs) holds. */
create or replace function epi_private.tg_scan__batch_count() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    with added as (
      select date_trunc('month', collected_at at time zone 'Asia/Shanghai')::date as month, batch_id, count(*) as n
        from new_rows
       group by 1, 2
    ), months as (
      insert into epi_private.batch_month as m (month, batch_id, n)
      select month, batch_id, n from added
      on conflict (month, batch_id) do update set n = m.n + excluded.n
    )
    update epi.import_batch b set stored_rows = b.stored_rows + d.n
      from (select batch_id, sum(n) as n from added group by batch_id) d
     where b.batch_id = d.batch_id;
  elsif tg_op = 'DELETE' then
    with gone as (
      select date_trunc('month', collected_at at time zone 'Asia/Shanghai')::date as month, batch_id, count(*) as n
        from old_rows
       group by 1, 2
    ), changed as (
      update epi_private.batch_month m set n = m.n - gone.n
        from gone
       where m.month = gone.month and m.batch_id = gone.batch_id and m.n > gone.n
    ), emptied as (
      delete from epi_private.batch_month m
       using gone
       where m.month = gone.month and m.batch_id = gone.batch_id and m.n <= gone.n
    )
    update epi.import_batch b set stored_rows = greatest(b.stored_rows - d.n, 0)
      from (select batch_id, sum(n) as n from gone group by batch_id) d
     where b.batch_id = d.batch_id;
  end if;
  return null;
end
$$;
comment on function epi_private.tg_scan__batch_count() is 'Keep epi.import_batch.stored_rows and epi_private.batch_month in step with inserts into and deletes from epi.scan.';

drop trigger if exists tg_scan__batch_count_insert on epi.scan;
create trigger tg_scan__batch_count_insert after insert on epi.scan
  referencing new table as new_rows for each statement execute function epi_private.tg_scan__batch_count();
drop trigger if exists tg_scan__batch_count_delete on epi.scan;
create trigger tg_scan__batch_count_delete after delete on epi.scan
  referencing old table as old_rows for each statement execute function epi_private.tg_scan__batch_count();
