/* Foundation tables (SPEC section 2). Versioned: frozen once released; later changes go in a new
   revision. Policies and grants live in db/security/ and are re-applied after every upgrade. */

create schema if not exists epi;
comment on schema epi is 'Tables of the supervision zone. Row-level security on every table.';
create schema if not exists oa;
comment on schema oa is 'Secured views read by the OA system, reports and the web layer (security_invoker).';

create schema if not exists epi_ext;
comment on schema epi_ext is 'Extensions (btree_gist for the alert no-overlap constraint).';
create extension if not exists btree_gist with schema epi_ext;

/* Identity bindings of OA reader logins: which unit each database login reads as. */
create table epi_private.oa_login (
  login     name primary key,
  unit_code text,
  is_ops    boolean not null default false,
  bound_at  timestamptz not null default now(),
  constraint oa_login_unit_or_ops check (is_ops or unit_code is not null)
);
comment on table epi_private.oa_login is 'Database logins of OA systems, each bound to one unit (or to the ops unit''s rights).';

create table epi.unit (
  unit_code  text primary key check (unit_code <> ''),
  unit_name  text not null check (unit_name <> ''),
  head_name  text,
  head_phone text,
  active     boolean not null default true,
  updated_at timestamptz not null default now()
);
comment on table epi.unit is '监管单位: supervising units, upserted from the OA system''s organisations; never deleted, marked inactive.';

create table epi.venue (
  venue_id    text primary key check (venue_id <> ''),
  venue_name  text,
  category    text,
  city        text default '开平市',
  street      text,
  venue_admin text,
  location    text,
  unit_code   text references epi.unit (unit_code) on update cascade on delete restrict,
  flow_min    integer,
  flow_max    integer,
  source      text not null default 'ops' check (source in ('ops', 'bulk', 'discovery', 'frontdb')),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  constraint venue_flow_min_nonnegative check (flow_min >= 0),
  constraint venue_flow_max_nonnegative check (flow_max >= 0),
  constraint venue_flow_min_le_max check (flow_min <= flow_max)
);
create index venue_unit_code_idx on epi.venue (unit_code);
comment on table epi.venue is '场所信息: public venues with their supervising unit and daily visitor thresholds.';
comment on constraint venue_venue_id_check on epi.venue is '公共场所ID不能为空';
comment on constraint venue_source_check on epi.venue is '场所来源只能是 ops、bulk、discovery 或 frontdb';
comment on constraint venue_flow_min_nonnegative on epi.venue is '场所日人流量阈值（最小值）必须是不小于0的整数';
comment on constraint venue_flow_max_nonnegative on epi.venue is '场所日人流量阈值（最大值）必须是不小于0的整数';
comment on constraint venue_flow_min_le_max on epi.venue is '场所日人流量阈值（最小值）不能大于最大值';

create table epi.import_batch (
  batch_id      bigint generated always as identity primary key,
  source        text not null default 'file' check (source in ('file', 'frontdb')),
  file_name     text,
  file_hash     text,
  row_count     integer not null default 0 check (row_count >= 0),
  collected_min timestamptz,
  collected_max timestamptz,
  forced        boolean not null default false,
  imported_by   text not null,
  imported_at   timestamptz not null default now()
);
create index import_batch_file_hash_idx on epi.import_batch (file_hash);
create index import_batch_imported_at_idx on epi.import_batch (imported_at);
comment on table epi.import_batch is 'One row per import of scan records (a file, or one front-database sync batch).';

/* Scan records, partitioned by month of 采集时间 (Asia/Shanghai). Values are stored as given
   (text); only collected_at is parsed. The unit is not kept on the row: visibility follows the
   venue registry, so a venue moved to another unit moves its scans with it at once. */
create sequence epi.scan_scan_id_seq as bigint;
create table epi.scan (
  scan_id            bigint not null default nextval('epi.scan_scan_id_seq'),
  venue_id           text not null,
  venue_name         text,
  category           text,
  city               text,
  street             text,
  venue_admin        text,
  id_card            text,
  person_name        text,
  phone              text,
  collect_result     text,
  nat_result         text,
  nat_result_time    text,
  health_code        text,
  collector_location text,
  collected_at       timestamptz not null,
  batch_id           bigint not null,  -- epi.import_batch; no FK: a per-row RI check costs 15% of an import,
                                       -- and batches are never deleted (no runtime role may)
  imported_by        text not null,
  imported_at        timestamptz not null default now(),
  primary key (collected_at, scan_id)
) partition by range (collected_at);
alter sequence epi.scan_scan_id_seq owned by epi.scan.scan_id;
create index scan_venue_collected_idx on epi.scan (venue_id, collected_at);
create index scan_batch_idx on epi.scan (batch_id);
create table epi.scan_default partition of epi.scan default;
comment on table epi.scan is '扫码进场信息: scan-entry records as exported by the provincial platform, one partition per month.';
comment on table epi.scan_default is 'Safety net for a month whose partition was not created first; epi.ensure_scan_partitions moves such rows out.';

