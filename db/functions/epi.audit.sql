/* why: the only way to write the audit log, so the account always comes from the identity and
   never from the caller. Security definer: no runtime role has INSERT on epi.audit_log. */
create or replace function epi.audit(p_action text, p_detail jsonb default '{}') returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_account text := epi_private.current_account();
begin
  if epi_private.current_kind() is null or v_account is null then
    raise exception '无法确定操作人，拒绝记录' using errcode = 'insufficient_privilege';
  end if;
  insert into epi.audit_log (account, action, detail)
  values (v_account, p_action, coalesce(p_detail, '{}'));  -- no RETURNING: units may not read the log
end
$$;
comment on function epi.audit(text, jsonb) is 'Write one audit entry as the current account.';
