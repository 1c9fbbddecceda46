/* why: the personal-data keys live outside the database (issue 49, point 2); a process that
   started with other keys than the data's would write records nobody can decrypt, or fail every
   reveal. Each process compares its keys' check values (core/crypto.py: HMAC-SM3 of a constant
   under each key) with those kept here before it writes or reads a record: 'ok' when they are the
   same, 'mismatch' when not (the process refuses to start, in Chinese), 'registered' when its key
   version had none yet — the first process to use a version records it, audited
   (crypto_key.register). A registered version's values never change here. */
create or replace function epi.crypto_key_check(p_version integer, p_data_check text, p_digest_check text)
returns text
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_key epi_private.crypto_key;
begin
  select * into v_key from epi_private.crypto_key k where k.version = p_version;
  if found then
    return case when v_key.data_check = p_data_check and v_key.digest_check = p_digest_check then 'ok' else 'mismatch' end;
  end if;
  insert into epi_private.crypto_key (version, data_check, digest_check)
  values (p_version, p_data_check, p_digest_check)
  on conflict (version) do nothing;
  if not found then   -- another process registered it meanwhile
    return epi.crypto_key_check(p_version, p_data_check, p_digest_check);
  end if;
  perform epi_private.write_audit('crypto_key.register', jsonb_build_object('key_version', p_version));
  return 'registered';
end
$$;
comment on function epi.crypto_key_check(integer, text, text) is
  'Compare a process''s personal-data keys (their check values) with the data''s: ok, mismatch, or registered (first use of the version, audited).';
