/* Issue 22, point 3: the unit's statistics over a range (扫码统计查询, GET /api/stats) read one
   count per venue and day: 45,000 daily counts for the 1,000-venue unit over 45 days at peak.
   epi_private.month_count holds each venue's scans per calendar month (of the daily counts'
   Asia/Shanghai days) as running totals: cum[d] is the month's scans on days 1 to d, so cum[31]
   is the month's and the days s..e of it are cum[e] − cum[s − 1]. A range's totals
   (epi.venue_totals) read one row per venue and month the range touches (3 for
   2022-01-17 .. 2022-03-02) and add array elements: no day-by-day row, no subquery per row.
   Kept by statement triggers on epi_private.daily_count itself (epi_private.tg_daily_count__month),
   so every writer of the daily counts — the scan triggers, the counts job's repairs, a month's
   drop, retention — keeps it in step. Filled here once. */
create table epi_private.month_count (
  venue_id text      not null,
  month    date      not null check (month = date_trunc('month', month)::date),
  cum      integer[] not null check (array_lower(cum, 1) = 1 and cardinality(cum) = 31 and cum[31] > 0),
  primary key (venue_id, month)
);
comment on table epi_private.month_count is 'Scans per venue and calendar month (of the daily counts'' Asia/Shanghai days) as running totals: cum[d] = scans on days 1..d; a month whose total reaches 0 is deleted. Kept by triggers on epi_private.daily_count.';

-- (db/security/epi_private.month_count.sql secures the table; the counts are read here as they are)
alter table epi_private.daily_count no force row level security;
insert into epi_private.month_count (venue_id, month, cum)
select venue_id, month, array_agg(running::integer order by d)
  from (select vm.venue_id, vm.month, g.d,
               sum(coalesce(c.n, 0)) over (partition by vm.venue_id, vm.month order by g.d) as running
          from (select distinct venue_id, date_trunc('month', day)::date as month from epi_private.daily_count) vm
         cross join generate_series(1, 31) g(d)
          left join epi_private.daily_count c
            on c.venue_id = vm.venue_id and c.day = vm.month + (g.d - 1)
               and date_trunc('month', c.day)::date = vm.month) t
 group by 1, 2
having max(running) > 0;
alter table epi_private.daily_count force row level security;
