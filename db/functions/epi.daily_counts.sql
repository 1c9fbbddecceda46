/* why: statistics and the data calendar need counts for a date range (and perhaps one venue);
   oa.daily_count reads every visible count. This reads only the range, through the summary's
   forced RLS, so a unit still gets its own venues only. A unit's branch starts from its venues
   (epi.venue, itself filtered by RLS) and reads their counts by the (venue_id, day) key: 250 venues
   × 30 days instead of filtering 5,000 venues × 30 days; ops and jobs read the whole range
   (unregistered venues included). Each branch is gated by a one-time filter on the caller's kind. */
create or replace function epi.daily_counts(p_from date, p_to date, p_venue text default null)
returns table (venue_id text, day date, n integer)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select c.venue_id, c.day, c.n
    from epi_private.daily_count c
   where (select epi_private.current_kind()) in ('ops', 'jobs')
     and c.day between p_from and p_to
     and (p_venue is null or c.venue_id = p_venue)
  union all
  select c.venue_id, c.day, c.n
    from epi.venue v
    join epi_private.daily_count c on c.venue_id = v.venue_id
   where (select epi_private.current_kind()) = 'unit'
     and c.day between p_from and p_to
     and (p_venue is null or v.venue_id = p_venue)
$$;
comment on function epi.daily_counts(date, date, text) is 'Daily scan counts in a date range (optionally of one venue) that the caller may see.';
