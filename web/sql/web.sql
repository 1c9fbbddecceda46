-- name: generic_plans
-- Each pooled connection keeps one generic plan per prepared query (see web/db.py).
set plan_cache_mode = force_generic_plan;

-- name: ping
select 1;

-- name: schema_revision
-- /readyz: the revision of the database's schema (compared with the code's head)
select epi.schema_revision() as revision;

-- name: job_health
-- /healthz/jobs (as ops): the last nightly that ended ok, texts in doubt, the front-database sync
select (select max(finished_at) from epi.job_run where job = 'nightly' and ok) as nightly_ok_at,
       (select count(*) from oa.sms_log where status = 'failed' and in_doubt) as sms_in_doubt,
       epi.frontdb_sync_enabled() as sync_on,
       (select r.ok from epi.job_run r where r.job = 'frontdb' and r.finished_at is not null
         order by r.run_id desc limit 1) as sync_ok;

-- name: home_unit
select count(*) filter (where status = '未接收') as unaccepted,
       count(*) filter (where status = '未接收' and created_at > now() - interval '1 day') as new_today,
       (select count(*) from oa.venue where flow_min is null and flow_max is null) as no_threshold
  from oa.alert;

-- name: home_ops
select (select count(*) from epi.venue where unit_code is null) as unassigned,
       (select max(collected_at) from epi.scan) as latest_collected,
       (select count(*) from oa.sms_log where status = 'failed' and day > current_date - 7) as sms_failed_week;

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

-- name: sms_get
select sms_id, unit_code, epi.mask_phone(phone) as phone, day, status, in_doubt, resent_at from oa.sms_log
 where sms_id = %(sms_id)s;

-- name: sms_resolve
select epi.sms_resolve(%(sms_id)s, %(action)s);

-- name: venue_tab_counts
select count(*) filter (where unit_code is null) as unset, count(*) filter (where unit_code is not null) as set
  from oa.venue;

-- name: venue_list
-- the list's 8 columns (db.vocabulary.VENUE_LIST); the unit head's phone only on the venue's page.
-- Ordered and paged by web.listing (any shown column, then venue_id); q: an ID, or a part of a name
select venue_id, venue_name, category, street, location, unit_code, unit_name, flow_min, flow_max
  from oa.venue
 where (unit_code is null) = %(unset)s
   and (%(q)s = '' or venue_id = %(q)s or venue_name like %(q_like)s);

-- name: units_for_choice
select unit_code, unit_name, head_name, head_phone, active from epi.unit order by active desc, unit_code;

-- name: venue_get
select venue_id, venue_name, category, city, street, venue_admin, location, unit_code, unit_name, head_name,
       head_phone, flow_min, flow_max
  from oa.venue where venue_id = %(venue_id)s;

-- name: venue_insert
insert into epi.venue (venue_id, venue_name, category, city, street, venue_admin, location, unit_code, source)
values (%(venue_id)s, %(venue_name)s, %(category)s, coalesce(%(city)s, '开平市'), %(street)s, %(venue_admin)s,
        %(location)s, %(unit_code)s, 'ops');

-- name: venue_update
update epi.venue
   set venue_name = %(venue_name)s, category = %(category)s, city = coalesce(%(city)s, '开平市'),
       street = %(street)s, venue_admin = %(venue_admin)s, location = %(location)s, unit_code = %(unit_code)s
 where venue_id = %(venue_id)s;

-- name: venue_delete
delete from epi.venue where venue_id = %(venue_id)s;

-- name: threshold_tab_counts
select count(*) filter (where flow_min is null and flow_max is null) as unset,
       count(*) filter (where flow_min is not null or flow_max is not null) as set
  from oa.venue;

-- name: threshold_list
-- ordered and paged by web.listing, like venue_list
select venue_id, venue_name, category, street, location, unit_name, flow_min, flow_max
  from oa.venue
 where (flow_min is null and flow_max is null) = %(unset)s
   and (%(q)s = '' or venue_id = %(q)s or venue_name like %(q_like)s);

-- name: api_venue_list
-- GET /api/venues (SPEC section 8): the threshold list's rows keyset-paged by venue_id, 100 at a time
select venue_id, venue_name, category, street, location, unit_name, flow_min, flow_max
  from oa.venue
 where (flow_min is null and flow_max is null) = %(unset)s
   and venue_id > %(after)s
 order by venue_id
 limit 101;

-- name: threshold_problems
-- The database's threshold rules for what was typed (text; NULL = not set).
select field, message from epi.threshold_problems(%(flow_min)s, %(flow_max)s);

