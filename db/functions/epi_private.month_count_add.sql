/* why: the one way epi_private.month_count changes (the daily counts' triggers call it): each
   change of a venue's daily count (venue, day, delta) is added to the running totals of its
   month — to cum[d] for every d from its day on. A month whose total reaches 0 goes first, by its
   total alone (a month's partition dropped: 150,000 daily counts of 5,000 venues, no running
   totals to compute); the others get their 31 elements, each computed in the row itself: an
   array's elements added one by one in SQL would be a subquery per row (about 1 s per
   200,000-row import), and adding them by unnest … with ordinality and array_agg cost 29 % more
   than this (python -m bench.delta --compare month_count: 0.306 against 0.238 s of trigger time
   for a 200,000-row import). So the statement is written with its 31 elements, and those are
   generated here from generate_series, not written out by hand. One statement per call: emptied
   months deleted, counted ones updated, the others inserted; EXECUTE plans it with each call's
   arrays (a generic plan, which knows nothing of their sizes, took 0.3 s a chunk instead of
   0.05 from a session's sixth call). */
create or replace function epi_private.month_count_add(p_venue text[], p_day date[], p_n bigint[]) returns void
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $f$
declare
  -- cum[k] of the running-total delta of a month's days; kept + delta, element by element
  v_delta  text := (select string_agg(format('coalesce(sum(n) filter (where d <= %s), 0)', k), ', ' order by k)
                      from generate_series(1, 31) k);
  v_kept   text := (select string_agg(format('m.cum[%1$s] + d.cum[%1$s]', k), ', ' order by k)
                      from generate_series(1, 31) k);
  v_raced  text := (select string_agg(format('m.cum[%1$s] + excluded.cum[%1$s]', k), ', ' order by k)
                      from generate_series(1, 31) k);
begin
  execute format($q$
  with days as (   -- one delta per venue and day, those that change something, and how many its month has
    select venue_id, month, d, n, count(*) over (partition by venue_id, month) as in_month
      from (select venue_id, date_trunc('month', day)::date as month, extract(day from day)::integer as d,
                   sum(n) as n
              from unnest($1, $2, $3) x(venue_id, day, n)
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
           array[%1$s]::integer[] as cum
      from days x
     where in_month > 1
       and not exists (select from emptied e where e.venue_id = x.venue_id and e.month = x.month)
     group by 1, 2
  ), counted as (
    update epi_private.month_count m
       set cum = array[%2$s]
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
    set cum = array[%3$s]
$q$, v_delta, v_kept, v_raced) using p_venue, p_day, p_n;
end
$f$;
comment on function epi_private.month_count_add(text[], date[], bigint[]) is 'Add changes of daily counts (venue, day, delta) to the running totals of epi_private.month_count.';
