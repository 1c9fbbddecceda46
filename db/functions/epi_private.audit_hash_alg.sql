/* why: the algorithm new seals use: SM3 where pgcrypto computes it (epi_private.audit_sm3),
   else SHA-256; each seal records its own, so a chain verifies across a change of server. */
create or replace function epi_private.audit_hash_alg() returns text
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
begin
  perform epi_private.audit_sm3('');
  return 'sm3';
exception when others then
  return 'sha256';  -- no pgcrypto, or an OpenSSL without SM3
end
$$;
comment on function epi_private.audit_hash_alg() is 'sm3 where pgcrypto computes it, else sha256: the algorithm new seals use.';
