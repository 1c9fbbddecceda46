/* why: while the provincial front-database sync is enabled, scans come only from the sync job;
   import and delete are refused here, in the database, whatever calls them. */
create or replace function epi_private.tg_scan__sync_lock() returns trigger
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform epi.require_scan_writes();
  return null;
end
$$;
comment on function epi_private.tg_scan__sync_lock() is 'Refuse scan import and delete while frontdb_sync_enabled is on (except for the sync job).';

drop trigger if exists tg_scan__sync_lock on epi.scan;
create trigger tg_scan__sync_lock before insert or delete or truncate on epi.scan
  for each statement execute function epi_private.tg_scan__sync_lock();
