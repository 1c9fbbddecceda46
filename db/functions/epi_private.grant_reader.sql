/* why: an OA reader login must not be a member of any project role (membership would let it
   SET ROLE to that role), so it receives its read grants directly: the oa views, the tables
   under them (security_invoker checks the reader's own privileges; RLS filters the rows), and
   the identity functions the policies call. Of epi.scan it reads the masks only, like every
   runtime role: the raw 被采集人身份证, 被采集人 and 联系电话 never (oa.scan_full and --reveal are
   retired, issue 42 point 5: a read there was audited only where pgAudit was loaded; an OA system
   that needs a full value asks the reveal API with a bearer ticket, one record, a reason, an entry). */
create or replace function epi_private.grant_reader(p_login name, p_is_ops boolean) returns void
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  execute format('grant usage on schema oa to %I', p_login);
  execute format('grant select on oa.venue, oa.scan, oa.daily_count, oa.alert, oa.alert_day to %I', p_login);
  execute format('grant select on epi.venue, epi.unit, epi.alert, epi.alert_day to %I', p_login);
  -- a table-level SELECT (bound before the masks) goes once; revoking it again on every upgrade
  -- would drop and re-add the column grants
  if exists (select from pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
              where c.oid = 'epi.scan'::regclass and a.privilege_type = 'SELECT' and a.grantee = p_login::regrole) then
    execute format('revoke select on epi.scan from %I', p_login);
  end if;
  execute format($g$grant select (scan_id, venue_id, venue_name, category, city, street, venue_admin, id_card_masked,
                   person_name_masked, phone_masked, collect_result, nat_result, nat_result_time, health_code,
                   collector_location, collected_at, batch_id, imported_by, imported_at) on epi.scan to %I$g$, p_login);
  execute format('grant execute on function epi_private.current_kind(), epi_private.caller_is(text[]),
                    epi_private.current_unit(),
                    epi_private.current_account(), epi_private.supervised_venues(), epi_private.visible_alerts(),
                    epi_private.visible_daily_counts(), epi.find_scans(bigint[], bigint[], bigint[], bigint[], integer, jsonb) to %I', p_login);
  -- the sealed personal data (issue 49) is no OA login's, whatever an earlier version granted
  execute format('revoke select (personal, key_version, id_card_digest, phone_digest, name_grams) on epi.scan from %I', p_login);
  if p_is_ops then
    execute format('grant select on oa.sms_log to %I', p_login);
    execute format('grant select on epi.sms_outbox to %I', p_login);
  else
    execute format('revoke select on oa.sms_log from %I', p_login);
    execute format('revoke select on epi.sms_outbox from %I', p_login);
  end if;
end
$$;
comment on function epi_private.grant_reader(name, boolean) is 'Grant an OA reader login exactly what reading oa.* needs (run by the owner); never full personal data.';
