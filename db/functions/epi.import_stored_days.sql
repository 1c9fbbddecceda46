/* why: the duplicate check of an import (issue 51, epi.import_duplicates) is exact but sends every
   record's keys; a new day's export — the common case — overlaps no stored venue-day at all. This
   answers first which of the file's venue-days (公共场所ID, 采集时间's date in Asia/Shanghai) hold
   scans already, from the daily counts, so that only those records' keys are sent. Ops only (they
   see every daily count; the forced RLS of epi_private.daily_count applies by the caller). */
create or replace function epi.import_stored_days(p_venue_id text[], p_day date[])
returns table (venue_id text, day date)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform epi_private.require_kind('只有运维人员可以检查导入文件的重复记录', 'ops');
  return query
  select u.venue_id, u.day
    from unnest(p_venue_id, p_day) as u(venue_id, day)
   where exists (select from epi_private.daily_count c   -- one probe of its primary key each
                  where c.venue_id = u.venue_id and c.day = u.day and c.n > 0
                  offset 0);
end
$$;
comment on function epi.import_stored_days(text[], date[]) is
  'Which of an import''s venue-days hold scans already (the duplicate check''s first step; ops only).';
