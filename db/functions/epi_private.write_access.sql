/* why: an access entry (a scan query or export, an auditor's search or export) is checked the same
   way whoever records it: a known action, a sane row count, known conditions with personal values
   masked and hashes matching them (epi_private.audit_conditions). The callers check who may record
   which actions (epi.audit_scan_access, epi.audit_log_access). */
create or replace function epi_private.write_access(p_action text, p_actions text[], p_conditions jsonb,
                                                    p_rows bigint, p_subject_hashes text[], p_known text[] default null)
returns void
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_action is null or p_action <> all (p_actions) then
    raise exception '未知的访问类型：%', left(coalesce(p_action, ''), 40) using errcode = 'invalid_parameter_value';
  end if;
  if p_rows is null or p_rows < 0 or p_rows > 1000000 then
    raise exception '返回条数无效' using errcode = 'invalid_parameter_value';
  end if;
  perform epi_private.write_audit(p_action,
    jsonb_build_object('conditions', epi_private.audit_conditions(p_conditions, p_subject_hashes, p_known)),
    p_rows, p_subject_hashes);
end
$$;
comment on function epi_private.write_access(text, text[], jsonb, bigint, text[], text[]) is
  'Check and write one access entry: known action, row count, conditions masked, hashes checked.';
