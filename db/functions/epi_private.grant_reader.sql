/* why: an OA reader login must not be a member of any project role (membership would let it
   SET ROLE to that role), so it receives its read grants directly: the oa views, the tables
   under them (security_invoker checks the reader's own privileges; RLS filters the rows), and
   the identity functions the policies call. Re-run for every bound login after each upgrade. */
create or replace function epi_private.grant_reader(p_login name, p_is_ops boolean) returns void
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  execute format('grant usage on schema oa to %I', p_login);
  execute format('grant select on oa.venue, oa.scan, oa.daily_count, oa.alert, oa.alert_day to %I', p_login);
  execute format('grant select on epi.venue, epi.unit, epi.scan, epi.alert, epi.alert_day to %I', p_login);
  execute format('grant execute on function epi_private.current_kind(), epi_private.current_unit(),
                    epi_private.current_account(), epi_private.supervised_venues(),
                    epi_private.visible_daily_counts() to %I', p_login);
  if p_is_ops then
    execute format('grant select on oa.sms_log to %I', p_login);
    execute format('grant select on epi.sms_outbox to %I', p_login);
  else
    execute format('revoke select on oa.sms_log from %I', p_login);
    execute format('revoke select on epi.sms_outbox from %I', p_login);
  end if;
end
$$;
comment on function epi_private.grant_reader(name, boolean) is 'Grant an OA reader login exactly what reading oa.* needs (run by the owner).';
