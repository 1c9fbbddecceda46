/* why: 被采集人身份证, 联系电话 and 被采集人 are stored encrypted (issue 49); a search by a person's
   full ID number or phone (exact) or name (contains) matches their keyed digests, computed by the
   zone's process from what was typed (core/crypto.py: the database never sees the value or the
   key). This answers which scans match, as (collected_at, scan_id) — the primary key, so the
   caller reads the masked rows from oa.scan by index. Owner rights to read the digest columns;
   epi.scan's forced RLS still filters by the caller's identity, so a unit finds only scans of its
   own venues. With no condition it finds nothing.
   One static query per leading condition (plpgsql: each keeps its own plan), so each is answered
   by its index (db/schema/0031_personal_data_encrypted.sql). While a key rotation runs (issue 50)
   a record may be sealed under either of two versions: each condition comes as the digests under
   both (an array: `= any`, still an index condition; the name's two digest sets OR-ed). A name is searched by 2 characters or
   more (p_name_chars: how many were typed): its digests are those of the name itself (up to 6
   characters: an exact "contains") or of its 6-character pieces, which the GIN index answers by
   epi.@> (leakproof, so RLS lets it lead). */
create or replace function epi.find_scans(p_id_card bigint[], p_phone bigint[], p_name bigint[], p_name_old bigint[],
                                          p_name_chars integer, p_plain jsonb default null)
returns table (collected_at timestamptz, scan_id bigint)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_min bigint := (select l.value from epi.rule_limits() l where l.rule = 'name_search_min_chars');
  v_id text := p_plain ->> 'id_card';
  v_phone text := p_plain ->> 'phone';
  v_name text := p_plain ->> 'person_name';
begin
  if p_name is not null and coalesce(p_name_chars, 0) < v_min then
    raise exception '被采集人请至少输入%个字', v_min using errcode = 'EP400', column = 'person_name';
  end if;
  if p_id_card is not null then
    return query
      select s.collected_at, s.scan_id from epi.scan s
       where s.id_card_digest = any (p_id_card)
         and (p_phone is null or s.phone_digest = any (p_phone))
         and (p_name is null or s.name_grams operator(epi.@>) p_name
              or (p_name_old is not null and s.name_grams operator(epi.@>) p_name_old));
  elsif p_phone is not null then
    return query
      select s.collected_at, s.scan_id from epi.scan s
       where s.phone_digest = any (p_phone)
         and (p_name is null or s.name_grams operator(epi.@>) p_name
              or (p_name_old is not null and s.name_grams operator(epi.@>) p_name_old));
  elsif p_name is not null and p_name_old is null then
    return query
      select s.collected_at, s.scan_id from epi.scan s
       where s.name_grams operator(epi.@>) p_name;
  elsif p_name is not null then   -- a rotation under way: either version's digests (two index scans, OR-ed)
    return query
      select s.collected_at, s.scan_id from epi.scan s
       where s.name_grams operator(epi.@>) p_name or s.name_grams operator(epi.@>) p_name_old;
  end if;
  -- records stored before encryption, not sealed yet: their values as stored, matched as before
  -- issue 49 (exact; contains), then read through epi.scan, whose policies decide what the caller sees
  if p_plain is not null and (v_id is not null or v_phone is not null or v_name is not null)
     and exists (select from epi_private.scan_plaintext) then
    return query
      select s.collected_at, s.scan_id from epi.scan s
       where (s.collected_at, s.scan_id) in (
             select p.collected_at, p.scan_id from epi_private.scan_plaintext p
              where (v_id is null or p.id_card = v_id) and (v_phone is null or p.phone = v_phone)
                and (v_name is null or strpos(p.person_name, v_name) > 0));
  end if;
end
$$;
comment on function epi.find_scans(bigint[], bigint[], bigint[], bigint[], integer, jsonb) is
  'Scans (collected_at, scan_id) whose 被采集人身份证 / 联系电话 digest is one of the given, or whose 被采集人 digests hold the given ones (of the current key version or the older one of a rotation; a name of 2 characters or more), and, while records stored before encryption wait (p_plain), those whose stored values match; visible ones only.';
