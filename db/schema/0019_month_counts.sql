/* Issue 22, point 3: the unit's statistics over a range (扫码统计查询, GET /api/stats) read one
   count per venue and day: 45,000 daily counts for the 1,000-venue unit over 45 days at peak.
   epi_private.month_count holds each venue's scans per calendar month (the daily counts' days
   are Asia/Shanghai days), in all and day by day (an array of the month's 31 days), kept by
   statement triggers on epi_private.daily_count itself (epi_private.tg_daily_count__month), so every writer of the daily counts — the scan triggers,
   the counts job's repairs, a month's drop, retention — keeps it in step. A range's totals
   (epi.venue_totals) read one row per venue and month the range touches (3 for the bench's 45
   days instead of 45 daily counts) in one index search per venue: whole months by their total,
   the months at the range's edges by the sum of their days in it. Filled here once. */
-- the 31 slots of a month from its days' numbers and counts (each day once)
create function epi_private.month_days(p_days integer[], p_n bigint[]) returns integer[]
language sql immutable strict parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select array_agg(coalesce(s.n, 0)::integer order by g.d)
    from generate_series(1, 31) g(d)
    left join unnest(p_days, p_n) s(d, n) on s.d = g.d
$$;
comment on function epi_private.month_days(integer[], bigint[]) is '一个月 31 天的计数数组（按日号填入，其余为 0）。';

create table epi_private.month_count (
  venue_id text   not null,
  month    date   not null check (month = date_trunc('month', month)::date),
  n        bigint not null check (n >= 0),  -- a row whose count reaches 0 is deleted by its trigger
  days     integer[] not null check (cardinality(days) = 31),  -- days[d]: the scans of day d
  primary key (venue_id, month)
);
comment on table epi_private.month_count is 'Scans per venue and calendar month (of the daily counts'' Asia/Shanghai days), in all and per day of the month; kept by triggers on epi_private.daily_count.';

-- (db/security/epi_private.month_count.sql secures the table; the counts are read here as they are)
alter table epi_private.daily_count no force row level security;
insert into epi_private.month_count (venue_id, month, n, days)
select venue_id, date_trunc('month', day)::date, sum(n),
       epi_private.month_days(array_agg(extract(day from day)::integer), array_agg(n::bigint))
  from epi_private.daily_count
 group by 1, 2;
alter table epi_private.daily_count force row level security;
