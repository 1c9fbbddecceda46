-- The page's imports (web/import_jobs.py).
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: import_job_lock
-- An import started from the page (as ops): the progress connection takes the job's session lock
-- first, so that the row is never visible without a live holder (see reap_import_jobs)
select pg_advisory_lock(hashtext('epi.import_job'), hashtext(%(job_id)s));

-- name: import_job_insert
insert into epi.import_job (job_id, file_name, imported_by) values (%(job_id)s, %(file_name)s, %(by)s);

-- name: import_job_progress
update epi.import_job
   set rows_read = greatest(rows_read, %(read)s), rows_written = greatest(rows_written, %(written)s),
       rows_total = greatest(rows_total, %(total)s, %(read)s, %(written)s), updated_at = now()
 where job_id = %(job_id)s and state = 'running';

-- name: import_job_end
-- whatever the reaper said meanwhile (the progress connection may have been lost), the import's
-- own outcome is the last word
update epi.import_job
   set state = %(state)s, message = %(message)s, batch_id = %(batch_id)s, duplicate = %(duplicate)s,
       digest = %(digest)s, rows_written = greatest(rows_written, %(written)s),
       rows_total = greatest(rows_total, %(written)s), ended_at = now(), updated_at = now()
 where job_id = %(job_id)s;

-- name: reap_import_jobs
-- A running import whose lock nobody holds belongs to a web process that died (its import
-- transaction rolled back with its connection): failed, with the reason
update epi.import_job
   set state = 'failed', message = %(message)s, ended_at = now(), updated_at = now()
 where state = 'running' and pg_try_advisory_xact_lock(hashtext('epi.import_job'), hashtext(job_id));

-- name: import_job_get
select job_id as id, file_name, imported_by as by, state, rows_read as read, rows_written as written,
       rows_total as total, message, batch_id, duplicate, digest,
       extract(epoch from started_at)::float8 as started, extract(epoch from ended_at)::float8 as ended
  from epi.import_job where job_id = %(job_id)s and imported_by = %(by)s;

-- name: import_jobs_recent
select job_id as id, file_name, imported_by as by, state, rows_read as read, rows_written as written,
       rows_total as total, message, batch_id, duplicate, digest,
       extract(epoch from started_at)::float8 as started, extract(epoch from ended_at)::float8 as ended
  from epi.import_job where imported_by = %(by)s order by started_at desc limit 10;
