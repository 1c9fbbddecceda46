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
   and (%(q)s = '' or venue_id = %(q)s or venue_name like %(q_like)s)
   and (%(category)s = '' or category like %(category_like)s)
   and (%(street)s = '' or street like %(street_like)s)
   and (%(unit)s = '' or unit_code = %(unit)s or unit_name like %(unit_like)s);

-- name: units_for_choice
select unit_code, unit_name, head_name, head_phone, active from epi.unit order by active desc, unit_code;

-- name: venue_form_problems
-- The venue form's rules (the database's), each field's problem.
select field, message from epi.venue_form_problems(%(new)s, %(venue_id)s, %(venue_name)s, %(category)s, %(city)s,
                                                   %(street)s, %(venue_admin)s, %(location)s);

-- name: venue_form_save
-- The form's write, under the same rules (EP400 on the field); false: no such venue to update.
select epi.venue_form_save(%(new)s, %(venue_id)s, %(venue_name)s, %(category)s, %(city)s, %(street)s,
                           %(venue_admin)s, %(location)s, %(unit_code)s) as saved;

-- name: venue_delete
delete from epi.venue where venue_id = %(venue_id)s;
