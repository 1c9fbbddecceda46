/* why: the venue form's writes (issue 47, point 1) go through the form's rules
   (epi.venue_form_problems): the first problem is refused with EP400 on its field and nothing is
   written; then the venue is added (source 'ops') or its descriptive fields and unit updated. The
   caller's rights (ops: the venue policies and grants apply); the venue trigger audits the change.
   Answers whether a row was written (false: the venue to update is not there). */
create or replace function epi.venue_form_save(p_new boolean, p_venue_id text, p_venue_name text, p_category text,
                                               p_city text, p_street text, p_venue_admin text, p_location text,
                                               p_unit_code text) returns boolean
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_problem record;
  v_id text := btrim(coalesce(p_venue_id, ''));
begin
  for v_problem in select * from epi.venue_form_problems(p_new, p_venue_id, p_venue_name, p_category, p_city,
                                                         p_street, p_venue_admin, p_location) limit 1 loop
    raise exception '%', v_problem.message using errcode = 'EP400', column = v_problem.field;
  end loop;
  if p_new then
    insert into epi.venue (venue_id, venue_name, category, city, street, venue_admin, location, unit_code, source)
    values (v_id, btrim(p_venue_name), nullif(btrim(p_category), ''), coalesce(nullif(btrim(p_city), ''), '开平市'),
            nullif(btrim(p_street), ''), nullif(btrim(p_venue_admin), ''), nullif(btrim(p_location), ''),
            nullif(btrim(p_unit_code), ''), 'ops');
    return true;
  end if;
  update epi.venue
     set venue_name = btrim(p_venue_name), category = nullif(btrim(p_category), ''),
         city = coalesce(nullif(btrim(p_city), ''), '开平市'), street = nullif(btrim(p_street), ''),
         venue_admin = nullif(btrim(p_venue_admin), ''), location = nullif(btrim(p_location), ''),
         unit_code = nullif(btrim(p_unit_code), '')
   where venue_id = p_venue_id;
  return found;
end
$$;
comment on function epi.venue_form_save(boolean, text, text, text, text, text, text, text, text) is
  'Add or update a venue from the venue form, refusing (EP400, on the field) what the form''s rules refuse.';
