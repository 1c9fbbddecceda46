alter table epi.unit enable row level security, force row level security;
revoke all on epi.unit from public;

-- one SELECT policy per role (issue 19): for a unit role the policy on the primary key is an index
-- condition beside `unit_code = '<another unit>'`, so no plan node reads or removes that unit
drop policy if exists "Ops and jobs see every unit" on epi.unit;
create policy "Ops and jobs see every unit" on epi.unit for select
  to epi_ops, epi_jobs, epi_ops_reader, epi_owner
  using ((select epi_private.caller_is('ops', 'jobs')));
drop policy if exists "Units see their own unit" on epi.unit;
create policy "Units see their own unit" on epi.unit for select
  to epi_unit, epi_reader, epi_owner
  using (unit_code = (select epi_private.current_unit()));
drop policy if exists "Ops add units" on epi.unit;
create policy "Ops add units" on epi.unit for insert
  with check ((select epi_private.caller_is('ops')));
drop policy if exists "Ops change units" on epi.unit;
create policy "Ops change units" on epi.unit for update
  using ((select epi_private.caller_is('ops')))
  with check ((select epi_private.caller_is('ops')));

grant select on epi.unit to epi_ops, epi_unit, epi_jobs;
grant insert (unit_code, unit_name, head_name, head_phone, active),
      update (unit_name, head_name, head_phone, active, updated_at) on epi.unit to epi_ops;
