/* why: the province issues venue IDs and describes its venues; the sync takes those descriptions
   as they are. New venues enter without a unit (未设置, for ops to complete); for a known venue
   only the province's fields that the front table provides are replaced — the supervising unit
   and the thresholds are Kaiping's own and never touched. The jobs role has no UPDATE on
   epi.venue; this function is its only way to change a venue. Later rows of one venue win.
   Audited as venue.sync (rows, added, updated; the table and key range the sync names in
   epi.operation), besides the venue trigger's entry per venue. */
create or replace function epi.frontdb_merge_venues(p_rows jsonb, out added bigint, out updated bigint)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform epi_private.require_kind('只有系统任务可以同步场所信息', 'jobs');
  if exists (select from jsonb_array_elements(p_rows) r where coalesce(r->>'venue_id', '') = '') then
    raise exception '前置库场所记录缺少公共场所ID' using errcode = 'not_null_violation';
  end if;
  with x as (select distinct on (r->>'venue_id') r->>'venue_id' as venue_id, r
                from jsonb_array_elements(p_rows) with ordinality e(r, i)
               order by r->>'venue_id', i desc)
  update epi.venue v
     set venue_name  = case when x.r ? 'venue_name' then x.r->>'venue_name' else v.venue_name end,
         category    = case when x.r ? 'category' then x.r->>'category' else v.category end,
         city        = case when x.r ? 'city' then coalesce(x.r->>'city', '开平市') else v.city end,
         street      = case when x.r ? 'street' then x.r->>'street' else v.street end,
         venue_admin = case when x.r ? 'venue_admin' then x.r->>'venue_admin' else v.venue_admin end,
         location    = case when x.r ? 'location' then x.r->>'location' else v.location end
    from x
   where v.venue_id = x.venue_id
     and (v.venue_name, v.category, v.city, v.street, v.venue_admin, v.location) is distinct from
         (case when x.r ? 'venue_name' then x.r->>'venue_name' else v.venue_name end,
          case when x.r ? 'category' then x.r->>'category' else v.category end,
          case when x.r ? 'city' then coalesce(x.r->>'city', '开平市') else v.city end,
          case when x.r ? 'street' then x.r->>'street' else v.street end,
          case when x.r ? 'venue_admin' then x.r->>'venue_admin' else v.venue_admin end,
          case when x.r ? 'location' then x.r->>'location' else v.location end);
  get diagnostics updated = row_count;

  with x as (select distinct on (r->>'venue_id') r->>'venue_id' as venue_id, r
                from jsonb_array_elements(p_rows) with ordinality e(r, i)
               order by r->>'venue_id', i desc)
  insert into epi.venue (venue_id, venue_name, category, city, street, venue_admin, location, source)
  select x.venue_id, x.r->>'venue_name', x.r->>'category', coalesce(x.r->>'city', '开平市'), x.r->>'street',
         x.r->>'venue_admin', x.r->>'location', 'frontdb'
    from x
   where not exists (select from epi.venue v where v.venue_id = x.venue_id)
  on conflict (venue_id) do nothing;
  get diagnostics added = row_count;
  perform epi_private.write_audit('venue.sync',
    jsonb_build_object('rows', jsonb_array_length(p_rows), 'added', added, 'updated', updated), added + updated);
end
$$;
comment on function epi.frontdb_merge_venues(jsonb) is
  'Add venues new to the registry and refresh the province''s fields of known ones; never the unit or thresholds.';
