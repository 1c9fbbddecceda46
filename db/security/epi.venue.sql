alter table epi.venue enable row level security, force row level security;
revoke all on epi.venue from public;

/* One SELECT policy per role (issue 19): a unit role (epi_unit, or an OA login bound to a unit
   through epi_reader) has the unit policy alone, on venue_id, the primary key, the table's only
   index (migration 0011): `venue_id = '<another unit's venue>'` meets the policy inside the
   index, `unit_code = '<another unit>'` is a filter over the caller's own venues only, and no plan
   node reads or removes that unit's venues. The owner's own policy (what epi_private.supervised_venues() reads
   with, so it cannot call that function) tests unit_code. */
drop policy if exists "Ops and jobs see every venue" on epi.venue;
create policy "Ops and jobs see every venue" on epi.venue for select
  to epi_ops, epi_jobs, epi_ops_reader, epi_owner
  using ((select epi_private.caller_is('ops', 'jobs')));
drop policy if exists "Units see the venues they supervise" on epi.venue;
create policy "Units see the venues they supervise" on epi.venue for select
  to epi_unit, epi_reader
  using (venue_id = any (array(select epi_private.supervised_venues())));
drop policy if exists "Owner rights see the calling unit's venues" on epi.venue;
create policy "Owner rights see the calling unit's venues" on epi.venue for select
  to epi_owner
  using (unit_code = (select epi_private.current_unit()));
drop policy if exists "Ops and discovery add venues" on epi.venue;
create policy "Ops and discovery add venues" on epi.venue for insert
  with check ((select epi_private.caller_is('ops', 'jobs')));
drop policy if exists "Ops change any venue" on epi.venue;
create policy "Ops change any venue" on epi.venue for update
  using ((select epi_private.caller_is('ops')))
  with check ((select epi_private.caller_is('ops')));
drop policy if exists "The front-database sync refreshes venues" on epi.venue;
-- jobs hold no UPDATE grant on epi.venue: only epi.frontdb_merge_venues (owner rights, this
-- policy) reaches it, and that function never writes unit_code or the thresholds
create policy "The front-database sync refreshes venues" on epi.venue for update
  using ((select epi_private.caller_is('jobs')))
  with check ((select epi_private.caller_is('jobs')));
drop policy if exists "Units change thresholds of the venues they supervise" on epi.venue;
create policy "Units change thresholds of the venues they supervise" on epi.venue for update
  using ((select epi_private.caller_is('unit')) and unit_code = (select epi_private.current_unit()))
  with check ((select epi_private.caller_is('unit')) and unit_code = (select epi_private.current_unit()));
drop policy if exists "Ops delete venues" on epi.venue;
create policy "Ops delete venues" on epi.venue for delete
  using ((select epi_private.caller_is('ops')));

grant select on epi.venue to epi_ops, epi_unit, epi_jobs;
grant insert (venue_id, venue_name, category, city, street, venue_admin, location, unit_code, flow_min, flow_max, source)
  on epi.venue to epi_ops, epi_jobs;
grant update (venue_name, category, city, street, venue_admin, location, unit_code, flow_min, flow_max)
  on epi.venue to epi_ops;
grant update (flow_min, flow_max) on epi.venue to epi_unit;
grant delete on epi.venue to epi_ops;
