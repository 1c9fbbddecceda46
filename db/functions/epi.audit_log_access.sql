/* why: the auditor's own reads of the log are audited like any access to personal data (an
   auditor can ask "who looked this person up?"): each search page (audit.query) and each export
   (audit.export), with the conditions — a searched 被采集人身份证 or 联系电话 masked, and as its keyed
   hash, as in scan queries (epi_private.audit_conditions) — and the rows returned. Only the audit
   menu's identity records them. */
create or replace function epi.audit_log_access(p_action text, p_conditions jsonb, p_rows bigint,
                                                p_subject_hashes text[] default '{}')
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform epi_private.require_kind('只有审计员可以记录审计日志的查询', 'auditor');
  perform epi_private.write_access(p_action, array['audit.query', 'audit.export'], p_conditions, p_rows,
    p_subject_hashes, array['account', 'unit_code', 'action', 'at_from', 'at_to', 'id_card', 'phone', 'before', 'page']);
end
$$;
comment on function epi.audit_log_access(text, jsonb, bigint, text[]) is
  'Record an auditor''s search page (audit.query) or export (audit.export) of the audit log: conditions masked, searched IDs/phones as keyed hashes.';
