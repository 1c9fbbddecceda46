-- /healthz/jobs (web/health.py).
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: job_health
-- /healthz/jobs (as ops): the last nightly that ended ok, texts in doubt (the sync: sync_state)
select (select max(finished_at) from epi.job_run where job = 'nightly' and ok) as nightly_ok_at,
       (select count(*) from oa.sms_log where status = 'failed' and in_doubt) as sms_in_doubt;
