-- name: preloaded
select current_setting('shared_preload_libraries');

-- name: cron_database
select current_setting('cron.database_name');

-- name: create_extension
create extension if not exists pg_cron;

-- name: schedule
-- Registered by name, in the project's database, as the jobs role; registering again updates it.
select cron.schedule_in_database(%(name)s, %(schedule)s, %(command)s, %(database)s, %(username)s, true);

-- name: jobs_named
select jobid from cron.job where jobname = %(name)s;

-- name: unschedule
-- By id: unschedule(name) only finds the caller's own jobs, and these belong to epi_jobs.
select cron.unschedule(%(job_id)s::bigint);
