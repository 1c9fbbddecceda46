/* why: while the provincial front-database sync is enabled, scans come only from the sync job:
   every import and delete is refused with this one message — by the scan table's trigger, by a
   month's drop, and by the import page before it takes an upload (so nobody uploads for nothing). */
create or replace function epi.require_scan_writes() returns void
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if epi.frontdb_sync_enabled() and epi_private.current_kind() is distinct from 'jobs' then
    raise exception '前置库同步已启用，扫码进场信息的导入和删除已停用'
      using errcode = 'insufficient_privilege',
            hint = '数据由省前置库同步任务写入；如需导入或删除，请先由管理员关闭前置库同步。';
  end if;
end
$$;
comment on function epi.require_scan_writes() is 'Refuse a scan import or delete while the front-database sync is on (except for the sync job).';
