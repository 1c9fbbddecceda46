/* why: the oa views are read by the web roles, the jobs and the bound OA reader logins; the SMS
   log by ops only. Re-grant every bound OA login, so a re-created view keeps its readers. */
revoke all on oa.venue, oa.scan, oa.daily_count, oa.alert, oa.alert_day, oa.sms_log from public;
grant select on oa.venue, oa.scan, oa.daily_count, oa.alert, oa.alert_day to epi_ops, epi_unit, epi_jobs;
grant select on oa.sms_log to epi_ops, epi_jobs;
select epi_private.grant_reader(b.login, b.is_ops)
  from epi_private.oa_login b
 where exists (select from pg_roles r where r.rolname = b.login);
