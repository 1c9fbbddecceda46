/* why: statistics and the data calendar need counts for a date range (and perhaps one venue);
   oa.daily_count reads every visible count. This reads only the range, through the summary's
   forced RLS, so a unit still gets its own venues only. A unit's branch reads its venues' counts
   by the (venue_id, day) key, the venues (epi.venue, itself filtered by RLS) as an array: 250
   venues × 45 days instead of 5,000 venues × 45 days. As a join of epi.venue the planner chose,
   for every call with known dates (the first five of a session), the day index and the policy's
   filter over the whole city's counts of the range: 80–140 ms against 20 ms on the 10M-scan bench
   database (issue 22). Each call is planned with its dates (plan_cache_mode): the session's
   generic plan, from the sixth call on, took 107 ms against 47 ms for the 1,000-venue unit of
   the 50M-scan peak database. Ops and jobs read the whole range (unregistered venues included). Each
   branch is gated by a one-time filter on the caller's kind. */
create or replace function epi.daily_counts(p_from date, p_to date, p_venue text default null)
returns table (venue_id text, day date, n integer)
language sql stable security definer
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_custom_plan
as $$
  select c.venue_id, c.day, c.n
    from epi_private.daily_count c
   where (select epi_private.current_kind()) in ('ops', 'jobs')
     and c.day between p_from and p_to
     and (p_venue is null or c.venue_id = p_venue)
  union all
  select c.venue_id, c.day, c.n
    from epi_private.daily_count c
   where (select epi_private.current_kind()) = 'unit'
     and c.venue_id = any (array(select v.venue_id from epi.venue v where p_venue is null or v.venue_id = p_venue))
     and c.day between p_from and p_to
$$;
comment on function epi.daily_counts(date, date, text) is 'Daily scan counts in a date range (optionally of one venue) that the caller may see.';
