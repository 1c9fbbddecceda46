/* why: who may even name the schemas. Runtime roles reach epi for the writes they are granted
   column by column; oa for reading. epi_private is never granted: its helpers are reached
   through policies, triggers and views. OA reader logins get their grants one by one from
   epi_private.grant_reader() (they are members of no role, so SET ROLE is impossible for them). */
revoke all on schema epi, oa, epi_private, epi_ext from public;
grant usage on schema epi to epi_ops, epi_unit, epi_jobs, epi_auditor;
grant usage on schema oa to epi_ops, epi_unit, epi_jobs;

revoke execute on all functions in schema epi_private from public;
revoke execute on all functions in schema epi from public;
-- the policies' predicate by kind, for every role whose statements meet those policies (each OA
-- login gets it from epi_private.grant_reader, re-run for every bound login at every upgrade:
-- zz_views_and_readers.sql)
grant execute on function epi_private.caller_is(text[]) to epi_ops, epi_unit, epi_jobs, epi_auditor;
grant execute on function epi_private.current_kind(), epi_private.current_unit(),
  epi_private.current_account(), epi_private.supervised_venues(), epi_private.visible_alerts(),
  epi_private.visible_daily_counts()
  to epi_ops, epi_unit, epi_jobs;
grant execute on function epi.ensure_scan_partitions(timestamptz[]), epi.merge_name_pending(bigint) to epi_ops, epi_jobs;
grant execute on function epi.drop_scan_month(date), epi.set_scan_retention(integer), epi.scan_retention_days(text),
  epi.require_scan_writes() to epi_ops;
-- the rules' limits are constants that pages, the API description and the checks state: anyone may read them
grant execute on function epi.rule_limits() to public;
-- a month's partition's name (the batch delete asks it as ops; no data behind it)
grant execute on function epi.scan_partition_name(date) to public;
grant execute on function epi.job_partitions(date), epi.job_retention(date), epi.job_discover(date), epi.job_counts(date, boolean), epi.job_alerts(date),
  epi.job_sms_queue(date) to epi_jobs;
grant execute on procedure epi.run_job(text, date, bigint) to epi_jobs;
grant execute on function epi.job_list(), epi.job_begin(text, date, bigint), epi.job_end(bigint, text, bigint),
  epi.job_cron() to epi_jobs;
-- epi.run_job answers the id of a refusal epi.job_begin recorded (currval of the run ids, this session's only)
grant select on sequence epi.job_run_run_id_seq to epi_jobs;
grant execute on function epi.audit_seal(integer), epi.audit_head(), epi.end_long_oa_transactions(integer) to epi_jobs;
grant execute on function epi.frontdb_position(text, text), epi.frontdb_advance(text, text, text, text, bigint),
  epi.frontdb_merge_venues(jsonb) to epi_jobs;
grant execute on function epi.sms_text(), epi.is_mobile(text), epi.daily_counts(date, date, text), epi.venue_totals(date, date),
  epi.data_days(date, date),
  epi.threshold_problems(text, text), epi.frontdb_sync_enabled(),
  epi.mask_id_card(text), epi.mask_phone(text), epi.mask_name(text) to epi_ops, epi_unit, epi_jobs;
grant execute on function epi.export_scans_full(bigint[], bigint[], text, timestamptz, timestamptz, text, jsonb, text[], jsonb),
  epi.reveal_reason(text) to epi_ops, epi_unit;
grant execute on function epi.find_scans(bigint[], bigint[], bigint[], bigint[], integer, jsonb), epi.plaintext_pending(), epi.reveal_scans(bigint[], text, boolean, jsonb, text[]),
  epi.audit_scan_access(text, jsonb, bigint, text[]), epi.audit_stats_export(date, date, bigint) to epi_ops, epi_unit;
grant execute on function epi.sms_resolve(bigint, text) to epi_ops;
-- an import's records already stored (issue 51): only ops import files
grant execute on function epi.import_duplicates(text[], timestamptz[], bigint[], smallint, bigint[], smallint),
  epi.import_stored_days(text[], date[]) to epi_ops;
-- the venue form's rules and its writes (issue 47): ops' 场所信息管理
grant execute on function epi.venue_form_problems(boolean, text, text, text, text, text, text, text),
  epi.venue_form_save(boolean, text, text, text, text, text, text, text, text) to epi_ops;
-- the reveal budget and rate: only ops set the limits and raise one account's budget (audited)
grant execute on function epi.set_reveal_limits(text, text), epi.raise_reveal_budget(text, text, text, text),
  epi.reveal_budgets() to epi_ops;
-- the ops home page names the jobs in Chinese (epi.job_list holds names and labels only)
grant execute on function epi.job_list() to epi_ops;
-- OA's role export (菜单授权管理): only ops load it (invoke load.menu-grants, the scheduler), audited
grant execute on function epi.menu_grants_replace(jsonb) to epi_ops;
-- the audit menu: its identity, masks for its page, and the record of its own searches
grant execute on function epi_private.current_kind(), epi_private.current_unit(), epi_private.current_account(),
  epi.mask_id_card(text), epi.mask_phone(text), epi.mask_name(text), epi.audit_head(),
  epi.audit_log_access(text, jsonb, bigint, text[]) to epi_auditor;
-- the personal-data keys' check values (issue 49): a process compares its keys with them at start
grant execute on function epi.crypto_key_check(integer, text, text), epi.crypto_keys_needed() to epi_web, epi_jobs, epi_ops;
-- the web login itself, before it acts as anyone: records and checks OA sign-on tickets (one use each)
grant usage on schema epi to epi_web;
grant execute on function epi.ticket_use(bytea, timestamptz), epi.ticket_used(bytea) to epi_web;
-- ... and keeps the browsers' sessions, which every web process checks on each request
grant execute on function epi.sso_begin(bytea, text, text, text, text, bytea), epi.sso_take(bytea),
  epi.sso_refused(text, text, text) to epi_web;
-- ... and hands a sign-on made in a pop-up to OA's frame
grant execute on function epi.sso_handoff_begin(bytea, bytea, text, text), epi.sso_handoff_pending(bytea),
  epi.sso_handoff_complete(bytea, bytea, jsonb), epi.sso_handoff_take(bytea, bytea) to epi_web;
grant execute on function epi.session_mark_sso(bytea, bytea), epi.session_end_sso(bytea) to epi_web;
-- ... and, for a sign-on without menus, asks which menus OA's role export grants the account and roles
grant execute on function epi.menus_granted(text, text[]) to epi_web;
grant execute on function epi.session_begin(bytea, text, bytea, integer, integer, text[]),
  epi.session_check(bytea, integer, integer, boolean), epi.session_end(bytea) to epi_web;
-- /readyz: the schema's revision, asked before acting as anyone
grant execute on function epi.schema_revision() to epi_web;
