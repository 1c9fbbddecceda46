/* why: the pop-up of a framed sign-on opens the provider only for a hand-off that waits for it (under
   10 minutes old, not yet signed on): answers its method and the page to go on to, or no row. */
create or replace function epi.sso_handoff_pending(p_popup bytea)
returns table (method text, next text)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select h.method, h.next from epi_private.sso_handoff h
   where h.popup = p_popup and h.code is null and h.created_at >= now() - interval '10 minutes'
$$;
comment on function epi.sso_handoff_pending(bytea) is 'The method and next page of a hand-off still waiting for its pop-up''s sign-on.';
