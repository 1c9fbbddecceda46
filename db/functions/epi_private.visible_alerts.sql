/* why: "the alerts this caller may see", asked by the unit policies of epi.alert and epi.alert_day,
   which test alert_id so that every index of those tables carries the policy's column (issue 19).
   Owner rights: epi.alert's owner policy still sees the caller's identity — the alerts of the venues
   the calling unit supervises now (epi_private.supervised_venues()), none for callers without one. */
create or replace function epi_private.visible_alerts() returns setof bigint
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$ select a.alert_id from epi.alert a where (select epi_private.current_kind()) = 'unit' $$;
comment on function epi_private.visible_alerts() is 'alert_id of every alert the calling unit may see (none for other callers).';
