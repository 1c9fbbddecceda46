/* why: the web login asks, as a user signs on through CAS or OpenID Connect without menus in the
   sign-on, which menus OA's role export grants the account and the roles it named (issue 45,
   point 2) — before the session begins, so that a user with none is refused, not signed on. */
create or replace function epi.menus_granted(p_account text, p_roles text[]) returns text[]
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select epi_private.granted_menus(p_account, p_roles)
$$;
comment on function epi.menus_granted(text, text[]) is
  'The menu codes OA''s role export grants an account and its roles (the web login, at sign-on).';
