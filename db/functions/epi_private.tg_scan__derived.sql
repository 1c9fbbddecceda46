/* why: whatever path writes scans (loader, page, sync, a DBA's statement), what is derived from them
   agrees after every statement, in the same transaction: statement-level triggers with transition
   tables group the rows an insert added or a delete took per venue and day and per import and
   month, and hand that one delta to epi_private.apply_scan_delta. Security definer: no runtime
   role can write the derived tables directly; the update policy of epi.import_batch (ops and
   jobs) holds. */
create or replace function epi_private.tg_scan__derived() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_venue text[];
  v_day   date[];
  v_n     bigint[];
  v_batch bigint[];
  v_month date[];
  v_bn    bigint[];
begin
  -- the transition table is read once (it holds whole rows: a chunk of an import spills to disk),
  -- grouped by venue, day and batch; both deltas are sums of that
  if tg_op = 'INSERT' then
    with g as materialized (
      select venue_id, batch_id, (collected_at at time zone 'Asia/Shanghai')::date as day, count(*) as n
        from new_rows group by 1, 2, 3)
    select d.venue, d.day, d.n, b.batch, b.month, b.n into v_venue, v_day, v_n, v_batch, v_month, v_bn
      from (select array_agg(venue_id) as venue, array_agg(day) as day, array_agg(n) as n
              from (select venue_id, day, sum(n)::bigint as n from g group by 1, 2) x) d,
           (select array_agg(batch_id) as batch, array_agg(month) as month, array_agg(n) as n
              from (select batch_id, date_trunc('month', day)::date as month, sum(n)::bigint as n from g group by 1, 2) y) b;
  else
    with g as materialized (
      select venue_id, batch_id, (collected_at at time zone 'Asia/Shanghai')::date as day, count(*) as n
        from old_rows group by 1, 2, 3)
    select d.venue, d.day, d.n, b.batch, b.month, b.n into v_venue, v_day, v_n, v_batch, v_month, v_bn
      from (select array_agg(venue_id) as venue, array_agg(day) as day, array_agg(-n) as n
              from (select venue_id, day, sum(n)::bigint as n from g group by 1, 2) x) d,
           (select array_agg(batch_id) as batch, array_agg(month) as month, array_agg(-n) as n
              from (select batch_id, date_trunc('month', day)::date as month, sum(n)::bigint as n from g group by 1, 2) y) b;
  end if;
  if v_venue is not null then
    perform epi_private.apply_scan_delta(v_venue, v_day, v_n, v_batch, v_month, v_bn);
  end if;
  return null;
end
$$;
comment on function epi_private.tg_scan__derived() is 'Hand the grouped delta of each insert into and delete from epi.scan to epi_private.apply_scan_delta.';

drop trigger if exists tg_scan__derived_insert on epi.scan;
create trigger tg_scan__derived_insert after insert on epi.scan
  referencing new table as new_rows for each statement execute function epi_private.tg_scan__derived();
drop trigger if exists tg_scan__derived_delete on epi.scan;
create trigger tg_scan__derived_delete after delete on epi.scan
  referencing old table as old_rows for each statement execute function epi_private.tg_scan__derived();
