/* why: one whole month of scans goes by dropping its partition (ops' delete of a month, and the
   retention purge of the nightly): its daily counts go with it (every scan of those Asia/Shanghai
   days lies in that partition), and a DROP fires no delete trigger, so the audit entry is written
   here, with the rows (each import's stored rows of that month, epi_private.batch_month) and the
   reason (NULL: ops' delete; 'retention': the purge). */
create or replace function epi_private.drop_scan_partition(p_month date, p_reason text) returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_month date := date_trunc('month', p_month)::date;
  v_name  text := format('scan_y%sm%s', to_char(p_month, 'YYYY'), to_char(p_month, 'MM'));
  v_rows  bigint;
begin
  if to_regclass(format('epi.%I', v_name)) is null then
    return 0;
  end if;
  -- the rows that go, per import batch, as the scan triggers kept them (epi_private.batch_month:
  -- counting a peak month's 30M rows took seconds); the import history's stored rows follow
  with gone as (
    delete from epi_private.batch_month m where m.month = v_month returning m.batch_id, m.n
  ), kept as (
    update epi.import_batch b set stored_rows = greatest(b.stored_rows - gone.n, 0)
      from gone where b.batch_id = gone.batch_id
  )
  select coalesce(sum(n), 0)::bigint into v_rows from gone;
  delete from epi_private.daily_count
   where day >= v_month and day < (v_month + interval '1 month')::date;
  delete from epi_private.data_day
   where day >= v_month and day < (v_month + interval '1 month')::date;
  execute format('alter table epi.scan detach partition epi.%I', v_name);
  execute format('drop table epi.%I', v_name);
  perform epi_private.write_audit('scan.delete',
    jsonb_build_object('month', to_char(v_month, 'YYYY-MM'), 'partition_dropped', v_name, 'rows', v_rows)
    || case when p_reason is not null then jsonb_build_object('reason', p_reason) else '{}' end, v_rows);
  return v_rows;
end
$$;
comment on function epi_private.drop_scan_partition(date, text) is 'Drop one month''s scan partition and its daily counts, audited; returns the rows that went.';
