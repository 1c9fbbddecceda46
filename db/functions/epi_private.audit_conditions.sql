/* why: an access entry holds the conditions of a scan query as they were typed, but never a full
   被采集人身份证, 联系电话 or 被采集人 (SPEC section 3): the values are masked here, by the same
   functions as every output (epi.mask_*), and each searched ID number or phone is represented by
   its keyed hash, which the caller computes (the key is the application's, EPI_AUDIT_HMAC_KEY,
   and never enters the database). Unknown conditions, non-text values, over-long values and
   hashes that do not match the searched values are refused: the caller cannot smuggle other
   content into the log. */
drop function if exists epi_private.audit_conditions(jsonb, text[]);
create or replace function epi_private.audit_conditions(p_conditions jsonb, p_subject_hashes text[],
                                                        p_known text[] default null)
returns jsonb
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_known text[] := coalesce(p_known, array['venue_id', 'venue_name', 'category', 'city', 'street', 'venue_admin',
    'id_card', 'person_name', 'phone', 'collect_result', 'nat_result', 'nat_result_time', 'health_code',
    'collector_location', 'unit_name', 'imported_by', 'collected_from', 'collected_to', 'imported_from',
    'imported_to', 'after', 'before', 'sort', 'dir']);
  v_conditions jsonb := coalesce(p_conditions, '{}');
  v_key text;
  v_searched int;
begin
  if jsonb_typeof(v_conditions) <> 'object' then
    raise exception '查询条件应为对象' using errcode = 'invalid_parameter_value';
  end if;
  for v_key in select jsonb_object_keys(v_conditions) loop
    if v_key <> all (v_known) then
      raise exception '未知的查询条件：%', left(v_key, 40) using errcode = 'invalid_parameter_value';
    end if;
    if jsonb_typeof(v_conditions -> v_key) <> 'string' or char_length(v_conditions ->> v_key) > 200 then
      raise exception '查询条件“%”应为不超过 200 个字的文本', v_key using errcode = 'invalid_parameter_value';
    end if;
  end loop;
  v_searched := (coalesce(v_conditions ->> 'id_card', '') <> '')::int + (coalesce(v_conditions ->> 'phone', '') <> '')::int;
  if coalesce(cardinality(p_subject_hashes), 0) <> v_searched
     or exists (select from unnest(p_subject_hashes) h where h is null or h !~ '^[0-9a-f]{64}$') then
    raise exception '被查询人的标识（HMAC）与查询条件不符' using errcode = 'invalid_parameter_value';
  end if;
  return v_conditions
    || case when v_conditions ? 'id_card' then jsonb_build_object('id_card', epi.mask_id_card(v_conditions ->> 'id_card')) else '{}' end
    || case when v_conditions ? 'phone' then jsonb_build_object('phone', epi.mask_phone(v_conditions ->> 'phone')) else '{}' end
    || case when v_conditions ? 'person_name' then jsonb_build_object('person_name', epi.mask_name(v_conditions ->> 'person_name')) else '{}' end;
end
$$;
comment on function epi_private.audit_conditions(jsonb, text[], text[]) is
  'A query''s conditions as an audit entry holds them: known keys only (a scan query''s by default), personal values masked, hashes checked.';
