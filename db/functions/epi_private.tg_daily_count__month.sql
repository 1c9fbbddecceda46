/* why: epi_private.month_count must agree with the daily counts after every statement that
   changes them, whoever wrote them (the scan triggers, the counts job's repair, a month's drop,
   retention). One grouped delta per statement from the transition tables (an INSERT … ON
   CONFLICT DO UPDATE fires the insert trigger for its new rows and the update trigger for the
   rows it changed), added to each month's total and to its day; a month whose count reaches 0
   goes. Not security definer: these run with the rights of the writer of the daily counts, which
   only their owner (security-definer functions acting for ops or jobs) and a superuser can be, so
   the month counts' policies apply as the daily counts' do. */
create or replace function epi_private.tg_daily_count__month() returns trigger
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    perform epi_private.month_count_add(array_agg(venue_id), array_agg(day), array_agg(n::bigint)) from new_rows;
  elsif tg_op = 'UPDATE' then
    perform epi_private.month_count_add(array_agg(venue_id), array_agg(day), array_agg(n))
       from (select venue_id, day, n::bigint as n from new_rows
             union all
             select venue_id, day, -n::bigint from old_rows) c;
  else
    perform epi_private.month_count_add(array_agg(venue_id), array_agg(day), array_agg(-n::bigint)) from old_rows;
  end if;
  return null;
end
$$;
comment on function epi_private.tg_daily_count__month() is 'Keep epi_private.month_count in step with every change of epi_private.daily_count.';

drop trigger if exists tg_daily_count__month_insert on epi_private.daily_count;
create trigger tg_daily_count__month_insert after insert on epi_private.daily_count
  referencing new table as new_rows for each statement execute function epi_private.tg_daily_count__month();
drop trigger if exists tg_daily_count__month_update on epi_private.daily_count;
create trigger tg_daily_count__month_update after update on epi_private.daily_count
  referencing old table as old_rows new table as new_rows for each statement
  execute function epi_private.tg_daily_count__month();
drop trigger if exists tg_daily_count__month_delete on epi_private.daily_count;
create trigger tg_daily_count__month_delete after delete on epi_private.daily_count
  referencing old table as old_rows for each statement execute function epi_private.tg_daily_count__month();