/* Daily scan counts per venue: a summary, kept in the private schema and read by units only
   through epi_private.visible_daily_counts() (oa.daily_count). */
create table epi_private.daily_count (
  venue_id text not null,
  day      date not null,
  n        integer not null check (n > 0),
  primary key (venue_id, day)
);
create index daily_count_day_idx on epi_private.daily_count (day);
comment on table epi_private.daily_count is 'Scans per venue and Asia/Shanghai calendar day, kept by triggers on epi.scan.';

create table epi.alert (
  alert_id     bigint generated always as identity primary key,
  venue_id     text not null,
  venue_name   text,
  category     text,
  city         text,
  street       text,
  period_start date not null,
  period_end   date not null,
  reason       text not null,
  flow_min     integer,
  flow_max     integer,
  status       text not null default '未接收',
  accepted_by  text,
  accepted_at  timestamptz,
  created_at   timestamptz not null default now(),
  constraint alert_reason_valid check (reason in ('小于阈值', '大于阈值')),
  constraint alert_status_valid check (status in ('未接收', '已接收')),
  constraint alert_period_is_7_days check (period_end = period_start + 6),
  constraint alert_acceptance_recorded check ((status = '已接收') = (accepted_by is not null and accepted_at is not null)),
  constraint alert_no_overlap exclude using gist (
    venue_id with =, reason with =, daterange(period_start, period_end, '[]') with &&)
);
create index alert_venue_idx on epi.alert (venue_id);
create index alert_status_idx on epi.alert (status);
comment on table epi.alert is '“扫码”预警: a venue below or above its threshold for 7 consecutive days, with the venue as it was.';
comment on constraint alert_reason_valid on epi.alert is '预警原因只能是“小于阈值”或“大于阈值”';
comment on constraint alert_status_valid on epi.alert is '预警状态只能是“未接收”或“已接收”';
comment on constraint alert_period_is_7_days on epi.alert is '预警时间段必须是连续7天';
comment on constraint alert_acceptance_recorded on epi.alert is '已接收的预警必须记录接收人和接收时间';
comment on constraint alert_no_overlap on epi.alert is '同一场所同一原因的预警时间段不能重叠';

create table epi.alert_day (
  alert_id bigint not null references epi.alert (alert_id) on delete cascade,
  day      date not null,
  n        integer not null check (n >= 0),
  primary key (alert_id, day)
);
comment on table epi.alert_day is 'The 7 daily counts an alert was raised on, kept after the scans are deleted.';

create table epi.sms_outbox (
  sms_id     bigint generated always as identity primary key,
  unit_code  text not null references epi.unit (unit_code) on update cascade on delete restrict,
  phone      text,
  day        date not null,
  content    text not null,
  status     text not null default 'pending',
  attempts   integer not null default 0 check (attempts >= 0),
  response   text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  sent_at    timestamptz,
  constraint sms_outbox_one_per_unit_day unique (unit_code, day),
  constraint sms_outbox_status_valid check (status in ('pending', 'sent', 'failed'))
);
comment on table epi.sms_outbox is 'At most one text per unit per Asia/Shanghai day, and what became of it.';
comment on constraint sms_outbox_one_per_unit_day on epi.sms_outbox is '每个监管单位每天最多发送一条短信';

create table epi.job_run (
  run_id      bigint generated always as identity primary key,
  job         text not null check (job in ('discover', 'counts', 'alerts', 'sms', 'nightly', 'frontdb')),
  as_of       date not null,
  started_at  timestamptz not null default now(),
  finished_at timestamptz,
  ok          boolean,
  error       text,
  rows        bigint
);
create index job_run_started_idx on epi.job_run (started_at desc);
comment on table epi.job_run is 'Every run of a job: which, as of which day, when, and how it ended.';

create table epi.audit_log (
  audit_id bigint generated always as identity primary key,
  at       timestamptz not null default now(),
  account  text not null,
  action   text not null,
  detail   jsonb not null default '{}'
);
create index audit_log_at_idx on epi.audit_log (at desc);
comment on table epi.audit_log is 'Imports, deletions, venue and threshold changes, acceptances and exports: who, when, what.';

create table epi.setting (
  key        text primary key,
  value      jsonb not null,
  updated_at timestamptz not null default now()
);
comment on table epi.setting is 'Switches that the database itself enforces, e.g. frontdb_sync_enabled.';
insert into epi.setting (key, value) values ('frontdb_sync_enabled', 'false');
