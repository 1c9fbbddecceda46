/* why: "the venues this caller supervises", asked by every unit policy on venue-level data (scans,
   daily counts, alerts). It reads epi.venue, whose own policy is the definition (a unit sees the
   venues whose unit_code is its unit), so a venue moved to another unit is followed at once.
   Owner rights: the forced RLS of epi.venue still sees the caller's identity. Policies keep the
   shapes the benchmarks justified: `venue_id = any (array(select …))` where rows are searched by
   index (scans), `venue_id in (select …)` (a hashed SubPlan) where they are read in bulk (daily
   counts, alerts). */
create or replace function epi_private.supervised_venues() returns setof text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$ select v.venue_id from epi.venue v where v.unit_code = (select epi_private.current_unit()) $$;
comment on function epi_private.supervised_venues() is 'venue_id of every venue the calling unit supervises (none for other callers).';
