/* why: a process that lacks the keys of a version some records are still sealed under (a rotation
   not finished) could neither open nor find them; it refuses to start instead (core/crypto.py).
   The versions registered and not retired — no key, no check value, nothing else. */
create or replace function epi.crypto_keys_needed() returns smallint[]
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(array_agg(k.version order by k.version), '{}') from epi_private.crypto_key k where k.retired_at is null
$$;
comment on function epi.crypto_keys_needed() is 'The personal-data key versions the data may still be sealed under (registered, not retired).';
