/* Policy shape: units see scans whose venue_id is in the array of venues they supervise
   (epi_private.supervised_venues()), written `venue_id = any(array(select …))`: the array is computed once as an InitPlan and the
   scan side stays index-friendly. `venue_id in (select …)` became a hashed filter over a
   sequential scan at 10M rows (1.5–2 s against 20 ms). The unit is not copied onto scan rows,
   so a venue moved to another unit is followed at once.
   One SELECT policy per role (issue 19): a unit role (the web app's epi_unit, an OA login bound to
   a unit through epi_reader) has the unit policy alone, so `venue_id = '<another unit's venue>'`
   and the policy are both index conditions and no plan node reads or removes that venue's scans.
   Permissive policies that applied together would be OR-ed into a filter after the index. Only the
   owner (security-definer functions acting for either kind) has both. The scan_id and batch
   indexes carry venue_id second (db/schema/0008_policy_shapes.sql) for the same reason. */
alter table epi.scan enable row level security, force row level security;
revoke all on epi.scan from public;
select epi_private.secure_scan_partition(c.relname)
  from pg_inherits i join pg_class c on c.oid = i.inhrelid
 where i.inhparent = 'epi.scan'::regclass;

drop policy if exists "Ops and jobs see every scan" on epi.scan;
create policy "Ops and jobs see every scan" on epi.scan for select
  to epi_ops, epi_jobs, epi_ops_reader, epi_owner
  using ((select epi_private.caller_is('ops', 'jobs')));
drop policy if exists "Units see scans of the venues they supervise" on epi.scan;
create policy "Units see scans of the venues they supervise" on epi.scan for select
  to epi_unit, epi_reader, epi_owner
  using (venue_id = any (array(select epi_private.supervised_venues())));
drop policy if exists "Ops import and the sync adds scans" on epi.scan;
create policy "Ops import and the sync adds scans" on epi.scan for insert
  with check ((select epi_private.caller_is('ops', 'jobs')));
drop policy if exists "The retention purge deletes old scans" on epi.scan;
create policy "The retention purge deletes old scans" on epi.scan for delete to epi_owner
  using ((select epi_private.caller_is('jobs')));  -- only epi.job_retention deletes for the jobs
drop policy if exists "Ops delete scans" on epi.scan;
create policy "Ops delete scans" on epi.scan for delete
  using ((select epi_private.caller_is('ops')));

-- 被采集人身份证, 被采集人 and 联系电话 are stored encrypted (issue 49); their ciphertext and digests
-- are readable by no runtime role (SPEC section 3): they read the masks; searches by the full value
-- and reveals go through security-definer functions (epi.find_scans, epi.reveal_scans), which the
-- policies above still filter by the caller's identity
-- (a table-level SELECT from before the masks is revoked once; revoking it every upgrade would
-- also drop and re-add the column grants, reordering them)
do $$
begin
  if exists (select from pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
              where c.oid = 'epi.scan'::regclass and a.privilege_type = 'SELECT'
                and a.grantee in ('epi_ops'::regrole, 'epi_unit'::regrole, 'epi_jobs'::regrole)) then
    revoke select on epi.scan from epi_ops, epi_unit, epi_jobs;
  end if;
end
$$;
revoke select (personal, key_version, id_card_digest, phone_digest, name_grams) on epi.scan from epi_ops, epi_unit, epi_jobs;
grant select (scan_id, venue_id, venue_name, category, city, street, venue_admin, id_card_masked,
              person_name_masked, phone_masked, collect_result, nat_result, nat_result_time, health_code,
              collector_location, collected_at, batch_id, imported_by, imported_at)
  on epi.scan to epi_ops, epi_unit, epi_jobs;
grant insert (venue_id, venue_name, category, city, street, venue_admin, personal, key_version, id_card_digest,
              phone_digest, name_grams, id_card_masked, person_name_masked, phone_masked, collect_result, nat_result, nat_result_time, health_code, collector_location, collected_at,
              batch_id, imported_by, imported_at)
  on epi.scan to epi_ops, epi_jobs;
grant delete on epi.scan to epi_ops;
grant usage on sequence epi.scan_scan_id_seq to epi_ops, epi_jobs;
