-- 扫码进场信息管理 (web/scan_admin.py).
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: import_history
-- the imports, with how many of their rows are still stored (kept by triggers); ordered and paged by
-- web.listing (the latest first by default)
select batch_id, source, file_name, row_count, stored_rows, collected_min, collected_max, forced, imported_by,
       imported_at
  from epi.import_batch

-- name: sync_enabled
-- Whether the provincial front-database sync is on (file imports and deletes are then refused).
select epi.frontdb_sync_enabled() as on;

-- name: latest_sync
-- The latest front-database sync run (shown while the sync is on).
select started_at, finished_at, ok, error, rows from epi.job_run
 where job = 'frontdb' order by run_id desc limit 1;

-- name: retention
-- How long scans and audit entries are kept (epi.setting; scan_days NULL = kept).
select (select (value #>> '{}')::integer from epi.setting where key = 'scan_retention_days') as scan_days,
       (select (value #>> '{}')::integer from epi.setting where key = 'audit_retention_days') as audit_days;

-- name: scan_retention_days
-- The days as typed, checked by the rule (EP400 on days when refused); NULL = keep scans.
select epi.scan_retention_days(%(text)s) as days;

-- name: require_scan_writes
-- Refused (42501, the sync's message) while the front-database sync is on.
select epi.require_scan_writes();

-- name: set_scan_retention
-- Set scan_retention_days (ops; checked by the setting's constraint, audited by its trigger).
select epi.set_scan_retention(%(days)s);
