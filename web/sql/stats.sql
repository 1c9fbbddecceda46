-- 扫码统计查询 (web/stats.py).
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: stats
-- scans per venue over a 采集时间 day range (whole months from the month counts: epi.venue_totals),
-- with the combined conditions of web.queries.STATS_FILTERS
-- ('' = no condition; the contains conditions come as LIKE patterns); ordered and paged by web.listing
select v.venue_id, v.venue_name, v.category, v.unit_name, v.city, v.street, coalesce(c.n, 0) as n
  from oa.venue v
  left join epi.venue_totals(%(from)s, %(to)s) c
    on c.venue_id = v.venue_id
 where (%(venue_id)s = '' or v.venue_id = %(venue_id)s)
   and (%(venue_name)s = '' or v.venue_name like %(venue_name)s)
   and (%(category)s = '' or v.category like %(category)s)
   and (%(street)s = '' or v.street like %(street)s)
   and (%(unit_name)s = '' or v.unit_name like %(unit_name)s);

-- name: stats_venue_days
-- one venue's scans per day; n is NULL (无数据) on a day without any data in the whole city
select d::date as day, case when dd.day is not null then coalesce(c.n, 0) end as n
  from generate_series(%(from)s::date, %(to)s::date, interval '1 day') d
  left join epi.daily_counts(%(from)s, %(to)s, %(venue_id)s) c on c.day = d::date
  left join epi.data_days(%(from)s, %(to)s) dd on dd.day = d::date
 order by 1;
