/* why: the frame brings its secret and the code the pop-up handed it (issue 45, point 4): the signed-on
   user is taken once — both must match, within 10 minutes — and the frame's own session begins. A
   pop-up link sent to someone else completes nothing the sender can take: the code goes only to the
   window that opened the pop-up. */
create or replace function epi.sso_handoff_take(p_key bytea, p_code bytea)
returns table (method text, next text, signed_on jsonb)
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
  delete from epi_private.sso_handoff h
   where h.key = p_key and h.code = p_code and h.created_at >= now() - interval '10 minutes'
  returning h.method, h.next, h.signed_on
$$;
comment on function epi.sso_handoff_take(bytea, bytea) is 'Take (once) the user a framed sign-on''s pop-up established, by the frame''s key and the code.';
