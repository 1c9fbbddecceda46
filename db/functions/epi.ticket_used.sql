/* why: a bearer token for the JSON API may be used until it expires, unless it was a sign-on ticket. */
create or replace function epi.ticket_used(p_key bytea) returns boolean
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$ select exists (select from epi_private.used_ticket t where t.key = p_key) $$;
comment on function epi.ticket_used(bytea) is 'Whether an OA ticket was already used to sign on.';
