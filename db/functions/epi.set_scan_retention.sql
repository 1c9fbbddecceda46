/* why: ops set how long scans are kept on the 扫码进场信息管理 page; the value is checked by the
   setting's constraint (at least 14 days, or NULL = keep) and the change is audited by the
   setting's trigger. */
create or replace function epi.set_scan_retention(p_days integer) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform epi_private.require_kind('只有运维单位可以设置扫码记录的保存期限', 'ops');
  update epi.setting set value = coalesce(to_jsonb(p_days), 'null'::jsonb), updated_at = now()
   where key = 'scan_retention_days';
end
$$;
comment on function epi.set_scan_retention(integer) is 'Set scan_retention_days (ops; NULL = keep scans; at least 14).';
