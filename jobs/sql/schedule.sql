-- name: read
-- The schedule (epi.job_schedule): each timed job's time of day in Kaiping and weekday (0 = Sunday).
select job, at, weekday from epi.job_schedule order by job;

-- name: cron
-- The timed jobs that run in the database, with their pg_cron lines (UTC).
select job, schedule from epi.job_cron();

-- name: act_for
-- A DBA's change: audited under the DBA's account (run acting as the owner), with the
-- operating-system user and the command.
select set_config('epi.account', %(account)s, true), set_config('epi.os_user', %(os_user)s, true),
       set_config('epi.menu', %(menu)s, true);

-- name: set
select epi.set_job_schedule(%(job)s, %(at)s::time, %(weekday)s::smallint);