-- name: threshold_update
-- Only after threshold_problems found none: the text is then an integer in range.
update epi.venue set flow_min = %(flow_min)s::numeric, flow_max = %(flow_max)s::numeric
 where venue_id = %(venue_id)s;

-- name: import_history
-- the imports, with how many of their rows are still stored (kept by triggers); ordered and paged by
-- web.listing (the latest first by default)
select batch_id, source, file_name, row_count, stored_rows, collected_min, collected_max, forced, imported_by,
       imported_at
  from epi.import_batch

-- name: latest_collected
select max(collected_at) as latest from epi.scan;

-- name: sync_enabled
-- Whether the provincial front-database sync is on (file imports and deletes are then refused).
select epi.frontdb_sync_enabled() as on;

-- name: latest_sync
-- The latest front-database sync run (shown while the sync is on).
select started_at, finished_at, ok, error, rows from epi.job_run
 where job = 'frontdb' order by run_id desc limit 1;

-- name: calendar
select day, sum(n)::bigint as n from epi.daily_counts(%(from)s, %(to)s) group by day order by day;

-- name: stats
-- scans per venue over a 采集时间 day range (whole months from the month counts: epi.venue_totals),
-- with the combined conditions of web.queries.STATS_FILTERS
-- ('' = no condition; the contains conditions come as LIKE patterns); ordered and paged by web.listing
select v.venue_id, v.venue_name, v.category, v.unit_name, v.city, v.street, coalesce(c.n, 0) as n
  from oa.venue v
  left join epi.venue_totals(%(from)s, %(to)s) c
    on c.venue_id = v.venue_id
 where (%(venue_id)s = '' or v.venue_id = %(venue_id)s)
   and (%(venue_name)s = '' or v.venue_name like %(venue_name)s)
   and (%(category)s = '' or v.category like %(category)s)
   and (%(street)s = '' or v.street like %(street)s)
   and (%(unit_name)s = '' or v.unit_name like %(unit_name)s);

-- name: stats_venue_days
-- one venue's scans per day; n is NULL (无数据) on a day without any data in the whole city
select d::date as day, case when dd.day is not null then coalesce(c.n, 0) end as n
  from generate_series(%(from)s::date, %(to)s::date, interval '1 day') d
  left join epi.daily_counts(%(from)s, %(to)s, %(venue_id)s) c on c.day = d::date
  left join epi.data_days(%(from)s, %(to)s) dd on dd.day = d::date
 order by 1;

-- name: last_data_day
-- the latest day up to a date with any data in the whole city (the unit home chart ends there)
select max(day) as day from epi.data_days('2000-01-01', %(to)s);

-- name: data_days
-- the days in a range with any data in the whole city (the others are 无数据, not 0)
select day from epi.data_days(%(from)s, %(to)s);

-- name: alert_counts
-- the tabs' counts under the list's filters (web.alerts.alert_filters; NULL / '' = no condition)
select count(*) filter (where status = '未接收') as unaccepted, count(*) filter (where status = '已接收') as accepted
  from oa.alert
 where (%(period_from)s::date is null or period_end >= %(period_from)s::date)
   and (%(period_to)s::date is null or period_start <= %(period_to)s::date)
   and (%(reason)s = '' or reason = %(reason)s)
   and (%(venue)s = '' or venue_id = %(venue)s or venue_name like %(venue_like)s);

