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

-- name: reveal_limits
-- How many records one account may reveal a day, and reveals a minute (epi.setting; ops set them).
select (select (value #>> '{}')::bigint from epi.setting where key = 'reveal_daily_budget') as daily_budget,
       (select (value #>> '{}')::bigint from epi.setting where key = 'reveal_per_minute') as per_minute;

-- name: set_reveal_limits
-- Checked by the database (EP400 on daily_budget or per_minute), audited as setting.update.
select epi.set_reveal_limits(%(daily_budget)s, %(per_minute)s);

-- name: raise_reveal_budget
-- One account's budget raised for some days with a reason (checked; audited as reveal.budget_raise).
select epi.raise_reveal_budget(%(account)s, %(budget)s, %(days)s, %(reason)s) as last_day;

-- name: reveal_budgets
-- Accounts that revealed anything today or hold a raise: use, budget, the raise in force.
select account, used_today, budget, raised_until, raise_reason, raised_by from epi.reveal_budgets();
