/* why: a sign-on by OpenID Connect begins (issue 45): its nonce, PKCE verifier and the page to go on
   to are kept under the SHA-256 of its state until the provider sends the user back (epi.sso_take);
   sign-ons older than 10 minutes go on the way. p_handoff: the pop-up's id (SHA-256) when the sign-on
   began in OA's frame and is carried out in a pop-up (epi.sso_handoff_complete). */
create or replace function epi.sso_begin(p_key bytea, p_method text, p_nonce text, p_verifier text, p_next text,
                                         p_handoff bytea default null)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  delete from epi_private.sso_state where created_at < now() - interval '10 minutes';
  insert into epi_private.sso_state (key, method, nonce, verifier, next, handoff)
  values (p_key, p_method, p_nonce, p_verifier, coalesce(p_next, '/'), p_handoff);
end
$$;
comment on function epi.sso_begin(bytea, text, text, text, text, bytea) is
  'Keep a sign-on under way (nonce, PKCE verifier, next page, the pop-up''s hand-off) by the hash of its state.';