-- name: alert_list
-- one tab's alerts under the filters: 预警时间段 overlapping [period_from, period_to], 预警原因,
-- 公共场所 (its ID, or a part of its name). Ordered and paged by web.listing (period: 预警时间段's start)
select alert_id, venue_id, venue_name, category, city, street, unit_code, period_start, period_end,
       period_start as period, reason, flow_min, flow_max, status, accepted_by, accepted_at, created_at
  from oa.alert
 where status = %(status)s
   and (%(period_from)s::date is null or period_end >= %(period_from)s::date)
   and (%(period_to)s::date is null or period_start <= %(period_to)s::date)
   and (%(reason)s = '' or reason = %(reason)s)
   and (%(venue)s = '' or venue_id = %(venue)s or venue_name like %(venue_like)s);

-- name: alert_days_of
select alert_id, day, n from oa.alert_day where alert_id = any (%(ids)s) order by alert_id, day;

-- name: alert_get
select alert_id, venue_id, venue_name, category, city, street, unit_code, period_start, period_end, reason,
       flow_min, flow_max, status, accepted_by, accepted_at, created_at
  from oa.alert where alert_id = %(alert_id)s;

-- name: alert_accept
update epi.alert set status = '已接收' where alert_id = %(alert_id)s and status = '未接收';

-- name: alerts_visible
-- how many of the chosen alerts the caller may see, and how many of them still wait
select count(*) as visible, count(*) filter (where status = '未接收') as waiting
  from oa.alert where alert_id = any (%(ids)s::bigint[]);

-- name: alerts_accept
-- 接收 for the selected alerts at once (one statement, one transaction); the already accepted stay as they are
update epi.alert set status = '已接收' where alert_id = any (%(ids)s::bigint[]) and status = '未接收';

-- name: audit_scan_access
-- The access entry of a scan query page or export; conditions masked and hashes checked by the database.
select epi.audit_scan_access(%(action)s, %(conditions)s::jsonb, %(rows)s, %(hashes)s::text[]);

-- name: audit_stats_export
select epi.audit_stats_export(%(from)s, %(to)s, %(rows)s);

-- name: dev_users
select unit_code, unit_name from epi.unit where active order by unit_code limit 20;

-- name: dev_unit
-- the unit of a demo account <unit code>.demo (the development sign-in's links)
select unit_code, unit_name from epi.unit where active and lower(unit_code) || '.demo' = %(who)s;

-- name: reveal_scans
-- Scan records in full (those of the ids the caller may see), with the reason; audited by the database.
select * from epi.reveal_scans(%(scan_ids)s, %(reason)s, %(export)s, %(conditions)s::jsonb, %(hashes)s::text[]);

-- name: scan_visible
select 1 from oa.scan where scan_id = %(scan_id)s;

-- name: audit_list
-- The audit log for the audit menu (epi_auditor: no other role reads it), ordered and paged by
-- web.listing (newest first by default); a person is searched by the keyed hash of their ID number or phone.
select a.audit_id, a.at, a.account, a.account_name, a.unit_code, a.caller_kind, a.menu, a.action, a.row_count,
       host(a.client_addr) as client_addr, a.db_user, a.os_user, a.detail::text as detail, a.seal_seq
  from epi.audit_log a
 where (%(account)s::text is null or a.account = %(account)s)
   and (%(unit_code)s::text is null or a.unit_code = %(unit_code)s)
   and (%(action)s::text is null or a.action = %(action)s)
   and (%(at_from)s::timestamptz is null or a.at >= %(at_from)s)
   and (%(at_to)s::timestamptz is null or a.at < %(at_to)s)
   and (cardinality(%(hashes)s::text[]) = 0 or a.subject_hashes @> %(hashes)s::text[]);

-- name: audit_log_access
-- The auditor's own search page or export, recorded (conditions masked, hashes checked) by the database.
select epi.audit_log_access(%(action)s, %(conditions)s::jsonb, %(rows)s, %(hashes)s::text[]);

-- name: audit_head
select head_seq, head_hash, hash_alg, unsealed from epi.audit_head();

-- name: retention
-- How long scans and audit entries are kept (epi.setting; scan_days NULL = kept).
select (select (value #>> '{}')::integer from epi.setting where key = 'scan_retention_days') as scan_days,
       (select (value #>> '{}')::integer from epi.setting where key = 'audit_retention_days') as audit_days;

-- name: set_scan_retention
-- Set scan_retention_days (ops; checked by the setting's constraint, audited by its trigger).
select epi.set_scan_retention(%(days)s);

-- name: metrics_jobs
-- /metrics (as ops): each job's last finished run, whether it ended ok, its last run that did
select job, extract(epoch from max(finished_at))::float8 as last_at,
       (array_agg(ok order by run_id desc))[1] as last_ok,
       extract(epoch from max(finished_at) filter (where ok))::float8 as last_ok_at
  from epi.job_run where finished_at is not null group by job order by job;

-- name: metrics_sms
-- /metrics (as ops): texts by status (in doubt apart)
select status, in_doubt, count(*) as texts from oa.sms_log group by status, in_doubt order by status, in_doubt;

-- name: metrics_sync
-- /metrics (as ops): the front-database sync: on, the last run ended ok, seconds since the last that did
select epi.frontdb_sync_enabled() as sync_on,
       (select r.ok from epi.job_run r where r.job = 'frontdb' and r.finished_at is not null
         order by r.run_id desc limit 1) as last_ok,
       (select extract(epoch from now() - max(r.finished_at))::float8 from epi.job_run r
         where r.job = 'frontdb' and r.ok) as lag_seconds;

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

-- name: statement_timeout
-- the app's own DB_STATEMENT_TIMEOUT (tests), for this connection's session
select set_config('statement_timeout', %(timeout)s, false);
