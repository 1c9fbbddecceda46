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
  if epi_private.current_kind() is distinct from 'ops' then
    raise exception '只有运维单位可以删除扫码数据' using errcode = 'insufficient_privilege';
  end if;
  if epi.frontdb_sync_enabled() then
    raise exception '前置库同步已启用，扫码进场信息的导入和删除已停用'
      using errcode = 'insufficient_privilege',
            hint = '数据由省前置库同步任务写入；如需导入或删除，请先由管理员关闭前置库同步。';
  end if;
  return epi_private.drop_scan_partition(v_month, null);
end
$$;
comment on function epi.drop_scan_month(date) is 'Delete every scan of one Asia/Shanghai month by dropping its partition; returns how many went.';
