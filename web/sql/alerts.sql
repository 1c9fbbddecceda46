-- “扫码”预警 (web/alerts.py).
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: alert_list
-- one tab's alerts under the filters: 预警时间段 overlapping [period_from, period_to], 预警原因,
-- 公共场所 (its ID, or a part of its name); status '' = both tabs (their counts: web.listing.tally).
-- Ordered and paged by web.listing (period: 预警时间段's start)
select alert_id, venue_id, venue_name, category, city, street, unit_code, period_start, period_end,
       period_start as period, reason, flow_min, flow_max, status, accepted_by, accepted_at, created_at
  from oa.alert
 where (%(status)s = '' or status = %(status)s)
   and (%(period_from)s::date is null or period_end >= %(period_from)s::date)
   and (%(period_to)s::date is null or period_start <= %(period_to)s::date)
   and (%(reason)s = '' or reason = %(reason)s)
   and (%(venue)s = '' or venue_id = %(venue)s or venue_name like %(venue_like)s);

-- name: alerts_visible
-- how many of the chosen alerts the caller may see, and how many of them still wait
select count(*) as visible, count(*) filter (where status = '未接收') as waiting
  from oa.alert where alert_id = any (%(ids)s::bigint[]);

-- name: alerts_accept
-- 接收 for the selected alerts at once (one statement, one transaction); the already accepted stay as they are
update epi.alert set status = '已接收' where alert_id = any (%(ids)s::bigint[]) and status = '未接收';
