/* why: a person with the menu scan_reveal may see scan records' full 被采集人身份证, 被采集人 and
   联系电话 after giving a reason (SPEC section 3): one record on the query page or through the API,
   or the records of a query as an unmasked export. Nothing else reads the ciphertext (issue 49):
   this returns it with its key version and the digests its tag is bound to, and the zone's
   process decrypts it (core/crypto.py) after this transaction, with its audit entry, committed; a
   record stored before encryption and not sealed yet comes with its stored values (plain_*, issue 50). Records are
   looked up under epi.scan's forced RLS with the caller's identity (another unit's record does not
   exist: no row, nothing revealed, nothing audited), the reason is checked (2–200 characters),
   and the reveal — which records, why — is written to the audit log in the same transaction as
   the answer: no full value leaves without its entry. The entry is scan.reveal for one record,
   scan.export (with "full": true, the query's conditions masked and the searched IDs/phones as
   keyed hashes, see epi.audit_scan_access) for an unmasked export; both list the scan_ids.
   Each reveal counts against the caller's daily budget and per-minute rate (epi_private.reveal_spend):
   past either, the refusal is audited and no row is returned, and its message is left in the
   transaction's setting epi.refused for the caller to show ('' when nothing was refused).
   Newest first, like the scan list. */
create or replace function epi.reveal_scans(p_scan_ids bigint[], p_reason text, p_export boolean default false,
                                            p_conditions jsonb default '{}', p_subject_hashes text[] default '{}')
returns table (scan_id bigint, venue_id text, venue_name text, category text, city text, street text,
               venue_admin text, personal bytea, key_version smallint, id_card_digest bigint, phone_digest bigint,
               collect_result text,
               nat_result text, nat_result_time text, health_code text, collector_location text,
               collected_at timestamptz, imported_by text, imported_at timestamptz,
               plain_id_card text, plain_person_name text, plain_phone text)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_reason text := btrim(coalesce(p_reason, ''));
  v_ids bigint[];
  v_refused text;
begin
  perform set_config('epi.refused', '', true);
  perform epi_private.require_kind('没有查看完整个人信息的权限', 'ops', 'unit');
  if p_export or cardinality(p_scan_ids) > 1 then   -- an export of full values is epi.export_scans_full's, narrow
    raise exception '一次只能查看一条记录的完整信息' using errcode = 'invalid_parameter_value';
  end if;
  select array_agg(s.scan_id order by s.collected_at desc, s.scan_id desc) into v_ids
    from epi.scan s
   where s.scan_id = any (p_scan_ids);
  if v_ids is null then
    return;   -- nothing this caller may see
  end if;
  v_reason := epi.reveal_reason(v_reason);   -- a reason is a reason (EP400 on reason)
  v_refused := epi_private.reveal_spend(cardinality(v_ids), true,
    jsonb_build_object('refused', 'scan.reveal', 'scan_ids', to_jsonb(v_ids), 'reason', v_reason));
  if v_refused is not null then
    perform set_config('epi.refused', v_refused, true);
    return;   -- the refusal's entry is committed with the transaction: no exception
  end if;
  if p_export then
    perform epi_private.write_audit('scan.export',
      jsonb_build_object('full', true, 'scan_ids', to_jsonb(v_ids), 'rows', cardinality(v_ids), 'reason', v_reason,
                         'conditions', epi_private.audit_conditions(p_conditions, p_subject_hashes)),
      cardinality(v_ids), p_subject_hashes);
  else
    perform epi_private.write_audit('scan.reveal',
      jsonb_build_object('scan_ids', to_jsonb(v_ids), 'rows', cardinality(v_ids), 'reason', v_reason),
      cardinality(v_ids));
  end if;
  return query
    select s.scan_id, s.venue_id, s.venue_name, s.category, s.city, s.street, s.venue_admin, s.personal,
           s.key_version, s.id_card_digest, s.phone_digest, s.collect_result, s.nat_result, s.nat_result_time, s.health_code,
           s.collector_location, s.collected_at, s.imported_by, s.imported_at,
           p.id_card, p.person_name, p.phone
      from epi.scan s
      left join epi_private.scan_plaintext p on p.collected_at = s.collected_at and p.scan_id = s.scan_id
     where s.scan_id = any (v_ids)
     order by s.collected_at desc, s.scan_id desc;
end
$$;
comment on function epi.reveal_scans(bigint[], text, boolean, jsonb, text[]) is
  'Scan records with full personal data, those of the given ids the caller may see, after a reason; audited (scan.reveal, or scan.export with full).';
