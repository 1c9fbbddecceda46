/* why: a per-day chart must tell a day without scans of the caller's venues (0) from a day without
   any data in the whole city (无数据). The days are no unit's data; the table is still read only
   through this function (no grant), under its RLS. */
create or replace function epi.data_days(p_from date, p_to date)
returns table (day date)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select d.day from epi_private.data_day d where d.day between p_from and p_to
$$;
comment on function epi.data_days(date, date) is 'The Asia/Shanghai days in a range on which the whole city has at least one scan.';
