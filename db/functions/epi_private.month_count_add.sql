/* why: the one way epi_private.month_count changes (the daily counts' triggers call it): each
   change of a venue's daily count is added to its month's total and to that day of the month. */
create or replace function epi_private.month_count_add(p_venue text[], p_day date[], p_n bigint[]) returns void
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  -- rows of months already counted are updated (a delta may be negative), new months inserted:
  -- an INSERT … ON CONFLICT checks the proposed row, so a negative one would fail its CHECK
  with delta as (
    select venue_id, day, sum(n)::bigint as n
      from unnest(p_venue, p_day, p_n) d(venue_id, day, n)
     group by 1, 2
    having sum(n) <> 0
  ), months as (
    select venue_id, date_trunc('month', day)::date as month, sum(n) as n,
           epi_private.month_days(array_agg(extract(day from day)::integer), array_agg(n)) as days
      from delta
     group by 1, 2
  ), counted as (
    update epi_private.month_count m
       set n = m.n + d.n,
           days = array(select a + b from unnest(m.days, d.days) with ordinality t(a, b, i) order by i)
      from months d
     where m.venue_id = d.venue_id and m.month = d.month
    returning m.venue_id, m.month
  )
  insert into epi_private.month_count as m (venue_id, month, n, days)
  select d.venue_id, d.month, d.n, d.days
    from months d
   where not exists (select from counted c where c.venue_id = d.venue_id and c.month = d.month)
  on conflict (venue_id, month) do update   -- a month another transaction has just counted
    set n = m.n + excluded.n,
        days = array(select a + b from unnest(m.days, excluded.days) with ordinality t(a, b, i) order by i);
  delete from epi_private.month_count m
   where m.n = 0
     and (m.venue_id, m.month) in (select d.venue_id, date_trunc('month', d.day)::date
                                     from unnest(p_venue, p_day, p_n) d(venue_id, day, n) where d.n < 0);
end
$$;
comment on function epi_private.month_count_add(text[], date[], bigint[]) is 'Add changes of daily counts (venue, day, delta) to epi_private.month_count.';
