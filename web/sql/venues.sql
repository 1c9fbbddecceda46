-- 场所信息管理 (web/venues.py).
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: venue_tab_counts
select count(*) filter (where unit_code is null) as unset, count(*) filter (where unit_code is not null) as set
  from oa.venue;

-- name: venue_list
-- the list's 8 columns (db.vocabulary.VENUE_LIST); the unit head's phone only on the venue's page.
-- Ordered and paged by web.listing (any shown column, then venue_id); q: an ID, or a part of a name
select venue_id, venue_name, category, street, location, unit_code, unit_name, flow_min, flow_max
  from oa.venue
 where (unit_code is null) = %(unset)s
   and (%(q)s = '' or venue_id = %(q)s or venue_name like %(q_like)s);

-- name: units_for_choice
select unit_code, unit_name, head_name, head_phone, active from epi.unit order by active desc, unit_code;

-- name: venue_insert
insert into epi.venue (venue_id, venue_name, category, city, street, venue_admin, location, unit_code, source)
values (%(venue_id)s, %(venue_name)s, %(category)s, coalesce(%(city)s, '开平市'), %(street)s, %(venue_admin)s,
        %(location)s, %(unit_code)s, 'ops');

-- name: venue_update
update epi.venue
   set venue_name = %(venue_name)s, category = %(category)s, city = coalesce(%(city)s, '开平市'),
       street = %(street)s, venue_admin = %(venue_admin)s, location = %(location)s, unit_code = %(unit_code)s
 where venue_id = %(venue_id)s;

-- name: venue_delete
delete from epi.venue where venue_id = %(venue_id)s;
