/* why: the 7-day rule of SPEC section 4, as one set-based query (gaps and islands).
   - checked venues: with a unit and at least one threshold; each covered day's count (0 without scans);
   - below: n < flow_min, above: n > flow_max (strict);
   - covered days: days on which the whole city has at least one scan; other days are gaps and break
     every streak (they are simply absent from the grid, so consecutive grid days differ by > 1 day);
   - evaluated: the last alert_window_days days up to the day before p_as_of, never after the latest
     imported 采集时间;
   - within a run of qualifying days, alerts are laid end to end, 7 days each, from the start of the
     run or from the day after the latest alert of that venue and reason that overlaps the run — so
     alerts never overlap and a second run on the same data raises nothing;
   - each alert keeps the venue as it was, the thresholds in force and its 7 daily counts. */
create or replace function epi.job_alerts(p_as_of date) returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
set work_mem = '64MB'   -- sorts and hashes of the window stay in memory
as $$
declare
  v_last   date;
  v_first  date;
  v_window integer;
  v_rows   bigint;
begin
  perform epi_private.require_kind('只有系统任务可以运行预警检测', 'jobs');
  select least((max(s.collected_at) at time zone 'Asia/Shanghai')::date, p_as_of - 1) into v_last from epi.scan s;
  if v_last is null then
    return 0;
  end if;
  v_window := coalesce((select (s.value #>> '{}')::integer from epi.setting s where s.key = 'alert_window_days'), 90);
  v_first := v_last - v_window + 1;

  with covered as (
    select d.day
      from generate_series(v_first, v_last, interval '1 day') g(g)
      cross join lateral (select g::date as day) d
      -- one index probe per day (a LIMIT keeps the planner from hashing the whole summary)
      cross join lateral (select from epi_private.daily_count c where c.day = d.day limit 1) seen
  ), checked as (
    select v.venue_id, v.venue_name, v.category, v.city, v.street, v.flow_min, v.flow_max
      from epi.venue v
     where v.unit_code is not null and (v.flow_min is not null or v.flow_max is not null)
  ), per_venue as (
    -- one pass over the window's counts: per venue, the days that met the minimum and the days
    -- over the maximum
    select c.venue_id,
           count(*) filter (where c.n >= v.flow_min) as met_min,
           count(*) filter (where c.n > v.flow_max) as over_max
      from epi_private.daily_count c
      join checked v on v.venue_id = c.venue_id
     where c.day between v_first and v_last
     group by c.venue_id
  ), candidates as (
    -- a run of 7 needs at least 7 qualifying covered days: every other venue skips the day grid
    select v.venue_id, v.flow_min, v.flow_max,
           v.flow_min is not null and (select count(*) from covered) - coalesce(p.met_min, 0) >= 7 as may_be_below,
           coalesce(p.over_max, 0) >= 7 as may_be_above
      from checked v
      left join per_venue p on p.venue_id = v.venue_id
  ), candidate_counts as (
    -- the window's counts of the candidates only, one index range scan per venue
    select v.venue_id, c.day, c.n
      from candidates v
     cross join lateral (select c.day, c.n
                           from epi_private.daily_count c
                          where c.venue_id = v.venue_id and c.day between v_first and v_last
                         offset 0) c   -- a fence: keeps this a per-venue primary-key range scan
     where v.may_be_below or v.may_be_above
  ), flagged as (
    -- below: every covered day counts, 0 when the venue had no scan (the venue × day grid)
    select v.venue_id, d.day, '小于阈值'::text as reason
      from candidates v
     cross join covered d
      left join candidate_counts c on c.venue_id = v.venue_id and c.day = d.day
     where v.may_be_below and coalesce(c.n, 0) < v.flow_min
    union all
    -- above: only days with scans can exceed a maximum ≥ 0, and a day with scans is covered
    select c.venue_id, c.day, '大于阈值'::text
      from candidates v
      join candidate_counts c on c.venue_id = v.venue_id
     where v.may_be_above and c.n > v.flow_max
  ), islands as (
    select venue_id, reason, min(day) as first_day, max(day) as last_day
      from (select venue_id, reason, day,
                   day - (row_number() over (partition by venue_id collate "C", reason collate "C"
                                             order by day))::integer as grp
              from flagged) f
     group by venue_id, reason, grp
    having count(*) >= 7
  ), anchored as (
    -- start after the latest existing alert of the venue and reason that overlaps the run
    select i.venue_id, i.reason, i.last_day, greatest(i.first_day, max(a.period_end) + 1) as start_day
      from islands i
      left join epi.alert a
        on a.venue_id = i.venue_id and a.reason = i.reason
       and a.period_start <= i.last_day and a.period_end >= i.first_day
     group by i.venue_id, i.reason, i.first_day, i.last_day
  ), tiles as (
    select a.venue_id, a.reason, s::date as period_start
      from anchored a
     cross join generate_series(a.start_day, a.last_day - 6, interval '7 days') s
  ), raised as (
    insert into epi.alert (venue_id, venue_name, category, city, street, period_start, period_end, reason,
                           flow_min, flow_max)
    select t.venue_id, v.venue_name, v.category, v.city, v.street, t.period_start, t.period_start + 6, t.reason,
           v.flow_min, v.flow_max
      from tiles t
      join checked v on v.venue_id = t.venue_id
     order by t.venue_id, t.reason, t.period_start
    returning alert_id, venue_id, period_start
  ), days as (
    insert into epi.alert_day (alert_id, day, n)
    select r.alert_id, d::date, coalesce(c.n, 0)
      from raised r
     cross join generate_series(r.period_start, r.period_start + 6, interval '1 day') d
      left join epi_private.daily_count c on c.venue_id = r.venue_id and c.day = d::date
    -- no RETURNING here: alert_day's select policy cannot see alerts inserted by this statement
  )
  select count(*) into v_rows from raised;
  return v_rows;
end
$$;
comment on function epi.job_alerts(date) is 'Raise the 7-day alerts of SPEC section 4 as of a day; returns how many were raised.';
