-- /metrics (web/metrics.py).
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: metrics_jobs
-- /metrics (as ops): each job's last finished run, whether it ended ok, its last run that did
select job, extract(epoch from max(finished_at))::float8 as last_at,
       (array_agg(ok order by run_id desc))[1] as last_ok,
       extract(epoch from max(finished_at) filter (where ok))::float8 as last_ok_at
  from epi.job_run where finished_at is not null group by job order by job;

-- name: metrics_sms
-- /metrics (as ops): texts by status (in doubt apart)
select status, in_doubt, count(*) as texts from oa.sms_log group by status, in_doubt order by status, in_doubt;
