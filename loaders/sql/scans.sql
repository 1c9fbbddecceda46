-- name: previous_import
-- The latest import of a file with the same content.
select imported_by, imported_at, file_name, row_count
  from epi.import_batch
 where file_hash = %(file_hash)s
 order by imported_at desc
 limit 1;

-- name: latest_collected
-- The latest 采集时间 in the system (shown before an import); the primary key index answers it.
select max(collected_at) from epi.scan;

-- name: import_lock_timeout
-- An import never waits long for a lock held by someone else (a delete, a DBA's maintenance):
-- it gives up with a clear message instead of queueing everyone behind it.
set local lock_timeout = '30s';

-- name: lock_for_import
-- Imports share this lock; a batch delete takes it exclusively (admin/sql/scans.sql), so the rows it counted in its
-- preview cannot change under it.
select pg_advisory_xact_lock_shared(hashtext('epi.scan writes'));


-- name: stored_days
-- The file's venue-days that hold scans already (the duplicate check's first step, issue 51).
select venue_id, day from epi.import_stored_days(%(venue_id)s::text[], %(day)s::date[]);
