-- name: job_list
select job, label, steps, call, in_database from epi.job_list();

-- name: run_job
-- The run's id comes back (INOUT p_run): the run itself, or the refusal recorded when another run held the job.
call epi.run_job(%(job)s, %(as_of)s, null);

-- name: job_begin
-- The run's bookkeeping, as for every job: its lock and its epi.job_run row (NULL: another run holds it).
select epi.job_begin(%(job)s, %(as_of)s);

-- name: job_end
select epi.job_end(%(run_id)s, %(error)s, %(rows)s);

-- name: last_refusal
-- The refusal epi.job_begin just recorded in this session (another run held the job's lock).
select currval(pg_get_serial_sequence('epi.job_run', 'run_id'));

-- name: run_and_steps
-- A run and the runs of its steps (a nightly's six), in the order they began.
select run_id, job, as_of, started_at, finished_at, ok, error, rows
  from epi.job_run where run_id = %(run_id)s or parent_run = %(run_id)s order by run_id;

-- name: finished_well
-- Whether a run of the job as of that day ended ok (the scheduler catches up a missed nightly).
select 1 from epi.job_run where job = %(job)s and as_of = %(as_of)s and ok;
