/* why: "is the front-database sync on?" is asked by the scan trigger, the month drop, the sync's
   batches, the sync itself and the import page; answered here only. Owner rights: epi.setting's
   policy still sees the caller's identity, so a caller without one reads false. */
create or replace function epi.frontdb_sync_enabled() returns boolean
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select coalesce((select s.value = 'true'::jsonb from epi.setting s where s.key = 'frontdb_sync_enabled'), false)
$$;
comment on function epi.frontdb_sync_enabled() is 'Whether the provincial front-database sync is on (file imports and deletes are then refused).';
