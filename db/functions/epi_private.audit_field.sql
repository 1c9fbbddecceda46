/* why: one field of the text an audit entry's hash covers (epi_private.audit_entry_text):
   its byte length, ':' and the text, or '-' for NULL, so that no two entries' texts run together. */
create or replace function epi_private.audit_field(p_value text) returns text
language sql immutable
set search_path = pg_catalog, pg_temp
as $$ select coalesce(octet_length(p_value)::text || ':' || p_value, '-') $$;
comment on function epi_private.audit_field(text) is 'One field of an audit entry''s hashed text: byte length, '':'' and the text, or ''-'' for NULL.';
