/* Issue 49 (密评 1 of 2): 被采集人身份证, 被采集人 and 联系电话 stored as SM4-GCM ciphertext with keyed
   digests beside them (core/crypto.py). The zone's processes encrypt before COPY: the keys never
   enter the database, so nothing here can decrypt; the database keeps what pages need without the
   key — the masks as displayed today, and HMAC-SM3 digests for search:
   - personal: nonce || SM4-GCM(json [id_card, person_name, phone]) || tag, under key_version;
   - id_card_digest, phone_digest: the normalised full value's digest (exact search), each indexed
     with venue_id second as the plaintext indexes were (the unit policy is an index condition);
   - name_grams: the digests of every 2..6-character substring of the name ("contains"), on a GIN
     index whose containment operator is LEAKPROOF (as epi.@> on text[] in 0013), so RLS lets it lead;
   - id_card_masked, person_name_masked, phone_masked: were generated from the plaintext; now plain
     columns written by the importing process (the same rules, core/crypto.py).
   The plaintext columns stay until every row is encrypted (`invoke keys.encrypt-existing`), and
   0032 drops them. epi_private.crypto_key keeps each key version's check values (HMAC-SM3 of a
   constant under each key): a process whose keys are not the data's refuses to start. */

create table epi_private.crypto_key (
  version       smallint primary key check (version between 1 and 32767),
  data_check    text not null check (data_check ~ '^[0-9a-f]{64}$'),
  digest_check  text not null check (digest_check ~ '^[0-9a-f]{64}$'),
  registered_at timestamptz not null default now(),
  registered_by text not null default session_user
);
comment on table epi_private.crypto_key is 'Check values of the personal-data keys, per key version (HMAC-SM3 of a constant under the data key and the digest key): tell a process whether its keys are the data''s; reveal nothing of them.';

alter table epi.scan
  add column personal       bytea,
  add column key_version    smallint,
  add column id_card_digest bigint,
  add column phone_digest   bigint,
  add column name_grams     bigint[];
alter table epi.scan alter column id_card_masked drop expression;
alter table epi.scan alter column person_name_masked drop expression;
alter table epi.scan alter column phone_masked drop expression;
alter table epi.scan add constraint scan_personal_has_version check ((personal is null) = (key_version is null));
comment on column epi.scan.personal is '被采集人身份证, 被采集人 and 联系电话 as one SM4-GCM ciphertext (nonce, ciphertext, tag) under key_version; decrypted only by the zone''s processes after epi.reveal_scans or epi.export_scans_full audited the access.';
comment on column epi.scan.key_version is 'The key version of personal (epi_private.crypto_key).';
comment on column epi.scan.id_card_digest is 'HMAC-SM3 (first 8 bytes) of the normalised 被采集人身份证 under the digest key: exact search.';
comment on column epi.scan.phone_digest is 'HMAC-SM3 (first 8 bytes) of the normalised 联系电话 under the digest key: exact search.';
comment on column epi.scan.name_grams is 'HMAC-SM3 (first 8 bytes) of every 2..6-character substring of the normalised 被采集人: "contains" search.';

create index scan_id_card_digest_idx on epi.scan (id_card_digest, venue_id);
create index scan_phone_digest_idx on epi.scan (phone_digest, venue_id);

do $$
begin
  if (select rolsuper from pg_catalog.pg_roles where rolname = session_user) then
    execute 'reset role';
    execute $f$create function epi.digests_contain(bigint[], bigint[]) returns boolean
                 language internal immutable strict parallel safe leakproof as 'arraycontains'$f$;
    execute 'alter function epi.digests_contain(bigint[], bigint[]) owner to epi_owner';
    execute 'set local role epi_owner';
  else
    raise notice '升级账号不是超级用户：姓名“包含”查询无法使用索引（见 db/schema/0031_personal_data_encrypted.sql）';
    create function epi.digests_contain(bigint[], bigint[]) returns boolean
      language sql immutable strict parallel safe as 'select $1 operator(pg_catalog.@>) $2';
  end if;
end
$$;
comment on function epi.digests_contain(bigint[], bigint[]) is '左边的摘要包含右边的全部摘要（arraycontains，声明为 LEAKPROOF：行级安全下可作索引条件）。';
create operator epi.@> (leftarg = bigint[], rightarg = bigint[], function = epi.digests_contain,
                        restrict = contsel, join = contjoinsel);

do $$
begin
  if (select rolsuper from pg_catalog.pg_roles where rolname = session_user) then
    execute 'reset role';
    execute $c$create operator class epi.name_digests_ops for type bigint[] using gin as
                 operator 2 epi.@> (bigint[], bigint[]),
                 function 2 pg_catalog.ginarrayextract(anyarray, internal, internal),
                 function 3 pg_catalog.ginqueryarrayextract(anyarray, internal, smallint, internal, internal, internal, internal),
                 function 4 pg_catalog.ginarrayconsistent(internal, smallint, anyarray, integer, internal, internal, internal, internal),
                 function 6 pg_catalog.ginarraytriconsistent(internal, smallint, anyarray, integer, internal, internal, internal),
                 storage bigint$c$;
    execute 'alter operator family epi.name_digests_ops using gin owner to epi_owner';
    execute 'alter operator class epi.name_digests_ops using gin owner to epi_owner';
    execute 'set local role epi_owner';
    execute 'create index scan_name_grams_idx on epi.scan using gin (name_grams epi.name_digests_ops)';
  end if;
end
$$;

-- the functions whose arguments or results change (db/functions re-creates them)
drop function if exists epi.find_scans(text, text, text);
drop function if exists epi.reveal_scans(bigint[], text, boolean, jsonb, text[]);
drop function if exists epi.export_scans_full(text, text, text, timestamptz, timestamptz, text, jsonb, text[]);
