/* why: daily counts are kept incrementally by triggers; this job checks them against a recount
   and repairs any difference (with an audit entry). Nightly it checks the days whose scans changed
   since its last run (marked by the triggers); with p_full it recounts every day. Returns the
   number of (venue, day) counts it had to repair — 0 when all agree. */
create or replace function epi.job_counts(p_as_of date, p_full boolean default false) returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_days   date[];
  v_fixed  bigint := 0;
  v_sample jsonb;
begin
  perform epi_private.require_kind('只有系统任务可以核对日扫码量', 'jobs');
  if not p_full then
    with taken as (delete from epi_private.count_dirty_day returning day)
    select coalesce(array_agg(day), '{}') into v_days from taken;
    if cardinality(v_days) = 0 then
      return 0;
    end if;
  else
    delete from epi_private.count_dirty_day;
  end if;

  create temp table if not exists counts_diff (venue_id text, day date, kept integer, actual integer) on commit drop;
  truncate counts_diff;
  if p_full then
    insert into counts_diff
    select coalesce(k.venue_id, a.venue_id), coalesce(k.day, a.day), k.n, a.n
      from epi_private.daily_count k
      full join (select venue_id, (collected_at at time zone 'Asia/Shanghai')::date as day, count(*)::int as n
                   from epi.scan group by 1, 2) a on a.venue_id = k.venue_id and a.day = k.day
     where k.n is distinct from a.n;
  else
    insert into counts_diff
    select coalesce(k.venue_id, a.venue_id), coalesce(k.day, a.day), k.n, a.n
      from (select c.venue_id, c.day, c.n from epi_private.daily_count c where c.day = any (v_days)) k
      full join (select s.venue_id, (s.collected_at at time zone 'Asia/Shanghai')::date as day, count(*)::int as n
                   from epi.scan s
                  where s.collected_at >= (select min(d)::timestamp at time zone 'Asia/Shanghai' from unnest(v_days) d)
                    and s.collected_at < (select (max(d) + 1)::timestamp at time zone 'Asia/Shanghai' from unnest(v_days) d)
                    and (s.collected_at at time zone 'Asia/Shanghai')::date = any (v_days)
                  group by 1, 2) a on a.venue_id = k.venue_id and a.day = k.day
     where k.n is distinct from a.n;
  end if;
  select count(*) into v_fixed from counts_diff;
  if v_fixed > 0 then
    select jsonb_agg(jsonb_build_object('venue_id', venue_id, 'day', day, 'kept', kept, 'actual', actual))
      into v_sample
      from (select * from counts_diff order by day, venue_id limit 50) s;
    -- repaired by the one delta path (the days with data and the month counts follow), its days
    -- not marked for checking again: they were just checked
    perform epi_private.apply_scan_delta(array_agg(venue_id), array_agg(day),
                                         array_agg(coalesce(actual, 0)::bigint - coalesce(kept, 0)),
                                         '{}', '{}', '{}', false)
       from counts_diff;
    perform epi_private.write_audit('counts.repair',
      jsonb_build_object('as_of', p_as_of, 'full', p_full, 'repaired', v_fixed, 'first', v_sample), v_fixed);
  end if;
  if p_full then  -- and every day with data agrees with the counts, whether or not a count was repaired
    delete from epi_private.data_day d
     where not exists (select from epi_private.daily_count c where c.day = d.day);
    insert into epi_private.data_day (day) select distinct c.day from epi_private.daily_count c
    on conflict do nothing;
  end if;
  return v_fixed;
end
$$;
comment on function epi.job_counts(date, boolean) is 'Check (and repair, audited) daily counts against a recount: changed days, or every day with p_full.';
