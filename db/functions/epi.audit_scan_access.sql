/* why: each scan query page or API page served and each (masked) export is an access entry
   (scan.query, scan.export): the web layer calls this right after reading the rows, in a short
   transaction of its own that is committed before the rows are sent, so the entry stays even if
   the client goes away mid-download, and no request waits on another's entry (a plain insert).
   The arguments are validated (epi_private.audit_conditions); the entry is written by
   epi_private.write_audit with the identity of the caller. */
create or replace function epi.audit_scan_access(p_action text, p_conditions jsonb, p_rows bigint,
                                                 p_subject_hashes text[] default '{}')
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform epi_private.require_kind('无法确定操作人，拒绝记录', 'ops', 'unit');
  perform epi_private.write_access(p_action, array['scan.query', 'scan.export'], p_conditions, p_rows,
                                   p_subject_hashes);
end
$$;
comment on function epi.audit_scan_access(text, jsonb, bigint, text[]) is
  'Record a scan query page (scan.query) or export (scan.export): conditions masked, searched IDs/phones as keyed hashes, rows returned.';
