/* why: the one hash of the audit chain, by the algorithm a seal names (sm3 or sha256). */
create or replace function epi_private.audit_hash(p_input text, p_alg text) returns text
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  select case p_alg when 'sm3' then epi_private.audit_sm3(p_input)
                    when 'sha256' then encode(sha256(convert_to(p_input, 'UTF8')), 'hex') end
$$;
comment on function epi_private.audit_hash(text, text) is 'Hex hash of a text by sm3 or sha256.';
