/* why: daily counts must agree with the scans after every import and delete, in the same
   transaction, whatever path wrote them (loader, page, sync). Statement-level triggers with
   transition tables add or subtract one grouped delta per statement, and mark the days touched
   so that the counts job can check exactly those against a recount; the days with data in the
   whole city (epi_private.data_day) follow. Security definer: no
   runtime role can write the summary directly. */
create or replace function epi_private.tg_scan__count() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    insert into epi_private.daily_count as c (venue_id, day, n)
    select venue_id, (collected_at at time zone 'Asia/Shanghai')::date, count(*)
      from new_rows
     group by 1, 2
    on conflict (venue_id, day) do update set n = c.n + excluded.n;
    with days as (
      select distinct (collected_at at time zone 'Asia/Shanghai')::date as day from new_rows
    ), dirty as (
      insert into epi_private.count_dirty_day (day) select day from days on conflict do nothing
    )
    insert into epi_private.data_day (day) select day from days on conflict do nothing;
  elsif tg_op = 'DELETE' then
    with gone as (
      select venue_id, (collected_at at time zone 'Asia/Shanghai')::date as day, count(*) as n
        from old_rows
       group by 1, 2
    ), changed as (
      update epi_private.daily_count c
         set n = c.n - gone.n
        from gone
       where c.venue_id = gone.venue_id and c.day = gone.day and c.n > gone.n
      returning c.venue_id, c.day
    )
    delete from epi_private.daily_count c
     using gone
     where c.venue_id = gone.venue_id and c.day = gone.day and c.n <= gone.n;
    insert into epi_private.count_dirty_day (day)
    select distinct (collected_at at time zone 'Asia/Shanghai')::date from old_rows
    on conflict do nothing;
    -- a day whose last count went is no longer a day with data (the statement above saw the counts)
    delete from epi_private.data_day d
     where d.day in (select (collected_at at time zone 'Asia/Shanghai')::date from old_rows)
       and not exists (select from epi_private.daily_count c where c.day = d.day);
  end if;
  return null;
end
$$;
comment on function epi_private.tg_scan__count() is 'Keep epi_private.daily_count in step with inserts into and deletes from epi.scan.';

drop trigger if exists tg_scan__count_insert on epi.scan;
create trigger tg_scan__count_insert after insert on epi.scan
  referencing new table as new_rows for each statement execute function epi_private.tg_scan__count();
drop trigger if exists tg_scan__count_delete on epi.scan;
create trigger tg_scan__count_delete after delete on epi.scan
  referencing old table as old_rows for each statement execute function epi_private.tg_scan__count();
