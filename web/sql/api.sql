-- The JSON API's own lists (web/api.py; the rest are the pages' queries).
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: api_venue_list
-- GET /api/venues (SPEC section 8): the threshold list's rows keyset-paged by venue_id, 100 at a time
select venue_id, venue_name, category, street, location, unit_name, flow_min, flow_max
  from oa.venue
 where (flow_min is null and flow_max is null) = %(unset)s
   and venue_id > %(after)s
 order by venue_id
 limit 101;
