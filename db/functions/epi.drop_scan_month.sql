/* why: deleting a whole month of scans row by row takes minutes at millions of rows; dropping its
   partition takes milliseconds. The daily counts of that month go with it (every scan of those
   Asia/Shanghai days lies in that partition). Ops only; refused while the front-database sync is
   enabled, like every other delete (a DROP fires no delete trigger, so the check and the audit
   entry are made here). */
create or replace function epi.drop_scan_month(p_month date) returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_month date := date_trunc('month', p_month)::date;
begin
  perform epi_private.require_kind('只有运维单位可以删除扫码数据', 'ops');
  perform epi.require_scan_writes();
  return epi_private.drop_scan_partition(v_month, null);
end
$$;
comment on function epi.drop_scan_month(date) is 'Delete every scan of one Asia/Shanghai month by dropping its partition; returns how many went.';
