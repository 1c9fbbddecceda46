-- name: units_all
select unit_code, unit_name from epi.unit;

-- name: upsert_unit
insert into epi.unit (unit_code, unit_name, head_name, head_phone, active)
values (%(unit_code)s, %(unit_name)s, %(head_name)s, %(head_phone)s, true)
on conflict (unit_code) do update
   set unit_name = excluded.unit_name, head_name = excluded.head_name, head_phone = excluded.head_phone,
       active = true, updated_at = now()
 where (epi.unit.unit_name, epi.unit.head_name, epi.unit.head_phone, epi.unit.active)
       is distinct from (excluded.unit_name, excluded.head_name, excluded.head_phone, true)
returning (xmax = 0) as inserted;

-- name: deactivate_missing_units
-- Units that disappeared from OA are marked inactive, never deleted.
update epi.unit set active = false, updated_at = now()
 where active and unit_code <> all (%(codes)s::text[])
returning unit_code;

-- name: upsert_venue
insert into epi.venue (venue_id, venue_name, category, city, street, venue_admin, location, unit_code,
                       flow_min, flow_max, source)
values (%(venue_id)s, %(venue_name)s, %(category)s, coalesce(%(city)s, '开平市'), %(street)s, %(venue_admin)s,
        %(location)s, %(unit_code)s, btrim(normalize(%(flow_min)s, NFKC))::numeric,
        btrim(normalize(%(flow_max)s, NFKC))::numeric, 'bulk')
on conflict (venue_id) do update
   set venue_name = excluded.venue_name, category = excluded.category, city = excluded.city,
       street = excluded.street, venue_admin = excluded.venue_admin, location = excluded.location,
       unit_code = excluded.unit_code, flow_min = excluded.flow_min, flow_max = excluded.flow_max
 where (epi.venue.venue_name, epi.venue.category, epi.venue.city, epi.venue.street, epi.venue.venue_admin,
        epi.venue.location, epi.venue.unit_code, epi.venue.flow_min, epi.venue.flow_max)
       is distinct from
       (excluded.venue_name, excluded.category, excluded.city, excluded.street, excluded.venue_admin,
        excluded.location, excluded.unit_code, excluded.flow_min, excluded.flow_max)
returning (xmax = 0) as inserted;

-- name: threshold_problems_of
-- The database's threshold rule for every row of a venue file (row numbers from 1, in file order).
select t.ord, p.field, p.cell_message
  from unnest(%(flow_min)s::text[], %(flow_max)s::text[]) with ordinality as t (flow_min, flow_max, ord)
 cross join lateral epi.threshold_problems(t.flow_min, t.flow_max) p
 order by t.ord;

-- name: replace_menu_grants
-- OA's role export becomes the grants (the database checks, counts and audits each change).
select inserted, updated, unchanged, deleted from epi.menu_grants_replace(%(grants)s);
