/* why: the chain's hash function. SM3 (GB/T 32905, what a 密评 assessment expects) where the
   server's pgcrypto provides it; SHA-256 (built in) elsewhere, e.g. a PostgreSQL without
   pgcrypto. epi_private.audit_sm3 is made only when pgcrypto is installed (a function that names
   epi_ext.digest could not be created without it); without it, it refuses. */
do $$
begin
  if exists (select from pg_catalog.pg_extension where extname = 'pgcrypto') then
    execute $f$
      create or replace function epi_private.audit_sm3(p_input text) returns text
      language sql immutable
      set search_path = pg_catalog, pg_temp
      as $b$ select encode(epi_ext.digest(convert_to(p_input, 'UTF8'), 'sm3'), 'hex') $b$ $f$;
  else
    execute $f$
      create or replace function epi_private.audit_sm3(p_input text) returns text
      language plpgsql immutable
      set search_path = pg_catalog, pg_temp
      as $b$ begin raise exception 'pgcrypto 未安装，无法计算 SM3' using errcode = 'feature_not_supported'; end $b$ $f$;
  end if;
end
$$;
comment on function epi_private.audit_sm3(text) is 'Hex SM3 of a text (pgcrypto), or an error where pgcrypto is missing.';
