/* Hardening (issue 19): epi.scan loses its default partition. A default partition must be locked
   (ACCESS EXCLUSIVE) by every ATTACH of a new month, and every reader of epi.scan holds a lock on
   it, so an OA login's idle transaction made an import of a new month wait. Months are now made
   for the rows that need them before they are inserted (epi.ensure_scan_partitions) and ahead by
   the nightly. Rows that reached the default partition move into their months' partitions here. */
do $$
declare
  v_cols text := (select string_agg(quote_ident(a.attname), ', ' order by a.attnum)
                    from pg_catalog.pg_attribute a
                   where a.attrelid = 'epi.scan'::regclass and a.attnum > 0 and not a.attisdropped
                     and a.attgenerated = '');
  v_month date;
  v_name text;
  v_made text[] := '{}';
  v_months date[] := '{}';
begin
  if to_regclass('epi.scan_default') is null then
    return;
  end if;
  -- the owner reads its forced-RLS partition for this move only
  alter table epi.scan_default no force row level security;
  alter table epi.scan_default disable row level security;
  for v_month in
    select distinct date_trunc('month', collected_at at time zone 'Asia/Shanghai')::date from epi.scan_default order by 1
  loop
    v_name := format('scan_y%sm%s', to_char(v_month, 'YYYY'), to_char(v_month, 'MM'));
    if to_regclass(format('epi.%I', v_name)) is not null then
      raise exception 'epi.% exists while epi.scan_default holds rows of its month', v_name;
    end if;
    execute format('create table epi.%I (like epi.scan including defaults including constraints including generated)', v_name);
    execute format('insert into epi.%I (%s) select %s from epi.scan_default
                     where collected_at >= $1 and collected_at < $2', v_name, v_cols, v_cols)
      using v_month::timestamp at time zone 'Asia/Shanghai', (v_month + interval '1 month')::timestamp at time zone 'Asia/Shanghai';
    v_made := v_made || v_name;
    v_months := v_months || v_month;
  end loop;
  alter table epi.scan detach partition epi.scan_default;
  drop table epi.scan_default;
  for i in 1 .. coalesce(cardinality(v_made), 0) loop
    execute format('alter table epi.scan attach partition epi.%I for values from (%L) to (%L)', v_made[i],
                   v_months[i]::timestamp at time zone 'Asia/Shanghai',
                   (v_months[i] + interval '1 month')::timestamp at time zone 'Asia/Shanghai');
  end loop;
  -- the new partitions are secured with every other by db/security/epi.scan.sql, applied after the
  -- migrations in the same transaction
end
$$;
comment on table epi.scan is '扫码进场信息: scan-entry records as exported by the provincial platform, one partition per month (no default partition: months are made before rows need them).';

-- the nightly makes the coming months' partitions ahead: a job of its own (epi.job_partitions)
alter table epi.job_run drop constraint job_run_job_valid;
alter table epi.job_run add constraint job_run_job_valid
  check (job in ('partitions', 'discover', 'counts', 'counts_full', 'alerts', 'sms', 'nightly', 'frontdb'));
comment on constraint job_run_job_valid on epi.job_run is '任务名称只能是 partitions、discover、counts、counts_full、alerts、sms、nightly 或 frontdb';
