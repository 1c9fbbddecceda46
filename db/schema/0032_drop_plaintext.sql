/* Issue 49 (密评 1 of 2), point 4, and issue 50, point 1: the plaintext 被采集人身份证, 被采集人 and
   联系电话 leave epi.scan, with their indexes (0013) and the name-pair machinery only they used.
   Records stored before encryption keep their values meanwhile in epi_private.scan_plaintext (their
   primary key and the three values; no runtime role reads it), which the searches and the reveal
   also look in until `invoke keys.encrypt-existing` — run while the zone runs — has sealed each
   record and removed its row there. A database with no such record leaves the table empty. */
create table epi_private.scan_plaintext (
  collected_at timestamptz not null,
  scan_id      bigint not null,
  id_card      text,
  person_name  text,
  phone        text,
  primary key (collected_at, scan_id)
);
comment on table epi_private.scan_plaintext is 'Personal values of scans stored before encryption, until invoke keys.encrypt-existing seals them into epi.scan (then the row goes).';
insert into epi_private.scan_plaintext (collected_at, scan_id, id_card, person_name, phone)
select collected_at, scan_id, id_card, person_name, phone from epi.scan
 where personal is null and (id_card is not null or person_name is not null or phone is not null);
create index scan_plaintext_id_card_idx on epi_private.scan_plaintext (id_card);
create index scan_plaintext_phone_idx on epi_private.scan_plaintext (phone);

alter table epi.scan drop column id_card, drop column person_name, drop column phone;
drop index if exists epi.scan_person_name_bigrams_idx;
do $$
begin
  if exists (select from pg_catalog.pg_opclass where opcname = 'name_pairs_ops') then
    if (select rolsuper from pg_catalog.pg_roles where rolname = session_user) then
      execute 'reset role';
      execute 'drop operator class epi.name_pairs_ops using gin';
      execute 'drop operator family if exists epi.name_pairs_ops using gin';
      execute 'set local role epi_owner';
    end if;
  end if;
end
$$;
drop operator if exists epi.@> (text[], text[]);
drop function if exists epi.pairs_contain(text[], text[]);
drop function if exists epi.name_bigrams(text);
