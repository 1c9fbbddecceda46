/* Issue 22, point 1: the questions staff ask of 扫码进场信息查询 — one person by 被采集人身份证 or by
   联系电话 (exact), 被采集人 contains two characters or more — answered by index, not by reading
   every scan (0.8–1.2 s, and 42–47 s for a name nobody has, at 10M scans).
   - (id_card, venue_id) and (phone, venue_id): the unit policy (venue_id = any(…)) is an index
     condition beside the searched value, so another unit's rows are skipped in the index.
   - epi.name_bigrams: a name's distinct character pairs, by characters (substr), so it does not
     depend on the database's ctype or collation (pg_trgm reads no CJK in a C-ctype database and
     indexes no 2-character infix); a GIN index on it answers "contains" as "holds all the pairs",
     rechecked with strpos. Defined here, not in db/functions: an index depends on its body.
   - Row-level security: a condition of the user's query may only become an index condition ahead
     of the policy's when every function in it is LEAKPROOF (it cannot reveal a row it rejects
     through an error). texteq is, so the btree searches use their indexes; pg_catalog's array
     containment (@> on anyarray) is not, so under the forced RLS of epi.scan the name search read
     every row (1 s at 300,000 scans). epi.@> is the same C function (arraycontains) declared
     LEAKPROOF for text[] — it raises no error that depends on values: element equality is texteq,
     itself leakproof — with a GIN operator class of the core's array support functions, so the
     index answers it. LEAKPROOF and an internal function need a superuser: where db.upgrade runs
     without one, epi.@> is a plain SQL function and the name search reads every scan (a notice
     says so). */
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

do $$
begin
  if (select rolsuper from pg_catalog.pg_roles where rolname = session_user) then
    execute 'reset role';
    execute $f$create function epi.pairs_contain(text[], text[]) returns boolean
                 language internal immutable strict parallel safe leakproof as 'arraycontains'$f$;
    execute 'alter function epi.name_bigrams(text) leakproof';
    execute 'alter function epi.pairs_contain(text[], text[]) owner to epi_owner';
    execute 'set local role epi_owner';
  else
    raise notice '升级账号不是超级用户：姓名“包含”查询无法使用索引（见 db/schema/0013_tracing_indexes.sql）';
    create function epi.pairs_contain(text[], text[]) returns boolean
      language sql immutable strict parallel safe as 'select $1 operator(pg_catalog.@>) $2';
  end if;
end
$$;
comment on function epi.pairs_contain(text[], text[]) is '左边的字对包含右边的全部字对（arraycontains，声明为 LEAKPROOF：行级安全下可作索引条件）。';
create operator epi.@> (leftarg = text[], rightarg = text[], function = epi.pairs_contain,
                        restrict = contsel, join = contjoinsel);

do $$
begin
  if (select rolsuper from pg_catalog.pg_roles where rolname = session_user) then
    execute 'reset role';
    execute $c$create operator class epi.name_pairs_ops for type text[] using gin as
                 operator 2 epi.@> (text[], text[]),
                 function 2 pg_catalog.ginarrayextract(anyarray, internal, internal),
                 function 3 pg_catalog.ginqueryarrayextract(anyarray, internal, smallint, internal, internal, internal, internal),
                 function 4 pg_catalog.ginarrayconsistent(internal, smallint, anyarray, integer, internal, internal, internal, internal),
                 function 6 pg_catalog.ginarraytriconsistent(internal, smallint, anyarray, integer, internal, internal, internal),
                 storage text$c$;
    execute 'alter operator family epi.name_pairs_ops using gin owner to epi_owner';
    execute 'alter operator class epi.name_pairs_ops using gin owner to epi_owner';
    execute 'set local role epi_owner';
    execute 'create index scan_person_name_bigrams_idx on epi.scan using gin (epi.name_bigrams(person_name) epi.name_pairs_ops)';
  end if;
end
$$;
