/* why: personal data is kept no longer than its purpose needs, the audit log at least as long as
   the law requires (Personal data 2 of 3). A nightly step, before the counts and the alerts:
   - scans: when scan_retention_days is set, scans whose 采集时间 day (Asia/Shanghai) is before
     as-of − days go — whole months by dropping their partitions (epi_private.drop_scan_partition),
     the rest of the boundary month by DELETE (audited by epi.scan's statement trigger, with the
     counts; its daily counts follow by trigger). The purge is the system's retention, not a user's
     delete: it runs while the front-database sync is on (the sync lock lets the jobs through).
     Purged days have no counts at all, so for the alert rule they are days without records in the
     city: they break streaks and never raise 小于阈值. Alerts keep their 7 days' counts.
   - audit: sealed entries older than audit_retention_days (≥ 180) go, as a prefix of the chain: the
     chain's checkpoint moves to the last purged entry (its seal number and hash), from which
     `invoke audit.verify` starts; the purge is itself an entry. Unsealed entries are never purged.
   Returns the scans deleted. */
create or replace function epi.job_retention(p_as_of date) returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_days       integer := (select (s.value #>> '{}')::integer from epi.setting s where s.key = 'scan_retention_days');
  v_audit_days integer := coalesce((select (s.value #>> '{}')::integer from epi.setting s where s.key = 'audit_retention_days'), 180);
  v_cutoff     date;
  v_month      date;
  v_rows       bigint := 0;
  v_deleted    bigint;
  v_through    bigint;
  v_chain      epi_private.audit_chain;
begin
  perform epi_private.require_kind('只有系统任务可以运行此任务', 'jobs');
  if v_days is not null then
    v_cutoff := p_as_of - v_days;
    perform set_config('epi.operation', jsonb_build_object('retention', jsonb_build_object(
      'scan_retention_days', v_days, 'deleted_before', v_cutoff))::text, true);
    -- every month whose partition exists, by its one name (a stray date may have made one of 1980)
    foreach v_month in array coalesce((
      select array_agg(m::date order by m)
        from generate_series(date '1900-01-01', v_cutoff, interval '1 month') m
       where to_regclass(format('epi.%I', epi.scan_partition_name(m::date))) is not null), '{}')
    loop
      if (v_month + interval '1 month')::date <= v_cutoff then
        v_rows := v_rows + epi_private.drop_scan_partition(v_month, 'retention');
      end if;
    end loop;
    if exists (select from epi.scan s where s.collected_at < (v_cutoff::timestamp at time zone 'Asia/Shanghai')) then
      delete from epi.scan where collected_at < (v_cutoff::timestamp at time zone 'Asia/Shanghai');
      get diagnostics v_deleted = row_count;
      v_rows := v_rows + v_deleted;
    end if;
    perform set_config('epi.operation', '', true);
  end if;

  select * into v_chain from epi_private.audit_chain for update;
  select coalesce(min(a.seal_seq) - 1, v_chain.head_seq) into v_through
    from epi.audit_log a
   where a.seal_seq is not null and a.seal_seq > v_chain.checkpoint_seq
     and a.at >= p_as_of::timestamp at time zone 'Asia/Shanghai' - make_interval(days => v_audit_days);
  if v_through > v_chain.checkpoint_seq then
    update epi_private.audit_chain
       set checkpoint_seq = v_through,
           checkpoint_hash = (select a.hash from epi.audit_log a where a.seal_seq = v_through),
           checkpoint_at = now();
    perform set_config('epi.audit_purge', 'on', true);
    delete from epi.audit_log a where a.seal_seq <= v_through;
    get diagnostics v_deleted = row_count;
    perform set_config('epi.audit_purge', '', true);
    perform epi_private.write_audit('audit.purge', jsonb_build_object(
      'audit_retention_days', v_audit_days, 'through_seal_seq', v_through,
      'checkpoint_hash', (select c.checkpoint_hash from epi_private.audit_chain c)), v_deleted);
  end if;
  return v_rows;
end
$$;
comment on function epi.job_retention(date) is 'The nightly''s retention: scans older than scan_retention_days, sealed audit entries older than audit_retention_days; returns the scans deleted.';
