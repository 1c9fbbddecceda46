-- name: front_session
-- On the front database: times read as text are Kaiping's local time.
set time zone 'Asia/Shanghai';

-- name: sync_enabled
select epi.frontdb_sync_enabled();

-- name: position
-- How far a front table has been taken (its watermark), NULL before the first batch.
select epi.frontdb_position(%(table)s, %(key)s);

-- name: advance
-- Move the watermark in the batch's transaction (compare-and-set).
select epi.frontdb_advance(%(table)s, %(key)s, %(from)s, %(to)s, %(rows)s);

-- name: merge_venues
-- A batch of the province's venue rows (JSON array): returns (added, updated).
select * from epi.frontdb_merge_venues(%(rows)s::jsonb);

-- name: act_for
-- The switch is a DBA's act: audited under the DBA's account (run acting as the owner), with the
-- operating-system user and the command.
select set_config('epi.account', %(account)s, true), set_config('epi.os_user', %(os_user)s, true),
       set_config('epi.menu', %(menu)s, true);

-- name: try_lock_scan_writes
-- Imports share this lock (loaders/sql/scans.sql) and a batch delete takes it (admin/sql/scans.sql): the switch waits for both.
select pg_try_advisory_xact_lock(hashtext('epi.scan writes'));

-- name: lock_scan_writes
select pg_advisory_xact_lock(hashtext('epi.scan writes'));

-- name: switch
update epi.setting set value = %(on)s::jsonb, updated_at = now()
 where key = 'frontdb_sync_enabled' and value is distinct from %(on)s::jsonb;

-- name: recent_runs
select started_at, finished_at, ok, error, rows from epi.job_run
 where job = 'frontdb' order by run_id desc limit 5;
