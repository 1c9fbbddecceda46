-- Queries more than one blueprint runs (each is here once): a venue, an alert and its days, 接收, the data calendar, the sync's state, an auditor's read of the log.
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: venue_get
select venue_id, venue_name, category, city, street, venue_admin, location, unit_code, unit_name, head_name,
       head_phone, flow_min, flow_max
  from oa.venue where venue_id = %(venue_id)s;

-- name: alert_days_of
select alert_id, day, n from oa.alert_day where alert_id = any (%(ids)s) order by alert_id, day;

-- name: alert_get
select alert_id, venue_id, venue_name, category, city, street, unit_code, period_start, period_end, reason,
       flow_min, flow_max, status, accepted_by, accepted_at, created_at
  from oa.alert where alert_id = %(alert_id)s;

-- name: alert_accept
update epi.alert set status = '已接收' where alert_id = %(alert_id)s and status = '未接收';

-- name: calendar
select day, sum(n)::bigint as n from epi.daily_counts(%(from)s, %(to)s) group by day order by day;

-- name: sync_state
-- The front-database sync (as ops; /metrics and /healthz/jobs): on, whether the last run ended ok,
-- seconds since the last that did
select epi.frontdb_sync_enabled() as sync_on,
       (select r.ok from epi.job_run r where r.job = 'frontdb' and r.finished_at is not null
         order by r.run_id desc limit 1) as last_ok,
       (select extract(epoch from now() - max(r.finished_at))::float8 from epi.job_run r
         where r.job = 'frontdb' and r.ok) as lag_seconds;

-- name: audit_log_access
-- The auditor's own read of the log (the audit page's search or export, the home page's budget
-- events), recorded (conditions masked, hashes checked) by the database.
select epi.audit_log_access(%(action)s, %(conditions)s::jsonb, %(rows)s, %(hashes)s::text[]);

-- name: data_days
-- the days in a range with any data in the whole city (the others are 无数据, not 0): the home
-- chart, 扫码统计查询 and its export
select day from epi.data_days(%(from)s, %(to)s);

-- name: plaintext_pending
-- Whether records stored before encryption still wait to be sealed (issue 50): a search then also
-- passes the typed values (web.queries.personal_digests).
select epi.plaintext_pending() as pending;
