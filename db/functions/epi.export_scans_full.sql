/* why: contact tracing needs full values in bulk at times — everyone at a venue during a case's
   visit — so an unmasked export exists, but narrow and accountable (issue 42, point 1; SPEC 3): one
   exact 被采集人身份证 or 联系电话, or one 公共场所ID with a 采集时间 window of at most 24 hours, at most
   5,000 rows (epi.rule_limits), a reason as for a reveal (epi.reveal_reason). The ID number and
   phone come as their keyed digests (issue 49: the zone's process computes them, under each key
   version a record may be sealed under — two during a rotation, issue 50; the rows come back as
   ciphertext, which it decrypts after this transaction committed). The condition is
   checked and run here, on the rows the caller may see (epi.scan's forced RLS with the caller's
   identity), so no caller can widen it by handing a list of ids; the export is written to the audit
   log in the same transaction as its rows (scan.export, "full": true, every scan_id, the reason,
   the conditions masked and the searched values as keyed hashes). Each condition leads its own
   query, so its index answers it (as epi.find_scans). The rows count against the caller's daily
   budget (epi_private.reveal_spend): past it, the refusal is audited, no row is returned and its
   message is left in the transaction's setting epi.refused. Newest first. */
create or replace function epi.export_scans_full(p_id_card bigint[], p_phone bigint[], p_venue_id text,
                                                 p_from timestamptz, p_to timestamptz, p_reason text,
                                                 p_conditions jsonb default '{}', p_subject_hashes text[] default '{}',
                                                 p_plain jsonb default null)
returns table (scan_id bigint, venue_id text, venue_name text, category text, city text, street text,
               venue_admin text, personal bytea, key_version smallint, id_card_digest bigint, phone_digest bigint,
               collect_result text,
               nat_result text, nat_result_time text, health_code text, collector_location text,
               collected_at timestamptz, imported_by text, imported_at timestamptz, unit_name text,
               plain_id_card text, plain_person_name text, plain_phone text)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_id_card bigint[] := nullif(p_id_card, '{}');
  v_phone   bigint[] := nullif(p_phone, '{}');
  v_venue   text := nullif(btrim(coalesce(p_venue_id, '')), '');
  v_cap     bigint := (select l.value from epi.rule_limits() l where l.rule = 'unmasked_export_max_rows');
  v_hours   bigint := (select l.value from epi.rule_limits() l where l.rule = 'unmasked_export_window_hours');
  v_reason  text;
  v_plain_id    text := nullif(btrim(coalesce(p_plain ->> 'id_card', '')), '');
  v_plain_phone text := nullif(btrim(coalesce(p_plain ->> 'phone', '')), '');
  v_waiting boolean := p_plain is not null and exists (select from epi_private.scan_plaintext);
  v_ids     bigint[];
  v_refused text;
begin
  perform set_config('epi.refused', '', true);
  perform epi_private.require_kind('没有导出完整个人信息的权限', 'ops', 'unit');
  if v_id_card is null and v_phone is null
     and not (v_venue is not null and p_from is not null and p_to is not null and p_to > p_from
              and p_to - p_from <= make_interval(hours => v_hours::integer)) then
    raise exception '导出完整信息须按精确的被采集人身份证或联系电话，或一个公共场所ID加不超过 % 小时的采集时间范围', v_hours
      using errcode = 'EP400', column = 'id_card';
  end if;
  v_reason := epi.reveal_reason(p_reason);
  if v_id_card is not null then
    select array_agg(x.scan_id) into v_ids from (
      select s.scan_id from epi.scan s
       where s.id_card_digest = any (v_id_card) and (v_phone is null or s.phone_digest = any (v_phone))
         and (v_venue is null or s.venue_id = v_venue)
         and (p_from is null or s.collected_at >= p_from) and (p_to is null or s.collected_at < p_to)
      union all   -- records stored before encryption, not sealed yet (issue 50): their stored values
      select s.scan_id from epi.scan s
       where v_waiting and (s.collected_at, s.scan_id) in (
             select p.collected_at, p.scan_id from epi_private.scan_plaintext p
              where p.id_card = v_plain_id and (v_plain_phone is null or p.phone = v_plain_phone))
         and (v_venue is null or s.venue_id = v_venue)
         and (p_from is null or s.collected_at >= p_from) and (p_to is null or s.collected_at < p_to)
       limit v_cap + 1) x;
  elsif v_phone is not null then
    select array_agg(x.scan_id) into v_ids from (
      select s.scan_id from epi.scan s
       where s.phone_digest = any (v_phone) and (v_venue is null or s.venue_id = v_venue)
         and (p_from is null or s.collected_at >= p_from) and (p_to is null or s.collected_at < p_to)
      union all
      select s.scan_id from epi.scan s
       where v_waiting and (s.collected_at, s.scan_id) in (
             select p.collected_at, p.scan_id from epi_private.scan_plaintext p where p.phone = v_plain_phone)
         and (v_venue is null or s.venue_id = v_venue)
         and (p_from is null or s.collected_at >= p_from) and (p_to is null or s.collected_at < p_to)
       limit v_cap + 1) x;
  else
    select array_agg(x.scan_id) into v_ids from (
      select s.scan_id from epi.scan s
       where s.venue_id = v_venue and s.collected_at >= p_from and s.collected_at < p_to
       limit v_cap + 1) x;
  end if;
  if cardinality(v_ids) > v_cap then
    raise exception '符合条件的记录超过 % 条，请缩小范围后再导出完整信息', v_cap using errcode = 'EP400', column = 'id_card';
  end if;
  if v_ids is null then
    return;   -- nothing this caller may see: nothing exported, nothing audited
  end if;
  v_refused := epi_private.reveal_spend(cardinality(v_ids), false,
    jsonb_build_object('refused', 'scan.export', 'reason', v_reason,
                       'conditions', epi_private.audit_conditions(p_conditions, p_subject_hashes)), p_subject_hashes);
  if v_refused is not null then
    perform set_config('epi.refused', v_refused, true);
    return;
  end if;
  perform epi_private.write_audit('scan.export',
    jsonb_build_object('full', true, 'scan_ids', to_jsonb(v_ids), 'rows', cardinality(v_ids), 'reason', v_reason,
                       'conditions', epi_private.audit_conditions(p_conditions, p_subject_hashes)),
    cardinality(v_ids), p_subject_hashes);
  return query
    select s.scan_id, s.venue_id, s.venue_name, s.category, s.city, s.street, s.venue_admin, s.personal,
           s.key_version, s.id_card_digest, s.phone_digest, s.collect_result, s.nat_result, s.nat_result_time, s.health_code,
           s.collector_location, s.collected_at, s.imported_by, s.imported_at, u.unit_name,
           p.id_card, p.person_name, p.phone
      from epi.scan s
      left join epi.venue v on v.venue_id = s.venue_id
      left join epi.unit u on u.unit_code = v.unit_code
      left join epi_private.scan_plaintext p on p.collected_at = s.collected_at and p.scan_id = s.scan_id
     where s.scan_id = any (v_ids)
     order by s.collected_at desc, s.scan_id desc;
end
$$;
comment on function epi.export_scans_full(bigint[], bigint[], text, timestamptz, timestamptz, text, jsonb, text[], jsonb) is
  'An unmasked export, narrow: one ID number or phone, or one venue within 24 hours; at most 5,000 rows; a reason; audited (scan.export, full).';
