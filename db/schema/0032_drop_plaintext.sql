/* Issue 49 (密评 1 of 2), point 4: the plaintext 被采集人身份证, 被采集人 and 联系电话 go, with their
   indexes (0013) and the name-pair machinery that only they used. Refused while a row still holds
   plaintext: `invoke keys.encrypt-existing` encrypts them first (db.upgrade says so and stops
   before this revision). */
do $$
declare
  v_left bigint;
begin
  select count(*) into v_left from epi.scan
   where personal is null and (id_card is not null or person_name is not null or phone is not null);
  if v_left > 0 then
    raise exception '仍有 % 条扫码记录的个人信息未加密：请先运行 invoke keys.encrypt-existing，再运行 invoke db.upgrade', v_left
      using errcode = 'EP409';
  end if;
end
$$;

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
