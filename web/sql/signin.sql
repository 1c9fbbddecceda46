-- The home pages and the development sign-in (web/signin.py).
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: home_unit
select count(*) filter (where status = '未接收') as unaccepted,
       count(*) filter (where status = '未接收' and created_at > now() - interval '1 day') as new_today,
       (select count(*) from oa.venue where flow_min is null and flow_max is null) as no_threshold
  from oa.alert;

-- name: home_ops
select (select count(*) from epi.venue where unit_code is null) as unassigned,
       (select max(collected_at) from epi.scan) as latest_collected,
       (select count(*) from oa.sms_log where status = 'failed' and day > current_date - 7) as sms_failed_week;

-- name: units_without_phone
-- active units whose head has no valid mobile number: their alert texts cannot be delivered (issue 47)
select unit_code, unit_name, head_name, epi.mask_phone(head_phone) as head_phone
  from epi.unit where active and not coalesce(epi.is_mobile(head_phone), false) order by unit_code;

-- name: recent_job_runs
-- the latest runs, each job by its Chinese label (epi.job_list)
select r.job, coalesce(l.label, r.job) as label, r.as_of, r.started_at, r.finished_at, r.ok, r.error, r.rows
  from epi.job_run r left join epi.job_list() l on l.job = r.job
 order by r.run_id desc limit 8;

-- name: last_nightly
select r.as_of, r.started_at, r.finished_at, r.ok, r.error from epi.job_run r
 where r.job = 'nightly' order by r.run_id desc limit 1;

-- name: last_units_refresh
-- the last re-reading of OA's organisation export (EPI_OA_UNITS_FILE; jobs/units.py)
select r.started_at, r.finished_at, r.ok, r.error, r.rows from epi.job_run r
 where r.job = 'units' order by r.run_id desc limit 1;

-- name: last_import
select batch_id, source, file_name, row_count, imported_by, imported_at from epi.import_batch
 order by batch_id desc limit 1;

-- name: recent_sms_failures
-- unit heads' phones in a list are masked (SPEC section 3)
select unit_code, epi.mask_phone(phone) as phone, day, attempts, response from oa.sms_log
 where status = 'failed' and not in_doubt
 order by day desc, sms_id desc limit 5;

-- name: sms_in_doubt
-- Texts whose result is unknown (the request left without a usable answer): ops decide (web/sms.py).
select sms_id, unit_code, epi.mask_phone(phone) as phone, day, attempts, response, resent_at
  from oa.sms_log where status = 'failed' and in_doubt
 order by day desc, sms_id desc limit 20;

-- name: last_data_day
-- the latest day up to a date with any data in the whole city (the unit home chart ends there)
select max(day) as day from epi.data_days('2000-01-01', %(to)s);


-- name: dev_users
select unit_code, unit_name from epi.unit where active order by unit_code limit 20;

-- name: dev_unit
-- the unit of a demo account <unit code>.demo (the development sign-in's links)
select unit_code, unit_name from epi.unit where active and lower(unit_code) || '.demo' = %(who)s;

-- name: budget_events
-- The auditor's home page: the reveal budget's events of the last 30 days (ops' raises, refusals,
-- accounts past 80 percent of their budget), newest first.
select a.audit_id, a.at, a.account, a.account_name, a.unit_code, a.action, a.row_count,
       a.detail ->> 'message' as message, a.detail ->> 'for_account' as for_account,
       a.detail ->> 'budget' as budget, a.detail ->> 'used_today' as used_today,
       a.detail ->> 'last_day' as last_day, a.detail ->> 'reason' as reason
  from epi.audit_log a
 where a.action in ('reveal.budget_raise', 'reveal.refused', 'reveal.budget_80')
   and a.at > now() - interval '30 days'
 order by a.audit_id desc
 limit 100;
