/* why: daily counts are a summary table that no unit role may read directly. This function reads
   it as the owner, and the table's forced RLS still filters by the caller's identity (which comes
   from the session, not from current_user), so a unit gets its own venues' counts only. */
create or replace function epi_private.visible_daily_counts()
returns table (venue_id text, day date, n integer)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select c.venue_id, c.day, c.n from epi_private.daily_count c
$$;
comment on function epi_private.visible_daily_counts() is 'Daily scan counts of the venues the caller may see (behind oa.daily_count).';
