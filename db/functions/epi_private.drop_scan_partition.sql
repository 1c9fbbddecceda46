/* why: one whole month of scans goes by dropping its partition (ops' delete of a month, and the
   retention purge of the nightly). A DROP fires no delete trigger, so what is derived from the
   scans changes here, by the same function as the triggers' (epi_private.apply_scan_delta), with
   the month's delta read from what was kept instead of counted: the month's days emptied (all
   their scans lie in that partition) and each import's rows of that month negated
   (epi_private.batch_month: counting a peak month's 30M rows took seconds). The audit
   entry is written here too, with the rows and the reason (NULL: ops' delete; 'retention'). The
   strong lock is taken first, under a short lock timeout with bounded retries
   (epi_private.lock_scans_exclusively: no scan reader queues behind it for long; when it cannot be
   had, nothing has changed). */
create or replace function epi_private.drop_scan_partition(p_month date, p_reason text) returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_month date := date_trunc('month', p_month)::date;
  v_name  text := epi.scan_partition_name(p_month);
  v_rows  bigint;
  v_batch bigint[];
  v_bmon  date[];
  v_bn    bigint[];
begin
  if to_regclass(format('epi.%I', v_name)) is null then
    return 0;
  end if;
  perform epi_private.lock_scans_exclusively();
  select array_agg(m.batch_id), array_agg(m.month), array_agg(-m.n), coalesce(sum(m.n), 0)::bigint
    into v_batch, v_bmon, v_bn, v_rows
    from epi_private.batch_month m where m.month = v_month;
  perform epi_private.apply_scan_delta('{}', '{}', '{}', coalesce(v_batch, '{}'), coalesce(v_bmon, '{}'),
                                       coalesce(v_bn, '{}'), true,
                                       daterange(v_month, (v_month + interval '1 month')::date));
  execute format('alter table epi.scan detach partition epi.%I', v_name);
  execute format('drop table epi.%I', v_name);
  perform epi_private.write_audit('scan.delete',
    jsonb_build_object('month', to_char(v_month, 'YYYY-MM'), 'partition_dropped', v_name, 'rows', v_rows)
    || case when p_reason is not null then jsonb_build_object('reason', p_reason) else '{}' end, v_rows);
  return v_rows;
end
$$;
comment on function epi_private.drop_scan_partition(date, text) is 'Drop one month''s scan partition and its daily counts, audited; returns the rows that went.';
