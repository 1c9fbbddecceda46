/* why: a sign-on asked for inside OA's frame goes on in a pop-up (issue 45, point 4): the frame's
   secret and the pop-up's id are kept (as SHA-256) with the method and the page to go on to, until
   the pop-up's sign-on completes it (epi.sso_handoff_complete) and the frame takes it
   (epi.sso_handoff_take); hand-offs older than 10 minutes go on the way. */
create or replace function epi.sso_handoff_begin(p_key bytea, p_popup bytea, p_method text, p_next text) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  delete from epi_private.sso_handoff where created_at < now() - interval '10 minutes';
  insert into epi_private.sso_handoff (key, popup, method, next) values (p_key, p_popup, p_method, coalesce(p_next, '/'));
end
$$;
comment on function epi.sso_handoff_begin(bytea, bytea, text, text) is
  'Keep a sign-on begun in OA''s frame (the frame''s key, the pop-up''s id, method, next page) for its pop-up.';
