/* why: the provider sent the user back with a state: the sign-on it names is taken once (a replayed
   or forged state finds nothing) if it began under 10 minutes ago. */
create or replace function epi.sso_take(p_key bytea)
returns table (method text, nonce text, verifier text, next text, handoff bytea)
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
  delete from epi_private.sso_state s where s.key = p_key and s.created_at >= now() - interval '10 minutes'
  returning s.method, s.nonce, s.verifier, s.next, s.handoff
$$;
comment on function epi.sso_take(bytea) is 'Take (once) the sign-on under way that a state names (with its pop-up''s hand-off), if under 10 minutes old.';
