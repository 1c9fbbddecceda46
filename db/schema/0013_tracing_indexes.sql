/* Issue 22, point 1: the questions staff ask of 扫码进场信息查询 — one person by 被采集人身份证 or by
   联系电话 (exact), 被采集人 contains two characters or more — answered by index, not by reading
   every scan (0.8–1.2 s, and 42–47 s for a name nobody has, at 10M scans).
   - (id_card, venue_id) and (phone, venue_id): the unit policy (venue_id = any(…)) is an index
     condition beside the searched value, so another unit's rows are skipped in the index.
   - epi.name_bigrams: a name's distinct character pairs, by characters (substr), so it does not
     depend on the database's ctype or collation (pg_trgm reads no CJK in a C-ctype database and
     indexes no 2-character infix); a GIN index on it answers "contains" as "holds all the pairs",
     rechecked with strpos. Defined here, not in db/functions: an index depends on its body. */
create function epi.name_bigrams(p_value text) returns text[]
language plpgsql immutable strict parallel safe
as $$
declare
  v_pairs text[] := '{}';
  v_pair  text;
begin
  -- plpgsql, not SQL: an SQL body with FROM is not inlined and cost 8 µs a row at import, this 0.9
  for i in 1 .. char_length(p_value) - 1 loop
    v_pair := substr(p_value, i, 2);
    if not v_pair = any (v_pairs) then
      v_pairs := v_pairs || v_pair;
    end if;
  end loop;
  return v_pairs;
end
$$;
comment on function epi.name_bigrams(text) is '被采集人的相邻两字（去重）：按字符切分，不依赖数据库的排序规则与字符分类；供“包含”查询的 GIN 索引使用。';

create index scan_id_card_idx on epi.scan (id_card, venue_id);
create index scan_phone_idx on epi.scan (phone, venue_id);
create index scan_person_name_bigrams_idx on epi.scan using gin (epi.name_bigrams(person_name));
