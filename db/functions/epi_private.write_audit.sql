/* why: the one writer of audit entries (SPEC section 7), reached only from the database's own
   code — the audit triggers and the validating functions (epi.audit_scan_access,
   epi.audit_stats_export, epi.reveal_scans, epi.drop_scan_month, epi.frontdb_merge_venues) —
   never from a runtime role directly, so nobody can write an entry of their choosing.
   Who comes from the identity (epi_private.current_caller(); a DBA acting as the owner or a
   superuser, who has no kind, by the account given with --by in epi.account, else the login);
   what the connection says about itself rides along, marked as its claim: the person's name,
   the menu or command, the client address (the web login passes the browser's, as
   EPI_PROXY_HOPS trusts it; otherwise the database connection's), the operating-system user, and
   the operation a command is part of (e.g. the file a load came from). No RETURNING: units may
   not read the log. */
create or replace function epi_private.write_audit(p_action text, p_detail jsonb default '{}',
                                                   p_rows bigint default null, p_subject_hashes text[] default null)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_kind text;
  v_unit text;
  v_account text;
  v_client inet;
  v_operation jsonb;
  v_detail jsonb := coalesce(p_detail, '{}');
begin
  select c.kind, c.unit, c.account into v_kind, v_unit, v_account from epi_private.current_caller() c;
  if v_kind is null then
    v_account := coalesce(nullif(current_setting('epi.account', true), ''), session_user::text);
  end if;
  if v_account is null then
    raise exception '无法确定操作人，拒绝记录' using errcode = 'insufficient_privilege';
  end if;
  begin
    v_client := nullif(current_setting('epi.client', true), '')::inet;
  exception when others then
    v_client := null;  -- a malformed claim is not an address
  end;
  begin
    v_operation := nullif(left(current_setting('epi.operation', true), 4000), '')::jsonb;
  exception when others then
    v_operation := jsonb_build_object('unreadable', true);
  end;
  if v_operation is not null then
    v_detail := v_detail || jsonb_build_object('operation', v_operation);
  end if;
  insert into epi.audit_log (account, action, detail, caller_kind, unit_code, account_name, menu, client_addr,
                             db_user, os_user, row_count, subject_hashes)
  values (v_account, p_action, v_detail, v_kind, v_unit,
          left(nullif(current_setting('epi.name', true), ''), 100),
          left(nullif(current_setting('epi.menu', true), ''), 100),
          coalesce(v_client, inet_client_addr()),
          session_user::text,
          left(nullif(current_setting('epi.os_user', true), ''), 100),
          p_rows, nullif(p_subject_hashes, '{}'));
end
$$;
comment on function epi_private.write_audit(text, jsonb, bigint, text[]) is
  'Write one audit entry as the current caller, with the connection''s claimed name, menu, client, OS user and operation.';
