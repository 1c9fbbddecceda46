/* Personal data 2 of 3, point 3: keep personal data no longer than its purpose needs, and the audit
   log at least as long as the law requires.
   - audit_retention_days (default 180, refused below 180: the Cybersecurity Law's six months):
     sealed entries older than that are purged by the nightly, leaving a checkpoint (the last purged
     entry's seal number and hash) from which `invoke audit.verify` starts;
   - scan_retention_days (unset = keep; refused below 14): when set, the nightly deletes scans whose
     采集时间 day (Asia/Shanghai) is older — whole months by dropping their partitions, the rest by
     DELETE — audited with counts, also while the front-database sync is on. */
alter table epi.setting add constraint setting_retention_valid check (
  (key <> 'audit_retention_days'
   or (jsonb_typeof(value) = 'number' and value::numeric >= 180 and value::numeric = trunc(value::numeric)
       and value::numeric <= 36500))
  and (key <> 'scan_retention_days'
   or value = 'null'::jsonb
   or (jsonb_typeof(value) = 'number' and value::numeric >= 14 and value::numeric = trunc(value::numeric)
       and value::numeric <= 36500)));
comment on constraint setting_retention_valid on epi.setting is
  '审计日志保存天数不能少于180天；扫码记录保存天数不能少于14天（不设置则一直保存）';

-- (db/security/epi.setting.sql forces RLS again right after the migrations)
alter table epi.setting no force row level security;
insert into epi.setting (key, value) values ('audit_retention_days', '180'), ('scan_retention_days', 'null')
  on conflict (key) do nothing;
alter table epi.setting force row level security;

alter table epi.job_run drop constraint job_run_job_valid;
alter table epi.job_run add constraint job_run_job_valid
  check (job in ('partitions', 'retention', 'discover', 'counts', 'counts_full', 'alerts', 'sms', 'nightly', 'frontdb'));
comment on constraint job_run_job_valid on epi.job_run is '任务名称只能是 partitions、retention、discover、counts、counts_full、alerts、sms、nightly 或 frontdb';
