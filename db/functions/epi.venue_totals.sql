/* why: 扫码统计查询 (the page, its export, GET /api/stats) wants each venue's scans over a range of
   days: every venue of a unit, any range. Summing the daily counts reads venues × days rows
   (45,000 for the 1,000-venue unit over 45 days at peak); this reads epi_private.month_count,
   one row per venue and month the range touches (3 for 2022-01-17 .. 2022-03-02) in one index
   search per venue: a whole month by its total, a month at an edge by its days in the range.
   Security definer for the summaries, whose forced RLS still filters by the caller's identity: a
   unit gets its own venues only (their keys are read as an array, as in epi.daily_counts), ops
   and jobs every venue, anyone else nothing. Venues without a scan in the range have no row. */
create or replace function epi.venue_totals(p_from date, p_to date)
returns table (venue_id text, n bigint)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_custom_plan
as $$
declare
  v_kind   text := epi_private.current_kind();
  v_first  date := date_trunc('month', p_from)::date;  -- the months the range touches
  v_last   date := date_trunc('month', p_to)::date;
  -- the whole months inside [p_from, p_to]: [v_lo, v_hi); the others count their days in it
  v_lo     date := (date_trunc('month', p_from - 1) + interval '1 month')::date;
  v_hi     date := date_trunc('month', p_to + 1)::date;
  v_venues text[];
begin
  if p_from is null or p_to is null or p_from > p_to or v_kind is null or v_kind not in ('ops', 'jobs', 'unit') then
    return;
  end if;
  if v_kind = 'unit' then
    v_venues := array(select v.venue_id from epi.venue v);  -- epi.venue's RLS: the unit's own
    return query
      select t.venue_id, sum(t.n)::bigint
        from (select m.venue_id, case when m.month >= v_lo and m.month < v_hi then m.n
                  else (select coalesce(sum(x), 0)::bigint
                          from unnest(m.days[case when m.month = v_first then extract(day from p_from)::integer else 1 end
                                             : case when m.month = v_last then extract(day from p_to)::integer else 31 end]) x)
             end as n
                from epi_private.month_count m
               where m.venue_id = any (v_venues) and m.month between v_first and v_last) t
       group by t.venue_id
      having sum(t.n) > 0;
  else
    return query
      select t.venue_id, sum(t.n)::bigint
        from (select m.venue_id, case when m.month >= v_lo and m.month < v_hi then m.n
                  else (select coalesce(sum(x), 0)::bigint
                          from unnest(m.days[case when m.month = v_first then extract(day from p_from)::integer else 1 end
                                             : case when m.month = v_last then extract(day from p_to)::integer else 31 end]) x)
             end as n
                from epi_private.month_count m
               where m.month between v_first and v_last) t
       group by t.venue_id
      having sum(t.n) > 0;
  end if;
end
$$;
comment on function epi.venue_totals(date, date) is 'Scans per venue over a range of days (from the month counts: whole months by their total, the edge months by their days) that the caller may see.';
