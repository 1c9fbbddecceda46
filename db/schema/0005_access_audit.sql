/* Personal data 1 of 3, point 3 (SPEC section 7; 等保 2.0 level 3, GB/T 22239-2019: every user's
   important actions audited): every scan query, export and reveal is an audit entry, written by
   the database, with who (account, name, unit, the role they acted as), from where (the menu, the
   client address, the database and operating-system users), how many rows, and a keyed hash of
   each searched 被采集人身份证 / 联系电话 so that an auditor can find who looked a person up without
   the log holding the number itself. The columns are filled by epi_private.write_audit() only.

   The generic "write any action" function epi.audit() goes: web roles could forge entries with it.
   Each audited action now has its trigger or its own validating function. */

alter table epi.audit_log
  add column caller_kind    text,
  add column unit_code      text,
  add column account_name   text,
  add column menu           text,
  add column client_addr    inet,
  add column db_user        text,
  add column os_user        text,
  add column row_count      bigint,
  add column subject_hashes text[];
comment on column epi.audit_log.caller_kind is 'What the caller acted as: ops, unit, jobs (NULL: a DBA as the owner or a superuser).';
comment on column epi.audit_log.unit_code is 'The unit the caller acted for (NULL for ops without a unit, jobs, a DBA).';
comment on column epi.audit_log.account_name is 'The person''s name from the OA ticket (web requests).';
comment on column epi.audit_log.menu is 'The OA menu code the request was made under, or the command (loaders, jobs).';
comment on column epi.audit_log.client_addr is 'The client''s address: the browser''s as EPI_PROXY_HOPS trusts it (web), else the database connection''s.';
comment on column epi.audit_log.db_user is 'The database login of the session that wrote the entry (session_user).';
comment on column epi.audit_log.os_user is 'The operating-system user of the process that connected (loaders, jobs, web server), as it claimed.';
comment on column epi.audit_log.row_count is 'Rows returned (queries, exports, reveals) or affected (imports, deletes).';
comment on column epi.audit_log.subject_hashes is 'HMAC-SHA256 (hex, key EPI_AUDIT_HMAC_KEY) of each searched 被采集人身份证 / 联系电话: who looked this person up?';
create index audit_log_subject_hashes_idx on epi.audit_log using gin (subject_hashes);
create index audit_log_account_at_idx on epi.audit_log (account, at desc);
comment on table epi.audit_log is
  'Imports, deletions, venue, unit and threshold changes, acceptances, setting changes, scan queries, exports and reveals: who, when, from where, what.';

drop function if exists epi.audit(text, jsonb);
-- reveal_scans takes the conditions of an unmasked export (recorded with the reveal)
drop function if exists epi.reveal_scans(bigint[], text, boolean);
