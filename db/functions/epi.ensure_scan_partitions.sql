/* why: scans are partitioned by Asia/Shanghai month of 采集时间. Every write path calls this for
   the range it is about to insert, so no insert ever fails for lack of a partition (rows that
   reach epi.scan_default anyway are moved into their month's partition here). */
create or replace function epi.ensure_scan_partitions(p_from timestamptz, p_to timestamptz) returns integer
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_month date;
  v_last  date;
  v_lo    timestamptz;
  v_hi    timestamptz;
  v_name  text;
  v_made  integer := 0;
  -- the stored columns of epi.scan, without the generated masks
  v_columns text := (select string_agg(quote_ident(a.attname), ', ' order by a.attnum)
                       from pg_catalog.pg_attribute a
                      where a.attrelid = 'epi.scan'::regclass and a.attnum > 0 and not a.attisdropped
                        and a.attgenerated = '');
begin
  if epi_private.current_kind() not in ('ops', 'jobs') then
    raise exception '只有运维单位和系统任务可以创建扫码数据分区' using errcode = 'insufficient_privilege';
  end if;
  if p_from is null or p_to is null then
    return 0;
  end if;
  v_month := date_trunc('month', least(p_from, p_to) at time zone 'Asia/Shanghai')::date;
  v_last  := date_trunc('month', greatest(p_from, p_to) at time zone 'Asia/Shanghai')::date;
  if v_last - v_month > 366 * 50 then
    raise exception '采集时间范围过大：% 至 %', p_from, p_to using errcode = 'data_exception';
  end if;
  while v_month <= v_last loop
    v_name := format('scan_y%sm%s', to_char(v_month, 'YYYY'), to_char(v_month, 'MM'));
    if to_regclass(format('epi.%I', v_name)) is null then
      v_lo := v_month::timestamp at time zone 'Asia/Shanghai';
      v_hi := (v_month + interval '1 month')::timestamp at time zone 'Asia/Shanghai';
      perform pg_advisory_xact_lock(hashtext('epi.scan partitions'));
      if to_regclass(format('epi.%I', v_name)) is null then
        execute format('create table epi.%I (like epi.scan including defaults including constraints including generated)', v_name);
        perform epi_private.secure_scan_partition(v_name);
        -- rows that fell into the default partition for this month move to their own partition
        -- (the stored columns only: the masks are generated again)
        execute format('with moved as (delete from epi.scan_default where collected_at >= $1 and collected_at < $2 returning *)
                        insert into epi.%I (%s) select %s from moved', v_name, v_columns, v_columns) using v_lo, v_hi;
        execute format('alter table epi.scan attach partition epi.%I for values from (%L) to (%L)', v_name, v_lo, v_hi);
        execute format('comment on table epi.%I is %L', v_name, format('扫码进场信息 %s', to_char(v_month, 'YYYY-MM')));
        v_made := v_made + 1;
      end if;
    end if;
    v_month := (v_month + interval '1 month')::date;
  end loop;
  return v_made;
end
$$;
comment on function epi.ensure_scan_partitions(timestamptz, timestamptz) is 'Create the monthly scan partitions covering [p_from, p_to]; returns how many were made.';
