/* why: the raw 被采集人身份证, 联系电话 and 被采集人 are readable by no runtime role, yet a search by a
   person's full ID number or phone (exact) or name (contains) must match the stored values
   (SPEC section 3). This answers which scans match, as (collected_at, scan_id) — the primary key,
   so the caller reads the masked rows from oa.scan by index. Owner rights to read the raw
   columns; epi.scan's forced RLS still filters by the caller's identity, so a unit finds only
   scans of its own venues. With no condition it finds nothing.
   One static query per leading condition (plpgsql: each keeps its own plan), so each is answered
   by its index (db/schema/0013_tracing_indexes.sql) — `(p is null or col = p)` in one query would
   be a filter over every scan in a generic plan. A name is searched by 2 characters or more: the
   GIN index holds character pairs, and answers epi.@> (leakproof, so RLS lets it lead). */
create or replace function epi.find_scans(p_id_card text, p_phone text, p_person_name text)
returns table (collected_at timestamptz, scan_id bigint)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_min bigint := (select l.value from epi.rule_limits() l where l.rule = 'name_search_min_chars');
begin
  if p_person_name is not null and char_length(p_person_name) < v_min then
    raise exception '被采集人请至少输入%个字', v_min using errcode = 'EP400', column = 'person_name';
  end if;
  if p_id_card is not null then
    return query
      select s.collected_at, s.scan_id from epi.scan s
       where s.id_card = p_id_card
         and (p_phone is null or s.phone = p_phone)
         and (p_person_name is null or strpos(s.person_name, p_person_name) > 0);
  elsif p_phone is not null then
    return query
      select s.collected_at, s.scan_id from epi.scan s
       where s.phone = p_phone
         and (p_person_name is null or strpos(s.person_name, p_person_name) > 0);
  elsif p_person_name is not null then
    return query
      select s.collected_at, s.scan_id from epi.scan s
       where epi.name_bigrams(s.person_name) operator(epi.@>) epi.name_bigrams(p_person_name)
         and strpos(s.person_name, p_person_name) > 0;
  end if;
end
$$;
comment on function epi.find_scans(text, text, text) is
  'Scans (collected_at, scan_id) whose full 被采集人身份证 / 联系电话 equal, or 被采集人 contains (2 characters or more), the given values; visible ones only.';
