/* why: the statistics export (扫码统计查询) leaves the system as a file: recorded like every export,
   with its date range and row count, validated, as the caller. */
create or replace function epi.audit_stats_export(p_from date, p_to date, p_rows bigint)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform epi_private.require_kind('无法确定操作人，拒绝记录', 'ops', 'unit');
  if p_from is null or p_to is null or p_from > p_to or p_rows is null or p_rows < 0 then
    raise exception '导出范围或条数无效' using errcode = 'invalid_parameter_value';
  end if;
  perform epi_private.write_audit('export.stats', jsonb_build_object('from', p_from, 'to', p_to, 'rows', p_rows), p_rows);
end
$$;
comment on function epi.audit_stats_export(date, date, bigint) is 'Record a statistics export (export.stats): date range and rows.';
