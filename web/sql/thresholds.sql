-- 场所人流量阈值管理 (web/thresholds.py).
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: threshold_tab_counts
select count(*) filter (where flow_min is null and flow_max is null) as unset,
       count(*) filter (where flow_min is not null or flow_max is not null) as set
  from oa.venue;

-- name: threshold_list
-- ordered and paged by web.listing, like venue_list
select venue_id, venue_name, category, street, location, unit_name, flow_min, flow_max
  from oa.venue
 where (flow_min is null and flow_max is null) = %(unset)s
   and (%(q)s = '' or venue_id = %(q)s or venue_name like %(q_like)s)
   and (%(category)s = '' or category like %(category_like)s)
   and (%(street)s = '' or street like %(street_like)s)
   and (%(unit)s = '' or unit_code = %(unit)s or unit_name like %(unit_like)s);

-- name: threshold_problems
-- The database's threshold rules for what was typed (text; NULL = not set).
select field, message from epi.threshold_problems(%(flow_min)s, %(flow_max)s);

-- name: threshold_update
-- Only after threshold_problems found none: the text is then an integer in range.
update epi.venue set flow_min = btrim(normalize(%(flow_min)s, NFKC))::numeric,
                     flow_max = btrim(normalize(%(flow_max)s, NFKC))::numeric
 where venue_id = %(venue_id)s;
