-- name: job_list
select job, label, steps, in_database from epi.job_list();

-- name: last_run_id
select coalesce(max(run_id), 0) from epi.job_run;

-- name: run_job
call epi.run_job(%(job)s, %(as_of)s);

-- name: runs_since
-- The runs a call recorded (a nightly: its own and its steps').
select run_id, job, as_of, started_at, finished_at, ok, error, rows
  from epi.job_run where run_id > %(run_id)s order by run_id;

-- name: finished_well
-- Whether a run of the job as of that day ended ok (the scheduler catches up a missed nightly).
select 1 from epi.job_run where job = %(job)s and as_of = %(as_of)s and ok;
