/* why: the one way epi_private.month_count changes (the daily counts' triggers call it): each
   change of a venue's daily count (venue, day, delta) is added to the running totals of its
   month — to cum[d] for every d from its day on. A month whose total reaches 0 goes first, by its
   total alone (a month's partition dropped: 150,000 daily counts of 5,000 venues, no running
   totals to compute); the others get their 31 elements, written out: an array's elements added
   one by one in SQL would be a subquery per row (about 1 s per 200,000-row import). One
   statement per call: emptied months deleted, counted ones updated, the others inserted.
   A custom plan every call (plan_cache_mode): from its sixth call in a session PostgreSQL 18 chose
   the generic plan of this statement, which knows nothing of the arrays' sizes, and each chunk of
   an import took 0.3 s here instead of 0.05 — 1.5 s of a 200,000-row import in 25,000-row chunks,
   and every batch of the front-database sync's long-lived connection. */
create or replace function epi_private.month_count_add(p_venue text[], p_day date[], p_n bigint[]) returns void
language sql volatile
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_custom_plan
as $$
  with days as (   -- one delta per venue and day, those that change something, and how many its month has
    select venue_id, month, d, n, count(*) over (partition by venue_id, month) as in_month
      from (select venue_id, date_trunc('month', day)::date as month, extract(day from day)::integer as d,
                   sum(n) as n
              from unnest(p_venue, p_day, p_n) x(venue_id, day, n)
             group by venue_id, day
            having sum(n) <> 0) g
  ), totals as (
    select venue_id, month, sum(n) as n from days group by 1, 2
  ), emptied as (
    delete from epi_private.month_count m
     using totals t
     where m.venue_id = t.venue_id and m.month = t.month and m.cum[31] + t.n <= 0
    returning m.venue_id, m.month
  ), months as (   -- the running-total delta of each month that stays: one day's alone (an
                   -- import's chunk: mostly one day a venue) by two array_fill, several by 31 sums
    select venue_id, month, array_fill(0, array[d - 1]) || array_fill(n::integer, array[32 - d]) as cum
      from days x
     where in_month = 1
       and not exists (select from emptied e where e.venue_id = x.venue_id and e.month = x.month)
    union all
    select venue_id, month,
           array[
                 coalesce(sum(n) filter (where d <= 1), 0),
                 coalesce(sum(n) filter (where d <= 2), 0),
                 coalesce(sum(n) filter (where d <= 3), 0),
                 coalesce(sum(n) filter (where d <= 4), 0),
                 coalesce(sum(n) filter (where d <= 5), 0),
                 coalesce(sum(n) filter (where d <= 6), 0),
                 coalesce(sum(n) filter (where d <= 7), 0),
                 coalesce(sum(n) filter (where d <= 8), 0),
                 coalesce(sum(n) filter (where d <= 9), 0),
                 coalesce(sum(n) filter (where d <= 10), 0),
                 coalesce(sum(n) filter (where d <= 11), 0),
                 coalesce(sum(n) filter (where d <= 12), 0),
                 coalesce(sum(n) filter (where d <= 13), 0),
                 coalesce(sum(n) filter (where d <= 14), 0),
                 coalesce(sum(n) filter (where d <= 15), 0),
                 coalesce(sum(n) filter (where d <= 16), 0),
                 coalesce(sum(n) filter (where d <= 17), 0),
                 coalesce(sum(n) filter (where d <= 18), 0),
                 coalesce(sum(n) filter (where d <= 19), 0),
                 coalesce(sum(n) filter (where d <= 20), 0),
                 coalesce(sum(n) filter (where d <= 21), 0),
                 coalesce(sum(n) filter (where d <= 22), 0),
                 coalesce(sum(n) filter (where d <= 23), 0),
                 coalesce(sum(n) filter (where d <= 24), 0),
                 coalesce(sum(n) filter (where d <= 25), 0),
                 coalesce(sum(n) filter (where d <= 26), 0),
                 coalesce(sum(n) filter (where d <= 27), 0),
                 coalesce(sum(n) filter (where d <= 28), 0),
                 coalesce(sum(n) filter (where d <= 29), 0),
                 coalesce(sum(n) filter (where d <= 30), 0),
                 coalesce(sum(n) filter (where d <= 31), 0)
           ]::integer[] as cum
      from days x
     where in_month > 1
       and not exists (select from emptied e where e.venue_id = x.venue_id and e.month = x.month)
     group by 1, 2
  ), counted as (
    update epi_private.month_count m
       set cum = array[
                     m.cum[1] + d.cum[1],
                     m.cum[2] + d.cum[2],
                     m.cum[3] + d.cum[3],
                     m.cum[4] + d.cum[4],
                     m.cum[5] + d.cum[5],
                     m.cum[6] + d.cum[6],
                     m.cum[7] + d.cum[7],
                     m.cum[8] + d.cum[8],
                     m.cum[9] + d.cum[9],
                     m.cum[10] + d.cum[10],
                     m.cum[11] + d.cum[11],
                     m.cum[12] + d.cum[12],
                     m.cum[13] + d.cum[13],
                     m.cum[14] + d.cum[14],
                     m.cum[15] + d.cum[15],
                     m.cum[16] + d.cum[16],
                     m.cum[17] + d.cum[17],
                     m.cum[18] + d.cum[18],
                     m.cum[19] + d.cum[19],
                     m.cum[20] + d.cum[20],
                     m.cum[21] + d.cum[21],
                     m.cum[22] + d.cum[22],
                     m.cum[23] + d.cum[23],
                     m.cum[24] + d.cum[24],
                     m.cum[25] + d.cum[25],
                     m.cum[26] + d.cum[26],
                     m.cum[27] + d.cum[27],
                     m.cum[28] + d.cum[28],
                     m.cum[29] + d.cum[29],
                     m.cum[30] + d.cum[30],
                     m.cum[31] + d.cum[31]
                 ]
      from months d
     where m.venue_id = d.venue_id and m.month = d.month
    returning m.venue_id, m.month
  )
  insert into epi_private.month_count as m (venue_id, month, cum)
  select d.venue_id, d.month, d.cum
    from months d
   where d.cum[31] > 0
     and not exists (select from counted c where c.venue_id = d.venue_id and c.month = d.month)
  on conflict (venue_id, month) do update   -- a month another transaction has just counted
    set cum = array[
                     m.cum[1] + excluded.cum[1],
                     m.cum[2] + excluded.cum[2],
                     m.cum[3] + excluded.cum[3],
                     m.cum[4] + excluded.cum[4],
                     m.cum[5] + excluded.cum[5],
                     m.cum[6] + excluded.cum[6],
                     m.cum[7] + excluded.cum[7],
                     m.cum[8] + excluded.cum[8],
                     m.cum[9] + excluded.cum[9],
                     m.cum[10] + excluded.cum[10],
                     m.cum[11] + excluded.cum[11],
                     m.cum[12] + excluded.cum[12],
                     m.cum[13] + excluded.cum[13],
                     m.cum[14] + excluded.cum[14],
                     m.cum[15] + excluded.cum[15],
                     m.cum[16] + excluded.cum[16],
                     m.cum[17] + excluded.cum[17],
                     m.cum[18] + excluded.cum[18],
                     m.cum[19] + excluded.cum[19],
                     m.cum[20] + excluded.cum[20],
                     m.cum[21] + excluded.cum[21],
                     m.cum[22] + excluded.cum[22],
                     m.cum[23] + excluded.cum[23],
                     m.cum[24] + excluded.cum[24],
                     m.cum[25] + excluded.cum[25],
                     m.cum[26] + excluded.cum[26],
                     m.cum[27] + excluded.cum[27],
                     m.cum[28] + excluded.cum[28],
                     m.cum[29] + excluded.cum[29],
                     m.cum[30] + excluded.cum[30],
                     m.cum[31] + excluded.cum[31]
              ];
$$;
comment on function epi_private.month_count_add(text[], date[], bigint[]) is 'Add changes of daily counts (venue, day, delta) to the running totals of epi_private.month_count.';
