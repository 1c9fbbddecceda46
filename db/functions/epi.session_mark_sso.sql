/* why: a session begun from a CAS service ticket remembers the ticket's SHA-256 (issue 45), so the
   CAS server's single logout can name it (epi.session_end_sso). Set once, right after
   epi.session_begin, by the web login. */
create or replace function epi.session_mark_sso(p_key bytea, p_ticket bytea) returns void
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
  update epi_private.web_session set sso_ticket = p_ticket where key = p_key and sso_ticket is null;
$$;
comment on function epi.session_mark_sso(bytea, bytea) is 'Remember the CAS service ticket (its hash) a session began from.';
