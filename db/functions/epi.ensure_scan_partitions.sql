/* why: scans are partitioned by Asia/Shanghai month of 采集时间, and there is no default partition:
   every write path calls this with the 采集时间 of the rows it is about to insert (or one per
   month), so only months that have rows get a partition — one stray 1980 date makes one 1980
   partition, not 553 — and no insert fails for lack of one. The nightly makes this month's and
   next month's ahead (epi.job_partitions).
   A partition is made as a table of its own and then attached: ATTACH PARTITION takes only a
   SHARE UPDATE EXCLUSIVE lock on epi.scan, which readers (ACCESS SHARE) do not block, and with no
   default partition there is nothing else to lock — an OA login's idle transaction over epi.scan
   cannot make an import of a new month wait. Callers need an identity (ops or jobs). */
drop function if exists epi.ensure_scan_partitions(timestamptz, timestamptz);
create or replace function epi.ensure_scan_partitions(p_times timestamptz[]) returns integer
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_kind  text := epi_private.current_kind();
  v_month date;
  v_lo    timestamptz;
  v_hi    timestamptz;
  v_name  text;
  v_made  integer := 0;
begin
  if v_kind is null or v_kind not in ('ops', 'jobs') then
    raise exception '只有运维单位和系统任务可以创建扫码数据分区' using errcode = 'insufficient_privilege';
  end if;
  for v_month in
    select distinct date_trunc('month', t at time zone 'Asia/Shanghai')::date
      from unnest(p_times) t where t is not null order by 1
  loop
    v_name := epi.scan_partition_name(v_month);
    if to_regclass(format('epi.%I', v_name)) is null then
      v_lo := v_month::timestamp at time zone 'Asia/Shanghai';
      v_hi := (v_month + interval '1 month')::timestamp at time zone 'Asia/Shanghai';
      -- two writers making the same month: the second waits here, then finds it made (an
      -- advisory lock that only the zone's roles may take: see db/upgrade.py, LOCK_FUNCTIONS)
      perform pg_advisory_xact_lock(hashtext('epi.scan partitions'));
      if to_regclass(format('epi.%I', v_name)) is null then
        execute format('create table epi.%I (like epi.scan including defaults including constraints including generated)', v_name);
        perform epi_private.secure_scan_partition(v_name);
        execute format('alter table epi.scan attach partition epi.%I for values from (%L) to (%L)', v_name, v_lo, v_hi);
        execute format('comment on table epi.%I is %L', v_name, format('扫码进场信息 %s', to_char(v_month, 'YYYY-MM')));
        v_made := v_made + 1;
      end if;
    end if;
  end loop;
  return v_made;
end
$$;
comment on function epi.ensure_scan_partitions(timestamptz[]) is 'Create the monthly scan partitions of the months of the given times (only those); returns how many were made.';
